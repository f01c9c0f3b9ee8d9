-- Pending invitations per organization, kept by triggers like
-- active_members (0015): the seat check reads this counter and counts only
-- the pending invitations already past their expiry (few: a sweep marks
-- them expired), so an invitation costs the same with 10 pending as with
-- 10,000, where counting them all grew with every one.
ALTER TABLE organizations ADD COLUMN pending_invitations INTEGER NOT NULL DEFAULT 0;
UPDATE organizations SET pending_invitations =
    (SELECT COUNT(*) FROM invitations i WHERE i.org_id = organizations.id AND i.status = 'pending');

CREATE TRIGGER invitations_count_insert AFTER INSERT ON invitations
WHEN NEW.status = 'pending'
BEGIN
    UPDATE organizations SET pending_invitations = pending_invitations + 1 WHERE id = NEW.org_id;
END;

CREATE TRIGGER invitations_count_delete AFTER DELETE ON invitations
WHEN OLD.status = 'pending'
BEGIN
    UPDATE organizations SET pending_invitations = pending_invitations - 1 WHERE id = OLD.org_id;
END;

CREATE TRIGGER invitations_count_update AFTER UPDATE OF status, org_id ON invitations
WHEN (OLD.status = 'pending') <> (NEW.status = 'pending') OR OLD.org_id <> NEW.org_id
BEGIN
    UPDATE organizations SET pending_invitations = pending_invitations - (OLD.status = 'pending') WHERE id = OLD.org_id;
    UPDATE organizations SET pending_invitations = pending_invitations + (NEW.status = 'pending') WHERE id = NEW.org_id;
END;
