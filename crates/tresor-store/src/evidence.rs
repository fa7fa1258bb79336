//! The `audit_sink_cursors` and `alerts` tables, shared by every SQL
//! backend: statements built once (generic over the backend, with its
//! placeholders; only the upsert clause differs), and rows back to
//! [`AlertRecord`]s.

use sqlx::{Database, Encode, QueryBuilder, Type};
use tresor_core::{AlertFilter, AlertRecord, AlertSeverity, AlertState, StoreError, Timestamp};

use crate::Backend;
use crate::rows::{RowExt, page_limit, u64_col};

/// Columns of `alerts`, in [`AlertRow`] order.
const ALERT_COLUMNS: &str = "id, tenant, rule, subject, severity, state, message, opened_at, \
     updated_at, acknowledged_by, acknowledged_at, cleared_at";

/// Default and maximum number of alerts per read.
const DEFAULT_LIMIT: u32 = 100;
const MAX_LIMIT: u32 = 1000;

/// Longest sink name (the column width).
const MAX_SINK_NAME: usize = 63;

/// Sink names are 1-63 characters.
pub(crate) fn check_sink_name(name: &str) -> Result<(), StoreError> {
    if name.is_empty() || name.len() > MAX_SINK_NAME {
        return Err(StoreError::Corrupt(format!(
            "sink names are 1 to {MAX_SINK_NAME} bytes"
        )));
    }
    Ok(())
}

/// This machine's time in microseconds since the Unix epoch.
pub(crate) fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
}

/// `SELECT seq FROM audit_sink_cursors WHERE name = …`.
pub(crate) fn select_cursor<'a, DB: Database>(name: &str) -> QueryBuilder<'a, DB>
where
    DB::Arguments<'a>: Default,
    String: Encode<'a, DB> + Type<DB>,
{
    let mut q = QueryBuilder::<DB>::new("SELECT seq FROM audit_sink_cursors WHERE name = ");
    q.push_bind(name.to_owned());
    q
}

/// Inserts the cursor or raises it to `seq` (never lowers it).
pub(crate) fn upsert_cursor<'a, DB: Database>(
    backend: Backend,
    name: &str,
    seq: u64,
) -> Result<QueryBuilder<'a, DB>, StoreError>
where
    DB::Arguments<'a>: Default,
    i64: Encode<'a, DB> + Type<DB>,
    String: Encode<'a, DB> + Type<DB>,
{
    check_sink_name(name)?;
    let mut q =
        QueryBuilder::<DB>::new("INSERT INTO audit_sink_cursors (name, seq, updated_at) VALUES (");
    q.separated(", ")
        .push_bind(name.to_owned())
        .push_bind(u64_col("seq", seq)?)
        .push_bind(now_micros())
        .push_unseparated(")");
    q.push(match backend {
        Backend::Mysql => {
            " ON DUPLICATE KEY UPDATE updated_at = IF(VALUES(seq) > seq, VALUES(updated_at), updated_at), \
             seq = GREATEST(seq, VALUES(seq))"
        }
        Backend::Sqlite | Backend::Postgres => {
            " ON CONFLICT (name) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at \
             WHERE audit_sink_cursors.seq < excluded.seq"
        }
    });
    Ok(q)
}

/// Inserts the alert or replaces every column of the one with its id.
pub(crate) fn upsert_alert<'a, DB: Database>(
    backend: Backend,
    a: &AlertRecord,
) -> QueryBuilder<'a, DB>
where
    DB::Arguments<'a>: Default,
    i64: Encode<'a, DB> + Type<DB>,
    String: Encode<'a, DB> + Type<DB>,
    Option<String>: Encode<'a, DB> + Type<DB>,
    Option<i64>: Encode<'a, DB> + Type<DB>,
{
    let mut q = QueryBuilder::<DB>::new(format!("INSERT INTO alerts ({ALERT_COLUMNS}) VALUES ("));
    q.separated(", ")
        .push_bind(a.id.clone())
        .push_bind(a.tenant.clone())
        .push_bind(a.rule.clone())
        .push_bind(a.subject.clone())
        .push_bind(a.severity.as_str().to_owned())
        .push_bind(a.state.as_str().to_owned())
        .push_bind(a.message.clone())
        .push_bind(a.opened_at.unix_micros())
        .push_bind(a.updated_at.unix_micros())
        .push_bind(a.acknowledged_by.clone())
        .push_bind(a.acknowledged_at.map(Timestamp::unix_micros))
        .push_bind(a.cleared_at.map(Timestamp::unix_micros))
        .push_unseparated(")");
    let updated = [
        "severity",
        "state",
        "message",
        "updated_at",
        "acknowledged_by",
        "acknowledged_at",
        "cleared_at",
    ];
    match backend {
        Backend::Mysql => {
            let set: Vec<String> = updated
                .iter()
                .map(|c| format!("{c} = VALUES({c})"))
                .collect();
            q.push(" ON DUPLICATE KEY UPDATE ").push(set.join(", "));
        }
        Backend::Sqlite | Backend::Postgres => {
            let set: Vec<String> = updated
                .iter()
                .map(|c| format!("{c} = excluded.{c}"))
                .collect();
            q.push(" ON CONFLICT (id) DO UPDATE SET ")
                .push(set.join(", "));
        }
    }
    q
}

/// `SELECT … FROM alerts WHERE …` for `f`, newest first.
pub(crate) fn select_alerts<'a, DB: Database>(f: &AlertFilter) -> QueryBuilder<'a, DB>
where
    DB::Arguments<'a>: Default,
    i64: Encode<'a, DB> + Type<DB>,
    String: Encode<'a, DB> + Type<DB>,
{
    let mut q = QueryBuilder::<DB>::new(format!("SELECT {ALERT_COLUMNS} FROM alerts WHERE 1 = 1"));
    if let Some(tenants) = &f.tenants {
        if tenants.is_empty() {
            q.push(" AND 1 = 0");
        } else {
            q.push(" AND tenant IN (");
            let mut list = q.separated(", ");
            for t in tenants {
                list.push_bind(t.clone());
            }
            list.push_unseparated(")");
        }
    }
    if let Some(id) = &f.id {
        q.push(" AND id = ").push_bind(id.clone());
    }
    if f.active_only {
        q.push(" AND state <> 'cleared'");
    }
    q.push(" ORDER BY opened_at DESC, id DESC LIMIT ")
        .push_bind(i64::from(page_limit(f.limit, DEFAULT_LIMIT, MAX_LIMIT)));
    q
}

/// A row of `alerts` as an [`AlertRecord`].
pub(crate) fn alert_from_row(r: &impl RowExt) -> Result<AlertRecord, StoreError> {
    let corrupt = |col: &str| StoreError::Corrupt(format!("column {col}: unknown value"));
    Ok(AlertRecord {
        id: r.text("id")?,
        tenant: r.text("tenant")?,
        rule: r.text("rule")?,
        subject: r.text("subject")?,
        severity: AlertSeverity::parse(&r.text("severity")?).ok_or_else(|| corrupt("severity"))?,
        state: AlertState::parse(&r.text("state")?).ok_or_else(|| corrupt("state"))?,
        message: r.text("message")?,
        opened_at: Timestamp::from_unix_micros(r.int("opened_at")?),
        updated_at: Timestamp::from_unix_micros(r.int("updated_at")?),
        acknowledged_by: r.opt_text("acknowledged_by")?,
        acknowledged_at: r
            .opt_int("acknowledged_at")?
            .map(Timestamp::from_unix_micros),
        cleared_at: r.opt_int("cleared_at")?.map(Timestamp::from_unix_micros),
    })
}

/// A stored cursor value as a `u64`.
pub(crate) fn cursor_of(v: Option<i64>) -> Result<u64, StoreError> {
    v.map_or(Ok(0), |v| {
        u64::try_from(v).map_err(|_| StoreError::Corrupt("column seq: negative".into()))
    })
}
