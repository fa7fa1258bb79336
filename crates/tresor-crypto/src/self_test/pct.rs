//! Pair-wise consistency tests for randomized algorithms: a fresh key pair
//! must verify its own signature (and reject a changed message), or
//! decapsulate its own encapsulation.

use tresor_core::{Algorithm, HashAlg, ProviderError, SignInput, SignScheme};

use super::wrong;
use crate::keys::{ParsedKey, generate, parse};

const MESSAGE: &[u8] = b"tresor pair-wise consistency test";
const CHANGED: &[u8] = b"tresor pair-wise consistency tesT";

/// Signs with a fresh key, verifies, and checks a changed message fails.
fn sign_verify(alg: Algorithm, scheme: SignScheme) -> Result<(), ProviderError> {
    let material = generate(alg)?;
    let key = parse(alg, &material)?;
    let (sig, ok, bad) = match &key {
        ParsedKey::Rsa(k) => {
            let sig = k.sign(scheme, SignInput::Message(MESSAGE))?;
            let ok = k.verify(scheme, SignInput::Message(MESSAGE), &sig)?;
            (
                sig.clone(),
                ok,
                k.verify(scheme, SignInput::Message(CHANGED), &sig)?,
            )
        }
        ParsedKey::Ec(k) => {
            let sig = k.sign(scheme, SignInput::Message(MESSAGE))?;
            let ok = k.verify(scheme, SignInput::Message(MESSAGE), &sig)?;
            (
                sig.clone(),
                ok,
                k.verify(scheme, SignInput::Message(CHANGED), &sig)?,
            )
        }
        ParsedKey::MlDsa(k) => {
            let sig = k.sign(scheme, SignInput::Message(MESSAGE))?;
            let ok = k.verify(scheme, SignInput::Message(MESSAGE), &sig)?;
            (
                sig.clone(),
                ok,
                k.verify(scheme, SignInput::Message(CHANGED), &sig)?,
            )
        }
        _ => return Err(wrong("signing key")),
    };
    if sig.is_empty() || !ok || bad {
        return Err(wrong("sign/verify"));
    }
    Ok(())
}

pub(super) fn rsa_pss() -> Result<(), ProviderError> {
    sign_verify(Algorithm::Rsa2048, SignScheme::RsaPss(HashAlg::Sha256))
}

pub(super) fn ecdsa_p256() -> Result<(), ProviderError> {
    sign_verify(Algorithm::EcP256, SignScheme::Ecdsa { raw: false })
}

pub(super) fn ecdsa_p384() -> Result<(), ProviderError> {
    sign_verify(Algorithm::EcP384, SignScheme::Ecdsa { raw: false })
}

pub(super) fn ecdsa_p521() -> Result<(), ProviderError> {
    sign_verify(Algorithm::EcP521, SignScheme::Ecdsa { raw: true })
}

pub(super) fn ml_dsa_44() -> Result<(), ProviderError> {
    sign_verify(Algorithm::MlDsa44, SignScheme::MlDsa)
}

pub(super) fn ml_dsa_65() -> Result<(), ProviderError> {
    sign_verify(Algorithm::MlDsa65, SignScheme::MlDsa)
}

pub(super) fn ml_dsa_87() -> Result<(), ProviderError> {
    sign_verify(Algorithm::MlDsa87, SignScheme::MlDsa)
}

/// Encapsulates to a fresh key and decapsulates: the secrets must match.
fn kem(alg: Algorithm) -> Result<(), ProviderError> {
    let material = generate(alg)?;
    let ParsedKey::MlKem(k) = parse(alg, &material)? else {
        return Err(wrong("ML-KEM key"));
    };
    let (ct, ss) = k.encapsulate()?;
    let back = k.decapsulate(&ct)?;
    if ss.expose().len() != 32 || ss.expose() != back.expose() {
        return Err(wrong("ML-KEM encapsulate/decapsulate"));
    }
    Ok(())
}

pub(super) fn ml_kem_768() -> Result<(), ProviderError> {
    kem(Algorithm::MlKem768)
}

pub(super) fn ml_kem_1024() -> Result<(), ProviderError> {
    kem(Algorithm::MlKem1024)
}
