-- Certificates and certificate authorities (PKI), objects of a tenant.
-- Times are microseconds since the Unix epoch; flags are 0/1.
CREATE TABLE certificates (
    tenant            VARCHAR(63)  NOT NULL,
    id                VARCHAR(36)  NOT NULL,
    serial            VARCHAR(128) NOT NULL,
    subject           TEXT         NOT NULL,
    issuer            TEXT         NOT NULL,
    sans              TEXT         NOT NULL, -- JSON array of "dns:…", "ip:…", …
    not_before        BIGINT       NOT NULL,
    not_after         BIGINT       NOT NULL,
    key_id            VARCHAR(36),
    ca                VARCHAR(63),
    is_ca             BIGINT       NOT NULL,
    trust_anchor      BIGINT       NOT NULL,
    origin            VARCHAR(32)  NOT NULL,
    der               LONGBLOB     NOT NULL,
    revoked_at        BIGINT,
    revocation_reason TEXT,
    created_at        BIGINT       NOT NULL,
    PRIMARY KEY (tenant, id),
    KEY certificates_expiry (tenant, not_after),
    KEY certificates_serial (tenant, serial),
    CONSTRAINT certificates_tenant FOREIGN KEY (tenant) REFERENCES tenants (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE cas (
    tenant          VARCHAR(63) NOT NULL,
    name            VARCHAR(63) NOT NULL,
    key_id          VARCHAR(36) NOT NULL,
    cert_id         VARCHAR(36) NOT NULL,
    parent          VARCHAR(63),
    allowed_domains TEXT        NOT NULL, -- JSON array
    crl_number      BIGINT      NOT NULL,
    crl             LONGBLOB,
    crl_updated_at  BIGINT,
    created_at      BIGINT      NOT NULL,
    PRIMARY KEY (tenant, name),
    CONSTRAINT cas_tenant FOREIGN KEY (tenant) REFERENCES tenants (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
