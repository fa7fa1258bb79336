//! Cryptographic operation conversions: bindings (AAD and context), sign
//! inputs, signature formats and wrap mechanisms.

use std::collections::BTreeMap;

use tresor_api::{self as api, B64};
use tresor_core::WrapMechanism;
use tresor_service::ServiceError;
use tresor_service::types::{
    self as svc, Binding, DecryptResult, EncryptResult, SignData, WrapSource,
};

use super::{b64_secret, parse_key_ref, secret};

/// AAD and context as a service binding.
pub fn binding(aad: Option<B64>, context: Option<BTreeMap<String, String>>) -> Binding {
    Binding {
        aad: aad.map(B64::into_inner).unwrap_or_default(),
        context: context.unwrap_or_default(),
    }
}

/// Exactly one of `message` and `digest`.
pub fn sign_data(message: Option<B64>, digest: Option<B64>) -> Result<SignData, ServiceError> {
    match (message, digest) {
        (Some(m), None) => Ok(SignData::Message(m.into_inner())),
        (None, Some(d)) => Ok(SignData::Digest(d.into_inner())),
        _ => Err(ServiceError::invalid(
            "message",
            "give exactly one of message and digest",
        )),
    }
}

/// `der` (default) or `raw` → whether to use fixed-length r||s.
pub fn raw_signature(format: Option<&str>) -> Result<bool, ServiceError> {
    match format {
        None | Some("der") => Ok(false),
        Some("raw") => Ok(true),
        Some(_) => Err(ServiceError::invalid(
            "signature_format",
            "expected der or raw",
        )),
    }
}

/// Parses a wrap mechanism name.
pub fn parse_wrap_mechanism(s: Option<&str>) -> Result<Option<WrapMechanism>, ServiceError> {
    match s {
        None => Ok(None),
        Some("aes-kw") => Ok(Some(WrapMechanism::AesKw)),
        Some("aes-kwp") => Ok(Some(WrapMechanism::AesKwp)),
        Some("rsa-oaep-sha256") => Ok(Some(WrapMechanism::RsaOaepSha256)),
        Some(_) => Err(ServiceError::invalid(
            "mechanism",
            "expected aes-kw, aes-kwp or rsa-oaep-sha256",
        )),
    }
}

/// The wire name of a wrap mechanism.
pub fn wrap_mechanism_str(m: WrapMechanism) -> &'static str {
    match m {
        WrapMechanism::AesKw => "aes-kw",
        WrapMechanism::AesKwp => "aes-kwp",
        WrapMechanism::RsaOaepSha256 => "rsa-oaep-sha256",
        _ => "unknown",
    }
}

/// Encrypt body → service request.
pub fn encrypt_request(r: api::EncryptRequest) -> svc::EncryptRequest {
    svc::EncryptRequest {
        plaintext: secret(r.plaintext),
        binding: binding(r.aad, r.context),
    }
}

/// Decrypt body → service request.
pub fn decrypt_request(r: api::DecryptRequest) -> svc::DecryptRequest {
    svc::DecryptRequest {
        ciphertext: r.ciphertext.into_inner(),
        binding: binding(r.aad, r.context),
        key_version: r.key_version,
    }
}

/// Sign body → service request.
pub fn sign_request(r: api::SignRequest) -> Result<svc::SignRequest, ServiceError> {
    Ok(svc::SignRequest {
        raw_signature: raw_signature(r.signature_format.as_deref())?,
        data: sign_data(r.message, r.digest)?,
        scheme: r.scheme,
    })
}

/// Verify body → service request.
pub fn verify_request(r: api::VerifyRequest) -> Result<svc::VerifyRequest, ServiceError> {
    Ok(svc::VerifyRequest {
        raw_signature: raw_signature(r.signature_format.as_deref())?,
        data: sign_data(r.message, r.digest)?,
        signature: r.signature.into_inner(),
        scheme: r.scheme,
        key_version: r.key_version,
    })
}

/// Wrap body → service request (exactly one of `plaintext` and `key`).
pub fn wrap_request(r: api::WrapRequest) -> Result<svc::WrapRequest, ServiceError> {
    let source = match (r.plaintext, r.key) {
        (Some(p), None) => WrapSource::Material(secret(p)),
        (None, Some(k)) => WrapSource::Key(parse_key_ref(&k)?),
        _ => {
            return Err(ServiceError::invalid(
                "plaintext",
                "give exactly one of plaintext and key",
            ));
        }
    };
    Ok(svc::WrapRequest {
        source,
        mechanism: parse_wrap_mechanism(r.mechanism.as_deref())?,
    })
}

/// Encrypt / re-encrypt result on the wire.
pub fn encrypt_response(r: EncryptResult) -> api::EncryptResponse {
    api::EncryptResponse {
        ciphertext: B64(r.ciphertext),
        key_id: r.key_id,
        key_version: r.key_version,
    }
}

/// Decrypt result on the wire.
pub fn decrypt_response(r: DecryptResult) -> api::DecryptResponse {
    api::DecryptResponse {
        plaintext: b64_secret(&r.plaintext),
        key_id: r.key_id,
        key_version: r.key_version,
    }
}

/// Sign result on the wire (`key_id` comes from the caller's resolution).
pub fn sign_response(r: svc::SignResult) -> api::SignResponse {
    api::SignResponse {
        signature: B64(r.signature),
        key_id: r.key_id,
        key_version: r.key_version,
        scheme: r.scheme.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_xor_digest() {
        let m = Some(B64(b"m".to_vec()));
        assert!(sign_data(m.clone(), None).is_ok());
        assert!(sign_data(None, m.clone()).is_ok());
        assert!(sign_data(m.clone(), m).is_err());
        assert!(sign_data(None, None).is_err());
    }

    #[test]
    fn formats_and_mechanisms() {
        assert_eq!(raw_signature(None).ok(), Some(false));
        assert_eq!(raw_signature(Some("raw")).ok(), Some(true));
        assert!(raw_signature(Some("p1363")).is_err());
        for name in ["aes-kw", "aes-kwp", "rsa-oaep-sha256"] {
            let m = parse_wrap_mechanism(Some(name)).ok().flatten();
            assert_eq!(m.map(wrap_mechanism_str), Some(name));
        }
        assert!(parse_wrap_mechanism(Some("des")).is_err());
    }
}
