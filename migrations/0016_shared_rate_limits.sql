-- Rate-limit windows live in the database, so every replica over it counts
-- against one allowance. Times are milliseconds since the Unix epoch.
CREATE TABLE rate_limits (
    key         TEXT PRIMARY KEY NOT NULL,
    window_ends INTEGER NOT NULL,
    hits        INTEGER NOT NULL
) WITHOUT ROWID;
