//! Tenants, machine credentials (API keys, certificate principals) and
//! provider blobs on PostgreSQL.

use sqlx::postgres::PgPool;
use tresor_core::{
    ApiKeyId, ApiKeyRecord, CertPrincipal, ProviderId, StoreError, TenantId, TenantRecord,
};

use super::error::{backend, write_error};
use crate::rows::{
    API_KEY_COLUMNS, CERT_PRINCIPAL_COLUMNS, RowExt, TENANT_COLUMNS, api_key_from_row,
    cert_principal_from_row, tenant_from_row,
};

pub(super) async fn get_tenant(
    pool: &PgPool,
    id: &TenantId,
) -> Result<Option<TenantRecord>, StoreError> {
    let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1");
    let row = sqlx::query(&sql)
        .bind(id.as_str())
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
    row.as_ref().map(tenant_from_row).transpose()
}

/// Every tenant, by id.
pub(super) async fn list_tenants(pool: &PgPool) -> Result<Vec<TenantRecord>, StoreError> {
    let sql = format!("SELECT {TENANT_COLUMNS} FROM tenants ORDER BY id");
    let rows = sqlx::query(&sql).fetch_all(pool).await.map_err(backend)?;
    rows.iter().map(tenant_from_row).collect()
}

pub(super) async fn get_api_key_by_hash(
    pool: &PgPool,
    hash: &[u8],
) -> Result<Option<ApiKeyRecord>, StoreError> {
    let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE token_hash = $1");
    let row = sqlx::query(&sql)
        .bind(hash)
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
    row.as_ref().map(api_key_from_row).transpose()
}

/// A tenant's API keys in id (= creation) order, revoked ones included.
pub(super) async fn list_api_keys(
    pool: &PgPool,
    tenant: &TenantId,
) -> Result<Vec<ApiKeyRecord>, StoreError> {
    let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE tenant = $1 ORDER BY id");
    let rows = sqlx::query(&sql)
        .bind(tenant.as_str())
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(api_key_from_row).collect()
}

pub(super) async fn get_api_key(
    pool: &PgPool,
    tenant: &TenantId,
    id: &ApiKeyId,
) -> Result<Option<ApiKeyRecord>, StoreError> {
    let sql = format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE tenant = $1 AND id = $2");
    let row = sqlx::query(&sql)
        .bind(tenant.as_str())
        .bind(id.to_string())
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
    row.as_ref().map(api_key_from_row).transpose()
}

/// Mappings for a subject CN in every tenant, by tenant.
pub(super) async fn find_cert_principals(
    pool: &PgPool,
    subject_cn: &str,
) -> Result<Vec<CertPrincipal>, StoreError> {
    let sql = format!(
        "SELECT {CERT_PRINCIPAL_COLUMNS} FROM cert_principals WHERE subject_cn = $1 \
         ORDER BY tenant"
    );
    let rows = sqlx::query(&sql)
        .bind(subject_cn)
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(cert_principal_from_row).collect()
}

/// A tenant's mappings, by subject CN.
pub(super) async fn list_cert_principals(
    pool: &PgPool,
    tenant: &TenantId,
) -> Result<Vec<CertPrincipal>, StoreError> {
    let sql = format!(
        "SELECT {CERT_PRINCIPAL_COLUMNS} FROM cert_principals WHERE tenant = $1 \
         ORDER BY subject_cn"
    );
    let rows = sqlx::query(&sql)
        .bind(tenant.as_str())
        .fetch_all(pool)
        .await
        .map_err(backend)?;
    rows.iter().map(cert_principal_from_row).collect()
}

pub(super) async fn get_blob(
    pool: &PgPool,
    provider: &ProviderId,
    name: &str,
) -> Result<Option<Vec<u8>>, StoreError> {
    let row = sqlx::query("SELECT value FROM provider_blobs WHERE provider = $1 AND name = $2")
        .bind(provider.as_str())
        .bind(name)
        .fetch_optional(pool)
        .await
        .map_err(backend)?;
    row.as_ref().map(|r| r.blob("value")).transpose()
}

/// Inserts unless present, then returns what is stored. The INSERT waits
/// for a concurrent uncommitted insert of the same name, so the read that
/// follows (a new statement, a new snapshot) sees the winner.
pub(super) async fn put_blob_if_absent(
    pool: &PgPool,
    provider: &ProviderId,
    name: &str,
    value: &[u8],
) -> Result<Vec<u8>, StoreError> {
    sqlx::query(
        "INSERT INTO provider_blobs (provider, name, value) VALUES ($1, $2, $3) \
         ON CONFLICT (provider, name) DO NOTHING",
    )
    .bind(provider.as_str())
    .bind(name)
    .bind(value)
    .execute(pool)
    .await
    .map_err(write_error)?;
    get_blob(pool, provider, name)
        .await?
        .ok_or_else(|| StoreError::Corrupt("provider blob vanished after insert".to_owned()))
}
