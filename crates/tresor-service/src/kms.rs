//! The [`Kms`] service object: its ports and the registry of providers.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tresor_core::{Action, Clock, Outcome, Provider, ProviderId, Store, Timestamp};

use crate::audit_writer::AuditWriter;
use crate::config::KmsConfig;
use crate::error::{Result, ServiceError};

/// Observes finished operations (metrics). Optional.
pub trait OpObserver: Send + Sync + fmt::Debug {
    /// Called once per service call with its outcome and duration.
    fn observe(&self, action: Action, outcome: Outcome, elapsed: Duration);
}

/// The configured providers and the default one for new keys.
#[derive(Debug, Clone)]
pub struct ProviderRegistry {
    providers: BTreeMap<ProviderId, Arc<dyn Provider>>,
    default: ProviderId,
}

impl ProviderRegistry {
    /// A registry whose default is `default` (registered too).
    pub fn new(default: Arc<dyn Provider>) -> Self {
        let id = default.id().clone();
        let mut providers = BTreeMap::new();
        providers.insert(id.clone(), default);
        Self {
            providers,
            default: id,
        }
    }

    /// Adds another provider.
    pub fn register(&mut self, p: Arc<dyn Provider>) {
        self.providers.insert(p.id().clone(), p);
    }

    /// Removes a provider other than the default; `false` when there is no
    /// such provider or it is the default.
    pub fn unregister(&mut self, id: &ProviderId) -> bool {
        *id != self.default && self.providers.remove(id).is_some()
    }

    /// Looks a provider up.
    pub fn get(&self, id: &ProviderId) -> Option<&Arc<dyn Provider>> {
        self.providers.get(id)
    }

    /// The default provider's id.
    pub fn default_id(&self) -> &ProviderId {
        &self.default
    }

    /// All providers.
    pub fn all(&self) -> impl Iterator<Item = &Arc<dyn Provider>> {
        self.providers.values()
    }

    /// Makes `id` (already registered) the default for new keys; `false`
    /// when no such provider is registered.
    pub fn set_default(&mut self, id: &ProviderId) -> bool {
        if self.providers.contains_key(id) {
            self.default = id.clone();
            true
        } else {
            false
        }
    }
}

/// The key management service.
#[derive(Debug, Clone)]
pub struct Kms {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Arc<dyn Store>,
    /// Swapped whole when a provider is registered at run time; readers
    /// take a snapshot.
    providers: std::sync::RwLock<Arc<ProviderRegistry>>,
    clock: Arc<dyn Clock>,
    audit: AuditWriter,
    evidence: crate::checkpoints::EvidenceState,
    sinks: crate::sinks::SinkSet,
    alert_sources: crate::alerts::AlertSources,
    config: KmsConfig,
    observer: Option<Arc<dyn OpObserver>>,
    registration: crate::provider_registration::Registration,
    auth_flood: crate::auth_flood::AuthFloodGate,
}

impl Kms {
    /// Builds the service. Must be called inside a tokio runtime (it starts
    /// the audit group-commit task).
    pub fn new(
        store: Arc<dyn Store>,
        providers: ProviderRegistry,
        clock: Arc<dyn Clock>,
        config: KmsConfig,
        observer: Option<Arc<dyn OpObserver>>,
    ) -> Self {
        let audit = AuditWriter::spawn(store.clone(), config.audit_batch_max);
        Self {
            inner: Arc::new(Inner {
                store,
                providers: std::sync::RwLock::new(Arc::new(providers)),
                clock,
                audit,
                evidence: Default::default(),
                sinks: Default::default(),
                alert_sources: Default::default(),
                config,
                observer,
                registration: Default::default(),
                auth_flood: Default::default(),
            }),
        }
    }

    pub(crate) fn store(&self) -> &Arc<dyn Store> {
        &self.inner.store
    }

    pub(crate) fn audit_writer(&self) -> &AuditWriter {
        &self.inner.audit
    }

    pub(crate) fn auth_flood(&self) -> &crate::auth_flood::AuthFloodGate {
        &self.inner.auth_flood
    }

    pub(crate) fn evidence(&self) -> &crate::checkpoints::EvidenceState {
        &self.inner.evidence
    }

    pub(crate) fn alert_sources(&self) -> &crate::alerts::AlertSources {
        &self.inner.alert_sources
    }

    pub(crate) fn registration(&self) -> &crate::provider_registration::Registration {
        &self.inner.registration
    }

    pub(crate) fn sinks(&self) -> &crate::sinks::SinkSet {
        &self.inner.sinks
    }

    /// The service's settings.
    pub fn config(&self) -> &KmsConfig {
        &self.inner.config
    }

    /// A snapshot of the provider registry.
    pub fn providers(&self) -> Arc<ProviderRegistry> {
        match self.inner.providers.read() {
            Ok(g) => Arc::clone(&g),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Changes the registry (run-time registration); `f` sees a copy.
    pub(crate) fn update_providers<T>(&self, f: impl FnOnce(&mut ProviderRegistry) -> T) -> T {
        let mut guard = match self.inner.providers.write() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        let mut next = (**guard).clone();
        let out = f(&mut next);
        *guard = Arc::new(next);
        out
    }

    /// Current time from the clock port.
    pub fn now(&self) -> Timestamp {
        self.inner.clock.now()
    }

    pub(crate) fn provider(&self, id: &ProviderId) -> Result<Arc<dyn Provider>> {
        self.providers()
            .get(id)
            .cloned()
            .ok_or(ServiceError::Internal("key refers to an unknown provider"))
    }

    pub(crate) fn observe(&self, action: Action, outcome: Outcome, elapsed: Duration) {
        if let Some(o) = &self.inner.observer {
            o.observe(action, outcome, elapsed);
        }
    }

    /// Whether the store answers (for readiness probes).
    pub async fn ready(&self) -> bool {
        self.inner.store.audit_head().await.is_ok()
    }
}
