//! [`UnavailableProvider`]: stands in for a configured provider that could
//! not be reached at start. It keeps the provider's id in the registry so
//! keys bound to it fail fast with `provider_unavailable` — never routed to
//! another provider — and so `/readyz` and the listings report it as down.

use async_trait::async_trait;
use tresor_core::{
    Algorithm, KeyContext, KeyHandle, NewKey, Provider, ProviderError, ProviderId, Sealed,
    SecretBytes, SignInput, SignScheme, WrapMechanism,
};

/// A provider that answers every call with [`ProviderError::Unavailable`].
#[derive(Debug, Clone)]
pub struct UnavailableProvider {
    id: ProviderId,
    kind: &'static str,
    hardware_backed: bool,
    reason: String,
}

impl UnavailableProvider {
    /// A stand-in for provider `id` of `kind`; `reason` is logged and
    /// attached to errors (it must not contain credentials).
    pub fn new(
        id: ProviderId,
        kind: &'static str,
        hardware_backed: bool,
        reason: impl Into<String>,
    ) -> Self {
        Self {
            id,
            kind,
            hardware_backed,
            reason: reason.into(),
        }
    }

    fn err(&self) -> ProviderError {
        ProviderError::Unavailable(format!("provider {} is down: {}", self.id, self.reason).into())
    }
}

#[async_trait]
impl Provider for UnavailableProvider {
    fn id(&self) -> &ProviderId {
        &self.id
    }
    fn algorithms(&self) -> Vec<Algorithm> {
        Vec::new()
    }
    fn hardware_backed(&self) -> bool {
        self.hardware_backed
    }
    fn kind(&self) -> &'static str {
        self.kind
    }
    async fn health(&self) -> Result<(), ProviderError> {
        Err(self.err())
    }
    async fn register_existing(&self, _: &KeyContext, _: &str) -> Result<NewKey, ProviderError> {
        Err(self.err())
    }
    async fn generate(&self, _: &KeyContext) -> Result<NewKey, ProviderError> {
        Err(self.err())
    }
    async fn import(&self, _: &KeyContext, _: &SecretBytes) -> Result<NewKey, ProviderError> {
        Err(self.err())
    }
    async fn export(&self, _: &KeyContext, _: &KeyHandle) -> Result<SecretBytes, ProviderError> {
        Err(self.err())
    }
    async fn encrypt(
        &self,
        _: &KeyContext,
        _: &KeyHandle,
        _: &[u8],
        _: &[u8],
    ) -> Result<Sealed, ProviderError> {
        Err(self.err())
    }
    async fn decrypt(
        &self,
        _: &KeyContext,
        _: &KeyHandle,
        _: &[u8],
        _: &[u8],
        _: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        Err(self.err())
    }
    async fn sign(
        &self,
        _: &KeyContext,
        _: &KeyHandle,
        _: SignScheme,
        _: SignInput<'_>,
    ) -> Result<Vec<u8>, ProviderError> {
        Err(self.err())
    }
    async fn verify(
        &self,
        _: &KeyContext,
        _: &KeyHandle,
        _: SignScheme,
        _: SignInput<'_>,
        _: &[u8],
    ) -> Result<bool, ProviderError> {
        Err(self.err())
    }
    async fn mac(&self, _: &KeyContext, _: &KeyHandle, _: &[u8]) -> Result<Vec<u8>, ProviderError> {
        Err(self.err())
    }
    async fn mac_verify(
        &self,
        _: &KeyContext,
        _: &KeyHandle,
        _: &[u8],
        _: &[u8],
    ) -> Result<bool, ProviderError> {
        Err(self.err())
    }
    async fn wrap(
        &self,
        _: &KeyContext,
        _: &KeyHandle,
        _: WrapMechanism,
        _: &SecretBytes,
    ) -> Result<Vec<u8>, ProviderError> {
        Err(self.err())
    }
    async fn unwrap(
        &self,
        _: &KeyContext,
        _: &KeyHandle,
        _: WrapMechanism,
        _: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        Err(self.err())
    }
    async fn agree(
        &self,
        _: &KeyContext,
        _: &KeyHandle,
        _: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        Err(self.err())
    }
    async fn encapsulate(
        &self,
        _: &KeyContext,
        _: &KeyHandle,
    ) -> Result<(Vec<u8>, SecretBytes), ProviderError> {
        Err(self.err())
    }
    async fn decapsulate(
        &self,
        _: &KeyContext,
        _: &KeyHandle,
        _: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        Err(self.err())
    }
    async fn destroy(&self, _: &KeyContext, _: &KeyHandle) -> Result<(), ProviderError> {
        Err(self.err())
    }
    async fn random(&self, _: &mut [u8]) -> Result<(), ProviderError> {
        Err(self.err())
    }
}
