//! Alert evaluation on the server: thresholds and notifications from the
//! `[alerts]` table of the config file (or `TRESOR_ALERTS_JSON`), a pass
//! after each scheduler pass on the node that holds the scheduler lease,
//! the `tresor_alerts_active{rule}` gauges, and a signed webhook POST per
//! newly opened alert (HMAC-SHA256 like the audit webhook sink; best
//! effort: a failed notification is logged, the alert stays listed), and
//! an email digest per pass when `[alerts.email]` names an SMTP relay
//! (see [`crate::alerts_email`]).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use tresor_service::Kms;
use tresor_service::alerts::AlertThresholds;

use crate::config::{ConfigError, SecretString};
use crate::metrics::Metrics;

/// The `[alerts]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Evaluate alerts at all (default true).
    pub enabled: Option<bool>,
    /// `rotation_due`: days ahead (default 7, 0 = off).
    pub rotation_due_days: Option<u32>,
    /// `rotation_overdue`: hours past the rotation date (default 24).
    pub rotation_overdue_hours: Option<u32>,
    /// `auth_failures`: failures per principal within the window (default 5, 0 = off).
    pub auth_failures: Option<u32>,
    /// `denied_operations`: denials per principal within the window (default 10, 0 = off).
    pub denied_operations: Option<u32>,
    /// Window of the two rules above in minutes (default 15, 1-1440).
    pub window_minutes: Option<u32>,
    /// `audit_sink_lag`: undelivered records (default 1000, 0 = off).
    pub sink_lag_records: Option<u64>,
    /// `audit_chain_broken`: verify the chain on each pass (default true).
    pub verify_chain: Option<bool>,
    /// `approvals_waiting`: hours a request may stay pending (default 24, 0 = off).
    pub approvals_waiting_hours: Option<u32>,
    /// `usage_limit_near`: percent of a key's operation limit (default 90, 0 = off).
    pub usage_limit_percent: Option<u8>,
    /// Notification webhook URL (http:// or https://).
    pub webhook_url: Option<String>,
    /// Environment variable holding the webhook's HMAC secret.
    pub webhook_secret_env: Option<String>,
    /// File holding the webhook's HMAC secret.
    pub webhook_secret_file: Option<PathBuf>,
    /// Email notifications (`[alerts.email]`).
    pub email: Option<crate::alerts_email::EmailConfig>,
}

fn bad(m: impl Into<String>) -> ConfigError {
    ConfigError::Inconsistent(format!("[alerts]: {}", m.into()))
}

impl AlertsConfig {
    /// Parses the `[alerts]` table.
    pub fn from_toml(value: &toml::Value, source: &str) -> Result<Self, ConfigError> {
        let c: Self = crate::config::parse_table(value, "alerts", source)?;
        c.validate()?;
        Ok(c)
    }

    /// Parses `TRESOR_ALERTS_JSON`.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let c: Self = crate::config::parse_json_table(text, "alerts_json")?;
        c.validate()?;
        Ok(c)
    }

    /// Checks ranges and the webhook settings.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self
            .window_minutes
            .is_some_and(|w| !(1..=1440).contains(&w))
        {
            return Err(bad("`window_minutes` must be from 1 to 1440"));
        }
        if self.rotation_due_days.is_some_and(|d| d > 3650) {
            return Err(bad("`rotation_due_days` must be at most 3650"));
        }
        if self.usage_limit_percent.is_some_and(|p| p > 100) {
            return Err(bad("`usage_limit_percent` must be at most 100"));
        }
        match &self.webhook_url {
            Some(u) => {
                if !(u.starts_with("http://") || u.starts_with("https://")) || u.contains('@') {
                    return Err(bad(
                        "`webhook_url` must be an http(s) URL without credentials",
                    ));
                }
                if self.webhook_secret_env.is_some() == self.webhook_secret_file.is_some() {
                    return Err(bad(
                        "`webhook_url` needs exactly one of `webhook_secret_env` or `webhook_secret_file`",
                    ));
                }
            }
            None if self.webhook_secret_env.is_some() || self.webhook_secret_file.is_some() => {
                return Err(bad("a webhook secret without `webhook_url`"));
            }
            None => {}
        }
        if let Some(e) = &self.email {
            e.validate()?;
        }
        Ok(())
    }

    /// The thresholds, defaults applied.
    pub fn thresholds(&self) -> AlertThresholds {
        let d = AlertThresholds::default();
        AlertThresholds {
            rotation_due_days: self.rotation_due_days.unwrap_or(d.rotation_due_days),
            rotation_overdue_hours: self
                .rotation_overdue_hours
                .unwrap_or(d.rotation_overdue_hours),
            auth_failures: self.auth_failures.unwrap_or(d.auth_failures),
            denied_operations: self.denied_operations.unwrap_or(d.denied_operations),
            window_minutes: self.window_minutes.unwrap_or(d.window_minutes),
            sink_lag_records: self.sink_lag_records.unwrap_or(d.sink_lag_records),
            verify_chain: self.verify_chain.unwrap_or(d.verify_chain),
            approvals_waiting_hours: self
                .approvals_waiting_hours
                .unwrap_or(d.approvals_waiting_hours),
            usage_limit_percent: self.usage_limit_percent.unwrap_or(d.usage_limit_percent),
        }
    }
}

/// What the scheduler loop runs after each pass.
#[derive(Debug, Clone)]
pub(crate) struct AlertRunner {
    thresholds: AlertThresholds,
    metrics: Arc<Metrics>,
    notify: Option<(String, Arc<SecretString>, reqwest::Client)>,
    email: Option<crate::alerts_email::EmailNotifier>,
}

impl AlertRunner {
    /// `None` when alerts are disabled.
    pub(crate) fn new(
        c: &AlertsConfig,
        metrics: Arc<Metrics>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ConfigError> {
        if c.enabled == Some(false) {
            return Ok(None);
        }
        c.validate()?;
        let notify = match &c.webhook_url {
            None => None,
            Some(url) => {
                let secret = match (&c.webhook_secret_env, &c.webhook_secret_file) {
                    (Some(var), _) => env(var)
                        .ok_or_else(|| bad(format!("environment variable {var} is not set")))?,
                    (None, Some(p)) => std::fs::read_to_string(p)
                        .map_err(|e| bad(format!("cannot read {}: {e}", p.display())))?,
                    (None, None) => return Err(bad("no webhook secret")),
                };
                let secret = SecretString::new(secret.trim_end_matches(['\r', '\n']));
                if secret.expose().len() < 16 {
                    return Err(bad("the webhook secret must be at least 16 bytes"));
                }
                let client = reqwest::Client::builder()
                    .timeout(Duration::from_secs(10))
                    .redirect(reqwest::redirect::Policy::none())
                    .build()
                    .map_err(|e| bad(e.to_string()))?;
                Some((url.clone(), Arc::new(secret), client))
            }
        };
        let email = c
            .email
            .as_ref()
            .map(|e| crate::alerts_email::EmailNotifier::new(e, &env))
            .transpose()?;
        Ok(Some(Self {
            thresholds: c.thresholds(),
            metrics,
            notify,
            email,
        }))
    }

    /// One evaluation pass, then gauges and notifications.
    pub(crate) async fn run(&self, kms: &Kms) {
        let (pass, opened) = match kms.evaluate_alerts(&self.thresholds).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(error = %e, "alert evaluation failed");
                return;
            }
        };
        for (rule, n) in &pass.active {
            self.metrics.set_alerts_active(rule, *n);
        }
        if pass.opened + pass.cleared > 0 {
            tracing::info!(opened = pass.opened, cleared = pass.cleared, "alert pass");
        }
        if opened.is_empty() {
            return;
        }
        if let Some(email) = &self.email {
            let sent = email.send(&opened).await;
            self.metrics.count_alert_notification("email", sent.is_ok());
            if let Err(e) = sent {
                tracing::warn!(error = %e, alerts = opened.len(), "alert email failed");
            }
        }
        let Some((url, secret, client)) = &self.notify else {
            return;
        };
        for a in opened {
            let body = match serde_json::to_vec(&serde_json::json!({
                "event": "alert.opened",
                "alert": crate::http::alerts::alert_response(a),
            })) {
                Ok(b) => b,
                Err(_) => continue,
            };
            let sig = crate::siem::webhook::signature(secret.expose().as_bytes(), &body);
            let sent = client
                .post(url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .header(crate::siem::webhook::SIGNATURE_HEADER, sig)
                .body(body)
                .send()
                .await;
            let ok = matches!(&sent, Ok(r) if r.status().is_success());
            self.metrics.count_alert_notification("webhook", ok);
            match sent {
                Ok(r) if r.status().is_success() => {}
                Ok(r) => tracing::warn!(status = r.status().as_u16(), "alert notification refused"),
                Err(e) => tracing::warn!(error = %e.without_url(), "alert notification failed"),
            }
        }
    }
}
