//! The HTTP load generator: one keep-alive HTTP/1.1 connection per task
//! (hyper client), a fixed number of connections issuing requests back to
//! back for a fixed time, latencies in an HDR histogram (microseconds).

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use hdrhistogram::Histogram;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use crate::Error;

/// One request of a workload.
#[derive(Debug, Clone)]
pub struct Req {
    pub method: &'static str,
    pub path: String,
    pub body: Option<Bytes>,
}

/// Makes the n-th request of a workload (n counts per connection).
pub type ReqGen = Arc<dyn Fn(u64) -> Req + Send + Sync>;

/// A keep-alive connection to the server.
#[derive(Debug)]
pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    auth: String,
    token: String,
    host: String,
}

impl Conn {
    /// Connects to `addr` (`127.0.0.1:port`); `token` may be empty.
    pub async fn open(addr: &str, token: &str) -> Result<Self, Error> {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(tcp)).await?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Self {
            sender,
            auth: format!("Bearer {token}"),
            token: token.to_owned(),
            host: addr.to_owned(),
        })
    }

    /// Sends one request; returns the status and the body.
    pub async fn call(
        &mut self,
        method: &str,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<(u16, Bytes), Error> {
        self.call_with(method, path, body, None).await
    }

    /// Like [`Conn::call`], with an `X-Request-Id`.
    pub async fn call_with(
        &mut self,
        method: &str,
        path: &str,
        body: Option<Bytes>,
        request_id: Option<&str>,
    ) -> Result<(u16, Bytes), Error> {
        let mut b = hyper::Request::builder()
            .method(method)
            .uri(path)
            .header("host", &self.host)
            .header("authorization", &self.auth);
        if body.is_some() {
            b = b.header("content-type", "application/json");
        }
        if let Some(id) = request_id {
            b = b.header("x-request-id", id);
        }
        let req = b.body(Full::new(body.unwrap_or_default()))?;
        self.sender.ready().await?;
        let res = self.sender.send_request(req).await?;
        let status = res.status().as_u16();
        let body = res.into_body().collect().await?.to_bytes();
        Ok((status, body))
    }

    /// Sends a JSON request and parses a 2xx JSON answer.
    pub async fn json(
        &mut self,
        method: &str,
        path: &str,
        body: Option<serde_json::Value>,
    ) -> Result<serde_json::Value, Error> {
        let body = body.map(|v| Bytes::from(v.to_string()));
        let (status, bytes) = self.call(method, path, body).await?;
        if !(200..300).contains(&status) {
            return Err(Error::msg(format!(
                "{method} {path}: HTTP {status}: {}",
                String::from_utf8_lossy(&bytes)
            )));
        }
        Ok(serde_json::from_slice(&bytes)?)
    }
}

/// The result of one load point.
#[derive(Debug, Clone)]
pub struct PointResult {
    pub conns: usize,
    pub ok: u64,
    pub errors: u64,
    pub secs: f64,
    /// Latency of successful requests, microseconds.
    pub hist: Histogram<u64>,
}

impl PointResult {
    /// Successful requests per second.
    pub fn rate(&self) -> f64 {
        if self.secs > 0.0 {
            self.ok as f64 / self.secs
        } else {
            0.0
        }
    }
}

/// A fresh latency histogram (1 µs to 60 s, 3 significant digits).
pub fn new_hist() -> Result<Histogram<u64>, Error> {
    Histogram::new_with_bounds(1, 60_000_000, 3).map_err(|e| Error::msg(e.to_string()))
}

/// Drives `conns` connections for `dur`; each sends `gen(n)` back to back.
pub async fn run_point(
    addr: &str,
    token: &str,
    generator: &ReqGen,
    conns: usize,
    dur: Duration,
) -> Result<PointResult, Error> {
    run_point_on(&[addr], token, generator, conns, dur).await
}

/// Like [`run_point`], with connection `i` going to `addrs[i % len]`
/// (the load split evenly over several nodes).
pub async fn run_point_on(
    addrs: &[&str],
    token: &str,
    generator: &ReqGen,
    conns: usize,
    dur: Duration,
) -> Result<PointResult, Error> {
    if addrs.is_empty() {
        return Err(Error::msg("no server to load"));
    }
    let mut opened = Vec::with_capacity(conns);
    for i in 0..conns {
        opened.push(Conn::open(addrs[i % addrs.len()], token).await?);
    }
    let start = Instant::now();
    let deadline = start + dur;
    let mut tasks = Vec::with_capacity(conns);
    for (i, mut conn) in opened.into_iter().enumerate() {
        let generator = generator.clone();
        tasks.push(tokio::spawn(async move {
            let mut hist = new_hist()?;
            let (mut ok, mut errors) = (0u64, 0u64);
            let mut n = (i as u64) << 32;
            while Instant::now() < deadline {
                let req = generator(n);
                n += 1;
                let t = Instant::now();
                match conn.call(req.method, &req.path, req.body).await {
                    Ok((s, _)) if (200..300).contains(&s) => {
                        ok += 1;
                        let us = t.elapsed().as_micros().max(1);
                        hist.saturating_record(u64::try_from(us).unwrap_or(u64::MAX));
                    }
                    Ok(_) => errors += 1,
                    Err(_) => {
                        errors += 1;
                        conn = Conn::open(&conn.host, &conn.token).await?;
                    }
                }
            }
            Ok::<_, Error>((hist, ok, errors))
        }));
    }
    let mut total = new_hist()?;
    let (mut ok, mut errors) = (0, 0);
    for t in tasks {
        let (h, o, e) = t.await.map_err(|e| Error::msg(e.to_string()))??;
        total.add(h).map_err(|e| Error::msg(e.to_string()))?;
        ok += o;
        errors += e;
    }
    Ok(PointResult {
        conns,
        ok,
        errors,
        secs: start.elapsed().as_secs_f64(),
        hist: total,
    })
}
