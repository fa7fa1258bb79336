-- Tresor SQLite schema, version 1.
--
-- Timestamps are INTEGER microseconds since the Unix epoch; enums are their
-- wire names; ids are text (UUIDv7 ids sort by creation). Tables are STRICT so
-- a wrongly typed value is refused instead of silently stored.

CREATE TABLE tenants (
    id           TEXT    NOT NULL PRIMARY KEY,
    display_name TEXT    NOT NULL,
    created_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE keys (
    tenant               TEXT    NOT NULL REFERENCES tenants (id),
    id                   TEXT    NOT NULL,
    alias                TEXT,
    description          TEXT    NOT NULL,
    algorithm            TEXT    NOT NULL,
    operations           TEXT    NOT NULL, -- JSON array of operation names
    provider             TEXT    NOT NULL,
    state                TEXT    NOT NULL,
    primary_version      INTEGER NOT NULL,
    tags                 TEXT    NOT NULL, -- JSON object; key_tags indexes it
    exportable           INTEGER NOT NULL,
    publish_jwk          INTEGER NOT NULL,
    internal             INTEGER NOT NULL,
    origin               TEXT    NOT NULL,
    rotation_period_secs INTEGER,
    next_rotation_at     INTEGER,
    destroy_at           INTEGER,
    revocation_reason    TEXT,
    revocation_message   TEXT,
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL,
    activated_at         INTEGER,
    deactivated_at       INTEGER,
    destroyed_at         INTEGER,
    revision             INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
) STRICT;

-- Aliases are unique per tenant (NULLs never collide).
CREATE UNIQUE INDEX keys_alias ON keys (tenant, alias);
-- keys_due: rotation and scheduled destroy, across tenants.
CREATE INDEX keys_next_rotation ON keys (next_rotation_at) WHERE next_rotation_at IS NOT NULL;
CREATE INDEX keys_destroy_at ON keys (destroy_at) WHERE destroy_at IS NOT NULL;

-- One row per (key, tag name): what the tag filter of list_keys searches.
CREATE TABLE key_tags (
    tenant TEXT NOT NULL,
    key_id TEXT NOT NULL,
    name   TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (tenant, key_id, name),
    FOREIGN KEY (tenant, key_id) REFERENCES keys (tenant, id) ON DELETE CASCADE
) STRICT;

CREATE INDEX key_tags_lookup ON key_tags (tenant, name, value, key_id);

CREATE TABLE key_versions (
    tenant       TEXT    NOT NULL,
    key_id       TEXT    NOT NULL,
    version      INTEGER NOT NULL,
    state        TEXT    NOT NULL,
    handle       BLOB    NOT NULL, -- wrapped material or provider reference
    public_key   BLOB,
    created_at   INTEGER NOT NULL,
    destroyed_at INTEGER,
    PRIMARY KEY (tenant, key_id, version),
    FOREIGN KEY (tenant, key_id) REFERENCES keys (tenant, id)
) STRICT;

CREATE TABLE api_keys (
    tenant         TEXT    NOT NULL REFERENCES tenants (id),
    id             TEXT    NOT NULL,
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL,
    platform_admin INTEGER NOT NULL,
    token_hash     BLOB    NOT NULL, -- SHA-256 of the token, never the token
    token_prefix   TEXT    NOT NULL,
    created_at     INTEGER NOT NULL,
    created_by     TEXT    NOT NULL,
    expires_at     INTEGER,
    revoked_at     INTEGER,
    PRIMARY KEY (tenant, id)
) STRICT;

CREATE UNIQUE INDEX api_keys_token_hash ON api_keys (token_hash);

CREATE TABLE cert_principals (
    tenant     TEXT    NOT NULL REFERENCES tenants (id),
    subject_cn TEXT    NOT NULL,
    role       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    created_by TEXT    NOT NULL,
    PRIMARY KEY (tenant, subject_cn)
) STRICT;

CREATE INDEX cert_principals_cn ON cert_principals (subject_cn);

-- Provider-private, already protected blobs (e.g. wrapped tenant keys).
CREATE TABLE provider_blobs (
    provider TEXT NOT NULL,
    name     TEXT NOT NULL,
    value    BLOB NOT NULL,
    PRIMARY KEY (provider, name)
) STRICT;

-- The hash-chained audit trail. Append-only: the triggers below refuse any
-- UPDATE or DELETE.
CREATE TABLE audit (
    seq        INTEGER PRIMARY KEY,
    time       INTEGER NOT NULL,
    tenant     TEXT    NOT NULL,
    principal  TEXT    NOT NULL,
    action     TEXT    NOT NULL,
    object     TEXT,
    outcome    TEXT    NOT NULL,
    error_code TEXT,
    request_id TEXT    NOT NULL,
    source     TEXT,
    detail     TEXT,
    prev_hash  BLOB    NOT NULL,
    hash       BLOB    NOT NULL
) STRICT;

CREATE INDEX audit_tenant_seq ON audit (tenant, seq);
CREATE INDEX audit_time ON audit (time);

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
BEGIN
    SELECT RAISE(ABORT, 'the audit trail is append-only');
END;
