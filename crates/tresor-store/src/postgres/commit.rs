//! `Store::commit` on PostgreSQL: every change and every audit record of one
//! call in a single transaction. Several Tresor nodes may share the
//! database, so nothing is cached: the chain head is read from the one-row
//! `audit_head` table with `SELECT … FOR UPDATE` (after the changes, so the
//! lock is held only while appending) and updated in the same transaction.
//! Commits that append audit records therefore extend one chain in a single
//! order across every node; a deadlock victim is retried from scratch.

use sqlx::postgres::{PgArguments, PgPool, Postgres};
use sqlx::{Row, Transaction};
use tresor_core::audit::{AuditRecord, chain};
use tresor_core::{AuditEvent, Change, KeyRecord, StoreError, VersionRecord};

use super::audit::insert_records;
use super::error::{backend, write_error};
use crate::remote::{head_hash, head_seq, require_row, retry_transient, unsupported};
use crate::rows::{KEY_VALUE_COLUMNS, KeyRow, u64_col};

type Query<'q> = sqlx::query::Query<'q, Postgres, PgArguments>;
type Tx = Transaction<'static, Postgres>;

/// Applies `changes` and appends `events` atomically.
pub(super) async fn commit(
    pool: &PgPool,
    changes: Vec<Change>,
    events: Vec<AuditEvent>,
) -> Result<Vec<AuditRecord>, StoreError> {
    retry_transient(|| attempt(pool, &changes, &events)).await
}

/// One try; a failure drops the transaction, which rolls it back.
async fn attempt(
    pool: &PgPool,
    changes: &[Change],
    events: &[AuditEvent],
) -> Result<Vec<AuditRecord>, StoreError> {
    let mut tx = pool.begin().await.map_err(backend)?;
    for change in changes {
        apply(&mut tx, change).await?;
    }
    let records = if events.is_empty() {
        Vec::new()
    } else {
        append(&mut tx, events.to_vec()).await?
    };
    tx.commit().await.map_err(backend)?;
    Ok(records)
}

/// Locks the head, chains and inserts the records, moves the head.
async fn append(tx: &mut Tx, events: Vec<AuditEvent>) -> Result<Vec<AuditRecord>, StoreError> {
    let row = sqlx::query("SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE")
        .fetch_optional(&mut **tx)
        .await
        .map_err(backend)?
        .ok_or_else(|| StoreError::Corrupt("the audit_head row is missing".to_owned()))?;
    let seq = head_seq(row.try_get("seq").map_err(backend)?)?;
    let hash = head_hash(row.try_get("hash").map_err(backend)?)?;
    let records = chain(seq, hash, events);
    insert_records(tx, &records).await?;
    if let Some(last) = records.last() {
        sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
            .bind(u64_col("seq", last.seq)?)
            .bind(last.hash.to_vec())
            .execute(&mut **tx)
            .await
            .map_err(backend)?;
    }
    Ok(records)
}

async fn apply(tx: &mut Tx, change: &Change) -> Result<(), StoreError> {
    if super::pki::apply(tx, change).await? {
        return Ok(());
    }
    if super::secrets::apply(tx, change).await? {
        return Ok(());
    }
    if super::objects::apply(tx, change).await? {
        return Ok(());
    }
    let done = match change {
        Change::CreateTenant(t) => {
            sqlx::query("INSERT INTO tenants (id, display_name, created_at) VALUES ($1, $2, $3)")
                .bind(t.id.as_str())
                .bind(&t.display_name)
                .bind(t.created_at.unix_micros())
                .execute(&mut **tx)
                .await
        }
        Change::CreateKey(k) => return create_key(tx, k).await,
        Change::UpdateKey {
            key,
            expected_revision,
        } => return update_key(tx, key, *expected_revision).await,
        Change::CreateVersion(v) => return create_version(tx, v).await,
        Change::UpdateVersion(v) => return update_version(tx, v).await,
        Change::CreateApiKey(a) => {
            sqlx::query(
                "INSERT INTO api_keys (tenant, id, name, role, platform_admin, token_hash, \
                 token_prefix, created_at, created_by, expires_at, revoked_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(a.tenant.as_str())
            .bind(a.id.to_string())
            .bind(&a.name)
            .bind(a.role.as_str())
            .bind(a.platform_admin)
            .bind(&a.token_hash)
            .bind(&a.token_prefix)
            .bind(a.created_at.unix_micros())
            .bind(&a.created_by)
            .bind(a.expires_at.map(|t| t.unix_micros()))
            .bind(a.revoked_at.map(|t| t.unix_micros()))
            .execute(&mut **tx)
            .await
        }
        Change::RevokeApiKey { tenant, id, at } => {
            // A second revoke keeps the first revocation time.
            let done = sqlx::query(
                "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $1) \
                 WHERE tenant = $2 AND id = $3",
            )
            .bind(at.unix_micros())
            .bind(tenant.as_str())
            .bind(id.to_string())
            .execute(&mut **tx)
            .await
            .map_err(write_error)?;
            return require_row(done.rows_affected());
        }
        Change::UpsertCertPrincipal(p) => {
            sqlx::query(
                "INSERT INTO cert_principals (tenant, subject_cn, role, created_at, created_by) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (tenant, subject_cn) DO UPDATE SET \
                 role = EXCLUDED.role, created_at = EXCLUDED.created_at, \
                 created_by = EXCLUDED.created_by",
            )
            .bind(p.tenant.as_str())
            .bind(&p.subject_cn)
            .bind(p.role.as_str())
            .bind(p.created_at.unix_micros())
            .bind(&p.created_by)
            .execute(&mut **tx)
            .await
        }
        Change::DeleteCertPrincipal { tenant, subject_cn } => {
            let done =
                sqlx::query("DELETE FROM cert_principals WHERE tenant = $1 AND subject_cn = $2")
                    .bind(tenant.as_str())
                    .bind(subject_cn)
                    .execute(&mut **tx)
                    .await
                    .map_err(write_error)?;
            return require_row(done.rows_affected());
        }
        Change::PutCheckpoint(c) => return super::checkpoints::insert(tx, c).await,
        Change::PutDiscoveryScan(d) => return super::discovery::put(tx, d).await,
        Change::PutAlert(a) => return super::evidence::put_alert(tx, a).await,
        other => return Err(unsupported(other)),
    };
    done.map_err(write_error)?;
    Ok(())
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
    let marks: Vec<String> = (3..KEY_VALUE_COLUMNS.len() + 3)
        .map(|i| format!("${i}"))
        .collect();
    format!(
        "INSERT INTO keys (tenant, id, {cols}) VALUES ($1, $2, {})",
        marks.join(", ")
    )
}

fn update_key_sql() -> String {
    let sets: Vec<String> = KEY_VALUE_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    let n = KEY_VALUE_COLUMNS.len();
    format!(
        "UPDATE keys SET {} WHERE tenant = ${} AND id = ${} AND revision = ${}",
        sets.join(", "),
        n + 1,
        n + 2,
        n + 3
    )
}

async fn create_key(tx: &mut Tx, k: &KeyRecord) -> Result<(), StoreError> {
    let row = KeyRow::new(k, k.revision)?;
    let (tenant, id) = (row.tenant.clone(), row.id.clone());
    let sql = insert_key_sql();
    bind_key_values(sqlx::query(&sql).bind(tenant).bind(id), row)
        .execute(&mut **tx)
        .await
        .map_err(write_error)?;
    write_tags(tx, k, false).await
}

/// `WHERE revision = expected`: a concurrent writer (on any node) that
/// committed first leaves no matching row, so this one gets `Conflict`.
async fn update_key(tx: &mut Tx, k: &KeyRecord, expected: u64) -> Result<(), StoreError> {
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
async fn write_tags(tx: &mut Tx, k: &KeyRecord, replace: bool) -> Result<(), StoreError> {
    let tenant = k.tenant.as_str();
    let id = k.id.to_string();
    if replace {
        sqlx::query("DELETE FROM key_tags WHERE tenant = $1 AND key_id = $2")
            .bind(tenant)
            .bind(&id)
            .execute(&mut **tx)
            .await
            .map_err(write_error)?;
    }
    for (name, value) in &k.tags {
        sqlx::query("INSERT INTO key_tags (tenant, key_id, name, value) VALUES ($1, $2, $3, $4)")
            .bind(tenant)
            .bind(&id)
            .bind(name)
            .bind(value)
            .execute(&mut **tx)
            .await
            .map_err(write_error)?;
    }
    Ok(())
}

async fn create_version(tx: &mut Tx, v: &VersionRecord) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO key_versions (tenant, key_id, version, state, handle, public_key, \
         created_at, destroyed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(v.tenant.as_str())
    .bind(v.key_id.to_string())
    .bind(i64::from(v.version))
    .bind(v.state.as_str())
    .bind(&v.handle)
    .bind(&v.public_key)
    .bind(v.created_at.unix_micros())
    .bind(v.destroyed_at.map(|t| t.unix_micros()))
    .execute(&mut **tx)
    .await
    .map_err(write_error)?;
    Ok(())
}

async fn update_version(tx: &mut Tx, v: &VersionRecord) -> Result<(), StoreError> {
    let done = sqlx::query(
        "UPDATE key_versions SET state = $1, handle = $2, destroyed_at = $3 \
         WHERE tenant = $4 AND key_id = $5 AND version = $6",
    )
    .bind(v.state.as_str())
    .bind(&v.handle)
    .bind(v.destroyed_at.map(|t| t.unix_micros()))
    .bind(v.tenant.as_str())
    .bind(v.key_id.to_string())
    .bind(i64::from(v.version))
    .execute(&mut **tx)
    .await
    .map_err(write_error)?;
    require_row(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_sql_numbers_every_parameter() {
        let insert = insert_key_sql();
        assert!(
            insert.contains("$1, $2, $3") && insert.ends_with("$25)"),
            "{insert}"
        );
        let update = update_key_sql();
        assert!(
            update.starts_with("UPDATE keys SET alias = $1, "),
            "{update}"
        );
        assert!(update.ends_with("revision = $26"), "{update}");
    }
}
