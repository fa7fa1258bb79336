-- Tresor PostgreSQL schema, version 1 (the same logical schema as SQLite).
--
-- Timestamps are BIGINT microseconds since the Unix epoch; enums are their
-- wire names; ids are text (UUIDv7 ids sort by creation). Identifier columns
-- use the "C" collation: comparisons are byte-exact and case-sensitive, and
-- ORDER BY id is creation order, whatever the database's default locale.

CREATE TABLE tenants (
    id           VARCHAR(63) COLLATE "C" NOT NULL PRIMARY KEY,
    display_name TEXT                    NOT NULL,
    created_at   BIGINT                  NOT NULL
);

CREATE TABLE keys (
    tenant               VARCHAR(63)  COLLATE "C" NOT NULL REFERENCES tenants (id),
    id                   VARCHAR(36)  COLLATE "C" NOT NULL,
    alias                VARCHAR(128) COLLATE "C",
    description          TEXT    NOT NULL,
    algorithm            TEXT    NOT NULL,
    operations           TEXT    NOT NULL, -- JSON array of operation names
    provider             TEXT    NOT NULL,
    state                TEXT    NOT NULL,
    primary_version      BIGINT  NOT NULL,
    tags                 TEXT    NOT NULL, -- JSON object; key_tags indexes it
    exportable           BOOLEAN NOT NULL,
    publish_jwk          BOOLEAN NOT NULL,
    internal             BOOLEAN NOT NULL,
    origin               TEXT    NOT NULL,
    rotation_period_secs BIGINT,
    next_rotation_at     BIGINT,
    destroy_at           BIGINT,
    revocation_reason    TEXT,
    revocation_message   TEXT,
    created_at           BIGINT  NOT NULL,
    updated_at           BIGINT  NOT NULL,
    activated_at         BIGINT,
    deactivated_at       BIGINT,
    destroyed_at         BIGINT,
    revision             BIGINT  NOT NULL,
    PRIMARY KEY (tenant, id)
);

-- Aliases are unique per tenant (NULLs never collide). The adapter maps a
-- violation of this index (by name) to "alias taken".
CREATE UNIQUE INDEX keys_alias ON keys (tenant, alias);
-- keys_due: rotation and scheduled destroy, across tenants.
CREATE INDEX keys_next_rotation ON keys (next_rotation_at) WHERE next_rotation_at IS NOT NULL;
CREATE INDEX keys_destroy_at ON keys (destroy_at) WHERE destroy_at IS NOT NULL;

-- One row per (key, tag name): what the tag filter of list_keys searches.
CREATE TABLE key_tags (
    tenant VARCHAR(63) COLLATE "C" NOT NULL,
    key_id VARCHAR(36) COLLATE "C" NOT NULL,
    name   TEXT COLLATE "C" NOT NULL,
    value  TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant, key_id, name),
    FOREIGN KEY (tenant, key_id) REFERENCES keys (tenant, id) ON DELETE CASCADE
);

CREATE INDEX key_tags_lookup ON key_tags (tenant, name, value, key_id);

CREATE TABLE key_versions (
    tenant       VARCHAR(63) COLLATE "C" NOT NULL,
    key_id       VARCHAR(36) COLLATE "C" NOT NULL,
    version      BIGINT NOT NULL,
    state        TEXT   NOT NULL,
    handle       BYTEA  NOT NULL, -- wrapped material or provider reference
    public_key   BYTEA,
    created_at   BIGINT NOT NULL,
    destroyed_at BIGINT,
    PRIMARY KEY (tenant, key_id, version),
    FOREIGN KEY (tenant, key_id) REFERENCES keys (tenant, id)
);

CREATE TABLE api_keys (
    tenant         VARCHAR(63) COLLATE "C" NOT NULL REFERENCES tenants (id),
    id             VARCHAR(36) COLLATE "C" NOT NULL,
    name           TEXT    NOT NULL,
    role           TEXT    NOT NULL,
    platform_admin BOOLEAN NOT NULL,
    token_hash     BYTEA   NOT NULL, -- SHA-256 of the token, never the token
    token_prefix   TEXT    NOT NULL,
    created_at     BIGINT  NOT NULL,
    created_by     TEXT    NOT NULL,
    expires_at     BIGINT,
    revoked_at     BIGINT,
    PRIMARY KEY (tenant, id)
);

CREATE UNIQUE INDEX api_keys_token_hash ON api_keys (token_hash);

CREATE TABLE cert_principals (
    tenant     VARCHAR(63)  COLLATE "C" NOT NULL REFERENCES tenants (id),
    subject_cn VARCHAR(512) COLLATE "C" NOT NULL,
    role       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    created_by TEXT   NOT NULL,
    PRIMARY KEY (tenant, subject_cn)
);

CREATE INDEX cert_principals_cn ON cert_principals (subject_cn);

-- Provider-private, already protected blobs (e.g. wrapped tenant keys).
CREATE TABLE provider_blobs (
    provider VARCHAR(63)  COLLATE "C" NOT NULL,
    name     VARCHAR(512) COLLATE "C" NOT NULL,
    value    BYTEA NOT NULL,
    PRIMARY KEY (provider, name)
);

-- The hash-chained audit trail. Append-only: the triggers below refuse any
-- UPDATE, DELETE or TRUNCATE.
CREATE TABLE audit (
    seq        BIGINT NOT NULL PRIMARY KEY,
    time       BIGINT NOT NULL,
    tenant     VARCHAR(255) COLLATE "C" NOT NULL,
    principal  TEXT   NOT NULL,
    action     TEXT   NOT NULL,
    object     TEXT,
    outcome    TEXT   NOT NULL,
    error_code TEXT,
    request_id TEXT   NOT NULL,
    source     TEXT,
    detail     TEXT,
    prev_hash  BYTEA  NOT NULL,
    hash       BYTEA  NOT NULL
);

CREATE INDEX audit_tenant_seq ON audit (tenant, seq);
CREATE INDEX audit_time ON audit (time);

CREATE FUNCTION tresor_audit_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only'
        USING ERRCODE = 'insufficient_privilege';
END;
$$;

CREATE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION tresor_audit_append_only();

CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION tresor_audit_append_only();

-- The chain head: one row, locked (SELECT ... FOR UPDATE) by every commit
-- that appends audit records and updated in the same transaction, so every
-- Tresor node sharing this database extends one chain.
CREATE TABLE audit_head (
    id   SMALLINT NOT NULL PRIMARY KEY CHECK (id = 1),
    seq  BIGINT   NOT NULL,
    hash BYTEA    NOT NULL
);

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));
