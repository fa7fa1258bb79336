//! Prometheus metrics: one [`Registry`] per server instance (no global
//! recorder), HTTP request counters and latencies labelled by the matched
//! route template, and service operation counters fed through
//! [`OpObserver`], and the metadata cache's counters ([`cache`]). Labels
//! never carry ids, aliases or other request data.

mod cache;

use std::fmt;
use std::time::Duration;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use tresor_core::{Action, Outcome};
use tresor_service::OpObserver;

/// Content type of [`Metrics::render`]'s output.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// Latency buckets in seconds: 0.5 ms to 10 s.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

fn histogram() -> Histogram {
    Histogram::new(BUCKETS)
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct HttpLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: String,
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OpLabels {
    action: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ActionLabels {
    action: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct ProviderLabels {
    provider: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TestLabels {
    test: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SinkLabels {
    sink: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RuleLabels {
    rule: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct NotificationLabels {
    channel: &'static str,
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BuildLabels {
    version: &'static str,
}

/// Prometheus instruments and the registry that holds them.
pub struct Metrics {
    registry: Registry,
    http_requests: Family<HttpLabels, Counter>,
    http_duration: Family<RouteLabels, Histogram, fn() -> Histogram>,
    operations: Family<OpLabels, Counter>,
    operation_duration: Family<ActionLabels, Histogram, fn() -> Histogram>,
    self_tests: Family<TestLabels, Gauge>,
    provider_up: Family<ProviderLabels, Gauge>,
    audit_sink_lag: Family<SinkLabels, Gauge>,
    audit_sink_delivered: Family<SinkLabels, Counter>,
    audit_sink_failures: Family<SinkLabels, Counter>,
    alerts_active: Family<RuleLabels, Gauge>,
    alert_notifications: Family<NotificationLabels, Counter>,
    /// Service operations and refusals since start, for the console.
    activity: Activity,
}

/// Operation totals and recent samples of them (the console's dashboard
/// shows a rate over about the last minute).
#[derive(Debug)]
struct Activity {
    started: std::time::Instant,
    ops: std::sync::atomic::AtomicU64,
    failed: std::sync::atomic::AtomicU64,
    samples: std::sync::Mutex<std::collections::VecDeque<(std::time::Instant, u64, u64)>>,
}

/// Operations per second (over about the last minute, or since start).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActivityRate {
    pub total: u64,
    pub failed: u64,
    pub per_second: f64,
    pub failed_per_second: f64,
    /// The window the rates cover, in seconds.
    pub window_secs: f64,
}

impl fmt::Debug for Metrics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Self::new()
    }
}

impl Metrics {
    /// A fresh registry with every Tresor instrument registered.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let http_requests = Family::<HttpLabels, Counter>::default();
        registry.register(
            "tresor_http_requests",
            "HTTP requests by method, route template and status",
            http_requests.clone(),
        );
        let http_duration =
            Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(histogram);
        registry.register(
            "tresor_http_request_duration_seconds",
            "HTTP request latency by method and route template",
            http_duration.clone(),
        );
        let operations = Family::<OpLabels, Counter>::default();
        registry.register(
            "tresor_operations",
            "Service operations by action and outcome",
            operations.clone(),
        );
        let operation_duration =
            Family::<ActionLabels, Histogram, fn() -> Histogram>::new_with_constructor(histogram);
        registry.register(
            "tresor_operation_duration_seconds",
            "Service operation latency by action",
            operation_duration.clone(),
        );
        let build_info = Family::<BuildLabels, Gauge>::default();
        build_info
            .get_or_create(&BuildLabels {
                version: env!("CARGO_PKG_VERSION"),
            })
            .set(1);
        registry.register("tresor_build_info", "Tresor build information", build_info);
        let provider_up = Family::<ProviderLabels, Gauge>::default();
        registry.register(
            "tresor_provider_up",
            "Whether a key provider answered its last health probe (1) or not (0)",
            provider_up.clone(),
        );
        let self_tests = Family::<TestLabels, Gauge>::default();
        registry.register(
            "tresor_self_test_ok",
            "Whether a self-test passed (1) or failed (0) at its last run",
            self_tests.clone(),
        );
        let audit_sink_lag = Family::<SinkLabels, Gauge>::default();
        registry.register(
            "tresor_audit_sink_lag",
            "Audit records not yet delivered to a SIEM sink (chain head minus its cursor)",
            audit_sink_lag.clone(),
        );
        let audit_sink_delivered = Family::<SinkLabels, Counter>::default();
        registry.register(
            "tresor_audit_sink_delivered",
            "Audit records delivered to a SIEM sink by this node",
            audit_sink_delivered.clone(),
        );
        let audit_sink_failures = Family::<SinkLabels, Counter>::default();
        registry.register(
            "tresor_audit_sink_failures",
            "Failed delivery attempts to a SIEM sink by this node",
            audit_sink_failures.clone(),
        );
        let alerts_active = Family::<RuleLabels, Gauge>::default();
        registry.register(
            "tresor_alerts_active",
            "Open or acknowledged alerts per rule (set by the node that evaluates them)",
            alerts_active.clone(),
        );
        let alert_notifications = Family::<NotificationLabels, Counter>::default();
        registry.register(
            "tresor_alert_notifications",
            "Alert notifications sent by this node, by channel (webhook, email) and outcome",
            alert_notifications.clone(),
        );
        Self {
            alerts_active,
            alert_notifications,
            audit_sink_lag,
            audit_sink_delivered,
            audit_sink_failures,
            self_tests,
            registry,
            http_requests,
            http_duration,
            operations,
            operation_duration,
            provider_up,
            activity: Activity {
                started: std::time::Instant::now(),
                ops: Default::default(),
                failed: Default::default(),
                samples: Default::default(),
            },
        }
    }

    /// Exports the metadata cache's counters (read at each scrape).
    pub fn register_cache(&mut self, stats: tresor_cache::CacheStatsHandle) {
        self.registry
            .register_collector(Box::new(cache::CacheCollector(stats)));
    }

    /// Records a provider's last health probe (the label is its configured
    /// id, never request data).
    pub fn set_provider_up(&self, provider: &str, up: bool) {
        self.provider_up
            .get_or_create(&ProviderLabels {
                provider: provider.to_owned(),
            })
            .set(i64::from(up));
    }

    /// Records one finished HTTP request. `route` must be a route template
    /// (or a fixed placeholder), never a raw path.
    pub fn observe_http(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        self.http_requests
            .get_or_create(&HttpLabels {
                method: method.to_owned(),
                route: route.to_owned(),
                status,
            })
            .inc();
        self.http_duration
            .get_or_create(&RouteLabels {
                method: method.to_owned(),
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Records the outcome of each self-test (the label is the test's fixed
    /// name).
    pub fn record_self_tests(&self, results: &[tresor_core::SelfTestResult]) {
        for r in results {
            self.self_tests
                .get_or_create(&TestLabels {
                    test: r.name.clone(),
                })
                .set(i64::from(r.ok));
        }
    }

    /// Sets a sink's lag (the label is its configured name).
    pub fn set_audit_sink_lag(&self, sink: &str, lag: u64) {
        self.audit_sink_lag
            .get_or_create(&SinkLabels {
                sink: sink.to_owned(),
            })
            .set(i64::try_from(lag).unwrap_or(i64::MAX));
    }

    /// Counts records delivered to a sink.
    pub fn audit_sink_delivered(&self, sink: &str, n: u64) {
        self.audit_sink_delivered
            .get_or_create(&SinkLabels {
                sink: sink.to_owned(),
            })
            .inc_by(n);
    }

    /// Counts a failed delivery attempt.
    pub fn audit_sink_failed(&self, sink: &str) {
        self.audit_sink_failures
            .get_or_create(&SinkLabels {
                sink: sink.to_owned(),
            })
            .inc();
    }

    /// Sets the number of active alerts of a rule (a fixed rule name).
    pub fn set_alerts_active(&self, rule: &str, n: usize) {
        self.alerts_active
            .get_or_create(&RuleLabels {
                rule: rule.to_owned(),
            })
            .set(i64::try_from(n).unwrap_or(i64::MAX));
    }

    /// Counts one alert notification (webhook POST or email digest).
    pub fn count_alert_notification(&self, channel: &'static str, sent: bool) {
        self.alert_notifications
            .get_or_create(&NotificationLabels {
                channel,
                outcome: if sent { "sent" } else { "failed" },
            })
            .inc();
    }

    /// The registry in the OpenMetrics text format.
    pub fn render(&self) -> Result<String, fmt::Error> {
        let mut out = String::new();
        prometheus_client::encoding::text::encode(&mut out, &self.registry)?;
        Ok(out)
    }
}

impl Metrics {
    /// Operation rates for the console (samples are taken when asked, kept
    /// for five minutes at most every five seconds).
    pub fn activity(&self) -> ActivityRate {
        use std::sync::atomic::Ordering::Relaxed;
        let a = &self.activity;
        let now = std::time::Instant::now();
        let (ops, failed) = (a.ops.load(Relaxed), a.failed.load(Relaxed));
        let mut base = (a.started, 0, 0);
        if let Ok(mut s) = a.samples.lock() {
            while s
                .front()
                .is_some_and(|(t, _, _)| now.duration_since(*t) > Duration::from_secs(300))
            {
                s.pop_front();
            }
            if let Some(b) = s
                .iter()
                .rev()
                .find(|(t, _, _)| now.duration_since(*t) >= Duration::from_secs(60))
                .or_else(|| s.front())
            {
                base = *b;
            }
            if s.back()
                .is_none_or(|(t, _, _)| now.duration_since(*t) >= Duration::from_secs(5))
            {
                s.push_back((now, ops, failed));
            }
        }
        let window = now.duration_since(base.0).as_secs_f64().max(1.0);
        ActivityRate {
            total: ops,
            failed,
            per_second: ops.saturating_sub(base.1) as f64 / window,
            failed_per_second: failed.saturating_sub(base.2) as f64 / window,
            window_secs: window,
        }
    }
}

impl OpObserver for Metrics {
    fn observe(&self, action: Action, outcome: Outcome, elapsed: Duration) {
        use std::sync::atomic::Ordering::Relaxed;
        self.activity.ops.fetch_add(1, Relaxed);
        if outcome != Outcome::Success {
            self.activity.failed.fetch_add(1, Relaxed);
        }
        self.operations
            .get_or_create(&OpLabels {
                action: action.as_str(),
                outcome: outcome.as_str(),
            })
            .inc();
        self.operation_duration
            .get_or_create(&ActionLabels {
                action: action.as_str(),
            })
            .observe(elapsed.as_secs_f64());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_every_family() -> Result<(), fmt::Error> {
        let m = Metrics::new();
        m.observe_http("GET", "/v1/keys/{key}", 200, Duration::from_millis(3));
        m.observe(Action::Encrypt, Outcome::Success, Duration::from_millis(1));
        let text = m.render()?;
        assert!(text.contains(
            "tresor_http_requests_total{method=\"GET\",route=\"/v1/keys/{key}\",status=\"200\"} 1"
        ));
        assert!(text.contains("tresor_http_request_duration_seconds_bucket"));
        assert!(
            text.contains(
                "tresor_operations_total{action=\"crypto.encrypt\",outcome=\"success\"} 1"
            )
        );
        assert!(text.contains("tresor_operation_duration_seconds_count"));
        assert!(text.contains("tresor_build_info{version="));
        Ok(())
    }
}
