-- SIEM streaming: per-sink cursor into the audit chain (the outbox is the
-- audit table itself; a sink has received every record up to `seq`).
CREATE TABLE audit_sink_cursors (
    name       VARCHAR(63) COLLATE "C" NOT NULL PRIMARY KEY,
    seq        BIGINT NOT NULL,
    updated_at BIGINT NOT NULL -- microseconds since the Unix epoch
);

-- Alerts raised by the evaluator; tenant '' is deployment-wide.
CREATE TABLE alerts (
    id              VARCHAR(64)  COLLATE "C" NOT NULL PRIMARY KEY,
    tenant          VARCHAR(128) COLLATE "C" NOT NULL,
    rule            VARCHAR(64)  COLLATE "C" NOT NULL,
    subject         VARCHAR(255) COLLATE "C" NOT NULL,
    severity        VARCHAR(16)  NOT NULL,
    state           VARCHAR(16)  NOT NULL,
    message         TEXT         NOT NULL,
    opened_at       BIGINT       NOT NULL,
    updated_at      BIGINT       NOT NULL,
    acknowledged_by VARCHAR(255),
    acknowledged_at BIGINT,
    cleared_at      BIGINT
);
CREATE INDEX alerts_tenant_opened ON alerts (tenant, opened_at);
