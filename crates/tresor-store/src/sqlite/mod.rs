//! The SQLite adapter: one writer connection behind an async mutex (SQLite
//! allows a single writer; serializing here avoids lock contention), a pool
//! of query-only read connections, WAL journal, `synchronous=FULL` by
//! default.
//!
//! One process owns a database file for writing: the audit head is cached
//! under the writer lock (a commit that finds its sequence number taken by
//! another process fails with `Conflict` and the head is re-read).
//! [`SqliteStore::open_read_only`] is safe alongside a running server.

mod audit;
mod checkpoints;
mod cluster;
mod commit;
mod credentials;
mod discovery;
mod evidence;
mod keys;
mod objects;
mod pki;
mod schema;
mod secrets;
mod url;

use std::fmt;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteConnection, SqliteJournalMode, SqlitePool, SqlitePoolOptions,
    SqliteRow, SqliteSynchronous,
};
use sqlx::{ConnectOptions, Connection};
use tokio::sync::Mutex;
use tresor_core::audit::AuditRecord;
use tresor_core::{
    Alias, ApiKeyId, ApiKeyRecord, AuditEvent, AuditFilter, CertPrincipal, Change, KeyFilter,
    KeyId, KeyRecord, Page, PageRequest, ProviderId, ProviderStateStore, Store, StoreError,
    TenantId, TenantRecord, Timestamp, VersionRecord,
};

use crate::error::backend;
use crate::options::{SqliteOptions, Synchronous};
use crate::rows::impl_row_ext;

pub(crate) use url::is_sqlite_url;

impl_row_ext!(SqliteRow);

/// The single writer: its connection and the cached audit head.
#[derive(Debug)]
struct Writer {
    /// `None` once the store is closed.
    conn: Option<SqliteConnection>,
    /// `(last seq, last hash)`; `None` when unknown (first use, or after a
    /// failed or interrupted commit) so it is read again from the database.
    head: Option<(u64, [u8; 32])>,
}

/// A [`Store`] on one SQLite database file.
pub struct SqliteStore {
    path: PathBuf,
    read: SqlitePool,
    /// `None` for a read-only store.
    writer: Option<Mutex<Writer>>,
}

impl fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.path)
            .field("read_only", &self.writer.is_none())
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens the database at `path`, creating it (mode 0600) when missing,
    /// and runs pending migrations.
    pub async fn open(path: impl AsRef<Path>, opts: &SqliteOptions) -> Result<Self, StoreError> {
        Self::open_read_write(path.as_ref(), opts, true).await
    }

    /// Opens an existing database read-only, without migrating: for offline
    /// inspection such as `tresor audit verify --data-dir` on a stopped
    /// server's data. Every write fails with [`ReadOnly`](crate::ReadOnly).
    pub async fn open_read_only(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        let opts = SqliteOptions::default();
        let read = read_pool(&path, &opts, true).await?;
        let mut conn = read.acquire().await.map_err(backend)?;
        schema::check_readable(&mut conn).await?;
        drop(conn);
        Ok(Self {
            path,
            read,
            writer: None,
        })
    }

    /// Opens by URL: `sqlite://PATH[?mode=rwc|rw|ro]`.
    pub async fn open_url(url: &str, opts: &SqliteOptions) -> Result<Self, StoreError> {
        let (path, mode) = url::parse(url)?;
        match mode {
            url::Mode::Create => Self::open_read_write(&path, opts, true).await,
            url::Mode::Existing => Self::open_read_write(&path, opts, false).await,
            url::Mode::Inspect => Self::open_read_only(&path).await,
        }
    }

    async fn open_read_write(
        path: &Path,
        opts: &SqliteOptions,
        create: bool,
    ) -> Result<Self, StoreError> {
        if create {
            schema::create_private_file(path).await?;
        }
        let sync = match opts.synchronous {
            Synchronous::Normal => SqliteSynchronous::Normal,
            _ => SqliteSynchronous::Full,
        };
        let mut conn = SqliteConnectOptions::new()
            .filename(path)
            .create_if_missing(false)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(sync)
            .foreign_keys(true)
            .busy_timeout(opts.busy_timeout)
            .connect()
            .await
            .map_err(backend)?;
        schema::migrate(&mut conn).await?;
        let read = read_pool(path, opts, false).await?;
        Ok(Self {
            path: path.to_path_buf(),
            read,
            writer: Some(Mutex::new(Writer {
                conn: Some(conn),
                head: None,
            })),
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether writes are refused.
    pub fn is_read_only(&self) -> bool {
        self.writer.is_none()
    }

    /// Closes every connection (checkpointing the WAL when this was the last
    /// one). Later calls fail with [`Closed`](crate::Closed).
    pub async fn close(&self) {
        // Readers first: the last connection to close checkpoints the WAL
        // and removes it, which only the (not query-only) writer can do.
        self.read.close().await;
        if let Some(w) = &self.writer {
            let mut w = w.lock().await;
            w.head = None;
            if let Some(conn) = w.conn.take()
                && let Err(e) = conn.close().await
            {
                tracing::warn!(error = %e, "closing the SQLite writer failed");
            }
        }
    }
}

/// The pool of read connections (`query_only`; `read_only` opens the file
/// itself read-only).
async fn read_pool(
    path: &Path,
    opts: &SqliteOptions,
    read_only: bool,
) -> Result<SqlitePool, StoreError> {
    let connect = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(false)
        .read_only(read_only)
        .foreign_keys(true)
        .busy_timeout(opts.busy_timeout)
        .pragma("query_only", "ON");
    SqlitePoolOptions::new()
        .max_connections(opts.max_connections.max(1))
        .connect_with(connect)
        .await
        .map_err(backend)
}

#[async_trait]
impl ProviderStateStore for SqliteStore {
    async fn get_blob(
        &self,
        provider: &ProviderId,
        name: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        credentials::get_blob(&self.read, provider, name).await
    }

    async fn put_blob_if_absent(
        &self,
        provider: &ProviderId,
        name: &str,
        value: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let mut w = self.writer()?.lock().await;
        let conn = w.conn.as_mut().ok_or_else(closed)?;
        credentials::put_blob_if_absent(conn, provider, name, value).await
    }
}

#[async_trait]
impl Store for SqliteStore {
    async fn commit(
        &self,
        changes: Vec<Change>,
        audit: Vec<AuditEvent>,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let mut w = self.writer()?.lock().await;
        commit::commit(&mut w, changes, audit).await
    }

    fn groups_commits(&self) -> bool {
        true
    }

    async fn commit_many(
        &self,
        units: Vec<tresor_core::CommitUnit>,
    ) -> Vec<Result<Vec<AuditRecord>, StoreError>> {
        let writer = match self.writer() {
            Ok(w) => w,
            Err(_) => {
                return units
                    .iter()
                    .map(|_| Err(StoreError::Backend(Box::new(crate::ReadOnly))))
                    .collect();
            }
        };
        let mut w = writer.lock().await;
        commit::commit_many(&mut w, units).await
    }

    async fn get_tenant(&self, id: &TenantId) -> Result<Option<TenantRecord>, StoreError> {
        credentials::get_tenant(&self.read, id).await
    }

    async fn list_tenants(&self) -> Result<Vec<TenantRecord>, StoreError> {
        credentials::list_tenants(&self.read).await
    }

    async fn get_key(
        &self,
        tenant: &TenantId,
        id: &KeyId,
    ) -> Result<Option<KeyRecord>, StoreError> {
        keys::get_key(&self.read, tenant, id).await
    }

    async fn get_key_by_alias(
        &self,
        tenant: &TenantId,
        alias: &Alias,
    ) -> Result<Option<KeyRecord>, StoreError> {
        keys::get_key_by_alias(&self.read, tenant, alias).await
    }

    async fn list_keys(
        &self,
        tenant: &TenantId,
        filter: &KeyFilter,
        page: PageRequest,
    ) -> Result<Page<KeyRecord>, StoreError> {
        keys::list_keys(&self.read, tenant, filter, page).await
    }

    async fn keys_due(&self, now: Timestamp, limit: u32) -> Result<Vec<KeyRecord>, StoreError> {
        keys::keys_due(&self.read, now, limit).await
    }

    async fn list_versions(
        &self,
        tenant: &TenantId,
        key: &KeyId,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        keys::list_versions(&self.read, tenant, key).await
    }

    async fn get_version(
        &self,
        tenant: &TenantId,
        key: &KeyId,
        version: u32,
    ) -> Result<Option<VersionRecord>, StoreError> {
        keys::get_version(&self.read, tenant, key, version).await
    }

    async fn get_api_key_by_hash(&self, hash: &[u8]) -> Result<Option<ApiKeyRecord>, StoreError> {
        credentials::get_api_key_by_hash(&self.read, hash).await
    }

    async fn list_api_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKeyRecord>, StoreError> {
        credentials::list_api_keys(&self.read, tenant).await
    }

    async fn get_api_key(
        &self,
        tenant: &TenantId,
        id: &ApiKeyId,
    ) -> Result<Option<ApiKeyRecord>, StoreError> {
        credentials::get_api_key(&self.read, tenant, id).await
    }

    async fn find_cert_principals(
        &self,
        subject_cn: &str,
    ) -> Result<Vec<CertPrincipal>, StoreError> {
        credentials::find_cert_principals(&self.read, subject_cn).await
    }

    async fn list_cert_principals(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<CertPrincipal>, StoreError> {
        credentials::list_cert_principals(&self.read, tenant).await
    }

    async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        audit::list_audit(&self.read, filter).await
    }

    async fn audit_head(&self) -> Result<(u64, [u8; 32]), StoreError> {
        audit::read_head(&self.read).await
    }

    async fn list_checkpoints(
        &self,
        filter: &tresor_core::CheckpointFilter,
    ) -> Result<Vec<tresor_core::Checkpoint>, StoreError> {
        checkpoints::list_checkpoints(&self.read, filter).await
    }

    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: std::time::Duration,
    ) -> Result<bool, StoreError> {
        let mut w = self.writer()?.lock().await;
        let conn = w.conn.as_mut().ok_or_else(closed)?;
        cluster::try_acquire_lease(conn, name, holder, ttl).await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        let mut w = self.writer()?.lock().await;
        let conn = w.conn.as_mut().ok_or_else(closed)?;
        cluster::release_lease(conn, name, holder).await
    }

    async fn import_audit(&self, records: Vec<AuditRecord>) -> Result<(), StoreError> {
        let mut w = self.writer()?.lock().await;
        cluster::import_audit(&mut w, records).await
    }

    async fn list_blobs(&self) -> Result<Vec<(ProviderId, String, Vec<u8>)>, StoreError> {
        cluster::list_blobs(&self.read).await
    }

    async fn get_discovery_scan(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<tresor_core::discovery::DiscoveryScan>, StoreError> {
        discovery::get(&self.read, tenant, id).await
    }

    async fn list_discovery_scans(
        &self,
        tenant: &TenantId,
        limit: u32,
    ) -> Result<Vec<tresor_core::discovery::DiscoveryScan>, StoreError> {
        discovery::list(&self.read, tenant, limit).await
    }

    async fn sink_cursor(&self, sink: &str) -> Result<u64, StoreError> {
        evidence::sink_cursor(&self.read, sink).await
    }

    async fn advance_sink_cursor(&self, sink: &str, seq: u64) -> Result<(), StoreError> {
        let mut w = self.writer()?.lock().await;
        let conn = w.conn.as_mut().ok_or_else(closed)?;
        evidence::advance_sink_cursor(conn, sink, seq).await
    }

    async fn list_alerts(
        &self,
        filter: &tresor_core::AlertFilter,
    ) -> Result<Vec<tresor_core::AlertRecord>, StoreError> {
        evidence::list_alerts(&self.read, filter).await
    }

    async fn get_certificate(
        &self,
        tenant: &TenantId,
        id: &tresor_core::CertId,
    ) -> Result<Option<tresor_core::CertificateRecord>, StoreError> {
        pki::get_certificate(&self.read, tenant, id).await
    }

    async fn list_certificates(
        &self,
        tenant: &TenantId,
        filter: &tresor_core::CertificateFilter,
    ) -> Result<Vec<tresor_core::CertificateRecord>, StoreError> {
        pki::list_certificates(&self.read, tenant, filter).await
    }

    async fn get_ca(
        &self,
        tenant: &TenantId,
        name: &str,
    ) -> Result<Option<tresor_core::CaRecord>, StoreError> {
        pki::get_ca(&self.read, tenant, name).await
    }

    async fn list_cas(&self, tenant: &TenantId) -> Result<Vec<tresor_core::CaRecord>, StoreError> {
        pki::list_cas(&self.read, tenant).await
    }

    async fn get_secret(
        &self,
        tenant: &TenantId,
        id: &tresor_core::SecretId,
    ) -> Result<Option<tresor_core::SecretRecord>, StoreError> {
        secrets::get_secret(&self.read, tenant, id).await
    }

    async fn list_secrets(
        &self,
        tenant: &TenantId,
        filter: &tresor_core::SecretFilter,
    ) -> Result<Vec<tresor_core::SecretRecord>, StoreError> {
        secrets::list_secrets(&self.read, tenant, filter).await
    }

    async fn count_secrets(
        &self,
        tenant: &TenantId,
        filter: &tresor_core::SecretFilter,
    ) -> Result<u64, StoreError> {
        secrets::count_secrets(&self.read, tenant, filter).await
    }

    async fn get_object(
        &self,
        tenant: &TenantId,
        kind: tresor_core::ObjectKind,
        id: &str,
    ) -> Result<Option<tresor_core::ObjectRecord>, StoreError> {
        objects::get_object(&self.read, tenant, kind, id).await
    }

    async fn list_objects(
        &self,
        tenant: &TenantId,
        filter: &tresor_core::ObjectFilter,
    ) -> Result<Vec<tresor_core::ObjectRecord>, StoreError> {
        objects::list_objects(&self.read, tenant, filter).await
    }

    async fn count_objects(
        &self,
        tenant: &TenantId,
        filter: &tresor_core::ObjectFilter,
    ) -> Result<u64, StoreError> {
        objects::count_objects(&self.read, tenant, filter).await
    }
}

impl SqliteStore {
    fn writer(&self) -> Result<&Mutex<Writer>, StoreError> {
        self.writer
            .as_ref()
            .ok_or_else(|| StoreError::Backend(Box::new(crate::ReadOnly)))
    }
}

fn closed() -> StoreError {
    StoreError::Backend(Box::new(crate::Closed))
}

#[cfg(test)]
mod plan_tests;
