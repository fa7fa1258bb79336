-- Signed audit checkpoints: an audit key's signature over the chain head
-- (seq, hash) at `time`. `tenant` is the tenant whose audit key signed, or
-- '' for the global audit key. Append-only, like the audit trail.
CREATE TABLE audit_checkpoints (
    seq         BIGINT                  NOT NULL,
    tenant      VARCHAR(63) COLLATE "C" NOT NULL,
    hash        BYTEA                   NOT NULL,
    time        BIGINT                  NOT NULL,
    key_id      VARCHAR(36) COLLATE "C" NOT NULL,
    key_version BIGINT                  NOT NULL,
    algorithm   TEXT                    NOT NULL,
    signature   BYTEA                   NOT NULL,
    PRIMARY KEY (seq, tenant)
);

CREATE INDEX audit_checkpoints_tenant_seq ON audit_checkpoints (tenant, seq);

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE OR DELETE ON audit_checkpoints
    FOR EACH ROW EXECUTE FUNCTION tresor_audit_append_only();

CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints
    FOR EACH STATEMENT EXECUTE FUNCTION tresor_audit_append_only();
