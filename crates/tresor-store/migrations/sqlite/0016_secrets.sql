-- Stored secrets (issue 9): metadata in clear, the payload only as
-- AEAD ciphertext under a per-secret data key, itself wrapped by a tenant key.
-- Times are microseconds since the Unix epoch.
CREATE TABLE secrets (
    tenant       TEXT    NOT NULL REFERENCES tenants (id),
    id           TEXT    NOT NULL,
    name         TEXT,
    secret_type  TEXT    NOT NULL,
    algorithm    TEXT,
    bit_length   INTEGER,
    mode         TEXT,
    content_type TEXT,
    expiration   INTEGER,
    metadata     TEXT    NOT NULL, -- JSON object of strings
    created_by   TEXT    NOT NULL,
    state        TEXT    NOT NULL,
    wrapping_key TEXT,
    wrapped_key  BLOB,
    payload      BLOB,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    revision     INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
) STRICT;
CREATE INDEX secrets_name ON secrets (tenant, name);
