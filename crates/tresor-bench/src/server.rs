//! The server under test as a child process: `tresor serve` on a free
//! 127.0.0.1 port with a given data dir and bootstrap token, readiness
//! polling, and its CPU time and memory read from `/proc/<pid>`.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::process::{Child, Command};

use crate::Error;
use crate::http_load::Conn;

/// A running `tresor serve` child (killed on drop).
#[derive(Debug)]
pub struct ServerProc {
    pub child: Child,
    pub pid: u32,
    pub addr: String,
    /// Seconds from spawn until `/readyz` answered 200.
    pub startup_secs: f64,
}

/// How to launch the server.
#[derive(Debug, Clone)]
pub struct Launch {
    pub bin: PathBuf,
    pub data_dir: PathBuf,
    pub token: String,
    /// `None`: SQLite in the data dir.
    pub database_url: Option<String>,
    /// `TRESOR_ROOT_KEY` (nodes of one cluster share it); `None`: the
    /// root key file in the data dir.
    pub root_key: Option<String>,
    /// Further `TRESOR_*` settings.
    pub env: Vec<(&'static str, String)>,
}

/// A free port on 127.0.0.1 (bound then released).
pub fn free_port() -> Result<u16, Error> {
    let l = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(l.local_addr()?.port())
}

impl ServerProc {
    /// Spawns the server and waits (up to 120 s) until it is ready.
    pub async fn spawn(launch: &Launch) -> Result<Self, Error> {
        let port = free_port()?;
        let addr = format!("127.0.0.1:{port}");
        let mut cmd = Command::new(&launch.bin);
        cmd.arg("serve")
            .arg("--listen")
            .arg(&addr)
            .arg("--data-dir")
            .arg(&launch.data_dir);
        if let Some(url) = &launch.database_url {
            cmd.arg("--database-url").arg(url);
        }
        for v in ["TRESOR_CONFIG", "TRESOR_ROOT_KEY", "TRESOR_DATABASE_URL"] {
            cmd.env_remove(v);
        }
        if let Some(k) = &launch.root_key {
            cmd.env("TRESOR_ROOT_KEY", k);
        }
        cmd.envs(launch.env.iter().map(|(k, v)| (k, v)));
        cmd.env("TRESOR_BOOTSTRAP_TOKEN", &launch.token)
            .env("TRESOR_LOG_LEVEL", "warn")
            .env("TRESOR_SCHEDULER_INTERVAL_SECONDS", "0")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let started = Instant::now();
        let mut child = cmd.spawn()?;
        let pid = child
            .id()
            .ok_or_else(|| Error::msg("server exited at once"))?;
        let deadline = started + Duration::from_secs(120);
        loop {
            if let Some(status) = child.try_wait()? {
                return Err(Error::msg(format!("tresor serve exited: {status}")));
            }
            if ready(&addr).await {
                break;
            }
            if Instant::now() > deadline {
                return Err(Error::msg("tresor serve not ready after 120 s"));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        Ok(Self {
            child,
            pid,
            addr,
            startup_secs: started.elapsed().as_secs_f64(),
        })
    }

    /// Stops the server (SIGKILL; the benchmark data dir is thrown away).
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
    }

    /// CPU seconds (user + system) the server has used so far.
    pub fn cpu_secs(&self) -> Option<f64> {
        cpu_secs(self.pid)
    }

    /// Peak resident set (VmHWM) in MiB.
    pub fn peak_rss_mib(&self) -> Option<f64> {
        status_kib(self.pid, "VmHWM:").map(|k| k as f64 / 1024.0)
    }

    /// Current resident set (VmRSS) in MiB.
    pub fn rss_mib(&self) -> Option<f64> {
        status_kib(self.pid, "VmRSS:").map(|k| k as f64 / 1024.0)
    }
}

async fn ready(addr: &str) -> bool {
    let Ok(mut conn) = Conn::open(addr, "").await else {
        return false;
    };
    matches!(conn.call("GET", "/readyz", None).await, Ok((200, _)))
}

/// utime + stime of `pid` in seconds (clock ticks of 1/100 s on Linux).
pub fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name; utime/stime are 14/15.
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / clock_ticks())
}

fn clock_ticks() -> f64 {
    std::process::Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8_lossy(&o.stdout).trim().parse().ok())
        .unwrap_or(100.0)
}

/// A `kB` line of `/proc/<pid>/status`.
pub fn status_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Total size of the files in `dir` (the database), in MiB.
pub fn dir_size_mib(dir: &Path) -> f64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0.0;
    };
    let bytes: u64 = entries
        .filter_map(|e| e.ok()?.metadata().ok())
        .filter(|m| m.is_file())
        .map(|m| m.len())
        .sum();
    bytes as f64 / (1024.0 * 1024.0)
}
