//! python-barbicanclient (PyPI, the OpenStack client) as a real third-party
//! client of the Barbican-compatible API under `/barbican`: secrets of
//! every type with text and binary payloads, two-step create, listing
//! filters, metadata, containers of each type and their members, key,
//! asymmetric and certificate orders, ACLs granting a read-only principal,
//! consumers and forced delete, secret stores, quotas, the `barbican` CLI
//! (through the Keystone token shim), and isolation from another project. `tests/py/barbican_client.py` runs the scenario and
//! reports each step; afterwards no payload is found in the data dir.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::pki::{EC256, create_ca, have_openssl, openssl_csr};
use common::{Api, Owned};
use serde_json::{Value, json};

fn run_client(python: &Path, endpoint: &str, cfg: &Value) -> BTreeMap<String, Value> {
    let script =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/py/barbican_client.py");
    let out = Command::new(python)
        .arg(script)
        .arg(endpoint)
        .arg(cfg.to_string())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "barbican client failed:\n{stdout}\n{}",
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

/// A new API key of `role` in the client's tenant: (token, principal).
async fn key_with_principal(api: &Api, role: &str) -> (String, String) {
    let r = api
        .post(
            "/v1/api-keys",
            json!({"name": common::unique(role), "role": role}),
        )
        .await
        .ok();
    let id = r["api_key"]["id"].as_str().unwrap();
    (
        r["token"].as_str().unwrap().to_owned(),
        format!("api-key:{id}"),
    )
}

/// Every file under `dir`, recursively.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(files(&p));
        } else {
            out.push(p);
        }
    }
    out
}

fn ok<'a>(steps: &'a BTreeMap<String, Value>, name: &str) -> &'a Value {
    let s = steps
        .get(name)
        .unwrap_or_else(|| panic!("step {name} missing"));
    assert_eq!(s["ok"], true, "{name}: {s}");
    &s["value"]
}

fn failed(steps: &BTreeMap<String, Value>, name: &str, status: u16) {
    let s = &steps[name];
    assert_eq!(s["ok"], false, "{name} should fail: {s}");
    assert_eq!(s["status"], status, "{name}: {s}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn python_barbicanclient_drives_the_barbican_api() {
    let Some(python) = std::env::var_os("TRESOR_TEST_PYTHON").map(PathBuf::from) else {
        eprintln!("TRESOR_TEST_PYTHON unset (scripts/test sets it): Barbican test skipped");
        return;
    };
    assert!(
        have_openssl(),
        "openssl is needed for the certificate order"
    );
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let server = Owned::start(&data, None).await;
    let root = server.root();
    for t in ["proj-a", "proj-b"] {
        root.post("/v1/tenants", json!({"id": t})).await.ok();
    }
    let a_admin = Api::unpooled(
        &server.url,
        &root.in_tenant("proj-a").api_key("admin").await,
    );
    let (token, _) = key_with_principal(&a_admin, "user").await;
    let (reader_token, reader_principal) = key_with_principal(&a_admin, "readonly").await;
    let other_token = root.in_tenant("proj-b").api_key("user").await;
    create_ca(&a_admin, "apps", "ec-p256", None, &["example.com"]).await;
    let (_, csr) = openssl_csr(
        dir.path(),
        "app",
        EC256,
        "/CN=app.example.com",
        &["subjectAltName=DNS:app.example.com"],
    );
    let cfg = json!({
        "project": "proj-a", "token": token,
        "reader_token": reader_token, "reader_principal": reader_principal,
        "other_project": "proj-b", "other_token": other_token,
        "admin_token": server.token, "ca": "apps", "csr": csr,
    });
    let endpoint = format!("{}/barbican", server.url);
    let steps = tokio::task::spawn_blocking({
        let python = python.clone();
        move || run_client(&python, &endpoint, &cfg)
    })
    .await
    .unwrap();

    assert_eq!(ok(&steps, "microversion"), "1.2");
    for kind in [
        "symmetric",
        "public",
        "private",
        "passphrase",
        "certificate",
        "opaque",
    ] {
        let v = ok(&steps, &format!("store_{kind}"));
        assert_eq!(v["type"], kind);
        assert_eq!(v["status"], "ACTIVE");
    }
    assert_eq!(
        ok(&steps, "store_passphrase")["content_types"]["default"],
        "text/plain"
    );
    assert_eq!(
        ok(&steps, "store_opaque")["content_types"]["default"],
        "application/octet-stream"
    );
    let two = ok(&steps, "two_step");
    assert_eq!(two["before"], Value::Null, "{two}");
    assert_eq!(two["after"]["default"], "application/octet-stream");
    assert_eq!(two["payload"], "bGF0ZXIgcGF5bG9hZCAAAQ==");

    let list = ok(&steps, "list");
    assert_eq!(list["all"], 7, "{list}");
    assert_eq!(list["named"], json!(["s-symmetric"]));
    assert_eq!(list["by_alg"], json!(["s-symmetric"]));
    assert_eq!(list["by_type"], json!(["s-passphrase"]));
    assert_eq!(
        list["sorted"],
        json!(["two-step", "s-symmetric", "s-public"])
    );
    assert_eq!(list["paged"], 2);
    assert_eq!(list["created"], 7);

    let meta = ok(&steps, "metadata");
    assert_eq!(meta["one"], json!({"key": "owner", "value": "alice"}));
    assert_eq!(
        meta["all"],
        json!({"metadata": {"owner": "alice", "team": "ops"}})
    );

    let c = ok(&steps, "containers");
    assert_eq!(c["generic"], json!(["a", "b"]));
    assert_eq!(c["rsa"], true);
    assert_eq!(c["certificate"], true);
    assert_eq!(c["listed"], 3);
    assert_eq!(c["rsa_only"], json!(["rsa"]));
    let m = ok(&steps, "container_members");
    assert_eq!(
        (m["add"].as_u64(), m["remove"].as_u64()),
        (Some(201), Some(204))
    );
    assert_eq!(m["members"], json!(["b", "c"]));

    let k = ok(&steps, "order_key");
    assert_eq!(
        (k["status"].as_str(), k["bits"].as_u64(), k["len"].as_u64()),
        (Some("ACTIVE"), Some(256), Some(32))
    );
    let pair = ok(&steps, "order_rsa");
    assert_eq!(pair["status"], "ACTIVE");
    assert_eq!(pair["private"], "-----BEGIN PRIVATE KEY-----");
    assert_eq!(pair["public"], "-----BEGIN PUBLIC KEY-----");
    assert_eq!(pair["orders"], 2);
    failed(&steps, "order_bad", 400);
    let cert = ok(&steps, "order_certificate");
    assert_eq!(cert["status"], "ACTIVE", "{cert}");
    assert_eq!(cert["cert"], "-----BEGIN CERTIFICATE-----");

    // The read-only principal reads only while the ACL names it.
    failed(&steps, "reader_before_acl", 403);
    let acl = ok(&steps, "acl_set");
    assert_eq!(acl["users"], json!([reader_principal]));
    assert_eq!(acl["project_access"], false);
    assert_eq!(ok(&steps, "reader_after_acl"), "00010203");
    assert_eq!(ok(&steps, "acl_delete")["project_access"], true);
    failed(&steps, "reader_after_acl_delete", 403);

    let cons = ok(&steps, "consumers");
    assert_eq!(cons["listed"], json!([["lbaas", "listener", "l-1"]]));
    assert_eq!(
        (cons["on_secret"].as_u64(), cons["container"].as_u64()),
        (Some(1), Some(1))
    );
    failed(&steps, "delete_in_use", 409);
    assert_eq!(ok(&steps, "delete_forced"), 404);
    assert_eq!(ok(&steps, "remove_consumer"), 0);

    let stores = ok(&steps, "secret_stores");
    assert_eq!(stores["total"], 1, "{stores}");
    assert_eq!(stores["default"], true);

    let q = ok(&steps, "quotas");
    assert_eq!(q["put"], 204, "{q}");
    assert_eq!(q["read"]["containers"], 3);
    assert_eq!(q["mine"]["containers"], 3);
    assert_eq!(q["mine"]["orders"], -1);
    assert_eq!(q["blocked"], 403, "{q}");
    assert_eq!(q["user_put"], 403);
    assert_eq!(q["deleted"], 204);
    assert_eq!(q["after"], 201);

    let cli = ok(&steps, "cli");
    assert_eq!(cli["payload"], "cli payload", "{cli}");
    assert_eq!(cli["listed"], "from-cli");

    failed(&steps, "other_read", 404);
    assert_eq!(ok(&steps, "other_list"), 0);
    assert_eq!(ok(&steps, "other_containers"), 0);
    failed(&steps, "other_as_project", 403);
    assert_eq!(ok(&steps, "delete"), 0);

    // Every call was audited under the caller's principal, in its tenant.
    let audit = a_admin.audit_all().await;
    for action in [
        "secret.put",
        "secret.get",
        "container.create",
        "order.create",
        "acl.set",
        "consumer.register",
        "secret.delete",
    ] {
        assert!(
            audit.iter().any(|r| r["action"] == action),
            "{action} not audited"
        );
    }
    server.stop().await;

    // No payload is stored or logged in the clear.
    for f in files(&data) {
        let bytes = std::fs::read(&f).unwrap();
        for needle in [&b"correct horse battery staple"[..], b"later payload"] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle),
                "{} holds a payload",
                f.display()
            );
        }
    }
}
