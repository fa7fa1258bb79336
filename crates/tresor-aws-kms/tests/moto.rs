//! The aws-kms provider against moto in server mode (PyPI `moto[server]`,
//! installed by `scripts/test` into the venv of `TRESOR_TEST_PYTHON`): the
//! provider conformance suite, each case on a fresh moto process; and the
//! failures a real deployment meets (unreachable endpoint, unknown key).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tresor_aws_kms::{AwsKmsConfig, AwsKmsProvider};
use tresor_core::{Algorithm, HashAlg, Provider, ProviderError, ProviderId, SignInput, SignScheme};
use tresor_provider_tests::Claims;

/// A moto server and the directory of its credentials file; killed on drop.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    pub port: u16,
    dir: std::path::PathBuf,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts moto, or `None` (with a message) when no test Python is set.
fn moto() -> Option<Moto> {
    let Some(python) = std::env::var_os("TRESOR_TEST_PYTHON") else {
        eprintln!("TRESOR_TEST_PYTHON unset (scripts/test sets it): moto tests skipped");
        return None;
    };
    let port = free_port();
    let child = Command::new(python)
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto (pip install 'moto[server]')");
    let dir = std::env::temp_dir().join(format!("tresor-moto-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("credentials.json"),
        r#"{"access_key_id": "AKIDTESTING", "secret_access_key": "testing-secret"}"#,
    )
    .unwrap();
    let m = Moto { child, port, dir };
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "moto did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(m)
}

fn config(m: &Moto) -> AwsKmsConfig {
    AwsKmsConfig {
        id: ProviderId::parse("aws").unwrap(),
        region: "eu-central-1".into(),
        endpoint: Some(format!("http://127.0.0.1:{}", m.port)),
        access_key_id_env: None,
        secret_access_key_env: None,
        session_token_env: None,
        credentials_file: Some(m.dir.join("credentials.json")),
        timeout_seconds: Some(30),
    }
}

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
async fn unreachable_endpoints_and_unknown_keys() {
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
    assert!(matches!(r, Err(ProviderError::Crypto)), "{r:?}");
    let made = p.generate(&ctx).await.unwrap();
    let handle: serde_json::Value = serde_json::from_slice(&made.handle.0).unwrap();
    let kms_key = handle["reference"].as_str().unwrap();
    let adopted = p.register_existing(&ctx, kms_key).await.unwrap();
    assert_eq!(adopted.public_key, made.public_key);
    let mut c = config(&m);
    c.endpoint = Some("http://127.0.0.1:9".into());
    let gone = AwsKmsProvider::new(&c).unwrap();
    let r = gone.health().await;
    assert!(matches!(r, Err(ProviderError::Unavailable(_))), "{r:?}");
    // Credentials the KMS does not know: moto accepts any, so only the
    // shape of the refusal is checked in the client's unit tests.
    drop(m);
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
