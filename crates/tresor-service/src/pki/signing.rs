//! Signing X.509 structures with a Tresor key through its provider, and
//! generating the keys of new CAs and certificates.

use std::collections::BTreeSet;

use tresor_core::{
    Algorithm, Caller, CertId, CertificateRecord, Change, HashAlg, KeyOrigin, KeyRecord, Operation,
    SignInput, SignScheme, Timestamp, VersionRecord,
};
use tresor_x509::{SigAlg, SignerKey, Unsigned, parse_cert};

use super::x509_err;
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::resolve::UsableVersion;
use crate::types::KeySpec;

/// A key ready to sign: its version for the provider and its public half.
#[derive(Debug, Clone)]
pub(crate) struct KeySigner {
    pub key: KeyRecord,
    pub uv: UsableVersion,
    pub public: SignerKey,
}

pub(crate) fn sig_alg(alg: Algorithm) -> Result<SigAlg> {
    Ok(match alg {
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => SigAlg::RsaPkcs1Sha256,
        Algorithm::EcP256 => SigAlg::EcdsaP256Sha256,
        Algorithm::EcP384 => SigAlg::EcdsaP384Sha384,
        Algorithm::Ed25519 => SigAlg::Ed25519,
        Algorithm::MlDsa44 => SigAlg::MlDsa44,
        Algorithm::MlDsa65 => SigAlg::MlDsa65,
        Algorithm::MlDsa87 => SigAlg::MlDsa87,
        other => {
            return Err(ServiceError::UnsupportedAlgorithm(format!(
                "{other} keys cannot sign certificates (RSA, EC P-256/P-384, Ed25519, ML-DSA)"
            )));
        }
    })
}

pub(crate) fn scheme(alg: SigAlg) -> SignScheme {
    match alg {
        SigAlg::RsaPkcs1Sha256 => SignScheme::RsaPkcs1(HashAlg::Sha256),
        SigAlg::Ed25519 => SignScheme::Ed25519,
        SigAlg::MlDsa44 | SigAlg::MlDsa65 | SigAlg::MlDsa87 => SignScheme::MlDsa,
        _ => SignScheme::Ecdsa { raw: false },
    }
}

impl Kms {
    /// The primary version of a stored, usable signing key.
    pub(crate) async fn key_signer(&self, key: KeyRecord) -> Result<KeySigner> {
        self.check_usable(&key, Operation::Sign)?;
        let alg = sig_alg(key.algorithm)?;
        let v = self
            .store()
            .get_version(&key.tenant, &key.id, key.primary_version)
            .await?
            .ok_or(ServiceError::NotFound {
                what: "key version",
            })?;
        let uv = self.usable_version(&key, Some(v.version)).await?;
        Self::signer_of(key, uv, v.public_key, alg)
    }

    fn signer_of(
        key: KeyRecord,
        uv: UsableVersion,
        spki: Option<Vec<u8>>,
        alg: SigAlg,
    ) -> Result<KeySigner> {
        let spki = spki.ok_or(ServiceError::Internal("asymmetric key without public key"))?;
        let public = SignerKey::from_spki(&spki, alg).map_err(x509_err("key"))?;
        Ok(KeySigner { key, uv, public })
    }

    /// Has the provider sign `unsigned` and returns the finished DER.
    pub(crate) async fn sign_x509(&self, s: &KeySigner, unsigned: Unsigned) -> Result<Vec<u8>> {
        let sig = self
            .provider(&s.key.provider)?
            .sign(
                &s.uv.ctx,
                &s.uv.handle,
                scheme(unsigned.alg()),
                SignInput::Message(unsigned.tbs()),
            )
            .await?;
        unsigned.finish(&sig).map_err(x509_err("signature"))
    }

    /// Generates a signing key (not yet stored): its records and signer.
    pub(crate) async fn new_signing_key(
        &self,
        caller: &Caller,
        op: &mut crate::op::Op,
        algorithm: Algorithm,
        provider: Option<tresor_core::ProviderId>,
        description: String,
        internal: bool,
    ) -> Result<(KeySigner, VersionRecord)> {
        let alg = sig_alg(algorithm)?;
        let mut spec = KeySpec::new(algorithm);
        spec.operations = Some(BTreeSet::from([Operation::Sign, Operation::Verify]));
        spec.provider = provider;
        spec.description = description;
        self.validate_spec(&spec, false)?;
        let (mut key, version) = self.new_key_record(caller, &spec, KeyOrigin::Generated)?;
        // A CA key signs only through the CA operations (profiles, audit):
        // internal keys cannot be named by the key API, so nobody can sign
        // arbitrary data (a forged certificate) with it.
        key.internal = internal;
        self.note_binding(op, &spec, &key);
        self.check_crypto_policy(op, &key).await?;
        op.detail("key_id", key.id.to_string());
        let made = self
            .provider(&key.provider)?
            .generate(&crate::keys::ctx_of(&key, 1))
            .await?;
        let version = VersionRecord {
            handle: made.handle.0,
            public_key: made.public_key,
            ..version
        };
        let uv = Self::usable(&key, version.clone());
        let signer = Self::signer_of(key, uv, version.public_key.clone(), alg)?;
        Ok((signer, version))
    }

    /// The changes that store a newly generated key.
    pub(crate) fn key_changes(s: &KeySigner, v: VersionRecord) -> Vec<Change> {
        vec![Change::CreateKey(s.key.clone()), Change::CreateVersion(v)]
    }
}

/// A record for a certificate DER made or imported now.
pub(crate) fn cert_record(
    caller: &Caller,
    der: Vec<u8>,
    now: Timestamp,
    origin: &str,
) -> Result<CertificateRecord> {
    let info = parse_cert(&der).map_err(x509_err("certificate"))?;
    Ok(CertificateRecord {
        tenant: caller.tenant.clone(),
        id: CertId::generate(),
        serial: info.serial_hex,
        subject: info.subject,
        issuer: info.issuer,
        sans: info.sans,
        not_before: Timestamp::from_unix_micros(info.not_before.saturating_mul(1_000_000)),
        not_after: Timestamp::from_unix_micros(info.not_after.saturating_mul(1_000_000)),
        key_id: None,
        ca: None,
        is_ca: info.is_ca,
        trust_anchor: false,
        origin: origin.to_owned(),
        der,
        revoked_at: None,
        revocation_reason: None,
        created_at: now,
    })
}

/// A fresh positive 16-byte serial number.
pub(crate) fn serial() -> Result<Vec<u8>> {
    let mut s = vec![0u8; 16];
    aws_lc_rs::rand::fill(&mut s).map_err(|_| ServiceError::Internal("random source failed"))?;
    s[0] = (s[0] & 0x7f) | 0x01;
    Ok(s)
}
