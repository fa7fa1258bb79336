//! Discovery bodies: `POST /v1/discovery/scans` and the scans it records.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/discovery/scans`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateScanRequest {
    /// `host:port`, `host` (scanned on every port in `ports`), `[v6]:port`,
    /// or a CIDR range (at most 4096 addresses); 1 to 64 entries.
    pub targets: Vec<String>,
    /// Ports for targets without one (default `[443]`, at most 32).
    #[serde(default)]
    pub ports: Vec<u16>,
    /// Endpoints probed at once, 1-64 (default 16).
    #[serde(default)]
    pub concurrency: Option<u16>,
    /// New connections per second, 1-1000 (default 50).
    #[serde(default)]
    pub rate_per_second: Option<u32>,
    /// Per-endpoint timeout, 100-30000 ms (default 3000).
    #[serde(default)]
    pub timeout_ms: Option<u32>,
    /// Repeat the scan this many minutes after each run finishes (5-10080),
    /// run by the scheduler; stop with
    /// `DELETE /v1/discovery/schedules/{schedule}`.
    #[serde(default)]
    pub repeat_minutes: Option<u32>,
    /// Answer when the scan has finished (201) instead of at once (202).
    #[serde(default)]
    pub wait: bool,
}

/// One certificate of a presented chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DiscoveredCertificate {
    pub subject: String,
    pub issuer: String,
    /// Hex.
    pub serial: String,
    pub not_before: String,
    pub not_after: String,
    /// `rsa`, `ec`, `ed25519`, ...
    pub key_type: String,
    pub key_bits: u32,
    pub curve: Option<String>,
    pub signature_algorithm: String,
    pub self_signed: bool,
    pub is_ca: bool,
    pub sans: Vec<String>,
    /// SHA-256 of the DER (hex).
    pub sha256: String,
}

/// What one endpoint answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct DiscoveredEndpoint {
    pub host: String,
    pub port: u16,
    pub tls: bool,
    /// `TLSv1.2`, `TLSv1.3` (older versions are not probed).
    pub tls_versions: Vec<String>,
    pub cipher_suite: Option<String>,
    /// Leaf first.
    pub chain: Vec<DiscoveredCertificate>,
    /// `expired`, `expiring-soon`, `not-yet-valid`, `weak-key`,
    /// `weak-signature`, `self-signed`, `no-tls`.
    pub findings: Vec<String>,
    pub error: Option<String>,
}

/// A discovery scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScanResponse {
    pub id: String,
    /// `running`, `completed` or `failed`.
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    pub finished_at: Option<String>,
    pub targets: Vec<String>,
    pub ports: Vec<u16>,
    pub concurrency: u16,
    pub rate_per_second: u32,
    pub timeout_ms: u32,
    pub repeat_minutes: Option<u32>,
    /// The schedule this run belongs to (the id of its first run).
    pub schedule: Option<String>,
    /// Endpoints probed (after expanding ranges).
    pub endpoints_total: u32,
    /// Endpoints that answered TLS, and named endpoints that did not.
    pub results: Vec<DiscoveredEndpoint>,
}

/// `GET /v1/discovery/scans` (newest first).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ScanListResponse {
    pub scans: Vec<ScanResponse>,
}
