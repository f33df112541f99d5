-- Persisted channels: each channel's epoch and last serial, and its messages partitioned by day of storage,
-- so that expired days are dropped whole.
CREATE TABLE switchboard_channels (
    app_id   TEXT   NOT NULL,
    channel  TEXT   NOT NULL,
    epoch    TEXT   NOT NULL,
    last_seq BIGINT NOT NULL,
    PRIMARY KEY (app_id, channel)
);

CREATE TABLE switchboard_messages (
    app_id     TEXT   NOT NULL,
    channel    TEXT   NOT NULL,
    epoch      TEXT   NOT NULL,
    seq        BIGINT NOT NULL,
    msg_id     TEXT   NOT NULL,
    msg_time   BIGINT NOT NULL,
    stored_at  BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    day        DATE   NOT NULL,
    body       BYTEA  NOT NULL,   -- the accepted message, MessagePack as on the wire
    PRIMARY KEY (app_id, channel, epoch, seq, day)
) PARTITION BY RANGE (day);

CREATE INDEX switchboard_messages_stored_at ON switchboard_messages (stored_at);
