//! A moto server for the aws-kms tests (PyPI `moto[server]`, from the venv
//! of `TRESOR_TEST_PYTHON`) on a free loopback port, with a credentials
//! file in a directory of its own; killed and removed on drop.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, dead_code)]

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use tresor_aws_kms::AwsKmsConfig;
use tresor_core::ProviderId;

/// A moto server and the directory of its credentials file; killed on drop.
#[derive(Debug)]
pub struct Moto {
    child: Child,
    pub port: u16,
    pub dir: std::path::PathBuf,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Starts moto, or `None` (with a message) when no test Python is set.
pub fn moto() -> Option<Moto> {
    let Some(python) = std::env::var_os("TRESOR_TEST_PYTHON") else {
        eprintln!("TRESOR_TEST_PYTHON unset (scripts/test sets it): moto tests skipped");
        return None;
    };
    let port = free_port();
    let child = Command::new(python)
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start moto (pip install 'moto[server]')");
    let dir = std::env::temp_dir().join(format!("tresor-moto-{port}"));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("credentials.json"),
        r#"{"access_key_id": "AKIDTESTING", "secret_access_key": "testing-secret"}"#,
    )
    .unwrap();
    let m = Moto { child, port, dir };
    let start = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "moto did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Some(m)
}

pub fn config(m: &Moto) -> AwsKmsConfig {
    AwsKmsConfig {
        id: ProviderId::parse("aws").unwrap(),
        region: "eu-central-1".into(),
        endpoint: Some(format!("http://127.0.0.1:{}", m.port)),
        access_key_id_env: None,
        secret_access_key_env: None,
        session_token_env: None,
        credentials_file: Some(m.dir.join("credentials.json")),
        timeout_seconds: Some(30),
    }
}

/// Creates identities in `m`'s IAM and turns moto's credential checking on
/// (`tests/py/moto_iam.py`): the JSON it prints, `{"user", "role",
/// "denied"}`, each `{"access_key_id", "secret_access_key",
/// "session_token"?}`.
pub fn enforce_credentials(m: &Moto) -> serde_json::Value {
    let python = std::env::var_os("TRESOR_TEST_PYTHON").unwrap();
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/py/moto_iam.py");
    let out = Command::new(python)
        .arg(script)
        .arg(format!("http://127.0.0.1:{}", m.port))
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "moto_iam.py: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A config of `m` whose credentials file holds `creds` (as JSON).
pub fn config_with(m: &Moto, name: &str, creds: &serde_json::Value) -> AwsKmsConfig {
    let file = m.dir.join(format!("{name}.json"));
    std::fs::write(&file, creds.to_string()).unwrap();
    AwsKmsConfig {
        credentials_file: Some(file),
        ..config(m)
    }
}
