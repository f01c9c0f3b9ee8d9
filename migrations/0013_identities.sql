-- no-transaction
-- Sign-in through identity providers. A person has a password, provider
-- identities, or both, so the password becomes optional. SQLite cannot drop
-- NOT NULL in place: the table is rebuilt the documented way, with foreign
-- keys off so the rows that reference users are neither checked nor
-- cascaded while the old table is dropped.
PRAGMA foreign_keys = OFF;
BEGIN IMMEDIATE;

CREATE TABLE users_new (
    id                   BLOB PRIMARY KEY NOT NULL,
    email                TEXT NOT NULL UNIQUE CHECK (length(email) <= 254),
    name                 TEXT NOT NULL CHECK (length(name) <= 100),
    password_hash        TEXT,
    email_verified_at    TEXT,
    created_at           TEXT NOT NULL,
    last_active_at       TEXT,
    sessions_valid_after TEXT
);
INSERT INTO users_new (id, email, name, password_hash, email_verified_at, created_at, last_active_at, sessions_valid_after)
    SELECT id, email, name, password_hash, email_verified_at, created_at, last_active_at, sessions_valid_after FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE TRIGGER users_name_sort AFTER UPDATE OF name ON users BEGIN
    UPDATE memberships SET sort_name = lower(NEW.name) WHERE user_id = NEW.id;
END;

-- One row per account at a provider. (issuer, subject) is the provider's
-- own stable name for the person; for Entra the issuer carries the tenant,
-- and tid/oid are kept to match invitations and organizations by tenant.
CREATE TABLE identities (
    id           BLOB PRIMARY KEY NOT NULL,
    user_id      BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    provider     TEXT NOT NULL,
    issuer       TEXT NOT NULL,
    subject      TEXT NOT NULL,
    tid          TEXT,
    oid          TEXT,
    email        TEXT,
    created_at   TEXT NOT NULL,
    last_used_at TEXT NOT NULL,
    UNIQUE (issuer, subject)
);
CREATE INDEX identities_by_user ON identities (user_id);

-- The sign-in method an invitation requires (seed 004).
ALTER TABLE invitations ADD COLUMN sign_in_provider TEXT NOT NULL DEFAULT 'any'
    CHECK (sign_in_provider IN ('any', 'google', 'entra'));
ALTER TABLE invitations ADD COLUMN sign_in_tenant TEXT
    CHECK (sign_in_tenant IS NULL OR sign_in_provider = 'entra');

COMMIT;
PRAGMA foreign_keys = ON;
