-- Billing and members permissions apply to the whole organization only
-- (domain::access::Grant::new). Rows that limited them to one project were
-- never honoured; remove them, and refuse new ones at the database too.
DELETE FROM grants
WHERE project_id IS NOT NULL AND (permission LIKE 'billing:%' OR permission LIKE 'members:%');

CREATE TRIGGER grants_org_wide_only
BEFORE INSERT ON grants
WHEN NEW.project_id IS NOT NULL AND (NEW.permission LIKE 'billing:%' OR NEW.permission LIKE 'members:%')
BEGIN
    SELECT RAISE(ABORT, 'billing and members permissions apply to the whole organization');
END;
