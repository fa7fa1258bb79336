//! Encryption (envelope), decryption, re-encryption, data keys, MAC, key
//! wrapping and random bytes.

use tresor_core::{
    Action, Algorithm, Caller, KeyClass, KeyRecord, Operation, SecretBytes, WrapMechanism,
};

use crate::approvals::{ActionClass, PendingOp};
use crate::envelope::{Envelope, associated_data};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::resolve::{KeyRef, UsableVersion};
use crate::types::{
    Binding, DataKeyRequest, DataKeyResult, DecryptRequest, DecryptResult, EncryptRequest,
    EncryptResult, MacResult, ReEncryptRequest, SecretResult, UnwrapRequest, VerifyResult,
    WrapRequest, WrapResult, WrapSource,
};

const MAX_BINDING: usize = 8 * 1024;

impl Kms {
    /// Encrypts under the key's primary version; returns an envelope.
    pub async fn encrypt(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: EncryptRequest,
    ) -> Result<EncryptResult> {
        let (mut op, allowed) = self.begin(caller, Action::Encrypt);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_usable_base(&k, Operation::Encrypt)?;
            self.park_if_guarded(caller, &mut op, &k, ActionClass::Use, || {
                PendingOp::Encrypt {
                    plaintext: req.plaintext.expose().to_vec(),
                    aad: req.binding.aad.clone(),
                    context: req.binding.context.clone(),
                }
            })
            .await?;
            self.check_limits(caller, &k, Operation::Encrypt).await?;
            let uv = self.usable_version(&k, None).await?;
            op.detail("version", uv.ctx.version);
            self.seal(&k, &uv, req.plaintext.expose(), &req.binding)
                .await
        }
        .await;
        self.finish(op, result).await
    }

    /// Seals plaintext into an envelope with a loaded key version.
    pub(crate) async fn seal(
        &self,
        k: &KeyRecord,
        uv: &UsableVersion,
        plaintext: &[u8],
        binding: &Binding,
    ) -> Result<EncryptResult> {
        self.check_size("plaintext", plaintext)?;
        check_binding(binding)?;
        let rsa = k.algorithm.class() == KeyClass::Rsa;
        if rsa && !binding.is_empty() {
            return Err(ServiceError::invalid(
                "aad",
                "RSA-OAEP encryption cannot bind AAD or context",
            ));
        }
        let provider = self.provider(&k.provider)?;
        let (nonce, ciphertext) = if rsa {
            let sealed = provider
                .encrypt(&uv.ctx, &uv.handle, plaintext, &[])
                .await?;
            (Vec::new(), sealed.ciphertext)
        } else {
            // The provider picks the nonce: the AAD covers the header without
            // it (see the envelope module); the AEAD authenticates the nonce.
            let pre = Envelope {
                key_id: k.id,
                version: uv.ctx.version,
                algorithm: k.algorithm,
                nonce: Vec::new(),
                ciphertext: Vec::new(),
            };
            let ad = associated_data(&pre.header(), binding);
            let sealed = provider
                .encrypt(&uv.ctx, &uv.handle, plaintext, &ad)
                .await?;
            (sealed.nonce, sealed.ciphertext)
        };
        let env = Envelope {
            key_id: k.id,
            version: uv.ctx.version,
            algorithm: k.algorithm,
            nonce,
            ciphertext,
        };
        Ok(EncryptResult {
            ciphertext: env.to_bytes(),
            key_id: k.id.to_string(),
            key_version: uv.ctx.version,
        })
    }

    /// Decrypts with a named key.
    pub async fn decrypt(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: DecryptRequest,
    ) -> Result<DecryptResult> {
        let (mut op, allowed) = self.begin(caller, Action::Decrypt);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_usable_base(&k, Operation::Decrypt)?;
            self.park_if_guarded(caller, &mut op, &k, ActionClass::Use, || {
                PendingOp::Decrypt {
                    ciphertext: req.ciphertext.clone(),
                    aad: req.binding.aad.clone(),
                    context: req.binding.context.clone(),
                    key_version: req.key_version,
                }
            })
            .await?;
            self.check_limits(caller, &k, Operation::Decrypt).await?;
            let out = self.open(&k, &req).await?;
            op.detail("version", out.key_version);
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// Decrypts an envelope; the key and version come from the ciphertext.
    pub async fn decrypt_envelope(
        &self,
        caller: &Caller,
        req: DecryptRequest,
    ) -> Result<DecryptResult> {
        let (mut op, allowed) = self.begin(caller, Action::Decrypt);
        let result = async {
            allowed?;
            let env = Envelope::parse(&req.ciphertext).ok_or(ServiceError::CryptoFailed)?;
            op.object(env.key_id);
            let k = self
                .load_key(&caller.tenant, &KeyRef::Id(env.key_id))
                .await
                .map_err(opaque)?;
            self.check_usable_base(&k, Operation::Decrypt)?;
            self.park_if_guarded(caller, &mut op, &k, ActionClass::Use, || {
                PendingOp::Decrypt {
                    ciphertext: req.ciphertext.clone(),
                    aad: req.binding.aad.clone(),
                    context: req.binding.context.clone(),
                    key_version: req.key_version,
                }
            })
            .await?;
            self.check_limits(caller, &k, Operation::Decrypt).await?;
            let out = self.open(&k, &req).await?;
            op.detail("version", out.key_version);
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// Opens a ciphertext with a loaded key (envelope, or raw RSA-OAEP).
    pub(crate) async fn open(&self, k: &KeyRecord, req: &DecryptRequest) -> Result<DecryptResult> {
        check_binding(&req.binding)?;
        let provider = self.provider(&k.provider)?;
        let env = Envelope::parse(&req.ciphertext).filter(|e| e.key_id == k.id);
        let (uv, plaintext) = match env {
            Some(env) => {
                if env.algorithm != k.algorithm {
                    return Err(ServiceError::CryptoFailed);
                }
                let uv = self
                    .usable_version(k, Some(env.version))
                    .await
                    .map_err(opaque)?;
                let pt = if k.algorithm.class() == KeyClass::Rsa {
                    if !req.binding.is_empty() {
                        return Err(ServiceError::CryptoFailed);
                    }
                    provider
                        .decrypt(&uv.ctx, &uv.handle, &[], &env.ciphertext, &[])
                        .await?
                } else {
                    let pre = Envelope {
                        nonce: Vec::new(),
                        ciphertext: Vec::new(),
                        ..env.clone()
                    };
                    let ad = associated_data(&pre.header(), &req.binding);
                    provider
                        .decrypt(&uv.ctx, &uv.handle, &env.nonce, &env.ciphertext, &ad)
                        .await?
                };
                (uv, pt)
            }
            None if k.algorithm.class() == KeyClass::Rsa && req.binding.is_empty() => {
                let uv = self
                    .usable_version(k, req.key_version)
                    .await
                    .map_err(opaque)?;
                let pt = provider
                    .decrypt(&uv.ctx, &uv.handle, &[], &req.ciphertext, &[])
                    .await?;
                (uv, pt)
            }
            None => return Err(ServiceError::CryptoFailed),
        };
        Ok(DecryptResult {
            plaintext,
            key_id: k.id.to_string(),
            key_version: uv.ctx.version,
        })
    }

    /// Decrypts under the ciphertext's key and encrypts under `key`.
    pub async fn reencrypt(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: ReEncryptRequest,
    ) -> Result<EncryptResult> {
        let (mut op, allowed) = self.begin(caller, Action::ReEncrypt);
        op.object(key);
        let result = async {
            allowed?;
            let dest = self.load_key(&caller.tenant, key).await?;
            op.object(dest.id);
            self.check_usable(&dest, Operation::Encrypt)?;
            self.check_limits(caller, &dest, Operation::Encrypt).await?;
            let env = Envelope::parse(&req.ciphertext).ok_or(ServiceError::CryptoFailed)?;
            let src = self
                .load_key(&caller.tenant, &KeyRef::Id(env.key_id))
                .await
                .map_err(opaque)?;
            self.check_usable(&src, Operation::Decrypt)?;
            self.check_limits(caller, &src, Operation::Decrypt).await?;
            op.detail("source_key", src.id.to_string());
            let opened = self
                .open(
                    &src,
                    &DecryptRequest {
                        ciphertext: req.ciphertext,
                        binding: req.source_binding,
                        key_version: None,
                    },
                )
                .await?;
            op.detail("source_version", opened.key_version);
            let uv = self.usable_version(&dest, None).await?;
            op.detail("version", uv.ctx.version);
            self.seal(&dest, &uv, opened.plaintext.expose(), &req.binding)
                .await
        }
        .await;
        self.finish(op, result).await
    }

    /// Generates a data key, returned encrypted under `key` (and in plaintext
    /// when asked).
    pub async fn generate_data_key(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: DataKeyRequest,
    ) -> Result<DataKeyResult> {
        let (mut op, allowed) = self.begin(caller, Action::DataKey);
        op.object(key);
        let result = async {
            allowed?;
            if req.bytes != 16 && req.bytes != 32 {
                return Err(ServiceError::invalid("bytes", "must be 16 or 32"));
            }
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_usable(&k, Operation::Encrypt)?;
            self.check_limits(caller, &k, Operation::Encrypt).await?;
            let uv = self.usable_version(&k, None).await?;
            let mut buf = zeroize::Zeroizing::new(vec![0u8; req.bytes]);
            self.provider(&k.provider)?.random(&mut buf).await?;
            let data_key = SecretBytes::from_slice(&buf);
            let sealed = self.seal(&k, &uv, data_key.expose(), &req.binding).await?;
            op.detail("version", uv.ctx.version);
            op.detail("with_plaintext", req.include_plaintext);
            Ok(DataKeyResult {
                ciphertext: sealed.ciphertext,
                plaintext: req.include_plaintext.then_some(data_key),
                key_id: sealed.key_id,
                key_version: sealed.key_version,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// Computes a MAC with the primary version.
    pub async fn mac(&self, caller: &Caller, key: &KeyRef, message: &[u8]) -> Result<MacResult> {
        let (mut op, allowed) = self.begin(caller, Action::Mac);
        op.object(key);
        let result = async {
            allowed?;
            self.check_size("message", message)?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_usable(&k, Operation::Mac)?;
            self.check_limits(caller, &k, Operation::Mac).await?;
            let uv = self.usable_version(&k, None).await?;
            let mac = self
                .provider(&k.provider)?
                .mac(&uv.ctx, &uv.handle, message)
                .await?;
            op.detail("version", uv.ctx.version);
            Ok(MacResult {
                mac,
                key_version: uv.ctx.version,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// Verifies a MAC against the named version, or every enabled version.
    pub async fn mac_verify(
        &self,
        caller: &Caller,
        key: &KeyRef,
        message: &[u8],
        mac: &[u8],
        version: Option<u32>,
    ) -> Result<VerifyResult> {
        let (mut op, allowed) = self.begin(caller, Action::MacVerify);
        op.object(key);
        let result = async {
            allowed?;
            self.check_size("message", message)?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_usable(&k, Operation::MacVerify)?;
            let provider = self.provider(&k.provider)?;
            for uv in self.candidate_versions(&k, version).await? {
                if provider
                    .mac_verify(&uv.ctx, &uv.handle, message, mac)
                    .await?
                {
                    op.detail("valid", true);
                    return Ok(VerifyResult {
                        valid: true,
                        key_version: Some(uv.ctx.version),
                    });
                }
            }
            op.detail("valid", false);
            Ok(VerifyResult {
                valid: false,
                key_version: None,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// Wraps caller-supplied material or another (exportable) key.
    pub async fn wrap(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: WrapRequest,
    ) -> Result<WrapResult> {
        let (mut op, allowed) = self.begin(caller, Action::Wrap);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_usable(&k, Operation::Wrap)?;
            self.check_limits(caller, &k, Operation::Wrap).await?;
            let mechanism = wrap_mechanism(k.algorithm, req.mechanism)?;
            let material = match req.source {
                WrapSource::Material(m) => {
                    self.check_size("plaintext", m.expose())?;
                    m
                }
                WrapSource::Key(r) => {
                    let target = self.load_key(&caller.tenant, &r).await?;
                    if !target.exportable {
                        return Err(ServiceError::OperationNotAllowed("export"));
                    }
                    self.require_approval(&target, ActionClass::Manage)?;
                    if target.state.is_destroyed() {
                        return Err(ServiceError::WrongState("the key is destroyed".into()));
                    }
                    op.detail("wrapped_key", target.id.to_string());
                    let tv = self.usable_version(&target, None).await?;
                    op.detail("wrapped_version", tv.ctx.version);
                    self.provider(&target.provider)?
                        .export(&tv.ctx, &tv.handle)
                        .await?
                }
            };
            let uv = self.usable_version(&k, None).await?;
            let wrapped = self
                .provider(&k.provider)?
                .wrap(&uv.ctx, &uv.handle, mechanism, &material)
                .await?;
            op.detail("version", uv.ctx.version);
            Ok(WrapResult {
                wrapped,
                key_version: uv.ctx.version,
                mechanism,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// Unwraps material wrapped under the key.
    pub async fn unwrap(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: UnwrapRequest,
    ) -> Result<SecretResult> {
        let (mut op, allowed) = self.begin(caller, Action::Unwrap);
        op.object(key);
        let result = async {
            allowed?;
            self.check_size("ciphertext", &req.wrapped)?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_limits(caller, &k, Operation::Unwrap).await?;
            let done = self.unwrap_loaded(&k, &req).await?;
            op.detail("version", done.key_version);
            Ok(done)
        }
        .await;
        self.finish(op, result).await
    }

    /// Unwraps under a loaded key (checked usable for Unwrap), trying the
    /// asked version or every enabled one. Not audited: the caller's
    /// operation is.
    pub(crate) async fn unwrap_loaded(
        &self,
        k: &KeyRecord,
        req: &UnwrapRequest,
    ) -> Result<SecretResult> {
        self.check_usable(k, Operation::Unwrap)?;
        let mechanism = wrap_mechanism(k.algorithm, req.mechanism)?;
        let provider = self.provider(&k.provider)?;
        for uv in self.candidate_versions(k, req.key_version).await? {
            match provider
                .unwrap(&uv.ctx, &uv.handle, mechanism, &req.wrapped)
                .await
            {
                Ok(secret) => {
                    return Ok(SecretResult {
                        secret,
                        key_version: uv.ctx.version,
                    });
                }
                Err(tresor_core::ProviderError::Crypto) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::CryptoFailed)
    }

    /// Random bytes from the default provider (1–1024).
    pub async fn random(&self, caller: &Caller, n: usize) -> Result<SecretBytes> {
        let (mut op, allowed) = self.begin(caller, Action::Random);
        let result = async {
            allowed?;
            if n == 0 || n > 1024 {
                return Err(ServiceError::invalid("bytes", "must be between 1 and 1024"));
            }
            op.detail("bytes", n);
            let p = self.provider(self.providers().default_id())?;
            let mut buf = zeroize::Zeroizing::new(vec![0u8; n]);
            p.random(&mut buf).await?;
            Ok(SecretBytes::from_slice(&buf))
        }
        .await;
        self.finish(op, result).await
    }
}

/// Hides *why* a ciphertext's key or version is unusable.
fn opaque(e: ServiceError) -> ServiceError {
    match e {
        ServiceError::NotFound { .. } | ServiceError::WrongState(_) => ServiceError::CryptoFailed,
        other => other,
    }
}

fn check_binding(b: &Binding) -> Result<()> {
    let ctx: usize = b.context.iter().map(|(k, v)| k.len() + v.len()).sum();
    if b.aad.len() > MAX_BINDING || ctx > MAX_BINDING || b.context.len() > 64 {
        return Err(ServiceError::invalid(
            "aad",
            format!("AAD and context are limited to {MAX_BINDING} bytes and 64 entries"),
        ));
    }
    Ok(())
}

fn wrap_mechanism(alg: Algorithm, asked: Option<WrapMechanism>) -> Result<WrapMechanism> {
    let rsa = alg.class() == KeyClass::Rsa;
    match (rsa, asked) {
        (true, None | Some(WrapMechanism::RsaOaepSha256)) => Ok(WrapMechanism::RsaOaepSha256),
        (false, None) => Ok(WrapMechanism::AesKwp),
        (false, Some(m @ (WrapMechanism::AesKw | WrapMechanism::AesKwp))) => Ok(m),
        _ => Err(ServiceError::invalid(
            "mechanism",
            format!("not available for {alg} keys"),
        )),
    }
}
