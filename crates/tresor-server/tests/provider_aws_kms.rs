//! An `aws-kms` provider registered over the admin REST API against moto
//! in server mode: keys created on it through the REST API, used for
//! encryption and signatures, held by the KMS (listed there), and a bad
//! configuration refused.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::moto::Moto;
use common::{Api, Owned};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_aws_kms_provider_serves_rest_keys() {
    let Some(moto) = Moto::start() else {
        eprintln!("TRESOR_TEST_PYTHON unset (scripts/test sets it): aws-kms test skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let server = Owned::start(&dir.path().join("data"), None).await;
    let root = server.root();
    let config = json!({"region": "eu-central-1", "endpoint": moto.url(),
                        "credentials_file": moto.credentials_file()});
    let bad = json!({"region": "eu-central-1", "secret_access_key": "inline"});
    root.post(
        "/v1/providers",
        json!({"id": "aws", "kind": "aws-kms", "config": bad}),
    )
    .await
    .err(400, "invalid_argument");
    let p = root
        .post(
            "/v1/providers",
            json!({"id": "aws", "kind": "aws-kms", "config": config}),
        )
        .await
        .ok();
    assert_eq!(
        (p["kind"].as_str(), p["health"].as_str()),
        (Some("aws-kms"), Some("up"))
    );

    root.post("/v1/tenants", json!({"id": "cloud"})).await.ok();
    let api = Api::unpooled(&server.url, &root.in_tenant("cloud").api_key("admin").await);
    let aes = api
        .create_key_with(json!({"algorithm": "aes-256-gcm", "provider": "aws"}))
        .await;
    let aes_id = aes["id"].as_str().unwrap().to_owned();
    let ct = api.encrypt(&aes_id, b"in the cloud").await;
    assert_eq!(api.decrypt(&aes_id, &ct).await, b"in the cloud");
    let ec = api
        .create_key_with(json!({"algorithm": "ec-p256", "provider": "aws"}))
        .await;
    let ec_id = ec["id"].as_str().unwrap().to_owned();
    let sig = api.sign(&ec_id, b"m").await;
    assert!(api.verify(&ec_id, b"m", &sig).await);
    // A key the provider cannot hold is refused, not placed elsewhere.
    let r = api
        .post(
            "/v1/keys",
            json!({"algorithm": "ml-kem-768", "provider": "aws"}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 400, "{}", r.text());

    // The KMS holds the two keys, tagged with the Tresor keys they serve.
    let cfg = tresor_aws_kms::AwsKmsConfig {
        id: tresor_core::ProviderId::parse("aws").unwrap(),
        region: "eu-central-1".into(),
        endpoint: Some(moto.url()),
        access_key_id_env: None,
        secret_access_key_env: None,
        session_token_env: None,
        credentials_file: Some(moto.credentials_file()),
        timeout_seconds: None,
    };
    let kms = tresor_aws_kms::client::Client::new(&cfg).unwrap();
    let listed = kms.call("ListKeys", &json!({})).await.unwrap();
    assert_eq!(listed["Keys"].as_array().unwrap().len(), 2, "{listed}");
    server.stop().await;
}
