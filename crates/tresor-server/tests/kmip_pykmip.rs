//! PyKMIP (PyPI `pykmip`, its `ProxyKmipClient`) as a real third-party
//! client of the KMIP listener, over TLS with a client certificate mapped
//! through `POST /v1/cert-principals`, in KMIP 1.2 and 2.0: create, create
//! key pair, register, get, get attributes, get attribute list, locate,
//! activate, encrypt/decrypt, sign/verify, MAC, revoke, destroy.
//! `tests/py/pykmip_client.py` runs the scenario and reports each step.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::test_ca::TestCa;
use common::{Api, BOOTSTRAP_TOKEN, config_for};
use serde_json::{Value, json};

/// Runs the scenario in `version`; its steps by name.
fn run_pykmip(python: &Path, dir: &Path, port: u16, version: &str) -> BTreeMap<String, Value> {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/py/pykmip_client.py");
    let out = Command::new(python)
        .arg(script)
        .args(["127.0.0.1", &port.to_string()])
        .args([
            dir.join("pykmip.pem"),
            dir.join("pykmip.key"),
            dir.join("ca.pem"),
        ])
        .arg(version)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "pykmip {version} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|_| panic!("{l}"));
            (v["step"].as_str().unwrap().to_owned(), v)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn pykmip_drives_the_kmip_listener() {
    let Some(python) = std::env::var_os("TRESOR_TEST_PYTHON").map(PathBuf::from) else {
        eprintln!("TRESOR_TEST_PYTHON unset (scripts/test sets it): PyKMIP test skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let ca = TestCa::new(dir.path());
    let (cert, key) = ca.issue("server", "localhost", false);
    ca.issue("pykmip", "pykmip-client", true);
    let mut c = config_for(&dir.path().join("data"), None);
    c.kmip_listen = Some("127.0.0.1:0".parse().unwrap());
    c.kmip_tls_cert = Some(cert);
    c.kmip_tls_key = Some(key);
    c.kmip_client_ca = Some(ca.ca_file());
    let server = tresor_server::start(c).await.unwrap();
    let api = Api::unpooled(&server.url(), BOOTSTRAP_TOKEN);
    api.post(
        "/v1/cert-principals",
        json!({"subject_cn": "pykmip-client", "role": "admin"}),
    )
    .await
    .ok();
    let port = server.kmip_addr.unwrap().port();

    for version in ["1.2", "2.0"] {
        let python = python.clone();
        let steps = tokio::task::spawn_blocking({
            let dir = dir.path().to_owned();
            move || run_pykmip(&python, &dir, port, version)
        })
        .await
        .unwrap();
        let failed: Vec<_> = steps.values().filter(|s| s["ok"] != true).collect();
        // A destroyed key can no longer be fetched: that step must fail.
        let unexpected: Vec<_> = failed
            .iter()
            .filter(|s| s["step"] != "get_destroyed" && s["step"] != "check_sign")
            .collect();
        assert!(unexpected.is_empty(), "KMIP {version}: {unexpected:#?}");
        assert_eq!(steps["get_destroyed"]["ok"], false, "{version}");
        // Check: the AES key may encrypt, not sign.
        assert_eq!(
            steps["check"]["value"], steps["create"]["value"],
            "{version}"
        );
        assert_eq!(steps["check_sign"]["ok"], false, "{version}");
        // Re-key: a new object.
        assert!(steps["rekey"]["value"].is_string(), "{version}");
        assert_ne!(
            steps["rekey"]["value"], steps["create"]["value"],
            "{version}"
        );
        assert_eq!(
            steps["get_registered_public_key"]["value"], true,
            "{version}"
        );
        assert_eq!(steps["decrypt"]["value"], "attack at dawn", "{version}");
        assert_eq!(steps["signature_verify"]["value"], "VALID", "{version}");
        assert_eq!(
            steps["signature_verify_tampered"]["value"], "INVALID",
            "{version}"
        );
        let located = steps["locate"]["value"].as_array().unwrap();
        assert_eq!(located.len(), 1, "{version}: {located:?}");
        assert_eq!(located[0], steps["create"]["value"], "{version}");
        assert_eq!(
            steps["get_registered"]["value"], "000102030405060708090a0b0c0d0e0f",
            "{version}"
        );
        assert_eq!(steps["mac"]["value"].as_str().unwrap().len(), 64);
        let pubkey = &steps["get_public_key"]["value"];
        assert_eq!(pubkey["type"], "PublicKey", "{version}");
        assert_eq!(pubkey["length"], 2048, "{version}");
    }

    // Every call went through the service layer and was audited under the
    // certificate's principal.
    let audit = api.audit_all().await;
    for action in [
        "key.create",
        "crypto.encrypt",
        "crypto.sign",
        "crypto.mac",
        "key.import",
        "key.export",
        "key.destroy",
        "key.replace",
    ] {
        assert!(
            audit.iter().any(|r| r["action"] == action
                && r["principal"]
                    .as_str()
                    .unwrap_or("")
                    .contains("pykmip-client")),
            "{action} by pykmip-client not audited"
        );
    }
    server.shutdown().await;
}
