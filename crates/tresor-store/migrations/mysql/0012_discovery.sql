-- TLS endpoint discovery scans of a tenant: what was asked and what was
-- found (JSON in `body`), so results survive restarts and join reports.
CREATE TABLE discovery_scans (
    tenant     VARCHAR(63) NOT NULL,
    id         VARCHAR(36) NOT NULL,
    created_at BIGINT      NOT NULL,
    status     VARCHAR(16) NOT NULL,
    body       LONGTEXT    NOT NULL,
    PRIMARY KEY (tenant, id),
    KEY discovery_scans_created (tenant, created_at),
    CONSTRAINT discovery_scans_tenant FOREIGN KEY (tenant) REFERENCES tenants (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
