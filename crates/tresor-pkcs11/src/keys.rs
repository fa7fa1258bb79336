//! Creating key objects inside the token — generated there, or imported with
//! `C_CreateObject` — and reading their public halves as
//! SubjectPublicKeyInfo.
//!
//! Every object is a token object with `CKA_PRIVATE`, and every secret or
//! private key is `CKA_SENSITIVE` and not `CKA_EXTRACTABLE`, with
//! `CKA_ALLOWED_MECHANISMS` limited to what Tresor uses it for.

use aws_lc_rs::encoding::{AsBigEndian, Curve25519SeedBin, EcPrivateKeyBin};
use aws_lc_rs::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair};
use cryptoki::mechanism::{Mechanism, MechanismType as M};
use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use tresor_core::{Algorithm, KeyClass, Operation, ProviderError};
use tresor_crypto::spki::tlv;
use zeroize::Zeroizing;

use crate::caps::Capabilities;
use crate::der::{self, RsaComponents};
use crate::error::{Failure, classify};
use crate::pool::Cx;

/// Where new objects go: their `CKA_ID` and `CKA_LABEL`.
#[derive(Debug, Clone)]
pub(crate) struct Placement {
    pub id: [u8; 16],
    pub label: String,
}

impl Placement {
    fn common(&self, class: ObjectClass, private: bool) -> Vec<Attribute> {
        vec![
            Attribute::Class(class),
            Attribute::Token(true),
            Attribute::Private(private),
            Attribute::Id(self.id.to_vec()),
            Attribute::Label(self.label.as_bytes().to_vec()),
        ]
    }
}

fn secret_attrs(alg: Algorithm, caps: &Capabilities) -> Result<(KeyType, Vec<Attribute>), Failure> {
    let protect = [Attribute::Sensitive(true), Attribute::Extractable(false)];
    let (key_type, usage) = match alg {
        Algorithm::Aes128Gcm | Algorithm::Aes256Gcm => {
            let wrap = caps.allows(alg, Operation::Wrap);
            let mut mechs = vec![M::AES_GCM];
            if wrap {
                mechs.extend([M::AES_KEY_WRAP, M::AES_KEY_WRAP_PAD]);
            }
            (
                KeyType::AES,
                vec![
                    Attribute::Encrypt(true),
                    Attribute::Decrypt(true),
                    Attribute::Wrap(wrap),
                    Attribute::Unwrap(wrap),
                    Attribute::AllowedMechanisms(mechs),
                ],
            )
        }
        Algorithm::HmacSha256 | Algorithm::HmacSha384 | Algorithm::HmacSha512 => (
            KeyType::GENERIC_SECRET,
            vec![
                Attribute::Sign(true),
                Attribute::Verify(true),
                Attribute::AllowedMechanisms(vec![hmac_mechanism(alg)]),
            ],
        ),
        _ => return Err(ProviderError::Unsupported("not a secret-key algorithm").into()),
    };
    let mut attrs = protect.to_vec();
    attrs.extend(usage);
    Ok((key_type, attrs))
}

/// The HMAC mechanism of a MAC algorithm.
pub(crate) fn hmac_mechanism(alg: Algorithm) -> M {
    match alg {
        Algorithm::HmacSha384 => M::SHA384_HMAC,
        Algorithm::HmacSha512 => M::SHA512_HMAC,
        _ => M::SHA256_HMAC,
    }
}

/// Public and private templates (without key material) of a key pair.
fn pair_attrs(
    alg: Algorithm,
    caps: &Capabilities,
) -> Result<(KeyType, Vec<Attribute>, Vec<Attribute>), Failure> {
    let sign = caps.allows(alg, Operation::Sign);
    let mut public = vec![Attribute::Verify(sign)];
    let mut private = vec![
        Attribute::Sensitive(true),
        Attribute::Extractable(false),
        Attribute::Sign(sign),
    ];
    let key_type = match alg.class() {
        KeyClass::Rsa => {
            let enc = caps.allows(alg, Operation::Decrypt);
            public.extend([Attribute::Encrypt(enc), Attribute::Wrap(false)]);
            private.extend([Attribute::Decrypt(enc), Attribute::Unwrap(false)]);
            let mut mechs = vec![
                M::RSA_PKCS_PSS,
                M::SHA256_RSA_PKCS_PSS,
                M::SHA384_RSA_PKCS_PSS,
                M::SHA512_RSA_PKCS_PSS,
                M::RSA_PKCS,
                M::SHA256_RSA_PKCS,
                M::SHA384_RSA_PKCS,
                M::SHA512_RSA_PKCS,
            ];
            if enc {
                mechs.push(M::RSA_PKCS_OAEP);
            }
            private.push(Attribute::AllowedMechanisms(mechs));
            KeyType::RSA
        }
        KeyClass::Ec | KeyClass::Edwards => {
            let (params, _, _) =
                der::curve_params(alg).ok_or(ProviderError::Unsupported("curve not supported"))?;
            public.push(Attribute::EcParams(params.to_vec()));
            if alg == Algorithm::Ed25519 {
                private.push(Attribute::AllowedMechanisms(vec![M::EDDSA]));
                KeyType::EC_EDWARDS
            } else {
                let agree = caps.allows(alg, Operation::Agree);
                private.push(Attribute::Derive(agree));
                let mut mechs = vec![M::ECDSA];
                if agree {
                    mechs.push(M::ECDH1_DERIVE);
                }
                private.push(Attribute::AllowedMechanisms(mechs));
                KeyType::EC
            }
        }
        _ => {
            return Err(ProviderError::Unsupported("algorithm not supported by this token").into());
        }
    };
    Ok((key_type, public, private))
}

/// Generates a key version in the token; returns its SPKI (asymmetric).
pub(crate) fn generate(
    cx: &Cx<'_>,
    caps: &Capabilities,
    alg: Algorithm,
    at: &Placement,
) -> Result<Option<Vec<u8>>, Failure> {
    if let Some(len) = alg.symmetric_key_len() {
        let (key_type, extra) = secret_attrs(alg, caps)?;
        let mut t = at.common(ObjectClass::SECRET_KEY, true);
        t.push(Attribute::KeyType(key_type));
        t.push(Attribute::ValueLen((len as u64).into()));
        t.extend(extra);
        let mech = if key_type == KeyType::AES {
            Mechanism::AesKeyGen
        } else {
            Mechanism::GenericSecretKeyGen
        };
        cx.session.generate_key(&mech, &t).map_err(classify)?;
        return Ok(None);
    }
    let (key_type, public_extra, private_extra) = pair_attrs(alg, caps)?;
    let mut public = at.common(ObjectClass::PUBLIC_KEY, false);
    public.push(Attribute::KeyType(key_type));
    public.extend(public_extra);
    let mut private = at.common(ObjectClass::PRIVATE_KEY, true);
    private.push(Attribute::KeyType(key_type));
    private.extend(private_extra);
    let mech = match alg.class() {
        KeyClass::Rsa => {
            let bits = u64::from(alg.bits());
            public.push(Attribute::ModulusBits(bits.into()));
            public.push(Attribute::PublicExponent(vec![0x01, 0x00, 0x01]));
            Mechanism::RsaPkcsKeyPairGen
        }
        KeyClass::Edwards => Mechanism::EccEdwardsKeyPairGen,
        _ => Mechanism::EccKeyPairGen,
    };
    let (pub_h, priv_h) = cx
        .session
        .generate_key_pair(&mech, &public, &private)
        .map_err(classify)?;
    match public_spki(cx, alg, pub_h) {
        Ok(spki) => Ok(Some(spki)),
        Err(e) => {
            let _ = cx.session.destroy_object(pub_h);
            let _ = cx.session.destroy_object(priv_h);
            Err(e)
        }
    }
}

/// The SubjectPublicKeyInfo DER of a public key object.
pub(crate) fn public_spki(
    cx: &Cx<'_>,
    alg: Algorithm,
    public: ObjectHandle,
) -> Result<Vec<u8>, Failure> {
    let bad = || {
        Failure::Provider(ProviderError::InvalidKey(
            "the token returned a malformed public key",
        ))
    };
    if alg.class() == KeyClass::Rsa {
        let attrs = cx
            .session
            .get_attributes(
                public,
                &[AttributeType::Modulus, AttributeType::PublicExponent],
            )
            .map_err(classify)?;
        let (mut n, mut e) = (None, None);
        for a in attrs {
            match a {
                Attribute::Modulus(v) => n = Some(v),
                Attribute::PublicExponent(v) => e = Some(v),
                _ => {}
            }
        }
        return match (n, e) {
            (Some(n), Some(e)) => Ok(der::rsa_spki(&n, &e)),
            _ => Err(bad()),
        };
    }
    let attrs = cx
        .session
        .get_attributes(public, &[AttributeType::EcPoint])
        .map_err(classify)?;
    attrs
        .into_iter()
        .find_map(|a| match a {
            Attribute::EcPoint(p) => der::curve_spki(alg, &p),
            _ => None,
        })
        .ok_or_else(bad)
}

/// Imports material (raw secret bytes, or PKCS#8 for RSA/EC/Ed25519; RSA
/// also PKCS#1) as sensitive, non-extractable token objects.
pub(crate) fn import(
    cx: &Cx<'_>,
    caps: &Capabilities,
    alg: Algorithm,
    at: &Placement,
    material: &[u8],
) -> Result<Option<Vec<u8>>, Failure> {
    if let Some(len) = alg.symmetric_key_len() {
        if material.len() != len {
            return Err(ProviderError::InvalidKey("symmetric key has the wrong length").into());
        }
        let (key_type, extra) = secret_attrs(alg, caps)?;
        let mut t = at.common(ObjectClass::SECRET_KEY, true);
        t.push(Attribute::KeyType(key_type));
        t.push(Attribute::Value(material.to_vec()));
        t.extend(extra);
        let result = cx.session.create_object(&t).map(|_| None).map_err(classify);
        zeroize_template(t);
        return result;
    }
    let (key_type, public_extra, private_extra) = pair_attrs(alg, caps)?;
    let (public_key, private_key, spki) = pair_material(alg, material)?;
    let mut public = at.common(ObjectClass::PUBLIC_KEY, false);
    public.push(Attribute::KeyType(key_type));
    public.extend(public_extra);
    public.extend(public_key);
    let mut private = at.common(ObjectClass::PRIVATE_KEY, true);
    private.push(Attribute::KeyType(key_type));
    private.extend(private_extra);
    private.extend(private_key);
    if alg.class() == KeyClass::Rsa {
        // The modulus and exponent also belong on the private object.
        private.extend(
            public
                .iter()
                .filter(|a| matches!(a, Attribute::Modulus(_) | Attribute::PublicExponent(_)))
                .cloned(),
        );
    } else if let Some(params) = public
        .iter()
        .find(|a| matches!(a, Attribute::EcParams(_)))
        .cloned()
    {
        private.push(params);
    }
    let result = (|| {
        let priv_h = cx.session.create_object(&private).map_err(classify)?;
        if let Err(e) = cx.session.create_object(&public) {
            let _ = cx.session.destroy_object(priv_h);
            return Err(classify(e));
        }
        Ok(Some(spki))
    })();
    zeroize_template(private);
    result
}

type PairMaterial = (Vec<Attribute>, Vec<Attribute>, Vec<u8>);

/// Public attributes, private attributes and SPKI of imported PKCS#8.
fn pair_material(alg: Algorithm, material: &[u8]) -> Result<PairMaterial, Failure> {
    let bad = |what| Failure::Provider(ProviderError::InvalidKey(what));
    match alg.class() {
        KeyClass::Rsa => {
            let pkcs8 = tresor_crypto::rsa::canonicalize(alg, material)?;
            let RsaComponents([n, e, d, p, q, dp, dq, qi]) =
                der::rsa_components(&pkcs8).ok_or(bad("RSA private key"))?;
            let spki = der::rsa_spki(n, e);
            let public = vec![
                Attribute::Modulus(n.to_vec()),
                Attribute::PublicExponent(e.to_vec()),
            ];
            let private = vec![
                Attribute::PrivateExponent(d.to_vec()),
                Attribute::Prime1(p.to_vec()),
                Attribute::Prime2(q.to_vec()),
                Attribute::Exponent1(dp.to_vec()),
                Attribute::Exponent2(dq.to_vec()),
                Attribute::Coefficient(qi.to_vec()),
            ];
            Ok((public, private, spki))
        }
        KeyClass::Ec => {
            let curve = tresor_crypto::ec::curve(alg).ok_or(bad("curve"))?;
            let pair = EcdsaKeyPair::from_pkcs8(curve.sign_der, material)
                .map_err(|_| bad("not a PKCS#8 private key on this curve"))?;
            let d: EcPrivateKeyBin<'static> = pair
                .private_key()
                .as_be_bytes()
                .map_err(|_| bad("EC private key"))?;
            let point = pair.public_key().as_ref();
            let spki = der::curve_spki(alg, point).ok_or(bad("EC public key"))?;
            let public = vec![Attribute::EcPoint(tlv(0x04, point))];
            Ok((public, vec![Attribute::Value(d.as_ref().to_vec())], spki))
        }
        KeyClass::Edwards => {
            let pair = Ed25519KeyPair::from_pkcs8_maybe_unchecked(material)
                .map_err(|_| bad("not an Ed25519 PKCS#8 private key"))?;
            let seed: Curve25519SeedBin<'static> = pair
                .seed()
                .and_then(|s| s.as_be_bytes())
                .map_err(|_| bad("Ed25519 private key"))?;
            let point = pair.public_key().as_ref();
            let spki = der::curve_spki(alg, point).ok_or(bad("Ed25519 public key"))?;
            let public = vec![Attribute::EcPoint(tlv(0x04, point))];
            Ok((public, vec![Attribute::Value(seed.as_ref().to_vec())], spki))
        }
        _ => Err(ProviderError::Unsupported("import of this algorithm").into()),
    }
}

/// Wipes the secret values of a template.
fn zeroize_template(template: Vec<Attribute>) {
    for attr in template {
        match attr {
            Attribute::Value(v)
            | Attribute::PrivateExponent(v)
            | Attribute::Prime1(v)
            | Attribute::Prime2(v)
            | Attribute::Exponent1(v)
            | Attribute::Exponent2(v)
            | Attribute::Coefficient(v) => drop(Zeroizing::new(v)),
            _ => {}
        }
    }
}
