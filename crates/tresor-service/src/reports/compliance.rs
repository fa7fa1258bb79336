//! The compliance report: each live key checked against a fixed set of
//! rules (deprecated sizes, age past the maximum, no rotation policy,
//! long-lived exportable keys, critical keys without dual control, software
//! keys where hardware is required, compromised keys not yet destroyed),
//! a 0-100 score, and concrete actions.

use std::collections::BTreeMap;

use tresor_core::{Action, Algorithm, Caller, KeyClass, KeyState, Timestamp};

use super::{Estate, KeyFacts};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;

/// Tag that marks a key as critical (`critical=true`).
pub const CRITICAL_TAG: &str = "critical";

/// Report thresholds (query parameters of the REST call).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Thresholds {
    /// A key unrotated for longer than this is past its maximum age.
    pub max_key_age_days: i64,
    /// An exportable key older than this is flagged.
    pub exportable_max_age_days: i64,
    /// Every key must live in a hardware-backed provider.
    pub require_hardware: bool,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            max_key_age_days: 365,
            exportable_max_age_days: 90,
            require_hardware: false,
        }
    }
}

impl Thresholds {
    /// Rejects nonsense (negative or absurd day counts).
    pub fn validate(&self) -> Result<()> {
        let check = |field: &'static str, d: i64| {
            if (1..=36_500).contains(&d) {
                Ok(())
            } else {
                Err(ServiceError::invalid(
                    field,
                    "must be between 1 and 36500 days",
                ))
            }
        };
        check("max_key_age_days", self.max_key_age_days)?;
        check("exportable_max_age_days", self.exportable_max_age_days)
    }
}

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Low,
    Medium,
    High,
}

impl Severity {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
        }
    }

    /// A key's contribution to the score given its worst finding.
    fn weight(worst: Option<Severity>) -> f64 {
        match worst {
            None => 1.0,
            Some(Severity::Low) => 0.8,
            Some(Severity::Medium) => 0.5,
            Some(Severity::High) => 0.0,
        }
    }
}

/// A rule of the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    DeprecatedKeySize,
    MaxAgeExceeded,
    NoRotationPolicy,
    ExportableLongLived,
    CriticalWithoutDualControl,
    SoftwareKeyHardwareRequired,
    CompromisedNotDestroyed,
    ProviderMissing,
}

impl Rule {
    /// Stable rule id.
    pub fn id(self) -> &'static str {
        match self {
            Rule::DeprecatedKeySize => "deprecated-key-size",
            Rule::MaxAgeExceeded => "max-age-exceeded",
            Rule::NoRotationPolicy => "no-rotation-policy",
            Rule::ExportableLongLived => "exportable-long-lived",
            Rule::CriticalWithoutDualControl => "critical-without-dual-control",
            Rule::SoftwareKeyHardwareRequired => "software-key-hardware-required",
            Rule::CompromisedNotDestroyed => "compromised-not-destroyed",
            Rule::ProviderMissing => "provider-missing",
        }
    }

    /// Severity of a violation.
    pub fn severity(self) -> Severity {
        match self {
            Rule::NoRotationPolicy | Rule::DeprecatedKeySize => Severity::Low,
            Rule::MaxAgeExceeded | Rule::ExportableLongLived => Severity::Medium,
            Rule::CriticalWithoutDualControl
            | Rule::SoftwareKeyHardwareRequired
            | Rule::CompromisedNotDestroyed
            | Rule::ProviderMissing => Severity::High,
        }
    }

    /// What to do about it.
    pub fn action(self) -> &'static str {
        match self {
            Rule::DeprecatedKeySize => {
                "create a replacement key of at least 128-bit strength (RSA-3072+, EC P-256+ or ML-DSA/ML-KEM), move callers to it, then deactivate the old key"
            }
            Rule::MaxAgeExceeded => {
                "rotate the key (POST /v1/keys/{key}/rotate) and set rotation_period_days so it rotates automatically"
            }
            Rule::NoRotationPolicy => {
                "set rotation_period_days (e.g. 90 or 365) so the scheduler rotates the key"
            }
            Rule::ExportableLongLived => {
                "replace the key with a non-exportable one, or rotate it and keep exportable keys short-lived"
            }
            Rule::CriticalWithoutDualControl => {
                "put an M-of-N approval policy on the key's use, manage and destroy actions"
            }
            Rule::SoftwareKeyHardwareRequired => {
                "create the key in a hardware-backed provider (e.g. \"provider\": \"hsm\") and move callers to it"
            }
            Rule::CompromisedNotDestroyed => {
                "re-encrypt remaining data under another key, then schedule the compromised key's destruction"
            }
            Rule::ProviderMissing => {
                "register the key's provider again (its material is unreachable) or destroy the key"
            }
        }
    }
}

/// One rule violated by one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    pub severity: Severity,
    pub key_id: String,
    pub key_name: Option<String>,
    pub algorithm: Algorithm,
    /// Why, with the figures that triggered it.
    pub message: String,
}

/// A rule's findings, summed up with the action to take.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recommendation {
    pub rule: Rule,
    pub severity: Severity,
    pub keys: usize,
    pub action: &'static str,
}

/// The report.
#[derive(Debug, Clone)]
pub struct ComplianceReport {
    pub tenant: String,
    pub generated_at: Timestamp,
    pub thresholds: Thresholds,
    /// Live (not destroyed) keys checked.
    pub keys_checked: usize,
    pub keys_compliant: usize,
    /// 0-100: each key counts 1 when compliant, 0.8 / 0.5 / 0 when its worst
    /// finding is low / medium / high; 100 for an empty tenant.
    pub score: u8,
    /// Findings by severity, high first.
    pub findings: Vec<Finding>,
    pub recommendations: Vec<Recommendation>,
    pub truncated: bool,
}

fn is_critical(f: &KeyFacts) -> bool {
    f.key
        .tags
        .get(CRITICAL_TAG)
        .is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

/// Whether an M-of-N policy guards any class of the key's operations.
fn has_dual_control(f: &KeyFacts) -> bool {
    f.key
        .tags
        .get(crate::approvals::POLICY_TAG)
        .is_some_and(|v| !v.is_empty())
}

fn in_service(state: KeyState) -> bool {
    matches!(
        state,
        KeyState::Active | KeyState::PreActive | KeyState::Suspended
    )
}

/// Checks one key; returns `(rule, message)` pairs.
fn check(f: &KeyFacts, t: &Thresholds, now: Timestamp) -> Vec<(Rule, String)> {
    let k = &f.key;
    let mut out = Vec::new();
    if k.algorithm == Algorithm::Rsa2048 {
        out.push((
            Rule::DeprecatedKeySize,
            "RSA-2048 gives 112-bit security, deprecated by NIST SP 800-131A after 2030".into(),
        ));
    }
    let since_rotation = f.days_since_rotation(now);
    if in_service(k.state) && since_rotation > t.max_key_age_days {
        out.push((
            Rule::MaxAgeExceeded,
            format!(
                "last rotated {since_rotation} days ago (maximum {} days)",
                t.max_key_age_days
            ),
        ));
    }
    let rotatable = matches!(k.algorithm.class(), KeyClass::Symmetric | KeyClass::Mac);
    if in_service(k.state) && rotatable && k.rotation_period_secs.is_none() {
        out.push((
            Rule::NoRotationPolicy,
            "no automatic rotation period is set".into(),
        ));
    }
    let age = f.age_days(now);
    if k.exportable && age > t.exportable_max_age_days {
        out.push((
            Rule::ExportableLongLived,
            format!(
                "exportable and {age} days old (exportable keys should live at most {} days)",
                t.exportable_max_age_days
            ),
        ));
    }
    if is_critical(f) && !has_dual_control(f) {
        out.push((
            Rule::CriticalWithoutDualControl,
            "tagged critical=true but no approval (M-of-N) policy guards it".into(),
        ));
    }
    if t.require_hardware && !f.hardware_backed {
        out.push((
            Rule::SoftwareKeyHardwareRequired,
            format!(
                "lives in provider {} ({}), which is not hardware-backed",
                k.provider, f.provider_kind
            ),
        ));
    }
    if k.state == KeyState::Compromised {
        out.push((
            Rule::CompromisedNotDestroyed,
            "revoked as compromised but its material still exists".into(),
        ));
    }
    if f.provider_kind == "unknown" {
        out.push((
            Rule::ProviderMissing,
            format!("provider {} is not registered on this node", k.provider),
        ));
    }
    out
}

/// Builds the report from an estate.
pub fn build(estate: &Estate, thresholds: Thresholds) -> ComplianceReport {
    let now = estate.generated_at;
    let mut findings = Vec::new();
    let mut total = 0.0;
    let mut checked = 0usize;
    let mut compliant = 0usize;
    for f in estate.keys.iter().filter(|f| f.is_live()) {
        checked += 1;
        let found = check(f, &thresholds, now);
        let worst = found.iter().map(|(r, _)| r.severity()).max();
        total += Severity::weight(worst);
        if found.is_empty() {
            compliant += 1;
        }
        findings.extend(found.into_iter().map(|(rule, message)| Finding {
            rule,
            severity: rule.severity(),
            key_id: f.key.id.to_string(),
            key_name: f.key.alias.as_ref().map(ToString::to_string),
            algorithm: f.key.algorithm,
            message,
        }));
    }
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.rule.cmp(&b.rule)));
    let mut per_rule: BTreeMap<Rule, usize> = BTreeMap::new();
    for f in &findings {
        *per_rule.entry(f.rule).or_default() += 1;
    }
    let mut recommendations: Vec<Recommendation> = per_rule
        .into_iter()
        .map(|(rule, keys)| Recommendation {
            rule,
            severity: rule.severity(),
            keys,
            action: rule.action(),
        })
        .collect();
    recommendations.sort_by(|a, b| b.severity.cmp(&a.severity).then(b.keys.cmp(&a.keys)));
    let score = if checked == 0 {
        100
    } else {
        // In 0..=100 by construction.
        (total * 100.0 / checked as f64).round().clamp(0.0, 100.0) as u8
    };
    ComplianceReport {
        tenant: estate.tenant.to_string(),
        generated_at: now,
        thresholds,
        keys_checked: checked,
        keys_compliant: compliant,
        score,
        findings,
        recommendations,
        truncated: estate.truncated,
    }
}

impl Kms {
    /// The compliance report of the caller's tenant (readonly and up).
    pub async fn compliance_report(
        &self,
        caller: &Caller,
        thresholds: Thresholds,
    ) -> Result<ComplianceReport> {
        let (mut op, allowed) = self.begin(caller, Action::ComplianceReport);
        let result = async {
            allowed?;
            thresholds.validate()?;
            let mut thresholds = thresholds;
            // The tenant's crypto policy may require hardware on its own.
            if let Some(p) = self.stored_crypto_policy(&caller.tenant).await? {
                thresholds.require_hardware |= p.policy.require_hardware;
            }
            let report = build(&self.collect_estate(caller).await?, thresholds);
            op.detail("score", report.score);
            op.detail("findings", report.findings.len());
            Ok(report)
        }
        .await;
        self.finish(op, result).await
    }
}
