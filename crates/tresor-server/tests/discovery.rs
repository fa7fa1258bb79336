//! TLS endpoint discovery against real TLS servers started on loopback: a
//! good one (rustls, a leaf under a test CA), one with an expired
//! certificate (rustls), one with a self-signed RSA-1024 certificate
//! (`openssl s_server`, the weak key only openssl will still serve), and a
//! closed port. The scan records versions, suites and chains and flags
//! what needs attention; scans are tenant-scoped, bounded and audited.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use common::Env;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, IsCa, KeyPair, date_time_ymd,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// Serves TLS with `chain`/`key` on a loopback port until the test ends.
async fn rustls_server(chain: Vec<CertificateDer<'static>>, key: Vec<u8>) -> SocketAddr {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key)))
        .unwrap();
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let _ = acceptor.accept(tcp).await;
            });
        }
    });
    addr
}

fn leaf(
    cn: &str,
    ca: &CertifiedIssuer<'static, KeyPair>,
    expired: bool,
) -> (CertificateDer<'static>, Vec<u8>) {
    let mut p = CertificateParams::new(vec!["localhost".to_owned()]).unwrap();
    p.distinguished_name.push(DnType::CommonName, cn);
    if expired {
        p.not_before = date_time_ymd(2020, 1, 1);
        p.not_after = date_time_ymd(2021, 1, 1);
    }
    let key = KeyPair::generate().unwrap();
    let cert = p.signed_by(&key, ca).unwrap();
    (cert.der().clone(), key.serialize_der())
}

async fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    l.local_addr().unwrap().port()
}

/// `openssl s_server` with a fresh self-signed RSA-1024 certificate.
async fn openssl_rsa1024(dir: &Path) -> Option<(tokio::process::Child, u16)> {
    let (cert, key) = (dir.join("weak.pem"), dir.join("weak.key"));
    let made = std::process::Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:1024",
            "-nodes",
            "-days",
            "30",
            "-subj",
            "/CN=weak.test",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output();
    match made {
        Ok(o) if o.status.success() => {}
        other => {
            eprintln!("openssl not usable ({other:?}); scripts/test installs it");
            return None;
        }
    }
    let port = free_port().await;
    let child = tokio::process::Command::new("openssl")
        .args(["s_server", "-quiet", "-cipher", "DEFAULT:@SECLEVEL=0"])
        .arg("-accept")
        .arg(format!("127.0.0.1:{port}"))
        .arg("-cert")
        .arg(&cert)
        .arg("-key")
        .arg(&key)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some((child, port));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("openssl s_server did not start");
}

fn result(scan: &Value, port: u16) -> &Value {
    scan["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["port"] == port)
        .unwrap_or_else(|| panic!("no result for port {port}: {scan}"))
}

fn findings(r: &Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_good_expired_and_weak_certificates() {
    let tmp = tempfile::tempdir().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Discovery Test CA");
    let ca = CertifiedIssuer::self_signed(ca_params, KeyPair::generate().unwrap()).unwrap();
    let ca_der = ca.der().clone();
    let (good_cert, good_key) = leaf("good.test", &ca, false);
    let good = rustls_server(vec![good_cert, ca_der.clone()], good_key).await;
    let (old_cert, old_key) = leaf("expired.test", &ca, true);
    let expired = rustls_server(vec![old_cert, ca_der], old_key).await;
    let weak = openssl_rsa1024(tmp.path()).await;
    let closed = free_port().await;

    let env = Env::shared();
    let (_, api) = env.tenant("disc").await;
    let mut targets = vec![
        format!("127.0.0.1:{}", good.port()),
        format!("127.0.0.1:{}", expired.port()),
        format!("127.0.0.1:{closed}"),
    ];
    if let Some((_, p)) = &weak {
        targets.push(format!("127.0.0.1:{p}"));
    }
    let scan = api
        .post(
            "/v1/discovery/scans",
            json!({"targets": targets, "wait": true, "timeout_ms": 3000, "concurrency": 2}),
        )
        .await
        .ok();
    assert_eq!(scan["status"], "completed", "{scan}");
    assert_eq!(scan["endpoints_total"], targets.len());

    let g = result(&scan, good.port());
    assert_eq!(g["tls"], true);
    assert_eq!(g["tls_versions"], json!(["TLSv1.2", "TLSv1.3"]));
    assert!(
        g["cipher_suite"].as_str().unwrap().starts_with("TLS13_"),
        "{g}"
    );
    assert_eq!(g["chain"].as_array().unwrap().len(), 2);
    assert_eq!(g["chain"][0]["subject"], "CN=good.test");
    assert_eq!(g["chain"][0]["key_type"], "ec");
    assert_eq!(g["chain"][0]["key_bits"], 256);
    assert_eq!(g["chain"][0]["sans"], json!(["localhost"]));
    assert_eq!(g["chain"][1]["is_ca"], true);
    assert!(findings(g).is_empty(), "{g}");

    let e = result(&scan, expired.port());
    assert_eq!(findings(e), ["expired"], "{e}");
    assert!(
        e["chain"][0]["not_after"]
            .as_str()
            .unwrap()
            .starts_with("2021-01-01")
    );

    let c = result(&scan, closed);
    assert_eq!(c["tls"], false);
    assert_eq!(findings(c), ["no-tls"]);
    assert!(c["error"].as_str().unwrap().contains("connect"), "{c}");

    if let Some((_, p)) = &weak {
        let w = result(&scan, *p);
        assert_eq!(w["tls"], true, "{w}");
        assert_eq!(w["chain"][0]["key_type"], "rsa");
        assert_eq!(w["chain"][0]["key_bits"], 1024);
        assert_eq!(w["chain"][0]["self_signed"], true);
        let f = findings(w);
        assert!(
            f.contains(&"weak-key".to_owned()) && f.contains(&"self-signed".to_owned()),
            "{w}"
        );
    }

    // Stored: listed and readable; another tenant sees nothing of it.
    let id = scan["id"].as_str().unwrap();
    let again = api.get(&format!("/v1/discovery/scans/{id}")).await.ok();
    assert_eq!(again["results"], scan["results"]);
    let list = api.get("/v1/discovery/scans").await.ok();
    assert_eq!(list["scans"][0]["id"], id);
    let (_, other) = env.tenant("disc-other").await;
    other
        .get(&format!("/v1/discovery/scans/{id}"))
        .await
        .err(404, "not_found");
    assert!(
        other.get("/v1/discovery/scans").await.ok()["scans"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The endpoints join the tenant's inventory, CBOM and PQC report.
    let inv = api.get("/v1/inventory").await.ok();
    let eps = inv["endpoints"].as_array().unwrap();
    assert_eq!(
        eps.len(),
        targets.len() - 1,
        "the closed port is not an asset: {inv}"
    );
    let exp = eps.iter().find(|e| e["port"] == expired.port()).unwrap();
    assert_eq!(exp["findings"], json!(["expired"]));
    assert_eq!(exp["certificate"]["subject"], "CN=expired.test");
    assert_eq!(exp["quantum_vulnerable"], true);
    let csv = api.get("/v1/inventory?format=csv").await.text();
    assert!(
        csv.contains(&format!(
            "endpoint,127.0.0.1:{},CN=expired.test",
            expired.port()
        )),
        "{csv}"
    );
    let cbom: Value = api.get("/v1/inventory?format=cyclonedx").await.json();
    let certs = cbom["components"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["cryptoProperties"]["assetType"] == "certificate")
        .count();
    assert_eq!(certs, eps.len());
    if let Some(py) = std::env::var_os("TRESOR_TEST_PYTHON") {
        let file = tmp.path().join("cbom.json");
        std::fs::write(&file, cbom.to_string()).unwrap();
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/py/validate_cbom.py");
        let out = std::process::Command::new(py)
            .arg(script)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let pqc = api.get("/v1/pqc/readiness").await.ok();
    assert_eq!(pqc["certificates_total"], eps.len());
    assert_eq!(
        pqc["vulnerable_certificates"].as_array().unwrap().len(),
        eps.len()
    );

    let actions: Vec<String> = api
        .audit_all()
        .await
        .iter()
        .map(|r| r["action"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert!(actions.iter().any(|a| a == "discovery.scan"));
    assert!(actions.iter().any(|a| a == "discovery.complete"));
}

#[tokio::test]
async fn scans_are_bounded_validated_and_for_admins() {
    let env = Env::shared();
    let (_, api) = env.tenant("disc-bad").await;
    for body in [
        json!({"targets": []}),
        json!({"targets": ["10.0.0.0/8"]}),
        json!({"targets": ["10.0.0.0/20"], "ports": [443, 8443]}),
        json!({"targets": ["host:0"]}),
        json!({"targets": ["bad host"]}),
        json!({"targets": ["a.test"], "concurrency": 1000}),
        json!({"targets": ["a.test"], "timeout_ms": 5}),
    ] {
        api.post("/v1/discovery/scans", body.clone())
            .await
            .err(400, "invalid_argument");
    }
    api.post("/v1/discovery/scans", json!({"targets": ["a"], "bogus": 1}))
        .await
        .err(400, "invalid_json");
    let user = api.as_token(&api.api_key("user").await);
    user.post("/v1/discovery/scans", json!({"targets": ["127.0.0.1:1"]}))
        .await
        .err(403, "forbidden");
    // Readonly may read.
    let ro = api.as_token(&api.api_key("readonly").await);
    ro.get("/v1/discovery/scans").await.ok();
    // Started without waiting: 202 and `running`, then completed.
    let r = api
        .post(
            "/v1/discovery/scans",
            json!({"targets": ["127.0.0.1:1"], "timeout_ms": 500}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 202);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let mut status = String::new();
    for _ in 0..100 {
        status = api.get(&format!("/v1/discovery/scans/{id}")).await.ok()["status"]
            .as_str()
            .unwrap()
            .to_owned();
        if status == "completed" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(status, "completed");
}
