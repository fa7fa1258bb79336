//! The cryptographic inventory of a tenant: one row per asset with what an
//! auditor asks first — algorithm, size, where it lives, state, age, last
//! rotation, allowed usage, exportability and quantum exposure.

use std::collections::BTreeMap;

use tresor_core::discovery::EndpointResult;
use tresor_core::{Action, Algorithm, Caller, KeyState, Operation, Timestamp};

use super::{Estate, KeyFacts, days_between, quantum_vulnerable};
use crate::error::Result;
use crate::kms::Kms;

/// What kind of asset an inventory row describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssetKind {
    /// A Tresor key (all its versions).
    Key,
}

impl AssetKind {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AssetKind::Key => "key",
        }
    }
}

/// One asset.
#[derive(Debug, Clone)]
pub struct InventoryItem {
    pub kind: AssetKind,
    /// The asset's id (a key id).
    pub id: String,
    /// Its alias or name, if any.
    pub name: Option<String>,
    pub algorithm: Algorithm,
    /// Strength in bits (see [`Algorithm::bits`]).
    pub size_bits: u32,
    pub provider: String,
    pub provider_kind: &'static str,
    pub hardware_backed: bool,
    pub state: KeyState,
    pub origin: &'static str,
    pub created_at: Timestamp,
    pub last_rotated_at: Timestamp,
    pub age_days: i64,
    pub primary_version: u32,
    /// Automatic rotation period in days, when set.
    pub rotation_period_days: Option<i64>,
    /// The operations the key allows.
    pub operations: Vec<Operation>,
    pub exportable: bool,
    /// Broken by a large quantum computer (RSA, ECC).
    pub quantum_vulnerable: bool,
    pub tags: BTreeMap<String, String>,
}

/// A TLS endpoint found by discovery, with its leaf certificate.
#[derive(Debug, Clone)]
pub struct EndpointAsset {
    pub result: EndpointResult,
    /// See [`crate::discovery::endpoint_findings`].
    pub findings: Vec<&'static str>,
    /// The leaf's key is RSA or elliptic-curve.
    pub quantum_vulnerable: bool,
}

/// A certificate of the tenant's store.
#[derive(Debug, Clone)]
pub struct CertificateAsset {
    pub stored: super::StoredCertificate,
    /// See [`crate::discovery::certificate_findings`] (`revoked` added).
    pub findings: Vec<&'static str>,
    /// RSA or elliptic-curve key.
    pub quantum_vulnerable: bool,
}

/// A tenant's inventory.
#[derive(Debug, Clone)]
pub struct Inventory {
    pub tenant: String,
    pub generated_at: Timestamp,
    pub items: Vec<InventoryItem>,
    /// Discovered TLS endpoints (newest result per endpoint).
    pub endpoints: Vec<EndpointAsset>,
    /// Certificates in the tenant's store.
    pub certificates: Vec<CertificateAsset>,
    /// True when the tenant had more assets than one report holds.
    pub truncated: bool,
}

fn key_item(f: &KeyFacts, now: Timestamp) -> InventoryItem {
    let k = &f.key;
    InventoryItem {
        kind: AssetKind::Key,
        id: k.id.to_string(),
        name: k.alias.as_ref().map(ToString::to_string),
        algorithm: k.algorithm,
        size_bits: k.algorithm.bits(),
        provider: k.provider.to_string(),
        provider_kind: f.provider_kind,
        hardware_backed: f.hardware_backed,
        state: k.state,
        origin: k.origin.as_str(),
        created_at: k.created_at,
        last_rotated_at: f.last_rotated_at,
        age_days: days_between(k.created_at, now),
        primary_version: k.primary_version,
        rotation_period_days: k.rotation_period_secs.map(|s| s / 86_400),
        operations: k.operations.iter().copied().collect(),
        exportable: k.exportable,
        quantum_vulnerable: quantum_vulnerable(k.algorithm),
        tags: k.tags.clone(),
    }
}

/// Builds the inventory from an estate.
pub fn build(estate: &Estate) -> Inventory {
    Inventory {
        tenant: estate.tenant.to_string(),
        generated_at: estate.generated_at,
        items: estate
            .keys
            .iter()
            .map(|f| key_item(f, estate.generated_at))
            .collect(),
        truncated: estate.truncated,
        endpoints: estate
            .endpoints
            .iter()
            .map(|r| EndpointAsset {
                findings: crate::discovery::endpoint_findings(r, estate.generated_at),
                quantum_vulnerable: leaf_quantum_vulnerable(r),
                result: r.clone(),
            })
            .collect(),
        certificates: estate
            .certificates
            .iter()
            .map(|c| {
                let mut findings =
                    crate::discovery::certificate_findings(&c.info, estate.generated_at);
                if c.revoked {
                    findings.push("revoked");
                }
                CertificateAsset {
                    quantum_vulnerable: key_quantum_vulnerable(&c.info),
                    findings,
                    stored: c.clone(),
                }
            })
            .collect(),
    }
}

/// True when a certificate's key is RSA or elliptic-curve.
pub fn key_quantum_vulnerable(c: &tresor_core::discovery::CertInfo) -> bool {
    matches!(c.key_type.as_str(), "rsa" | "ec" | "ed25519" | "ed448")
}

/// True when the endpoint's leaf certificate has an RSA or EC key.
pub fn leaf_quantum_vulnerable(r: &EndpointResult) -> bool {
    r.chain.first().is_some_and(key_quantum_vulnerable)
}

impl Kms {
    /// The caller's tenant's cryptographic inventory (readonly and up).
    pub async fn inventory(&self, caller: &Caller) -> Result<Inventory> {
        let (mut op, allowed) = self.begin(caller, Action::InventoryRead);
        let result = async {
            allowed?;
            let inv = build(&self.collect_estate(caller).await?);
            op.detail("items", inv.items.len());
            Ok(inv)
        }
        .await;
        self.finish(op, result).await
    }
}
