//! Wycheproof known-answer vectors through the same primitive functions the
//! provider calls. Every valid vector must pass, every invalid one must be
//! rejected; "acceptable" vectors may go either way. Vectors with parameters
//! the provider does not offer (other IV/tag/key sizes, other hashes) are
//! skipped, and each set must check at least one vector.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use aws_lc_rs::agreement;
use tresor_core::{Algorithm, HashAlg, SignInput, SignScheme, WrapMechanism};
use tresor_crypto::{curve25519, ec, rsa, sig, symmetric};
use wycheproof::TestResult;

/// Per-set tallies.
#[derive(Default)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable: usize,
    skipped: usize,
}

impl Tally {
    /// Records one vector whose outcome was `accepted`.
    fn record(&mut self, set: &str, tc: usize, result: TestResult, accepted: bool) {
        match result {
            TestResult::Valid => {
                assert!(accepted, "{set} tc {tc}: valid vector rejected");
                self.valid += 1;
            }
            TestResult::Invalid => {
                assert!(!accepted, "{set} tc {tc}: invalid vector accepted");
                self.invalid += 1;
            }
            TestResult::Acceptable => self.acceptable += 1,
        }
    }

    fn finish(self, set: &str) {
        let checked = self.valid + self.invalid + self.acceptable;
        println!(
            "wycheproof {set}: {checked} checked ({} valid, {} invalid, {} acceptable), {} skipped",
            self.valid, self.invalid, self.acceptable, self.skipped
        );
        assert!(self.valid + self.invalid > 0, "{set}: no vector checked");
    }
}

fn aead_set(name: wycheproof::aead::TestName, label: &str, chacha: bool) {
    let set = wycheproof::aead::TestSet::load(name).unwrap();
    let mut t = Tally::default();
    for g in set.test_groups {
        let alg = match (chacha, g.key_size) {
            (true, 256) => Algorithm::ChaCha20Poly1305,
            (false, 128) => Algorithm::Aes128Gcm,
            (false, 256) => Algorithm::Aes256Gcm,
            _ => {
                t.skipped += g.tests.len();
                continue;
            }
        };
        if g.nonce_size != 96 || g.tag_size != 128 {
            t.skipped += g.tests.len();
            continue;
        }
        let aead = symmetric::aead_algorithm(alg).unwrap();
        for tc in g.tests {
            let key = symmetric::aead_key(aead, &tc.key).unwrap();
            let mut ct_tag = tc.ct.to_vec();
            ct_tag.extend_from_slice(&tc.tag);
            let opened = symmetric::aead_open(&key, &tc.nonce, &tc.aad, &ct_tag);
            let ok = matches!(&opened, Ok(pt) if pt.as_slice() == &tc.pt[..]);
            if tc.result == TestResult::Valid {
                let nonce: [u8; 12] = tc.nonce[..].try_into().unwrap();
                assert_eq!(
                    symmetric::aead_seal(&key, &nonce, &tc.aad, &tc.pt).unwrap(),
                    ct_tag
                );
            }
            t.record(label, tc.tc_id, tc.result, ok);
        }
    }
    t.finish(label);
}

#[test]
fn aes_gcm() {
    aead_set(wycheproof::aead::TestName::AesGcm, "aes_gcm", false);
}

#[test]
fn chacha20_poly1305() {
    aead_set(
        wycheproof::aead::TestName::ChaCha20Poly1305,
        "chacha20_poly1305",
        true,
    );
}

#[test]
fn hmac() {
    use wycheproof::mac::TestName;
    for (name, alg, label) in [
        (TestName::HmacSha256, Algorithm::HmacSha256, "hmac_sha256"),
        (TestName::HmacSha384, Algorithm::HmacSha384, "hmac_sha384"),
        (TestName::HmacSha512, Algorithm::HmacSha512, "hmac_sha512"),
    ] {
        let set = wycheproof::mac::TestSet::load(name).unwrap();
        let mac_alg = symmetric::hmac_algorithm(alg).unwrap();
        let full = mac_alg.digest_algorithm().output_len() * 8;
        let mut t = Tally::default();
        for g in set.test_groups {
            if g.tag_size != full {
                t.skipped += g.tests.len(); // truncated tags are not offered
                continue;
            }
            for tc in g.tests {
                let key = aws_lc_rs::hmac::Key::new(mac_alg, &tc.key);
                let ok = symmetric::mac_verify(&key, &tc.msg, &tc.tag);
                if tc.result == TestResult::Valid {
                    assert_eq!(symmetric::mac_sign(&key, &tc.msg), tc.tag.to_vec());
                }
                t.record(label, tc.tc_id, tc.result, ok);
            }
        }
        t.finish(label);
    }
}

#[test]
fn aes_key_wrap() {
    use wycheproof::keywrap::TestName;
    for (name, mech, label) in [
        (TestName::AesKeyWrap, WrapMechanism::AesKw, "aes_wrap"),
        (
            TestName::AesKeyWrapWithPadding,
            WrapMechanism::AesKwp,
            "aes_kwp",
        ),
    ] {
        let set = wycheproof::keywrap::TestSet::load(name).unwrap();
        let mut t = Tally::default();
        for g in set.test_groups {
            if g.key_size != 128 && g.key_size != 256 {
                t.skipped += g.tests.len();
                continue;
            }
            for tc in g.tests {
                let ok = matches!(
                    symmetric::aes_unwrap(&tc.key, mech, &tc.ct),
                    Ok(pt) if pt.as_slice() == &tc.pt[..]
                );
                if tc.result == TestResult::Valid {
                    assert_eq!(
                        symmetric::aes_wrap(&tc.key, mech, &tc.pt).unwrap(),
                        tc.ct.to_vec()
                    );
                }
                t.record(label, tc.tc_id, tc.result, ok);
            }
        }
        t.finish(label);
    }
}

#[test]
fn ecdsa() {
    use wycheproof::ecdsa::TestName;
    for (name, alg, raw, label) in [
        (
            TestName::EcdsaSecp256r1Sha256,
            Algorithm::EcP256,
            false,
            "ecdsa_secp256r1_sha256",
        ),
        (
            TestName::EcdsaSecp384r1Sha384,
            Algorithm::EcP384,
            false,
            "ecdsa_secp384r1_sha384",
        ),
        (
            TestName::EcdsaSecp521r1Sha512,
            Algorithm::EcP521,
            false,
            "ecdsa_secp521r1_sha512",
        ),
        (
            TestName::EcdsaSecp256r1Sha256P1363,
            Algorithm::EcP256,
            true,
            "ecdsa_secp256r1_sha256_p1363",
        ),
        (
            TestName::EcdsaSecp384r1Sha384P1363,
            Algorithm::EcP384,
            true,
            "ecdsa_secp384r1_sha384_p1363",
        ),
        (
            TestName::EcdsaSecp521r1Sha512P1363,
            Algorithm::EcP521,
            true,
            "ecdsa_secp521r1_sha512_p1363",
        ),
    ] {
        let set = wycheproof::ecdsa::TestSet::load(name).unwrap();
        let hash = ec::curve(alg).unwrap().digest;
        let mut t = Tally::default();
        for g in set.test_groups {
            let verifier = ec::verifier(alg, raw, &g.der);
            for tc in g.tests {
                let ok = match &verifier {
                    Ok(v) => {
                        sig::verify_parsed(v, hash, SignInput::Message(&tc.msg), &tc.sig).unwrap()
                    }
                    Err(_) => false,
                };
                t.record(label, tc.tc_id, tc.result, ok);
            }
        }
        t.finish(label);
    }
}

#[test]
fn ed25519() {
    let set = wycheproof::eddsa::TestSet::load(wycheproof::eddsa::TestName::Ed25519).unwrap();
    let mut t = Tally::default();
    for g in set.test_groups {
        let verifier = curve25519::ed25519_verifier(&g.key.pk).unwrap();
        for tc in g.tests {
            let ok = curve25519::ed25519_verify(&verifier, SignInput::Message(&tc.msg), &tc.sig)
                .unwrap();
            t.record("ed25519", tc.tc_id, tc.result, ok);
        }
    }
    t.finish("ed25519");
}

fn hash_alg(h: wycheproof::HashFunction) -> Option<HashAlg> {
    match h {
        wycheproof::HashFunction::Sha2_256 => Some(HashAlg::Sha256),
        wycheproof::HashFunction::Sha2_384 => Some(HashAlg::Sha384),
        wycheproof::HashFunction::Sha2_512 => Some(HashAlg::Sha512),
        _ => None,
    }
}

fn rsa_verify_vectors(
    label: &str,
    scheme: SignScheme,
    der: &[u8],
    tests: Vec<(usize, TestResult, Vec<u8>, Vec<u8>)>,
    t: &mut Tally,
) {
    let (_, _, hash) = rsa::scheme_params(scheme).unwrap();
    let verifier = rsa::verifier(der, scheme);
    for (tc, result, msg, s) in tests {
        let ok = match &verifier {
            Ok(v) => sig::verify_parsed(v, hash, SignInput::Message(&msg), &s).unwrap(),
            Err(_) => false,
        };
        t.record(label, tc, result, ok);
    }
}

#[test]
fn rsa_pkcs1_verify() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    for (name, label) in [
        (TestName::Rsa2048Sha256, "rsa_signature_2048_sha256"),
        (TestName::Rsa2048Sha384, "rsa_signature_2048_sha384"),
        (TestName::Rsa2048Sha512, "rsa_signature_2048_sha512"),
        (TestName::Rsa3072Sha256, "rsa_signature_3072_sha256"),
        (TestName::Rsa3072Sha384, "rsa_signature_3072_sha384"),
        (TestName::Rsa3072Sha512, "rsa_signature_3072_sha512"),
        (TestName::Rsa4096Sha256, "rsa_signature_4096_sha256"),
        (TestName::Rsa4096Sha384, "rsa_signature_4096_sha384"),
        (TestName::Rsa4096Sha512, "rsa_signature_4096_sha512"),
    ] {
        let set = TestSet::load(name).unwrap();
        let mut t = Tally::default();
        for g in set.test_groups {
            let Some(h) = hash_alg(g.hash) else {
                t.skipped += g.tests.len();
                continue;
            };
            let tests = g
                .tests
                .into_iter()
                .map(|tc| (tc.tc_id, tc.result, tc.msg.to_vec(), tc.sig.to_vec()))
                .collect();
            rsa_verify_vectors(label, SignScheme::RsaPkcs1(h), &g.der, tests, &mut t);
        }
        t.finish(label);
    }
}

#[test]
fn rsa_pss_verify() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    for (name, label) in [
        (
            TestName::RsaPss2048Sha256Mgf1SaltLen32,
            "rsa_pss_2048_sha256_mgf1_32",
        ),
        (
            TestName::RsaPss2048Sha384Mgf1SaltLen48,
            "rsa_pss_2048_sha384_mgf1_48",
        ),
        (
            TestName::RsaPss3072Sha256Mgf1SaltLen32,
            "rsa_pss_3072_sha256_mgf1_32",
        ),
        (
            TestName::RsaPss4096Sha256Mgf1SaltLen32,
            "rsa_pss_4096_sha256_mgf1_32",
        ),
        (
            TestName::RsaPss4096Sha384Mgf1SaltLen48,
            "rsa_pss_4096_sha384_mgf1_48",
        ),
        (
            TestName::RsaPss4096Sha512Mgf1SaltLen64,
            "rsa_pss_4096_sha512_mgf1_64",
        ),
    ] {
        let set = TestSet::load(name).unwrap();
        let mut t = Tally::default();
        for g in set.test_groups {
            let h = hash_alg(g.hash);
            let offered = matches!(g.mgf, wycheproof::Mgf::Mgf1)
                && g.mgf_hash == Some(g.hash)
                && h.is_some_and(|h| h.output_len() == g.salt_size);
            let (Some(h), true) = (h, offered) else {
                t.skipped += g.tests.len();
                continue;
            };
            let tests = g
                .tests
                .into_iter()
                .map(|tc| (tc.tc_id, tc.result, tc.msg.to_vec(), tc.sig.to_vec()))
                .collect();
            rsa_verify_vectors(label, SignScheme::RsaPss(h), &g.der, tests, &mut t);
        }
        t.finish(label);
    }
}

#[test]
fn rsa_oaep_decrypt() {
    use wycheproof::rsa_oaep::{TestName, TestSet};
    for (name, label) in [
        (
            TestName::Rsa2048Sha256Mgf1Sha256,
            "rsa_oaep_2048_sha256_mgf1sha256",
        ),
        (
            TestName::Rsa3072Sha256Mgf1Sha256,
            "rsa_oaep_3072_sha256_mgf1sha256",
        ),
        (
            TestName::Rsa4096Sha256Mgf1Sha256,
            "rsa_oaep_4096_sha256_mgf1sha256",
        ),
    ] {
        let set = TestSet::load(name).unwrap();
        let mut t = Tally::default();
        for g in set.test_groups {
            if g.hash != wycheproof::HashFunction::Sha2_256
                || g.mgf_hash != wycheproof::HashFunction::Sha2_256
            {
                t.skipped += g.tests.len();
                continue;
            }
            let key = rsa::oaep_private_key(&g.pkcs8).unwrap();
            for tc in g.tests {
                let ok = matches!(
                    rsa::oaep_decrypt(&key, &tc.ct, &tc.label),
                    Ok(pt) if pt.as_slice() == &tc.pt[..]
                );
                t.record(label, tc.tc_id, tc.result, ok);
            }
        }
        t.finish(label);
    }
}

#[test]
fn x25519() {
    let set = wycheproof::xdh::TestSet::load(wycheproof::xdh::TestName::X25519).unwrap();
    let mut t = Tally::default();
    for g in set.test_groups {
        for tc in g.tests {
            let private = curve25519::x25519_private_key(&tc.private_key).unwrap();
            let ok = matches!(
                ec::agree(&private, &tc.public_key),
                Ok(s) if s.expose() == &tc.shared_secret[..]
            );
            t.record("x25519", tc.tc_id, tc.result, ok);
        }
    }
    t.finish("x25519");
}

#[test]
fn ecdh() {
    use wycheproof::ecdh::{TestName, TestSet};
    for (name, alg, field, label) in [
        (
            TestName::EcdhSecp256r1,
            &agreement::ECDH_P256,
            32,
            "ecdh_secp256r1",
        ),
        (
            TestName::EcdhSecp384r1,
            &agreement::ECDH_P384,
            48,
            "ecdh_secp384r1",
        ),
        (
            TestName::EcdhSecp521r1,
            &agreement::ECDH_P521,
            66,
            "ecdh_secp521r1",
        ),
        (
            TestName::EcdhSecp256r1Ecpoint,
            &agreement::ECDH_P256,
            32,
            "ecdh_secp256r1_ecpoint",
        ),
        (
            TestName::EcdhSecp384r1Ecpoint,
            &agreement::ECDH_P384,
            48,
            "ecdh_secp384r1_ecpoint",
        ),
        (
            TestName::EcdhSecp521r1Ecpoint,
            &agreement::ECDH_P521,
            66,
            "ecdh_secp521r1_ecpoint",
        ),
    ] {
        let set = TestSet::load(name).unwrap();
        let mut t = Tally::default();
        for g in set.test_groups {
            for tc in g.tests {
                // Wycheproof private keys are minimal big-endian integers.
                let digits: Vec<u8> = tc
                    .private_key
                    .iter()
                    .copied()
                    .skip_while(|b| *b == 0)
                    .collect();
                let mut scalar = vec![0u8; field - digits.len()];
                scalar.extend_from_slice(&digits);
                let private = agreement::PrivateKey::from_private_key(alg, &scalar).unwrap();
                let ok = matches!(
                    ec::agree(&private, &tc.public_key),
                    Ok(s) if s.expose() == &tc.shared_secret[..]
                );
                t.record(label, tc.tc_id, tc.result, ok);
            }
        }
        t.finish(label);
    }
}
