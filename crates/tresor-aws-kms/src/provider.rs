//! [`AwsKmsProvider`]: the [`Provider`] port over the KMS JSON API.
//!
//! - Encryption (`SYMMETRIC_DEFAULT`, AES-256-GCM inside the KMS) returns
//!   the KMS ciphertext blob as an opaque sealed form (empty nonce). The
//!   encryption context binds the key version and a SHA-256 of the AAD, so
//!   a ciphertext opens only with both. A one-byte prefix lets empty
//!   plaintexts through (the KMS refuses empty input).
//! - Signatures send messages of up to 4 KiB as they are (`RAW`), longer
//!   ones hashed here (`DIGEST`), and caller digests as `DIGEST`; ECDSA
//!   signatures are DER on the wire and converted for the raw r||s form.
//! - Destroy disables the KMS key at once and schedules its deletion (the
//!   KMS minimum of 7 days).

use std::collections::BTreeMap;

use async_trait::async_trait;
use aws_lc_rs::digest;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use tresor_core::{
    Algorithm, BoundHandle, HashAlg, KeyContext, KeyHandle, NewKey, Operation, Provider,
    ProviderCapabilities, ProviderError, ProviderId, Sealed, SecretBytes, SignInput, SignScheme,
};
use tresor_crypto::spki::{ecdsa_der_to_raw, ecdsa_raw_to_der};

use crate::client::{Client, error_type, is_service_failure};
use crate::config::{AwsKmsConfig, AwsKmsConfigError};

/// What this provider offers, and the KMS key spec of each.
pub const SUPPORTED: &[(Algorithm, &str, &[Operation])] = &[
    (
        Algorithm::Aes256Gcm,
        "SYMMETRIC_DEFAULT",
        &[Operation::Encrypt, Operation::Decrypt],
    ),
    (
        Algorithm::EcP256,
        "ECC_NIST_P256",
        &[Operation::Sign, Operation::Verify],
    ),
    (
        Algorithm::EcP384,
        "ECC_NIST_P384",
        &[Operation::Sign, Operation::Verify],
    ),
    (
        Algorithm::EcP521,
        "ECC_NIST_P521",
        &[Operation::Sign, Operation::Verify],
    ),
    (
        Algorithm::Rsa2048,
        "RSA_2048",
        &[Operation::Sign, Operation::Verify],
    ),
    (
        Algorithm::Rsa3072,
        "RSA_3072",
        &[Operation::Sign, Operation::Verify],
    ),
    (
        Algorithm::Rsa4096,
        "RSA_4096",
        &[Operation::Sign, Operation::Verify],
    ),
    (
        Algorithm::HmacSha256,
        "HMAC_256",
        &[Operation::Mac, Operation::MacVerify],
    ),
    (
        Algorithm::HmacSha384,
        "HMAC_384",
        &[Operation::Mac, Operation::MacVerify],
    ),
    (
        Algorithm::HmacSha512,
        "HMAC_512",
        &[Operation::Mac, Operation::MacVerify],
    ),
];

/// Largest GenerateRandom request.
const RANDOM_CHUNK: usize = 1024;
/// Plaintext format byte (see the module docs).
const PLAINTEXT_V1: u8 = 1;
/// Largest plaintext: the KMS's 4 KiB less the format byte.
const MAX_PLAINTEXT: usize = 4096 - 1;

/// Keys held by an AWS-KMS-compatible service.
#[derive(Debug)]
pub struct AwsKmsProvider {
    id: ProviderId,
    client: Client,
}

fn entry(alg: Algorithm) -> Option<&'static (Algorithm, &'static str, &'static [Operation])> {
    SUPPORTED.iter().find(|(a, _, _)| *a == alg)
}

fn require(ctx: &KeyContext, op: Operation) -> Result<(), ProviderError> {
    match entry(ctx.algorithm) {
        Some((_, _, ops)) if ops.contains(&op) => Ok(()),
        _ => Err(ProviderError::Unsupported(
            "the aws-kms provider does not offer this operation for the algorithm",
        )),
    }
}

fn b64(b: &[u8]) -> String {
    STANDARD.encode(b)
}

fn field(v: &Value, name: &'static str) -> Result<Vec<u8>, ProviderError> {
    v[name]
        .as_str()
        .and_then(|s| STANDARD.decode(s).ok())
        .ok_or(ProviderError::Unavailable(Box::new(
            crate::client::KmsFailure(format!("the answer lacks {name}")),
        )))
}

fn hash_alg(h: HashAlg) -> &'static digest::Algorithm {
    match h {
        HashAlg::Sha384 => &digest::SHA384,
        HashAlg::Sha512 => &digest::SHA512,
        _ => &digest::SHA256,
    }
}

/// The KMS signing algorithm and hash of a scheme on a key; `InvalidInput`
/// for a scheme of another family.
fn signing(alg: Algorithm, scheme: SignScheme) -> Result<(String, HashAlg), ProviderError> {
    let h = |h: HashAlg| match h {
        HashAlg::Sha384 => "384",
        HashAlg::Sha512 => "512",
        _ => "256",
    };
    let rsa = matches!(
        alg,
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096
    );
    match scheme {
        SignScheme::RsaPss(x) if rsa => Ok((format!("RSASSA_PSS_SHA_{}", h(x)), x)),
        SignScheme::RsaPkcs1(x) if rsa => Ok((format!("RSASSA_PKCS1_V1_5_SHA_{}", h(x)), x)),
        SignScheme::Ecdsa { .. } => match alg {
            Algorithm::EcP256 => Ok(("ECDSA_SHA_256".into(), HashAlg::Sha256)),
            Algorithm::EcP384 => Ok(("ECDSA_SHA_384".into(), HashAlg::Sha384)),
            Algorithm::EcP521 => Ok(("ECDSA_SHA_512".into(), HashAlg::Sha512)),
            _ => Err(ProviderError::InvalidInput("ECDSA needs an EC key")),
        },
        _ => Err(ProviderError::InvalidInput(
            "the scheme does not fit the key",
        )),
    }
}

/// Largest message the KMS signs as is (`MessageType: RAW`).
const MAX_RAW_MESSAGE: usize = 4096;

/// What to send for `input`: the message (RAW) when the KMS takes it,
/// else its digest (DIGEST, hashed here), or the caller's digest.
fn message_of(input: SignInput<'_>, h: HashAlg) -> Result<(Vec<u8>, &'static str), ProviderError> {
    match input {
        SignInput::Message(m) if !m.is_empty() && m.len() <= MAX_RAW_MESSAGE => {
            Ok((m.to_vec(), "RAW"))
        }
        SignInput::Message(m) => Ok((digest::digest(hash_alg(h), m).as_ref().to_vec(), "DIGEST")),
        SignInput::Digest(d) if d.len() == h.output_len() => Ok((d.to_vec(), "DIGEST")),
        SignInput::Digest(_) => Err(ProviderError::InvalidInput(
            "the digest length does not fit the scheme",
        )),
    }
}

/// The EC field size in bytes (raw signature halves).
fn field_len(alg: Algorithm) -> usize {
    match alg {
        Algorithm::EcP384 => 48,
        Algorithm::EcP521 => 66,
        _ => 32,
    }
}

fn mac_algorithm(alg: Algorithm) -> &'static str {
    match alg {
        Algorithm::HmacSha384 => "HMAC_SHA_384",
        Algorithm::HmacSha512 => "HMAC_SHA_512",
        _ => "HMAC_SHA_256",
    }
}

impl AwsKmsProvider {
    /// A provider for `config` (reads the credentials; connects on use).
    pub fn new(config: &AwsKmsConfig) -> Result<Self, AwsKmsConfigError> {
        Ok(Self {
            id: config.id.clone(),
            client: Client::new(config)?,
        })
    }

    fn context(h: &BoundHandle, aad: &[u8]) -> Value {
        let aad_hash: String = digest::digest(&digest::SHA256, aad)
            .as_ref()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        json!({"tresor-key": h.binding(), "tresor-aad-sha256": aad_hash})
    }

    async fn adopt(&self, ctx: &KeyContext, meta: &Value) -> Result<NewKey, ProviderError> {
        let Some((_, spec, _)) = entry(ctx.algorithm) else {
            return Err(ProviderError::Unsupported(
                "algorithm not offered by the aws-kms provider",
            ));
        };
        let key_id = meta["KeyId"].as_str().unwrap_or_default().to_owned();
        if meta["KeySpec"]
            .as_str()
            .or(meta["CustomerMasterKeySpec"].as_str())
            != Some(spec)
        {
            return Err(ProviderError::InvalidKey(
                "the KMS key has another key spec",
            ));
        }
        let handle = BoundHandle::new(ctx, key_id);
        let public_key = if ctx.algorithm.is_asymmetric() {
            let r = self
                .client
                .call("GetPublicKey", &json!({"KeyId": handle.reference}))
                .await?;
            Some(field(&r, "PublicKey")?)
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
impl Provider for AwsKmsProvider {
    fn id(&self) -> &ProviderId {
        &self.id
    }

    fn algorithms(&self) -> Vec<Algorithm> {
        SUPPORTED.iter().map(|(a, _, _)| *a).collect()
    }

    fn hardware_backed(&self) -> bool {
        false
    }

    fn kind(&self) -> &'static str {
        "aws-kms"
    }

    fn capabilities(&self) -> ProviderCapabilities {
        let algorithms: BTreeMap<_, _> = SUPPORTED
            .iter()
            .map(|(a, _, o)| (*a, o.iter().copied().collect()))
            .collect();
        ProviderCapabilities {
            algorithms,
            hardware_backed: false,
            extractable: false,
            fips: false,
        }
    }

    /// Lists one key. A policy that does not allow listing (least
    /// privilege: only the keys' own operations) still proves the service
    /// reachable and the credentials accepted, so it counts as healthy;
    /// refused credentials or a failing service do not.
    async fn health(&self) -> Result<(), ProviderError> {
        match self
            .client
            .call_raw("ListKeys", &json!({"Limit": 1}))
            .await?
        {
            Ok(_) => Ok(()),
            Err((_, e))
                if matches!(
                    error_type(&e).as_str(),
                    "AccessDeniedException" | "AccessDenied"
                ) =>
            {
                tracing::debug!(provider = %self.id, "kms:ListKeys not allowed; health from authentication only");
                Ok(())
            }
            Err((status, e)) => Err(crate::client::map_error(status, &e)),
        }
    }

    async fn register_existing(
        &self,
        ctx: &KeyContext,
        label: &str,
    ) -> Result<NewKey, ProviderError> {
        let ok = !label.is_empty()
            && label.len() <= 256
            && label
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-:/_".contains(c));
        if !ok {
            return Err(ProviderError::InvalidInput(
                "a KMS key id, ARN or alias/NAME",
            ));
        }
        let r = match self
            .client
            .call_raw("DescribeKey", &json!({"KeyId": label}))
            .await?
        {
            Ok(r) => r,
            // Naming a key that is not there is a plain input error here:
            // no key material or ciphertext is involved.
            Err((_, e)) if error_type(&e) == "NotFoundException" => {
                return Err(ProviderError::InvalidKey(
                    "the KMS has no key with that id, ARN or alias",
                ));
            }
            Err((status, e)) => return Err(crate::client::map_error(status, &e)),
        };
        self.adopt(ctx, &r["KeyMetadata"]).await
    }

    async fn generate(&self, ctx: &KeyContext) -> Result<NewKey, ProviderError> {
        let Some((alg, spec, ops)) = entry(ctx.algorithm) else {
            return Err(ProviderError::Unsupported(
                "algorithm not offered by the aws-kms provider",
            ));
        };
        let usage = if ops.contains(&Operation::Encrypt) {
            "ENCRYPT_DECRYPT"
        } else if ops.contains(&Operation::Mac) {
            "GENERATE_VERIFY_MAC"
        } else {
            "SIGN_VERIFY"
        };
        let body = json!({
            "KeySpec": spec,
            "KeyUsage": usage,
            "Description": format!("Tresor {} key, provider {}", alg.as_str(), self.id),
            "Tags": [{"TagKey": "tresor-key", "TagValue": format!("{}/{}/v{}", ctx.tenant, ctx.key_id, ctx.version)}],
        });
        let r = self.client.call("CreateKey", &body).await?;
        self.adopt(ctx, &r["KeyMetadata"]).await
    }

    async fn import(&self, _: &KeyContext, _: &SecretBytes) -> Result<NewKey, ProviderError> {
        Err(ProviderError::Unsupported(
            "keys cannot be imported through the aws-kms provider",
        ))
    }

    async fn export(&self, _: &KeyContext, _: &KeyHandle) -> Result<SecretBytes, ProviderError> {
        Err(ProviderError::Unsupported("KMS keys never leave the KMS"))
    }

    async fn encrypt(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        plaintext: &[u8],
        aad: &[u8],
    ) -> Result<Sealed, ProviderError> {
        let h = BoundHandle::open(ctx, handle)?;
        require(ctx, Operation::Encrypt)?;
        if plaintext.len() > MAX_PLAINTEXT {
            return Err(ProviderError::InvalidInput(
                "the KMS encrypts at most 4095 bytes through this provider",
            ));
        }
        let mut framed = zeroize::Zeroizing::new(Vec::with_capacity(plaintext.len() + 1));
        framed.push(PLAINTEXT_V1);
        framed.extend_from_slice(plaintext);
        let body = json!({"KeyId": h.reference, "Plaintext": b64(&framed),
                          "EncryptionContext": Self::context(&h, aad)});
        let r = self.client.call("Encrypt", &body).await?;
        Ok(Sealed {
            nonce: Vec::new(),
            ciphertext: field(&r, "CiphertextBlob")?,
        })
    }

    async fn decrypt(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        nonce: &[u8],
        ciphertext: &[u8],
        aad: &[u8],
    ) -> Result<SecretBytes, ProviderError> {
        let h = BoundHandle::open(ctx, handle)?;
        require(ctx, Operation::Decrypt)?;
        if !nonce.is_empty() || ciphertext.is_empty() {
            return Err(ProviderError::Crypto);
        }
        // The blob names its key; the context binds it to this version.
        let body = json!({"CiphertextBlob": b64(ciphertext),
                          "EncryptionContext": Self::context(&h, aad)});
        // Whatever the KMS says about a ciphertext it will not open (invalid,
        // another key, no access to that key) is the opaque failure; a
        // failing or busy service or refused credentials are not about the
        // ciphertext and say so.
        let r = match self.client.call_raw("Decrypt", &body).await? {
            Ok(v) => v,
            Err((status, e)) if is_service_failure(status, &e) => {
                return Err(crate::client::map_error(status, &e));
            }
            Err(_) => return Err(ProviderError::Crypto),
        };
        let framed =
            zeroize::Zeroizing::new(field(&r, "Plaintext").map_err(|_| ProviderError::Crypto)?);
        match framed.split_first() {
            Some((&PLAINTEXT_V1, rest)) => Ok(SecretBytes::from_slice(rest)),
            _ => Err(ProviderError::Crypto),
        }
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
        let (algorithm, hash) = signing(ctx.algorithm, scheme)?;
        let (m, kind) = message_of(input, hash)?;
        let body = json!({"KeyId": h.reference, "Message": b64(&m), "MessageType": kind,
                          "SigningAlgorithm": algorithm});
        let r = self.client.call("Sign", &body).await?;
        let der = field(&r, "Signature")?;
        match scheme {
            SignScheme::Ecdsa { raw: true } => {
                ecdsa_der_to_raw(&der, field_len(ctx.algorithm)).ok_or(ProviderError::Crypto)
            }
            _ => Ok(der),
        }
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
        let (algorithm, hash) = signing(ctx.algorithm, scheme)?;
        let (m, kind) = message_of(input, hash)?;
        let sig = match scheme {
            SignScheme::Ecdsa { raw: true } => match ecdsa_raw_to_der(signature) {
                Some(s) if signature.len() == 2 * field_len(ctx.algorithm) => s,
                _ => return Ok(false),
            },
            SignScheme::Ecdsa { raw: false } => {
                if ecdsa_der_to_raw(signature, field_len(ctx.algorithm)).is_none() {
                    return Ok(false);
                }
                signature.to_vec()
            }
            _ if signature.is_empty() => return Ok(false),
            _ => signature.to_vec(),
        };
        let body = json!({"KeyId": h.reference, "Message": b64(&m), "MessageType": kind,
                          "Signature": b64(&sig), "SigningAlgorithm": algorithm});
        match self.client.call_raw("Verify", &body).await? {
            Ok(v) => Ok(v["SignatureValid"].as_bool() == Some(true)),
            Err((_, e)) if error_type(&e) == "KMSInvalidSignatureException" => Ok(false),
            Err((status, e)) => Err(crate::client::map_error(status, &e)),
        }
    }

    async fn mac(
        &self,
        ctx: &KeyContext,
        handle: &KeyHandle,
        message: &[u8],
    ) -> Result<Vec<u8>, ProviderError> {
        let h = BoundHandle::open(ctx, handle)?;
        require(ctx, Operation::Mac)?;
        let body = json!({"KeyId": h.reference, "Message": b64(message),
                          "MacAlgorithm": mac_algorithm(ctx.algorithm)});
        let r = self.client.call("GenerateMac", &body).await?;
        field(&r, "Mac")
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
        if tag.is_empty() {
            return Ok(false);
        }
        let body = json!({"KeyId": h.reference, "Message": b64(message), "Mac": b64(tag),
                          "MacAlgorithm": mac_algorithm(ctx.algorithm)});
        match self.client.call_raw("VerifyMac", &body).await? {
            Ok(v) => Ok(v["MacValid"].as_bool() == Some(true)),
            Err((_, e)) if error_type(&e) == "KMSInvalidMacException" => Ok(false),
            Err((status, e)) => Err(crate::client::map_error(status, &e)),
        }
    }

    async fn destroy(&self, ctx: &KeyContext, handle: &KeyHandle) -> Result<(), ProviderError> {
        let h = BoundHandle::open(ctx, handle)?;
        // Disabled at once, deleted after the KMS's minimum window.
        match self
            .client
            .call_raw("DisableKey", &json!({"KeyId": h.reference}))
            .await?
        {
            Ok(_) => {}
            Err((_, e))
                if matches!(
                    error_type(&e).as_str(),
                    "KMSInvalidStateException" | "NotFoundException"
                ) => {}
            Err((status, e)) => return Err(crate::client::map_error(status, &e)),
        }
        let body = json!({"KeyId": h.reference, "PendingWindowInDays": 7});
        match self.client.call_raw("ScheduleKeyDeletion", &body).await? {
            Ok(_) => Ok(()),
            // Already pending deletion, or gone.
            Err((_, e))
                if matches!(
                    error_type(&e).as_str(),
                    "KMSInvalidStateException" | "NotFoundException"
                ) =>
            {
                Ok(())
            }
            Err((status, e)) => Err(crate::client::map_error(status, &e)),
        }
    }

    async fn random(&self, out: &mut [u8]) -> Result<(), ProviderError> {
        for chunk in out.chunks_mut(RANDOM_CHUNK) {
            let r = self
                .client
                .call("GenerateRandom", &json!({"NumberOfBytes": chunk.len()}))
                .await?;
            let bytes = field(&r, "Plaintext")?;
            if bytes.len() != chunk.len() {
                return Err(ProviderError::Crypto);
            }
            chunk.copy_from_slice(&bytes);
        }
        Ok(())
    }
}
