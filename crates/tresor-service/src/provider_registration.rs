//! Providers registered at run time by platform admins (`POST
//! /v1/providers`): typed configuration, validated and built by the
//! [`ProviderFactory`] the server installs (the service never names a
//! backend), persisted as a deployment-wide document under the platform
//! tenant, and loaded by every node at start and on [`Kms::sync_providers`]
//! (the scheduler tick), so a cluster converges on the same registry.
//!
//! Credentials are never part of the configuration: it names the
//! environment variable or file that holds them. A provider with keys bound
//! to it cannot be unregistered.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use tresor_core::{
    Action, Caller, Change, KeyFilter, ObjectFilter, ObjectKind, ObjectRecord, PageRequest,
    Provider, ProviderId, TenantId,
};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::providers::ProviderInfo;
use crate::unavailable::UnavailableProvider;

/// Builds providers of the kinds a deployment knows.
#[async_trait]
pub trait ProviderFactory: Send + Sync + Debug {
    /// The kinds it builds, e.g. `remote`, `pkcs11`.
    fn kinds(&self) -> Vec<&'static str>;
    /// Checks `config` for a provider `id` of `kind` and returns its
    /// normalized form (what is stored). The message says what is wrong.
    fn validate(
        &self,
        id: &ProviderId,
        kind: &str,
        config: &Value,
    ) -> std::result::Result<Value, String>;
    /// Builds (and connects) the provider.
    async fn build(
        &self,
        id: &ProviderId,
        kind: &str,
        config: &Value,
    ) -> std::result::Result<Arc<dyn Provider>, String>;
}

/// A stored registration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RegisteredProvider {
    pub id: ProviderId,
    pub kind: String,
    pub config: Value,
}

/// What the service keeps about run-time registration.
#[derive(Debug, Default)]
pub(crate) struct Registration {
    factory: std::sync::OnceLock<Arc<dyn ProviderFactory>>,
    /// Ids this node registered from stored documents.
    dynamic: std::sync::Mutex<BTreeSet<ProviderId>>,
    /// Serializes syncs and (un)registrations on this node.
    lock: tokio::sync::Mutex<()>,
}

fn platform() -> TenantId {
    TenantId::default_tenant()
}

fn unusable(e: String) -> ServiceError {
    ServiceError::invalid("config", e)
}

impl Kms {
    /// Installs the factory (once, at start).
    pub fn set_provider_factory(&self, f: Arc<dyn ProviderFactory>) {
        let _ = self.registration().factory.set(f);
    }

    fn factory(&self) -> Result<&Arc<dyn ProviderFactory>> {
        self.registration()
            .factory
            .get()
            .ok_or(ServiceError::Internal("no provider factory installed"))
    }

    fn dynamic_ids(&self) -> BTreeSet<ProviderId> {
        match self.registration().dynamic.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    fn set_dynamic(&self, id: &ProviderId, present: bool) {
        let mut g = match self.registration().dynamic.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        if present {
            g.insert(id.clone());
        } else {
            g.remove(id);
        }
    }

    async fn stored_providers(&self) -> Result<Vec<ObjectRecord>> {
        let mut filter = ObjectFilter::of(ObjectKind::ProviderConfig);
        filter.limit = 1000;
        Ok(self.store().list_objects(&platform(), &filter).await?)
    }

    /// Builds `r`, or a stand-in that is down (its keys fail fast).
    async fn build_or_down(&self, r: &RegisteredProvider) -> Arc<dyn Provider> {
        match self.factory() {
            Ok(f) => match f.build(&r.id, &r.kind, &r.config).await {
                Ok(p) => return p,
                Err(e) => {
                    tracing::error!(provider = %r.id, error = %e, "registered provider cannot be built: marked down")
                }
            },
            Err(_) => {
                tracing::error!(provider = %r.id, "no provider factory: registered provider marked down")
            }
        }
        Arc::new(UnavailableProvider::new(
            r.id.clone(),
            "registered",
            false,
            "could not be built",
        ))
    }

    /// Brings this node's registry in line with the stored registrations:
    /// adds new ones, drops removed ones. Returns how many changed.
    pub async fn sync_providers(&self) -> Result<usize> {
        let _guard = self.registration().lock.lock().await;
        let stored = self.stored_providers().await?;
        let mut wanted = BTreeSet::new();
        let mut changed = 0;
        for o in &stored {
            let r: RegisteredProvider = crate::secrets::from_body(o)?;
            wanted.insert(r.id.clone());
            if self.providers().get(&r.id).is_some() {
                continue;
            }
            let p = self.build_or_down(&r).await;
            self.update_providers(|reg| reg.register(p));
            self.set_dynamic(&r.id, true);
            tracing::info!(provider = %r.id, kind = r.kind, "registered provider loaded");
            changed += 1;
        }
        for id in self.dynamic_ids().difference(&wanted) {
            if self.update_providers(|reg| reg.unregister(id)) {
                tracing::info!(provider = %id, "registered provider removed");
                changed += 1;
            }
            self.set_dynamic(id, false);
        }
        Ok(changed)
    }

    /// Registers a provider (platform admins): validated, built, reachable,
    /// then stored and added to this node's registry.
    pub async fn register_provider(
        &self,
        caller: &Caller,
        id: ProviderId,
        kind: &str,
        config: Value,
    ) -> Result<ProviderInfo> {
        let (mut op, allowed) = self.begin(caller, Action::ProviderManage);
        op.object(&id);
        op.detail("kind", kind.to_owned());
        op.detail("registered", true);
        let result = async {
            allowed?;
            let factory = self.factory()?;
            if !factory.kinds().contains(&kind) {
                return Err(ServiceError::invalid(
                    "kind",
                    format!("one of {}", factory.kinds().join(", ")),
                ));
            }
            let _guard = self.registration().lock.lock().await;
            if self.providers().get(&id).is_some() {
                return Err(ServiceError::AlreadyExists { what: "provider" });
            }
            let config = factory.validate(&id, kind, &config).map_err(unusable)?;
            let p = factory.build(&id, kind, &config).await.map_err(|e| {
                ServiceError::invalid("config", format!("the provider cannot be used: {e}"))
            })?;
            if let Err(e) = p.health().await {
                return Err(ServiceError::ProviderUnavailable(e));
            }
            let doc = RegisteredProvider {
                id: id.clone(),
                kind: kind.to_owned(),
                config,
            };
            let now = self.now();
            let record = ObjectRecord {
                tenant: platform(),
                kind: ObjectKind::ProviderConfig,
                id: id.to_string(),
                parent: None,
                name: None,
                subtype: Some(kind.to_owned()),
                body: serde_json::to_string(&doc)
                    .map_err(|_| ServiceError::Internal("provider document"))?,
                created_by: caller.principal.clone(),
                created_at: now,
                updated_at: now,
                revision: 0,
            };
            self.commit(&mut op, vec![Change::CreateObject(record)])
                .await?;
            self.update_providers(|reg| reg.register(p.clone()));
            self.set_dynamic(&id, true);
            Ok(self.info(&p).await)
        }
        .await;
        self.finish(op, result).await
    }

    /// Unregisters a provider registered at run time, when no key is bound
    /// to it (platform admins).
    pub async fn unregister_provider(&self, caller: &Caller, id: &ProviderId) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::ProviderManage);
        op.object(id);
        op.detail("registered", false);
        let result = async {
            allowed?;
            let _guard = self.registration().lock.lock().await;
            if self
                .store()
                .get_object(&platform(), ObjectKind::ProviderConfig, id.as_str())
                .await?
                .is_none()
            {
                return Err(ServiceError::NotFound {
                    what: "registered provider (configured ones are removed from the configuration)",
                });
            }
            if self.provider_in_use(id).await? {
                return Err(ServiceError::InUse(
                    "keys are bound to this provider; destroy or migrate them first",
                ));
            }
            let change = Change::DeleteObject {
                tenant: platform(),
                kind: ObjectKind::ProviderConfig,
                id: id.to_string(),
            };
            self.commit(&mut op, vec![change]).await?;
            self.update_providers(|reg| reg.unregister(id));
            self.set_dynamic(id, false);
            Ok(())
        }
        .await;
        self.finish(op, result).await
    }

    /// The stored registrations (platform admins): kinds and configuration
    /// as registered (credentials are only named there, never held).
    pub async fn list_registered_providers(
        &self,
        caller: &Caller,
    ) -> Result<Vec<RegisteredProvider>> {
        let (op, allowed) = self.begin(caller, Action::ProviderManage);
        let result = async {
            allowed?;
            self.stored_providers()
                .await?
                .iter()
                .map(crate::secrets::from_body)
                .collect()
        }
        .await;
        self.finish(op, result).await
    }

    /// Whether any key of any tenant is bound to `id`.
    async fn provider_in_use(&self, id: &ProviderId) -> Result<bool> {
        for t in self.store().list_tenants().await? {
            let filter = KeyFilter {
                include_internal: true,
                ..KeyFilter::default()
            };
            let mut page = PageRequest {
                after: None,
                limit: 1000,
            };
            loop {
                let got = self.store().list_keys(&t.id, &filter, page).await?;
                if got.items.iter().any(|k| &k.provider == id) {
                    return Ok(true);
                }
                match got.next {
                    Some(n) => page.after = Some(n),
                    None => break,
                }
            }
        }
        Ok(false)
    }
}
