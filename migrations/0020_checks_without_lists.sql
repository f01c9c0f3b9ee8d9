-- The CHECKs of the rows invitations and their acceptance write, as
-- comparisons joined by OR instead of IN lists: SQLite checks a value
-- against a list of three or more by building a temporary b-tree of the
-- list, each time the statement runs. An invitation's INSERT checked three
-- lists (its status, role and sign-in provider), its mail's INSERT one,
-- and an acceptance's membership one and its change of status another.
-- The checks take and refuse exactly the values they did.
--
-- Only the tables' text in the schema changes, not a row or an index, by
-- the procedure SQLite's documentation gives for changes that leave every
-- row as it is (https://www.sqlite.org/lang_altertable.html, "Making Other
-- Kinds Of Table Schema Changes", which names removing a CHECK; each here
-- is replaced by one taking the same values), in this migration's
-- transaction. Each `replace` matches the text its list was created with.
-- Connections opened before keep the old, equivalent checks until they
-- are opened again; RESET makes this one read the new text at once.
PRAGMA writable_schema = ON;

UPDATE sqlite_schema
SET sql = replace(sql,
    'CHECK (role IN (''owner'', ''admin'', ''member''))',
    'CHECK (role = ''owner'' OR role = ''admin'' OR role = ''member'')')
WHERE type = 'table' AND name IN ('invitations', 'memberships');

UPDATE sqlite_schema
SET sql = replace(replace(sql,
    'CHECK (status IN (''pending'', ''accepted'', ''declined'', ''revoked'', ''expired'', ''failed''))',
    'CHECK (status = ''pending'' OR status = ''accepted'' OR status = ''declined''
                        OR status = ''revoked'' OR status = ''expired'' OR status = ''failed'')'),
    'CHECK (sign_in_provider IN (''any'', ''google'', ''entra''))',
    'CHECK (sign_in_provider = ''any'' OR sign_in_provider = ''google'' OR sign_in_provider = ''entra'')')
WHERE type = 'table' AND name = 'invitations';

UPDATE sqlite_schema
SET sql = replace(sql,
    'CHECK (status IN (''pending'', ''sent'', ''failed''))',
    'CHECK (status = ''pending'' OR status = ''sent'' OR status = ''failed'')')
WHERE type = 'table' AND name = 'outbox';

PRAGMA writable_schema = RESET;
