//! Bring-your-own-key: import plaintext material, or material wrapped to the
//! tenant's import wrapping key (RSA-3072) as
//! `RSA-OAEP-SHA-256(ephemeral AES-256 key) || AES-KWP(ephemeral, material)`
//! — the scheme AWS KMS calls `RSA_AES_KEY_WRAP_SHA_256`.

use aws_lc_rs::key_wrap::{AES_256, AesKek, KeyWrapPadded};
use tresor_core::{
    Action, Algorithm, Alias, Caller, KeyOrigin, KeyRecord, Operation, SecretBytes, VersionRecord,
    WrapMechanism,
};

use crate::error::{Result, ServiceError};
use crate::keys::ctx_of;
use crate::kms::Kms;
use crate::public::to_pem;
use crate::types::{ImportMaterial, KeyDetails, KeySpec};

const WRAPPING_ALIAS: &str = "tresor-internal/import-wrapping";
const WRAPPING_RSA_BYTES: usize = 384;
const MAX_IMPORT: usize = 16 * 1024;

impl Kms {
    /// Imports a key from caller-supplied material.
    pub async fn import_key(
        &self,
        caller: &Caller,
        spec: KeySpec,
        material: ImportMaterial,
    ) -> Result<KeyDetails> {
        let (mut op, allowed) = self.begin(caller, Action::KeyImport);
        let result = async {
            allowed?;
            self.validate_spec(&spec, false)?;
            op.detail("algorithm", spec.algorithm.as_str());
            let material = match material {
                ImportMaterial::Raw(m) => {
                    op.detail("format", "raw");
                    m
                }
                ImportMaterial::Wrapped(blob) => {
                    op.detail("format", "rsa-aes-key-wrap-sha256");
                    self.unwrap_import(caller, &blob).await?
                }
                ImportMaterial::WrappedUnder(req, wrapping) => {
                    op.detail("format", "wrapped");
                    self.check_size("ciphertext", &req.wrapped)?;
                    let k = self.load_key(&caller.tenant, &wrapping).await?;
                    op.detail("wrapping_key", k.id.to_string());
                    self.check_limits(caller, &k, Operation::Unwrap).await?;
                    let done = self.unwrap_loaded(&k, &req).await?;
                    op.detail("wrapping_version", done.key_version);
                    done.secret
                }
            };
            if material.is_empty() || material.len() > MAX_IMPORT {
                return Err(ServiceError::invalid("material", "empty or too large"));
            }
            let (key, version) = self.new_key_record(caller, &spec, KeyOrigin::Imported)?;
            op.object(key.id);
            self.note_binding(&mut op, &spec, &key);
            self.check_crypto_policy(&mut op, &key).await?;
            let made = self
                .provider(&key.provider)?
                .import(&ctx_of(&key, 1), &material)
                .await?;
            let version = VersionRecord {
                handle: made.handle.0,
                public_key: made.public_key,
                ..version
            };
            self.insert_key(&mut op, key, version).await
        }
        .await;
        self.finish(op, result).await
    }

    /// The tenant's import wrapping public key: `(key id, PEM)`.
    pub async fn wrapping_key(&self, caller: &Caller) -> Result<(String, String)> {
        let (op, allowed) = self.begin(caller, Action::WrappingKeyGet);
        let result = async {
            allowed?;
            let k = self.import_wrapping_key(caller).await?;
            let v = self
                .store()
                .get_version(&k.tenant, &k.id, k.primary_version)
                .await?
                .and_then(|v| v.public_key)
                .ok_or(ServiceError::Internal("wrapping key without public key"))?;
            Ok((k.id.to_string(), to_pem(&v)))
        }
        .await;
        self.finish(op, result).await
    }

    /// Finds or creates the tenant's internal import wrapping key.
    async fn import_wrapping_key(&self, caller: &Caller) -> Result<KeyRecord> {
        let alias = Alias::parse(WRAPPING_ALIAS)
            .map_err(|_| ServiceError::Internal("bad internal alias"))?;
        let mut spec = KeySpec::new(Algorithm::Rsa3072);
        spec.alias = Some(alias);
        spec.description = "Import wrapping key (internal)".into();
        spec.operations = Some([Operation::Unwrap].into_iter().collect());
        spec.provider = None;
        self.internal_key(caller, spec, "import-wrapping").await
    }

    async fn unwrap_import(&self, caller: &Caller, blob: &[u8]) -> Result<SecretBytes> {
        if blob.len() <= WRAPPING_RSA_BYTES || blob.len() > WRAPPING_RSA_BYTES + MAX_IMPORT + 16 {
            return Err(ServiceError::CryptoFailed);
        }
        let k = self.import_wrapping_key(caller).await?;
        let (rsa_part, kwp_part) = blob.split_at(WRAPPING_RSA_BYTES);
        let uv = self.usable_version(&k, None).await?;
        let ephemeral = self
            .provider(&k.provider)?
            .unwrap(&uv.ctx, &uv.handle, WrapMechanism::RsaOaepSha256, rsa_part)
            .await?;
        let kek =
            AesKek::new(&AES_256, ephemeral.expose()).map_err(|_| ServiceError::CryptoFailed)?;
        let mut out = zeroize::Zeroizing::new(vec![0u8; kwp_part.len()]);
        let n = kek
            .unwrap_with_padding(kwp_part, &mut out)
            .map_err(|_| ServiceError::CryptoFailed)?
            .len();
        Ok(SecretBytes::from_slice(&out[..n]))
    }
}
