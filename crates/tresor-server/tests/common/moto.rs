//! A moto server (PyPI `moto[server]`, from the venv of `TRESOR_TEST_PYTHON`)
//! on a free loopback port, with a credentials file; killed on drop.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Moto {
    child: Child,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts moto, or `None` with a message when no test Python is set.
    pub fn start() -> Option<Self> {
        let python = std::env::var_os("TRESOR_TEST_PYTHON")?;
        let port = TcpListener::bind("127.0.0.1:0")
            .ok()?
            .local_addr()
            .ok()?
            .port();
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
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("aws.json"),
            r#"{"access_key_id": "AKIDTESTING", "secret_access_key": "testing-secret"}"#,
        )
        .expect("credentials file");
        let m = Self { child, port, dir };
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

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn credentials_file(&self) -> PathBuf {
        self.dir.path().join("aws.json")
    }
}
