//! The operations, performed by the token on one session: AES-GCM, HMAC and
//! AES key wrap ([`secret`]); RSA-OAEP, RSA-PSS / PKCS#1 v1.5, ECDSA,
//! Ed25519 and ECDH ([`public`]).
//!
//! Digests for ECDSA and for the digest forms of RSA are computed with aws-lc
//! (only public data is hashed); the private keys never leave the token. Raw
//! material passing through (wrap, unwrap, agree) lives in short session
//! objects (`CKA_TOKEN=false`) destroyed before returning.

mod public;
mod secret;

use cryptoki::object::{Attribute, AttributeType, KeyType, ObjectClass, ObjectHandle};
use cryptoki::session::{Session, SessionState};
use tresor_core::{ProviderError, SecretBytes};

use crate::error::{Failure, classify, not_logged_in};

pub use public::{ecdh, oaep_decrypt, oaep_encrypt, sign, verify};
pub use secret::{aes_unwrap, aes_wrap, gcm_decrypt, gcm_encrypt, mac, mac_verify};

pub(crate) fn invalid(msg: &'static str) -> Failure {
    Failure::Provider(ProviderError::InvalidInput(msg))
}

/// Maps any non-recoverable failure of a decrypt-like call to `Crypto`.
/// Tokens report some authentication failures as `CKR_GENERAL_ERROR`
/// (SoftHSM2 does for a bad GCM tag), so a failure is only "crypto" while
/// the session is still alive and logged in.
pub(crate) fn crypto_only<T>(s: &Session, r: cryptoki::error::Result<T>) -> Result<T, Failure> {
    r.map_err(|e| match classify(e) {
        f @ (Failure::Recover(..) | Failure::StaleHandle) => f,
        Failure::Provider(_) => match s.get_session_info() {
            Err(e) => match classify(e) {
                f @ Failure::Recover(..) => f,
                _ => ProviderError::Crypto.into(),
            },
            Ok(info)
                if !matches!(
                    info.session_state(),
                    SessionState::RwUser | SessionState::RoUser
                ) =>
            {
                not_logged_in()
            }
            Ok(_) => ProviderError::Crypto.into(),
        },
    })
}

/// Template of a short-lived, readable session secret.
pub(crate) fn scratch_secret(extra: Vec<Attribute>) -> Vec<Attribute> {
    let mut t = vec![
        Attribute::Class(ObjectClass::SECRET_KEY),
        Attribute::KeyType(KeyType::GENERIC_SECRET),
        Attribute::Token(false),
        Attribute::Private(true),
        Attribute::Sensitive(false),
        Attribute::Extractable(true),
    ];
    t.extend(extra);
    t
}

/// Reads and destroys a scratch secret.
pub(crate) fn take_secret(s: &Session, obj: ObjectHandle) -> Result<SecretBytes, Failure> {
    let attrs = s.get_attributes(obj, &[AttributeType::Value]);
    let _ = s.destroy_object(obj);
    attrs
        .map_err(classify)?
        .into_iter()
        .find_map(|a| match a {
            Attribute::Value(v) => Some(SecretBytes::new(v)),
            _ => None,
        })
        .ok_or(ProviderError::Crypto.into())
}
