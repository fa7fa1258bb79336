-- Secret-store objects (issue 9): containers, orders, consumers, ACLs,
-- quotas and tenant preferences as typed JSON documents. They hold
-- references only, never payloads or key material. Times are microseconds
-- since the Unix epoch.
CREATE TABLE secret_objects (
    tenant     VARCHAR(63)  COLLATE "C" NOT NULL REFERENCES tenants (id),
    kind       VARCHAR(16)  COLLATE "C" NOT NULL,
    id         VARCHAR(255) COLLATE "C" NOT NULL,
    parent     VARCHAR(255) COLLATE "C",
    name       VARCHAR(255) COLLATE "C",
    subtype    VARCHAR(64)  COLLATE "C",
    body       TEXT   NOT NULL, -- JSON document
    created_by TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    revision   BIGINT NOT NULL,
    PRIMARY KEY (tenant, kind, id)
);
CREATE INDEX secret_objects_listing ON secret_objects (tenant, kind, created_at, id);
CREATE INDEX secret_objects_parent ON secret_objects (tenant, parent);
CREATE INDEX secrets_created ON secrets (tenant, created_at);
