-- Tresor MySQL / MariaDB schema, version 1 (the same logical schema as
-- SQLite). Needs InnoDB and MySQL 5.7+ / MariaDB 10.3+.
--
-- Timestamps are BIGINT microseconds since the Unix epoch; enums are their
-- wire names; ids are text (UUIDv7 ids sort by creation). Text is utf8mb4
-- with the utf8mb4_bin collation: comparisons are byte-exact and
-- case-sensitive, and ORDER BY id is creation order. Indexed columns have
-- lengths that keep every index under InnoDB's 3072-byte key limit.
-- `keys` is a reserved word in MySQL and is always quoted.

CREATE TABLE tenants (
    id           VARCHAR(63) NOT NULL PRIMARY KEY,
    display_name TEXT        NOT NULL,
    created_at   BIGINT      NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE `keys` (
    tenant               VARCHAR(63)  NOT NULL,
    id                   VARCHAR(36)  NOT NULL,
    alias                VARCHAR(128),
    description          TEXT         NOT NULL,
    algorithm            VARCHAR(64)  NOT NULL,
    operations           TEXT         NOT NULL, -- JSON array of operation names
    provider             VARCHAR(63)  NOT NULL,
    state                VARCHAR(32)  NOT NULL,
    primary_version      BIGINT       NOT NULL,
    tags                 MEDIUMTEXT   NOT NULL, -- JSON object; key_tags indexes it
    exportable           BOOLEAN      NOT NULL,
    publish_jwk          BOOLEAN      NOT NULL,
    internal             BOOLEAN      NOT NULL,
    origin               VARCHAR(32)  NOT NULL,
    rotation_period_secs BIGINT,
    next_rotation_at     BIGINT,
    destroy_at           BIGINT,
    revocation_reason    VARCHAR(64),
    revocation_message   TEXT,
    created_at           BIGINT       NOT NULL,
    updated_at           BIGINT       NOT NULL,
    activated_at         BIGINT,
    deactivated_at       BIGINT,
    destroyed_at         BIGINT,
    revision             BIGINT       NOT NULL,
    PRIMARY KEY (tenant, id),
    -- Aliases are unique per tenant (NULLs never collide). The adapter maps
    -- a duplicate entry for this key (by name) to "alias taken".
    UNIQUE KEY keys_alias (tenant, alias),
    -- keys_due: rotation and scheduled destroy, across tenants.
    KEY keys_next_rotation (next_rotation_at),
    KEY keys_destroy_at (destroy_at),
    CONSTRAINT keys_tenant FOREIGN KEY (tenant) REFERENCES tenants (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- One row per (key, tag name): what the tag filter of list_keys searches.
-- Binary columns: exact matches, no trailing-space padding.
CREATE TABLE key_tags (
    tenant VARCHAR(63)     NOT NULL,
    key_id VARCHAR(36)     NOT NULL,
    name   VARBINARY(512)  NOT NULL,
    value  VARBINARY(1024) NOT NULL,
    PRIMARY KEY (tenant, key_id, name),
    KEY key_tags_lookup (tenant, name, value, key_id),
    CONSTRAINT key_tags_key FOREIGN KEY (tenant, key_id)
        REFERENCES `keys` (tenant, id) ON DELETE CASCADE
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE key_versions (
    tenant       VARCHAR(63) NOT NULL,
    key_id       VARCHAR(36) NOT NULL,
    version      BIGINT      NOT NULL,
    state        VARCHAR(32) NOT NULL,
    handle       LONGBLOB    NOT NULL, -- wrapped material or provider reference
    public_key   LONGBLOB,
    created_at   BIGINT      NOT NULL,
    destroyed_at BIGINT,
    PRIMARY KEY (tenant, key_id, version),
    CONSTRAINT key_versions_key FOREIGN KEY (tenant, key_id) REFERENCES `keys` (tenant, id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE api_keys (
    tenant         VARCHAR(63)    NOT NULL,
    id             VARCHAR(36)    NOT NULL,
    name           TEXT           NOT NULL,
    role           VARCHAR(32)    NOT NULL,
    platform_admin BOOLEAN        NOT NULL,
    token_hash     VARBINARY(64)  NOT NULL, -- SHA-256 of the token, never the token
    token_prefix   VARCHAR(64)    NOT NULL,
    created_at     BIGINT         NOT NULL,
    created_by     TEXT           NOT NULL,
    expires_at     BIGINT,
    revoked_at     BIGINT,
    PRIMARY KEY (tenant, id),
    UNIQUE KEY api_keys_token_hash (token_hash),
    CONSTRAINT api_keys_tenant FOREIGN KEY (tenant) REFERENCES tenants (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE cert_principals (
    tenant     VARCHAR(63)  NOT NULL,
    subject_cn VARCHAR(512) NOT NULL,
    role       VARCHAR(32)  NOT NULL,
    created_at BIGINT       NOT NULL,
    created_by TEXT         NOT NULL,
    PRIMARY KEY (tenant, subject_cn),
    KEY cert_principals_cn (subject_cn),
    CONSTRAINT cert_principals_tenant FOREIGN KEY (tenant) REFERENCES tenants (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Provider-private, already protected blobs (e.g. wrapped tenant keys).
CREATE TABLE provider_blobs (
    provider VARCHAR(63)  NOT NULL,
    name     VARCHAR(512) NOT NULL,
    value    LONGBLOB     NOT NULL,
    PRIMARY KEY (provider, name)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- The hash-chained audit trail. Append-only: the triggers below refuse any
-- UPDATE or DELETE (TRUNCATE and DROP need privileges Tresor's database user
-- should not have).
CREATE TABLE audit (
    seq        BIGINT       NOT NULL PRIMARY KEY,
    time       BIGINT       NOT NULL,
    tenant     VARCHAR(255) NOT NULL,
    principal  TEXT         NOT NULL,
    action     TEXT         NOT NULL,
    object     TEXT,
    outcome    VARCHAR(32)  NOT NULL,
    error_code TEXT,
    request_id TEXT         NOT NULL,
    source     TEXT,
    detail     TEXT,
    prev_hash  VARBINARY(32) NOT NULL,
    hash       VARBINARY(32) NOT NULL,
    KEY audit_tenant_seq (tenant, seq),
    KEY audit_time (time)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the audit trail is append-only';

CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'the audit trail is append-only';

-- The chain head: one row, locked (SELECT ... FOR UPDATE) by every commit
-- that appends audit records and updated in the same transaction, so every
-- Tresor node sharing this database extends one chain.
CREATE TABLE audit_head (
    id   TINYINT       NOT NULL PRIMARY KEY,
    seq  BIGINT        NOT NULL,
    hash VARBINARY(32) NOT NULL
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, UNHEX(REPEAT('00', 32)));
