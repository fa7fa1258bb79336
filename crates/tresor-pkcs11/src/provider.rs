//! [`Pkcs11Provider`]: the [`tresor_core::Provider`] port on a PKCS#11
//! token (the trait impl is in `port.rs`).
//!
//! Keys are generated (or imported) inside the token as sensitive,
//! non-extractable objects; the [`KeyHandle`] only names them (see
//! [`crate::handle`]). Every call runs on a pooled session on tokio's
//! blocking pool (see [`crate::pool`]).

use std::fmt;
use std::sync::Arc;

use cryptoki::object::{ObjectClass, ObjectHandle};
use cryptoki::session::Session;
use tresor_core::{
    Algorithm, KeyContext, KeyHandle, NewKey, Operation, ProviderError, ProviderId, WrapMechanism,
};

use crate::caps::{self, Capabilities};
use crate::config::Pkcs11Config;
use crate::error::Failure;
use crate::handle::{self, Locator, ObjectRef};
use crate::keys::Placement;
use crate::pool::Pool;

/// What [`Pkcs11Provider::health`] reports about the token.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenHealth {
    pub label: String,
    pub manufacturer: String,
    pub model: String,
    pub serial_number: String,
}

/// A key provider backed by a PKCS#11 token.
pub struct Pkcs11Provider {
    pub(crate) id: ProviderId,
    pub(crate) prefix: String,
    pub(crate) pool: Arc<Pool>,
    pub(crate) caps: Arc<Capabilities>,
}

impl fmt::Debug for Pkcs11Provider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pkcs11Provider")
            .field("id", &self.id)
            .field("pool", &self.pool)
            .field("algorithms", &self.caps.algorithms())
            .finish()
    }
}

fn new_id() -> Result<[u8; 16], Failure> {
    let mut id = [0u8; 16];
    aws_lc_rs::rand::fill(&mut id)
        .map_err(|_| ProviderError::Unavailable("random generator failure".into()))?;
    Ok(id)
}

impl Pkcs11Provider {
    /// Loads the module, logs in to the token and discovers what it can do.
    pub async fn connect(config: Pkcs11Config) -> Result<Self, ProviderError> {
        config
            .validate()
            .map_err(|e| ProviderError::Unavailable(Box::new(e)))?;
        let pool = Arc::new(Pool::new(&config).map_err(|e| e.unavailable())?);
        let caps = pool.run(caps::discover).await?;
        tracing::info!(
            provider = %config.id,
            token = %config.token_description(),
            algorithms = ?caps.algorithms(),
            "PKCS#11 provider ready"
        );
        Ok(Self {
            id: config.id,
            prefix: config.label_prefix.unwrap_or_default(),
            pool,
            caps: Arc::new(caps),
        })
    }

    /// Algorithms and operations this token supports through the provider.
    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// Readiness probe: a session and `C_GetTokenInfo`.
    pub async fn health(&self) -> Result<TokenHealth, ProviderError> {
        self.pool
            .run(|cx| {
                let info = cx.token_info()?;
                Ok(TokenHealth {
                    label: info.label().trim_end().to_owned(),
                    manufacturer: info.manufacturer_id().trim_end().to_owned(),
                    model: info.model().trim_end().to_owned(),
                    serial_number: info.serial_number().trim_end().to_owned(),
                })
            })
            .await
    }

    /// Test hook: `C_Logout`, which logs every session of the process out.
    #[doc(hidden)]
    pub async fn logout_for_test(&self) -> Result<(), ProviderError> {
        let pool = Arc::clone(&self.pool);
        tokio::task::spawn_blocking(move || pool.logout_for_test())
            .await
            .map_err(|e| ProviderError::Unavailable(Box::new(e)))?
    }

    /// Test hook: `C_Finalize` behind the provider's back, which closes
    /// every session of every caller of the module (a harsher
    /// `C_CloseAllSessions`; cryptoki has no safe wrapper for that one).
    #[doc(hidden)]
    pub async fn close_all_sessions_for_test(&self) {
        let pool = Arc::clone(&self.pool);
        let _ =
            tokio::task::spawn_blocking(move || pool.library().finalize_behind_the_back()).await;
    }

    pub(crate) fn check(
        &self,
        ctx: &KeyContext,
        op: Operation,
        what: &'static str,
    ) -> Result<(), ProviderError> {
        if self.caps.allows(ctx.algorithm, op) {
            Ok(())
        } else {
            Err(ProviderError::Unsupported(what))
        }
    }

    /// Refuses an AES wrap mechanism the token gets wrong (a mismatched
    /// mechanism is left to the operation: `InvalidInput`).
    pub(crate) fn check_mechanism(
        &self,
        ctx: &KeyContext,
        m: WrapMechanism,
    ) -> Result<(), ProviderError> {
        if m == WrapMechanism::AesKwp && !self.caps.wrap_mechanisms(ctx.algorithm).contains(&m) {
            return Err(ProviderError::Unsupported(
                "AES-KWP is not correctly implemented by this token",
            ));
        }
        Ok(())
    }

    /// Runs `f` on the object of `class` that `handle` names.
    pub(crate) async fn with_object<T, F>(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        class: ObjectClass,
        f: F,
    ) -> Result<T, ProviderError>
    where
        T: Send + 'static,
        F: Fn(&Session, ObjectHandle, Algorithm) -> Result<T, Failure> + Send + 'static,
    {
        let at = handle::locate(&self.prefix, ctx, handle)?;
        let algorithm = ctx.algorithm;
        self.pool
            .run(move |cx| {
                let h = match &at {
                    Locator::Owned { id, label } => cx.find(class, id, label)?,
                    Locator::Registered { label } => cx.find_by_label(class, label)?,
                };
                f(cx.session, h, algorithm)
            })
            .await
    }

    /// Creates objects (generated or imported) with a fresh `CKA_ID` per
    /// attempt, so a retried creation never collides with a half-made one.
    pub(crate) async fn create<F>(&self, ctx: &KeyContext, f: F) -> Result<NewKey, ProviderError>
    where
        F: Fn(&crate::pool::Cx<'_>, &Capabilities, &Placement) -> Result<Option<Vec<u8>>, Failure>
            + Send
            + 'static,
    {
        if self.caps.operations(ctx.algorithm).is_empty() {
            return Err(ProviderError::Unsupported(
                "algorithm not supported by this token",
            ));
        }
        let label = handle::label(&self.prefix, ctx);
        let caps = Arc::clone(&self.caps);
        let (id, public_key) = self
            .pool
            .run(move |cx| {
                let at = Placement {
                    id: new_id()?,
                    label: label.clone(),
                };
                Ok((at.id, f(cx, &caps, &at)?))
            })
            .await?;
        let handle = ObjectRef {
            algorithm: ctx.algorithm,
            id,
        }
        .encode();
        Ok(NewKey { handle, public_key })
    }
}
