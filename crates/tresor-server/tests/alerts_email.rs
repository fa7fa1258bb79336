//! Alert emails through a real SMTP server (aiosmtpd, from the test venv)
//! that insists on STARTTLS and AUTH: the digest arrives from the
//! configured sender to every recipient, authenticated with the password
//! from its file; a relay whose certificate the configured CA does not
//! vouch for gets nothing, and the failure is counted.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::{Api, BOOTSTRAP_TOKEN, config_for};
use rcgen::{BasicConstraints, CertificateParams, CertifiedIssuer, IsCa, KeyPair};
use serde_json::{Value, json};

const PASSWORD: &str = "smtp-pass-Ω-123";

/// Kills the SMTP server when the test ends, however it ends.
struct Sink(Child);

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A CA in `dir` and a certificate for 127.0.0.1 signed by it.
fn ca_and_server_cert(dir: &Path, name: &str) -> (PathBuf, PathBuf, PathBuf) {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
    let key = KeyPair::generate().unwrap();
    let cert = CertificateParams::new(vec!["127.0.0.1".to_owned()])
        .unwrap()
        .signed_by(&key, &ca)
        .unwrap();
    let paths = (
        dir.join(format!("{name}-ca.pem")),
        dir.join(format!("{name}.pem")),
        dir.join(format!("{name}.key")),
    );
    std::fs::write(&paths.0, ca.pem()).unwrap();
    std::fs::write(&paths.1, cert.pem()).unwrap();
    std::fs::write(&paths.2, key.serialize_pem()).unwrap();
    paths
}

fn start_sink(python: &Path, cert: &Path, key: &Path, out: &Path) -> (Sink, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/py/smtp_sink.py");
    let mut child = Command::new(python)
        .arg(script)
        .arg(port.to_string())
        .args([cert, key])
        .args(["tresor-alerts", PASSWORD])
        .arg(out)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "READY", "the SMTP server did not start");
    (Sink(child), port)
}

fn alerts_config(port: u16, ca: &Path, password_file: &Path) -> Value {
    json!({
        "auth_failures": 3,
        "email": {
            "smtp_host": "127.0.0.1",
            "smtp_port": port,
            "tls": "starttls",
            "ca_file": ca,
            "username": "tresor-alerts",
            "password_file": password_file,
            "from": "Tresor <tresor@example.com>",
            "to": ["ops@example.com", "security@example.com"],
        },
    })
}

/// Three failed logins open `auth_failures`; returns its id.
async fn raise_alert(api: &Api) -> String {
    let bad = api.as_token("tresor_wrong-token-000000000000000000000");
    for _ in 0..3 {
        assert_eq!(bad.get("/v1/keys").await.status, 401);
    }
    for _ in 0..200 {
        let r = api.get("/v1/alerts").await.ok();
        if let Some(a) = r["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["rule"] == "auth_failures")
        {
            return a["id"].as_str().unwrap().to_owned();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no auth_failures alert");
}

async fn wait_for_metric(api: &Api, needle: &str) -> String {
    let mut metrics = String::new();
    for _ in 0..200 {
        metrics = api.get("/metrics").await.text();
        if metrics.contains(needle) {
            return metrics;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{needle} not in {metrics}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn alert_digests_are_mailed_over_starttls_with_auth() {
    let Some(python) = std::env::var_os("TRESOR_TEST_PYTHON").map(PathBuf::from) else {
        eprintln!("TRESOR_TEST_PYTHON unset (scripts/test sets it): alert email test skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (ca, cert, key) = ca_and_server_cert(dir.path(), "relay");
    let out = dir.path().join("mail.jsonl");
    let (_sink, port) = start_sink(&python, &cert, &key, &out);
    let password_file = dir.path().join("smtp.password");
    std::fs::write(&password_file, format!("{PASSWORD}\n")).unwrap();

    let mut c = config_for(&dir.path().join("data"), None);
    c.scheduler_interval_seconds = 1;
    c.alerts = serde_json::from_value(alerts_config(port, &ca, &password_file)).unwrap();
    let server = tresor_server::start(c).await.unwrap();
    let api = Api::unpooled(&server.url(), BOOTSTRAP_TOKEN);
    let id = raise_alert(&api).await;
    wait_for_metric(
        &api,
        "tresor_alert_notifications_total{channel=\"email\",outcome=\"sent\"} 1",
    )
    .await;
    server.shutdown().await;

    let mails: Vec<Value> = std::fs::read_to_string(&out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(mails.len(), 1, "{mails:?}");
    let m = &mails[0];
    assert_eq!(m["from"], "tresor@example.com");
    assert_eq!(m["to"], json!(["ops@example.com", "security@example.com"]));
    assert_eq!(m["user"], "tresor-alerts");
    let data = m["data"].as_str().unwrap();
    assert!(
        data.contains("Subject: [Tresor] warning alert auth_failures:"),
        "{data}"
    );
    assert!(data.contains(&format!("tresor alert ack {id}")), "{data}");
    assert!(!data.contains(PASSWORD));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_relay_the_ca_does_not_vouch_for_gets_nothing() {
    let Some(python) = std::env::var_os("TRESOR_TEST_PYTHON").map(PathBuf::from) else {
        eprintln!("TRESOR_TEST_PYTHON unset (scripts/test sets it): alert email test skipped");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let (_, cert, key) = ca_and_server_cert(dir.path(), "relay");
    let (other_ca, _, _) = ca_and_server_cert(dir.path(), "other");
    let out = dir.path().join("mail.jsonl");
    let (_sink, port) = start_sink(&python, &cert, &key, &out);
    let password_file = dir.path().join("smtp.password");
    std::fs::write(&password_file, PASSWORD).unwrap();

    let mut c = config_for(&dir.path().join("data"), None);
    c.scheduler_interval_seconds = 1;
    c.alerts = serde_json::from_value(alerts_config(port, &other_ca, &password_file)).unwrap();
    let server = tresor_server::start(c).await.unwrap();
    let api = Api::unpooled(&server.url(), BOOTSTRAP_TOKEN);
    raise_alert(&api).await;
    wait_for_metric(
        &api,
        "tresor_alert_notifications_total{channel=\"email\",outcome=\"failed\"} 1",
    )
    .await;
    server.shutdown().await;
    assert!(!out.exists() || std::fs::read_to_string(&out).unwrap().is_empty());
}

#[tokio::test]
async fn bad_email_settings_stop_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut c = config_for(&dir.path().join("data"), None);
    c.alerts = serde_json::from_value(json!({"email": {
        "smtp_host": "mail.example.com", "tls": "none",
        "from": "tresor@example.com", "to": ["ops@example.com"],
    }}))
    .unwrap();
    let Err(e) = tresor_server::start(c).await else {
        panic!("a non-loopback relay without TLS was accepted");
    };
    assert!(e.to_string().contains("loopback"), "{e}");
}
