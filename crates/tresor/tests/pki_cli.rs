//! `tresor ca ...` and `tresor cert ...` against a real in-process server:
//! create a root and an intermediate, sign an openssl CSR, list expiring
//! certificates, export, revoke, fetch the CRL; openssl checks the results.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::Output;

use tokio::process::Command;
use tresor_server::{Config, RunningServer};

const BIN: &str = env!("CARGO_BIN_EXE_tresor");

const CLEARED: &[&str] = &[
    "TRESOR_ADDR",
    "TRESOR_TOKEN",
    "TRESOR_TENANT",
    "TRESOR_CA_FILE",
    "TRESOR_CONFIG",
    "TRESOR_PKCS12_PASSWORD",
];

async fn start(dir: &Path) -> RunningServer {
    let mut config = Config::for_data_dir(dir);
    config.scheduler_interval_seconds = 0;
    tresor_server::start(config).await.expect("server starts")
}

async fn run(addr: &str, token: &str, args: &[&str]) -> Output {
    let mut c = Command::new(BIN);
    for v in CLEARED {
        c.env_remove(v);
    }
    c.env("TRESOR_ADDR", addr).env("TRESOR_TOKEN", token);
    c.kill_on_drop(true);
    c.args(args).output().await.expect("run tresor")
}

#[track_caller]
fn ok(o: &Output) -> String {
    assert_eq!(
        o.status.code(),
        Some(0),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn openssl(args: &[&str]) -> (bool, String) {
    let o = std::process::Command::new("openssl")
        .args(args)
        .output()
        .unwrap();
    (
        o.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_and_cert_commands() {
    if !std::process::Command::new("openssl")
        .arg("version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        eprintln!("SKIPPED: the `openssl` CLI is not installed");
        return;
    }
    let tmp = tempfile::tempdir().unwrap();
    let server = start(&tmp.path().join("data")).await;
    let url = server.url();
    let token = server.initial_token.clone().unwrap();
    let d = tmp.path();
    let f = |n: &str| d.join(n).to_string_lossy().into_owned();

    ok(&run(
        &url,
        &token,
        &[
            "ca",
            "create",
            "root",
            "--subject",
            "CN=CLI Root",
            "--algorithm",
            "ec-p384",
        ],
    )
    .await);
    ok(&run(
        &url,
        &token,
        &[
            "ca",
            "create",
            "inter",
            "--subject",
            "CN=CLI Inter",
            "--parent",
            "root",
            "--path-len",
            "0",
            "--allowed-domain",
            "example.com",
        ],
    )
    .await);
    let list = ok(&run(&url, &token, &["ca", "list"]).await);
    assert!(list.contains("inter") && list.contains("root"), "{list}");
    ok(&run(
        &url,
        &token,
        &["ca", "certificate", "root", "--out", &f("root.pem")],
    )
    .await);
    ok(&run(
        &url,
        &token,
        &["ca", "certificate", "inter", "--out", &f("inter.pem")],
    )
    .await);

    let (k, csr) = (f("leaf.key"), f("leaf.csr"));
    let (good, out) = openssl(&[
        "req",
        "-new",
        "-nodes",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-keyout",
        &k,
        "-out",
        &csr,
        "-subj",
        "/CN=www.example.com",
        "-addext",
        "subjectAltName=DNS:www.example.com",
    ]);
    assert!(good, "{out}");
    ok(&run(
        &url,
        &token,
        &[
            "ca",
            "sign",
            "inter",
            "--csr",
            &csr,
            "--profile",
            "server-tls",
            "--validity-days",
            "30",
            "--out",
            &f("leaf.pem"),
        ],
    )
    .await);
    let (good, out) = openssl(&[
        "verify",
        "-CAfile",
        &f("root.pem"),
        "-untrusted",
        &f("inter.pem"),
        &f("leaf.pem"),
    ]);
    assert!(good, "{out}");

    // A CSR outside the profile: exit 4, nothing written.
    let o = run(
        &url,
        &token,
        &[
            "ca",
            "sign",
            "inter",
            "--csr",
            &csr,
            "--profile",
            "email",
            "--out",
            &f("bad.pem"),
        ],
    )
    .await;
    assert_eq!(
        o.status.code(),
        Some(4),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(!d.join("bad.pem").exists());

    // Expiry listing: the 30-day leaf is listed within 31 days, not 10.
    let soon = ok(&run(&url, &token, &["cert", "expiring", "31", "--json"]).await);
    let v: serde_json::Value = serde_json::from_str(&soon).unwrap();
    let certs = v["certificates"].as_array().unwrap();
    assert_eq!(certs.len(), 1, "{v}");
    let id = certs[0]["id"].as_str().unwrap().to_owned();
    let none = ok(&run(&url, &token, &["cert", "expiring", "10", "--json"]).await);
    assert!(
        none.contains("\"certificates\": []") || none.contains("\"certificates\":[]"),
        "{none}"
    );

    let chain = ok(&run(&url, &token, &["cert", "export", &id, "--format", "chain"]).await);
    assert_eq!(chain.matches("BEGIN CERTIFICATE").count(), 3);
    ok(&run(
        &url,
        &token,
        &["cert", "revoke", &id, "--reason", "superseded"],
    )
    .await);
    ok(&run(
        &url,
        &token,
        &["ca", "crl", "inter", "--out", &f("crl.der")],
    )
    .await);
    let (good, out) = openssl(&[
        "crl",
        "-inform",
        "DER",
        "-in",
        &f("crl.der"),
        "-noout",
        "-text",
    ]);
    assert!(good && out.contains("Superseded"), "{out}");
    let shown = ok(&run(&url, &token, &["cert", "show", &id]).await);
    assert!(shown.contains("www.example.com"), "{shown}");

    // PKCS#12: an exportable key issued by the CA, exported with the
    // password from a file, opened by openssl.
    let issued = ok(&run(
        &url,
        &token,
        &[
            "ca",
            "issue",
            "inter",
            "--profile",
            "server-tls",
            "--subject",
            "CN=p12.example.com",
            "--dns",
            "p12.example.com",
            "--validity-days",
            "30",
            "--exportable",
            "--json",
        ],
    )
    .await);
    let v: serde_json::Value = serde_json::from_str(&issued).unwrap();
    let p12_id = v["certificate"]["id"].as_str().unwrap().to_owned();
    std::fs::write(d.join("pw.txt"), "cli p12 password\n").unwrap();
    ok(&run(
        &url,
        &token,
        &[
            "cert",
            "pkcs12",
            &p12_id,
            "--out",
            &f("leaf.p12"),
            "--password-file",
            &f("pw.txt"),
        ],
    )
    .await);
    let (good, out) = openssl(&[
        "pkcs12",
        "-in",
        &f("leaf.p12"),
        "-passin",
        "pass:cli p12 password",
        "-nodes",
    ]);
    assert!(
        good && out.contains("PRIVATE KEY") && out.contains("p12.example.com"),
        "{out}"
    );
    // Without a password source: a usage error, nothing written.
    let o = run(
        &url,
        &token,
        &["cert", "pkcs12", &p12_id, "--out", &f("none.p12")],
    )
    .await;
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(!d.join("none.p12").exists());
    server.shutdown().await;
}
