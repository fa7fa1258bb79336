//! Helpers shared by the signature modules: digest import and verification
//! through a parsed aws-lc public key.

use aws_lc_rs::digest::{self, Digest};
use aws_lc_rs::signature::ParsedPublicKey;
use tresor_core::{ProviderError, SignInput};

/// Turns a pre-computed digest into an aws-lc `Digest`, checking its length
/// (`InvalidInput` when it does not match the hash).
pub fn import_digest(d: &[u8], alg: &'static digest::Algorithm) -> Result<Digest, ProviderError> {
    Digest::import_less_safe(d, alg)
        .map_err(|_| ProviderError::InvalidInput("digest length does not match the hash"))
}

/// Verifies a message or digest with a parsed verifier; `Ok(false)` for any
/// bad or malformed signature, `InvalidInput` for a digest of the wrong length.
pub fn verify_parsed(
    verifier: &ParsedPublicKey,
    hash: &'static digest::Algorithm,
    input: SignInput<'_>,
    sig: &[u8],
) -> Result<bool, ProviderError> {
    Ok(match input {
        SignInput::Message(m) => verifier.verify_sig(m, sig).is_ok(),
        SignInput::Digest(d) => verifier
            .verify_digest_sig(&import_digest(d, hash)?, sig)
            .is_ok(),
    })
}
