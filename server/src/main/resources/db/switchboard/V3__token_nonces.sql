-- Nonces of used TokenRequests, remembered until their request window has closed, so that a replayed request is
-- refused (40105) after a restart and on every node of the database. A row past expires_at counts as absent (a claim
-- takes it over); the nonce store deletes such rows now and then.
CREATE TABLE switchboard_token_nonces (
    key_name   TEXT   NOT NULL,
    nonce      TEXT   NOT NULL,
    expires_at BIGINT NOT NULL,   -- epoch millis
    PRIMARY KEY (key_name, nonce)
);

CREATE INDEX switchboard_token_nonces_expires_at ON switchboard_token_nonces (expires_at);
