-- The chat's table, as the original app used it, made valid: the record id comes from an identity
-- column (the original referenced a sequence it never created), and the columns the app relies on are
-- NOT NULL. msg_id is the realtime message id, so a redelivered INSERT is recognised.
CREATE TABLE chat_data (
    incremental_record_id BIGINT GENERATED ALWAYS AS IDENTITY,
    msg_id                TEXT    NOT NULL PRIMARY KEY,
    username              TEXT    NOT NULL,
    msg_data              TEXT    NOT NULL,
    client_id             TEXT    NOT NULL,
    created_at_timestamp  BIGINT  NOT NULL,
    is_edited             BOOLEAN NOT NULL DEFAULT FALSE,
    CONSTRAINT chat_data_record_id_unique UNIQUE (incremental_record_id)
);

-- UPDATE events must carry complete rows to subscribers, even for unchanged large (TOASTed) columns.
ALTER TABLE chat_data REPLICA IDENTITY FULL;
