-- Members: last activity, fast keyset pages, and project access that removal can cascade to.

ALTER TABLE users ADD COLUMN last_active_at TEXT;

-- The members table sorts by name inside one organization; keeping the sort
-- key on the membership lets one index serve the order and the keyset.
ALTER TABLE memberships ADD COLUMN sort_name TEXT NOT NULL DEFAULT '';
CREATE TRIGGER memberships_sort_name AFTER INSERT ON memberships BEGIN
    UPDATE memberships SET sort_name = (SELECT lower(name) FROM users WHERE id = NEW.user_id)
    WHERE org_id = NEW.org_id AND user_id = NEW.user_id;
END;
CREATE TRIGGER users_name_sort AFTER UPDATE OF name ON users BEGIN
    UPDATE memberships SET sort_name = lower(NEW.name) WHERE user_id = NEW.id;
END;
CREATE INDEX memberships_org_name ON memberships (org_id, status, sort_name, user_id);
CREATE INDEX memberships_org_joined ON memberships (org_id, status, joined_at, user_id);

-- Projects of an organization. Who may see one is a grant (see 0005).
CREATE TABLE projects (
    id          BLOB PRIMARY KEY NOT NULL,
    org_id      BLOB NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
    name        TEXT NOT NULL CHECK (length(name) <= 100),
    archived_at TEXT,
    created_at  TEXT NOT NULL
);
CREATE INDEX projects_by_org ON projects (org_id);
