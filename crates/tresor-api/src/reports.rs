//! Report bodies: the cryptographic inventory (`GET /v1/inventory`), the
//! compliance report (`GET /v1/compliance/report`) and post-quantum
//! readiness (`GET /v1/pqc/readiness`). Times are RFC 3339.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One asset of the inventory.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InventoryItem {
    /// `key`.
    pub kind: String,
    pub id: String,
    /// Alias or name.
    pub name: Option<String>,
    pub algorithm: String,
    /// Strength in bits (key length, modulus, curve size).
    pub size_bits: u32,
    pub provider: String,
    /// `software`, `pkcs11`, ...
    pub provider_kind: String,
    pub hardware_backed: bool,
    pub state: String,
    /// `generated`, `imported` or `registered`.
    pub origin: String,
    pub created_at: String,
    /// When the primary version was created.
    pub last_rotated_at: String,
    pub age_days: i64,
    pub primary_version: u32,
    pub rotation_period_days: Option<i64>,
    /// Allowed operations.
    pub operations: Vec<String>,
    pub exportable: bool,
    /// Broken by a large quantum computer (RSA, ECC).
    pub quantum_vulnerable: bool,
    pub tags: BTreeMap<String, String>,
}

/// A TLS endpoint found by discovery (newest result per endpoint).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InventoryEndpoint {
    pub host: String,
    pub port: u16,
    pub tls_versions: Vec<String>,
    pub cipher_suite: Option<String>,
    /// The leaf certificate.
    pub certificate: Option<crate::DiscoveredCertificate>,
    /// `expired`, `expiring-soon`, `weak-key`, `self-signed`, ...
    pub findings: Vec<String>,
    pub quantum_vulnerable: bool,
}

/// A certificate of the tenant's store (issued, self-signed or imported).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InventoryCertificate {
    pub id: String,
    /// `issued`, `self-signed` or `imported`.
    pub origin: String,
    /// The issuing Tresor CA.
    pub ca: Option<String>,
    /// The Tresor key holding its private key.
    pub key_id: Option<String>,
    pub trust_anchor: bool,
    pub certificate: crate::DiscoveredCertificate,
    /// `expired`, `expiring-soon`, `weak-key`, `weak-signature`, `revoked`, ...
    pub findings: Vec<String>,
    pub quantum_vulnerable: bool,
}

/// `GET /v1/inventory` (JSON form; `?format=csv` and `?format=cyclonedx`
/// give CSV and a CycloneDX 1.6 CBOM).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct InventoryResponse {
    pub tenant: String,
    pub generated_at: String,
    pub items: Vec<InventoryItem>,
    /// TLS endpoints from the tenant's recent discovery scans.
    pub endpoints: Vec<InventoryEndpoint>,
    /// Certificates in the tenant's store.
    pub certificates: Vec<InventoryCertificate>,
    /// True when the tenant holds more assets than one report lists.
    pub truncated: bool,
}

/// The thresholds a compliance report used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ComplianceThresholds {
    pub max_key_age_days: i64,
    pub exportable_max_age_days: i64,
    pub require_hardware: bool,
}

/// One rule violated by one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ComplianceFinding {
    /// Stable rule id, e.g. `max-age-exceeded`.
    pub rule: String,
    /// `low`, `medium` or `high`.
    pub severity: String,
    pub key_id: String,
    pub key_name: Option<String>,
    pub algorithm: String,
    pub message: String,
}

/// A rule's findings summed up, with what to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ComplianceRecommendation {
    pub rule: String,
    pub severity: String,
    /// Keys affected.
    pub keys: usize,
    pub action: String,
}

/// `GET /v1/compliance/report`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ComplianceReportResponse {
    pub tenant: String,
    pub generated_at: String,
    pub thresholds: ComplianceThresholds,
    /// Live (not destroyed) keys checked.
    pub keys_checked: usize,
    pub keys_compliant: usize,
    /// 0-100 (see docs/compliance.md for how it is computed).
    pub score: u8,
    /// High severity first.
    pub findings: Vec<ComplianceFinding>,
    pub recommendations: Vec<ComplianceRecommendation>,
    pub truncated: bool,
}

/// One key's quantum exposure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PqcKeyAssessment {
    pub key_id: String,
    pub key_name: Option<String>,
    pub algorithm: String,
    /// `quantum-safe`, `weakened` or `vulnerable`.
    pub status: String,
    /// `confidentiality` and/or `signature`.
    pub uses: Vec<String>,
}

/// One step of the post-quantum migration plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PqcMigrationStep {
    pub key_id: String,
    pub key_name: Option<String>,
    pub algorithm: String,
    /// `high`, `medium` or `low`.
    pub priority: String,
    pub reason: String,
    /// Algorithms to move to (one per use).
    pub replacements: Vec<String>,
    /// A registered provider can generate every replacement.
    pub replacement_available: bool,
    pub action: String,
}

/// `GET /v1/pqc/readiness`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PqcReadinessResponse {
    pub tenant: String,
    pub generated_at: String,
    pub keys_total: usize,
    pub quantum_safe: usize,
    pub weakened: usize,
    pub vulnerable: usize,
    /// Share of live keys already quantum-safe, 0-100.
    pub readiness_percent: u8,
    pub keys: Vec<PqcKeyAssessment>,
    /// Most urgent first.
    pub migration_plan: Vec<PqcMigrationStep>,
    /// Certificates of discovered TLS endpoints.
    pub certificates_total: usize,
    /// Those with RSA or elliptic-curve keys (`host:port subject`).
    pub vulnerable_certificates: Vec<String>,
    pub truncated: bool,
}
