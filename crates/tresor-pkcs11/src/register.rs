//! Registering a key that already exists in the token (made by another tool
//! or application) without moving it: the object is found by `CKA_LABEL`,
//! checked against the algorithm the caller claims, and referenced by a
//! label handle (see [`crate::handle::registered`]). Its attributes are not
//! changed, so other users of the label keep working.

use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use tresor_core::{Algorithm, KeyClass, ProviderError};

use crate::error::{Failure, classify};
use crate::keys;
use crate::pool::Cx;

fn unusable(what: &'static str) -> Failure {
    Failure::Provider(ProviderError::InvalidKey(what))
}

/// Finds the object of `class` labelled `label`; a missing one is
/// `InvalidKey` (the caller named it, so saying so leaks nothing).
fn find(cx: &Cx<'_>, class: ObjectClass, label: &str) -> Result<ObjectHandle, Failure> {
    match cx.find_by_label(class, label) {
        Err(Failure::Provider(ProviderError::Crypto)) => {
            Err(unusable("no key of that kind with this label in the token"))
        }
        other => other,
    }
}

/// Checks the object labelled `label` fits `alg`; returns the public key
/// (SubjectPublicKeyInfo DER) of a key pair.
pub(crate) fn adopt(cx: &Cx<'_>, alg: Algorithm, label: &str) -> Result<Option<Vec<u8>>, Failure> {
    match alg.class() {
        KeyClass::Symmetric | KeyClass::Mac => {
            let h = find(cx, ObjectClass::SECRET_KEY, label)?;
            let attrs = cx
                .session
                .get_attributes(h, &[AttributeType::KeyType, AttributeType::ValueLen])
                .map_err(classify)?;
            let (mut ty, mut len) = (None, None);
            for a in attrs {
                match a {
                    Attribute::KeyType(t) => ty = Some(t),
                    Attribute::ValueLen(l) => len = Some(u64::from(l)),
                    _ => {}
                }
            }
            let type_ok = match alg.class() {
                KeyClass::Symmetric => ty == Some(KeyType::AES),
                _ => ty.is_some_and(|t| {
                    [
                        KeyType::GENERIC_SECRET,
                        KeyType::SHA256_HMAC,
                        KeyType::SHA384_HMAC,
                        KeyType::SHA512_HMAC,
                    ]
                    .contains(&t)
                }),
            };
            if !type_ok {
                return Err(unusable("the token key is not of this algorithm"));
            }
            if alg.class() == KeyClass::Symmetric {
                let want = alg.symmetric_key_len().map(|l| l as u64);
                if len != want {
                    return Err(unusable("the token key has another length"));
                }
            }
            Ok(None)
        }
        KeyClass::Rsa | KeyClass::Ec | KeyClass::Edwards => {
            find(cx, ObjectClass::PRIVATE_KEY, label)?;
            let public = find(cx, ObjectClass::PUBLIC_KEY, label)?;
            let spki = keys::public_spki(cx, alg, public)
                .map_err(|_| unusable("the token key is not of this algorithm"))?;
            if alg.class() == KeyClass::Rsa && !rsa_bits_match(alg, &spki) {
                return Err(unusable("the token key has another size"));
            }
            Ok(Some(spki))
        }
        _ => Err(Failure::Provider(ProviderError::Unsupported(
            "this algorithm is not supported by this token",
        ))),
    }
}

/// Whether an RSA SubjectPublicKeyInfo's modulus has `alg`'s size (the
/// DER length is the modulus length plus a small, bounded overhead).
fn rsa_bits_match(alg: Algorithm, spki: &[u8]) -> bool {
    let bytes = (alg.bits() / 8) as usize;
    spki.len() > bytes && spki.len() < bytes + 48
}
