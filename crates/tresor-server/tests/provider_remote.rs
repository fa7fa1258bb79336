//! The `remote` provider against a second Tresor: the provider conformance
//! suite, each case on a fresh remote server reached over its REST API
//! with an admin API key of a tenant of its own.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;

use common::Owned;
use serde_json::json;
use tresor_core::{Provider, ProviderId};
use tresor_provider_tests::Claims;
use tresor_remote::{RemoteConfig, RemoteProvider};

/// What keeps a case's remote server alive.
#[derive(Debug)]
pub struct Remote {
    _server: Owned,
    _dir: tempfile::TempDir,
}

/// A remote server, a tenant on it with an admin key in a token file, and
/// the provider config pointing there.
pub async fn remote_config(id: &str) -> (RemoteConfig, Remote) {
    let dir = tempfile::tempdir().unwrap();
    let server = Owned::start(&dir.path().join("remote"), None).await;
    let root = server.root();
    root.post("/v1/tenants", json!({"id": "edge"})).await.ok();
    let token = root.in_tenant("edge").api_key("admin").await;
    let token_file = dir.path().join("remote.token");
    std::fs::write(&token_file, token).unwrap();
    let config = RemoteConfig {
        id: ProviderId::parse(id).unwrap(),
        url: server.url.clone(),
        tenant: Some("edge".into()),
        token_env: None,
        token_file: Some(token_file),
        ca_file: None,
        client_cert: None,
        client_key: None,
        timeout_seconds: Some(30),
    };
    (
        config,
        Remote {
            _server: server,
            _dir: dir,
        },
    )
}

async fn subject() -> Option<(Arc<dyn Provider>, Claims, Remote)> {
    let (config, remote) = remote_config("central").await;
    let p = RemoteProvider::new(&config).unwrap();
    let mut claims = Claims::of(&p);
    for alg in p.algorithms() {
        claims = claims.with_operations(alg, p.capabilities().operations(alg));
    }
    claims.exportable = false;
    claims.importable.clear();
    claims.destroy_erases = true;
    claims.opaque_ciphertext = true;
    claims.wrap_mechanisms.clear();
    Some((Arc::new(p), claims, remote))
}

tresor_provider_tests::provider_conformance_tests!(remote, || subject());

#[tokio::test]
async fn an_unreachable_or_refusing_remote_is_unavailable() {
    let (mut config, remote) = remote_config("central").await;
    let p = RemoteProvider::new(&config).unwrap();
    p.health().await.unwrap();
    // A wrong token: the remote refuses the credentials.
    std::fs::write(config.token_file.as_ref().unwrap(), "tk_wrong").unwrap();
    let wrong = RemoteProvider::new(&config).unwrap();
    let r = wrong.health().await;
    assert!(
        matches!(r, Err(tresor_core::ProviderError::Unavailable(_))),
        "{r:?}"
    );
    // Nothing listening.
    config.url = "http://127.0.0.1:9".into();
    let gone = RemoteProvider::new(&config).unwrap();
    drop(remote);
    let r = gone.health().await;
    assert!(
        matches!(r, Err(tresor_core::ProviderError::Unavailable(_))),
        "{r:?}"
    );
}

/// mTLS only: the remote speaks HTTPS with a private CA and knows this
/// node by its client certificate (no API key).
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_remote_reached_by_client_certificate() {
    use common::test_ca::TestCa;
    use tresor_core::{Algorithm, KeyContext, KeyId, TenantId};

    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path());
    let (cert, key) = ca.issue("server", "localhost", false);
    let (client_cert, client_key) = ca.issue("edge", "edge-node", true);
    let mut c = common::config_for(&dir.path().join("remote"), None);
    c.tls_cert = Some(cert);
    c.tls_key = Some(key);
    c.tls_client_ca = Some(ca.ca_file());
    let server = tresor_server::start(c).await.unwrap();
    let ca_pem = std::fs::read(ca.ca_file()).unwrap();
    let http = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(&ca_pem).unwrap())
        .build()
        .unwrap();
    let root = common::Api {
        client: http,
        base: server.url(),
        token: Some(common::BOOTSTRAP_TOKEN.to_owned()),
        tenant: None,
        request_id: None,
    };
    root.post("/v1/tenants", json!({"id": "edge"})).await.ok();
    root.in_tenant("edge")
        .post(
            "/v1/cert-principals",
            json!({"subject_cn": "edge-node", "role": "admin"}),
        )
        .await
        .ok();
    let config = RemoteConfig {
        id: ProviderId::parse("central").unwrap(),
        url: server.url(),
        tenant: Some("edge".into()),
        token_env: None,
        token_file: None,
        ca_file: Some(ca.ca_file()),
        client_cert: Some(client_cert),
        client_key: Some(client_key),
        timeout_seconds: Some(30),
    };
    let p = RemoteProvider::new(&config).unwrap();
    p.health().await.unwrap();
    let ctx = KeyContext {
        tenant: TenantId::default_tenant(),
        key_id: KeyId::generate(),
        version: 1,
        algorithm: Algorithm::Aes256Gcm,
    };
    let k = p.generate(&ctx).await.unwrap();
    let sealed = p
        .encrypt(&ctx, &k.handle, b"over mTLS", b"aad")
        .await
        .unwrap();
    let back = p
        .decrypt(&ctx, &k.handle, &[], &sealed.ciphertext, b"aad")
        .await
        .unwrap();
    assert_eq!(back.expose(), b"over mTLS");
    // Without the client certificate the remote does not know this node.
    let anonymous = RemoteConfig {
        client_cert: None,
        client_key: None,
        token_file: Some(dir.path().join("none.token")),
        ..config
    };
    std::fs::write(dir.path().join("none.token"), "tk_not_a_key").unwrap();
    let r = RemoteProvider::new(&anonymous).unwrap().health().await;
    assert!(
        matches!(r, Err(tresor_core::ProviderError::Unavailable(_))),
        "{r:?}"
    );
    server.shutdown().await;
}
