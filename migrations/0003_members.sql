-- Members: last activity, fast keyset pages, and project access that removal can cascade to.

ALTER TABLE users ADD COLUMN last_active_at TEXT;

CREATE INDEX memberships_org_joined ON memberships (org_id, status, joined_at, user_id);
CREATE INDEX users_name_nocase ON users (name COLLATE NOCASE, id);

-- Projects of an organization and who has been given access to each. The
-- Projects page fills these; removing a member can clear their rows.
CREATE TABLE projects (
    id          BLOB PRIMARY KEY NOT NULL,
    org_id      BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name        TEXT NOT NULL CHECK (length(name) <= 100),
    archived_at TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX projects_by_org ON projects (org_id);

CREATE TABLE project_members (
    project_id BLOB NOT NULL REFERENCES projects(id) ON DELETE CASCADE,
    user_id    BLOB NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    added_at   TEXT NOT NULL,
    PRIMARY KEY (project_id, user_id)
);
CREATE INDEX project_members_by_user ON project_members (user_id);
