//! PKI over the wire: a real TLS handshake with a Tresor-issued chain
//! trusted through the Tresor root, and the OCSP responder answering the
//! `openssl ocsp` client (good, revoked, unknown). Skips (with a line) when
//! `openssl` is not installed.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::Env;
use common::pki::*;
use serde_json::json;

/// A TLS server presenting a Tresor-issued chain (root -> intermediate ->
/// leaf for a key made by openssl), and rustls clients: one trusting the
/// Tresor root completes the handshake; one trusting another root fails.
#[tokio::test]
async fn tls_handshake_with_a_tresor_issued_certificate() {
    use std::sync::Arc;

    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::{TcpListener, TcpStream};

    if !have_openssl() {
        return;
    }
    let env = Env::shared();
    let (_, api) = env.tenant("pki-tls").await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = create_ca(&api, "root", "ec-p384", None, &[]).await;
    create_ca(&api, "inter", "ec-p256", Some("root"), &["localhost"]).await;
    let other = create_ca(&api, "other", "ec-p256", None, &[]).await;
    let (key_path, csr) = openssl_csr(
        d,
        "srv",
        EC256,
        "/CN=localhost",
        &["subjectAltName=DNS:localhost,IP:127.0.0.1"],
    );
    let issued = sign(&api, "inter", &csr, "server-tls").await.ok();

    let pem_der = |s: &str| CertificateDer::from_pem_slice(s.as_bytes()).unwrap();
    let mut chain = vec![pem_der(issued["certificate_pem"].as_str().unwrap())];
    chain.extend(
        CertificateDer::pem_slice_iter(issued["chain_pem"].as_str().unwrap().as_bytes())
            .map(|c| c.unwrap())
            .take(1),
    );
    let key = PrivateKeyDer::from_pem_file(&key_path).unwrap();
    let server = rustls::ServerConfig::builder_with_provider(tresor_server::tls::provider())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                if let Ok(mut tls) = acceptor.accept(tcp).await {
                    let mut buf = [0u8; 4];
                    if tls.read_exact(&mut buf).await.is_ok() {
                        let _ = tls.write_all(b"pong").await;
                        let _ = tls.shutdown().await;
                    }
                }
            });
        }
    });

    let connector = |root_pem: &str| {
        let mut roots = rustls::RootCertStore::empty();
        roots.add(pem_der(root_pem)).unwrap();
        let config = rustls::ClientConfig::builder_with_provider(tresor_server::tls::provider())
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_root_certificates(roots)
            .with_no_client_auth();
        tokio_rustls::TlsConnector::from(Arc::new(config))
    };
    let good = connector(root["certificate"]["pem"].as_str().unwrap());
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut tls = good
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .expect("handshake with a client trusting the Tresor root");
    tls.write_all(b"ping").await.unwrap();
    let mut buf = [0u8; 4];
    tls.read_exact(&mut buf).await.unwrap();
    assert_eq!(&buf, b"pong");

    let bad = connector(other["certificate"]["pem"].as_str().unwrap());
    let tcp = TcpStream::connect(addr).await.unwrap();
    let r = bad
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await;
    assert!(r.is_err(), "a client trusting another root must refuse");
}

/// `openssl ocsp` against the CA's responder: good, then revoked after
/// revocation, unknown for a serial the CA never issued; a malformed
/// request gets a malformedRequest response.
#[tokio::test]
async fn ocsp_responder_answers_openssl() {
    if !have_openssl() {
        return;
    }
    let env = Env::shared();
    let (_, api) = env.tenant("pki-ocsp").await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let root = create_ca(&api, "root", "ec-p256", None, &[]).await;
    let inter = create_ca(&api, "inter", "rsa-2048", Some("root"), &[]).await;
    let root_path = write(d, "root.pem", root["certificate"]["pem"].as_str().unwrap());
    let inter_path = write(
        d,
        "inter.pem",
        inter["certificate"]["pem"].as_str().unwrap(),
    );
    let issue = |cn: &'static str| {
        let api = api.clone();
        async move {
            api.post(
                "/v1/cas/inter/issue",
                json!({"algorithm": "ec-p256", "profile": "server-tls", "subject": format!("CN={cn}"),
                       "dns": [cn], "validity_days": 30}),
            )
            .await
            .ok()
        }
    };
    let leaf = issue("ocsp.example.com").await;
    let leaf_path = write(d, "leaf.pem", leaf["certificate_pem"].as_str().unwrap());
    let url = format!("{}/v1/cas/inter/ocsp", api.base);
    let auth = format!("Authorization=Bearer {}", api.token.as_deref().unwrap());
    let ask = |cert: String| {
        let (url, auth, root_path, inter_path) = (
            url.clone(),
            auth.clone(),
            root_path.clone(),
            inter_path.clone(),
        );
        async move {
            tokio::task::spawn_blocking(move || {
                openssl(&[
                    "ocsp",
                    "-issuer",
                    &inter_path,
                    "-cert",
                    &cert,
                    "-url",
                    &url,
                    "-header",
                    &auth,
                    "-CAfile",
                    &root_path,
                    "-verify_other",
                    &inter_path,
                ])
            })
            .await
            .unwrap()
        }
    };
    let (ok, out) = ask(leaf_path.clone()).await;
    assert!(
        ok && out.contains(": good") && out.contains("Response verify OK"),
        "{out}"
    );

    let id = leaf["certificate"]["id"].as_str().unwrap();
    api.post(
        &format!("/v1/certificates/{id}/revoke"),
        json!({"reason": "key-compromise"}),
    )
    .await
    .ok();
    let (ok, out) = ask(leaf_path).await;
    assert!(
        ok && out.contains(": revoked") && out.contains("keyCompromise"),
        "{out}"
    );

    // A certificate of another CA (same issuer name would differ anyway).
    let other = issue("other.example.com").await;
    let other_id = other["certificate"]["id"].as_str().unwrap();
    let other_path = write(d, "other.pem", other["certificate_pem"].as_str().unwrap());
    let (ok, out) = ask(other_path.clone()).await;
    assert!(ok && out.contains(": good"), "{other_id}: {out}");
    // The root's responder does not know the intermediate's leaf.
    let url_root = format!("{}/v1/cas/root/ocsp", api.base);
    let (_, out) = openssl(&[
        "ocsp",
        "-issuer",
        &inter_path,
        "-cert",
        &other_path,
        "-url",
        &url_root,
        "-header",
        &auth,
        "-CAfile",
        &root_path,
        "-no_nonce",
    ]);
    assert!(out.contains(": unknown"), "{out}");

    // Garbage: a malformedRequest OCSP response, not an HTTP error.
    let r = api
        .raw(
            reqwest::Method::POST,
            "/v1/cas/inter/ocsp",
            b"garbage".to_vec(),
            "application/ocsp-request",
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.bytes, vec![0x30, 0x03, 0x0a, 0x01, 0x01]);
    let audit = api.audit().await;
    assert!(audit.iter().any(|a| a["action"] == "ca.ocsp"), "audited");
}
