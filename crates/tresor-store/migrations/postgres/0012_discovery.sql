-- TLS endpoint discovery scans of a tenant: what was asked and what was
-- found (JSON in `body`), so results survive restarts and join reports.
CREATE TABLE discovery_scans (
    tenant     VARCHAR(63) COLLATE "C" NOT NULL REFERENCES tenants (id),
    id         VARCHAR(36) COLLATE "C" NOT NULL,
    created_at BIGINT                  NOT NULL,
    status     TEXT                    NOT NULL,
    body       TEXT                    NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX discovery_scans_created ON discovery_scans (tenant, created_at);
