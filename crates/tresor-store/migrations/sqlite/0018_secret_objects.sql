-- Secret-store objects (issue 9): containers, orders, consumers, ACLs,
-- quotas and tenant preferences as typed JSON documents. They hold
-- references only, never payloads or key material. Times are microseconds
-- since the Unix epoch.
CREATE TABLE secret_objects (
    tenant     TEXT    NOT NULL REFERENCES tenants (id),
    kind       TEXT    NOT NULL,
    id         TEXT    NOT NULL,
    parent     TEXT,
    name       TEXT,
    subtype    TEXT,
    body       TEXT    NOT NULL, -- JSON document
    created_by TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    revision   INTEGER NOT NULL,
    PRIMARY KEY (tenant, kind, id)
) STRICT;
CREATE INDEX secret_objects_listing ON secret_objects (tenant, kind, created_at, id);
CREATE INDEX secret_objects_parent ON secret_objects (tenant, parent);
-- Secret listings filtered by algorithm or sorted by creation.
CREATE INDEX secrets_created ON secrets (tenant, created_at);
