//! The KMIP load generator: binary TTLV over TLS with the client
//! certificate, one connection per task, requests back to back for a fixed
//! time, every response decoded and checked, latencies in an HDR
//! histogram (µs).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;
use tresor_kmip::{DecodeOptions, Tag, Ttlv, Value, binary, frame_len, xml};

use crate::Error;
use crate::certs::Certs;

/// Largest response accepted (a KMIP answer here is well under 64 KiB).
const MAX_RESPONSE: usize = 1 << 20;

/// A TLS client configuration presenting the bench client certificate.
pub fn connector(c: &Certs) -> Result<TlsConnector, Error> {
    let tls = |e: &dyn std::fmt::Display| Error(format!("TLS client: {e}"));
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from_pem_file(&c.ca).map_err(|e| tls(&e))?)
        .map_err(|e| tls(&e))?;
    let chain = vec![CertificateDer::from_pem_file(&c.client_cert).map_err(|e| tls(&e))?];
    let key = PrivateKeyDer::from_pem_file(&c.client_key).map_err(|e| tls(&e))?;
    let config = rustls::ClientConfig::builder_with_provider(tresor_server::tls::provider())
        .with_safe_default_protocol_versions()
        .map_err(|e| tls(&e))?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| tls(&e))?;
    Ok(TlsConnector::from(Arc::new(config)))
}

/// One KMIP connection.
pub struct Client {
    io: TlsStream<TcpStream>,
    buf: Vec<u8>,
}

impl Client {
    pub async fn connect(tls: &TlsConnector, addr: SocketAddr) -> Result<Self, Error> {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        let name = ServerName::try_from("localhost").map_err(|e| Error(e.to_string()))?;
        let io = tls.connect(name, tcp).await?;
        Ok(Self {
            io,
            buf: Vec::with_capacity(4096),
        })
    }

    /// Sends one encoded request; the response payload, or the server's
    /// failure as an error.
    pub async fn call(&mut self, request: &[u8]) -> Result<Ttlv, Error> {
        self.io.write_all(request).await?;
        let mut header = [0u8; 8];
        self.io.read_exact(&mut header).await?;
        let total = frame_len(&header).map_err(|e| Error(e.to_string()))?;
        if total > MAX_RESPONSE {
            return Err(Error(format!("response of {total} bytes")));
        }
        self.buf.clear();
        self.buf.extend_from_slice(&header);
        self.buf.resize(total, 0);
        self.io.read_exact(&mut self.buf[8..]).await?;
        let resp = binary::decode(&self.buf).map_err(|e| Error(e.to_string()))?;
        payload(&resp)
    }
}

/// The response payload of the single batch item, or its failure.
fn payload(resp: &Ttlv) -> Result<Ttlv, Error> {
    let item = resp
        .child(Tag::BatchItem)
        .ok_or_else(|| Error("response without a batch item".into()))?;
    match item.child(Tag::ResultStatus).map(|s| &s.value) {
        Some(Value::Enumeration(0)) => Ok(item
            .child(Tag::ResponsePayload)
            .cloned()
            .unwrap_or_else(|| Ttlv::new(Tag::ResponsePayload, Value::Structure(vec![])))),
        _ => {
            let msg = match item.child(Tag::ResultMessage).map(|m| &m.value) {
                Some(Value::TextString(s)) => s.clone(),
                _ => String::new(),
            };
            Err(Error(format!("KMIP operation failed: {msg}")))
        }
    }
}

/// A KMIP 1.2 request message with one batch item, binary-encoded.
pub fn request(operation: &str, payload_xml: &str) -> Result<Vec<u8>, Error> {
    let text = format!(
        r#"<RequestMessage><RequestHeader><ProtocolVersion><ProtocolVersionMajor type="Integer" value="1"/>
        <ProtocolVersionMinor type="Integer" value="2"/></ProtocolVersion><BatchCount type="Integer" value="1"/></RequestHeader>
        <BatchItem><Operation type="Enumeration" value="{operation}"/><RequestPayload>{payload_xml}</RequestPayload></BatchItem></RequestMessage>"#
    );
    let ttlv = xml::decode(&text, &DecodeOptions::new()).map_err(|e| Error(e.to_string()))?;
    binary::encode(&ttlv).map_err(|e| Error(e.to_string()))
}

/// A text field of a payload.
pub fn text(payload: &Ttlv, tag: Tag) -> Result<String, Error> {
    match payload.child(tag).map(|c| &c.value) {
        Some(Value::TextString(s)) => Ok(s.clone()),
        _ => Err(Error(format!("response without {tag:?}"))),
    }
}

/// One measured point.
#[derive(Debug, Clone)]
pub struct Point {
    pub conns: usize,
    pub ops_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
}

/// Runs `conns` connections sending `request` for `duration`.
pub async fn run_point(
    tls: &TlsConnector,
    addr: SocketAddr,
    request: Arc<Vec<u8>>,
    conns: usize,
    duration: Duration,
) -> Result<Point, Error> {
    let mut clients = Vec::with_capacity(conns);
    for _ in 0..conns {
        clients.push(Client::connect(tls, addr).await?);
    }
    let start = Instant::now();
    let deadline = start + duration;
    let mut tasks = Vec::with_capacity(conns);
    for mut c in clients {
        let request = request.clone();
        tasks.push(tokio::spawn(async move {
            let mut h = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)
                .map_err(|e| Error(e.to_string()))?;
            while Instant::now() < deadline {
                let t = Instant::now();
                c.call(&request).await?;
                let us = u64::try_from(t.elapsed().as_micros()).unwrap_or(u64::MAX);
                h.saturating_record(us.max(1));
            }
            Ok::<_, Error>(h)
        }));
    }
    let mut all =
        Histogram::<u64>::new_with_bounds(1, 60_000_000, 3).map_err(|e| Error(e.to_string()))?;
    for t in tasks {
        let h = t.await.map_err(|e| Error(e.to_string()))??;
        all.add(&h).map_err(|e| Error(e.to_string()))?;
    }
    let secs = start.elapsed().as_secs_f64();
    Ok(Point {
        conns,
        ops_per_sec: all.len() as f64 / secs,
        p50_ms: all.value_at_quantile(0.5) as f64 / 1000.0,
        p99_ms: all.value_at_quantile(0.99) as f64 / 1000.0,
    })
}
