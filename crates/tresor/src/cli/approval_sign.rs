//! Signed approvals from the command line: the approver's private key
//! (PKCS#8 PEM, Ed25519 or ECDSA P-256, e.g. from `openssl genpkey`) never
//! leaves their machine; the CLI signs the request's challenge locally.

use std::path::Path;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, Ed25519KeyPair};
use zeroize::Zeroizing;

use crate::exit::CliError;

/// Signs `challenge` with the private key in `file`.
pub fn sign_challenge(file: &Path, challenge: &[u8]) -> Result<Vec<u8>, CliError> {
    let text = Zeroizing::new(
        std::fs::read_to_string(file)
            .map_err(|e| CliError::usage(format!("cannot read {}: {e}", file.display())))?,
    );
    let block = pem::parse(text.as_bytes())
        .map_err(|_| CliError::usage(format!("{}: not a PEM file", file.display())))?;
    if block.tag() != "PRIVATE KEY" {
        return Err(CliError::usage(format!(
            "{}: expected an unencrypted PKCS#8 PRIVATE KEY block",
            file.display()
        )));
    }
    let der = Zeroizing::new(block.into_contents());
    if let Ok(k) = Ed25519KeyPair::from_pkcs8_maybe_unchecked(&der) {
        return Ok(k.sign(challenge).as_ref().to_vec());
    }
    if let Ok(k) = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &der) {
        return k
            .sign(&SystemRandom::new(), challenge)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| CliError::usage("signing failed"));
    }
    Err(CliError::usage(format!(
        "{}: not an Ed25519 or P-256 private key",
        file.display()
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lc_rs::signature::{ED25519, UnparsedPublicKey};

    #[test]
    fn signs_with_an_ed25519_pkcs8_key_and_refuses_others() {
        let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
        let pair = Ed25519KeyPair::from_pkcs8(doc.as_ref()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("k.pem");
        std::fs::write(
            &file,
            pem::encode(&pem::Pem::new("PRIVATE KEY", doc.as_ref().to_vec())),
        )
        .unwrap();
        let sig = sign_challenge(&file, b"challenge").unwrap();
        use aws_lc_rs::signature::KeyPair;
        UnparsedPublicKey::new(&ED25519, pair.public_key().as_ref())
            .verify(b"challenge", &sig)
            .unwrap();
        std::fs::write(&file, pem::encode(&pem::Pem::new("PUBLIC KEY", vec![1, 2]))).unwrap();
        assert!(sign_challenge(&file, b"challenge").is_err());
        std::fs::write(
            &file,
            pem::encode(&pem::Pem::new("PRIVATE KEY", vec![1, 2])),
        )
        .unwrap();
        assert!(sign_challenge(&file, b"challenge").is_err());
    }
}
