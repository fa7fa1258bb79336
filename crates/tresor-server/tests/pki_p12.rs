//! PKCS#12 export against the real server, read back by the `openssl` CLI:
//! the file opens with the password (and not with a wrong one), uses PBES2
//! with AES-256-CBC and an HMAC-SHA256 MAC, holds the chain, and its key is
//! the certificate's key. Non-exportable keys, imported certificates and
//! bad passwords are refused and audited. Skips (with a line) when
//! `openssl` is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Env;
use common::pki::*;
use serde_json::{Value, json};

const PASSWORD: &str = "correct horse battery";

async fn issue(api: &common::Api, cn: &str, alg: &str, exportable: bool) -> Value {
    api.post(
        "/v1/cas/p12-inter/issue",
        json!({"algorithm": alg, "profile": "server-tls", "subject": format!("CN={cn}"),
               "dns": [cn], "validity_days": 30, "exportable": exportable}),
    )
    .await
    .ok()
}

/// The public key (PEM) of a certificate file and of a key file.
fn pubkeys(dir: &std::path::Path, all: &str) -> (String, String) {
    let cert = p(dir, "out-cert.pem");
    let key = p(dir, "out-key.pem");
    let (ok, out) = openssl(&["x509", "-in", all, "-noout", "-pubkey", "-out", &cert]);
    assert!(ok, "{out}");
    let (ok, out) = openssl(&["pkey", "-in", all, "-pubout", "-out", &key]);
    assert!(ok, "{out}");
    (
        std::fs::read_to_string(cert).unwrap(),
        std::fs::read_to_string(key).unwrap(),
    )
}

#[tokio::test]
async fn pkcs12_export_opens_with_openssl_and_holds_key_and_chain() {
    if !have_openssl() {
        return;
    }
    let env = Env::shared();
    let (_, api) = env.tenant("pki-p12").await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    create_ca(&api, "p12-root", "ec-p384", None, &[]).await;
    create_ca(&api, "p12-inter", "rsa-2048", Some("p12-root"), &[]).await;

    for (n, alg) in ["ec-p256", "rsa-2048", "ed25519"].iter().enumerate() {
        let cn = format!("p12-{n}.example.com");
        let issued = issue(&api, &cn, alg, true).await;
        let id = issued["certificate"]["id"].as_str().unwrap();
        let r = api
            .post(
                &format!("/v1/certificates/{id}/pkcs12"),
                json!({ "password": PASSWORD }),
            )
            .await;
        assert_eq!(r.status, 200, "{alg}: {}", r.text());
        assert_eq!(r.headers["content-type"], "application/pkcs12");
        let file = write(d, &format!("{n}.p12"), &r.bytes);

        // Modern algorithms only: PBES2 / PBKDF2-SHA256 / AES-256-CBC, SHA-256 MAC.
        let pass = format!("pass:{PASSWORD}");
        let (ok, info) = openssl(&["pkcs12", "-in", &file, "-passin", &pass, "-info", "-noout"]);
        assert!(ok, "{alg}: {info}");
        assert!(info.contains("MAC: sha256"), "{info}");
        assert!(info.contains("PBES2, PBKDF2, AES-256-CBC"), "{info}");
        assert!(!info.contains("RC2") && !info.contains("3DES"), "{info}");

        let all = p(d, &format!("{n}.pem"));
        let (ok, out) = openssl(&[
            "pkcs12", "-in", &file, "-passin", &pass, "-nodes", "-out", &all,
        ]);
        assert!(ok, "{alg}: {out}");
        let text = std::fs::read_to_string(&all).unwrap();
        assert_eq!(text.matches("BEGIN CERTIFICATE").count(), 3, "{text}");
        assert_eq!(text.matches("PRIVATE KEY-----").count(), 2, "{text}");
        let (cert_pub, key_pub) = pubkeys(d, &all);
        assert_eq!(cert_pub, key_pub, "{alg}: the key is not the certificate's");
        assert!(
            text.contains(&format!("subject=CN = {cn}")) || text.contains(&format!("CN={cn}")),
            "{text}"
        );
        assert!(text.contains("Tresor p12-inter") && text.contains("Tresor p12-root"));

        // A wrong password opens nothing.
        let (ok, out) = openssl(&[
            "pkcs12",
            "-in",
            &file,
            "-passin",
            "pass:wrong password",
            "-nodes",
            "-noout",
        ]);
        assert!(!ok, "{out}");
    }

    // Refusals, each audited as denied or failed, nothing exported.
    let kept = issue(&api, "kept.example.com", "ec-p256", false).await;
    let kept_id = kept["certificate"]["id"].as_str().unwrap();
    let url = format!("/v1/certificates/{kept_id}/pkcs12");
    let e = api
        .post(&url, json!({ "password": PASSWORD }))
        .await
        .err(400, "operation_not_allowed");
    assert!(e["message"].as_str().unwrap().contains("export"), "{e}");
    api.post(&url, json!({ "password": "short" }))
        .await
        .err(400, "invalid_argument");
    api.post(&url, json!({ "password": PASSWORD, "extra": 1 }))
        .await
        .err(400, "invalid_json");
    let root_pem = api.get("/v1/cas/p12-root/certificate").await.text();
    let imported = api
        .post("/v1/certificates/import", json!({ "pem": root_pem }))
        .await
        .ok();
    let imp_id = imported["certificates"][0]["id"].as_str().unwrap();
    api.post(
        &format!("/v1/certificates/{imp_id}/pkcs12"),
        json!({ "password": PASSWORD }),
    )
    .await
    .err(400, "invalid_argument");
    api.post(
        "/v1/certificates/00000000-0000-7000-8000-000000000000/pkcs12",
        json!({ "password": PASSWORD }),
    )
    .await
    .err(404, "certificate_not_found");
    let ro = api.as_token(&api.api_key("readonly").await);
    ro.post(&url, json!({ "password": PASSWORD }))
        .await
        .err(403, "forbidden");

    let audit: Vec<Value> = api
        .audit()
        .await
        .into_iter()
        .filter(|r| r["action"] == "cert.export_pkcs12")
        .collect();
    let ok = audit.iter().filter(|r| r["outcome"] == "success").count();
    assert_eq!(ok, 3, "{audit:?}");
    assert!(audit.len() >= 8, "{audit:?}");
    // The password is in no audit record.
    let all = serde_json::to_string(&api.audit().await).unwrap();
    assert!(!all.contains(PASSWORD));
}
