-- After-publish rules: events waiting for delivery (committed before the publisher's ACK), delivered in id order
-- per (rule, channel), deleted once delivered; events that kept failing are moved to dead letters.
CREATE TABLE switchboard_rule_events (
    id         BIGINT PRIMARY KEY,
    rule_id    TEXT   NOT NULL,
    app_id     TEXT   NOT NULL,
    channel    TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    messages   BYTEA  NOT NULL   -- MessagePack array of the accepted messages
);

CREATE TABLE switchboard_dead_letters (
    id         BIGINT PRIMARY KEY,
    rule_id    TEXT   NOT NULL,
    app_id     TEXT   NOT NULL,
    channel    TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    messages   BYTEA  NOT NULL,
    attempts   INT    NOT NULL,
    last_error TEXT   NOT NULL,
    failed_at  BIGINT NOT NULL
);
