//! The aws-kms provider against moto with credential checking on (moto's
//! IAM-like access control, set up by `tests/py/moto_iam.py`): moto
//! recomputes every SigV4 signature with botocore from the canonical
//! request and the secret, so these tests check the signer (headers, body
//! hash, session token) against an independent implementation, and that
//! refused or unauthorised credentials give a clear `Unavailable` error
//! that never carries the secret. moto takes region and service from the
//! request's own scope; those parts are covered by the signer's unit test
//! on AWS's documented example.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{config_with, enforce_credentials, moto};
use serde_json::json;
use tresor_aws_kms::AwsKmsProvider;
use tresor_core::{
    Algorithm, KeyContext, KeyId, Provider, ProviderError, SignInput, SignScheme, TenantId,
};

fn ctx(algorithm: Algorithm) -> KeyContext {
    KeyContext {
        tenant: TenantId::default_tenant(),
        key_id: KeyId::generate(),
        version: 1,
        algorithm,
    }
}

/// The message of an `Unavailable` error (its source), or a panic.
fn unavailable(r: Result<(), ProviderError>) -> String {
    match r {
        Err(ProviderError::Unavailable(source)) => source.to_string(),
        other => panic!("expected Unavailable, got {other:?}"),
    }
}

#[tokio::test]
async fn signed_requests_are_accepted_by_moto() {
    let Some(m) = moto() else { return };
    let ids = enforce_credentials(&m);
    for who in ["user", "role"] {
        let p = AwsKmsProvider::new(&config_with(&m, who, &ids[who])).unwrap();
        p.health().await.unwrap();
        let aes = ctx(Algorithm::Aes256Gcm);
        let k = p.generate(&aes).await.unwrap();
        let sealed = p.encrypt(&aes, &k.handle, b"secret", b"aad").await.unwrap();
        let opened = p
            .decrypt(&aes, &k.handle, &sealed.nonce, &sealed.ciphertext, b"aad")
            .await
            .unwrap();
        assert_eq!(opened.expose(), b"secret");
        let ec = ctx(Algorithm::EcP256);
        let k = p.generate(&ec).await.unwrap();
        let scheme = SignScheme::Ecdsa { raw: false };
        let msg = SignInput::Message(b"signed with SigV4 checked by moto");
        let sig = p.sign(&ec, &k.handle, scheme, msg).await.unwrap();
        assert!(p.verify(&ec, &k.handle, scheme, msg, &sig).await.unwrap());
        let mut r = [0u8; 48];
        p.random(&mut r).await.unwrap();
    }
}

#[tokio::test]
async fn refused_credentials_are_a_clear_unavailable_error() {
    let Some(m) = moto() else { return };
    let ids = enforce_credentials(&m);
    let user = &ids["user"];
    let role = &ids["role"];
    let secret = user["secret_access_key"].as_str().unwrap();
    // A ciphertext made with good credentials, to decrypt with bad ones.
    let good = AwsKmsProvider::new(&config_with(&m, "user", user)).unwrap();
    let aes = ctx(Algorithm::Aes256Gcm);
    let key = good.generate(&aes).await.unwrap();
    let sealed = good.encrypt(&aes, &key.handle, b"x", b"").await.unwrap();
    let cases = [
        (
            "unknown key",
            json!({"access_key_id": "AKIAUNKNOWNUNKNOWN00", "secret_access_key": secret}),
            "InvalidClientTokenId",
        ),
        (
            "wrong secret",
            json!({"access_key_id": user["access_key_id"], "secret_access_key": "not-the-secret"}),
            "SignatureDoesNotMatch",
        ),
        (
            "no session token",
            json!({"access_key_id": role["access_key_id"], "secret_access_key": role["secret_access_key"]}),
            "InvalidClientTokenId",
        ),
        (
            "wrong session token",
            json!({"access_key_id": role["access_key_id"],
                   "secret_access_key": role["secret_access_key"],
                   "session_token": "not-the-token"}),
            "InvalidClientTokenId",
        ),
    ];
    for (name, creds, kind) in cases {
        let p = AwsKmsProvider::new(&config_with(&m, "bad", &creds)).unwrap();
        let health = p.health().await;
        let debug = format!("{health:?}");
        let msg = unavailable(health);
        assert!(msg.contains("rejected the credentials"), "{name}: {msg}");
        assert!(msg.contains(kind), "{name}: {msg}");
        assert!(!debug.contains(secret), "{name}: {debug}");
        assert!(!debug.contains("not-the"), "{name}: {debug}");
        // Operations fail the same way; decryption too, which turns every
        // refusal about the ciphertext into the opaque crypto error.
        let r = p.generate(&ctx(Algorithm::Aes256Gcm)).await.map(|_| ());
        assert!(unavailable(r).contains(kind), "{name}");
        let r = p
            .decrypt(&aes, &key.handle, &sealed.nonce, &sealed.ciphertext, b"")
            .await
            .map(|_| ());
        assert!(unavailable(r).contains(kind), "{name}");
    }
}

#[tokio::test]
async fn operations_the_policy_denies_are_a_clear_unavailable_error() {
    let Some(m) = moto() else { return };
    let ids = enforce_credentials(&m);
    let p = AwsKmsProvider::new(&config_with(&m, "denied", &ids["denied"])).unwrap();
    // The credentials are accepted; listing keys is not allowed, which
    // health tolerates (least-privilege policies need not grant it).
    p.health().await.unwrap();
    let r = p.generate(&ctx(Algorithm::EcP256)).await.map(|_| ());
    let msg = unavailable(r);
    assert!(msg.contains("not allowed"), "{msg}");
    assert!(msg.contains("AccessDenied"), "{msg}");
    let mut buf = [0u8; 8];
    assert!(unavailable(p.random(&mut buf).await).contains("not allowed"));
}
