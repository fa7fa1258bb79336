-- Stored secrets (issue 9): metadata in clear, the payload only as
-- AEAD ciphertext under a per-secret data key, itself wrapped by a tenant key.
-- Times are microseconds since the Unix epoch.
CREATE TABLE secrets (
    tenant       VARCHAR(63)  NOT NULL,
    id           VARCHAR(36)  NOT NULL,
    name         VARCHAR(255),
    secret_type  VARCHAR(32)  NOT NULL,
    algorithm    VARCHAR(64),
    bit_length   BIGINT,
    mode         VARCHAR(64),
    content_type VARCHAR(255),
    expiration   BIGINT,
    metadata     TEXT         NOT NULL, -- JSON object of strings
    created_by   TEXT         NOT NULL,
    state        VARCHAR(32)  NOT NULL,
    wrapping_key VARCHAR(36),
    wrapped_key  LONGBLOB,
    payload      LONGBLOB,
    created_at   BIGINT       NOT NULL,
    updated_at   BIGINT       NOT NULL,
    revision     BIGINT       NOT NULL,
    PRIMARY KEY (tenant, id),
    KEY secrets_name (tenant, name),
    CONSTRAINT secrets_tenant FOREIGN KEY (tenant) REFERENCES tenants (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
