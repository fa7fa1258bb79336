//! `Store::commit` on SQLite: every change and every audit record of one call
//! in a single `BEGIN IMMEDIATE` transaction on the writer connection, with
//! the audit head cached between commits.

use sqlx::sqlite::{Sqlite, SqliteArguments, SqliteConnection};
use sqlx::{Connection, Transaction};
use tresor_core::audit::{AuditRecord, chain};
use tresor_core::{AuditEvent, Change, CommitUnit, KeyRecord, StoreError, VersionRecord};

use super::{Writer, audit, closed};
use crate::error::{UnsupportedChange, backend, write_error};
use crate::rows::{KEY_VALUE_COLUMNS, KeyRow, u64_col};

type Query<'q> = sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>;
type Tx<'c> = Transaction<'c, Sqlite>;

/// Applies `changes` and appends `events` atomically.
///
/// The cached head is taken out before anything else and only put back after
/// a successful COMMIT, so a failure, a rollback or a cancelled future all
/// leave it unknown and the next commit reads it from the database again.
pub(super) async fn commit(
    w: &mut Writer,
    changes: Vec<Change>,
    events: Vec<AuditEvent>,
) -> Result<Vec<AuditRecord>, StoreError> {
    let cached = w.head.take();
    let conn: &mut SqliteConnection = w.conn.as_mut().ok_or_else(closed)?;
    if let Some(head) = cached
        && changes.is_empty()
        && audit::fits_one_append(events.len())
    {
        let (seq, hash) = head;
        let records = chain(seq, hash, events);
        audit::append_in_one_round_trip(conn, &records).await?;
        w.head = Some(records.last().map_or(head, |r| (r.seq, r.hash)));
        return Ok(records);
    }
    let mut tx = conn.begin_with("BEGIN IMMEDIATE").await.map_err(backend)?;
    match apply_all(&mut tx, changes, events, cached).await {
        Ok((records, head)) => {
            tx.commit().await.map_err(backend)?;
            w.head = Some(head);
            Ok(records)
        }
        Err(e) => {
            if let Err(rb) = tx.rollback().await {
                tracing::warn!(error = %rb, "rollback after a failed commit failed");
            }
            Err(e)
        }
    }
}

/// Commits several units in one `BEGIN IMMEDIATE` transaction (one fsync),
/// each inside its own SAVEPOINT: a unit that fails is rolled back to its
/// savepoint alone and reports its own error; the others commit. If the
/// final COMMIT fails, every unit fails.
pub(super) async fn commit_many(
    w: &mut Writer,
    units: Vec<CommitUnit>,
) -> Vec<Result<Vec<AuditRecord>, StoreError>> {
    let n = units.len();
    let mut head = w.head.take();
    let Some(conn) = w.conn.as_mut() else {
        return (0..n).map(|_| Err(closed())).collect();
    };
    let mut tx = match conn.begin_with("BEGIN IMMEDIATE").await {
        Ok(tx) => tx,
        Err(e) => {
            let msg = e.to_string();
            return (0..n).map(|_| Err(batch_failed(&msg))).collect();
        }
    };
    let mut results = Vec::with_capacity(n);
    for unit in units {
        let outcome = match tx.begin().await {
            Ok(mut sp) => match apply_all(&mut sp, unit.changes, unit.audit, head).await {
                Ok((records, new_head)) => match sp.commit().await {
                    Ok(()) => {
                        head = Some(new_head);
                        Ok(records)
                    }
                    Err(e) => Err(backend(e)),
                },
                Err(e) => {
                    if let Err(rb) = sp.rollback().await {
                        tracing::warn!(error = %rb, "rollback to a savepoint failed");
                    }
                    Err(e)
                }
            },
            Err(e) => Err(backend(e)),
        };
        if outcome.is_err() {
            // Re-read the head inside the transaction for the next unit.
            head = None;
        }
        results.push(outcome);
    }
    match tx.commit().await {
        Ok(()) => {
            w.head = head;
            results
        }
        Err(e) => {
            let msg = e.to_string();
            (0..n).map(|_| Err(batch_failed(&msg))).collect()
        }
    }
}

fn batch_failed(msg: &str) -> StoreError {
    StoreError::Backend(format!("group commit failed: {msg}").into())
}

/// Everything inside the transaction; returns the records and the new head.
async fn apply_all(
    tx: &mut Tx<'_>,
    changes: Vec<Change>,
    events: Vec<AuditEvent>,
    cached: Option<(u64, [u8; 32])>,
) -> Result<(Vec<AuditRecord>, (u64, [u8; 32])), StoreError> {
    for change in changes {
        apply(tx, change).await?;
    }
    let (seq, hash) = match cached {
        Some(head) => head,
        None => audit::read_head(&mut **tx).await?,
    };
    let records = chain(seq, hash, events);
    // A taken seq means another process wrote to the file behind the
    // cached head; the head is re-read on the next commit.
    audit::insert_many(tx, &records)
        .await
        .map_err(|e| match e {
            StoreError::Duplicate => StoreError::Conflict,
            e => e,
        })?;
    let head = records.last().map_or((seq, hash), |r| (r.seq, r.hash));
    Ok((records, head))
}

async fn apply(tx: &mut Tx<'_>, change: Change) -> Result<(), StoreError> {
    if super::pki::apply(tx, &change).await? {
        return Ok(());
    }
    if super::secrets::apply(tx, &change).await? {
        return Ok(());
    }
    if super::objects::apply(tx, &change).await? {
        return Ok(());
    }
    match change {
        Change::CreateTenant(t) => {
            sqlx::query("INSERT INTO tenants (id, display_name, created_at) VALUES (?, ?, ?)")
                .bind(t.id.as_str().to_owned())
                .bind(t.display_name)
                .bind(t.created_at.unix_micros())
                .execute(&mut **tx)
                .await
                .map_err(write_error)?;
        }
        Change::CreateKey(k) => create_key(tx, &k).await?,
        Change::UpdateKey {
            key,
            expected_revision,
        } => update_key(tx, &key, expected_revision).await?,
        Change::CreateVersion(v) => create_version(tx, v).await?,
        Change::UpdateVersion(v) => update_version(tx, v).await?,
        Change::CreateApiKey(a) => {
            sqlx::query(
                "INSERT INTO api_keys (tenant, id, name, role, platform_admin, token_hash, \
                 token_prefix, created_at, created_by, expires_at, revoked_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(a.tenant.as_str().to_owned())
            .bind(a.id.to_string())
            .bind(a.name)
            .bind(a.role.as_str())
            .bind(a.platform_admin)
            .bind(a.token_hash)
            .bind(a.token_prefix)
            .bind(a.created_at.unix_micros())
            .bind(a.created_by)
            .bind(a.expires_at.map(|t| t.unix_micros()))
            .bind(a.revoked_at.map(|t| t.unix_micros()))
            .execute(&mut **tx)
            .await
            .map_err(write_error)?;
        }
        Change::RevokeApiKey { tenant, id, at } => {
            // A second revoke keeps the first revocation time.
            let done = sqlx::query(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, ?) \
                 WHERE tenant = ? AND id = ?",
            )
            .bind(at.unix_micros())
            .bind(tenant.as_str().to_owned())
            .bind(id.to_string())
            .execute(&mut **tx)
            .await
            .map_err(write_error)?;
            require_row(done.rows_affected())?;
        }
        Change::UpsertCertPrincipal(p) => {
            sqlx::query(
                "INSERT INTO cert_principals (tenant, subject_cn, role, created_at, created_by) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT (tenant, subject_cn) DO UPDATE SET \
                 role = excluded.role, created_at = excluded.created_at, \
                 created_by = excluded.created_by",
            )
            .bind(p.tenant.as_str().to_owned())
            .bind(p.subject_cn)
            .bind(p.role.as_str())
            .bind(p.created_at.unix_micros())
            .bind(p.created_by)
            .execute(&mut **tx)
            .await
            .map_err(write_error)?;
        }
        Change::DeleteCertPrincipal { tenant, subject_cn } => {
            let done =
                sqlx::query("DELETE FROM cert_principals WHERE tenant = ? AND subject_cn = ?")
                    .bind(tenant.as_str().to_owned())
                    .bind(subject_cn)
                    .execute(&mut **tx)
                    .await
                    .map_err(write_error)?;
            require_row(done.rows_affected())?;
        }
        Change::PutCheckpoint(c) => super::checkpoints::insert(tx, &c).await?,
        Change::PutDiscoveryScan(d) => super::discovery::put(tx, &d).await?,
        Change::PutAlert(a) => super::evidence::put_alert(tx, &a).await?,
        other => {
            // The variant name only: the payload may hold wrapped blobs.
            let name = format!("{other:?}")
                .chars()
                .take_while(|c| c.is_alphanumeric())
                .collect();
            return Err(StoreError::Backend(Box::new(UnsupportedChange(name))));
        }
    }
    Ok(())
}

/// An update or delete that matched no row is a [`StoreError::Conflict`].
fn require_row(affected: u64) -> Result<(), StoreError> {
    if affected == 0 {
        Err(StoreError::Conflict)
    } else {
        Ok(())
    }
}

/// Binds the non-key columns of a key in [`KEY_VALUE_COLUMNS`] order.
fn bind_key_values(q: Query<'_>, r: KeyRow) -> Query<'_> {
    q.bind(r.alias)
        .bind(r.description)
        .bind(r.algorithm)
        .bind(r.operations)
        .bind(r.provider)
        .bind(r.state)
        .bind(r.primary_version)
        .bind(r.tags)
        .bind(r.exportable)
        .bind(r.publish_jwk)
        .bind(r.internal)
        .bind(r.origin)
        .bind(r.rotation_period_secs)
        .bind(r.next_rotation_at)
        .bind(r.destroy_at)
        .bind(r.revocation_reason)
        .bind(r.revocation_message)
        .bind(r.created_at)
        .bind(r.updated_at)
        .bind(r.activated_at)
        .bind(r.deactivated_at)
        .bind(r.destroyed_at)
        .bind(r.revision)
}

fn insert_key_sql() -> String {
    let cols = KEY_VALUE_COLUMNS.join(", ");
    let marks = vec!["?"; KEY_VALUE_COLUMNS.len()].join(", ");
    format!("INSERT INTO keys (tenant, id, {cols}) VALUES (?, ?, {marks})")
}

fn update_key_sql() -> String {
    let sets: Vec<String> = KEY_VALUE_COLUMNS
        .iter()
        .map(|c| format!("{c} = ?"))
        .collect();
    format!(
        "UPDATE keys SET {} WHERE tenant = ? AND id = ? AND revision = ?",
        sets.join(", ")
    )
}

async fn create_key(tx: &mut Tx<'_>, k: &KeyRecord) -> Result<(), StoreError> {
    let row = KeyRow::new(k, k.revision)?;
    let (tenant, id) = (row.tenant.clone(), row.id.clone());
    let sql = insert_key_sql();
    bind_key_values(sqlx::query(&sql).bind(tenant).bind(id), row)
        .execute(&mut **tx)
        .await
        .map_err(write_error)?;
    write_tags(tx, k, false).await
}

async fn update_key(tx: &mut Tx<'_>, k: &KeyRecord, expected: u64) -> Result<(), StoreError> {
    let next = expected.checked_add(1).ok_or(StoreError::Conflict)?;
    let row = KeyRow::new(k, next)?;
    let (tenant, id) = (row.tenant.clone(), row.id.clone());
    let sql = update_key_sql();
    let done = bind_key_values(sqlx::query(&sql), row)
        .bind(tenant)
        .bind(id)
        .bind(u64_col("revision", expected)?)
        .execute(&mut **tx)
        .await
        .map_err(write_error)?;
    require_row(done.rows_affected())?;
    write_tags(tx, k, true).await
}

/// Mirrors the key's tags into `key_tags` (the indexed copy).
async fn write_tags(tx: &mut Tx<'_>, k: &KeyRecord, replace: bool) -> Result<(), StoreError> {
    let tenant = k.tenant.as_str();
    let id = k.id.to_string();
    if replace {
        sqlx::query("DELETE FROM key_tags WHERE tenant = ? AND key_id = ?")
            .bind(tenant.to_owned())
            .bind(id.clone())
            .execute(&mut **tx)
            .await
            .map_err(write_error)?;
    }
    for (name, value) in &k.tags {
        sqlx::query("INSERT INTO key_tags (tenant, key_id, name, value) VALUES (?, ?, ?, ?)")
            .bind(tenant.to_owned())
            .bind(id.clone())
            .bind(name.clone())
            .bind(value.clone())
            .execute(&mut **tx)
            .await
            .map_err(write_error)?;
    }
    Ok(())
}

async fn create_version(tx: &mut Tx<'_>, v: VersionRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO key_versions (tenant, key_id, version, state, handle, public_key, \
         created_at, destroyed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(v.tenant.as_str().to_owned())
    .bind(v.key_id.to_string())
    .bind(i64::from(v.version))
    .bind(v.state.as_str())
    .bind(v.handle)
    .bind(v.public_key)
    .bind(v.created_at.unix_micros())
    .bind(v.destroyed_at.map(|t| t.unix_micros()))
    .execute(&mut **tx)
    .await
    .map_err(write_error)?;
    Ok(())
}

async fn update_version(tx: &mut Tx<'_>, v: VersionRecord) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE key_versions SET state = ?, handle = ?, destroyed_at = ? \
         WHERE tenant = ? AND key_id = ? AND version = ?",
    )
    .bind(v.state.as_str())
    .bind(v.handle)
    .bind(v.destroyed_at.map(|t| t.unix_micros()))
    .bind(v.tenant.as_str().to_owned())
    .bind(v.key_id.to_string())
    .bind(i64::from(v.version))
    .execute(&mut **tx)
    .await
    .map_err(write_error)?;
    require_row(done.rows_affected())
}
