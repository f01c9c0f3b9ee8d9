-- A counter per membership that moves whenever what the member may do
-- changes: their role, their grants, their teams, their teams' grants, or a
-- narrowing. The heartbeat returns it, so an open console reloads the
-- member's permissions within seconds instead of offering stale controls.
ALTER TABLE memberships ADD COLUMN access_version INTEGER NOT NULL DEFAULT 0;

CREATE TRIGGER access_on_role AFTER UPDATE OF role ON memberships BEGIN
    UPDATE memberships SET access_version = access_version + 1
    WHERE org_id = NEW.org_id AND user_id = NEW.user_id;
END;

CREATE TRIGGER access_on_user_grant_added AFTER INSERT ON grants WHEN NEW.user_id IS NOT NULL BEGIN
    UPDATE memberships SET access_version = access_version + 1
    WHERE org_id = NEW.org_id AND user_id = NEW.user_id;
END;
CREATE TRIGGER access_on_user_grant_removed AFTER DELETE ON grants WHEN OLD.user_id IS NOT NULL BEGIN
    UPDATE memberships SET access_version = access_version + 1
    WHERE org_id = OLD.org_id AND user_id = OLD.user_id;
END;
CREATE TRIGGER access_on_team_grant_added AFTER INSERT ON grants WHEN NEW.team_id IS NOT NULL BEGIN
    UPDATE memberships SET access_version = access_version + 1
    WHERE org_id = NEW.org_id AND user_id IN (SELECT user_id FROM team_members WHERE team_id = NEW.team_id);
END;
CREATE TRIGGER access_on_team_grant_removed AFTER DELETE ON grants WHEN OLD.team_id IS NOT NULL BEGIN
    UPDATE memberships SET access_version = access_version + 1
    WHERE org_id = OLD.org_id AND user_id IN (SELECT user_id FROM team_members WHERE team_id = OLD.team_id);
END;

CREATE TRIGGER access_on_team_joined AFTER INSERT ON team_members BEGIN
    UPDATE memberships SET access_version = access_version + 1
    WHERE user_id = NEW.user_id AND org_id = (SELECT org_id FROM teams WHERE id = NEW.team_id);
END;
CREATE TRIGGER access_on_team_left AFTER DELETE ON team_members BEGIN
    UPDATE memberships SET access_version = access_version + 1
    WHERE user_id = OLD.user_id AND org_id = (SELECT org_id FROM teams WHERE id = OLD.team_id);
END;
-- Deleting a team cascades to its members and grants after the team row is
-- gone, when the triggers above can no longer find its organization.
CREATE TRIGGER access_on_team_deleted BEFORE DELETE ON teams BEGIN
    UPDATE memberships SET access_version = access_version + 1
    WHERE org_id = OLD.org_id AND user_id IN (SELECT user_id FROM team_members WHERE team_id = OLD.id);
END;

CREATE TRIGGER access_on_narrowed AFTER INSERT ON role_exclusions BEGIN
    UPDATE memberships SET access_version = access_version + 1
    WHERE org_id = NEW.org_id AND user_id = NEW.user_id;
END;
CREATE TRIGGER access_on_widened AFTER DELETE ON role_exclusions BEGIN
    UPDATE memberships SET access_version = access_version + 1
    WHERE org_id = OLD.org_id AND user_id = OLD.user_id;
END;
