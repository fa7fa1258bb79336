//! Signatures, key agreement and KEM operations.

use tresor_core::{
    Action, Algorithm, Caller, HashAlg, KeyClass, KeyRecord, Operation, SignInput, SignScheme,
};

use crate::approvals::{ActionClass, PendingOp};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::resolve::KeyRef;
use crate::types::{
    EncapsulateResult, SecretResult, SignData, SignRequest, SignResult, VerifyRequest, VerifyResult,
};

const MAX_PUBLIC_KEY: usize = 8 * 1024;

impl Kms {
    /// Signs a message or digest with the primary version.
    pub async fn sign(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: SignRequest,
    ) -> Result<SignResult> {
        let (mut op, allowed) = self.begin(caller, Action::Sign);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_usable_base(&k, Operation::Sign)?;
            self.park_if_guarded(caller, &mut op, &k, ActionClass::Use, || {
                let (data, prehashed) = match &req.data {
                    SignData::Message(m) => (m.clone(), false),
                    SignData::Digest(d) => (d.clone(), true),
                };
                PendingOp::Sign {
                    data,
                    prehashed,
                    scheme: req.scheme.clone(),
                    raw_signature: req.raw_signature,
                }
            })
            .await?;
            self.check_limits(caller, &k, Operation::Sign).await?;
            self.sign_loaded(&k, &req).await.inspect(|r| {
                op.detail("version", r.key_version);
                op.detail("scheme", r.scheme);
            })
        }
        .await;
        self.finish(op, result).await
    }

    pub(crate) async fn sign_loaded(&self, k: &KeyRecord, req: &SignRequest) -> Result<SignResult> {
        self.check_usable(k, Operation::Sign)?;
        let (scheme, name) = sign_scheme(k.algorithm, req.scheme.as_deref(), req.raw_signature)?;
        let input = sign_input(k.algorithm, &req.data)?;
        self.check_size("message", data_bytes(&req.data))?;
        let uv = self.usable_version(k, None).await?;
        let signature = self
            .provider(&k.provider)?
            .sign(&uv.ctx, &uv.handle, scheme, input)
            .await?;
        Ok(SignResult {
            signature,
            key_id: k.id.to_string(),
            key_version: uv.ctx.version,
            scheme: name,
        })
    }

    /// Verifies a signature with the named version, or every enabled version.
    pub async fn verify(
        &self,
        caller: &Caller,
        key: &KeyRef,
        req: VerifyRequest,
    ) -> Result<VerifyResult> {
        let (mut op, allowed) = self.begin(caller, Action::Verify);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_usable(&k, Operation::Verify)?;
            let (scheme, _) = sign_scheme(k.algorithm, req.scheme.as_deref(), req.raw_signature)?;
            let input = sign_input(k.algorithm, &req.data)?;
            self.check_size("message", data_bytes(&req.data))?;
            self.check_size("signature", &req.signature)?;
            let provider = self.provider(&k.provider)?;
            for uv in self.candidate_versions(&k, req.key_version).await? {
                if provider
                    .verify(&uv.ctx, &uv.handle, scheme, input, &req.signature)
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

    /// Key agreement with a peer public key; returns the shared secret.
    pub async fn agree(
        &self,
        caller: &Caller,
        key: &KeyRef,
        peer_public_key: &[u8],
        version: Option<u32>,
    ) -> Result<SecretResult> {
        let (mut op, allowed) = self.begin(caller, Action::Agree);
        op.object(key);
        let result = async {
            allowed?;
            if peer_public_key.is_empty() || peer_public_key.len() > MAX_PUBLIC_KEY {
                return Err(ServiceError::invalid("public_key", "missing or too large"));
            }
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_usable(&k, Operation::Agree)?;
            self.check_limits(caller, &k, Operation::Agree).await?;
            let uv = self.usable_version(&k, version).await?;
            let secret = self
                .provider(&k.provider)?
                .agree(&uv.ctx, &uv.handle, peer_public_key)
                .await?;
            op.detail("version", uv.ctx.version);
            Ok(SecretResult {
                secret,
                key_version: uv.ctx.version,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// KEM encapsulation to the key's public key.
    pub async fn encapsulate(
        &self,
        caller: &Caller,
        key: &KeyRef,
        version: Option<u32>,
    ) -> Result<EncapsulateResult> {
        let (mut op, allowed) = self.begin(caller, Action::Encapsulate);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_usable(&k, Operation::Encapsulate)?;
            let uv = self.usable_version(&k, version).await?;
            let (ciphertext, shared_secret) = self
                .provider(&k.provider)?
                .encapsulate(&uv.ctx, &uv.handle)
                .await?;
            op.detail("version", uv.ctx.version);
            Ok(EncapsulateResult {
                ciphertext,
                shared_secret,
                key_version: uv.ctx.version,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// KEM decapsulation with the named (or primary) version.
    pub async fn decapsulate(
        &self,
        caller: &Caller,
        key: &KeyRef,
        ciphertext: &[u8],
        version: Option<u32>,
    ) -> Result<SecretResult> {
        let (mut op, allowed) = self.begin(caller, Action::Decapsulate);
        op.object(key);
        let result = async {
            allowed?;
            self.check_size("ciphertext", ciphertext)?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            self.check_usable(&k, Operation::Decapsulate)?;
            self.check_limits(caller, &k, Operation::Decapsulate)
                .await?;
            let uv = self.usable_version(&k, version).await?;
            let secret = self
                .provider(&k.provider)?
                .decapsulate(&uv.ctx, &uv.handle, ciphertext)
                .await?;
            op.detail("version", uv.ctx.version);
            Ok(SecretResult {
                secret,
                key_version: uv.ctx.version,
            })
        }
        .await;
        self.finish(op, result).await
    }
}

fn data_bytes(d: &SignData) -> &[u8] {
    match d {
        SignData::Message(m) | SignData::Digest(m) => m,
    }
}

fn sign_input(alg: Algorithm, d: &SignData) -> Result<SignInput<'_>> {
    match d {
        SignData::Message(m) => Ok(SignInput::Message(m)),
        SignData::Digest(dg) => {
            if !matches!(alg.class(), KeyClass::Rsa | KeyClass::Ec) {
                return Err(ServiceError::invalid(
                    "digest",
                    format!("{alg} keys sign whole messages only"),
                ));
            }
            Ok(SignInput::Digest(dg))
        }
    }
}

/// Picks the signature scheme for a key: the request's name or the default.
pub(crate) fn sign_scheme(
    alg: Algorithm,
    asked: Option<&str>,
    raw: bool,
) -> Result<(SignScheme, &'static str)> {
    let bad = || {
        ServiceError::invalid(
            "scheme",
            format!("'{}' is not available for {alg} keys", asked.unwrap_or("")),
        )
    };
    let chosen = match alg.class() {
        KeyClass::Rsa => match asked.unwrap_or("pss-sha256") {
            "pss-sha256" => (SignScheme::RsaPss(HashAlg::Sha256), "pss-sha256"),
            "pss-sha384" => (SignScheme::RsaPss(HashAlg::Sha384), "pss-sha384"),
            "pss-sha512" => (SignScheme::RsaPss(HashAlg::Sha512), "pss-sha512"),
            "pkcs1-sha256" => (SignScheme::RsaPkcs1(HashAlg::Sha256), "pkcs1-sha256"),
            "pkcs1-sha384" => (SignScheme::RsaPkcs1(HashAlg::Sha384), "pkcs1-sha384"),
            "pkcs1-sha512" => (SignScheme::RsaPkcs1(HashAlg::Sha512), "pkcs1-sha512"),
            _ => return Err(bad()),
        },
        KeyClass::Ec => {
            let name = match alg {
                Algorithm::EcP256 => "ecdsa-sha256",
                Algorithm::EcP384 => "ecdsa-sha384",
                _ => "ecdsa-sha512",
            };
            if asked.is_some_and(|a| a != name && a != "ecdsa") {
                return Err(bad());
            }
            (SignScheme::Ecdsa { raw }, name)
        }
        KeyClass::Edwards => {
            if asked.is_some_and(|a| a != "ed25519") {
                return Err(bad());
            }
            (SignScheme::Ed25519, "ed25519")
        }
        KeyClass::PqSignature => {
            if asked.is_some_and(|a| a != "ml-dsa") {
                return Err(bad());
            }
            (SignScheme::MlDsa, "ml-dsa")
        }
        _ => return Err(ServiceError::OperationNotAllowed("sign")),
    };
    if raw && !matches!(chosen.0, SignScheme::Ecdsa { .. }) {
        return Err(ServiceError::invalid(
            "signature_format",
            "raw signatures are for ECDSA keys",
        ));
    }
    Ok(chosen)
}
