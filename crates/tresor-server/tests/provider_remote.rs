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
