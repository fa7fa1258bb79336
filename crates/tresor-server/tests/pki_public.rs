//! Public PKI URLs against a real server with `public_url` set: issued
//! certificates carry CRL distribution point and AIA (OCSP, CA issuers)
//! URLs under `/pki/{tenant}/{ca}/`, which answer without a credential;
//! `openssl verify -crl_download` and `openssl ocsp -url` use them, before
//! and after a revocation; the RFC 6960 GET form works; unknown tenants
//! and CAs look alike; nothing else opens up. Skips (with a line) when
//! `openssl` is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use base64::Engine;
use common::pki::*;
use common::{Api, BOOTSTRAP_TOKEN, config_for};
use reqwest::Method;
use serde_json::json;

fn free_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn url_encode(s: &str) -> String {
    s.replace('+', "%2B")
        .replace('/', "%2F")
        .replace('=', "%3D")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn public_crl_and_ocsp_urls_serve_relying_parties_without_a_token() {
    if !have_openssl() {
        return;
    }
    let data = tempfile::tempdir().unwrap();
    let d = data.path();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut config = config_for(d, None);
    config.listen = format!("127.0.0.1:{port}").parse().unwrap();
    config.public_url = Some(base.clone());
    let server = tresor_server::start(config).await.expect("server start");
    let api = Api::new(&server.url(), BOOTSTRAP_TOKEN);
    let anon = api.anonymous();

    create_ca(&api, "pub-root", "ec-p256", None, &[]).await;
    let leaf = api
        .post(
            "/v1/cas/pub-root/issue",
            json!({"algorithm": "ec-p256", "profile": "server-tls",
                   "subject": "CN=pub.example.com", "dns": ["pub.example.com"],
                   "validity_days": 30}),
        )
        .await
        .ok();
    let leaf_path = write(d, "leaf.pem", leaf["certificate_pem"].as_str().unwrap());
    let root_path = write(
        d,
        "root.pem",
        api.get("/v1/cas/pub-root/certificate").await.bytes,
    );

    // The certificate names the public URLs.
    let prefix = format!("{base}/pki/default/pub-root");
    let (ok, text) = openssl(&["x509", "-in", &leaf_path, "-noout", "-text"]);
    assert!(ok, "{text}");
    assert!(text.contains(&format!("URI:{prefix}/crl")), "{text}");
    assert!(
        text.contains(&format!("OCSP - URI:{prefix}/ocsp")),
        "{text}"
    );
    assert!(
        text.contains(&format!("CA Issuers - URI:{prefix}/ca.crt")),
        "{text}"
    );

    // Without a token: the CA certificate, the CRL (DER and PEM).
    let ca = anon.get("/pki/default/pub-root/ca.crt").await;
    assert_eq!(ca.status, 200, "{}", ca.text());
    assert_eq!(ca.headers["content-type"], "application/pkix-cert");
    let crl = anon.get("/pki/default/pub-root/crl").await;
    assert_eq!(crl.status, 200);
    assert_eq!(crl.headers["content-type"], "application/pkix-crl");
    assert_eq!(crl.bytes[0], 0x30);
    let crl_pem = anon.get("/pki/default/pub-root/crl.pem").await;
    let crl_path = write(d, "crl.pem", &crl_pem.bytes);
    let (ok, out) = openssl(&["crl", "-in", &crl_path, "-noout", "-CAfile", &root_path]);
    assert!(ok && out.contains("verify OK"), "{out}");

    // openssl follows the CDP and asks the public OCSP URL, tokenless.
    let verify = || {
        openssl(&[
            "verify",
            "-crl_check",
            "-crl_download",
            "-CAfile",
            &root_path,
            &leaf_path,
        ])
    };
    let (ok, out) = verify();
    assert!(ok && out.contains(": OK"), "{out}");
    let ocsp_url = format!("{prefix}/ocsp");
    let ocsp = || {
        openssl(&[
            "ocsp", "-issuer", &root_path, "-cert", &leaf_path, "-CAfile", &root_path, "-url",
            &ocsp_url,
        ])
    };
    let (ok, out) = ocsp();
    assert!(ok && out.contains(": good"), "{out}");

    // After a revocation the downloaded CRL and OCSP say so.
    let id = leaf["certificate"]["id"].as_str().unwrap();
    api.post(
        &format!("/v1/certificates/{id}/revoke"),
        json!({"reason": "key-compromise"}),
    )
    .await
    .ok();
    let (ok, out) = verify();
    assert!(!ok && out.contains("certificate revoked"), "{out}");
    let (_, out) = ocsp();
    assert!(out.contains(": revoked"), "{out}");

    // The RFC 6960 GET form: base64 of the DER request in the path.
    let req_path = p(d, "req.der");
    let (ok, out) = openssl(&[
        "ocsp",
        "-issuer",
        &root_path,
        "-cert",
        &leaf_path,
        "-no_nonce",
        "-reqout",
        &req_path,
    ]);
    assert!(ok, "{out}");
    let b64 = base64::engine::general_purpose::STANDARD.encode(std::fs::read(&req_path).unwrap());
    let r = anon
        .get(&format!("/pki/default/pub-root/ocsp/{}", url_encode(&b64)))
        .await;
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.headers["content-type"], "application/ocsp-response");
    let resp_path = write(d, "resp.der", &r.bytes);
    let (ok, out) = openssl(&[
        "ocsp", "-respin", &resp_path, "-issuer", &root_path, "-cert", &leaf_path, "-CAfile",
        &root_path,
    ]);
    assert!(ok && out.contains(": revoked"), "{out}");

    // Unknown tenant and unknown CA read the same; bad input is a 4xx.
    let a = anon.get("/pki/no-such-tenant/pub-root/crl").await;
    let b = anon.get("/pki/default/no-such-ca/crl").await;
    let c = anon.get("/pki/NOT_VALID/x/crl").await;
    for r in [&a, &b, &c] {
        r.err(404, "ca_not_found");
    }
    anon.get("/pki/default/pub-root/ocsp/%%%").await;
    let bad = anon.get("/pki/default/pub-root/ocsp/not-base64!").await;
    bad.err(400, "invalid_argument");
    // Nothing else opens up: the authenticated API still needs a token.
    anon.get("/v1/cas/pub-root/crl")
        .await
        .err(401, "unauthenticated");
    assert_eq!(anon.get("/pki/default").await.status, 404);

    // Public reads are audited under their own principal.
    let audit = api.audit().await;
    assert!(
        audit
            .iter()
            .any(|r| r["principal"] == "public:pki" && r["action"] == "ca.ocsp"),
        "{audit:?}"
    );
    // An oversize OCSP body is refused (its own connection: the server
    // closes it).
    let big = Api::unpooled(&server.url(), BOOTSTRAP_TOKEN)
        .anonymous()
        .raw(
            Method::POST,
            "/pki/default/pub-root/ocsp",
            vec![0x30; 64 * 1024],
            "application/ocsp-request",
        )
        .await;
    assert_eq!(big.status, 413, "{}", big.text());

    // A flood is cut off (so anonymous reads cannot grow the audit log
    // without bound); the authenticated API is not affected.
    let mut limited = None;
    for _ in 0..400 {
        let r = anon.get("/pki/default/pub-root/ca.crt").await;
        if r.status == 429 {
            limited = Some(r);
            break;
        }
    }
    let r = limited.expect("no 429 after 400 public requests");
    r.err(429, "rate_limited");
    assert_eq!(r.headers["retry-after"], "1");
    assert_eq!(api.get("/v1/cas/pub-root/crl").await.status, 200);
    server.shutdown().await;
}
