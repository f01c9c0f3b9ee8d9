-- Teams, permission grants, and the access an invitation carries.

CREATE TABLE teams (
    id         BLOB PRIMARY KEY NOT NULL,
    org_id     BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name       TEXT NOT NULL CHECK (length(name) <= 100),
    created_at TEXT NOT NULL,
    UNIQUE (org_id, name)
);

CREATE TABLE team_members (
    team_id  BLOB NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id  BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_at TEXT NOT NULL,
    PRIMARY KEY (team_id, user_id)
);
CREATE INDEX team_members_by_user ON team_members (user_id);

-- A permission held by one member or one team, org-wide (project_id NULL)
-- or on one project.
CREATE TABLE grants (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    org_id     BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id    BLOB REFERENCES users(id) ON DELETE CASCADE,
    team_id    BLOB REFERENCES teams(id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    project_id BLOB REFERENCES projects(id) ON DELETE CASCADE,
    CHECK ((user_id IS NULL) <> (team_id IS NULL))
);
CREATE UNIQUE INDEX grants_unique ON grants (org_id, COALESCE(user_id, team_id), permission, COALESCE(project_id, x''));
CREATE INDEX grants_by_user ON grants (org_id, user_id);
CREATE INDEX grants_by_team ON grants (team_id);

CREATE TABLE invitation_teams (
    invitation_id BLOB NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    team_id       BLOB NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    PRIMARY KEY (invitation_id, team_id)
);

CREATE TABLE invitation_grants (
    invitation_id BLOB NOT NULL REFERENCES invitations(id) ON DELETE CASCADE,
    permission    TEXT NOT NULL,
    project_id    BLOB REFERENCES projects(id) ON DELETE CASCADE
);
CREATE INDEX invitation_grants_by_invitation ON invitation_grants (invitation_id);

-- Narrowed admins: default admin permissions taken away from one member.
CREATE TABLE role_exclusions (
    org_id     BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    permission TEXT NOT NULL,
    PRIMARY KEY (org_id, user_id, permission)
);
