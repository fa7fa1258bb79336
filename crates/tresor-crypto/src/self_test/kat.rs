//! Known-answer tests: fixed inputs, published (or independently computed)
//! outputs, checked through the provider's own parsing and operations.

use aws_lc_rs::digest;
use tresor_core::{Algorithm, HashAlg, ProviderError, SignInput, SignScheme, WrapMechanism};

use super::{hex, wrong};
use crate::curve25519::x25519_pkcs8;
use crate::keys::{ParsedKey, parse};
use crate::symmetric::{aead_open, aead_seal, aes_unwrap, aes_wrap, mac_sign};

/// The RSA-2048 test key (PKCS#8 DER, generated for these tests and used
/// for nothing else) and its answers, computed with OpenSSL.
const RSA_KEY: &[u8] = include_bytes!("vectors/rsa-2048.pk8");
/// RSASSA-PKCS1-v1_5 with SHA-256 over "abc" (deterministic).
const RSA_PKCS1_SIG: &[u8] = include_bytes!("vectors/rsa-2048-pkcs1-sha256-abc.sig");
/// RSAES-OAEP (SHA-256, MGF1-SHA-256) of "tresor kat".
const RSA_OAEP_CT: &[u8] = include_bytes!("vectors/rsa-2048-oaep-sha256.bin");

fn check(ok: bool, what: &'static str) -> Result<(), ProviderError> {
    if ok { Ok(()) } else { Err(wrong(what)) }
}

pub(super) fn sha256() -> Result<(), ProviderError> {
    let d = digest::digest(&digest::SHA256, b"abc");
    check(
        d.as_ref() == hex("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        "SHA-256",
    )
}

/// Seals `pt` and opens it again; the sealed form must be `expected`.
fn aead(
    alg: Algorithm,
    key: &[u8],
    nonce: &[u8],
    aad: &[u8],
    pt: &[u8],
    expected: &str,
) -> Result<(), ProviderError> {
    let ParsedKey::Aead { key, .. } = parse(alg, key)? else {
        return Err(wrong("AEAD key"));
    };
    let nonce: [u8; 12] = nonce.try_into().map_err(|_| wrong("AEAD nonce"))?;
    let sealed = aead_seal(&key, &nonce, aad, pt)?;
    check(sealed == hex(expected), "AEAD seal")?;
    let opened = aead_open(&key, &nonce, aad, &sealed)?;
    check(opened.as_slice() == pt, "AEAD open")?;
    let mut bad = sealed;
    if let Some(b) = bad.last_mut() {
        *b ^= 1;
    }
    check(
        aead_open(&key, &nonce, aad, &bad).is_err(),
        "AEAD tag check",
    )
}

pub(super) fn aes128_gcm() -> Result<(), ProviderError> {
    aead(
        Algorithm::Aes128Gcm,
        &[0; 16],
        &[0; 12],
        b"",
        &[0; 16],
        "0388dace60b6a392f328c2b971b2fe78ab6e47d42cec13bdf53a67b21257bddf",
    )
}

pub(super) fn aes256_gcm() -> Result<(), ProviderError> {
    aead(
        Algorithm::Aes256Gcm,
        &[0; 32],
        &[0; 12],
        b"",
        &[0; 16],
        "cea7403d4d606b6e074ec5d3baf39d18d0d1c8a799996bf0265b98b5d48ab919",
    )
}

pub(super) fn chacha20_poly1305() -> Result<(), ProviderError> {
    let key: Vec<u8> = (0x80..=0x9f).collect();
    aead(
        Algorithm::ChaCha20Poly1305,
        &key,
        &hex("070000004041424344454647"),
        &hex("50515253c0c1c2c3c4c5c6c7"),
        b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip \
          for the future, sunscreen would be it.",
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d63dbea45e8ca96712\
         82fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b3692ddbd7f2d778b8c9803aee328091b58\
         fab324e4fad675945585808b4831d7bc3ff4def08e4b7a9de576d26586cec64b6116\
         1ae10b594f09e26a7e902ecbd0600691",
    )
}

/// RFC 4231 test case 2, with the key padded to the algorithm's key length
/// (HMAC pads short keys with zeros, so the tag is the same).
fn hmac(alg: Algorithm, expected: &str) -> Result<(), ProviderError> {
    let len = alg.symmetric_key_len().ok_or(wrong("HMAC key length"))?;
    let mut key = b"Jefe".to_vec();
    key.resize(len, 0);
    let ParsedKey::Hmac(k) = parse(alg, &key)? else {
        return Err(wrong("HMAC key"));
    };
    let tag = mac_sign(&k, b"what do ya want for nothing?");
    check(tag == hex(expected), "HMAC")
}

pub(super) fn hmac_sha256() -> Result<(), ProviderError> {
    hmac(
        Algorithm::HmacSha256,
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    )
}

pub(super) fn hmac_sha384() -> Result<(), ProviderError> {
    hmac(
        Algorithm::HmacSha384,
        "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e\
         8e2240ca5e69e2c78b3239ecfab21649",
    )
}

pub(super) fn hmac_sha512() -> Result<(), ProviderError> {
    hmac(
        Algorithm::HmacSha512,
        "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554\
         9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
    )
}

pub(super) fn aes_kw() -> Result<(), ProviderError> {
    let kek = hex("000102030405060708090a0b0c0d0e0f");
    let key = hex("00112233445566778899aabbccddeeff");
    let wrapped = aes_wrap(&kek, WrapMechanism::AesKw, &key)?;
    check(
        wrapped == hex("1fa68b0a8112b447aef34bd8fb5a7b829d3e862371d2cfe5"),
        "AES-KW wrap",
    )?;
    let back = aes_unwrap(&kek, WrapMechanism::AesKw, &wrapped)?;
    check(back.as_slice() == key, "AES-KW unwrap")
}

fn rsa_key() -> Result<crate::rsa::RsaKey, ProviderError> {
    match parse(Algorithm::Rsa2048, RSA_KEY)? {
        ParsedKey::Rsa(k) => Ok(k),
        _ => Err(wrong("RSA key")),
    }
}

pub(super) fn rsa_pkcs1() -> Result<(), ProviderError> {
    let k = rsa_key()?;
    let scheme = SignScheme::RsaPkcs1(HashAlg::Sha256);
    let sig = k.sign(scheme, SignInput::Message(b"abc"))?;
    check(sig == RSA_PKCS1_SIG, "RSA PKCS#1 v1.5 signature")?;
    check(
        k.verify(scheme, SignInput::Message(b"abc"), &sig)?,
        "RSA PKCS#1 v1.5 verification",
    )?;
    check(
        !k.verify(scheme, SignInput::Message(b"abd"), &sig)?,
        "RSA PKCS#1 v1.5 rejection",
    )
}

pub(super) fn rsa_oaep() -> Result<(), ProviderError> {
    let k = rsa_key()?;
    let pt = k.decrypt(RSA_OAEP_CT)?;
    check(pt.as_slice() == b"tresor kat", "RSA-OAEP decryption")?;
    let ct = k.encrypt(b"round trip")?;
    check(
        k.decrypt(&ct)?.as_slice() == b"round trip",
        "RSA-OAEP round trip",
    )
}

pub(super) fn ed25519() -> Result<(), ProviderError> {
    let mut pkcs8 = hex("302e020100300506032b657004220420");
    pkcs8.extend(hex(
        "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    ));
    let ParsedKey::Ed25519(k) = parse(Algorithm::Ed25519, &pkcs8)? else {
        return Err(wrong("Ed25519 key"));
    };
    let sig = k.sign(SignScheme::Ed25519, SignInput::Message(b""))?;
    check(
        sig == hex(
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155\
             5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
        ),
        "Ed25519 signature",
    )?;
    check(
        k.verify(SignScheme::Ed25519, SignInput::Message(b""), &sig)?,
        "Ed25519 verification",
    )
}

pub(super) fn x25519() -> Result<(), ProviderError> {
    let alice = x25519_pkcs8(&hex(
        "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
    ));
    let ParsedKey::X25519(k) = parse(Algorithm::X25519, &alice)? else {
        return Err(wrong("X25519 key"));
    };
    let bob = hex("de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
    let shared = k.agree(&bob)?;
    check(
        shared.expose() == hex("4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"),
        "X25519 shared secret",
    )
}
