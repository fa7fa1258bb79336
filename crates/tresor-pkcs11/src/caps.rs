//! What the token can do, discovered once from `C_GetMechanismList` (and a
//! probe for RSA-OAEP with SHA-256, which SoftHSM2 2.6 lacks: it only does
//! OAEP with SHA-1, so RSA encrypt/decrypt/wrap are then reported missing
//! rather than done with a weaker hash; and a known-answer check of
//! AES-KWP, which SoftHSM2 2.6 gets wrong for lengths not a multiple of 8).

use std::collections::{BTreeMap, BTreeSet};

use cryptoki::mechanism::rsa::{PkcsMgfType, PkcsOaepParams, PkcsOaepSource};
use cryptoki::mechanism::{Mechanism, MechanismType as M};
use cryptoki::object::{Attribute, KeyType, ObjectClass};
use tresor_core::{Algorithm, KeyClass, Operation, WrapMechanism};

use crate::error::{Failure, classify};
use crate::pool::Cx;

/// Algorithms and the operations the token performs for each.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Capabilities {
    ops: BTreeMap<Algorithm, BTreeSet<Operation>>,
    /// Whether AES-KWP (RFC 5649) output matches the RFC: SoftHSM2 2.6
    /// wraps inputs that are not a multiple of 8 bytes wrongly.
    aes_kwp: bool,
}

impl Capabilities {
    /// Algorithms with at least key generation and a main operation.
    pub fn algorithms(&self) -> Vec<Algorithm> {
        self.ops.keys().copied().collect()
    }

    /// Operations available for `alg` (empty when unsupported).
    pub fn operations(&self, alg: Algorithm) -> BTreeSet<Operation> {
        self.ops.get(&alg).cloned().unwrap_or_default()
    }

    /// Whether `alg` can do `op` here.
    pub fn allows(&self, alg: Algorithm, op: Operation) -> bool {
        self.ops.get(&alg).is_some_and(|ops| ops.contains(&op))
    }

    /// Wrap mechanisms `alg` supports here.
    pub fn wrap_mechanisms(&self, alg: Algorithm) -> Vec<WrapMechanism> {
        if !self.allows(alg, Operation::Wrap) {
            return Vec::new();
        }
        match alg.class() {
            KeyClass::Rsa => vec![WrapMechanism::RsaOaepSha256],
            _ if self.aes_kwp => vec![WrapMechanism::AesKw, WrapMechanism::AesKwp],
            _ => vec![WrapMechanism::AesKw],
        }
    }

    fn add(&mut self, alg: Algorithm, ops: &[Operation]) {
        if !ops.is_empty() {
            self.ops.entry(alg).or_default().extend(ops.iter().copied());
        }
    }
}

/// Queries the token.
pub(crate) fn discover(cx: &Cx<'_>) -> Result<Capabilities, Failure> {
    use Operation::*;
    let list = cx.pkcs11().get_mechanism_list(cx.slot).map_err(classify)?;
    let has = |m: M| list.contains(&m);
    let mut caps = Capabilities::default();

    if has(M::AES_KEY_GEN) && has(M::AES_GCM) {
        let wrap: &[Operation] = if has(M::AES_KEY_WRAP) && has(M::AES_KEY_WRAP_PAD) {
            &[Encrypt, Decrypt, Wrap, Unwrap]
        } else {
            &[Encrypt, Decrypt]
        };
        caps.add(Algorithm::Aes128Gcm, wrap);
        caps.add(Algorithm::Aes256Gcm, wrap);
        caps.aes_kwp = wrap.contains(&Wrap) && aes_kwp_correct(cx);
    }
    if has(M::GENERIC_SECRET_KEY_GEN) {
        for (alg, mech) in [
            (Algorithm::HmacSha256, M::SHA256_HMAC),
            (Algorithm::HmacSha384, M::SHA384_HMAC),
            (Algorithm::HmacSha512, M::SHA512_HMAC),
        ] {
            if has(mech) {
                caps.add(alg, &[Mac, MacVerify]);
            }
        }
    }
    if has(M::RSA_PKCS_KEY_PAIR_GEN) {
        let sign = [
            M::RSA_PKCS,
            M::RSA_PKCS_PSS,
            M::SHA256_RSA_PKCS,
            M::SHA384_RSA_PKCS,
            M::SHA512_RSA_PKCS,
            M::SHA256_RSA_PKCS_PSS,
            M::SHA384_RSA_PKCS_PSS,
            M::SHA512_RSA_PKCS_PSS,
        ]
        .into_iter()
        .all(has);
        let oaep = has(M::RSA_PKCS_OAEP) && oaep_sha256_works(cx);
        let mut ops = Vec::new();
        if sign {
            ops.extend([Sign, Verify]);
        }
        if oaep {
            ops.extend([Encrypt, Decrypt, Wrap, Unwrap]);
        }
        for alg in [Algorithm::Rsa2048, Algorithm::Rsa3072, Algorithm::Rsa4096] {
            caps.add(alg, &ops);
        }
    }
    if has(M::ECC_KEY_PAIR_GEN) && has(M::ECDSA) {
        let ops: &[Operation] = if has(M::ECDH1_DERIVE) {
            &[Sign, Verify, Agree]
        } else {
            &[Sign, Verify]
        };
        for alg in [Algorithm::EcP256, Algorithm::EcP384, Algorithm::EcP521] {
            caps.add(alg, ops);
        }
    }
    if has(M::ECC_EDWARDS_KEY_PAIR_GEN) && has(M::EDDSA) {
        caps.add(Algorithm::Ed25519, &[Sign, Verify]);
    }
    Ok(caps)
}

/// Wraps 33 known bytes with AES-KWP under a throw-away session key and
/// compares with aws-lc's RFC 5649 output.
fn aes_kwp_correct(cx: &Cx<'_>) -> bool {
    use aws_lc_rs::key_wrap::{AES_128, AesKek, KeyWrapPadded};
    let kek = [0x5au8; 16];
    let data = [0xa5u8; 33];
    let mut expected = [0u8; 64];
    let Ok(expected) = AesKek::new(&AES_128, &kek).and_then(|k| {
        k.wrap_with_padding(&data, &mut expected)
            .map(|o| o.to_vec())
    }) else {
        return false;
    };
    let secret = |value: &[u8], ty, wrap| {
        vec![
            Attribute::Class(ObjectClass::SECRET_KEY),
            Attribute::KeyType(ty),
            Attribute::Token(false),
            Attribute::Sensitive(false),
            Attribute::Extractable(true),
            Attribute::Wrap(wrap),
            Attribute::Value(value.to_vec()),
        ]
    };
    let (Ok(k), Ok(d)) = (
        cx.session.create_object(&secret(&kek, KeyType::AES, true)),
        cx.session
            .create_object(&secret(&data, KeyType::GENERIC_SECRET, false)),
    ) else {
        return false;
    };
    let out = cx.session.wrap_key(&Mechanism::AesKeyWrapPad, k, d);
    let _ = cx.session.destroy_object(k);
    let _ = cx.session.destroy_object(d);
    out.is_ok_and(|o| o == expected)
}

/// Encrypts with RSA-OAEP-SHA-256 under a throw-away session public key
/// (any odd 2048-bit modulus will do for a parameter check).
fn oaep_sha256_works(cx: &Cx<'_>) -> bool {
    let mut modulus = vec![0xffu8; 256];
    modulus[255] = 0xfb;
    let template = [
        Attribute::Class(ObjectClass::PUBLIC_KEY),
        Attribute::KeyType(KeyType::RSA),
        Attribute::Token(false),
        Attribute::Encrypt(true),
        Attribute::Modulus(modulus),
        Attribute::PublicExponent(vec![0x01, 0x00, 0x01]),
    ];
    let Ok(key) = cx.session.create_object(&template) else {
        return false;
    };
    let params = PkcsOaepParams::new(M::SHA256, PkcsMgfType::MGF1_SHA256, PkcsOaepSource::empty());
    let works = cx
        .session
        .encrypt(&Mechanism::RsaPkcsOaep(params), key, b"probe")
        .is_ok();
    let _ = cx.session.destroy_object(key);
    works
}
