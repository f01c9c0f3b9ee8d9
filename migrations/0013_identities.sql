-- Sign-in through identity providers. A person has a password, provider
-- identities, or both: passwords move to their own table beside
-- identities, so an account without one is simply an account without a row.
CREATE TABLE passwords (
    user_id    BLOB PRIMARY KEY NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    hash       TEXT NOT NULL,
    changed_at TEXT NOT NULL
);
INSERT INTO passwords (user_id, hash, changed_at) SELECT id, password_hash, created_at FROM users;
ALTER TABLE users DROP COLUMN password_hash;

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

