//! A private `redis-server` per test on a free port, so tests never share
//! Redis with each other (Tresor's Redis keys are not namespaced per
//! deployment: two deployments on one Redis would read each other's
//! cached metadata).

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A throw-away `redis-server` on a free port, killed on drop.
pub struct RedisServer {
    child: Child,
    /// Its URL.
    pub url: String,
}

impl RedisServer {
    /// Starts one, or `None` (with a message) where Redis tests are not
    /// expected (`TRESOR_TEST_REDIS_URL` unset).
    pub fn start() -> Option<Self> {
        if std::env::var("TRESOR_TEST_REDIS_URL").is_err() {
            println!("skipped: TRESOR_TEST_REDIS_URL not set");
            return None;
        }
        let port = free_port();
        let child = Command::new("redis-server")
            .args([
                "--port",
                &port.to_string(),
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .args(["--bind", "127.0.0.1"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server (install the redis-server package)");
        let url = format!("redis://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "redis-server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(Self { child, url })
    }

    /// Kills it (requests then find Redis unreachable).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A free TCP port on 127.0.0.1 (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}
