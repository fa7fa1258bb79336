-- SIEM streaming: per-sink cursor into the audit chain (the outbox is the
-- audit table itself; a sink has received every record up to `seq`).
CREATE TABLE audit_sink_cursors (
    name       VARCHAR(63) NOT NULL PRIMARY KEY,
    seq        BIGINT      NOT NULL,
    updated_at BIGINT      NOT NULL -- microseconds since the Unix epoch
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Alerts raised by the evaluator; tenant '' is deployment-wide.
CREATE TABLE alerts (
    id              VARCHAR(64)  NOT NULL PRIMARY KEY,
    tenant          VARCHAR(128) NOT NULL,
    rule            VARCHAR(64)  NOT NULL,
    subject         VARCHAR(255) NOT NULL,
    severity        VARCHAR(16)  NOT NULL,
    state           VARCHAR(16)  NOT NULL,
    message         TEXT         NOT NULL,
    opened_at       BIGINT       NOT NULL,
    updated_at      BIGINT       NOT NULL,
    acknowledged_by VARCHAR(255),
    acknowledged_at BIGINT,
    cleared_at      BIGINT,
    INDEX alerts_tenant_opened (tenant, opened_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
