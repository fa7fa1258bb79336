-- Certificates and certificate authorities (PKI), objects of a tenant.
-- Times are microseconds since the Unix epoch; flags are 0/1.
CREATE TABLE certificates (
    tenant            TEXT    NOT NULL REFERENCES tenants (id),
    id                TEXT    NOT NULL,
    serial            TEXT    NOT NULL,
    subject           TEXT    NOT NULL,
    issuer            TEXT    NOT NULL,
    sans              TEXT    NOT NULL, -- JSON array of "dns:…", "ip:…", …
    not_before        INTEGER NOT NULL,
    not_after         INTEGER NOT NULL,
    key_id            TEXT,
    ca                TEXT,
    is_ca             INTEGER NOT NULL,
    trust_anchor      INTEGER NOT NULL,
    origin            TEXT    NOT NULL,
    der               BLOB    NOT NULL,
    revoked_at        INTEGER,
    revocation_reason TEXT,
    created_at        INTEGER NOT NULL,
    PRIMARY KEY (tenant, id)
) STRICT;
CREATE INDEX certificates_expiry ON certificates (tenant, not_after);
CREATE INDEX certificates_serial ON certificates (tenant, serial);

CREATE TABLE cas (
    tenant          TEXT    NOT NULL REFERENCES tenants (id),
    name            TEXT    NOT NULL,
    key_id          TEXT    NOT NULL,
    cert_id         TEXT    NOT NULL,
    parent          TEXT,
    allowed_domains TEXT    NOT NULL, -- JSON array
    crl_number      INTEGER NOT NULL,
    crl             BLOB,
    crl_updated_at  INTEGER,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (tenant, name)
) STRICT;
