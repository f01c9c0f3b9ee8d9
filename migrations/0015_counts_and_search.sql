-- Active members per organization, kept by triggers so the seat check and
-- the members count read one row instead of counting every membership.
ALTER TABLE organizations ADD COLUMN active_members INTEGER NOT NULL DEFAULT 0;
UPDATE organizations SET active_members =
    (SELECT COUNT(*) FROM memberships m WHERE m.org_id = organizations.id AND m.status = 'active');

CREATE TRIGGER memberships_count_insert AFTER INSERT ON memberships
WHEN NEW.status = 'active'
BEGIN
    UPDATE organizations SET active_members = active_members + 1 WHERE id = NEW.org_id;
END;

CREATE TRIGGER memberships_count_delete AFTER DELETE ON memberships
WHEN OLD.status = 'active'
BEGIN
    UPDATE organizations SET active_members = active_members - 1 WHERE id = OLD.org_id;
END;

CREATE TRIGGER memberships_count_update AFTER UPDATE OF status, org_id ON memberships
WHEN (OLD.status = 'active') <> (NEW.status = 'active') OR OLD.org_id <> NEW.org_id
BEGIN
    UPDATE organizations SET active_members = active_members - (OLD.status = 'active') WHERE id = OLD.org_id;
    UPDATE organizations SET active_members = active_members + (NEW.status = 'active') WHERE id = NEW.org_id;
END;

-- Pending invitations are counted (bounded by the seats they hold) by an index.
CREATE INDEX invitations_pending_by_org ON invitations (org_id, status, expires_at);

-- Member search: the beginning of any word of a name or address ("ann",
-- "lee", "acme" for Ann Lee <ann.lee@acme.io>), found through a full-text
-- index instead of a LIKE scan of every member. Keyed by the user's id, not
-- the rowid, which VACUUM may renumber.
CREATE VIRTUAL TABLE users_search USING fts5(
    user_id UNINDEXED, name, email, tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO users_search (user_id, name, email) SELECT id, name, email FROM users;

CREATE TRIGGER users_search_insert AFTER INSERT ON users
BEGIN
    INSERT INTO users_search (user_id, name, email) VALUES (NEW.id, NEW.name, NEW.email);
END;

CREATE TRIGGER users_search_delete AFTER DELETE ON users
BEGIN
    DELETE FROM users_search WHERE user_id = OLD.id;
END;

CREATE TRIGGER users_search_update AFTER UPDATE OF name, email ON users
BEGIN
    UPDATE users_search SET name = NEW.name, email = NEW.email WHERE user_id = OLD.id;
END;
