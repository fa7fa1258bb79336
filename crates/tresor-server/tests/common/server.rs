//! Starting and stopping the real server. The only place that touches
//! `tresor_server::{Config, start, RunningServer}`.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tresor_server::config::SecretString;
use tresor_server::{Config, RunningServer};

use super::BOOTSTRAP_TOKEN;

/// A configuration for a test server: loopback, random port, `dir` as the
/// data dir, the fixed bootstrap token, and optionally a root key file.
pub fn config_for(dir: &Path, root_key_file: Option<&Path>) -> Config {
    let mut c = Config::for_data_dir(dir);
    c.dev = true;
    c.bootstrap_token = Some(SecretString::new(BOOTSTRAP_TOKEN));
    c.scheduler_interval_seconds = 0;
    if let Some(p) = root_key_file {
        c.root_key_file = p.to_path_buf();
    }
    c
}

/// The per-binary shared server.
#[derive(Debug)]
pub struct Shared {
    pub url: String,
    pub token: String,
    pub data_dir: PathBuf,
}

/// Starts (once) a server on its own thread and runtime, so it outlives the
/// runtime of every individual test.
pub fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(|| {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("tresor-e2e-server".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_multi_thread()
                    .worker_threads(2)
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async move {
                    let dir = tempfile::Builder::new()
                        .prefix("tresor-e2e-")
                        .tempdir()
                        .unwrap();
                    let server = tresor_server::start(config_for(dir.path(), None))
                        .await
                        .expect("server start");
                    let token = server
                        .initial_token
                        .clone()
                        .unwrap_or_else(|| BOOTSTRAP_TOKEN.to_owned());
                    tx.send(Shared {
                        url: server.url(),
                        token,
                        data_dir: dir.path().to_path_buf(),
                    })
                    .unwrap();
                    // Serve until the test binary exits.
                    std::future::pending::<()>().await;
                    drop((server, dir));
                });
            })
            .unwrap();
        rx.recv().expect("shared server did not start")
    })
}

/// A server owned by one test (restart scenarios).
#[derive(Debug)]
pub struct Owned {
    pub running: Option<RunningServer>,
    pub url: String,
    pub token: String,
}

impl Owned {
    /// Starts a server on `dir` (created if needed).
    pub async fn start(dir: &Path, root_key_file: Option<&Path>) -> Self {
        Self::try_start(dir, root_key_file)
            .await
            .unwrap_or_else(|e| panic!("server start failed: {e}"))
    }

    /// Starts a server, or says why it refused.
    pub async fn try_start(dir: &Path, root_key_file: Option<&Path>) -> Result<Self, String> {
        let server = tresor_server::start(config_for(dir, root_key_file))
            .await
            .map_err(|e| e.to_string())?;
        let token = server
            .initial_token
            .clone()
            .unwrap_or_else(|| BOOTSTRAP_TOKEN.to_owned());
        Ok(Self {
            url: server.url(),
            token,
            running: Some(server),
        })
    }

    /// The platform-admin client.
    pub fn root(&self) -> super::Api {
        super::Api::unpooled(&self.url, &self.token)
    }

    /// Stops the server and waits until it has released the data dir.
    pub async fn stop(mut self) {
        if let Some(s) = self.running.take() {
            s.shutdown().await;
        }
    }
}
