//! TLS endpoint discovery: what a scan asks for ([`ScanSpec`]), what it
//! found per endpoint ([`EndpointResult`], with the certificate chain the
//! server presented), and the [`EndpointProber`] port that talks to the
//! network (the service never opens sockets itself).

use std::time::Duration;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use crate::ids::TenantId;
use crate::time::Timestamp;

/// What to scan. Targets are `host:port`, `host` (every port in `ports`),
/// or an IPv4/IPv6 CIDR range (every address × every port in `ports`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanSpec {
    pub targets: Vec<String>,
    /// Ports for targets without one (default: 443).
    pub ports: Vec<u16>,
    /// Endpoints probed at once.
    pub concurrency: u16,
    /// New connections per second, at most.
    pub rate_per_second: u32,
    /// Per-endpoint connect + handshake timeout.
    pub timeout_ms: u32,
    /// Scan again this many minutes after each run finishes (a schedule);
    /// `None`: once.
    #[serde(default)]
    pub repeat_minutes: Option<u32>,
}

/// A scan's progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ScanStatus {
    Running,
    Completed,
    /// Stopped early (e.g. the node shut down); results so far are kept.
    Failed,
}

impl ScanStatus {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ScanStatus::Running => "running",
            ScanStatus::Completed => "completed",
            ScanStatus::Failed => "failed",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "running" => Some(ScanStatus::Running),
            "completed" => Some(ScanStatus::Completed),
            "failed" => Some(ScanStatus::Failed),
            _ => None,
        }
    }
}

/// One certificate of a presented chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertInfo {
    pub subject: String,
    pub issuer: String,
    /// Hex.
    pub serial: String,
    pub not_before: Timestamp,
    pub not_after: Timestamp,
    /// `rsa`, `ec`, `ed25519`, `ed448`, `ml-dsa`, or the OID.
    pub key_type: String,
    /// RSA modulus or curve size in bits (0 when unknown).
    pub key_bits: u32,
    /// Named curve, for EC keys.
    pub curve: Option<String>,
    /// e.g. `sha256WithRSAEncryption`, `ecdsa-with-SHA256`, or the OID.
    pub signature_algorithm: String,
    /// Issuer equals subject.
    pub self_signed: bool,
    pub is_ca: bool,
    /// DNS names and IP addresses from the SAN extension.
    pub sans: Vec<String>,
    /// SHA-256 of the DER, hex.
    pub sha256: String,
}

/// What one endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointResult {
    pub host: String,
    pub port: u16,
    /// A TLS handshake completed with at least one version.
    pub tls: bool,
    /// Versions the server accepted (`TLSv1.2`, `TLSv1.3`).
    pub tls_versions: Vec<String>,
    /// The suite negotiated with the highest version.
    pub cipher_suite: Option<String>,
    /// Leaf first, as presented.
    pub chain: Vec<CertInfo>,
    /// Why nothing (or not everything) could be read.
    pub error: Option<String>,
}

/// A scan and its results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DiscoveryScan {
    /// UUID.
    pub id: String,
    pub tenant: TenantId,
    pub created_by: String,
    pub created_at: Timestamp,
    pub finished_at: Option<Timestamp>,
    pub status: ScanStatus,
    pub spec: ScanSpec,
    /// Endpoints to probe after expanding ranges.
    pub endpoints_total: u32,
    /// The id of the scan that started this one's schedule (its own id for
    /// the first); `None` for a one-off scan.
    #[serde(default)]
    pub schedule: Option<String>,
    /// Endpoints that answered TLS, or failed in a way worth recording
    /// (refused and timed-out endpoints of ranges are left out).
    pub results: Vec<EndpointResult>,
}

/// Talks to endpoints. Implemented by the server with rustls.
#[async_trait]
pub trait EndpointProber: Send + Sync + std::fmt::Debug {
    /// Connects to `host:port` and records what the TLS server presents.
    /// Never fails: problems go into [`EndpointResult::error`].
    async fn probe(&self, host: &str, port: u16, timeout: Duration) -> EndpointResult;
}
