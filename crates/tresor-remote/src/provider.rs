//! [`RemoteProvider`]: the [`Provider`] port over a remote Tresor's REST
//! API (`/v1/keys`, `/v1/keys/{id}/encrypt|decrypt|sign|verify|mac|
//! mac-verify`, `/v1/random`).
//!
//! Encryption returns the remote's ciphertext envelope as an opaque sealed
//! blob (empty nonce); the local AAD travels as the remote AAD, so it is
//! bound there. Destroying a version disables and destroys its remote key
//! (the remote credential needs the admin role in its tenant for that; the
//! other operations need the user role).

use std::collections::{BTreeMap, BTreeSet};

use async_trait::async_trait;
use tresor_api as api;
use tresor_core::{
    Algorithm, BoundHandle, KeyContext, KeyHandle, NewKey, Operation, Provider,
    ProviderCapabilities, ProviderError, ProviderId, Sealed, SecretBytes, SignInput, SignScheme,
};

use crate::client::Client;
use crate::config::{RemoteConfig, RemoteConfigError};

/// What this provider does with each algorithm the remote offers.
pub const SUPPORTED: &[(Algorithm, &[Operation])] = &[
    (
        Algorithm::Aes128Gcm,
        &[Operation::Encrypt, Operation::Decrypt],
    ),
    (
        Algorithm::Aes256Gcm,
        &[Operation::Encrypt, Operation::Decrypt],
    ),
    (
        Algorithm::ChaCha20Poly1305,
        &[Operation::Encrypt, Operation::Decrypt],
    ),
    (
        Algorithm::HmacSha256,
        &[Operation::Mac, Operation::MacVerify],
    ),
    (
        Algorithm::HmacSha384,
        &[Operation::Mac, Operation::MacVerify],
    ),
    (
        Algorithm::HmacSha512,
        &[Operation::Mac, Operation::MacVerify],
    ),
    (Algorithm::EcP256, &[Operation::Sign, Operation::Verify]),
    (Algorithm::EcP384, &[Operation::Sign, Operation::Verify]),
    (Algorithm::EcP521, &[Operation::Sign, Operation::Verify]),
    (Algorithm::Ed25519, &[Operation::Sign, Operation::Verify]),
    (Algorithm::Rsa2048, &[Operation::Sign, Operation::Verify]),
    (Algorithm::Rsa3072, &[Operation::Sign, Operation::Verify]),
    (Algorithm::Rsa4096, &[Operation::Sign, Operation::Verify]),
    (Algorithm::MlDsa44, &[Operation::Sign, Operation::Verify]),
    (Algorithm::MlDsa65, &[Operation::Sign, Operation::Verify]),
    (Algorithm::MlDsa87, &[Operation::Sign, Operation::Verify]),
];

/// Largest random request the remote answers at once.
const RANDOM_CHUNK: usize = 1024;

/// Keys held by another Tresor.
#[derive(Debug)]
pub struct RemoteProvider {
    id: ProviderId,
    client: Client,
    url: String,
}

fn ops(alg: Algorithm) -> &'static [Operation] {
    SUPPORTED
        .iter()
        .find(|(a, _)| *a == alg)
        .map_or(&[], |(_, o)| *o)
}

fn require(ctx: &KeyContext, op: Operation) -> Result<(), ProviderError> {
    if ops(ctx.algorithm).contains(&op) {
        Ok(())
    } else {
        Err(ProviderError::Unsupported(
            "the remote provider does not offer this operation for the algorithm",
        ))
    }
}

fn unsupported<T>(what: &'static str) -> Result<T, ProviderError> {
    Err(ProviderError::Unsupported(what))
}

/// The REST `scheme` and `signature_format` of a signature scheme.
fn scheme_fields(s: SignScheme) -> Result<(Option<String>, Option<String>), ProviderError> {
    let hash = |h: tresor_core::HashAlg| h.as_str().replace('-', "");
    Ok(match s {
        SignScheme::RsaPss(h) => (Some(format!("pss-{}", hash(h))), None),
        SignScheme::RsaPkcs1(h) => (Some(format!("pkcs1-{}", hash(h))), None),
        SignScheme::Ecdsa { raw } => (None, Some(if raw { "raw" } else { "der" }.to_owned())),
        SignScheme::Ed25519 | SignScheme::MlDsa => (None, None),
        _ => return unsupported("signature scheme"),
    })
}

/// Refuses what the scheme cannot take before asking the remote: a digest
/// for Ed25519 / ML-DSA, a digest of the wrong length, a scheme of another
/// key family.
fn check_input(
    alg: Algorithm,
    scheme: SignScheme,
    input: SignInput<'_>,
) -> Result<(), ProviderError> {
    use tresor_core::{HashAlg, KeyClass};
    let class = alg.class();
    let family_ok = match scheme {
        SignScheme::RsaPss(_) | SignScheme::RsaPkcs1(_) => class == KeyClass::Rsa,
        SignScheme::Ecdsa { .. } => class == KeyClass::Ec,
        SignScheme::Ed25519 => alg == Algorithm::Ed25519,
        SignScheme::MlDsa => class == KeyClass::PqSignature,
        _ => false,
    };
    if !family_ok {
        return Err(ProviderError::InvalidInput(
            "the scheme does not fit the key",
        ));
    }
    let SignInput::Digest(d) = input else {
        return Ok(());
    };
    let hash = match (scheme, alg) {
        (SignScheme::RsaPss(h) | SignScheme::RsaPkcs1(h), _) => h,
        (SignScheme::Ecdsa { .. }, Algorithm::EcP256) => HashAlg::Sha256,
        (SignScheme::Ecdsa { .. }, Algorithm::EcP384) => HashAlg::Sha384,
        (SignScheme::Ecdsa { .. }, _) => HashAlg::Sha512,
        _ => {
            return Err(ProviderError::InvalidInput(
                "this scheme signs messages, not digests",
            ));
        }
    };
    if d.len() != hash.output_len() {
        return Err(ProviderError::InvalidInput(
            "the digest length does not fit the scheme",
        ));
    }
    Ok(())
}

fn input_fields(input: SignInput<'_>) -> (Option<api::B64>, Option<api::B64>) {
    match input {
        SignInput::Message(m) => (Some(api::B64(m.to_vec())), None),
        SignInput::Digest(d) => (None, Some(api::B64(d.to_vec()))),
    }
}

fn aad(a: &[u8]) -> Option<api::B64> {
    (!a.is_empty()).then(|| api::B64(a.to_vec()))
}

impl RemoteProvider {
    /// A provider for `config` (reads the token and TLS files; connects on
    /// first use).
    pub fn new(config: &RemoteConfig) -> Result<Self, RemoteConfigError> {
        Ok(Self {
            id: config.id.clone(),
            client: Client::new(config)?,
            url: config.url.clone(),
        })
    }

    /// The remote's base URL (for listings; no credentials in it).
    pub fn url(&self) -> &str {
        &self.url
    }

    fn key_path(h: &BoundHandle, op: &str) -> String {
        format!("/v1/keys/{}/{op}", h.reference)
    }

    async fn new_key(
        &self,
        ctx: &KeyContext,
        remote: api::KeyResponse,
    ) -> Result<NewKey, ProviderError> {
        if remote.algorithm != ctx.algorithm.as_str() {
            return Err(ProviderError::InvalidKey(
                "the remote key has another algorithm",
            ));
        }
        let handle = BoundHandle::new(ctx, remote.id);
        let public_key = if ctx.algorithm.is_asymmetric() {
            let path = format!("/v1/keys/{}/public?format=der", handle.reference);
            Some(self.client.get_bytes(&path).await?)
        } else {
            None
        };
        Ok(NewKey {
            handle: handle.encode()?,
            public_key,
        })
    }
}

#[async_trait]
impl Provider for RemoteProvider {
    fn id(&self) -> &ProviderId {
        &self.id
    }

    fn algorithms(&self) -> Vec<Algorithm> {
        SUPPORTED.iter().map(|(a, _)| *a).collect()
    }

    fn kind(&self) -> &'static str {
        "remote"
    }

    fn capabilities(&self) -> ProviderCapabilities {
        let algorithms: BTreeMap<Algorithm, BTreeSet<Operation>> = SUPPORTED
            .iter()
            .map(|(a, o)| (*a, o.iter().copied().collect()))
            .collect();
        ProviderCapabilities {
            algorithms,
            hardware_backed: false,
            extractable: false,
            fips: false,
        }
    }

    async fn health(&self) -> Result<(), ProviderError> {
        self.client.get_bytes("/v1/keys?limit=1").await.map(|_| ())
    }

    async fn register_existing(
        &self,
        ctx: &KeyContext,
        label: &str,
    ) -> Result<NewKey, ProviderError> {
        if ops(ctx.algorithm).is_empty() {
            return unsupported("algorithm not offered by the remote provider");
        }
        let ok = !label.is_empty()
            && label.len() <= 255
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_./:".contains(c));
        if !ok {
            return Err(ProviderError::InvalidInput("a remote key id or alias:NAME"));
        }
        let bytes = self.client.get_bytes(&format!("/v1/keys/{label}")).await?;
        let remote: api::KeyResponse =
            serde_json::from_slice(&bytes).map_err(|_| ProviderError::InvalidKey("remote key"))?;
        self.new_key(ctx, remote).await
    }

    async fn generate(&self, ctx: &KeyContext) -> Result<NewKey, ProviderError> {
        if ops(ctx.algorithm).is_empty() {
            return unsupported("algorithm not offered by the remote provider");
        }
        let tags = BTreeMap::from([(
            "tresor-remote-for".to_owned(),
            format!("{}/{}/v{}", ctx.tenant, ctx.key_id, ctx.version),
        )]);
        let req = api::CreateKeyRequest {
            algorithm: ctx.algorithm.as_str().to_owned(),
            description: Some(format!("held for {} (remote provider)", self.id)),
            tags: Some(tags),
            operations: Some(
                ops(ctx.algorithm)
                    .iter()
                    .map(|o| o.as_str().to_owned())
                    .collect(),
            ),
            ..api::CreateKeyRequest::default()
        };
        let remote: api::KeyResponse = self.client.post("/v1/keys", &req).await?;
        self.new_key(ctx, remote).await
    }

    async fn import(&self, _: &KeyContext, _: &SecretBytes) -> Result<NewKey, ProviderError> {
        unsupported("keys cannot be imported through the remote provider")
    }

    async fn export(&self, _: &KeyContext, _: &KeyHandle) -> Result<SecretBytes, ProviderError> {
        unsupported("remote keys never leave the remote Tresor")
    }

    async fn encrypt(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        plaintext: &[u8],
        a: &[u8],
    ) -> Result<Sealed, ProviderError> {
        let h = BoundHandle::open(ctx, handle)?;
        require(ctx, Operation::Encrypt)?;
        let req = api::EncryptRequest {
            plaintext: api::B64(plaintext.to_vec()),
            aad: aad(a),
            context: None,
        };
        let r: api::EncryptResponse = self
            .client
            .post(&Self::key_path(&h, "encrypt"), &req)
            .await?;
        Ok(Sealed {
            nonce: Vec::new(),
            ciphertext: r.ciphertext.0,
        })
    }

    async fn decrypt(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        nonce: &[u8],
        ciphertext: &[u8],
        a: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        let h = BoundHandle::open(ctx, handle)?;
        require(ctx, Operation::Decrypt)?;
        if !nonce.is_empty() || ciphertext.is_empty() {
            return Err(ProviderError::Crypto);
        }
        let req = api::DecryptRequest {
            ciphertext: api::B64(ciphertext.to_vec()),
            aad: aad(a),
            ..api::DecryptRequest::default()
        };
        let r: api::DecryptResponse = self
            .client
            .post(&Self::key_path(&h, "decrypt"), &req)
            .await?;
        Ok(SecretBytes::from(r.plaintext.0))
    }

    async fn sign(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        scheme: SignScheme,
        input: SignInput<'_>,
    ) -> Result<Vec<u8>, ProviderError> {
        let h = BoundHandle::open(ctx, handle)?;
        require(ctx, Operation::Sign)?;
        check_input(ctx.algorithm, scheme, input)?;
        let (scheme, signature_format) = scheme_fields(scheme)?;
        let (message, digest) = input_fields(input);
        let req = api::SignRequest {
            message,
            digest,
            scheme,
            signature_format,
        };
        let r: api::SignResponse = self.client.post(&Self::key_path(&h, "sign"), &req).await?;
        Ok(r.signature.0)
    }

    async fn verify(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        scheme: SignScheme,
        input: SignInput<'_>,
        signature: &[u8],
    ) -> Result<bool, ProviderError> {
        let h = BoundHandle::open(ctx, handle)?;
        require(ctx, Operation::Verify)?;
        check_input(ctx.algorithm, scheme, input)?;
        let (scheme, signature_format) = scheme_fields(scheme)?;
        let (message, digest) = input_fields(input);
        let req = api::VerifyRequest {
            message,
            digest,
            signature: api::B64(signature.to_vec()),
            scheme,
            signature_format,
            key_version: Some(1),
        };
        let r: api::VerifyResponse = self
            .client
            .post(&Self::key_path(&h, "verify"), &req)
            .await?;
        Ok(r.valid)
    }

    async fn mac(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        message: &[u8],
    ) -> Result<Vec<u8>, ProviderError> {
        let h = BoundHandle::open(ctx, handle)?;
        require(ctx, Operation::Mac)?;
        let req = api::MacRequest {
            message: api::B64(message.to_vec()),
        };
        let r: api::MacResponse = self.client.post(&Self::key_path(&h, "mac"), &req).await?;
        Ok(r.mac.0)
    }

    async fn mac_verify(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        message: &[u8],
        tag: &[u8],
    ) -> Result<bool, ProviderError> {
        let h = BoundHandle::open(ctx, handle)?;
        require(ctx, Operation::MacVerify)?;
        let req = api::MacVerifyRequest {
            message: api::B64(message.to_vec()),
            mac: api::B64(tag.to_vec()),
            key_version: Some(1),
        };
        let r: api::VerifyResponse = self
            .client
            .post(&Self::key_path(&h, "mac-verify"), &req)
            .await?;
        Ok(r.valid)
    }

    async fn destroy(&self, ctx: &KeyContext, handle: &KeyHandle) -> Result<(), ProviderError> {
        let h = BoundHandle::open(ctx, handle)?;
        let state = match self
            .client
            .get_bytes(&format!("/v1/keys/{}", h.reference))
            .await
        {
            Ok(b) => serde_json::from_slice::<api::KeyResponse>(&b)
                .map(|k| k.state)
                .unwrap_or_default(),
            // Unknown to the remote: nothing left to erase.
            Err(ProviderError::Crypto) => return Ok(()),
            Err(e) => return Err(e),
        };
        if state.starts_with("destroyed") {
            return Ok(());
        }
        let none = serde_json::json!({});
        if state == "active" {
            let _: serde_json::Value = self
                .client
                .post(&Self::key_path(&h, "disable"), &none)
                .await?;
        }
        let _: serde_json::Value = self
            .client
            .post(&Self::key_path(&h, "destroy"), &none)
            .await?;
        Ok(())
    }

    async fn random(&self, out: &mut [u8]) -> Result<(), ProviderError> {
        for chunk in out.chunks_mut(RANDOM_CHUNK) {
            let req = api::RandomRequest { bytes: chunk.len() };
            let r: api::RandomResponse = self.client.post("/v1/random", &req).await?;
            if r.random.0.len() != chunk.len() {
                return Err(ProviderError::Crypto);
            }
            chunk.copy_from_slice(&r.random.0);
        }
        Ok(())
    }
}
