-- Leases: named, expiring locks that let one of several holders (Tresor
-- nodes) do a job at a time, e.g. the scheduler ("scheduler"). A holder
-- takes a free or expired lease and renews it before it expires.
CREATE TABLE leases (
    name       TEXT    NOT NULL PRIMARY KEY,
    holder     TEXT    NOT NULL,
    expires_at INTEGER NOT NULL -- microseconds since the Unix epoch
) STRICT;
