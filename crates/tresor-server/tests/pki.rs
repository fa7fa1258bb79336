//! PKI end to end against the real server, checked by the `openssl` CLI:
//! a root -> intermediate -> leaf chain verifies, CSRs made for Tresor keys
//! verify, the CRL parses and `verify -crl_check` rejects a revoked
//! certificate, profiles refuse bad CSRs (nothing issued, denial audited),
//! imports and trust anchors. TLS and OCSP are in `pki_tls.rs`. Skips (with
//! a line) when `openssl` is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Env;
use common::pki::*;
use serde_json::{Value, json};

#[tokio::test]
async fn root_intermediate_leaf_chain_verifies_with_openssl() {
    if !have_openssl() {
        return;
    }
    let env = Env::shared();
    let (_, api) = env.tenant("pki-chain").await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = create_ca(&api, "root", "ec-p384", None, &[]).await;
    assert_eq!(root["certificate"]["is_ca"], true);
    let inter = create_ca(&api, "inter", "rsa-2048", Some("root"), &["example.com"]).await;
    assert_eq!(inter["ca"]["parent"], "root");
    assert_eq!(inter["key_provider"], "software");
    // The CA key signs only through the CA: the key API cannot reach it, so
    // no arbitrary data (a forged certificate) can be signed with it.
    let ca_key = root["ca"]["key_id"].as_str().unwrap();
    api.get(&format!("/v1/keys/{ca_key}"))
        .await
        .err(404, "key_not_found");
    api.post(
        &format!("/v1/keys/{ca_key}/sign"),
        json!({"message": "AAAA"}),
    )
    .await
    .err(404, "key_not_found");
    assert_eq!(inter["chain_pem"], root["certificate"]["pem"]);

    // The intermediate has pathlen 0: no CA below it, by either route.
    let r = api
        .post(
            "/v1/cas",
            json!({"name": "sub", "algorithm": "ec-p256", "subject": "CN=sub",
                   "validity_days": 10, "parent": "inter", "path_len": 0}),
        )
        .await;
    let e = r.err(400, "profile_violation");
    assert!(
        e["message"].as_str().unwrap().contains("path length 0"),
        "{e}"
    );
    let (_, sub_csr) = openssl_csr(
        d,
        "sub",
        EC256,
        "/CN=sub",
        &["basicConstraints=critical,CA:TRUE"],
    );
    sign(&api, "inter", &sub_csr, "ca")
        .await
        .err(400, "profile_violation");
    api.get("/v1/cas/sub").await.err(404, "ca_not_found");

    let root_pem = api.get("/v1/cas/root/certificate").await;
    assert_eq!(
        root_pem.headers["content-type"], "application/x-pem-file",
        "{root_pem:?}"
    );
    let root_path = write(d, "root.pem", &root_pem.bytes);
    let der = api.get("/v1/cas/inter/certificate?format=der").await;
    assert_eq!(der.bytes[0], 0x30);
    let inter_path = write(d, "inter.der", &der.bytes);
    let (ok, out) = openssl(&[
        "x509",
        "-inform",
        "DER",
        "-in",
        &inter_path,
        "-noout",
        "-text",
    ]);
    assert!(
        ok && out.contains("pathlen:0") && out.contains("Permitted"),
        "{out}"
    );
    let inter_path = write(
        d,
        "inter.pem",
        inter["certificate"]["pem"].as_str().unwrap(),
    );

    let (_, csr) = openssl_csr(
        d,
        "leaf",
        EC256,
        "/CN=api.example.com",
        &["subjectAltName=DNS:api.example.com,DNS:www.example.com,IP:10.1.2.3"],
    );
    let issued = sign(&api, "inter", &csr, "server-tls").await.ok();
    let leaf = &issued["certificate"];
    assert_eq!(leaf["ca"], "inter");
    assert_eq!(leaf["origin"], "issued");
    assert!(
        leaf["sans"]
            .as_array()
            .unwrap()
            .contains(&json!("ip:10.1.2.3"))
    );
    let leaf_path = write(d, "leaf.pem", issued["certificate_pem"].as_str().unwrap());
    // The chain is the intermediate then the root.
    let chain = issued["chain_pem"].as_str().unwrap();
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 2);

    let (ok, out) = openssl(&[
        "verify",
        "-CAfile",
        &root_path,
        "-untrusted",
        &inter_path,
        "-purpose",
        "sslserver",
        &leaf_path,
    ]);
    assert!(ok && out.contains(": OK"), "openssl verify: {out}");
    // Without the intermediate the chain does not verify.
    let (ok, _) = openssl(&["verify", "-CAfile", &root_path, &leaf_path]);
    assert!(!ok);
    let (ok, out) = openssl(&["x509", "-in", &leaf_path, "-noout", "-text"]);
    assert!(ok && out.contains("TLS Web Server Authentication"), "{out}");

    // The store finds it by subject, SAN, serial, issuer, CA and expiry.
    let serial = leaf["serial"].as_str().unwrap();
    for q in [
        "subject=API.EXAMPLE".to_string(),
        "san=www.example".into(),
        format!("serial={serial}"),
        "issuer=tresor%20inter".into(),
        "ca=inter".into(),
        "expiring_within_days=400".into(),
    ] {
        let r = api.get(&format!("/v1/certificates?{q}")).await.ok();
        let ids: Vec<&Value> = r["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["id"])
            .collect();
        assert!(ids.contains(&&leaf["id"]), "{q}: {r}");
    }
    let r = api
        .get("/v1/certificates?expiring_within_days=30")
        .await
        .ok();
    assert!(r["certificates"].as_array().unwrap().is_empty(), "{r}");
    let id = leaf["id"].as_str().unwrap();
    let bundle = api
        .get(&format!("/v1/certificates/{id}/export?format=chain"))
        .await;
    assert_eq!(bundle.text().matches("BEGIN CERTIFICATE").count(), 3);
    let der = api
        .get(&format!("/v1/certificates/{id}/export?format=der"))
        .await;
    assert_eq!(der.bytes[0], 0x30);

    // Another tenant sees none of it.
    let (_, other) = env.tenant("pki-other").await;
    other
        .get(&format!("/v1/certificates/{id}"))
        .await
        .err(404, "certificate_not_found");
    other.get("/v1/cas/root").await.err(404, "ca_not_found");
    let cas = other.get("/v1/cas").await.ok();
    assert!(cas["cas"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn csrs_for_tresor_keys_verify_with_openssl() {
    if !have_openssl() {
        return;
    }
    let env = Env::shared();
    let (_, api) = env.tenant("pki-csr").await;
    let dir = tempfile::tempdir().unwrap();
    for alg in ["rsa-2048", "ec-p256", "ec-p384", "ed25519"] {
        let k = api
            .create_key_with(json!({ "algorithm": alg, "operations": ["sign", "verify"] }))
            .await;
        let key = k["id"].as_str().unwrap().to_owned();
        let r = api
            .post(
                &format!("/v1/keys/{key}/csr"),
                json!({
                    "subject": "CN=svc.example.com,O=Example,C=DE",
                    "dns": ["svc.example.com"], "ip": ["192.0.2.7"],
                    "email": ["ops@example.com"], "uri": ["spiffe://example/svc"],
                    "key_usages": ["digital-signature"], "ext_key_usages": ["server-auth", "client-auth"],
                }),
            )
            .await
            .ok();
        let path = write(
            dir.path(),
            &format!("{alg}.csr"),
            r["csr"].as_str().unwrap(),
        );
        let (ok, out) = openssl(&["req", "-in", &path, "-verify", "-noout", "-text"]);
        assert!(ok, "{alg}: {out}");
        assert!(
            out.contains("verify OK")
                || out.contains("Certificate request self-signature verify OK"),
            "{alg}: {out}"
        );
        assert!(
            out.contains("spiffe://example/svc") && out.contains("192.0.2.7"),
            "{alg}: {out}"
        );
        // The CSR's public key is the key's.
        let (ok, pubout) = openssl(&["req", "-in", &path, "-pubkey", "-noout"]);
        assert!(ok);
        let want = api.public_pem(&key).await.replace("\r\n", "\n");
        assert_eq!(pubout.trim(), want.trim(), "{alg}");

        // A self-signed certificate for the same key, stored with it.
        let ss = api
            .post(
                &format!("/v1/keys/{key}/self-signed"),
                json!({ "subject": format!("CN=self {alg}"), "validity_days": 30, "is_ca": true }),
            )
            .await
            .ok();
        assert_eq!(ss["certificate"]["key_id"], key.as_str());
        let cert = write(
            dir.path(),
            &format!("{alg}.pem"),
            ss["certificate_pem"].as_str().unwrap(),
        );
        let (ok, out) = openssl(&["verify", "-CAfile", &cert, &cert]);
        assert!(ok, "{alg} self-signed: {out}");
    }
    // Symmetric keys cannot sign certificates; bad names are refused.
    let aes = api.create_key("aes-256-gcm").await;
    let r = api
        .post(&format!("/v1/keys/{aes}/csr"), json!({ "subject": "CN=x" }))
        .await;
    assert!(r.status.is_client_error(), "{r:?}");
    let ec = api.create_key("ec-p256").await;
    api.post(&format!("/v1/keys/{ec}/csr"), json!({ "subject": "XX=1" }))
        .await
        .err(400, "invalid_argument");
    api.post(
        &format!("/v1/keys/{ec}/csr"),
        json!({ "subject": "CN=x", "dns": ["bad name"] }),
    )
    .await
    .err(400, "invalid_argument");
}

#[tokio::test]
async fn revocation_updates_the_crl_and_openssl_rejects_the_certificate() {
    if !have_openssl() {
        return;
    }
    let env = Env::shared();
    let (_, api) = env.tenant("pki-crl").await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = create_ca(&api, "root", "ec-p256", None, &[]).await;
    let root_path = write(d, "root.pem", root["certificate"]["pem"].as_str().unwrap());
    // Generate-and-issue: the key is made in Tresor.
    let issued = api
        .post(
            "/v1/cas/root/issue",
            json!({ "algorithm": "ec-p256", "profile": "client-tls", "subject": "CN=client-1",
                    "email": ["client-1@example.com"], "validity_days": 90 }),
        )
        .await
        .ok();
    let key_id = issued["key_id"].as_str().unwrap();
    assert_eq!(issued["certificate"]["key_id"], key_id);
    api.get(&format!("/v1/keys/{key_id}")).await.ok();
    let leaf_path = write(d, "leaf.pem", issued["certificate_pem"].as_str().unwrap());

    let crl1 = api.get("/v1/cas/root/crl").await;
    assert_eq!(crl1.headers["content-type"], "application/pkix-crl");
    let crl1_path = write(d, "crl1.der", &crl1.bytes);
    let (ok, out) = openssl(&[
        "crl", "-inform", "DER", "-in", &crl1_path, "-noout", "-text", "-CAfile", &root_path,
    ]);
    assert!(
        ok && out.contains("No Revoked Certificates") && out.contains("verify OK"),
        "{out}"
    );
    let crl1_pem = write(
        d,
        "crl1.pem",
        api.get("/v1/cas/root/crl?format=pem").await.bytes,
    );
    let (ok, out) = openssl(&[
        "verify",
        "-crl_check",
        "-CAfile",
        &root_path,
        "-CRLfile",
        &crl1_pem,
        &leaf_path,
    ]);
    assert!(ok, "before revocation: {out}");

    let id = issued["certificate"]["id"].as_str().unwrap();
    api.post(
        &format!("/v1/certificates/{id}/revoke"),
        json!({ "reason": "bogus" }),
    )
    .await
    .err(400, "invalid_argument");
    let revoked = api
        .post(
            &format!("/v1/certificates/{id}/revoke"),
            json!({ "reason": "key-compromise" }),
        )
        .await
        .ok();
    assert_eq!(revoked["revocation_reason"], "key-compromise");
    api.post(
        &format!("/v1/certificates/{id}/revoke"),
        json!({ "reason": "superseded" }),
    )
    .await
    .err(409, "already_revoked");

    let crl2 = api
        .client
        .get(format!("{}/v1/cas/root/crl", api.base))
        .bearer_auth(api.token.as_deref().unwrap())
        .header("Accept", "application/x-pem-file")
        .send()
        .await
        .unwrap();
    assert_eq!(crl2.status(), 200);
    let text = crl2.text().await.unwrap();
    assert!(text.starts_with("-----BEGIN X509 CRL-----"), "{text}");
    let crl2_path = write(d, "crl2.pem", &text);
    let (ok, out) = openssl(&[
        "crl", "-in", &crl2_path, "-noout", "-text", "-CAfile", &root_path,
    ]);
    let serial = issued["certificate"]["serial"]
        .as_str()
        .unwrap()
        .to_uppercase();
    assert!(
        ok && out.contains(&serial) && out.contains("Key Compromise"),
        "{out}"
    );
    let (ok, out) = openssl(&[
        "verify",
        "-crl_check",
        "-CAfile",
        &root_path,
        "-CRLfile",
        &crl2_path,
        &leaf_path,
    ]);
    assert!(!ok && out.contains("revoked"), "after revocation: {out}");

    let ca = api.get("/v1/cas/root").await.ok();
    assert_eq!(ca["ca"]["crl_number"], 2);
    let r = api.get("/v1/certificates?revoked=true").await.ok();
    assert_eq!(r["certificates"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn profiles_refuse_bad_csrs_and_audit_the_denial() {
    if !have_openssl() {
        return;
    }
    let env = Env::shared();
    let (_, api) = env.tenant("pki-profile").await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    create_ca(&api, "ca", "ec-p256", None, &["example.com"]).await;
    type Case<'a> = (&'a str, Vec<&'a str>, &'a str, Vec<&'a str>, &'a str);
    let cases: Vec<Case<'_>> = vec![
        (
            "email-san",
            EC256.to_vec(),
            "/CN=a.example.com",
            vec!["subjectAltName=DNS:a.example.com,email:x@example.com"],
            "email subject alternative names are not allowed",
        ),
        (
            "rsa1024",
            vec!["-newkey", "rsa:1024"],
            "/CN=a.example.com",
            vec!["subjectAltName=DNS:a.example.com"],
            "RSA-1024 key is too weak",
        ),
        (
            "ca-true",
            EC256.to_vec(),
            "/CN=a.example.com",
            vec![
                "subjectAltName=DNS:a.example.com",
                "basicConstraints=critical,CA:TRUE",
            ],
            "CA:TRUE",
        ),
        (
            "eku",
            EC256.to_vec(),
            "/CN=a.example.com",
            vec![
                "subjectAltName=DNS:a.example.com",
                "extendedKeyUsage=codeSigning",
            ],
            "extended key usage",
        ),
        (
            "domain",
            EC256.to_vec(),
            "/CN=evil.org",
            vec!["subjectAltName=DNS:evil.org"],
            "outside the CA's allowed domains",
        ),
        (
            "no-san",
            EC256.to_vec(),
            "/CN=a.example.com",
            vec![],
            "at least one DNS or IP",
        ),
    ];
    for (name, newkey, subj, exts, why) in cases {
        let (_, csr) = openssl_csr(d, name, &newkey, subj, &exts);
        let r = sign(&api, "ca", &csr, "server-tls").await;
        let e = r.err(400, "profile_violation");
        assert!(e["message"].as_str().unwrap().contains(why), "{name}: {e}");
    }
    // A CSR whose signature does not verify.
    let (_, csr) = openssl_csr(
        d,
        "ok",
        EC256,
        "/CN=a.example.com",
        &["subjectAltName=DNS:a.example.com"],
    );
    let der = pem::parse(&csr).unwrap().into_contents();
    let mut bad = der.clone();
    let n = bad.len();
    bad[n - 5] ^= 1;
    let bad_pem = pem::encode(&pem::Pem::new("CERTIFICATE REQUEST", bad));
    sign(&api, "ca", &bad_pem, "server-tls")
        .await
        .err(400, "invalid_argument");
    sign(&api, "ca", "not pem", "server-tls")
        .await
        .err(400, "invalid_argument");
    sign(&api, "ca", &csr, "nope")
        .await
        .err(400, "invalid_argument");
    sign(&api, "nope", &csr, "server-tls")
        .await
        .err(404, "ca_not_found");

    // Nothing was issued: only the CA's own certificate is stored.
    let certs = api.get("/v1/certificates").await.ok();
    assert_eq!(
        certs["certificates"].as_array().unwrap().len(),
        1,
        "{certs}"
    );
    // Each refusal is one audit record, outcome denied.
    let denied: Vec<Value> = api
        .audit()
        .await
        .into_iter()
        .filter(|r| r["action"] == "ca.sign" && r["outcome"] == "denied")
        .collect();
    assert_eq!(denied.len(), 6, "{denied:?}");
    assert!(
        denied
            .iter()
            .all(|r| r["error_code"] == "profile_violation")
    );

    // The valid CSR is then issued, and a readonly caller may not.
    sign(&api, "ca", &csr, "server-tls").await.ok();
    let ro = api.as_token(&api.api_key("readonly").await);
    sign(&ro, "ca", &csr, "server-tls")
        .await
        .err(403, "forbidden");
    ro.get("/v1/certificates").await.ok();
    ro.post(
        "/v1/cas",
        json!({"name": "x", "algorithm": "ec-p256", "subject": "CN=x", "validity_days": 1}),
    )
    .await
    .err(403, "forbidden");
}

#[tokio::test]
async fn import_and_trust_anchors() {
    if !have_openssl() {
        return;
    }
    let env = Env::shared();
    let (_, api) = env.tenant("pki-import").await;
    let dir = tempfile::tempdir().unwrap();
    let key = p(dir.path(), "ext.key");
    let cert = p(dir.path(), "ext.pem");
    let (ok, out) = openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        &key,
        "-out",
        &cert,
        "-subj",
        "/CN=External Root",
        "-days",
        "5",
    ]);
    assert!(ok, "{out}");
    let pem_text = std::fs::read_to_string(&cert).unwrap();
    let r = api
        .post(
            "/v1/certificates/import",
            json!({ "pem": pem_text, "trust_anchor": true }),
        )
        .await
        .ok();
    let c = &r["certificates"][0];
    assert_eq!(c["origin"], "imported");
    assert_eq!(c["trust_anchor"], true);
    let anchors = api.get("/v1/certificates?trust_anchor=true").await.ok();
    assert_eq!(anchors["certificates"].as_array().unwrap().len(), 1);
    let soon = api
        .get("/v1/certificates?expiring_within_days=10")
        .await
        .ok();
    assert_eq!(soon["certificates"][0]["id"], c["id"]);
    api.post("/v1/certificates/import", json!({ "pem": "garbage" }))
        .await
        .err(400, "invalid_argument");
    api.post(
        "/v1/certificates/import",
        json!({ "pem": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n" }),
    )
    .await
    .err(400, "invalid_argument");
    api.get("/v1/certificates?expiring_within_days=x")
        .await
        .err(400, "invalid_argument");
}
