//! The two servers under test as child processes (killed on drop):
//! `tresor serve` with its KMIP listener (SQLite in a temp dir, the bench
//! client certificate mapped to an admin principal), and PyKMIP's server
//! (`kmip.services.server`) with TLS client authentication.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use rustix::process::{Pid, Signal, kill_process_group};
use tokio::process::{Child, Command};

use crate::Error;
use crate::certs::{CLIENT_CN, Certs};

const TOKEN: &str = "tresor_kmip-bench-bootstrap-token-0123456789abcdef";

/// A running server: its child process (killed when this is dropped)
/// and KMIP address.
#[derive(Debug)]
pub struct Server {
    child: Child,
    /// Whether the child leads a process group of its own that is killed
    /// with it: PyKMIP's server forks a policy-directory monitor that
    /// outlives a kill of its parent alone.
    group: bool,
    pub kmip: SocketAddr,
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.group {
            return;
        }
        let leader = self.child.id().and_then(|id| i32::try_from(id).ok());
        if let Some(pid) = leader.and_then(Pid::from_raw) {
            // Best effort: the group may already be gone.
            let _ = kill_process_group(pid, Signal::KILL);
        }
    }
}

fn free_port() -> Result<u16, Error> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

/// Waits until something accepts TCP connections on `addr`.
async fn wait_for_port(child: &mut Child, addr: SocketAddr, what: &str) -> Result<(), Error> {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = child.try_wait()? {
            return Err(Error(format!("{what} exited: {status}")));
        }
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(());
        }
        if Instant::now() > deadline {
            return Err(Error(format!("{what} not listening after 60 s")));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// `tresor serve` with KMIP on a free port; maps the client certificate.
pub async fn tresor(bin: &Path, dir: &Path, certs: &Certs) -> Result<Server, Error> {
    let http = SocketAddr::from(([127, 0, 0, 1], free_port()?));
    let kmip = SocketAddr::from(([127, 0, 0, 1], free_port()?));
    let mut cmd = Command::new(bin);
    cmd.arg("serve")
        .arg("--listen")
        .arg(http.to_string())
        .arg("--data-dir")
        .arg(dir.join("tresor-data"));
    for v in ["TRESOR_CONFIG", "TRESOR_ROOT_KEY", "TRESOR_DATABASE_URL"] {
        cmd.env_remove(v);
    }
    cmd.env("TRESOR_BOOTSTRAP_TOKEN", TOKEN)
        .env("TRESOR_LOG_LEVEL", "warn")
        .env("TRESOR_SCHEDULER_INTERVAL_SECONDS", "0")
        .env("TRESOR_KMIP_LISTEN", kmip.to_string())
        .env("TRESOR_KMIP_TLS_CERT", &certs.server_cert)
        .env("TRESOR_KMIP_TLS_KEY", &certs.server_key)
        .env("TRESOR_KMIP_CLIENT_CA", &certs.ca)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    let mut child = cmd.spawn()?;
    wait_for_port(&mut child, kmip, "tresor serve").await?;
    wait_for_port(&mut child, http, "tresor serve").await?;
    let client = reqwest::Client::new();
    let r = client
        .post(format!("http://{http}/v1/cert-principals"))
        .bearer_auth(TOKEN)
        .json(&serde_json::json!({"subject_cn": CLIENT_CN, "role": "admin"}))
        .send()
        .await
        .map_err(|e| Error(format!("mapping the client certificate: {e}")))?;
    if !r.status().is_success() {
        return Err(Error(format!(
            "mapping the client certificate: HTTP {}",
            r.status()
        )));
    }
    Ok(Server {
        child,
        group: false,
        kmip,
    })
}

/// PyKMIP's server on a free port, with its own SQLite database.
pub async fn pykmip(python: &Path, dir: &Path, certs: &Certs) -> Result<Server, Error> {
    let port = free_port()?;
    let kmip = SocketAddr::from(([127, 0, 0, 1], port));
    let policies = dir.join("pykmip-policies");
    std::fs::create_dir_all(&policies)?;
    let conf = dir.join("pykmip-server.conf");
    std::fs::write(
        &conf,
        format!(
            "[server]\nhostname=127.0.0.1\nport={port}\ncertificate_path={}\nkey_path={}\nca_path={}\n\
             auth_suite=TLS1.2\npolicy_path={}\nenable_tls_client_auth=True\n\
             database_path={}\nlogging_level=WARNING\n",
            certs.server_cert.display(),
            certs.server_key.display(),
            certs.ca.display(),
            policies.display(),
            dir.join("pykmip.db").display(),
        ),
    )?;
    let child = Command::new(python)
        .arg("-c")
        .arg("import sys, warnings; warnings.filterwarnings('ignore'); from kmip.services.server.server import main; main()")
        .arg("-f")
        .arg(&conf)
        .arg("-l")
        .arg(dir.join("pykmip-server.log"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()?;
    let mut server = Server {
        child,
        group: true,
        kmip,
    };
    wait_for_port(&mut server.child, kmip, "pykmip-server").await?;
    Ok(server)
}
