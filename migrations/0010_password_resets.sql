-- One-time links to choose a new password, sent by mail. Same rules as email
-- verification: only the SHA-256 of the secret is kept. A newer request marks
-- the older links of the same user replaced, so only the newest one works.
CREATE TABLE password_resets (
    token_hash  BLOB PRIMARY KEY NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_at     TEXT,
    replaced_at TEXT
);
CREATE INDEX password_resets_by_user ON password_resets (user_id);

-- Sessions signed in before this moment no longer count (a password reset
-- sets it, ending every other session of the user). NULL: all sessions count.
ALTER TABLE users ADD COLUMN sessions_valid_after TEXT;
