//! Reports over a tenant's cryptographic estate: the inventory (JSON, CSV,
//! CycloneDX 1.6 CBOM), the compliance report and post-quantum readiness.
//!
//! Every report is built from metadata only — never from key material — and
//! is one audited, authorized service call scoped to the caller's tenant.

pub mod cbom;
pub mod compliance;
pub mod csv;
pub mod inventory;
pub mod pqc;

use tresor_core::{
    Algorithm, Caller, KeyClass, KeyFilter, KeyRecord, Operation, PageRequest, TenantId, Timestamp,
};

use crate::error::Result;
use crate::kms::Kms;

/// At most this many keys go into one report; a larger tenant gets a
/// report marked `truncated` (bounded memory and time per request).
pub const MAX_REPORT_KEYS: usize = 100_000;

const PAGE: u32 = 1000;
/// How many recent discovery scans feed the reports.
pub const SCANS_IN_REPORTS: u32 = 50;
const SECONDS_PER_DAY: i64 = 86_400;

/// What a report knows about one key: its record plus facts that need the
/// versions or the provider registry.
#[derive(Debug, Clone)]
pub struct KeyFacts {
    /// The key's metadata.
    pub key: KeyRecord,
    /// When the primary version was created (the last rotation).
    pub last_rotated_at: Timestamp,
    /// The provider's kind (`software`, `pkcs11`, ...), or `unknown` when it
    /// is no longer registered.
    pub provider_kind: &'static str,
    /// Whether the key's provider keeps material in hardware.
    pub hardware_backed: bool,
}

impl KeyFacts {
    /// Whole days since the key was created, at `now`.
    pub fn age_days(&self, now: Timestamp) -> i64 {
        days_between(self.key.created_at, now)
    }

    /// Whole days since the last rotation, at `now`.
    pub fn days_since_rotation(&self, now: Timestamp) -> i64 {
        days_between(self.last_rotated_at, now)
    }

    /// True when the key has not been destroyed (material still exists).
    pub fn is_live(&self) -> bool {
        !self.key.state.is_destroyed()
    }
}

/// Whole days from `from` to `to` (never negative).
pub fn days_between(from: Timestamp, to: Timestamp) -> i64 {
    ((to.unix_seconds() - from.unix_seconds()) / SECONDS_PER_DAY).max(0)
}

/// True when a large quantum computer breaks the algorithm (Shor): RSA and
/// elliptic-curve keys, for every use.
pub fn quantum_vulnerable(alg: Algorithm) -> bool {
    matches!(
        alg.class(),
        KeyClass::Rsa | KeyClass::Ec | KeyClass::Edwards | KeyClass::Montgomery
    )
}

/// True when the key's allowed operations establish or protect keys or data
/// (encryption, wrapping, agreement): "harvest now, decrypt later" applies.
pub fn protects_confidentiality(ops: &std::collections::BTreeSet<Operation>) -> bool {
    ops.iter().any(|o| {
        matches!(
            o,
            Operation::Encrypt
                | Operation::Decrypt
                | Operation::Wrap
                | Operation::Unwrap
                | Operation::Agree
                | Operation::Encapsulate
                | Operation::Decapsulate
        )
    })
}

/// The keys a report covers, and whether the list was cut at
/// [`MAX_REPORT_KEYS`].
#[derive(Debug, Clone)]
pub struct Estate {
    /// The tenant reported on.
    pub tenant: TenantId,
    /// When the report was made.
    pub generated_at: Timestamp,
    /// Every (non-internal) key of the tenant, oldest id first.
    pub keys: Vec<KeyFacts>,
    /// True when the tenant had more keys than one report holds.
    pub truncated: bool,
    /// TLS endpoints found by the tenant's recent discovery scans (the
    /// newest result per endpoint that answered TLS).
    pub endpoints: Vec<tresor_core::discovery::EndpointResult>,
    /// Certificates in the tenant's store (issued, self-signed, imported),
    /// with the facts parsed from their DER.
    pub certificates: Vec<StoredCertificate>,
}

/// A certificate of the tenant's store and what its DER says.
#[derive(Debug, Clone)]
pub struct StoredCertificate {
    pub id: String,
    /// `issued`, `self-signed` or `imported`.
    pub origin: String,
    /// The issuing Tresor CA.
    pub ca: Option<String>,
    /// The Tresor key holding its private key.
    pub key_id: Option<String>,
    pub trust_anchor: bool,
    pub revoked: bool,
    pub info: tresor_core::discovery::CertInfo,
}

impl Kms {
    /// Reads the caller's tenant's keys (no authorization or audit: the
    /// calling report does both).
    pub(crate) async fn collect_estate(&self, caller: &Caller) -> Result<Estate> {
        let tenant = caller.tenant.clone();
        let filter = KeyFilter::default();
        let mut keys = Vec::new();
        let mut after = None;
        let mut truncated = false;
        loop {
            let page = self
                .store()
                .list_keys(&tenant, &filter, PageRequest { after, limit: PAGE })
                .await?;
            for key in page.items {
                if keys.len() == MAX_REPORT_KEYS {
                    truncated = true;
                    break;
                }
                keys.push(self.key_facts(key).await?);
            }
            match page.next {
                Some(next) if !truncated => after = Some(next),
                _ => break,
            }
        }
        let endpoints = self.discovered_endpoints(&tenant).await?;
        let (certificates, certs_truncated) = self.stored_certificates(&tenant).await?;
        Ok(Estate {
            tenant,
            generated_at: self.now(),
            keys,
            truncated: truncated || certs_truncated,
            endpoints,
            certificates,
        })
    }

    /// The tenant's stored certificates (at most [`MAX_REPORT_KEYS`]).
    async fn stored_certificates(
        &self,
        tenant: &TenantId,
    ) -> Result<(Vec<StoredCertificate>, bool)> {
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let filter = tresor_core::CertificateFilter {
                after,
                limit: PAGE,
                ..Default::default()
            };
            let page = self.store().list_certificates(tenant, &filter).await?;
            let Some(last) = page.last() else {
                return Ok((out, false));
            };
            after = Some(last.id);
            for c in page {
                if out.len() == MAX_REPORT_KEYS {
                    return Ok((out, true));
                }
                let Some(info) = crate::discovery::certinfo::cert_info(&c.der) else {
                    continue;
                };
                out.push(StoredCertificate {
                    id: c.id.to_string(),
                    origin: c.origin,
                    ca: c.ca,
                    key_id: c.key_id.map(|k| k.to_string()),
                    trust_anchor: c.trust_anchor,
                    revoked: c.revoked_at.is_some(),
                    info,
                });
            }
        }
    }

    /// The newest TLS result per endpoint over the last
    /// [`SCANS_IN_REPORTS`] completed scans.
    pub(crate) async fn discovered_endpoints(
        &self,
        tenant: &TenantId,
    ) -> Result<Vec<tresor_core::discovery::EndpointResult>> {
        let scans = self
            .store()
            .list_discovery_scans(tenant, SCANS_IN_REPORTS)
            .await?;
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        // Newest scan first: the first result for an endpoint wins.
        for scan in scans
            .into_iter()
            .filter(|s| s.status == tresor_core::discovery::ScanStatus::Completed)
        {
            for r in scan.results.into_iter().filter(|r| r.tls) {
                if seen.insert((r.host.clone(), r.port)) {
                    out.push(r);
                }
            }
        }
        Ok(out)
    }

    async fn key_facts(&self, key: KeyRecord) -> Result<KeyFacts> {
        let primary = self
            .store()
            .get_version(&key.tenant, &key.id, key.primary_version)
            .await?;
        let last_rotated_at = primary.map_or(key.created_at, |v| v.created_at);
        let (provider_kind, hardware_backed) = match self.providers().get(&key.provider) {
            Some(p) => (p.kind(), p.hardware_backed()),
            None => ("unknown", false),
        };
        Ok(KeyFacts {
            last_rotated_at,
            provider_kind,
            hardware_backed,
            key,
        })
    }
}
