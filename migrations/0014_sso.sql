-- Organization single sign-on (seed 003): the organization's connection to
-- an identity provider, the email domains it claims, and the provider
-- groups whose members its teams follow.

CREATE TABLE sso_connections (
    org_id        BLOB PRIMARY KEY NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    -- A configured provider's name, or `org-<org id>` for the organization's
    -- own OpenID Connect provider described by the three columns below.
    provider      TEXT NOT NULL,
    issuer        TEXT,
    client_id     TEXT,
    client_secret TEXT,
    -- Entra: only accounts of the organization's own tenant.
    tenant        TEXT,
    default_role  TEXT NOT NULL DEFAULT 'member' CHECK (default_role IN ('admin', 'member')),
    require_sso   INTEGER NOT NULL DEFAULT 0 CHECK (require_sso IN (0, 1)),
    created_at    TEXT NOT NULL,
    CHECK ((issuer IS NULL) = (client_id IS NULL) AND (issuer IS NULL) = (client_secret IS NULL)),
    CHECK ((issuer IS NULL) = (provider NOT LIKE 'org-%'))
);

-- One domain belongs to one organization.
CREATE TABLE sso_domains (
    domain     TEXT PRIMARY KEY NOT NULL,
    org_id     BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    claimed_by BLOB NOT NULL REFERENCES users(id),
    claimed_at TEXT NOT NULL
);
CREATE INDEX sso_domains_by_org ON sso_domains (org_id);

CREATE TABLE sso_group_teams (
    org_id     BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    group_name TEXT NOT NULL CHECK (length(group_name) BETWEEN 1 AND 256),
    team_id    BLOB NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (org_id, group_name, team_id)
);
