-- Signed audit checkpoints: an audit key's signature over the chain head
-- (seq, hash) at `time`. `tenant` is the tenant whose audit key signed, or
-- '' for the global audit key. Append-only, like the audit trail.
CREATE TABLE audit_checkpoints (
    seq         BIGINT        NOT NULL,
    tenant      VARCHAR(63)   NOT NULL,
    hash        VARBINARY(32) NOT NULL,
    time        BIGINT        NOT NULL,
    key_id      VARCHAR(36)   NOT NULL,
    key_version BIGINT        NOT NULL,
    algorithm   VARCHAR(64)   NOT NULL,
    signature   BLOB          NOT NULL,
    PRIMARY KEY (seq, tenant),
    KEY audit_checkpoints_tenant_seq (tenant, seq)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TRIGGER audit_checkpoints_no_update BEFORE UPDATE ON audit_checkpoints FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit checkpoints are append-only';

CREATE TRIGGER audit_checkpoints_no_delete BEFORE DELETE ON audit_checkpoints FOR EACH ROW
    SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit checkpoints are append-only';
