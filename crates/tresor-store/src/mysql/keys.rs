//! Key and version reads on MySQL/MariaDB (the table `keys` is quoted: a reserved word): lookups by id and alias, filtered
//! and paged listings, and the scheduler's due-keys query. Every query is
//! served by an index (see the migration).

use sqlx::QueryBuilder;
use sqlx::mysql::{MySql, MySqlPool};
use tresor_core::{
    Alias, KeyFilter, KeyId, KeyRecord, KeyState, Page, PageRequest, StoreError, TenantId,
    Timestamp, VersionRecord,
};

use super::error::backend;
use crate::remote::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::rows::{KEY_COLUMNS, VERSION_COLUMNS, key_from_row, page_limit, version_from_row};

pub(super) async fn get_key(
    pool: &MySqlPool,
    tenant: &TenantId,
    id: &KeyId,
) -> Result<Option<KeyRecord>, StoreError> {
    let sql = format!("SELECT {KEY_COLUMNS} FROM `keys` WHERE tenant = ? AND id = ?");
    let row = sqlx::query(&sql)
        .bind(tenant.as_str())
        .bind(id.to_string())
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
    row.as_ref().map(key_from_row).transpose()
}

pub(super) async fn get_key_by_alias(
    pool: &MySqlPool,
    tenant: &TenantId,
    alias: &Alias,
) -> Result<Option<KeyRecord>, StoreError> {
    let sql = format!("SELECT {KEY_COLUMNS} FROM `keys` WHERE tenant = ? AND alias = ?");
    let row = sqlx::query(&sql)
        .bind(tenant.as_str())
        .bind(alias.as_str())
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
    row.as_ref().map(key_from_row).transpose()
}

/// Keys of a tenant in id (= creation) order, one page at a time.
pub(super) async fn list_keys(
    pool: &MySqlPool,
    tenant: &TenantId,
    f: &KeyFilter,
    page: PageRequest,
) -> Result<Page<KeyRecord>, StoreError> {
    let limit = page_limit(page.limit, DEFAULT_LIMIT, MAX_LIMIT);
    let mut q =
        QueryBuilder::<MySql>::new(format!("SELECT {KEY_COLUMNS} FROM `keys` WHERE tenant = "));
    q.push_bind(tenant.as_str().to_owned());
    if !f.include_internal {
        q.push(" AND internal = FALSE");
    }
    if let Some(after) = page.after {
        q.push(" AND id > ").push_bind(after.to_string());
    }
    if let Some(prefix) = f.alias_prefix.as_deref().filter(|p| !p.is_empty()) {
        // No LIKE: the prefix is compared literally, wildcards and all.
        let chars = i64::try_from(prefix.chars().count()).unwrap_or(i64::MAX);
        q.push(" AND alias >= ").push_bind(prefix.to_owned());
        q.push(" AND LEFT(alias, ").push_bind(chars);
        q.push(") = ").push_bind(prefix.to_owned());
    }
    if let Some(alg) = f.algorithm {
        q.push(" AND algorithm = ").push_bind(alg.as_str());
    }
    if let Some(state) = f.state {
        q.push(" AND state = ").push_bind(state.as_str());
    }
    if let Some((name, value)) = &f.tag {
        q.push(
            " AND EXISTS (SELECT 1 FROM key_tags t WHERE t.tenant = `keys`.tenant \
             AND t.key_id = `keys`.id AND t.name = ",
        )
        .push_bind(name.clone());
        q.push(" AND t.value = ").push_bind(value.clone());
        q.push(")");
    }
    q.push(" ORDER BY id LIMIT ")
        .push_bind(i64::from(limit) + 1);
    let rows = q.build().fetch_all(pool).await.map_err(backend)?;
    let mut items = rows
        .iter()
        .map(key_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    let more = items.len() > limit as usize;
    items.truncate(limit as usize);
    let next = if more {
        items.last().map(|k| k.id)
    } else {
        None
    };
    Ok(Page { items, next })
}

/// Keys of any tenant that are due: active with `next_rotation_at <= now`, or
/// not yet destroyed with `destroy_at <= now`. Each branch uses its index.
pub(super) async fn keys_due(
    pool: &MySqlPool,
    now: Timestamp,
    limit: u32,
) -> Result<Vec<KeyRecord>, StoreError> {
    let limit = page_limit(limit, DEFAULT_LIMIT, MAX_LIMIT);
    let sql = format!(
        "SELECT {KEY_COLUMNS} FROM `keys` WHERE (tenant, id) IN ( \
           SELECT tenant, id FROM `keys` WHERE next_rotation_at <= ? AND state = ? \
           UNION \
           SELECT tenant, id FROM `keys` WHERE destroy_at <= ? AND state NOT IN (?, ?) \
         ) ORDER BY tenant, id LIMIT ?"
    );
    let rows = sqlx::query(&sql)
        .bind(now.unix_micros())
        .bind(KeyState::Active.as_str())
        .bind(now.unix_micros())
        .bind(KeyState::Destroyed.as_str())
        .bind(KeyState::DestroyedCompromised.as_str())
        .bind(i64::from(limit))
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(key_from_row).collect()
}

/// All versions of a key, oldest first.
pub(super) async fn list_versions(
    pool: &MySqlPool,
    tenant: &TenantId,
    key: &KeyId,
) -> Result<Vec<VersionRecord>, StoreError> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM key_versions WHERE tenant = ? AND key_id = ? \
         ORDER BY version"
    );
    let rows = sqlx::query(&sql)
        .bind(tenant.as_str())
        .bind(key.to_string())
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(version_from_row).collect()
}

pub(super) async fn get_version(
    pool: &MySqlPool,
    tenant: &TenantId,
    key: &KeyId,
    version: u32,
) -> Result<Option<VersionRecord>, StoreError> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM key_versions \
         WHERE tenant = ? AND key_id = ? AND version = ?"
    );
    let row = sqlx::query(&sql)
        .bind(tenant.as_str())
        .bind(key.to_string())
        .bind(i64::from(version))
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
    row.as_ref().map(version_from_row).transpose()
}
