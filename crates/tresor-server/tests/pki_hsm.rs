//! An HSM-backed CA: with the PKCS#11 provider on a SoftHSM2 token, the CA
//! keys are generated and sign (certificates and CRLs) inside the token;
//! openssl verifies the chain and the CRL. Skips (with a line) when
//! SoftHSM2 or openssl is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::softhsm::{MODULE, PIN, token_dir};

use std::path::{Path, PathBuf};
use std::process::Command;

use secrecy::SecretString;
use serde_json::json;
use tresor_core::ProviderId;
use tresor_pkcs11::Pkcs11Config;
use tresor_server::providers_config::ProvidersConfig;

use common::{Api, BOOTSTRAP_TOKEN, config_for};

const LABEL: &str = "tresor-pki";

fn openssl(args: &[&str]) -> (bool, String) {
    let o = Command::new("openssl").args(args).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

fn write(dir: &Path, name: &str, data: impl AsRef<[u8]>) -> String {
    let path = dir.join(name).to_string_lossy().into_owned();
    std::fs::write(&path, data).unwrap();
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_keys_sign_inside_softhsm() {
    if token_dir(LABEL).is_none() {
        println!("skipped: SoftHSM2 not installed (run scripts/softhsm-setup)");
        return;
    }
    if !Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        println!("skipped: the openssl CLI is not installed");
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let mut cfg = Pkcs11Config::new(
        ProviderId::parse("hsm").unwrap(),
        PathBuf::from(MODULE),
        LABEL,
        SecretString::from(PIN.to_owned()),
    );
    cfg.pool_size = 2;
    let mut config = config_for(data.path(), None);
    config.providers = ProvidersConfig {
        pkcs11: vec![cfg],
        remote: Vec::new(),
        aws_kms: Vec::new(),
        default_provider: None,
    };
    let server = tresor_server::start(config).await.expect("server start");
    let api = Api::new(&server.url(), BOOTSTRAP_TOKEN);
    let d = data.path();

    let root = api
        .post(
            "/v1/cas",
            json!({"name": "hsm-root", "algorithm": "ec-p384", "subject": "CN=HSM Root",
                   "validity_days": 3650, "provider": "hsm"}),
        )
        .await
        .ok();
    let inter = api
        .post(
            "/v1/cas",
            json!({"name": "hsm-inter", "algorithm": "rsa-2048", "subject": "CN=HSM Intermediate",
                   "validity_days": 1825, "provider": "hsm", "parent": "hsm-root", "path_len": 0}),
        )
        .await
        .ok();
    for ca in [&root, &inter] {
        assert_eq!(ca["key_provider"], "hsm", "{ca}");
    }
    let root_path = write(d, "root.pem", root["certificate"]["pem"].as_str().unwrap());
    let inter_path = write(
        d,
        "inter.pem",
        inter["certificate"]["pem"].as_str().unwrap(),
    );

    let key = d.join("leaf.key").to_string_lossy().into_owned();
    let csr = d.join("leaf.csr").to_string_lossy().into_owned();
    let (ok, out) = openssl(&[
        "req",
        "-new",
        "-nodes",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-keyout",
        &key,
        "-out",
        &csr,
        "-subj",
        "/CN=hsm.example.com",
        "-addext",
        "subjectAltName=DNS:hsm.example.com",
    ]);
    assert!(ok, "{out}");
    let issued = api
        .post(
            "/v1/cas/hsm-inter/sign",
            json!({"csr": std::fs::read_to_string(&csr).unwrap(), "profile": "server-tls"}),
        )
        .await
        .ok();
    let leaf_path = write(d, "leaf.pem", issued["certificate_pem"].as_str().unwrap());
    let (ok, out) = openssl(&[
        "verify",
        "-CAfile",
        &root_path,
        "-untrusted",
        &inter_path,
        &leaf_path,
    ]);
    assert!(ok && out.contains(": OK"), "{out}");

    // A key in the HSM never leaves it, even one created `exportable`:
    // PKCS#12 export is refused, clearly, and audited.
    let hsm_leaf = api
        .post(
            "/v1/cas/hsm-inter/issue",
            json!({"algorithm": "ec-p256", "profile": "server-tls",
                   "subject": "CN=p12.hsm.example.com", "dns": ["p12.hsm.example.com"],
                   "provider": "hsm", "exportable": true}),
        )
        .await
        .ok();
    let hsm_id = hsm_leaf["certificate"]["id"].as_str().unwrap();
    let e = api
        .post(
            &format!("/v1/certificates/{hsm_id}/pkcs12"),
            json!({"password": "a good password"}),
        )
        .await
        .err(400, "operation_not_allowed");
    assert!(e["message"].as_str().unwrap().contains("hardware"), "{e}");

    // Revocation: the CRL is signed inside the token too.
    let id = issued["certificate"]["id"].as_str().unwrap();
    api.post(
        &format!("/v1/certificates/{id}/revoke"),
        json!({"reason": "superseded"}),
    )
    .await
    .ok();
    let crl = api.get("/v1/cas/hsm-inter/crl?format=pem").await;
    let crl_path = write(d, "crl.pem", &crl.bytes);
    let (ok, out) = openssl(&["crl", "-in", &crl_path, "-noout", "-CAfile", &inter_path]);
    assert!(ok && out.contains("verify OK"), "{out}");
    let chain = write(
        d,
        "chain.pem",
        format!(
            "{}{}",
            std::fs::read_to_string(&inter_path).unwrap(),
            std::fs::read_to_string(&root_path).unwrap()
        ),
    );
    let (ok, out) = openssl(&[
        "verify",
        "-crl_check",
        "-CAfile",
        &chain,
        "-CRLfile",
        &crl_path,
        &leaf_path,
    ]);
    assert!(!ok && out.contains("revoked"), "{out}");
    server.shutdown().await;
}
