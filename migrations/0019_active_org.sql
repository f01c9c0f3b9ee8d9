-- The organization the console opens on, kept with the user rather than in
-- the session: an accept or a new organization records it in its own
-- transaction instead of a second write (the session's) after it, and it
-- outlives signing out.
ALTER TABLE users ADD COLUMN active_org_id BLOB REFERENCES organizations(id) ON DELETE SET NULL;
