-- Secret-store objects (issue 9): containers, orders, consumers, ACLs,
-- quotas and tenant preferences as typed JSON documents. They hold
-- references only, never payloads or key material. Times are microseconds
-- since the Unix epoch.
CREATE TABLE secret_objects (
    tenant     VARCHAR(63)  NOT NULL,
    kind       VARCHAR(16)  NOT NULL,
    id         VARCHAR(255) NOT NULL,
    parent     VARCHAR(255),
    name       VARCHAR(255),
    subtype    VARCHAR(64),
    body       MEDIUMTEXT   NOT NULL, -- JSON document
    created_by TEXT         NOT NULL,
    created_at BIGINT       NOT NULL,
    updated_at BIGINT       NOT NULL,
    revision   BIGINT       NOT NULL,
    PRIMARY KEY (tenant, kind, id),
    KEY secret_objects_listing (tenant, kind, created_at, id),
    KEY secret_objects_parent (tenant, parent),
    CONSTRAINT secret_objects_tenant FOREIGN KEY (tenant) REFERENCES tenants (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
CREATE INDEX secrets_created ON secrets (tenant, created_at);
