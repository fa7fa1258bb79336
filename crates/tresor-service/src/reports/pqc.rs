//! Post-quantum readiness: which keys a large quantum computer breaks (RSA
//! and elliptic curves, by Shor) or weakens (AES-128, by Grover), what each
//! should move to (ML-KEM, ML-DSA, AES-256 — all offered by Tresor), whether
//! a provider here can hold the replacement, a readiness percentage and a
//! migration plan ordered by urgency.

use std::collections::BTreeSet;

use tresor_core::{Action, Algorithm, Caller, KeyClass, Operation, Timestamp};

use super::{Estate, KeyFacts, protects_confidentiality, quantum_vulnerable};
use crate::error::Result;
use crate::kms::Kms;

/// A signature key that stays in use longer than this (or forever, with no
/// rotation period) protects long-lived signatures.
pub const LONG_LIVED_DAYS: i64 = 365;

/// Where a key stands against a quantum adversary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuantumStatus {
    /// Post-quantum, or symmetric with 256-bit keys.
    Safe,
    /// Symmetric with 128-bit keys: Grover halves the strength.
    Weakened,
    /// RSA or ECC: broken by Shor.
    Vulnerable,
}

impl QuantumStatus {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            QuantumStatus::Safe => "quantum-safe",
            QuantumStatus::Weakened => "weakened",
            QuantumStatus::Vulnerable => "vulnerable",
        }
    }
}

/// How soon a key should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Low,
    Medium,
    High,
}

impl Priority {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "low",
            Priority::Medium => "medium",
            Priority::High => "high",
        }
    }
}

/// One key's assessment.
#[derive(Debug, Clone)]
pub struct KeyAssessment {
    pub key_id: String,
    pub key_name: Option<String>,
    pub algorithm: Algorithm,
    pub status: QuantumStatus,
    /// Uses: `confidentiality` (encryption, wrapping, agreement) and/or
    /// `signature`.
    pub uses: Vec<&'static str>,
}

/// One step of the migration plan.
#[derive(Debug, Clone)]
pub struct MigrationStep {
    pub key_id: String,
    pub key_name: Option<String>,
    pub algorithm: Algorithm,
    pub priority: Priority,
    /// Why this priority.
    pub reason: String,
    /// What to move to (one per use).
    pub replacements: Vec<Algorithm>,
    /// True when a registered provider generates every replacement.
    pub replacement_available: bool,
    /// What to do, in order.
    pub action: String,
}

/// The readiness report.
#[derive(Debug, Clone)]
pub struct PqcReadiness {
    pub tenant: String,
    pub generated_at: Timestamp,
    /// Live keys assessed.
    pub keys_total: usize,
    pub quantum_safe: usize,
    pub weakened: usize,
    pub vulnerable: usize,
    /// Share of live keys already quantum-safe, 0-100 (100 for none).
    pub readiness_percent: u8,
    pub keys: Vec<KeyAssessment>,
    /// Most urgent first.
    pub migration_plan: Vec<MigrationStep>,
    /// Certificates presented by discovered TLS endpoints, and valid
    /// certificates in the tenant's store.
    pub certificates_total: usize,
    /// Those whose key is RSA or elliptic-curve, as `host:port subject` or
    /// `certificate <id> subject`.
    pub vulnerable_certificates: Vec<String>,
    pub truncated: bool,
}

/// The status of an algorithm.
pub fn status(alg: Algorithm) -> QuantumStatus {
    if quantum_vulnerable(alg) {
        QuantumStatus::Vulnerable
    } else if alg == Algorithm::Aes128Gcm {
        QuantumStatus::Weakened
    } else {
        QuantumStatus::Safe
    }
}

/// The post-quantum replacement for an algorithm used for confidentiality
/// or for signatures, at a matching security category.
pub fn replacement(alg: Algorithm, confidentiality: bool) -> Algorithm {
    let high = matches!(
        alg,
        Algorithm::Rsa4096 | Algorithm::EcP384 | Algorithm::EcP521
    );
    match (alg.class(), confidentiality, high) {
        (KeyClass::Symmetric, _, _) => Algorithm::Aes256Gcm,
        (_, true, false) => Algorithm::MlKem768,
        (_, true, true) => Algorithm::MlKem1024,
        (_, false, false) => Algorithm::MlDsa65,
        (_, false, true) => Algorithm::MlDsa87,
    }
}

fn signs(ops: &BTreeSet<Operation>) -> bool {
    ops.contains(&Operation::Sign) || ops.contains(&Operation::Verify)
}

fn uses(f: &KeyFacts) -> Vec<&'static str> {
    let mut out = Vec::new();
    if protects_confidentiality(&f.key.operations) {
        out.push("confidentiality");
    }
    if signs(&f.key.operations) {
        out.push("signature");
    }
    out
}

fn long_lived(f: &KeyFacts) -> bool {
    f.key
        .rotation_period_secs
        .is_none_or(|s| s / 86_400 > LONG_LIVED_DAYS)
}

/// Priority and reason for a key that is not safe.
fn urgency(f: &KeyFacts, st: QuantumStatus) -> (Priority, String) {
    if st == QuantumStatus::Weakened {
        return (
            Priority::Low,
            "128-bit symmetric key: Grover's algorithm leaves 64-bit strength".into(),
        );
    }
    if protects_confidentiality(&f.key.operations) {
        return (
            Priority::High,
            "protects confidentiality: data recorded today can be decrypted later (harvest now, decrypt later)".into(),
        );
    }
    if long_lived(f) {
        (
            Priority::High,
            "long-lived signature key: its signatures must stay trustworthy for years".into(),
        )
    } else {
        (
            Priority::Medium,
            "short-lived signature key: replace before large quantum computers exist".into(),
        )
    }
}

fn action_text(f: &KeyFacts, replacements: &[Algorithm]) -> String {
    let names: Vec<&str> = replacements.iter().map(|a| a.as_str()).collect();
    let verb = if protects_confidentiality(&f.key.operations) {
        "re-encrypt (or re-wrap) the data it protects under the new key"
    } else {
        "re-sign what must stay verifiable and publish the new public key"
    };
    format!(
        "create a {} key, move callers to it, {verb}, then deactivate {}",
        names.join(" + "),
        f.key.id
    )
}

impl Kms {
    fn provider_offers(&self, alg: Algorithm) -> bool {
        let ops = alg.default_operations();
        self.providers()
            .all()
            .any(|p| p.capabilities().supports(alg, &ops))
    }

    fn plan_step(&self, f: &KeyFacts, st: QuantumStatus) -> MigrationStep {
        let mut replacements = Vec::new();
        if st == QuantumStatus::Weakened || protects_confidentiality(&f.key.operations) {
            replacements.push(replacement(f.key.algorithm, true));
        }
        if signs(&f.key.operations) {
            replacements.push(replacement(f.key.algorithm, false));
        }
        if replacements.is_empty() {
            replacements.push(replacement(f.key.algorithm, false));
        }
        let (priority, reason) = urgency(f, st);
        MigrationStep {
            key_id: f.key.id.to_string(),
            key_name: f.key.alias.as_ref().map(ToString::to_string),
            algorithm: f.key.algorithm,
            priority,
            reason,
            replacement_available: replacements.iter().all(|a| self.provider_offers(*a)),
            action: action_text(f, &replacements),
            replacements,
        }
    }

    /// Builds the readiness report from an estate.
    pub(crate) fn build_pqc(&self, estate: &Estate) -> PqcReadiness {
        let live: Vec<&KeyFacts> = estate.keys.iter().filter(|f| f.is_live()).collect();
        let mut keys = Vec::with_capacity(live.len());
        let mut plan = Vec::new();
        let (mut safe, mut weakened, mut vulnerable) = (0, 0, 0);
        for f in &live {
            let st = status(f.key.algorithm);
            match st {
                QuantumStatus::Safe => safe += 1,
                QuantumStatus::Weakened => weakened += 1,
                QuantumStatus::Vulnerable => vulnerable += 1,
            }
            if st != QuantumStatus::Safe {
                plan.push(self.plan_step(f, st));
            }
            keys.push(KeyAssessment {
                key_id: f.key.id.to_string(),
                key_name: f.key.alias.as_ref().map(ToString::to_string),
                algorithm: f.key.algorithm,
                status: st,
                uses: uses(f),
            });
        }
        plan.sort_by(|a, b| b.priority.cmp(&a.priority).then(a.key_id.cmp(&b.key_id)));
        // Revoked and expired certificates no longer need migrating.
        let live_certs: Vec<&super::StoredCertificate> = estate
            .certificates
            .iter()
            .filter(|c| !c.revoked && c.info.not_after > estate.generated_at)
            .collect();
        let readiness_percent = if live.is_empty() {
            100
        } else {
            // safe <= live.len(), so this is within 0..=100.
            u8::try_from(safe * 100 / live.len()).unwrap_or(100)
        };
        PqcReadiness {
            tenant: estate.tenant.to_string(),
            generated_at: estate.generated_at,
            keys_total: live.len(),
            quantum_safe: safe,
            weakened,
            vulnerable,
            readiness_percent,
            keys,
            migration_plan: plan,
            certificates_total: estate.endpoints.len() + live_certs.len(),
            vulnerable_certificates: estate
                .endpoints
                .iter()
                .filter(|r| super::inventory::leaf_quantum_vulnerable(r))
                .map(|r| {
                    let subject = r.chain.first().map(|c| c.subject.as_str()).unwrap_or("");
                    format!("{}:{} {subject}", r.host, r.port)
                })
                .chain(
                    live_certs
                        .iter()
                        .filter(|c| super::inventory::key_quantum_vulnerable(&c.info))
                        .map(|c| format!("certificate {} {}", c.id, c.info.subject)),
                )
                .collect(),
            truncated: estate.truncated,
        }
    }

    /// Post-quantum readiness of the caller's tenant (readonly and up).
    pub async fn pqc_readiness(&self, caller: &Caller) -> Result<PqcReadiness> {
        let (mut op, allowed) = self.begin(caller, Action::PqcReadiness);
        let result = async {
            allowed?;
            let report = self.build_pqc(&self.collect_estate(caller).await?);
            op.detail("readiness_percent", report.readiness_percent);
            Ok(report)
        }
        .await;
        self.finish(op, result).await
    }
}
