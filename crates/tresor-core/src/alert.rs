//! Alerts: conditions that need an operator's attention (a key due for
//! rotation, an unhealthy provider, a lagging audit sink...), raised and
//! cleared by the alert evaluator and acknowledged by people. An alert is
//! *active* while open or acknowledged; it is cleared when its condition
//! goes away, and a new alert is opened if the condition comes back.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// Where an alert is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AlertState {
    /// The condition holds and nobody acknowledged it yet.
    Open,
    /// The condition holds; someone has seen it.
    Acknowledged,
    /// The condition went away.
    Cleared,
}

impl AlertState {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertState::Open => "open",
            AlertState::Acknowledged => "acknowledged",
            AlertState::Cleared => "cleared",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "open" => Some(AlertState::Open),
            "acknowledged" => Some(AlertState::Acknowledged),
            "cleared" => Some(AlertState::Cleared),
            _ => None,
        }
    }

    /// Open or acknowledged.
    pub fn is_active(self) -> bool {
        !matches!(self, AlertState::Cleared)
    }
}

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum AlertSeverity {
    Warning,
    Critical,
}

impl AlertSeverity {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertSeverity::Warning => "warning",
            AlertSeverity::Critical => "critical",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "warning" => Some(AlertSeverity::Warning),
            "critical" => Some(AlertSeverity::Critical),
            _ => None,
        }
    }
}

/// One alert. `tenant` is empty for deployment-wide alerts (providers,
/// audit sinks, the audit chain), which only platform admins see.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertRecord {
    /// Opaque id (a UUID).
    pub id: String,
    pub tenant: String,
    /// The rule that raised it, e.g. `rotation_overdue`.
    pub rule: String,
    /// What it is about (a key id, provider id, sink name, principal...).
    pub subject: String,
    pub severity: AlertSeverity,
    pub state: AlertState,
    /// Human-readable description (no secrets).
    pub message: String,
    pub opened_at: Timestamp,
    pub updated_at: Timestamp,
    pub acknowledged_by: Option<String>,
    pub acknowledged_at: Option<Timestamp>,
    pub cleared_at: Option<Timestamp>,
}

/// Filters for reading alerts (combined with AND), newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlertFilter {
    /// Only these tenants (`""` is the deployment-wide scope); `None`: all.
    pub tenants: Option<Vec<String>>,
    /// Only this alert.
    pub id: Option<String>,
    /// Only open or acknowledged alerts.
    pub active_only: bool,
    pub limit: u32,
}
