-- Accounts, organizations, memberships, audit trail and the mail outbox.
-- Ids are UUIDs stored as 16-byte BLOBs; times are RFC 3339 UTC text, which
-- sorts and compares correctly as text.

CREATE TABLE users (
    id                BLOB PRIMARY KEY NOT NULL,
    email             TEXT NOT NULL UNIQUE CHECK (length(email) <= 254),
    name              TEXT NOT NULL CHECK (length(name) <= 100),
    password_hash     TEXT NOT NULL,
    email_verified_at TEXT,
    created_at        TEXT NOT NULL
);

-- One-time links that prove an address belongs to a user. Only the SHA-256
-- of the secret is kept.
CREATE TABLE email_verifications (
    token_hash BLOB PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    email      TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

CREATE TABLE organizations (
    id                  BLOB PRIMARY KEY NOT NULL,
    name                TEXT NOT NULL CHECK (length(name) <= 100),
    slug                TEXT NOT NULL UNIQUE,
    seat_limit          INTEGER NOT NULL DEFAULT 10 CHECK (seat_limit >= 1),
    invitation_ttl_days INTEGER NOT NULL DEFAULT 7 CHECK (invitation_ttl_days BETWEEN 1 AND 30),
    created_at          TEXT NOT NULL
);

CREATE TABLE memberships (
    org_id     BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       TEXT NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    status     TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'removed')),
    joined_at  TEXT NOT NULL,
    removed_at TEXT,
    removed_by BLOB REFERENCES users(id),
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_by_user ON memberships (user_id, status);
CREATE INDEX memberships_by_org_role ON memberships (org_id, status, role);

CREATE TABLE audit_events (
    id       INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id   BLOB REFERENCES organizations(id) ON DELETE CASCADE,
    actor_id BLOB REFERENCES users(id),
    action   TEXT NOT NULL,
    target   TEXT NOT NULL,
    details  TEXT NOT NULL DEFAULT '',
    at       TEXT NOT NULL
);
CREATE INDEX audit_events_by_org ON audit_events (org_id, id DESC);

CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    to_addr         TEXT NOT NULL,
    subject         TEXT NOT NULL,
    text_body       TEXT NOT NULL,
    html_body       TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
CREATE INDEX outbox_due ON outbox (status, next_attempt_at);
