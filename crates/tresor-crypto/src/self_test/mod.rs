//! Power-on and on-demand self-tests of the software provider's primitives,
//! through the same parsing and operation code the provider uses:
//! known-answer tests (KATs) with published vectors for deterministic
//! algorithms, and pair-wise consistency tests (PCTs: generate, then
//! sign→verify or encapsulate→decapsulate) for randomized ones.
//!
//! | test | vector |
//! |------|--------|
//! | `kat/sha-256` | FIPS 180-2 "abc" |
//! | `kat/aes-128-gcm`, `kat/aes-256-gcm` | GCM spec test cases 2 and 14 |
//! | `kat/chacha20-poly1305` | RFC 8439 §2.8.2 |
//! | `kat/hmac-sha256/384/512` | RFC 4231 test case 2 |
//! | `kat/aes-kw` | RFC 3394 §4.1 |
//! | `kat/rsa-pkcs1-sha256`, `kat/rsa-oaep-sha256` | fixed RSA-2048 test key, OpenSSL-made signature and ciphertext |
//! | `kat/ed25519` | RFC 8032 §7.1 test 1 |
//! | `kat/x25519` | RFC 7748 §6.1 |
//! | `pct/rsa-pss`, `pct/ecdsa-p256/p384/p521`, `pct/ml-dsa-44/65/87` | sign → verify (and a changed message fails) |
//! | `pct/ml-kem-768/1024` | encapsulate → decapsulate |

mod kat;
mod pct;

use tresor_core::{ProviderError, SelfTestResult};

/// One self-test: a stable name and the check.
type Test = (&'static str, fn() -> Result<(), ProviderError>);

/// Every test, in the order they run.
const TESTS: &[Test] = &[
    ("kat/sha-256", kat::sha256),
    ("kat/aes-128-gcm", kat::aes128_gcm),
    ("kat/aes-256-gcm", kat::aes256_gcm),
    ("kat/chacha20-poly1305", kat::chacha20_poly1305),
    ("kat/hmac-sha256", kat::hmac_sha256),
    ("kat/hmac-sha384", kat::hmac_sha384),
    ("kat/hmac-sha512", kat::hmac_sha512),
    ("kat/aes-kw", kat::aes_kw),
    ("kat/rsa-pkcs1-sha256", kat::rsa_pkcs1),
    ("kat/rsa-oaep-sha256", kat::rsa_oaep),
    ("kat/ed25519", kat::ed25519),
    ("kat/x25519", kat::x25519),
    ("pct/rsa-pss", pct::rsa_pss),
    ("pct/ecdsa-p256", pct::ecdsa_p256),
    ("pct/ecdsa-p384", pct::ecdsa_p384),
    ("pct/ecdsa-p521", pct::ecdsa_p521),
    ("pct/ml-kem-768", pct::ml_kem_768),
    ("pct/ml-kem-1024", pct::ml_kem_1024),
    ("pct/ml-dsa-44", pct::ml_dsa_44),
    ("pct/ml-dsa-65", pct::ml_dsa_65),
    ("pct/ml-dsa-87", pct::ml_dsa_87),
];

/// The names of every test.
pub fn names() -> impl Iterator<Item = &'static str> {
    TESTS.iter().map(|(n, _)| *n)
}

/// Runs every test (CPU-bound: tens of milliseconds).
pub fn run_all() -> Vec<SelfTestResult> {
    TESTS
        .iter()
        .map(|(name, test)| match test() {
            Ok(()) => SelfTestResult::pass(*name),
            Err(e) => SelfTestResult::fail(*name, e.to_string()),
        })
        .collect()
}

/// The error of a test whose answer was wrong.
fn wrong(what: &'static str) -> ProviderError {
    ProviderError::Unavailable(format!("{what}: wrong answer").into())
}

/// Decodes a hex literal of this module (never fails for the constants).
fn hex(s: &str) -> Vec<u8> {
    ::hex::decode(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_test_passes() {
        let results = run_all();
        assert_eq!(results.len(), TESTS.len());
        for r in &results {
            assert!(r.ok, "{}: {:?}", r.name, r.error);
        }
        let mut names: Vec<_> = names().collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), TESTS.len(), "names are unique");
    }
}
