//! Alerts: built-in rules evaluated by the scheduler (once per cluster,
//! under its lease), stored in the Store (open → acknowledged → cleared),
//! listed and acknowledged by people. Each pass computes the conditions
//! that hold now; a condition without an active alert opens one, an active
//! alert whose condition is gone is cleared. Opening and clearing are
//! audited (`alert.raise`, `alert.clear`) as the system principal.
//!
//! Rules: `rotation_due` (a key's next rotation within N days: Tresor keys
//! have no not-after date, the rotation date is their expiry),
//! `rotation_overdue`, `provider_unhealthy`, `auth_failures` and
//! `denied_operations` (from one principal within a window),
//! `audit_sink_lag`, `audit_chain_broken`, and from dual control
//! `approvals_waiting` and `usage_limit_near`. Other features (e.g.
//! certificate expiry) add rules through [`AlertSource`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use tresor_core::{
    Action, AlertFilter, AlertRecord, AlertSeverity, AlertState, AuditFilter, Caller, Change,
    Outcome, TenantId, Timestamp,
};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::op::Op;

/// Rule names.
pub const RULES: &[&str] = &[
    "rotation_due",
    "rotation_overdue",
    "provider_unhealthy",
    "auth_failures",
    "denied_operations",
    "audit_sink_lag",
    "audit_chain_broken",
    "approvals_waiting",
    "usage_limit_near",
];

/// Thresholds of the built-in rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertThresholds {
    /// `rotation_due`: a rotation falls within this many days (0: off).
    pub rotation_due_days: u32,
    /// `rotation_overdue`: a due rotation has not happened this many hours
    /// after its date (the scheduler normally rotates at once).
    pub rotation_overdue_hours: u32,
    /// `auth_failures`: failed authentications from one principal within
    /// the window (0: off).
    pub auth_failures: u32,
    /// `denied_operations`: denied calls from one principal in one tenant
    /// within the window (0: off).
    pub denied_operations: u32,
    /// The window of the two rules above, in minutes.
    pub window_minutes: u32,
    /// `audit_sink_lag`: undelivered records per sink (0: off).
    pub sink_lag_records: u64,
    /// `audit_chain_broken`: verify the whole chain on each pass.
    pub verify_chain: bool,
    /// `approvals_waiting`: a request pending this many hours (0: off).
    pub approvals_waiting_hours: u32,
    /// `usage_limit_near`: a key used this percentage of its operation
    /// limit (0: off).
    pub usage_limit_percent: u8,
}

impl Default for AlertThresholds {
    fn default() -> Self {
        Self {
            rotation_due_days: 7,
            rotation_overdue_hours: 24,
            auth_failures: 5,
            denied_operations: 10,
            window_minutes: 15,
            sink_lag_records: 1000,
            verify_chain: true,
            approvals_waiting_hours: 24,
            usage_limit_percent: 90,
        }
    }
}

/// A condition that holds now and wants an alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    /// Tenant id, or `""` for deployment-wide conditions.
    pub tenant: String,
    pub rule: String,
    pub subject: String,
    pub severity: AlertSeverity,
    pub message: String,
}

/// More rules (the extension point for certificate expiry and the like):
/// a source reports its conditions on every pass; an active alert of one
/// of its `rules` is cleared when the source no longer reports it.
#[async_trait]
pub trait AlertSource: Send + Sync + fmt::Debug {
    /// The rule names this source owns.
    fn rules(&self) -> Vec<String>;
    /// The conditions that hold at `now`.
    async fn conditions(&self, kms: &Kms, now: Timestamp) -> Result<Vec<Condition>>;
}

/// Registered extra sources.
#[derive(Debug, Default)]
pub(crate) struct AlertSources(RwLock<Vec<Arc<dyn AlertSource>>>);

/// What one evaluation pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertPass {
    pub opened: usize,
    pub cleared: usize,
    /// Active alerts per rule after the pass (every known rule listed).
    pub active: BTreeMap<String, usize>,
    /// Rules that could not be evaluated (their alerts are kept as they are).
    pub failed_rules: Vec<String>,
}

fn cond(tenant: &str, rule: &str, subject: &str, sev: AlertSeverity, msg: String) -> Condition {
    Condition {
        tenant: tenant.to_owned(),
        rule: rule.to_owned(),
        subject: subject.to_owned(),
        severity: sev,
        message: msg,
    }
}

impl Kms {
    /// Adds a rule source (at start-up).
    pub fn register_alert_source(&self, source: Arc<dyn AlertSource>) {
        if let Ok(mut all) = self.alert_sources().0.write() {
            all.push(source);
        }
    }

    /// Evaluates every rule and opens or clears alerts. Returns the
    /// newly opened alerts too (for notifications).
    pub async fn evaluate_alerts(
        &self,
        t: &AlertThresholds,
    ) -> Result<(AlertPass, Vec<AlertRecord>)> {
        let now = self.now();
        let mut conditions = Vec::new();
        let mut evaluated: BTreeSet<String> = BTreeSet::new();
        let mut failed = Vec::new();
        let mut rec = |rules: &[&str], r: Result<Vec<Condition>>| match r {
            Ok(c) => {
                evaluated.extend(rules.iter().map(|s| (*s).to_owned()));
                conditions.extend(c);
            }
            Err(e) => {
                tracing::warn!(rules = ?rules, error = %e, "alert rules could not be evaluated");
                failed.extend(rules.iter().map(|s| (*s).to_owned()));
            }
        };
        rec(
            &["rotation_due", "rotation_overdue"],
            self.rotation_conditions(t, now).await,
        );
        rec(
            &["provider_unhealthy"],
            Ok(self.provider_conditions().await),
        );
        rec(
            &["auth_failures", "denied_operations"],
            self.denial_conditions(t, now).await,
        );
        rec(&["audit_sink_lag"], self.sink_conditions(t).await);
        rec(&["audit_chain_broken"], self.chain_conditions(t).await);
        rec(
            &["approvals_waiting"],
            self.approval_conditions(t, now).await,
        );
        rec(&["usage_limit_near"], self.usage_conditions(t).await);
        let sources = self
            .alert_sources()
            .0
            .read()
            .map(|s| s.clone())
            .unwrap_or_default();
        for s in sources {
            let rules = s.rules();
            let refs: Vec<&str> = rules.iter().map(String::as_str).collect();
            rec(&refs, s.conditions(self, now).await);
        }
        self.apply_conditions(now, conditions, &evaluated, failed)
            .await
    }

    async fn rotation_conditions(
        &self,
        t: &AlertThresholds,
        now: Timestamp,
    ) -> Result<Vec<Condition>> {
        let mut out = Vec::new();
        let horizon = now.plus_seconds(i64::from(t.rotation_due_days) * 86_400);
        let overdue_at = now.plus_seconds(-i64::from(t.rotation_overdue_hours) * 3600);
        for k in self.store().keys_due(horizon, 1000).await? {
            let Some(at) = k.next_rotation_at else {
                continue;
            };
            if k.internal || at > horizon {
                continue;
            }
            let id = k.id.to_string();
            if at <= overdue_at {
                out.push(cond(
                    k.tenant.as_str(),
                    "rotation_overdue",
                    &id,
                    AlertSeverity::Critical,
                    format!(
                        "key {id}: rotation was due {} and has not happened",
                        at.to_rfc3339()
                    ),
                ));
            } else if t.rotation_due_days > 0 {
                out.push(cond(
                    k.tenant.as_str(),
                    "rotation_due",
                    &id,
                    AlertSeverity::Warning,
                    format!("key {id}: rotation due {}", at.to_rfc3339()),
                ));
            }
        }
        Ok(out)
    }

    async fn provider_conditions(&self) -> Vec<Condition> {
        self.provider_health()
            .await
            .into_iter()
            .filter(|p| !p.healthy)
            .map(|p| {
                cond(
                    "",
                    "provider_unhealthy",
                    p.id.as_str(),
                    AlertSeverity::Critical,
                    format!(
                        "provider {} ({}) does not answer its health probe",
                        p.id, p.kind
                    ),
                )
            })
            .collect()
    }

    async fn denial_conditions(
        &self,
        t: &AlertThresholds,
        now: Timestamp,
    ) -> Result<Vec<Condition>> {
        let since = now.plus_seconds(-i64::from(t.window_minutes) * 60);
        let records = self
            .store()
            .list_audit(&AuditFilter {
                outcome: Some(Outcome::Denied),
                since: Some(since),
                limit: 1000,
                ..AuditFilter::default()
            })
            .await?;
        let mut auth: BTreeMap<String, u32> = BTreeMap::new();
        let mut denied: BTreeMap<(String, String), u32> = BTreeMap::new();
        for r in records {
            if r.event.action == Action::AuthFailed.as_str() {
                // A record also stands for the failures suppressed before it
                // (see `auth_flood`).
                let suppressed = r
                    .event
                    .detail
                    .as_deref()
                    .and_then(|d| serde_json::from_str::<serde_json::Value>(d).ok())
                    .and_then(|v| v["suppressed_before"].as_u64())
                    .and_then(|n| u32::try_from(n).ok())
                    .unwrap_or(0);
                let n = auth.entry(r.event.principal).or_default();
                *n = n.saturating_add(1).saturating_add(suppressed);
            } else if [Action::UserLogin, Action::UserMfaVerify, Action::UserReauth]
                .iter()
                .any(|a| r.event.action == a.as_str())
            {
                // A refused sign-in of a console user.
                *auth.entry(r.event.principal).or_default() += 1;
            } else if r.event.error_code.as_deref() != Some("approval_pending") {
                // An operation parked for approval is not misbehaviour.
                *denied
                    .entry((r.event.tenant, r.event.principal))
                    .or_default() += 1;
            }
        }
        let w = t.window_minutes;
        let mut out = Vec::new();
        if t.auth_failures > 0 {
            for (p, n) in auth.into_iter().filter(|(_, n)| *n >= t.auth_failures) {
                out.push(cond(
                    "",
                    "auth_failures",
                    &p,
                    AlertSeverity::Warning,
                    format!("{n} failed authentications from {p} in {w} minutes"),
                ));
            }
        }
        if t.denied_operations > 0 {
            for ((tenant, p), n) in denied
                .into_iter()
                .filter(|(_, n)| *n >= t.denied_operations)
            {
                out.push(cond(
                    &tenant,
                    "denied_operations",
                    &p,
                    AlertSeverity::Warning,
                    format!("{n} denied operations by {p} in {w} minutes"),
                ));
            }
        }
        Ok(out)
    }

    async fn sink_conditions(&self, t: &AlertThresholds) -> Result<Vec<Condition>> {
        if t.sink_lag_records == 0 {
            return Ok(Vec::new());
        }
        Ok(self
            .audit_sink_statuses()
            .await?
            .into_iter()
            .filter(|s| s.lag >= t.sink_lag_records)
            .map(|s| {
                let err = s
                    .runtime
                    .last_error
                    .map(|e| format!(" (last error: {e})"))
                    .unwrap_or_default();
                cond(
                    "",
                    "audit_sink_lag",
                    &s.name,
                    AlertSeverity::Critical,
                    format!("audit sink {} is {} records behind{err}", s.name, s.lag),
                )
            })
            .collect())
    }

    async fn chain_conditions(&self, t: &AlertThresholds) -> Result<Vec<Condition>> {
        if !t.verify_chain {
            return Ok(Vec::new());
        }
        let report = crate::audit_ops::verify_store_chain(self.store()).await?;
        Ok(match report.error {
            Some(e) => vec![cond(
                "",
                "audit_chain_broken",
                "audit",
                AlertSeverity::Critical,
                format!("audit chain verification failed: {e}"),
            )],
            None => Vec::new(),
        })
    }

    async fn apply_conditions(
        &self,
        now: Timestamp,
        conditions: Vec<Condition>,
        evaluated: &BTreeSet<String>,
        failed_rules: Vec<String>,
    ) -> Result<(AlertPass, Vec<AlertRecord>)> {
        let active = self
            .store()
            .list_alerts(&AlertFilter {
                active_only: true,
                limit: 1000,
                ..AlertFilter::default()
            })
            .await?;
        let key = |t: &str, r: &str, s: &str| (t.to_owned(), r.to_owned(), s.to_owned());
        let holding: BTreeSet<_> = conditions
            .iter()
            .map(|c| key(&c.tenant, &c.rule, &c.subject))
            .collect();
        let existing: BTreeSet<_> = active
            .iter()
            .map(|a| key(&a.tenant, &a.rule, &a.subject))
            .collect();
        let mut pass = AlertPass {
            failed_rules,
            ..AlertPass::default()
        };
        let mut opened = Vec::new();
        for c in conditions {
            if existing.contains(&key(&c.tenant, &c.rule, &c.subject)) {
                continue;
            }
            let a = AlertRecord {
                id: new_alert_id(),
                tenant: c.tenant,
                rule: c.rule,
                subject: c.subject,
                severity: c.severity,
                state: AlertState::Open,
                message: c.message,
                opened_at: now,
                updated_at: now,
                acknowledged_by: None,
                acknowledged_at: None,
                cleared_at: None,
            };
            if self
                .write_alert(Action::AlertRaise, a.clone())
                .await
                .is_ok()
            {
                pass.opened += 1;
                opened.push(a);
            }
        }
        for mut a in active {
            if holding.contains(&key(&a.tenant, &a.rule, &a.subject))
                || !evaluated.contains(&a.rule)
            {
                continue;
            }
            a.state = AlertState::Cleared;
            a.cleared_at = Some(now);
            a.updated_at = now;
            if self.write_alert(Action::AlertClear, a).await.is_ok() {
                pass.cleared += 1;
            }
        }
        // Every built-in rule and every rule a source evaluated is listed
        // (so each gets a gauge), with 0 when nothing is active.
        for r in RULES
            .iter()
            .map(|r| (*r).to_owned())
            .chain(evaluated.iter().cloned())
        {
            pass.active.insert(r, 0);
        }
        for a in self
            .store()
            .list_alerts(&AlertFilter {
                active_only: true,
                limit: 1000,
                ..AlertFilter::default()
            })
            .await?
        {
            *pass.active.entry(a.rule).or_default() += 1;
        }
        Ok((pass, opened))
    }

    /// Stores an alert with its audit record, as the system principal.
    async fn write_alert(&self, action: Action, a: AlertRecord) -> Result<()> {
        let tenant = TenantId::parse(&a.tenant).unwrap_or_else(|_| TenantId::default_tenant());
        let caller = Caller::system(tenant);
        let mut op = Op::new(&caller, action);
        op.object(&a.id);
        op.detail("rule", a.rule.clone());
        op.detail("subject", a.subject.clone());
        let result = self.commit(&mut op, vec![Change::PutAlert(a)]).await;
        let r = self.finish(op, result).await;
        if let Err(e) = &r {
            tracing::warn!(error = %e, "alert could not be stored");
        }
        r
    }

    /// Alerts the caller may see, newest first: its tenant's, plus the
    /// deployment-wide ones for platform admins.
    pub async fn list_alerts(
        &self,
        caller: &Caller,
        active_only: bool,
        limit: u32,
    ) -> Result<Vec<AlertRecord>> {
        let (op, allowed) = self.begin(caller, Action::AlertList);
        let result = async {
            allowed?;
            Ok(self
                .store()
                .list_alerts(&self.alert_scope(caller, None, active_only, limit))
                .await?)
        }
        .await;
        self.finish(op, result).await
    }

    /// Acknowledges an active alert the caller may see (tenant admins for
    /// their tenant's, platform admins for all). A cleared or unknown
    /// alert is `not found` / `conflict`.
    pub async fn ack_alert(&self, caller: &Caller, id: &str) -> Result<AlertRecord> {
        let (mut op, allowed) = self.begin(caller, Action::AlertAck);
        op.object(id);
        let result = async {
            allowed?;
            if id.is_empty() || id.len() > 64 {
                return Err(ServiceError::invalid("id", "not an alert id"));
            }
            let found = self
                .store()
                .list_alerts(&self.alert_scope(caller, Some(id), false, 1))
                .await?;
            let mut a = found
                .into_iter()
                .next()
                .ok_or(ServiceError::NotFound { what: "alert" })?;
            match a.state {
                AlertState::Open => {}
                AlertState::Acknowledged => return Ok(a),
                _ => return Err(ServiceError::invalid("id", "the alert is cleared")),
            }
            let now = self.now();
            a.state = AlertState::Acknowledged;
            a.acknowledged_by = Some(caller.principal.clone());
            a.acknowledged_at = Some(now);
            a.updated_at = now;
            self.commit(&mut op, vec![Change::PutAlert(a.clone())])
                .await?;
            Ok(a)
        }
        .await;
        self.finish(op, result).await
    }

    fn alert_scope(
        &self,
        caller: &Caller,
        id: Option<&str>,
        active_only: bool,
        limit: u32,
    ) -> AlertFilter {
        let mut tenants = vec![caller.tenant.to_string()];
        if caller.platform_admin {
            tenants.push(String::new());
        }
        AlertFilter {
            tenants: Some(tenants),
            id: id.map(str::to_owned),
            active_only,
            limit: limit.clamp(1, 1000),
        }
    }
}

/// A fresh alert id: a random UUID (v4, 32 hex digits).
fn new_alert_id() -> String {
    tresor_core::RequestId::generate().to_string()
}
