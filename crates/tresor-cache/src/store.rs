//! [`CachedStore`]: a [`Store`] decorator that answers hot reads (keys,
//! aliases, versions, API keys, certificate mappings, tenants) from the
//! caches and sends every write to the wrapped store, then invalidates
//! locally, refreshes Redis and tells the other nodes.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use sqlx::postgres::PgPool;
use tokio::task::JoinHandle;
use tresor_core::{
    Alias, ApiKeyId, ApiKeyRecord, AuditEvent, AuditFilter, AuditRecord, CertPrincipal, Change,
    Checkpoint, CheckpointFilter, CommitUnit, KeyFilter, KeyId, KeyRecord, Page, PageRequest,
    ProviderId, ProviderStateStore, Store, StoreError, TenantId, TenantRecord, Timestamp,
    VersionRecord,
};

use crate::bus::{self, Shared};
use crate::invalidation::Invalidation;
use crate::l1::L1;
use crate::l2::L2;
use crate::settings::{CacheSettings, POLL_TTL};
use crate::stats::{CacheStatsHandle, Counters};

/// How this node hears about other nodes' changes.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Topology {
    /// One node (SQLite): nothing to hear.
    Single,
    /// Several nodes on PostgreSQL: `LISTEN/NOTIFY` over this pool.
    Postgres(PgPool),
    /// Several nodes on a database without notifications (MySQL/MariaDB):
    /// Redis pub/sub when Redis is configured, otherwise the in-process
    /// TTL is cut to [`POLL_TTL`] so other nodes' changes show within it.
    Shared,
}

/// How a commit's changes reach the other nodes.
#[derive(Debug)]
enum Publisher {
    None,
    Postgres(PgPool),
    Redis,
}

/// A cache could not be set up (a bad Redis URL).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CacheError {
    /// `cache_redis_url` is not a Redis URL.
    #[error("invalid Redis URL: {0}")]
    RedisUrl(#[source] redis::RedisError),
    /// The deployment's cache namespace could not be read or made.
    #[error("cache namespace: {0}")]
    Namespace(String),
}

/// What a commit's changes mean for the caches.
struct CommitPlan {
    invalidations: Vec<Invalidation>,
    /// Keys as they will be stored (revision bumped), for Redis.
    updated: Vec<KeyRecord>,
}

impl CommitPlan {
    fn of(changes: &[Change]) -> Self {
        let mut invalidations: Vec<Invalidation> = Vec::new();
        let mut updated = Vec::new();
        for c in changes {
            if let Some(inv) = Invalidation::of(c)
                && !invalidations.contains(&inv)
            {
                invalidations.push(inv);
            }
            if let Change::UpdateKey {
                key,
                expected_revision,
            } = c
            {
                let mut k = key.clone();
                k.revision = expected_revision.saturating_add(1);
                updated.push(k);
            }
        }
        Self {
            invalidations,
            updated,
        }
    }
}

/// The caching decorator.
pub struct CachedStore {
    inner: Arc<dyn Store>,
    shared: Arc<Shared>,
    l2: Option<L2>,
    publisher: Publisher,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for CachedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedStore")
            .field("inner", &self.inner)
            .field("l1", &self.shared.l1)
            .field("l2", &self.l2)
            .field("publisher", &self.publisher)
            .finish_non_exhaustive()
    }
}

impl Drop for CachedStore {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

/// The deployment's cache namespace: made by the first node (random) and
/// kept in the database, so every node of a deployment shares it and
/// deployments sharing one Redis never see each other's entries.
async fn namespace(store: &dyn Store) -> Result<String, CacheError> {
    let owner = tresor_core::ProviderId::parse("tresor-cache")
        .map_err(|_| CacheError::Namespace("provider id".into()))?;
    let fresh: String = tresor_core::KeyId::generate()
        .to_string()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect();
    let kept = store
        .put_blob_if_absent(&owner, "namespace", fresh.as_bytes())
        .await
        .map_err(|e| CacheError::Namespace(e.to_string()))?;
    String::from_utf8(kept)
        .ok()
        .filter(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric()))
        .ok_or_else(|| CacheError::Namespace("the stored namespace is not valid".into()))
}

impl CachedStore {
    /// Wraps `inner`; subscribes to the invalidation bus (waiting briefly
    /// for the first subscription) and keeps it up in the background.
    pub async fn new(
        inner: Arc<dyn Store>,
        settings: &CacheSettings,
        topology: Topology,
    ) -> Result<Self, CacheError> {
        let client = match &settings.redis_url {
            Some(url) => Some(redis::Client::open(url.as_str()).map_err(CacheError::RedisUrl)?),
            None => None,
        };
        let ttl = match (&topology, &client) {
            (Topology::Shared, None) => settings.ttl.min(POLL_TTL),
            _ => settings.ttl,
        };
        let counters = Arc::new(Counters::default());
        let shared = Arc::new(Shared {
            l1: L1::new(
                settings.max_entries.max(1),
                ttl.max(Duration::from_millis(1)),
                &counters,
            ),
            listening: AtomicBool::new(true),
            counters: counters.clone(),
        });
        let l2 = match &client {
            Some(c) => {
                let namespace = namespace(inner.as_ref()).await?;
                Some(
                    L2::new(c.clone(), settings.ttl, counters, &namespace)
                        .map_err(CacheError::RedisUrl)?,
                )
            }
            None => None,
        };
        let channel = l2.as_ref().map(L2::channel).unwrap_or_default();
        let mut tasks = Vec::new();
        let publisher = match (topology, client) {
            (Topology::Postgres(pool), _) => {
                let first = bus::pg_subscribe(&pool).await.ok();
                shared.listening.store(first.is_some(), Ordering::SeqCst);
                tasks.push(tokio::spawn(bus::pg_listen(
                    pool.clone(),
                    shared.clone(),
                    first,
                )));
                Publisher::Postgres(pool)
            }
            (Topology::Shared, Some(client)) => {
                let first = bus::redis_subscribe(&client, &channel).await;
                shared.listening.store(first.is_some(), Ordering::SeqCst);
                tasks.push(tokio::spawn(bus::redis_listen(
                    client,
                    channel,
                    shared.clone(),
                    first,
                )));
                Publisher::Redis
            }
            _ => Publisher::None,
        };
        Ok(Self {
            inner,
            shared,
            l2,
            publisher,
            tasks,
        })
    }

    /// Whether reads may be answered from the caches now (false while the
    /// invalidation bus is down).
    pub fn caching(&self) -> bool {
        self.shared.listening.load(Ordering::SeqCst)
    }

    /// Drops every cached entry of this node.
    pub fn clear(&self) {
        self.shared.l1.clear();
    }

    /// A handle on this cache's counters (for `/metrics`).
    pub fn stats(&self) -> CacheStatsHandle {
        CacheStatsHandle {
            shared: self.shared.clone(),
            l2_enabled: self.l2.is_some(),
        }
    }

    fn l1(&self) -> &L1 {
        &self.shared.l1
    }

    fn counters(&self) -> &Counters {
        &self.shared.counters
    }

    /// Whether reads may use the caches now; counts a bypass when not.
    fn use_caches(&self) -> bool {
        let on = self.caching();
        if !on {
            self.counters().bypassed();
        }
        on
    }

    /// Looks `k` up in an L1 cache, counting a hit or a miss.
    fn l1_get<K, V, Q>(&self, cache: &moka::sync::Cache<K, V>, k: &Q) -> Option<V>
    where
        K: std::hash::Hash + Eq + Send + Sync + std::borrow::Borrow<Q> + 'static,
        V: Clone + Send + Sync + 'static,
        Q: std::hash::Hash + Eq + ?Sized,
    {
        let found = cache.get(k);
        self.counters().l1(found.is_some());
        found
    }

    /// Redis, when configured and the node is caching.
    fn l2(&self) -> Option<&L2> {
        self.l2.as_ref().filter(|_| self.caching())
    }

    /// After a commit (successful or not): local entries are dropped; on
    /// success Redis gets the updated keys and the other nodes are told.
    async fn after_commit(&self, plan: &CommitPlan, ok: bool) {
        for inv in &plan.invalidations {
            self.l1().invalidate(inv);
        }
        if ok && !plan.invalidations.is_empty() {
            if let Some(l2) = self.l2() {
                for k in &plan.updated {
                    l2.put_key(k).await;
                }
            }
            self.publish(&plan.invalidations).await;
        }
    }

    async fn publish(&self, invs: &[Invalidation]) {
        let message = bus::payload(invs);
        match &self.publisher {
            Publisher::None => {}
            Publisher::Postgres(pool) => {
                if let Err(e) = bus::notify(pool, &message).await {
                    tracing::warn!(error = %e, "cannot notify other nodes of a change");
                }
            }
            Publisher::Redis => {
                let sent = match &self.l2 {
                    Some(l2) => l2.publish(&l2.channel(), message).await,
                    None => false,
                };
                if !sent {
                    tracing::warn!("cannot notify other nodes of a change (Redis unreachable)");
                }
            }
        }
    }

    /// A key by id through L1, then Redis, then the database.
    async fn key_by_id(
        &self,
        tenant: &TenantId,
        id: &KeyId,
    ) -> Result<Option<KeyRecord>, StoreError> {
        if !self.use_caches() {
            return self.inner.get_key(tenant, id).await;
        }
        let slot = (tenant.clone(), *id);
        if let Some(k) = self.l1_get(&self.l1().keys, &slot) {
            if !self.versions_ahead_of(&slot, &k) {
                return Ok(Some(k));
            }
            // The cached versions know a newer version: this record is stale.
            self.l1().keys.invalidate(&slot);
        }
        let seen = self.l1().generation();
        let stale = self.l1().l2_stale.contains_key(&slot);
        if let Some(l2) = self.l2().filter(|_| !stale)
            && let Some(k) = l2.get_key(tenant, id).await
            && !self.versions_ahead_of(&slot, &k)
        {
            self.l1().fill(&self.l1().keys, seen, slot, k.clone());
            return Ok(Some(k));
        }
        let found = self.inner.get_key(tenant, id).await?;
        if let Some(k) = &found {
            self.versions_ahead_of(&slot, k);
            self.remember_key(seen, k).await;
        }
        Ok(found)
    }

    /// Keeps a key and its cached version list from contradicting each
    /// other when they went stale at different moments (TTL-only mode, no
    /// invalidation bus): `true` when the cached list has a version newer
    /// than `k`'s primary (so `k` is stale); a list that lacks `k`'s primary
    /// is dropped (so it is read again).
    fn versions_ahead_of(&self, slot: &(TenantId, KeyId), k: &KeyRecord) -> bool {
        let Some(list) = self.l1().versions.get(slot) else {
            return false;
        };
        let newest = list.iter().map(|v| v.version).max().unwrap_or(0);
        if newest < k.primary_version {
            self.l1().versions.invalidate(slot);
        }
        newest > k.primary_version
    }

    /// Caches a key read from the database (L1, and Redis).
    async fn remember_key(&self, seen: u64, k: &KeyRecord) {
        let slot = (k.tenant.clone(), k.id);
        self.l1()
            .fill(&self.l1().keys, seen, slot.clone(), k.clone());
        if let Some(l2) = self.l2() {
            l2.put_key(k).await;
            self.l1().l2_stale.invalidate(&slot);
        }
    }

    async fn versions(
        &self,
        tenant: &TenantId,
        key: &KeyId,
    ) -> Result<Arc<Vec<VersionRecord>>, StoreError> {
        let slot = (tenant.clone(), *key);
        if self.use_caches()
            && let Some(v) = self.l1_get(&self.l1().versions, &slot)
        {
            return Ok(v);
        }
        let seen = self.l1().generation();
        let list = Arc::new(self.inner.list_versions(tenant, key).await?);
        // A cached key record older than this list is stale: drop it.
        let newest = list.iter().map(|v| v.version).max().unwrap_or(0);
        if self
            .l1()
            .keys
            .get(&slot)
            .is_some_and(|k| k.primary_version < newest)
        {
            self.l1().keys.invalidate(&slot);
        }
        if self.caching() && !list.is_empty() {
            self.l1()
                .fill(&self.l1().versions, seen, slot, list.clone());
        }
        Ok(list)
    }
}

#[async_trait]
impl ProviderStateStore for CachedStore {
    async fn get_blob(
        &self,
        provider: &ProviderId,
        name: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        self.inner.get_blob(provider, name).await
    }

    async fn put_blob_if_absent(
        &self,
        provider: &ProviderId,
        name: &str,
        value: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        self.inner.put_blob_if_absent(provider, name, value).await
    }
}

#[async_trait]
impl Store for CachedStore {
    async fn commit(
        &self,
        changes: Vec<Change>,
        audit: Vec<AuditEvent>,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let plan = CommitPlan::of(&changes);
        let result = self.inner.commit(changes, audit).await;
        self.after_commit(&plan, result.is_ok()).await;
        result
    }

    fn groups_commits(&self) -> bool {
        self.inner.groups_commits()
    }

    async fn commit_many(
        &self,
        units: Vec<CommitUnit>,
    ) -> Vec<Result<Vec<AuditRecord>, StoreError>> {
        let plans: Vec<CommitPlan> = units.iter().map(|u| CommitPlan::of(&u.changes)).collect();
        let results = self.inner.commit_many(units).await;
        for (plan, result) in plans.iter().zip(&results) {
            self.after_commit(plan, result.is_ok()).await;
        }
        results
    }

    async fn get_tenant(&self, id: &TenantId) -> Result<Option<TenantRecord>, StoreError> {
        if !self.use_caches() {
            return self.inner.get_tenant(id).await;
        }
        if let Some(t) = self.l1_get(&self.l1().tenants, id) {
            return Ok(Some(t));
        }
        let seen = self.l1().generation();
        if let Some(l2) = self.l2()
            && let Some(t) = l2.get_tenant(id).await
        {
            self.l1()
                .fill(&self.l1().tenants, seen, id.clone(), t.clone());
            return Ok(Some(t));
        }
        let found = self.inner.get_tenant(id).await?;
        if let Some(t) = &found {
            self.l1()
                .fill(&self.l1().tenants, seen, id.clone(), t.clone());
            if let Some(l2) = self.l2() {
                l2.put_tenant(t).await;
            }
        }
        Ok(found)
    }

    async fn list_tenants(&self) -> Result<Vec<TenantRecord>, StoreError> {
        self.inner.list_tenants().await
    }

    async fn get_key(
        &self,
        tenant: &TenantId,
        id: &KeyId,
    ) -> Result<Option<KeyRecord>, StoreError> {
        self.key_by_id(tenant, id).await
    }

    async fn get_key_by_alias(
        &self,
        tenant: &TenantId,
        alias: &Alias,
    ) -> Result<Option<KeyRecord>, StoreError> {
        if !self.use_caches() {
            return self.inner.get_key_by_alias(tenant, alias).await;
        }
        let slot = (tenant.clone(), alias.clone());
        let mut known = self.l1_get(&self.l1().aliases, &slot);
        if known.is_none()
            && let Some(l2) = self.l2()
        {
            known = l2.get_alias(tenant, alias).await;
        }
        if let Some(id) = known
            && let Some(k) = self.key_by_id(tenant, &id).await?
            && k.alias.as_ref() == Some(alias)
        {
            self.l1().aliases.insert(slot, id);
            return Ok(Some(k));
        }
        let seen = self.l1().generation();
        let found = self.inner.get_key_by_alias(tenant, alias).await?;
        match &found {
            Some(k) => {
                self.l1().aliases.insert(slot, k.id);
                self.remember_key(seen, k).await;
            }
            None => self.l1().aliases.invalidate(&slot),
        }
        Ok(found)
    }

    async fn list_keys(
        &self,
        tenant: &TenantId,
        filter: &KeyFilter,
        page: PageRequest,
    ) -> Result<Page<KeyRecord>, StoreError> {
        self.inner.list_keys(tenant, filter, page).await
    }

    async fn keys_due(&self, now: Timestamp, limit: u32) -> Result<Vec<KeyRecord>, StoreError> {
        self.inner.keys_due(now, limit).await
    }

    async fn list_versions(
        &self,
        tenant: &TenantId,
        key: &KeyId,
    ) -> Result<Vec<VersionRecord>, StoreError> {
        Ok(self.versions(tenant, key).await?.as_ref().clone())
    }

    async fn get_version(
        &self,
        tenant: &TenantId,
        key: &KeyId,
        version: u32,
    ) -> Result<Option<VersionRecord>, StoreError> {
        if let Some(v) = self
            .versions(tenant, key)
            .await?
            .iter()
            .find(|v| v.version == version)
        {
            return Ok(Some(v.clone()));
        }
        // Not in the cached list: perhaps newer than it.
        self.inner.get_version(tenant, key, version).await
    }

    async fn get_api_key_by_hash(&self, hash: &[u8]) -> Result<Option<ApiKeyRecord>, StoreError> {
        if !self.use_caches() {
            return self.inner.get_api_key_by_hash(hash).await;
        }
        if let Some(k) = self.l1_get(&self.l1().api_keys, hash) {
            return Ok(Some(k));
        }
        let seen = self.l1().generation();
        let found = self.inner.get_api_key_by_hash(hash).await?;
        if let Some(k) = &found {
            self.l1()
                .fill(&self.l1().api_keys, seen, hash.to_vec(), k.clone());
        }
        Ok(found)
    }

    async fn list_api_keys(&self, tenant: &TenantId) -> Result<Vec<ApiKeyRecord>, StoreError> {
        self.inner.list_api_keys(tenant).await
    }

    async fn get_api_key(
        &self,
        tenant: &TenantId,
        id: &ApiKeyId,
    ) -> Result<Option<ApiKeyRecord>, StoreError> {
        self.inner.get_api_key(tenant, id).await
    }

    async fn find_cert_principals(
        &self,
        subject_cn: &str,
    ) -> Result<Vec<CertPrincipal>, StoreError> {
        if !self.use_caches() {
            return self.inner.find_cert_principals(subject_cn).await;
        }
        if let Some(v) = self.l1_get(&self.l1().certs, subject_cn) {
            return Ok(v.as_ref().clone());
        }
        let seen = self.l1().generation();
        let found = self.inner.find_cert_principals(subject_cn).await?;
        if !found.is_empty() {
            self.l1().fill(
                &self.l1().certs,
                seen,
                subject_cn.to_owned(),
                Arc::new(found.clone()),
            );
        }
        Ok(found)
    }

    async fn list_cert_principals(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<CertPrincipal>, StoreError> {
        self.inner.list_cert_principals(tenant).await
    }

    async fn list_audit(&self, filter: &AuditFilter) -> Result<Vec<AuditRecord>, StoreError> {
        self.inner.list_audit(filter).await
    }

    async fn audit_head(&self) -> Result<(u64, [u8; 32]), StoreError> {
        self.inner.audit_head().await
    }

    async fn list_checkpoints(
        &self,
        filter: &CheckpointFilter,
    ) -> Result<Vec<Checkpoint>, StoreError> {
        self.inner.list_checkpoints(filter).await
    }

    async fn try_acquire_lease(
        &self,
        name: &str,
        holder: &str,
        ttl: Duration,
    ) -> Result<bool, StoreError> {
        self.inner.try_acquire_lease(name, holder, ttl).await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<(), StoreError> {
        self.inner.release_lease(name, holder).await
    }

    async fn import_audit(&self, records: Vec<AuditRecord>) -> Result<(), StoreError> {
        let result = self.inner.import_audit(records).await;
        self.l1().clear();
        result
    }

    async fn list_blobs(&self) -> Result<Vec<(ProviderId, String, Vec<u8>)>, StoreError> {
        self.inner.list_blobs().await
    }

    // Not on the hot path: read through, uncached.
    async fn get_discovery_scan(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> Result<Option<tresor_core::discovery::DiscoveryScan>, StoreError> {
        self.inner.get_discovery_scan(tenant, id).await
    }

    async fn list_discovery_scans(
        &self,
        tenant: &TenantId,
        limit: u32,
    ) -> Result<Vec<tresor_core::discovery::DiscoveryScan>, StoreError> {
        self.inner.list_discovery_scans(tenant, limit).await
    }

    async fn sink_cursor(&self, sink: &str) -> Result<u64, StoreError> {
        self.inner.sink_cursor(sink).await
    }

    async fn advance_sink_cursor(&self, sink: &str, seq: u64) -> Result<(), StoreError> {
        self.inner.advance_sink_cursor(sink, seq).await
    }

    async fn list_alerts(
        &self,
        filter: &tresor_core::AlertFilter,
    ) -> Result<Vec<tresor_core::AlertRecord>, StoreError> {
        self.inner.list_alerts(filter).await
    }

    async fn get_certificate(
        &self,
        tenant: &TenantId,
        id: &tresor_core::CertId,
    ) -> Result<Option<tresor_core::CertificateRecord>, StoreError> {
        self.inner.get_certificate(tenant, id).await
    }

    async fn list_certificates(
        &self,
        tenant: &TenantId,
        filter: &tresor_core::CertificateFilter,
    ) -> Result<Vec<tresor_core::CertificateRecord>, StoreError> {
        self.inner.list_certificates(tenant, filter).await
    }

    async fn get_ca(
        &self,
        tenant: &TenantId,
        name: &str,
    ) -> Result<Option<tresor_core::CaRecord>, StoreError> {
        self.inner.get_ca(tenant, name).await
    }

    async fn list_cas(&self, tenant: &TenantId) -> Result<Vec<tresor_core::CaRecord>, StoreError> {
        self.inner.list_cas(tenant).await
    }

    async fn get_secret(
        &self,
        tenant: &TenantId,
        id: &tresor_core::SecretId,
    ) -> Result<Option<tresor_core::SecretRecord>, StoreError> {
        self.inner.get_secret(tenant, id).await
    }

    async fn list_secrets(
        &self,
        tenant: &TenantId,
        filter: &tresor_core::SecretFilter,
    ) -> Result<Vec<tresor_core::SecretRecord>, StoreError> {
        self.inner.list_secrets(tenant, filter).await
    }

    async fn count_secrets(
        &self,
        tenant: &TenantId,
        filter: &tresor_core::SecretFilter,
    ) -> Result<u64, StoreError> {
        self.inner.count_secrets(tenant, filter).await
    }

    async fn get_object(
        &self,
        tenant: &TenantId,
        kind: tresor_core::ObjectKind,
        id: &str,
    ) -> Result<Option<tresor_core::ObjectRecord>, StoreError> {
        self.inner.get_object(tenant, kind, id).await
    }

    async fn list_objects(
        &self,
        tenant: &TenantId,
        filter: &tresor_core::ObjectFilter,
    ) -> Result<Vec<tresor_core::ObjectRecord>, StoreError> {
        self.inner.list_objects(tenant, filter).await
    }

    async fn count_objects(
        &self,
        tenant: &TenantId,
        filter: &tresor_core::ObjectFilter,
    ) -> Result<u64, StoreError> {
        self.inner.count_objects(tenant, filter).await
    }
}
