-- Certificates and certificate authorities (PKI), objects of a tenant.
-- Times are microseconds since the Unix epoch; flags are 0/1.
CREATE TABLE certificates (
    tenant            VARCHAR(63) COLLATE "C" NOT NULL REFERENCES tenants (id),
    id                VARCHAR(36) COLLATE "C" NOT NULL,
    serial            VARCHAR(128) COLLATE "C" NOT NULL,
    subject           TEXT   NOT NULL,
    issuer            TEXT   NOT NULL,
    sans              TEXT   NOT NULL, -- JSON array of "dns:…", "ip:…", …
    not_before        BIGINT NOT NULL,
    not_after         BIGINT NOT NULL,
    key_id            VARCHAR(36),
    ca                VARCHAR(63) COLLATE "C",
    is_ca             BIGINT NOT NULL,
    trust_anchor      BIGINT NOT NULL,
    origin            TEXT   NOT NULL,
    der               BYTEA  NOT NULL,
    revoked_at        BIGINT,
    revocation_reason TEXT,
    created_at        BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX certificates_expiry ON certificates (tenant, not_after);
CREATE INDEX certificates_serial ON certificates (tenant, serial);

CREATE TABLE cas (
    tenant          VARCHAR(63) COLLATE "C" NOT NULL REFERENCES tenants (id),
    name            VARCHAR(63) COLLATE "C" NOT NULL,
    key_id          VARCHAR(36) NOT NULL,
    cert_id         VARCHAR(36) NOT NULL,
    parent          VARCHAR(63) COLLATE "C",
    allowed_domains TEXT   NOT NULL, -- JSON array
    crl_number      BIGINT NOT NULL,
    crl             BYTEA,
    crl_updated_at  BIGINT,
    created_at      BIGINT NOT NULL,
    PRIMARY KEY (tenant, name)
);
