-- Signed audit checkpoints: an audit key's signature over the chain head
-- (seq, hash) at `time`. `tenant` is the tenant whose audit key signed, or
-- '' for the global audit key. Append-only, like the audit trail.
CREATE TABLE audit_checkpoints (
    seq         INTEGER NOT NULL,
    tenant      TEXT    NOT NULL,
    hash        BLOB    NOT NULL,
    time        INTEGER NOT NULL,
    key_id      TEXT    NOT NULL,
    key_version INTEGER NOT NULL,
    algorithm   TEXT    NOT NULL,
    signature   BLOB    NOT NULL,
    PRIMARY KEY (seq, tenant)
) STRICT;

CREATE INDEX audit_checkpoints_tenant_seq ON audit_checkpoints (tenant, seq);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;

CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints
BEGIN
    SELECT RAISE(ABORT, 'audit checkpoints are append-only');
END;
