-- Pending invitations per organization, kept by a trigger like
-- active_members: the seat check reads this counter and counts only the
-- pending invitations already past their expiry (see SQLite's 0018).
ALTER TABLE organizations ADD COLUMN pending_invitations BIGINT NOT NULL DEFAULT 0;
UPDATE organizations SET pending_invitations =
    (SELECT COUNT(*) FROM invitations i WHERE i.org_id = organizations.id AND i.status = 'pending');

CREATE FUNCTION invitations_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.status = 'pending' THEN
        UPDATE organizations SET pending_invitations = pending_invitations - 1 WHERE id = OLD.org_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.status = 'pending' THEN
        UPDATE organizations SET pending_invitations = pending_invitations + 1 WHERE id = NEW.org_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER invitations_count AFTER INSERT OR DELETE OR UPDATE OF status, org_id ON invitations
    FOR EACH ROW EXECUTE FUNCTION invitations_count();
