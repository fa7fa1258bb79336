//! The payload envelope: a fresh 256-bit data key per secret encrypts the
//! payload with AES-256-GCM (`nonce || ciphertext || tag`); the tenant's
//! secrets key — an internal AES-256-GCM key with the alias
//! `tresor-internal/secrets`, created on first use in the tenant's default
//! provider — seals the data key into a standard ciphertext envelope. Both
//! are bound to the tenant and secret id, so a payload cannot be moved to
//! another secret. Plaintext exists only in memory, zeroized on drop.

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use tresor_core::{
    Algorithm, Alias, Caller, Change, KeyOrigin, KeyRecord, Operation, SecretBytes, SecretId,
    TenantId, VersionRecord,
};
use zeroize::Zeroizing;

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::op::Op;
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
    /// The tenant's secrets key, and the changes that create it when it
    /// does not exist yet (to be committed with the secret).
    async fn secrets_key(
        &self,
        caller: &Caller,
        op: &mut Op,
    ) -> Result<(KeyRecord, Option<VersionRecord>)> {
        let alias = Alias::parse(SECRETS_KEY_ALIAS).map_err(|_| ServiceError::Internal("alias"))?;
        if let Some(k) = self
            .store()
            .get_key_by_alias(&caller.tenant, &alias)
            .await?
        {
            // The prefix is reserved, so only Tresor makes this key; never
            // wrap secrets under a key that callers could use or export.
            if !k.internal {
                return Err(ServiceError::Internal("secrets key is not internal"));
            }
            return Ok((k, None));
        }
        let mut spec = KeySpec::new(Algorithm::Aes256Gcm);
        spec.alias = Some(alias);
        spec.description = "Wraps the data keys of the tenant's stored secrets".into();
        spec.operations = Some([Operation::Encrypt, Operation::Decrypt].into());
        self.validate_spec(&spec, true)?;
        let (mut key, version) = self.new_key_record(caller, &spec, KeyOrigin::Generated)?;
        key.internal = true;
        self.note_binding(op, &spec, &key);
        let made = self
            .provider(&key.provider)?
            .generate(&crate::keys::ctx_of(&key, 1))
            .await?;
        let version = VersionRecord {
            handle: made.handle.0,
            public_key: made.public_key,
            ..version
        };
        Ok((key, Some(version)))
    }

    /// Encrypts a payload for secret `id`; `changes` receives the creation
    /// of the tenant's secrets key if this is its first secret.
    pub(crate) async fn seal_secret(
        &self,
        caller: &Caller,
        op: &mut Op,
        id: &SecretId,
        payload: &SecretBytes,
        changes: &mut Vec<Change>,
    ) -> Result<Sealed> {
        let (key, new_version) = self.secrets_key(caller, op).await?;
        self.check_usable(&key, Operation::Encrypt)?;
        let uv = match &new_version {
            Some(v) => Self::usable(&key, v.clone()),
            None => self.usable_version(&key, None).await?,
        };
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
        if let Some(v) = new_version {
            changes.push(Change::CreateKey(key.clone()));
            changes.push(Change::CreateVersion(v));
        }
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
