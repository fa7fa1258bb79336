//! Per-tenant crypto policy: which algorithms a tenant's keys may use, the
//! minimum key sizes, which keys must live in a hardware provider, and the
//! maximum age of a key's primary version (rotation enforced by the
//! scheduler).
//!
//! The policy is one stored object per tenant (kind `crypto_policy`, id
//! `crypto-policy`). In `enforce` mode a creation or import that violates it
//! is refused (`policy_violation`, audited as denied) naming the rule; in
//! `audit` mode it is allowed, and the call's audit record carries
//! `policy_violations`. Tresor's internal keys are never subject to it.
//!
//! "Hardware" is what the key's provider declares through
//! [`tresor_core::Provider::hardware_backed`]: PKCS#11 HSMs and remote KMS
//! backends that keep material in an HSM say yes, the software keystore no.

use serde::{Deserialize, Serialize};
use tresor_core::{
    Action, Algorithm, Caller, Change, KeyClass, KeyFilter, KeyRecord, KeyState, ObjectKind,
    ObjectRecord, PageRequest, TenantId, Timestamp,
};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::op::Op;

/// The id of a tenant's crypto policy object.
const POLICY_ID: &str = "crypto-policy";
/// The longest maximum key age, in days (10 years).
pub const MAX_KEY_AGE_DAYS: u32 = 3650;
/// Size floors above this are nonsense (no algorithm has more bits).
const MAX_MIN_BITS: u32 = 16_384;
/// Keys examined per page by the scheduler's max-age pass.
const AGE_PAGE: u32 = 200;

/// Whether violations are refused or only reported.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PolicyMode {
    /// Violating creations and imports are refused.
    #[default]
    Enforce,
    /// Violations are logged and audited, never refused.
    Audit,
}

impl PolicyMode {
    /// Wire name: `enforce` or `audit`.
    pub fn as_str(self) -> &'static str {
        match self {
            PolicyMode::Enforce => "enforce",
            PolicyMode::Audit => "audit",
        }
    }
}

/// A tenant's crypto policy (validated).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CryptoPolicy {
    pub mode: PolicyMode,
    /// When not empty, only these algorithms.
    #[serde(default)]
    pub allowed_algorithms: Vec<Algorithm>,
    /// Never these algorithms.
    #[serde(default)]
    pub forbidden_algorithms: Vec<Algorithm>,
    /// Minimum RSA modulus size.
    #[serde(default)]
    pub min_rsa_bits: Option<u32>,
    /// Minimum curve size (NIST curves, Ed25519 and X25519 count as 256).
    #[serde(default)]
    pub min_ec_bits: Option<u32>,
    /// Minimum symmetric and MAC key size.
    #[serde(default)]
    pub min_symmetric_bits: Option<u32>,
    /// Every key must live in a hardware provider.
    #[serde(default)]
    pub require_hardware: bool,
    /// Keys of these algorithms must live in a hardware provider.
    #[serde(default)]
    pub hardware_algorithms: Vec<Algorithm>,
    /// Keys whose primary version is older are rotated by the scheduler.
    #[serde(default)]
    pub max_key_age_days: Option<u32>,
}

/// A policy as a caller sends it: names not yet parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CryptoPolicyInput {
    pub mode: String,
    pub allowed_algorithms: Vec<String>,
    pub forbidden_algorithms: Vec<String>,
    pub min_rsa_bits: Option<u32>,
    pub min_ec_bits: Option<u32>,
    pub min_symmetric_bits: Option<u32>,
    pub require_hardware: bool,
    pub hardware_algorithms: Vec<String>,
    pub max_key_age_days: Option<u32>,
}

impl CryptoPolicyInput {
    /// Parses and checks the input; the error names the offending field.
    pub fn validate(self) -> Result<CryptoPolicy> {
        let mode = match self.mode.as_str() {
            "enforce" => PolicyMode::Enforce,
            "audit" => PolicyMode::Audit,
            _ => {
                return Err(ServiceError::invalid(
                    "mode",
                    "must be 'enforce' or 'audit'",
                ));
            }
        };
        let allowed = algorithms("allowed_algorithms", &self.allowed_algorithms)?;
        let forbidden = algorithms("forbidden_algorithms", &self.forbidden_algorithms)?;
        let hardware = algorithms("hardware_algorithms", &self.hardware_algorithms)?;
        if let Some(a) = allowed.iter().find(|a| forbidden.contains(a)) {
            return Err(ServiceError::invalid(
                "forbidden_algorithms",
                format!("{a} is both allowed and forbidden"),
            ));
        }
        for (field, v) in [
            ("min_rsa_bits", self.min_rsa_bits),
            ("min_ec_bits", self.min_ec_bits),
            ("min_symmetric_bits", self.min_symmetric_bits),
        ] {
            if let Some(bits) = v
                && !(1..=MAX_MIN_BITS).contains(&bits)
            {
                return Err(ServiceError::invalid(
                    field,
                    format!("must be between 1 and {MAX_MIN_BITS}"),
                ));
            }
        }
        if let Some(d) = self.max_key_age_days
            && !(1..=MAX_KEY_AGE_DAYS).contains(&d)
        {
            return Err(ServiceError::invalid(
                "max_key_age_days",
                format!("must be between 1 and {MAX_KEY_AGE_DAYS}"),
            ));
        }
        Ok(CryptoPolicy {
            mode,
            allowed_algorithms: allowed,
            forbidden_algorithms: forbidden,
            min_rsa_bits: self.min_rsa_bits,
            min_ec_bits: self.min_ec_bits,
            min_symmetric_bits: self.min_symmetric_bits,
            require_hardware: self.require_hardware,
            hardware_algorithms: hardware,
            max_key_age_days: self.max_key_age_days,
        })
    }
}

/// Parses a list of algorithm names (deduplicated, in order).
fn algorithms(field: &'static str, names: &[String]) -> Result<Vec<Algorithm>> {
    let mut out = Vec::new();
    for n in names {
        let a: Algorithm = n.parse().map_err(|_| {
            let shown: String = n.chars().take(64).collect();
            ServiceError::invalid(field, format!("unknown algorithm '{shown}'"))
        })?;
        if !out.contains(&a) {
            out.push(a);
        }
    }
    Ok(out)
}

impl CryptoPolicy {
    /// Every rule a key of `alg` on a provider that is (or not)
    /// `hardware` breaks, each as `rule: explanation`.
    pub fn violations(&self, alg: Algorithm, hardware: bool) -> Vec<String> {
        let mut out = Vec::new();
        if !self.allowed_algorithms.is_empty() && !self.allowed_algorithms.contains(&alg) {
            out.push(format!(
                "allowed_algorithms: {alg} is not an allowed algorithm"
            ));
        }
        if self.forbidden_algorithms.contains(&alg) {
            out.push(format!("forbidden_algorithms: {alg} is forbidden"));
        }
        let floor = match alg.class() {
            KeyClass::Rsa => self.min_rsa_bits.map(|b| ("min_rsa_bits", b)),
            KeyClass::Ec | KeyClass::Edwards | KeyClass::Montgomery => {
                self.min_ec_bits.map(|b| ("min_ec_bits", b))
            }
            KeyClass::Symmetric | KeyClass::Mac => {
                self.min_symmetric_bits.map(|b| ("min_symmetric_bits", b))
            }
            _ => None,
        };
        if let Some((rule, min)) = floor
            && alg.bits() < min
        {
            out.push(format!(
                "{rule}: {alg} has {} bits, the minimum is {min}",
                alg.bits()
            ));
        }
        if !hardware && (self.require_hardware || self.hardware_algorithms.contains(&alg)) {
            let rule = if self.require_hardware {
                "require_hardware"
            } else {
                "hardware_algorithms"
            };
            out.push(format!(
                "{rule}: {alg} keys must live in a hardware provider"
            ));
        }
        out
    }
}

/// A tenant's stored crypto policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TenantCryptoPolicy {
    pub tenant: TenantId,
    pub policy: CryptoPolicy,
    pub updated_at: Timestamp,
}

impl Kms {
    pub(crate) async fn stored_crypto_policy(
        &self,
        tenant: &TenantId,
    ) -> Result<Option<TenantCryptoPolicy>> {
        let Some(o) = self
            .store()
            .get_object(tenant, ObjectKind::CryptoPolicy, POLICY_ID)
            .await?
        else {
            return Ok(None);
        };
        let policy = serde_json::from_str(&o.body)
            .map_err(|_| ServiceError::Internal("corrupt crypto policy"))?;
        Ok(Some(TenantCryptoPolicy {
            tenant: tenant.clone(),
            policy,
            updated_at: o.updated_at,
        }))
    }

    /// Checks a new (non-internal) key against its tenant's crypto policy.
    /// Violations are recorded in the call's audit detail
    /// (`policy_violations`); in `enforce` mode the call is refused, in
    /// `audit` mode it goes ahead with a warning logged.
    pub(crate) async fn check_crypto_policy(&self, op: &mut Op, key: &KeyRecord) -> Result<()> {
        if key.internal {
            return Ok(());
        }
        let Some(p) = self.stored_crypto_policy(&key.tenant).await? else {
            return Ok(());
        };
        let hardware = self.provider(&key.provider)?.hardware_backed();
        let violations = p.policy.violations(key.algorithm, hardware);
        if violations.is_empty() {
            return Ok(());
        }
        op.detail("policy_violations", violations.clone());
        match p.policy.mode {
            PolicyMode::Enforce => Err(ServiceError::PolicyViolation(violations.join("; "))),
            PolicyMode::Audit => {
                tracing::warn!(tenant = %key.tenant, algorithm = %key.algorithm, violations = ?violations, "crypto policy violated (audit mode: allowed)");
                Ok(())
            }
        }
    }

    /// A tenant's crypto policy (`NotFound` when none is set). Callers read
    /// their own tenant's; platform admins any.
    pub async fn get_crypto_policy(
        &self,
        caller: &Caller,
        tenant: &TenantId,
    ) -> Result<TenantCryptoPolicy> {
        let (mut op, allowed) = self.begin(caller, Action::CryptoPolicyGet);
        op.object(tenant);
        let result = async {
            allowed?;
            own_or_platform(caller, tenant)?;
            self.stored_crypto_policy(tenant)
                .await?
                .ok_or(ServiceError::NotFound {
                    what: "crypto policy",
                })
        }
        .await;
        self.finish(op, result).await
    }

    /// Sets (replaces) a tenant's crypto policy: an admin of the tenant, or
    /// a platform admin. Invalid input changes nothing.
    pub async fn set_crypto_policy(
        &self,
        caller: &Caller,
        tenant: &TenantId,
        input: CryptoPolicyInput,
    ) -> Result<TenantCryptoPolicy> {
        let (mut op, allowed) = self.begin(caller, Action::CryptoPolicySet);
        op.object(tenant);
        let result = async {
            allowed?;
            own_or_platform(caller, tenant)?;
            let policy = input.validate()?;
            if self.store().get_tenant(tenant).await?.is_none() {
                return Err(ServiceError::NotFound { what: "tenant" });
            }
            op.detail("mode", policy.mode.as_str());
            let now = self.now();
            let body = serde_json::to_string(&policy)
                .map_err(|_| ServiceError::Internal("crypto policy document"))?;
            let change = match self
                .store()
                .get_object(tenant, ObjectKind::CryptoPolicy, POLICY_ID)
                .await?
            {
                Some(mut o) => {
                    let expected_revision = o.revision;
                    o.body = body;
                    o.updated_at = now;
                    Change::UpdateObject {
                        object: o,
                        expected_revision,
                    }
                }
                None => Change::CreateObject(ObjectRecord {
                    tenant: tenant.clone(),
                    kind: ObjectKind::CryptoPolicy,
                    id: POLICY_ID.into(),
                    parent: None,
                    name: None,
                    subtype: None,
                    body,
                    created_by: caller.principal.clone(),
                    created_at: now,
                    updated_at: now,
                    revision: 0,
                }),
            };
            self.commit(&mut op, vec![change]).await?;
            Ok(TenantCryptoPolicy {
                tenant: tenant.clone(),
                policy,
                updated_at: now,
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// The scheduler's max-age pass: in every tenant whose policy sets
    /// `max_key_age_days`, active keys whose primary version is older are
    /// rotated (`enforce`, at most `limit`) or reported (`audit`). Returns
    /// `(rotated, reported, failed)`.
    pub(crate) async fn rotate_aged_keys(&self, limit: u32) -> Result<(usize, usize, usize)> {
        let (mut rotated, mut reported, mut failed) = (0, 0, 0);
        for t in self.store().list_tenants().await? {
            let Some(p) = self.stored_crypto_policy(&t.id).await? else {
                continue;
            };
            let Some(days) = p.policy.max_key_age_days else {
                continue;
            };
            let cutoff = self.now().plus_seconds(-i64::from(days) * 86_400);
            for key in self.aged_keys(&t.id, cutoff).await? {
                if p.policy.mode == PolicyMode::Audit {
                    tracing::warn!(tenant = %t.id, key = %key.id, max_key_age_days = days, "key older than the crypto policy's maximum age (audit mode: not rotated)");
                    reported += 1;
                    continue;
                }
                if rotated + failed >= limit as usize {
                    return Ok((rotated, reported, failed));
                }
                match self.age_rotate(key, days).await {
                    Ok(()) => rotated += 1,
                    Err(e) => {
                        tracing::warn!(error = %e, "max-age rotation failed");
                        failed += 1;
                    }
                }
            }
        }
        Ok((rotated, reported, failed))
    }

    /// The tenant's active, non-internal keys whose primary version was
    /// created before `cutoff`.
    async fn aged_keys(&self, tenant: &TenantId, cutoff: Timestamp) -> Result<Vec<KeyRecord>> {
        let filter = KeyFilter {
            state: Some(KeyState::Active),
            ..KeyFilter::default()
        };
        let mut out = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .store()
                .list_keys(
                    tenant,
                    &filter,
                    PageRequest {
                        after,
                        limit: AGE_PAGE,
                    },
                )
                .await?;
            for k in page.items {
                if k.internal || k.destroy_at.is_some() {
                    continue;
                }
                let v = self
                    .store()
                    .get_version(tenant, &k.id, k.primary_version)
                    .await?;
                if v.is_some_and(|v| v.created_at < cutoff) {
                    out.push(k);
                }
            }
            match page.next {
                Some(n) => after = Some(n),
                None => return Ok(out),
            }
        }
    }

    async fn age_rotate(&self, key: KeyRecord, days: u32) -> Result<()> {
        let caller = Caller::system(key.tenant.clone());
        let mut op = Op::new(&caller, Action::SchedulerRotate);
        op.object(key.id);
        op.detail("reason", "max_key_age");
        op.detail("max_key_age_days", days);
        let result = self.rotate_loaded(&mut op, key, None).await.map(|_| ());
        self.finish(op, result).await
    }
}

/// A caller acts on its own tenant's policy; platform admins on any. Another
/// tenant is reported as not found, as tenants are.
fn own_or_platform(caller: &Caller, tenant: &TenantId) -> Result<()> {
    if caller.platform_admin || *tenant == caller.tenant {
        Ok(())
    } else {
        Err(ServiceError::NotFound { what: "tenant" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(v: &[String]) -> Vec<&str> {
        v.iter().filter_map(|s| s.split(':').next()).collect()
    }

    #[test]
    fn size_floors_apply_to_their_family_only() {
        let p = CryptoPolicy {
            min_rsa_bits: Some(3072),
            min_ec_bits: Some(384),
            min_symmetric_bits: Some(256),
            ..CryptoPolicy::default()
        };
        assert_eq!(
            rules(&p.violations(Algorithm::Rsa2048, true)),
            ["min_rsa_bits"]
        );
        assert!(p.violations(Algorithm::Rsa3072, true).is_empty());
        assert_eq!(
            rules(&p.violations(Algorithm::EcP256, true)),
            ["min_ec_bits"]
        );
        assert_eq!(
            rules(&p.violations(Algorithm::Ed25519, true)),
            ["min_ec_bits"]
        );
        assert_eq!(
            rules(&p.violations(Algorithm::X25519, true)),
            ["min_ec_bits"]
        );
        assert!(p.violations(Algorithm::EcP521, true).is_empty());
        assert_eq!(
            rules(&p.violations(Algorithm::Aes128Gcm, true)),
            ["min_symmetric_bits"]
        );
        assert!(p.violations(Algorithm::HmacSha256, true).is_empty());
        // Post-quantum keys have no classical size floor here.
        assert!(p.violations(Algorithm::MlDsa44, true).is_empty());
    }

    #[test]
    fn every_broken_rule_is_named() {
        let p = CryptoPolicy {
            allowed_algorithms: vec![Algorithm::Aes256Gcm],
            forbidden_algorithms: vec![Algorithm::Rsa2048],
            min_rsa_bits: Some(3072),
            require_hardware: true,
            ..CryptoPolicy::default()
        };
        assert_eq!(
            rules(&p.violations(Algorithm::Rsa2048, false)),
            [
                "allowed_algorithms",
                "forbidden_algorithms",
                "min_rsa_bits",
                "require_hardware"
            ]
        );
        assert!(p.violations(Algorithm::Aes256Gcm, true).is_empty());
    }

    #[test]
    fn input_names_are_parsed_and_deduplicated() {
        let p = CryptoPolicyInput {
            mode: "audit".into(),
            hardware_algorithms: vec!["rsa-4096".into(), "rsa-4096".into()],
            ..CryptoPolicyInput::default()
        }
        .validate()
        .unwrap();
        assert_eq!(p.mode, PolicyMode::Audit);
        assert_eq!(p.hardware_algorithms, [Algorithm::Rsa4096]);
        let e = CryptoPolicyInput {
            mode: "enforce".into(),
            hardware_algorithms: vec!["rsa-1024".into()],
            ..CryptoPolicyInput::default()
        }
        .validate()
        .unwrap_err();
        assert!(e.to_string().contains("hardware_algorithms"), "{e}");
    }
}
