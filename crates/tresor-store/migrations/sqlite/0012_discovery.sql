-- TLS endpoint discovery scans of a tenant: what was asked and what was
-- found (JSON in `body`), so results survive restarts and join reports.
CREATE TABLE discovery_scans (
    tenant     TEXT    NOT NULL REFERENCES tenants (id),
    id         TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    status     TEXT    NOT NULL,
    body       TEXT    NOT NULL,
    PRIMARY KEY (tenant, id)
) STRICT;
CREATE INDEX discovery_scans_created ON discovery_scans (tenant, created_at);
