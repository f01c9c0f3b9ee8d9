-- The organization the console opens on, kept with the user rather than in
-- the session (see SQLite's 0019).
ALTER TABLE users ADD COLUMN active_org_id UUID REFERENCES organizations(id) ON DELETE SET NULL;
