//! Key algorithms and the operations each one permits.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A key algorithm (and size). The wire name is [`Algorithm::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Algorithm {
    Aes128Gcm,
    Aes256Gcm,
    ChaCha20Poly1305,
    HmacSha256,
    HmacSha384,
    HmacSha512,
    Rsa2048,
    Rsa3072,
    Rsa4096,
    EcP256,
    EcP384,
    EcP521,
    Ed25519,
    X25519,
    MlKem768,
    MlKem1024,
    MlDsa44,
    MlDsa65,
    MlDsa87,
}

/// Broad family of an algorithm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyClass {
    /// AEAD symmetric cipher key.
    Symmetric,
    /// HMAC key.
    Mac,
    /// RSA key pair.
    Rsa,
    /// Elliptic-curve key pair (NIST curves).
    Ec,
    /// EdDSA key pair.
    Edwards,
    /// Montgomery curve key pair (key agreement only).
    Montgomery,
    /// Post-quantum KEM key pair.
    Kem,
    /// Post-quantum signature key pair.
    PqSignature,
}

/// An operation a key may be allowed to perform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Operation {
    Encrypt,
    Decrypt,
    Sign,
    Verify,
    Mac,
    MacVerify,
    Wrap,
    Unwrap,
    Agree,
    Encapsulate,
    Decapsulate,
}

impl Operation {
    /// Every operation, in wire order.
    pub const ALL: [Operation; 11] = [
        Operation::Encrypt,
        Operation::Decrypt,
        Operation::Sign,
        Operation::Verify,
        Operation::Mac,
        Operation::MacVerify,
        Operation::Wrap,
        Operation::Unwrap,
        Operation::Agree,
        Operation::Encapsulate,
        Operation::Decapsulate,
    ];

    /// Operations that only *process* existing data (allowed on deactivated
    /// and compromised keys, per NIST SP 800-57).
    pub fn is_processing(self) -> bool {
        matches!(
            self,
            Operation::Decrypt
                | Operation::Verify
                | Operation::MacVerify
                | Operation::Unwrap
                | Operation::Decapsulate
        )
    }

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Encrypt => "encrypt",
            Operation::Decrypt => "decrypt",
            Operation::Sign => "sign",
            Operation::Verify => "verify",
            Operation::Mac => "mac",
            Operation::MacVerify => "mac-verify",
            Operation::Wrap => "wrap",
            Operation::Unwrap => "unwrap",
            Operation::Agree => "agree",
            Operation::Encapsulate => "encapsulate",
            Operation::Decapsulate => "decapsulate",
        }
    }
}

impl fmt::Display for Operation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Operation {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        Operation::ALL
            .into_iter()
            .find(|o| o.as_str() == s)
            .ok_or_else(|| UnknownName(s.chars().take(64).collect()))
    }
}

/// A name that is not a known algorithm or operation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown name '{0}'")]
pub struct UnknownName(pub String);

impl Algorithm {
    /// Every algorithm Tresor knows, in wire order.
    pub const ALL: [Algorithm; 19] = [
        Algorithm::Aes128Gcm,
        Algorithm::Aes256Gcm,
        Algorithm::ChaCha20Poly1305,
        Algorithm::HmacSha256,
        Algorithm::HmacSha384,
        Algorithm::HmacSha512,
        Algorithm::Rsa2048,
        Algorithm::Rsa3072,
        Algorithm::Rsa4096,
        Algorithm::EcP256,
        Algorithm::EcP384,
        Algorithm::EcP521,
        Algorithm::Ed25519,
        Algorithm::X25519,
        Algorithm::MlKem768,
        Algorithm::MlKem1024,
        Algorithm::MlDsa44,
        Algorithm::MlDsa65,
        Algorithm::MlDsa87,
    ];

    /// Wire name, e.g. `aes-256-gcm`.
    pub fn as_str(self) -> &'static str {
        match self {
            Algorithm::Aes128Gcm => "aes-128-gcm",
            Algorithm::Aes256Gcm => "aes-256-gcm",
            Algorithm::ChaCha20Poly1305 => "chacha20-poly1305",
            Algorithm::HmacSha256 => "hmac-sha256",
            Algorithm::HmacSha384 => "hmac-sha384",
            Algorithm::HmacSha512 => "hmac-sha512",
            Algorithm::Rsa2048 => "rsa-2048",
            Algorithm::Rsa3072 => "rsa-3072",
            Algorithm::Rsa4096 => "rsa-4096",
            Algorithm::EcP256 => "ec-p256",
            Algorithm::EcP384 => "ec-p384",
            Algorithm::EcP521 => "ec-p521",
            Algorithm::Ed25519 => "ed25519",
            Algorithm::X25519 => "x25519",
            Algorithm::MlKem768 => "ml-kem-768",
            Algorithm::MlKem1024 => "ml-kem-1024",
            Algorithm::MlDsa44 => "ml-dsa-44",
            Algorithm::MlDsa65 => "ml-dsa-65",
            Algorithm::MlDsa87 => "ml-dsa-87",
        }
    }

    /// A stable one-byte code, used in the ciphertext envelope.
    pub fn code(self) -> u8 {
        match self {
            Algorithm::Aes128Gcm => 1,
            Algorithm::Aes256Gcm => 2,
            Algorithm::ChaCha20Poly1305 => 3,
            Algorithm::HmacSha256 => 10,
            Algorithm::HmacSha384 => 11,
            Algorithm::HmacSha512 => 12,
            Algorithm::Rsa2048 => 20,
            Algorithm::Rsa3072 => 21,
            Algorithm::Rsa4096 => 22,
            Algorithm::EcP256 => 30,
            Algorithm::EcP384 => 31,
            Algorithm::EcP521 => 32,
            Algorithm::Ed25519 => 40,
            Algorithm::X25519 => 41,
            Algorithm::MlKem768 => 50,
            Algorithm::MlKem1024 => 51,
            Algorithm::MlDsa44 => 60,
            Algorithm::MlDsa65 => 61,
            Algorithm::MlDsa87 => 62,
        }
    }

    /// Inverse of [`Algorithm::code`].
    pub fn from_code(code: u8) -> Option<Self> {
        Algorithm::ALL.into_iter().find(|a| a.code() == code)
    }

    /// The algorithm's family.
    pub fn class(self) -> KeyClass {
        match self {
            Algorithm::Aes128Gcm | Algorithm::Aes256Gcm | Algorithm::ChaCha20Poly1305 => {
                KeyClass::Symmetric
            }
            Algorithm::HmacSha256 | Algorithm::HmacSha384 | Algorithm::HmacSha512 => KeyClass::Mac,
            Algorithm::Rsa2048 | Algorithm::Rsa3072 | Algorithm::Rsa4096 => KeyClass::Rsa,
            Algorithm::EcP256 | Algorithm::EcP384 | Algorithm::EcP521 => KeyClass::Ec,
            Algorithm::Ed25519 => KeyClass::Edwards,
            Algorithm::X25519 => KeyClass::Montgomery,
            Algorithm::MlKem768 | Algorithm::MlKem1024 => KeyClass::Kem,
            Algorithm::MlDsa44 | Algorithm::MlDsa65 | Algorithm::MlDsa87 => KeyClass::PqSignature,
        }
    }

    /// True when the key has a public half that may be published.
    pub fn is_asymmetric(self) -> bool {
        !matches!(self.class(), KeyClass::Symmetric | KeyClass::Mac)
    }

    /// Key strength in bits (symmetric key length, RSA modulus, curve size,
    /// or the NIST category's classical equivalent for PQC).
    pub fn bits(self) -> u32 {
        match self {
            Algorithm::Aes128Gcm => 128,
            Algorithm::Aes256Gcm | Algorithm::ChaCha20Poly1305 => 256,
            Algorithm::HmacSha256 => 256,
            Algorithm::HmacSha384 => 384,
            Algorithm::HmacSha512 => 512,
            Algorithm::Rsa2048 => 2048,
            Algorithm::Rsa3072 => 3072,
            Algorithm::Rsa4096 => 4096,
            Algorithm::EcP256 | Algorithm::Ed25519 | Algorithm::X25519 => 256,
            Algorithm::EcP384 => 384,
            Algorithm::EcP521 => 521,
            Algorithm::MlKem768 | Algorithm::MlDsa65 => 192,
            Algorithm::MlKem1024 | Algorithm::MlDsa87 => 256,
            Algorithm::MlDsa44 => 128,
        }
    }

    /// Raw symmetric key length in bytes, for symmetric and MAC keys.
    pub fn symmetric_key_len(self) -> Option<usize> {
        match self {
            Algorithm::Aes128Gcm => Some(16),
            Algorithm::Aes256Gcm | Algorithm::ChaCha20Poly1305 => Some(32),
            Algorithm::HmacSha256 => Some(32),
            Algorithm::HmacSha384 => Some(48),
            Algorithm::HmacSha512 => Some(64),
            _ => None,
        }
    }

    /// Every operation this algorithm can perform.
    pub fn supported_operations(self) -> BTreeSet<Operation> {
        use Operation::*;
        let ops: &[Operation] = match self.class() {
            KeyClass::Symmetric => match self {
                Algorithm::ChaCha20Poly1305 => &[Encrypt, Decrypt],
                _ => &[Encrypt, Decrypt, Wrap, Unwrap],
            },
            KeyClass::Mac => &[Mac, MacVerify],
            KeyClass::Rsa => &[Encrypt, Decrypt, Sign, Verify, Wrap, Unwrap],
            KeyClass::Ec => &[Sign, Verify, Agree],
            KeyClass::Edwards | KeyClass::PqSignature => &[Sign, Verify],
            KeyClass::Montgomery => &[Agree],
            KeyClass::Kem => &[Encapsulate, Decapsulate],
        };
        ops.iter().copied().collect()
    }

    /// The operations a new key gets when the request names none: the
    /// algorithm's main purpose, never a mix of signing and encryption.
    pub fn default_operations(self) -> BTreeSet<Operation> {
        use Operation::*;
        let ops: &[Operation] = match self.class() {
            KeyClass::Symmetric => &[Encrypt, Decrypt],
            KeyClass::Mac => &[Mac, MacVerify],
            KeyClass::Rsa => &[Encrypt, Decrypt],
            KeyClass::Ec | KeyClass::Edwards | KeyClass::PqSignature => &[Sign, Verify],
            KeyClass::Montgomery => &[Agree],
            KeyClass::Kem => &[Encapsulate, Decapsulate],
        };
        ops.iter().copied().collect()
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Algorithm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Algorithm {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

impl FromStr for Algorithm {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<Self, UnknownName> {
        Algorithm::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| UnknownName(s.chars().take(64).collect()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_codes_round_trip() {
        for a in Algorithm::ALL {
            assert_eq!(a.as_str().parse::<Algorithm>(), Ok(a));
            assert_eq!(Algorithm::from_code(a.code()), Some(a));
            let json = serde_json::to_string(&a).unwrap();
            assert_eq!(json, format!("\"{}\"", a.as_str()));
            assert!(a.default_operations().is_subset(&a.supported_operations()));
        }
        for o in Operation::ALL {
            assert_eq!(o.as_str().parse::<Operation>(), Ok(o));
            let json = serde_json::to_string(&o).unwrap();
            assert_eq!(json, format!("\"{}\"", o.as_str()));
        }
        assert!("aes-512".parse::<Algorithm>().is_err());
    }
}
