//! The aws-kms provider against moto in server mode (PyPI `moto[server]`,
//! installed by `scripts/test` into the venv of `TRESOR_TEST_PYTHON`): the
//! provider conformance suite, each case on a fresh moto process; and the
//! failures a real deployment meets (unreachable endpoint, unknown key), and
//! registering existing KMS keys by id or alias.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::{Moto, config, moto};
use tresor_aws_kms::AwsKmsProvider;
use tresor_core::{Algorithm, HashAlg, Provider, ProviderError, SignInput, SignScheme};
use tresor_provider_tests::Claims;

async fn subject() -> Option<(Arc<dyn Provider>, Claims, Moto)> {
    let m = moto()?;
    let p = AwsKmsProvider::new(&config(&m)).unwrap();
    let mut claims = Claims::of(&p);
    for alg in p.algorithms() {
        claims = claims.with_operations(alg, p.capabilities().operations(alg));
    }
    claims.exportable = false;
    claims.importable.clear();
    // moto 5 does not refuse disabled or pending-deletion keys (AWS does),
    // and lacks MessageType DIGEST: those two checks are left to
    // `destroyed_keys_are_disabled_and_scheduled` and to AWS itself.
    claims.destroy_erases = false;
    claims.sign_digests = false;
    // moto signs RSA-PSS with the maximum salt length where AWS KMS and
    // Tresor's contract use the digest length, so independent verifiers
    // reject moto's PSS signatures: RSA is checked by `rsa_pkcs1_with_moto`.
    for alg in [Algorithm::Rsa2048, Algorithm::Rsa3072, Algorithm::Rsa4096] {
        claims.operations.remove(&alg);
    }
    claims.opaque_ciphertext = true;
    claims.wrap_mechanisms.clear();
    Some((Arc::new(p), claims, m))
}

tresor_provider_tests::provider_conformance_tests!(moto_kms, || subject());

#[tokio::test]
async fn destroyed_keys_are_disabled_and_scheduled() {
    let Some(m) = moto() else { return };
    let p = AwsKmsProvider::new(&config(&m)).unwrap();
    let ctx = tresor_core::KeyContext {
        tenant: tresor_core::TenantId::default_tenant(),
        key_id: tresor_core::KeyId::generate(),
        version: 1,
        algorithm: tresor_core::Algorithm::Aes256Gcm,
    };
    let made = p.generate(&ctx).await.unwrap();
    let kms_key = serde_json::from_slice::<serde_json::Value>(&made.handle.0).unwrap()["reference"]
        .as_str()
        .unwrap()
        .to_owned();
    p.destroy(&ctx, &made.handle).await.unwrap();
    p.destroy(&ctx, &made.handle).await.unwrap();
    // Ask moto directly what state the key is in.
    let client = tresor_aws_kms::client::Client::new(&config(&m)).unwrap();
    let d = client
        .call("DescribeKey", &serde_json::json!({"KeyId": kms_key}))
        .await
        .unwrap();
    assert_eq!(d["KeyMetadata"]["KeyState"], "PendingDeletion", "{d}");
}

#[tokio::test]
async fn registering_keys_and_unreachable_endpoints() {
    let Some(m) = moto() else { return };
    let p = AwsKmsProvider::new(&config(&m)).unwrap();
    p.health().await.unwrap();
    let ctx = tresor_core::KeyContext {
        tenant: tresor_core::TenantId::default_tenant(),
        key_id: tresor_core::KeyId::generate(),
        version: 1,
        algorithm: tresor_core::Algorithm::EcP256,
    };
    let r = p.register_existing(&ctx, "alias/nope").await;
    assert!(matches!(r, Err(ProviderError::InvalidKey(_))), "{r:?}");
    let r = p.register_existing(&ctx, "no spaces allowed").await;
    assert!(matches!(r, Err(ProviderError::InvalidInput(_))), "{r:?}");
    let made = p.generate(&ctx).await.unwrap();
    let handle: serde_json::Value = serde_json::from_slice(&made.handle.0).unwrap();
    let kms_key = handle["reference"].as_str().unwrap();
    let adopted = p.register_existing(&ctx, kms_key).await.unwrap();
    assert_eq!(adopted.public_key, made.public_key);
    // By alias, and the handle it gives works.
    let client = tresor_aws_kms::client::Client::new(&config(&m)).unwrap();
    client
        .call(
            "CreateAlias",
            &serde_json::json!({"AliasName": "alias/tresor-test", "TargetKeyId": kms_key}),
        )
        .await
        .unwrap();
    let by_alias = p
        .register_existing(&ctx, "alias/tresor-test")
        .await
        .unwrap();
    assert_eq!(by_alias.public_key, made.public_key);
    let scheme = SignScheme::Ecdsa { raw: true };
    let msg = SignInput::Message(b"registered by alias");
    let sig = p.sign(&ctx, &by_alias.handle, scheme, msg).await.unwrap();
    assert!(
        p.verify(&ctx, &made.handle, scheme, msg, &sig)
            .await
            .unwrap()
    );
    // A KMS key of another spec is refused for this algorithm.
    let p384 = tresor_core::KeyContext {
        algorithm: Algorithm::EcP384,
        ..ctx.clone()
    };
    let r = p.register_existing(&p384, kms_key).await;
    assert!(matches!(r, Err(ProviderError::InvalidKey(_))), "{r:?}");
    let mut c = config(&m);
    c.endpoint = Some("http://127.0.0.1:9".into());
    let gone = AwsKmsProvider::new(&c).unwrap();
    let r = gone.health().await;
    assert!(matches!(r, Err(ProviderError::Unavailable(_))), "{r:?}");
    // Refused credentials: tests/moto_auth.rs (moto with its checks on).
    drop(m);
}

/// The KMS encrypts at most 4 KiB; the provider says so before asking.
#[tokio::test]
async fn plaintexts_up_to_the_kms_limit() {
    let Some(m) = moto() else { return };
    let p = AwsKmsProvider::new(&config(&m)).unwrap();
    let ctx = tresor_core::KeyContext {
        tenant: tresor_core::TenantId::default_tenant(),
        key_id: tresor_core::KeyId::generate(),
        version: 1,
        algorithm: Algorithm::Aes256Gcm,
    };
    let k = p.generate(&ctx).await.unwrap();
    let largest = vec![7u8; 4095];
    let sealed = p.encrypt(&ctx, &k.handle, &largest, b"").await.unwrap();
    let opened = p
        .decrypt(&ctx, &k.handle, &sealed.nonce, &sealed.ciphertext, b"")
        .await
        .unwrap();
    assert_eq!(opened.expose(), &largest[..]);
    let r = p.encrypt(&ctx, &k.handle, &[7u8; 4096], b"").await;
    assert!(matches!(r, Err(ProviderError::InvalidInput(_))), "{r:?}");
}

#[tokio::test]
async fn rsa_pkcs1_with_moto() {
    let Some(m) = moto() else { return };
    let p = AwsKmsProvider::new(&config(&m)).unwrap();
    let ctx = tresor_core::KeyContext {
        tenant: tresor_core::TenantId::default_tenant(),
        key_id: tresor_core::KeyId::generate(),
        version: 1,
        algorithm: Algorithm::Rsa2048,
    };
    let k = p.generate(&ctx).await.unwrap();
    let spki = k.public_key.clone().unwrap();
    let scheme = SignScheme::RsaPkcs1(HashAlg::Sha256);
    let msg = SignInput::Message(b"signed by the KMS");
    let sig = p.sign(&ctx, &k.handle, scheme, msg).await.unwrap();
    assert!(p.verify(&ctx, &k.handle, scheme, msg, &sig).await.unwrap());
    let other = SignInput::Message(b"another message");
    assert!(
        !p.verify(&ctx, &k.handle, scheme, other, &sig)
            .await
            .unwrap()
    );
    // An independent verifier accepts it under the SubjectPublicKeyInfo.
    let key = aws_lc_rs::signature::ParsedPublicKey::new(
        &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
        &spki,
    )
    .unwrap();
    key.verify_sig(b"signed by the KMS", &sig).unwrap();
    let short = SignInput::Digest(&[0u8; 31]);
    assert!(matches!(
        p.sign(&ctx, &k.handle, scheme, short).await,
        Err(ProviderError::InvalidInput(_))
    ));
}
