-- SIEM streaming: per-sink cursor into the audit chain (the outbox is the
-- audit table itself; a sink has received every record up to `seq`).
CREATE TABLE audit_sink_cursors (
    name       TEXT    NOT NULL PRIMARY KEY,
    seq        INTEGER NOT NULL,
    updated_at INTEGER NOT NULL -- microseconds since the Unix epoch
) STRICT;

-- Alerts raised by the evaluator; tenant '' is deployment-wide.
CREATE TABLE alerts (
    id              TEXT    NOT NULL PRIMARY KEY,
    tenant          TEXT    NOT NULL,
    rule            TEXT    NOT NULL,
    subject         TEXT    NOT NULL,
    severity        TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    message         TEXT    NOT NULL,
    opened_at       INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    acknowledged_by TEXT,
    acknowledged_at INTEGER,
    cleared_at      INTEGER
) STRICT;
CREATE INDEX alerts_tenant_opened ON alerts (tenant, opened_at);
