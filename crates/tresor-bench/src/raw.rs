//! Raw aws-lc-rs rates for each primitive, measured in the same run: one
//! thread looping for a fixed time; the bound for the machine is that rate
//! times the number of cores.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, PqdsaKeyPair, RsaKeyPair, UnparsedPublicKey,
};
use aws_lc_rs::{hmac, rsa::KeySize};

use crate::Error;

/// Single-thread operations per second, by primitive name.
pub type RawRates = BTreeMap<String, f64>;

fn rate(dur: Duration, mut f: impl FnMut() -> Result<(), Error>) -> Result<f64, Error> {
    // Warm up, then count.
    for _ in 0..10 {
        f()?;
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < dur {
        for _ in 0..8 {
            f()?;
        }
        n += 8;
    }
    Ok(n as f64 / start.elapsed().as_secs_f64())
}

fn crypto<T>(r: Result<T, aws_lc_rs::error::Unspecified>) -> Result<T, Error> {
    r.map_err(|_| Error::msg("aws-lc-rs operation failed"))
}

/// Measures every primitive for `dur` each (on a blocking thread).
pub fn measure(dur: Duration) -> Result<RawRates, Error> {
    let rng = SystemRandom::new();
    let mut out = RawRates::new();
    let mut key = [0u8; 32];
    crypto(rng.fill(&mut key))?;
    let aead = LessSafeKey::new(crypto(UnboundKey::new(&AES_256_GCM, &key))?);
    for (label, n) in [("64 B", 64usize), ("4 KiB", 4096)] {
        let pt = vec![7u8; n];
        out.insert(
            format!("aes-gcm seal {label}"),
            rate(dur, || {
                let mut nonce = [0u8; 12];
                crypto(rng.fill(&mut nonce))?;
                let mut buf = pt.clone();
                crypto(aead.seal_in_place_append_tag(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(b"header"),
                    &mut buf,
                ))
            })?,
        );
        let nonce = [1u8; 12];
        let mut sealed = pt.clone();
        crypto(aead.seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(b"header"),
            &mut sealed,
        ))?;
        out.insert(
            format!("aes-gcm open {label}"),
            rate(dur, || {
                let mut buf = sealed.clone();
                crypto(aead.open_in_place(
                    Nonce::assume_unique_for_key(nonce),
                    Aad::from(b"header"),
                    &mut buf,
                ))
                .map(|_| ())
            })?,
        );
    }
    let msg = crate::workloads::MESSAGE;
    let hkey = hmac::Key::new(hmac::HMAC_SHA256, &key);
    out.insert(
        "hmac-sha256".into(),
        rate(dur, || {
            std::hint::black_box(hmac::sign(&hkey, msg));
            Ok(())
        })?,
    );

    let ec_doc = crypto(EcdsaKeyPair::generate_pkcs8(
        &signature::ECDSA_P256_SHA256_ASN1_SIGNING,
        &rng,
    ))?;
    let ec = EcdsaKeyPair::from_pkcs8(&signature::ECDSA_P256_SHA256_ASN1_SIGNING, ec_doc.as_ref())
        .map_err(|_| Error::msg("ECDSA key rejected"))?;
    let ec_sig = crypto(ec.sign(&rng, msg))?;
    let ec_pub = UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_ASN1, ec.public_key());
    out.insert(
        "sign ec-p256".into(),
        rate(dur, || crypto(ec.sign(&rng, msg)).map(|_| ()))?,
    );
    out.insert(
        "verify ec-p256".into(),
        rate(dur, || crypto(ec_pub.verify(msg, ec_sig.as_ref())))?,
    );

    let ed = crypto(Ed25519KeyPair::generate())?;
    let ed_sig = ed.sign(msg);
    let ed_pub = UnparsedPublicKey::new(&signature::ED25519, ed.public_key());
    out.insert(
        "sign ed25519".into(),
        rate(dur, || {
            std::hint::black_box(ed.sign(msg));
            Ok(())
        })?,
    );
    out.insert(
        "verify ed25519".into(),
        rate(dur, || crypto(ed_pub.verify(msg, ed_sig.as_ref())))?,
    );

    let rsa = crypto(RsaKeyPair::generate(KeySize::Rsa2048))?;
    let mut rsa_sig = vec![0u8; rsa.public_modulus_len()];
    crypto(rsa.sign(&signature::RSA_PSS_SHA256, &rng, msg, &mut rsa_sig))?;
    let rsa_pub = UnparsedPublicKey::new(
        &signature::RSA_PSS_2048_8192_SHA256,
        rsa.public_key().as_ref().to_vec(),
    );
    out.insert(
        "sign rsa-2048".into(),
        rate(dur, || {
            let mut sig = vec![0u8; rsa.public_modulus_len()];
            crypto(rsa.sign(&signature::RSA_PSS_SHA256, &rng, msg, &mut sig))
        })?,
    );
    out.insert(
        "verify rsa-2048".into(),
        rate(dur, || crypto(rsa_pub.verify(msg, &rsa_sig)))?,
    );

    let ml = crypto(PqdsaKeyPair::generate(&signature::ML_DSA_65_SIGNING))?;
    let mut ml_sig = vec![0u8; ml.algorithm().signature_len()];
    crypto(ml.sign(msg, &mut ml_sig))?;
    let ml_pub = UnparsedPublicKey::new(&signature::ML_DSA_65, ml.public_key().as_ref().to_vec());
    out.insert(
        "sign ml-dsa-65".into(),
        rate(dur, || {
            let mut sig = vec![0u8; ml.algorithm().signature_len()];
            crypto(ml.sign(msg, &mut sig)).map(|_| ())
        })?,
    );
    out.insert(
        "verify ml-dsa-65".into(),
        rate(dur, || crypto(ml_pub.verify(msg, &ml_sig)))?,
    );
    Ok(out)
}
