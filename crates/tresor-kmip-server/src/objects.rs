//! KMIP managed objects over Tresor keys: identifiers (`<key id>` for a
//! symmetric or private key, `<key id>/public` for the public half of an
//! asymmetric key), object types, and the algorithm mapping between KMIP's
//! Cryptographic Algorithm + Length (+ curve) and Tresor's algorithms.

use tresor_core::{Algorithm, KeyId, KeyRecord, KeyState};
use tresor_service::KeyRef;

use crate::codes::{alg, curve, object, state};
use crate::error::{KmipError, KmipResult};

/// Suffix of a public key's unique identifier.
pub(crate) const PUBLIC_SUFFIX: &str = "/public";

/// A parsed KMIP Unique Identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ObjectId {
    pub key: KeyId,
    /// The public half of an asymmetric key.
    pub public: bool,
}

impl ObjectId {
    /// Parses `<key id>` or `<key id>/public`. Anything else names no
    /// object here: Item Not Found.
    pub fn parse(s: &str) -> KmipResult<Self> {
        let (id, public) = match s.strip_suffix(PUBLIC_SUFFIX) {
            Some(id) => (id, true),
            None => (s, false),
        };
        let key = KeyId::parse(id)
            .map_err(|_| KmipError::new(crate::codes::reason::ITEM_NOT_FOUND, "no such object"))?;
        Ok(Self { key, public })
    }

    pub fn key_ref(&self) -> KeyRef {
        KeyRef::Id(self.key)
    }

    /// The identifier of the private (or symmetric) object of `key`.
    pub fn private_id(key: &KeyRecord) -> String {
        key.id.to_string()
    }

    /// The identifier of the public object of `key`.
    pub fn public_id(key: &KeyRecord) -> String {
        format!("{}{PUBLIC_SUFFIX}", key.id)
    }

    /// Checks that the identifier fits the key (a `/public` id of a
    /// symmetric key names nothing).
    pub fn check(&self, key: &KeyRecord) -> KmipResult<()> {
        if self.public && !key.algorithm.is_asymmetric() {
            return Err(KmipError::new(
                crate::codes::reason::ITEM_NOT_FOUND,
                "no such object",
            ));
        }
        Ok(())
    }

    /// KMIP Object Type of this object.
    pub fn object_type(&self, key: &KeyRecord) -> u32 {
        if !key.algorithm.is_asymmetric() {
            object::SYMMETRIC_KEY
        } else if self.public {
            object::PUBLIC_KEY
        } else {
            object::PRIVATE_KEY
        }
    }
}

/// KMIP State of a Tresor key state. Suspended (Tresor's reversible
/// disable) has no KMIP equivalent and is reported as Deactivated.
pub(crate) fn kmip_state(s: KeyState) -> u32 {
    match s {
        KeyState::PreActive => state::PRE_ACTIVE,
        KeyState::Active => state::ACTIVE,
        KeyState::Compromised => state::COMPROMISED,
        KeyState::Destroyed => state::DESTROYED,
        KeyState::DestroyedCompromised => state::DESTROYED_COMPROMISED,
        _ => state::DEACTIVATED,
    }
}

/// KMIP Cryptographic Algorithm and Length of a Tresor algorithm.
pub(crate) fn kmip_algorithm(a: Algorithm) -> Option<(u32, i32)> {
    Some(match a {
        Algorithm::Aes128Gcm => (alg::AES, 128),
        Algorithm::Aes256Gcm => (alg::AES, 256),
        Algorithm::ChaCha20Poly1305 => (alg::CHACHA20_POLY1305, 256),
        Algorithm::HmacSha256 => (alg::HMAC_SHA256, 256),
        Algorithm::HmacSha384 => (alg::HMAC_SHA384, 384),
        Algorithm::HmacSha512 => (alg::HMAC_SHA512, 512),
        Algorithm::Rsa2048 => (alg::RSA, 2048),
        Algorithm::Rsa3072 => (alg::RSA, 3072),
        Algorithm::Rsa4096 => (alg::RSA, 4096),
        Algorithm::EcP256 => (alg::EC, 256),
        Algorithm::EcP384 => (alg::EC, 384),
        Algorithm::EcP521 => (alg::EC, 521),
        Algorithm::Ed25519 => (alg::ED25519, 255),
        _ => return None,
    })
}

/// Whether a KMIP algorithm value (as a Locate criterion) matches `a`.
/// ECDSA, ECDH and EC all match the NIST-curve keys.
pub(crate) fn algorithm_matches(kmip: u32, a: Algorithm) -> bool {
    match kmip_algorithm(a) {
        Some((k, _)) if k == kmip => true,
        Some((alg::EC, _)) => matches!(kmip, alg::ECDSA | alg::ECDH),
        _ => false,
    }
}

/// The Tresor algorithm for a symmetric Create.
pub(crate) fn symmetric_algorithm(kmip: Option<u32>, length: Option<i32>) -> KmipResult<Algorithm> {
    let kmip = kmip.ok_or_else(|| KmipError::missing(tresor_kmip::Tag::CryptographicAlgorithm))?;
    match (kmip, length) {
        (alg::AES, Some(128)) => Ok(Algorithm::Aes128Gcm),
        (alg::AES, Some(256)) => Ok(Algorithm::Aes256Gcm),
        (alg::AES, None) => Err(KmipError::missing(tresor_kmip::Tag::CryptographicLength)),
        (alg::AES, _) => Err(KmipError::invalid("AES keys are 128 or 256 bits here")),
        (alg::CHACHA20_POLY1305, None | Some(256)) => Ok(Algorithm::ChaCha20Poly1305),
        (alg::HMAC_SHA256, _) => Ok(Algorithm::HmacSha256),
        (alg::HMAC_SHA384, _) => Ok(Algorithm::HmacSha384),
        (alg::HMAC_SHA512, _) => Ok(Algorithm::HmacSha512),
        _ => Err(KmipError::invalid(
            "unsupported symmetric algorithm: AES-128/256, ChaCha20-Poly1305 and HMAC-SHA-256/384/512 are offered",
        )),
    }
}

/// The Tresor algorithm for a Create Key Pair.
pub(crate) fn pair_algorithm(
    kmip: Option<u32>,
    length: Option<i32>,
    recommended_curve: Option<u32>,
) -> KmipResult<Algorithm> {
    let kmip = kmip.ok_or_else(|| KmipError::missing(tresor_kmip::Tag::CryptographicAlgorithm))?;
    match kmip {
        alg::RSA => match length {
            Some(2048) => Ok(Algorithm::Rsa2048),
            Some(3072) => Ok(Algorithm::Rsa3072),
            Some(4096) => Ok(Algorithm::Rsa4096),
            None => Err(KmipError::missing(tresor_kmip::Tag::CryptographicLength)),
            _ => Err(KmipError::invalid(
                "RSA keys are 2048, 3072 or 4096 bits here",
            )),
        },
        alg::EC | alg::ECDSA | alg::ECDH => match (recommended_curve, length) {
            (Some(curve::P_256), _) | (None, Some(256)) => Ok(Algorithm::EcP256),
            (Some(curve::P_384), _) | (None, Some(384)) => Ok(Algorithm::EcP384),
            (Some(curve::P_521), _) | (None, Some(521)) => Ok(Algorithm::EcP521),
            _ => Err(KmipError::invalid(
                "EC keys use the curves P-256, P-384 or P-521 here",
            )),
        },
        alg::ED25519 => Ok(Algorithm::Ed25519),
        _ => Err(KmipError::invalid(
            "unsupported key pair algorithm: RSA, EC (P-256/384/521) and Ed25519 are offered",
        )),
    }
}

/// The recommended curve of an EC algorithm.
pub(crate) fn curve_of(a: Algorithm) -> Option<u32> {
    match a {
        Algorithm::EcP256 => Some(curve::P_256),
        Algorithm::EcP384 => Some(curve::P_384),
        Algorithm::EcP521 => Some(curve::P_521),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_parse() {
        let k = KeyId::generate();
        let priv_id = ObjectId::parse(&k.to_string()).ok();
        assert_eq!(
            priv_id,
            Some(ObjectId {
                key: k,
                public: false
            })
        );
        let pub_id = ObjectId::parse(&format!("{k}/public")).ok();
        assert_eq!(
            pub_id,
            Some(ObjectId {
                key: k,
                public: true
            })
        );
        assert!(ObjectId::parse("nope").is_err());
        assert!(ObjectId::parse("/public").is_err());
    }

    #[test]
    fn algorithms_map() {
        assert_eq!(
            symmetric_algorithm(Some(alg::AES), Some(256)).ok(),
            Some(Algorithm::Aes256Gcm)
        );
        assert!(symmetric_algorithm(Some(alg::AES), Some(192)).is_err());
        assert_eq!(
            pair_algorithm(Some(alg::ECDSA), None, Some(curve::P_384)).ok(),
            Some(Algorithm::EcP384)
        );
        assert_eq!(
            pair_algorithm(Some(alg::RSA), Some(3072), None).ok(),
            Some(Algorithm::Rsa3072)
        );
        for a in Algorithm::ALL {
            if let Some((k, _)) = kmip_algorithm(a) {
                assert!(algorithm_matches(k, a));
            }
        }
    }
}
