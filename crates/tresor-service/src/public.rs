//! Public keys for verifiers: PEM, DER and JWK per key version, and the
//! tenant's JWKS document of published signing keys.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde_json::{Value, json};
use tresor_core::{
    Action, Algorithm, Caller, KeyFilter, KeyRecord, KeyState, PageRequest, VersionState,
};
use x509_parser::prelude::FromDer;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::resolve::KeyRef;
use crate::types::{PublicKeyFormat, PublicKeyOut};

impl Kms {
    /// The public key of a version (default: primary) of an asymmetric key.
    pub async fn public_key(
        &self,
        caller: &Caller,
        key: &KeyRef,
        version: Option<u32>,
        format: PublicKeyFormat,
    ) -> Result<PublicKeyOut> {
        let (mut op, allowed) = self.begin(caller, Action::KeyPublic);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            if !k.algorithm.is_asymmetric() {
                return Err(ServiceError::invalid(
                    "key",
                    "symmetric keys have no public key",
                ));
            }
            let n = version.unwrap_or(k.primary_version);
            op.detail("version", n);
            let v = self.store().get_version(&k.tenant, &k.id, n).await?.ok_or(
                ServiceError::NotFound {
                    what: "key version",
                },
            )?;
            let der = v.public_key.ok_or(ServiceError::Internal(
                "asymmetric version without public key",
            ))?;
            Ok(match format {
                PublicKeyFormat::Der => PublicKeyOut::Der(der),
                PublicKeyFormat::Pem => PublicKeyOut::Pem(to_pem(&der)),
                PublicKeyFormat::Jwk => PublicKeyOut::Jwk(jwk(&k, n, &der)?),
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// The tenant's JWKS: every enabled version of every active signing key
    /// that opted in (`publish_jwk`).
    pub async fn jwks(&self, caller: &Caller) -> Result<Value> {
        let (op, allowed) = self.begin(caller, Action::JwksGet);
        let result = async {
            allowed?;
            let mut keys = Vec::new();
            let mut after = None;
            loop {
                let page = self
                    .store()
                    .list_keys(
                        &caller.tenant,
                        &KeyFilter {
                            state: Some(KeyState::Active),
                            ..KeyFilter::default()
                        },
                        PageRequest { after, limit: 1000 },
                    )
                    .await?;
                for k in page.items.iter().filter(|k| k.publish_jwk) {
                    for v in self.store().list_versions(&k.tenant, &k.id).await? {
                        if v.state != VersionState::Enabled {
                            continue;
                        }
                        if let Some(der) = &v.public_key {
                            keys.push(jwk(k, v.version, der)?);
                        }
                    }
                }
                match page.next {
                    Some(n) => after = Some(n),
                    None => break,
                }
            }
            Ok(json!({ "keys": keys }))
        }
        .await;
        self.finish(op, result).await
    }
}

/// PEM (`PUBLIC KEY`) for SubjectPublicKeyInfo DER.
pub(crate) fn to_pem(der: &[u8]) -> String {
    pem::encode(&pem::Pem::new("PUBLIC KEY", der.to_vec()))
}

/// The JWK of a key version's public key (`kid` = `<key id>.<version>`).
pub(crate) fn jwk(k: &KeyRecord, version: u32, der: &[u8]) -> Result<Value> {
    let bad = || ServiceError::Internal("stored public key is not valid DER");
    let (_, spki) = SubjectPublicKeyInfo::from_der(der).map_err(|_| bad())?;
    let raw = spki.subject_public_key.data.as_ref();
    let kid = format!("{}.{}", k.id, version);
    let mut v = match k.algorithm {
        Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => {
            let Ok(PublicKey::RSA(rsa)) = spki.parsed() else {
                return Err(bad());
            };
            json!({
                "kty": "RSA",
                "n": B64URL.encode(strip_zeros(rsa.modulus)),
                "e": B64URL.encode(strip_zeros(rsa.exponent)),
            })
        }
        Algorithm::EcP256 | Algorithm::EcP384 | Algorithm::EcP521 => {
            let (crv, alg, len) = match k.algorithm {
                Algorithm::EcP256 => ("P-256", "ES256", 32),
                Algorithm::EcP384 => ("P-384", "ES384", 48),
                _ => ("P-521", "ES512", 66),
            };
            if raw.len() != 1 + 2 * len || raw[0] != 4 {
                return Err(bad());
            }
            json!({
                "kty": "EC", "crv": crv, "alg": alg,
                "x": B64URL.encode(&raw[1..1 + len]),
                "y": B64URL.encode(&raw[1 + len..]),
            })
        }
        Algorithm::Ed25519 => {
            json!({"kty": "OKP", "crv": "Ed25519", "alg": "EdDSA", "x": B64URL.encode(raw)})
        }
        Algorithm::X25519 => json!({"kty": "OKP", "crv": "X25519", "x": B64URL.encode(raw)}),
        Algorithm::MlDsa44 | Algorithm::MlDsa65 | Algorithm::MlDsa87 => {
            let alg = match k.algorithm {
                Algorithm::MlDsa44 => "ML-DSA-44",
                Algorithm::MlDsa65 => "ML-DSA-65",
                _ => "ML-DSA-87",
            };
            json!({"kty": "AKP", "alg": alg, "pub": B64URL.encode(raw)})
        }
        Algorithm::MlKem768 | Algorithm::MlKem1024 => {
            let alg = if k.algorithm == Algorithm::MlKem768 {
                "ML-KEM-768"
            } else {
                "ML-KEM-1024"
            };
            json!({"kty": "AKP", "alg": alg, "pub": B64URL.encode(raw)})
        }
        _ => {
            return Err(ServiceError::invalid(
                "key",
                "no JWK form for this algorithm",
            ));
        }
    };
    if let Some(m) = v.as_object_mut() {
        m.insert("kid".into(), kid.into());
        let usage = if k.operations.contains(&tresor_core::Operation::Sign) {
            "sig"
        } else {
            "enc"
        };
        m.insert("use".into(), usage.into());
    }
    Ok(v)
}

fn strip_zeros(b: &[u8]) -> &[u8] {
    let first = b
        .iter()
        .position(|&x| x != 0)
        .unwrap_or(b.len().saturating_sub(1));
    &b[first..]
}
