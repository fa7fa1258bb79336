//! The Store port: metadata, wrapped blobs and the audit chain.
//!
//! Writes go through [`Store::commit`]: a list of changes and the audit events
//! that describe them, applied in one transaction, so a mutation never lands
//! without its audit record (and vice versa). The store assigns each event its
//! place in the single hash chain.

use std::fmt::Debug;
use std::time::Duration;

use async_trait::async_trait;

use crate::alert::{AlertFilter, AlertRecord};
use crate::audit::{AuditEvent, AuditFilter, AuditRecord};
use crate::auth::{ApiKeyRecord, CertPrincipal, TenantRecord};
use crate::checkpoint::{Checkpoint, CheckpointFilter};
use crate::ids::SecretId;
use crate::ids::{Alias, ApiKeyId, CertId, KeyId, ProviderId, TenantId};
use crate::key::{KeyFilter, KeyRecord, Page, PageRequest, VersionRecord};
use crate::pki::{CaRecord, CertificateFilter, CertificateRecord};
use crate::stored_object::{ObjectFilter, ObjectKind, ObjectRecord};
use crate::stored_secret::{SecretFilter, SecretRecord};
use crate::time::Timestamp;

/// Store failures. Backend details stay in the source; callers see the kind.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another key in the tenant already has this alias.
    #[error("alias already in use")]
    AliasTaken,
    /// An object with this id already exists.
    #[error("object already exists")]
    Duplicate,
    /// The object changed since it was read (optimistic concurrency), or an
    /// update targeted a row that does not exist.
    #[error("concurrent modification")]
    Conflict,
    /// The database could not be reached or failed.
    #[error("storage backend failure")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
    /// Stored data could not be decoded (corruption or a newer schema).
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
}

/// One unit of a [`Store::commit_many`]: what one [`Store::commit`] takes.
#[derive(Debug, Clone, Default)]
pub struct CommitUnit {
    pub changes: Vec<Change>,
    pub audit: Vec<AuditEvent>,
}

/// One change inside a [`Store::commit`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Change {
    CreateTenant(TenantRecord),
    CreateKey(KeyRecord),
    /// Replaces the key's row if its stored revision is `expected_revision`;
    /// the store writes `expected_revision + 1`.
    UpdateKey {
        key: KeyRecord,
        expected_revision: u64,
    },
    CreateVersion(VersionRecord),
    /// Replaces a version's state/handle/destroyed_at.
    UpdateVersion(VersionRecord),
    CreateApiKey(ApiKeyRecord),
    /// Marks an API key revoked.
    RevokeApiKey {
        tenant: TenantId,
        id: ApiKeyId,
        at: Timestamp,
    },
    UpsertCertPrincipal(CertPrincipal),
    DeleteCertPrincipal {
        tenant: TenantId,
        subject_cn: String,
    },
    /// Stores a signed audit checkpoint (`Duplicate` when one of the same
    /// scope already exists at that `seq`).
    PutCheckpoint(Checkpoint),
    /// Creates or replaces a discovery scan (by tenant and id).
    PutDiscoveryScan(crate::discovery::DiscoveryScan),
    /// Inserts an alert or replaces the one with its id.
    PutAlert(AlertRecord),
    /// Stores a certificate (`Duplicate` when the id exists).
    CreateCertificate(CertificateRecord),
    /// Marks a certificate revoked (`Conflict` when it does not exist or is
    /// already revoked).
    RevokeCertificate {
        tenant: TenantId,
        id: CertId,
        at: Timestamp,
        reason: String,
    },
    /// Stores a CA (`Duplicate` when the tenant has one of that name).
    CreateCa(CaRecord),
    /// Replaces a CA's CRL if its stored CRL number is `expected_number`.
    UpdateCaCrl {
        tenant: TenantId,
        name: String,
        crl: Vec<u8>,
        expected_number: u64,
        number: u64,
        at: Timestamp,
    },
    /// Stores a secret as given, revision included (`Duplicate` when the id
    /// exists).
    CreateSecret(SecretRecord),
    /// Replaces a secret's row if its stored revision is `expected_revision`
    /// (`Conflict` otherwise); the store writes `expected_revision + 1`.
    UpdateSecret {
        secret: SecretRecord,
        expected_revision: u64,
    },
    /// Deletes a secret's row, wrapped data key and payload included
    /// (`Conflict` when it does not exist).
    DeleteSecret {
        tenant: TenantId,
        id: SecretId,
    },
    /// Stores an object as given, revision included (`Duplicate` when the
    /// tenant has one of that kind and id).
    CreateObject(ObjectRecord),
    /// Replaces an object if its stored revision is `expected_revision`
    /// (`Conflict` otherwise); the store writes `expected_revision + 1`.
    UpdateObject {
        object: ObjectRecord,
        expected_revision: u64,
    },
    /// Deletes an object (`Conflict` when it does not exist).
    DeleteObject {
        tenant: TenantId,
        kind: ObjectKind,
        id: String,
    },
    /// Deletes every object whose parent is `parent` (none is fine).
    DeleteChildren {
        tenant: TenantId,
        parent: String,
    },
}

/// Provider-private state kept by the store (e.g. the software keystore's
/// wrapped per-tenant keys). Values are opaque and must already be protected.
#[async_trait]
pub trait ProviderStateStore: Send + Sync + Debug {
    /// Reads a blob.
    async fn get_blob(
        &self,
        provider: &ProviderId,
        name: &str,
    ) -> Result<Option<Vec<u8>>, StoreError>;

    /// Writes a blob unless one exists; returns the value now stored (the
    /// existing one when another writer won).
    async fn put_blob_if_absent(
        &self,
        provider: &ProviderId,
        name: &str,
        value: &[u8],
    ) -> Result<Vec<u8>, StoreError>;
}

/// Metadata, versions, credentials and audit.
#[async_trait]
pub trait Store: ProviderStateStore {
    /// Applies all changes and appends all audit events atomically; returns
    /// the chained audit records.
    async fn commit(
        &self,
        changes: Vec<Change>,
        audit: Vec<AuditEvent>,
    ) -> Result<Vec<AuditRecord>, StoreError>;

    /// Whether [`Store::commit_many`] shares one transaction (and one
    /// fsync) between its units. Backends with a single writer (SQLite)
    /// do; the service then queues mutations for group commit instead of
    /// committing each on its own.
    fn groups_commits(&self) -> bool {
        false
    }

    /// Commits independent units in order, each all or nothing: a unit
    /// that fails (alias taken, a revision conflict) leaves no trace and
    /// does not affect the others. Results are in the units' order. The
    /// default commits them one by one; backends that can share one
    /// transaction between them override it and [`Store::groups_commits`].
    async fn commit_many(
        &self,
        units: Vec<CommitUnit>,
    ) -> Vec<Result<Vec<AuditRecord>, StoreError>> {
        let mut out = Vec::with_capacity(units.len());
        for u in units {
            out.push(self.commit(u.changes, u.audit).await);
        }
        out
    }

    // Tenants.
    async fn get_tenant(&self, id: &TenantId) -> Result<Option<TenantRecord>, StoreError>;
    async fn list_tenants(&self) -> Result<Vec<TenantRecord>, StoreError>;

    // Keys.
    async fn get_key(&self, tenant: &TenantId, id: &KeyId)
    -> Result<Option<KeyRecord>, StoreError>;
    async fn get_key_by_alias(
        &self,
        tenant: &TenantId,
        alias: &Alias,
    ) -> Result<Option<KeyRecord>, StoreError>;
    /// Keys of a tenant in id (= creation) order.
    async fn list_keys(
        &self,
        tenant: &TenantId,
        filter: &KeyFilter,
        page: PageRequest,
    ) -> Result<Page<KeyRecord>, StoreError>;
    /// Keys of any tenant whose rotation or scheduled destroy is due at `now`.
    async fn keys_due(&self, now: Timestamp, limit: u32) -> Result<Vec<KeyRecord>, StoreError>;
    /// All versions of a key, oldest first.
    async fn list_versions(
        &self,
        tenant: &TenantId,
        key: &KeyId,
    ) -> Result<Vec<VersionRecord>, StoreError>;
    async fn get_version(
        &self,
        tenant: &TenantId,
        key: &KeyId,
        version: u32,
    ) -> Result<Option<VersionRecord>, StoreError>;

    // Credentials.
    async fn get_api_key_by_hash(&self, hash: &[u8]) -> Result<Option<ApiKeyRecord>, StoreError>;
    async fn list_api_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKeyRecord>, StoreError>;
    async fn get_api_key(
        &self,
        tenant: &TenantId,
        id: &ApiKeyId,
    ) -> Result<Option<ApiKeyRecord>, StoreError>;
    /// Mappings for a certificate subject CN, in every tenant.
    async fn find_cert_principals(
        &self,
        subject_cn: &str,
    ) -> Result<Vec<CertPrincipal>, StoreError>;
    async fn list_cert_principals(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<CertPrincipal>, StoreError>;

    // Audit.
    /// Records matching the filter, newest first unless `ascending`.
    async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError>;
    /// The last record's `(seq, hash)`, or `(0, GENESIS_HASH)` when empty.
    async fn audit_head(&self) -> Result<(u64, [u8; 32]), StoreError>;
    /// Signed audit checkpoints matching the filter, ordered by `seq` then
    /// tenant (global first); oldest first unless `descending`.
    async fn list_checkpoints(
        &self,
        filter: &CheckpointFilter,
    ) -> Result<Vec<Checkpoint>, StoreError>;

    // Cluster coordination and moving a deployment (`tresor db copy`).
    /// Takes the lease `name` for `holder` until `ttl` from now, measured by
    /// the database's clock where it has one. True when `holder` holds it
    /// afterwards: it was free, expired, or already `holder`'s (renewed).
    /// Two racing holders: exactly one gets true.
    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError>;
    /// Gives up the lease `name` if `holder` holds it; otherwise nothing.
    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError>;
    /// Appends already-chained records (read from another store) as they
    /// are, seq and hashes kept. They must continue the chain at its head
    /// and each must hash correctly: `Conflict` when they do not start at
    /// the head, `Corrupt` when they do not chain. All or nothing.
    async fn import_audit(&self, records: Vec<AuditRecord>) -> Result<(), StoreError>;
    /// Every provider blob `(provider, name, value)`, ordered by provider
    /// and name (for copying a deployment).
    async fn list_blobs(&self) -> Result<Vec<(ProviderId, String, Vec<u8>)>, StoreError>;

    // Discovery.
    /// One discovery scan of a tenant.
    async fn get_discovery_scan(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<crate::discovery::DiscoveryScan>, StoreError>;
    /// A tenant's discovery scans, newest first (`limit` 0: 100; at most 1000).
    async fn list_discovery_scans(
        &self,
        tenant: &TenantId,
        limit: u32,
    ) -> Result<Vec<crate::discovery::DiscoveryScan>, StoreError>;
    // Audit sinks (the SIEM outbox) and alerts.
    /// The last audit `seq` delivered to sink `sink` (0 when never).
    async fn sink_cursor(&self, sink: &str) -> Result<u64, StoreError>;
    /// Moves sink `sink`'s cursor to `seq`; never backwards (a lower `seq`
    /// changes nothing). Sink names are 1-63 characters.
    async fn advance_sink_cursor(&self, sink: &str, seq: u64) -> Result<(), StoreError>;
    /// Alerts matching the filter, newest (`opened_at`, then id) first.
    async fn list_alerts(&self, filter: &AlertFilter) -> Result<Vec<AlertRecord>, StoreError>;
    // Certificates and CAs (PKI).
    async fn get_certificate(
        &self,
        tenant: &TenantId,
        id: &CertId,
    ) -> Result<Option<CertificateRecord>, StoreError>;
    /// A tenant's certificates matching `filter`, in id (= creation) order.
    async fn list_certificates(
        &self,
        tenant: &TenantId,
        filter: &CertificateFilter,
    ) -> Result<Vec<CertificateRecord>, StoreError>;
    async fn get_ca(&self, tenant: &TenantId, name: &str) -> Result<Option<CaRecord>, StoreError>;
    /// A tenant's CAs by name.
    async fn list_cas(&self, tenant: &TenantId) -> Result<Vec<CaRecord>, StoreError>;
    // Stored secrets.
    async fn get_secret(
        &self,
        tenant: &TenantId,
        id: &SecretId,
    ) -> Result<Option<SecretRecord>, StoreError>;
    /// A tenant's secrets matching `filter`, in id order.
    async fn list_secrets(
        &self,
        tenant: &TenantId,
        filter: &SecretFilter,
    ) -> Result<Vec<SecretRecord>, StoreError>;
    /// How many secrets match `filter` (paging fields ignored).
    async fn count_secrets(
        &self,
        tenant: &TenantId,
        filter: &SecretFilter,
    ) -> Result<u64, StoreError>;
    // Secret-store objects (containers, orders, consumers, ACLs, quotas).
    async fn get_object(
        &self,
        tenant: &TenantId,
        kind: ObjectKind,
        id: &str,
    ) -> Result<Option<ObjectRecord>, StoreError>;
    /// A tenant's objects matching `filter`, in creation order (then id).
    async fn list_objects(
        &self,
        tenant: &TenantId,
        filter: &ObjectFilter,
    ) -> Result<Vec<ObjectRecord>, StoreError>;
    /// How many objects match `filter` (paging fields ignored).
    async fn count_objects(
        &self,
        tenant: &TenantId,
        filter: &ObjectFilter,
    ) -> Result<u64, StoreError>;
}
