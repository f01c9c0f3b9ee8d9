-- Organization API keys for the /api/v1 JSON API. Only the SHA-256 of the
-- secret is kept, with its last four characters for display. A key acts as
-- its creator, narrowed to its scopes: the creator's access is read again on
-- every request, so a removed or narrowed creator removes or narrows the key.
CREATE TABLE api_keys (
    id           BLOB PRIMARY KEY NOT NULL,
    org_id       BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name         TEXT NOT NULL CHECK (length(name) <= 100),
    -- Space-separated scope names, e.g. 'members:read invitations:write'.
    scopes       TEXT NOT NULL,
    secret_hash  BLOB NOT NULL UNIQUE,
    last_four    TEXT NOT NULL CHECK (length(last_four) = 4),
    created_by   BLOB NOT NULL REFERENCES users(id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT,
    last_used_at TEXT,
    revoked_at   TEXT,
    revoked_by   BLOB REFERENCES users(id)
);
CREATE INDEX api_keys_by_org ON api_keys (org_id, created_at DESC);

-- The key an audited action was done with (the actor is its creator).
ALTER TABLE audit_events ADD COLUMN api_key_id BLOB REFERENCES api_keys(id);
