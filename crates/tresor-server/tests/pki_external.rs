//! An issuing CA signed by an external CA: a Tresor key's CSR goes out,
//! an openssl root signs it, `POST /v1/cas/import` makes it a Tresor CA,
//! and what it issues verifies with openssl up to the external root.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Env;
use common::pki::{have_openssl, openssl, p, write};
use serde_json::json;

#[tokio::test]
async fn an_externally_signed_intermediate_issues_verifiable_certificates() {
    if !have_openssl() {
        return;
    }
    let env = Env::shared();
    let (_, api) = env.tenant("pki-ext").await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    // The external root (openssl).
    let (ok, out) = openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &p(d, "ext.key"),
        "-out",
        &p(d, "ext.pem"),
        "-subj",
        "/CN=External Root",
        "-days",
        "30",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    assert!(ok, "{out}");

    // The Tresor key and its CSR, signed by the external root as a CA.
    let k = api
        .create_key_with(json!({ "algorithm": "ec-p256", "operations": ["sign", "verify"] }))
        .await;
    let key = k["id"].as_str().unwrap().to_owned();
    let csr = api
        .post(
            &format!("/v1/keys/{key}/csr"),
            json!({ "subject": "CN=Tresor Issuing,O=Example" }),
        )
        .await
        .ok();
    let csr_path = write(d, "inter.csr", csr["csr"].as_str().unwrap());
    let ext = write(
        d,
        "ca.cnf",
        "basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n",
    );
    let (ok, out) = openssl(&[
        "x509",
        "-req",
        "-in",
        &csr_path,
        "-CA",
        &p(d, "ext.pem"),
        "-CAkey",
        &p(d, "ext.key"),
        "-CAcreateserial",
        "-out",
        &p(d, "inter.pem"),
        "-days",
        "30",
        "-extfile",
        &ext,
    ]);
    assert!(ok, "{out}");
    let inter_pem = std::fs::read_to_string(p(d, "inter.pem")).unwrap();

    // Refusals first: wrong key, not a CA, bad PEM; nothing is created.
    let other = api.create_key("ec-p256").await;
    api.post(
        "/v1/cas/import",
        json!({ "name": "ext", "key": other, "certificate_pem": inter_pem }),
    )
    .await
    .err(400, "invalid_argument");
    let ext_root = std::fs::read_to_string(p(d, "ext.pem")).unwrap();
    api.post(
        "/v1/cas/import",
        json!({ "name": "ext", "key": key, "certificate_pem": "garbage" }),
    )
    .await
    .err(400, "invalid_argument");
    api.post(
        "/v1/cas/import",
        json!({ "name": "ext", "key": key, "certificate_pem": ext_root }),
    )
    .await
    .err(400, "invalid_argument");
    api.get("/v1/cas/ext").await.err(404, "ca_not_found");

    let r = api
        .post(
            "/v1/cas/import",
            json!({ "name": "ext", "key": key, "certificate_pem": inter_pem }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text());
    api.post(
        "/v1/cas/import",
        json!({ "name": "ext", "key": key, "certificate_pem": inter_pem }),
    )
    .await
    .err(409, "already_exists");

    // It issues; openssl verifies up to the external root.
    let issued = api
        .post(
            "/v1/cas/ext/issue",
            json!({ "algorithm": "ec-p256", "profile": "server-tls", "subject": "CN=web.example.com",
                    "dns": ["web.example.com"], "validity_days": 10 }),
        )
        .await
        .ok();
    let leaf = write(d, "leaf.pem", issued["certificate_pem"].as_str().unwrap());
    let (ok, out) = openssl(&[
        "verify",
        "-CAfile",
        &p(d, "ext.pem"),
        "-untrusted",
        &p(d, "inter.pem"),
        &leaf,
    ]);
    assert!(ok && out.contains("OK"), "{out}");
    // Its CRL is signed by the imported CA's key.
    let crl = api.get("/v1/cas/ext/crl").await;
    let crl_path = write(d, "crl.der", &crl.bytes);
    let (ok, out) = openssl(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        &crl_path,
        "-noout",
        "-CAfile",
        &p(d, "inter.pem"),
    ]);
    assert!(ok && out.contains("verify OK"), "{out}");
}
