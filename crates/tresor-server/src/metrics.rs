//! PLACEHOLDER (owned by the HTTP helper): Prometheus metrics.

use tresor_core::{Action, Outcome};
use tresor_service::OpObserver;

/// Prometheus instruments.
#[derive(Debug, Default)]
pub struct Metrics;

impl Metrics {
    /// A fresh registry.
    pub fn new() -> Self {
        Self
    }
}

impl OpObserver for Metrics {
    fn observe(&self, _action: Action, _outcome: Outcome, _elapsed: std::time::Duration) {}
}
