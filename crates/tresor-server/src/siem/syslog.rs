//! The syslog sink: each audit record as one RFC 5424 message, over UDP
//! (one datagram each, RFC 5426), TCP or TCP+TLS (octet-counted frames,
//! RFC 6587 / RFC 5425) on a connection kept open between passes and
//! re-opened after an error.
//!
//! `<PRI>1 TIMESTAMP HOSTNAME tresor PROCID MSGID [tresor@32473 seq=… …] BOM JSON`:
//! the facility is configurable (default 13, log audit), the severity
//! follows the outcome (success: info, failed: notice, denied: warning),
//! MSGID is the action and MSG the record as JSON (the export format).

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use rustls::pki_types::ServerName;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};
use tokio::sync::Mutex;
use tokio_rustls::TlsConnector;
use tresor_core::Outcome;
use tresor_core::audit::AuditRecord;
use tresor_service::sinks::{AuditSink, SinkError, SinkFailure};

use super::config::{SinkConfig, SyslogTransport, split_host_port};
use crate::config::ConfigError;

/// The private enterprise number used in structured data (32473 is the
/// one RFC 5612 reserves for documentation and examples).
pub const SD_ID: &str = "tresor@32473";

/// Largest UDP payload we send.
const MAX_DATAGRAM: usize = 65_000;

type Conn = Box<dyn AsyncWrite + Unpin + Send>;

/// A syslog destination.
pub struct SyslogSink {
    name: String,
    address: String,
    transport: SyslogTransport,
    facility: u8,
    hostname: String,
    timeout: Duration,
    tls: Option<(TlsConnector, ServerName<'static>)>,
    conn: Mutex<Option<Conn>>,
}

impl std::fmt::Debug for SyslogSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SyslogSink")
            .field("name", &self.name)
            .field("address", &self.address)
            .field("transport", &self.transport)
            .finish_non_exhaustive()
    }
}

fn err(message: impl Into<String>) -> SinkError {
    SinkError(message.into())
}

impl SyslogSink {
    /// Builds the sink from validated configuration (reads the CA file).
    pub fn new(c: &SinkConfig) -> Result<Self, ConfigError> {
        let address = c.address.clone().unwrap_or_default();
        let transport = c.transport.unwrap_or_default();
        let tls = if transport == SyslogTransport::Tls {
            let bad =
                |m: String| ConfigError::Inconsistent(format!("audit sink '{}': {m}", c.name));
            let ca = c
                .ca_file
                .as_deref()
                .ok_or_else(|| bad("`transport = \"tls\"` needs `ca_file`".into()))?;
            let mut roots = rustls::RootCertStore::empty();
            for cert in crate::tls::load_certs(ca, "syslog CA").map_err(|e| bad(e.to_string()))? {
                roots.add(cert).map_err(|e| bad(e.to_string()))?;
            }
            let config = rustls::ClientConfig::builder_with_provider(crate::tls::provider())
                .with_protocol_versions(&[&rustls::version::TLS13, &rustls::version::TLS12])
                .map_err(|e| bad(e.to_string()))?
                .with_root_certificates(roots)
                .with_no_client_auth();
            let host = match &c.server_name {
                Some(n) => n.clone(),
                None => split_host_port(&address)
                    .map(|(h, _)| h)
                    .unwrap_or_default(),
            };
            let name =
                ServerName::try_from(host).map_err(|e| bad(format!("bad TLS server name: {e}")))?;
            Some((TlsConnector::from(Arc::new(config)), name))
        } else {
            None
        };
        Ok(Self {
            name: c.name.clone(),
            address,
            transport,
            facility: c.facility.unwrap_or(13),
            hostname: c.hostname.clone().unwrap_or_else(|| "tresor".into()),
            timeout: c.timeout(),
            tls,
            conn: Mutex::new(None),
        })
    }

    async fn connect(&self) -> Result<Conn, SinkError> {
        let tcp = tokio::time::timeout(self.timeout, TcpStream::connect(&self.address))
            .await
            .map_err(|_| err(format!("connecting to {} timed out", self.address)))?
            .map_err(|e| err(format!("cannot connect to {}: {e}", self.address)))?;
        tcp.set_nodelay(true).ok();
        match &self.tls {
            None => Ok(Box::new(tcp)),
            Some((connector, name)) => {
                let tls = tokio::time::timeout(self.timeout, connector.connect(name.clone(), tcp))
                    .await
                    .map_err(|_| err("TLS handshake timed out"))?
                    .map_err(|e| err(format!("TLS handshake with {} failed: {e}", self.address)))?;
                Ok(Box::new(tls))
            }
        }
    }

    async fn send_stream(&self, records: &[AuditRecord]) -> Result<(), SinkFailure> {
        let mut buf = Vec::new();
        for r in records {
            let msg = format_message(r, self.facility, &self.hostname);
            buf.extend_from_slice(format!("{} ", msg.len()).as_bytes());
            buf.extend_from_slice(msg.as_bytes());
        }
        let mut guard = self.conn.lock().await;
        let fail = |error| SinkFailure {
            delivered: 0,
            error,
        };
        if guard.is_none() {
            *guard = Some(self.connect().await.map_err(fail)?);
        }
        let Some(conn) = guard.as_mut() else {
            return Err(fail(err("no connection")));
        };
        let sent = tokio::time::timeout(self.timeout, async {
            conn.write_all(&buf).await?;
            conn.flush().await
        })
        .await;
        match sent {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => {
                *guard = None;
                Err(fail(err(format!(
                    "sending to {} failed: {e}",
                    self.address
                ))))
            }
            Err(_) => {
                *guard = None;
                Err(fail(err(format!("sending to {} timed out", self.address))))
            }
        }
    }

    async fn send_udp(&self, records: &[AuditRecord]) -> Result<(), SinkFailure> {
        let fail = |delivered, error| SinkFailure { delivered, error };
        let target = tokio::net::lookup_host(&self.address)
            .await
            .map_err(|e| fail(0, err(format!("cannot resolve {}: {e}", self.address))))?
            .next()
            .ok_or_else(|| fail(0, err(format!("{} has no address", self.address))))?;
        let local = if target.is_ipv4() {
            "0.0.0.0:0"
        } else {
            "[::]:0"
        };
        let sock = UdpSocket::bind(local)
            .await
            .map_err(|e| fail(0, err(format!("cannot open a UDP socket: {e}"))))?;
        for (i, r) in records.iter().enumerate() {
            let msg = format_message(r, self.facility, &self.hostname);
            if msg.len() > MAX_DATAGRAM {
                return Err(fail(
                    i,
                    err(format!("record {} is too large for UDP", r.seq)),
                ));
            }
            sock.send_to(msg.as_bytes(), target)
                .await
                .map_err(|e| fail(i, err(format!("sending to {} failed: {e}", self.address))))?;
        }
        Ok(())
    }
}

#[async_trait]
impl AuditSink for SyslogSink {
    fn name(&self) -> &str {
        &self.name
    }

    fn kind(&self) -> &'static str {
        "syslog"
    }

    fn target(&self) -> String {
        let t = match self.transport {
            SyslogTransport::Udp => "udp",
            SyslogTransport::Tcp => "tcp",
            SyslogTransport::Tls => "tls",
        };
        format!("{t}://{}", self.address)
    }

    async fn deliver(&self, records: &[AuditRecord]) -> Result<(), SinkFailure> {
        match self.transport {
            SyslogTransport::Udp => self.send_udp(records).await,
            SyslogTransport::Tcp | SyslogTransport::Tls => self.send_stream(records).await,
        }
    }
}

/// Escapes a structured-data parameter value (RFC 5424 §6.3.3).
fn sd_escape(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for c in v.chars() {
        if matches!(c, '"' | '\\' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A header field: printable US-ASCII, at most `max` characters, `-` if empty.
fn header_field(v: &str, max: usize) -> String {
    let s: String = v
        .chars()
        .filter(|c| c.is_ascii_graphic())
        .take(max)
        .collect();
    if s.is_empty() { "-".into() } else { s }
}

/// One record as an RFC 5424 message (without transport framing).
pub fn format_message(r: &AuditRecord, facility: u8, hostname: &str) -> String {
    let severity = match r.event.outcome {
        Outcome::Success => 6,
        Outcome::Denied => 4,
        _ => 5,
    };
    let pri = u16::from(facility) * 8 + severity;
    let json = serde_json::to_string(r).unwrap_or_default();
    let hash: String = r.hash.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "<{pri}>1 {ts} {host} tresor {pid} {msgid} [{SD_ID} seq=\"{seq}\" tenant=\"{tenant}\" principal=\"{principal}\" outcome=\"{outcome}\" hash=\"{hash}\"] \u{feff}{json}",
        ts = r.event.time.to_rfc3339(),
        host = header_field(hostname, 255),
        pid = std::process::id(),
        msgid = header_field(&r.event.action, 32),
        seq = r.seq,
        tenant = sd_escape(&r.event.tenant),
        principal = sd_escape(&r.event.principal),
        outcome = r.event.outcome.as_str(),
    )
}
