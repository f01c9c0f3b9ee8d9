-- Answers to /api/v1 requests sent with an Idempotency-Key, per API key, so
-- a retried request gets the first answer instead of acting twice. A row
-- with no status is a first request still being answered. Rows older than a
-- day are deleted whenever a new key is claimed.
CREATE TABLE idempotent_requests (
    api_key_id   BLOB NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
    key          TEXT NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash BLOB NOT NULL,
    status       INTEGER,
    body         TEXT,
    created_at   TEXT NOT NULL,
    PRIMARY KEY (api_key_id, key)
);
CREATE INDEX idempotent_requests_by_age ON idempotent_requests (created_at);
