//! The payload envelope: a fresh 256-bit data key per secret encrypts the
//! payload with AES-256-GCM (`nonce || ciphertext || tag`); the tenant's
//! secrets key — an internal AES-256-GCM key with the alias
//! `tresor-internal/secrets`, created on first use in the tenant's default
//! provider (or `tresor-internal/secrets-<provider>` in the tenant's
//! preferred secret store) — seals the data key into a standard ciphertext envelope. Both
//! are bound to the tenant and secret id, so a payload cannot be moved to
//! another secret. Plaintext exists only in memory, zeroized on drop.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use tresor_core::{Algorithm, Alias, Caller, Operation, SecretBytes, SecretId, TenantId};
use zeroize::Zeroizing;

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::types::{Binding, DecryptRequest, KeySpec};

/// The alias of a tenant's secrets key.
const SECRETS_KEY_ALIAS: &str = "tresor-internal/secrets";

/// A sealed payload: what the store keeps.
pub(crate) struct Sealed {
    pub wrapping_key: tresor_core::KeyId,
    pub wrapped_key: Vec<u8>,
    pub payload: Vec<u8>,
}

fn binding(tenant: &TenantId, id: &SecretId) -> Vec<u8> {
    format!("tresor-secret:{tenant}:{id}").into_bytes()
}

fn crypto<E>(_: E) -> ServiceError {
    ServiceError::CryptoFailed
}

fn data_key(dek: &[u8]) -> Result<LessSafeKey> {
    Ok(LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, dek).map_err(crypto)?,
    ))
}

impl Kms {
    /// Encrypts a payload for secret `id` under the tenant's secrets key
    /// (created, in its own audited commit, with the tenant's first secret).
    pub(crate) async fn seal_secret(
        &self,
        caller: &Caller,
        id: &SecretId,
        payload: &SecretBytes,
    ) -> Result<Sealed> {
        // A preferred store other than the default has its own secrets key.
        let preferred = self
            .preferred_store(caller)
            .await?
            .filter(|p| p != self.providers().default_id());
        let alias = match &preferred {
            Some(p) => format!("{SECRETS_KEY_ALIAS}-{p}"),
            None => SECRETS_KEY_ALIAS.to_owned(),
        };
        let alias = Alias::parse(&alias).map_err(|_| ServiceError::Internal("alias"))?;
        let mut spec = KeySpec::new(Algorithm::Aes256Gcm);
        spec.alias = Some(alias);
        spec.provider = preferred;
        spec.description = "Wraps the data keys of the tenant's stored secrets".into();
        spec.operations = Some([Operation::Encrypt, Operation::Decrypt].into());
        let key = self.internal_key(caller, spec, "secrets").await?;
        self.check_usable(&key, Operation::Encrypt)?;
        let uv = self.usable_version(&key, None).await?;
        let aad = binding(&caller.tenant, id);
        let mut dek = Zeroizing::new([0u8; 32]);
        self.provider(&key.provider)?
            .random(dek.as_mut_slice())
            .await?;
        let sealer = data_key(dek.as_slice())?;
        let mut nonce = [0u8; NONCE_LEN];
        aws_lc_rs::rand::fill(&mut nonce).map_err(crypto)?;
        // Zeroized in case sealing fails with the plaintext still in it.
        let mut sealed = Zeroizing::new(payload.expose().to_vec());
        sealer
            .seal_in_place_append_tag(
                Nonce::assume_unique_for_key(nonce),
                Aad::from(&aad),
                &mut *sealed,
            )
            .map_err(crypto)?;
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        let wrapped = self
            .seal(
                &key,
                &uv,
                dek.as_slice(),
                &Binding {
                    aad,
                    context: Default::default(),
                },
            )
            .await?;
        Ok(Sealed {
            wrapping_key: key.id,
            wrapped_key: wrapped.ciphertext,
            payload: out,
        })
    }

    /// Decrypts a stored payload. Any failure is an opaque `CryptoFailed`.
    pub(crate) async fn open_secret(
        &self,
        tenant: &TenantId,
        id: &SecretId,
        wrapping_key: tresor_core::KeyId,
        wrapped_key: &[u8],
        payload: &[u8],
    ) -> Result<SecretBytes> {
        // Internal: not reachable through `load_key` (the key API).
        let key = self
            .store()
            .get_key(tenant, &wrapping_key)
            .await?
            .filter(|k| k.internal)
            .ok_or(ServiceError::CryptoFailed)?;
        self.check_usable(&key, Operation::Decrypt)?;
        let aad = binding(tenant, id);
        let dek = self
            .open(
                &key,
                &DecryptRequest {
                    ciphertext: wrapped_key.to_vec(),
                    binding: Binding {
                        aad: aad.clone(),
                        context: Default::default(),
                    },
                    key_version: None,
                },
            )
            .await?
            .plaintext;
        let opener = data_key(dek.expose())?;
        let (nonce, ct) = payload
            .split_at_checked(NONCE_LEN)
            .ok_or(ServiceError::CryptoFailed)?;
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(crypto)?;
        let mut buf = Zeroizing::new(ct.to_vec());
        let plain = opener
            .open_in_place(nonce, Aad::from(&aad), buf.as_mut_slice())
            .map_err(crypto)?;
        Ok(SecretBytes::from_slice(plain))
    }
}
