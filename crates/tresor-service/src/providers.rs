//! The provider registry as callers see it: listing providers with their
//! health, their typed capabilities, queries ("who can do algorithm X with
//! operations Y", and the best such provider), and the rule that binds a
//! new key to a provider.
//!
//! Binding rule for a new key (`bind_provider`):
//! 1. an explicitly named provider is used or the call fails — unknown
//!    provider: `invalid_argument`; down: `provider_unavailable`; cannot do
//!    the algorithm with the requested operations: `unsupported_algorithm`.
//!    Never another provider.
//! 2. otherwise the tenant's default (the registry default) when it can do
//!    the algorithm with the requested operations;
//! 3. otherwise the best match among the other providers (see
//!    [`rank`]); the audit record says which rule applied (`binding`).
//!
//! A key stays on its provider for life: when that provider fails, its
//! operations fail with `provider_unavailable`.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use tresor_core::{
    Action, Algorithm, Caller, Operation, Provider, ProviderCapabilities, ProviderId,
};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::types::KeySpec;

/// How long a health probe may take before the provider counts as down.
pub const HEALTH_TIMEOUT: Duration = Duration::from_secs(3);

/// A provider as listed: never its configuration or credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderInfo {
    pub id: ProviderId,
    /// `software`, `pkcs11`, ...
    pub kind: &'static str,
    /// New keys without an explicit provider go here first.
    pub default: bool,
    pub hardware_backed: bool,
    /// The result of a health probe made for this answer.
    pub healthy: bool,
}

/// "Which providers can do `algorithm` with all of `operations`?"
/// (`None`: the algorithm's default operations).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderQuery {
    pub algorithm: Algorithm,
    pub operations: Option<BTreeSet<Operation>>,
}

/// Why a new key went to its provider (recorded in the audit detail).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Binding {
    Explicit,
    Default,
    BestMatch,
}

impl Binding {
    /// Audit name.
    pub fn as_str(self) -> &'static str {
        match self {
            Binding::Explicit => "explicit",
            Binding::Default => "default",
            Binding::BestMatch => "best-match",
        }
    }
}

/// Probes a provider's health, bounded by [`HEALTH_TIMEOUT`].
pub async fn probe(p: &Arc<dyn Provider>) -> bool {
    match tokio::time::timeout(HEALTH_TIMEOUT, p.health()).await {
        Ok(Ok(())) => true,
        Ok(Err(e)) => {
            tracing::warn!(provider = %p.id(), error = %error_chain(&e), "provider health check failed");
            false
        }
        Err(_) => {
            tracing::warn!(provider = %p.id(), "provider health check timed out");
            false
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

/// The error for a provider that is registered but failed to start (its
/// stand-in offers no algorithms).
fn down(id: &ProviderId) -> ServiceError {
    ServiceError::ProviderUnavailable(tresor_core::ProviderError::Unavailable(
        format!("provider {id} is unavailable").into(),
    ))
}

/// Best-match order: hardware-backed first, then the default, then by id.
fn rank(p: &Arc<dyn Provider>, default: &ProviderId) -> (bool, bool, ProviderId) {
    (!p.hardware_backed(), p.id() != default, p.id().clone())
}

impl Kms {
    pub(crate) async fn info(&self, p: &Arc<dyn Provider>) -> ProviderInfo {
        ProviderInfo {
            id: p.id().clone(),
            kind: p.kind(),
            default: p.id() == self.providers().default_id(),
            hardware_backed: p.hardware_backed(),
            healthy: probe(p).await,
        }
    }

    fn lookup(&self, id: &ProviderId) -> Result<Arc<dyn Provider>> {
        self.providers()
            .get(id)
            .cloned()
            .ok_or(ServiceError::NotFound { what: "provider" })
    }

    /// Every provider with a fresh health probe (no authorization, no
    /// audit: for readiness probes and metrics only).
    pub async fn provider_health(&self) -> Vec<ProviderInfo> {
        let mut out = Vec::new();
        for p in self.providers().all() {
            out.push(self.info(p).await);
        }
        out
    }

    /// Lists the providers.
    pub async fn list_providers(&self, caller: &Caller) -> Result<Vec<ProviderInfo>> {
        let (op, allowed) = self.begin(caller, Action::ProviderList);
        let result = async {
            allowed?;
            Ok(self.provider_health().await)
        }
        .await;
        self.finish(op, result).await
    }

    /// One provider.
    pub async fn get_provider(&self, caller: &Caller, id: &ProviderId) -> Result<ProviderInfo> {
        let (mut op, allowed) = self.begin(caller, Action::ProviderGet);
        op.object(id);
        let result = async {
            allowed?;
            Ok(self.info(&self.lookup(id)?).await)
        }
        .await;
        self.finish(op, result).await
    }

    /// One provider's capabilities.
    pub async fn provider_capabilities(
        &self,
        caller: &Caller,
        id: &ProviderId,
    ) -> Result<ProviderCapabilities> {
        let (mut op, allowed) = self.begin(caller, Action::ProviderCapabilities);
        op.object(id);
        let result = async {
            allowed?;
            Ok(self.lookup(id)?.capabilities())
        }
        .await;
        self.finish(op, result).await
    }

    /// Every provider's capabilities.
    pub async fn all_capabilities(
        &self,
        caller: &Caller,
    ) -> Result<Vec<(ProviderId, ProviderCapabilities)>> {
        let (op, allowed) = self.begin(caller, Action::ProviderCapabilities);
        let result = async {
            allowed?;
            Ok(self
                .providers()
                .all()
                .map(|p| (p.id().clone(), p.capabilities()))
                .collect())
        }
        .await;
        self.finish(op, result).await
    }

    /// Providers that can do the query's algorithm with all its operations,
    /// best match first.
    pub async fn query_providers(
        &self,
        caller: &Caller,
        query: &ProviderQuery,
    ) -> Result<Vec<ProviderInfo>> {
        let (mut op, allowed) = self.begin(caller, Action::ProviderQuery);
        op.detail("algorithm", query.algorithm.as_str());
        let result = async {
            allowed?;
            let mut out = Vec::new();
            for p in self.matching(query) {
                out.push(self.info(&p).await);
            }
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// The best healthy provider for the query (hardware-backed first, then
    /// the default); `unsupported_algorithm` when none can do it.
    pub async fn best_provider(
        &self,
        caller: &Caller,
        query: &ProviderQuery,
    ) -> Result<ProviderInfo> {
        let (mut op, allowed) = self.begin(caller, Action::ProviderQuery);
        op.detail("algorithm", query.algorithm.as_str());
        op.detail("best", true);
        let result = async {
            allowed?;
            for p in self.matching(query) {
                let info = self.info(&p).await;
                if info.healthy {
                    return Ok(info);
                }
            }
            Err(ServiceError::UnsupportedAlgorithm(format!(
                "no available provider offers {} with the requested operations",
                query.algorithm
            )))
        }
        .await;
        self.finish(op, result).await
    }

    /// Providers whose capabilities cover the query, in best-match order.
    fn matching(&self, query: &ProviderQuery) -> Vec<Arc<dyn Provider>> {
        let ops = query
            .operations
            .clone()
            .unwrap_or_else(|| query.algorithm.default_operations());
        let registry = self.providers();
        let default = registry.default_id();
        let mut found: Vec<_> = registry
            .all()
            .filter(|p| p.capabilities().supports(query.algorithm, &ops))
            .cloned()
            .collect();
        found.sort_by_key(|p| rank(p, default));
        found
    }

    /// Chooses the provider of a new key (see the module docs).
    pub(crate) fn bind_provider(&self, spec: &KeySpec) -> Result<(ProviderId, Binding)> {
        let ops = spec
            .operations
            .clone()
            .unwrap_or_else(|| spec.algorithm.default_operations());
        let registry = self.providers();
        if let Some(id) = &spec.provider {
            let p = registry
                .get(id)
                .ok_or_else(|| ServiceError::invalid("provider", "no such provider"))?;
            if !p.capabilities().supports(spec.algorithm, &ops) {
                if p.algorithms().is_empty() {
                    return Err(down(id));
                }
                return Err(ServiceError::UnsupportedAlgorithm(format!(
                    "{} with the requested operations is not offered by provider {id}",
                    spec.algorithm
                )));
            }
            return Ok((id.clone(), Binding::Explicit));
        }
        let default = registry.default_id();
        if let Some(p) = registry.get(default) {
            if p.capabilities().supports(spec.algorithm, &ops) {
                return Ok((default.clone(), Binding::Default));
            }
            // A default that failed to start: new keys wait for it rather
            // than quietly landing elsewhere.
            if p.algorithms().is_empty() {
                return Err(down(default));
            }
        }
        let query = ProviderQuery {
            algorithm: spec.algorithm,
            operations: Some(ops),
        };
        match self.matching(&query).first() {
            Some(p) => Ok((p.id().clone(), Binding::BestMatch)),
            None => Err(ServiceError::UnsupportedAlgorithm(format!(
                "no provider offers {} with the requested operations",
                spec.algorithm
            ))),
        }
    }
}
