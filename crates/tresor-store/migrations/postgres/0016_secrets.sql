-- Stored secrets (issue 9): metadata in clear, the payload only as
-- AEAD ciphertext under a per-secret data key, itself wrapped by a tenant key.
-- Times are microseconds since the Unix epoch.
CREATE TABLE secrets (
    tenant       VARCHAR(63) COLLATE "C" NOT NULL REFERENCES tenants (id),
    id           VARCHAR(36) COLLATE "C" NOT NULL,
    name         VARCHAR(255) COLLATE "C",
    secret_type  VARCHAR(32) NOT NULL,
    algorithm    VARCHAR(64),
    bit_length   BIGINT,
    mode         VARCHAR(64),
    content_type VARCHAR(255),
    expiration   BIGINT,
    metadata     TEXT   NOT NULL, -- JSON object of strings
    created_by   TEXT   NOT NULL,
    state        VARCHAR(32) NOT NULL,
    wrapping_key VARCHAR(36),
    wrapped_key  BYTEA,
    payload      BYTEA,
    created_at   BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    revision     BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX secrets_name ON secrets (tenant, name);
