//! The software keystore's root key held in a PKCS#11 token
//! (`root_key_pkcs11_provider` + `root_key_pkcs11_label`): every tenant key
//! is sealed and opened by the token (AES-GCM), no root key file exists,
//! and a copy of the database is useless without the token.
//!
//! At start the named provider must connect and hold the labelled AES-256
//! key. The key is generated inside the token only for a new data
//! directory (or in dev mode); for existing data a missing key stops the
//! start with a clear error instead of silently making a new root (which
//! would orphan every tenant key). There is no fallback to a file key.

use std::sync::Arc;

use tresor_core::{Provider, ProviderError, ProviderId};
use tresor_crypto::{ProviderRoot, ProviderRootError, RootWrap};
use tresor_pkcs11::Pkcs11Provider;

use crate::config::{Config, ConfigError};
use crate::runtime::StartError;

/// Why the HSM-held root key cannot be used.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HsmRootError {
    /// The token could not be reached or logged in to.
    #[error(
        "PKCS#11 provider '{provider}' holding the root key cannot connect (module, token, PIN?): {source}"
    )]
    Connect {
        provider: ProviderId,
        #[source]
        source: ProviderError,
    },
    /// The key is missing and the data directory already holds data.
    #[error(
        "the root key '{label}' is not in the token of provider '{provider}', but the data directory already holds data; \
         refusing to create a new root key (every tenant key sealed by the old one would become unreadable). \
         Restore the token (or its backup) or, only for throw-away development data, start with --dev"
    )]
    Missing { provider: ProviderId, label: String },
    /// The key could not be created in the token.
    #[error("cannot create the root key '{label}' in provider '{provider}': {source}")]
    Create {
        provider: ProviderId,
        label: String,
        #[source]
        source: ProviderError,
    },
    /// The key exists but does not work.
    #[error(transparent)]
    Root(#[from] ProviderRootError),
}

/// The connected token and the root built on it.
pub(crate) struct HsmRoot {
    /// The provider, also registered under its id for HSM keys.
    pub provider: Arc<Pkcs11Provider>,
    /// Seals and opens tenant keys.
    pub root: Arc<dyn RootWrap>,
    /// Whether the key was generated at this start.
    pub created: bool,
    /// Its label.
    pub label: String,
}

/// Connects the configured token and finds (or, for new data, creates)
/// the root key; `Ok(None)` when the root key is not HSM-held.
pub(crate) async fn connect(config: &Config, fresh: bool) -> Result<Option<HsmRoot>, StartError> {
    let Some(id) = &config.root_key_pkcs11_provider else {
        return Ok(None);
    };
    let Some(pkcs11) = config.providers.pkcs11.iter().find(|c| &c.id == id) else {
        return Err(StartError::Config(ConfigError::Inconsistent(format!(
            "`root_key_pkcs11_provider` names '{id}', which is not a configured PKCS#11 provider (TRESOR_PKCS11_* or TRESOR_PKCS11_CONFIGS_JSON)"
        ))));
    };
    let label = config.root_key_pkcs11_label.clone();
    let provider = Pkcs11Provider::connect(pkcs11.clone())
        .await
        .map(Arc::new)
        .map_err(|source| HsmRootError::Connect {
            provider: id.clone(),
            source,
        })?;
    let dyn_provider: Arc<dyn Provider> = provider.clone();
    let mut created = false;
    let root =
        match ProviderRoot::connect(Arc::clone(&dyn_provider), &label).await {
            Ok(root) => root,
            Err(ProviderRootError::Missing { .. }) if fresh || config.dev => {
                created = provider.create_root_key(&label).await.map_err(|source| {
                    HsmRootError::Create {
                        provider: id.clone(),
                        label: label.clone(),
                        source,
                    }
                })?;
                ProviderRoot::connect(dyn_provider, &label)
                    .await
                    .map_err(HsmRootError::Root)?
            }
            Err(ProviderRootError::Missing { .. }) => {
                return Err(HsmRootError::Missing {
                    provider: id.clone(),
                    label,
                }
                .into());
            }
            Err(e) => return Err(HsmRootError::Root(e).into()),
        };
    tracing::info!(provider = %id, label = %label, created, "root key is held by the HSM");
    Ok(Some(HsmRoot {
        provider,
        root: Arc::new(root),
        created,
        label,
    }))
}
