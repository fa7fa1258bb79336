//! SIEM streaming of the audit trail, at least once and in order. The
//! outbox is the audit chain itself: each sink has a cursor in the store
//! (the last `seq` it received); a delivery pass reads the records after
//! it, hands them to the sink in order and moves the cursor past what the
//! sink accepted. A sink that is down keeps its cursor, so nothing is lost
//! across outages or restarts; a record may be delivered again after a
//! failure between sending and moving the cursor (receivers dedupe by the
//! record's sequence number and hash). Concrete sinks (syslog, webhook,
//! file) live in the server; the server runs passes on the cluster's lease
//! holder only.

use std::fmt;
use std::sync::{Arc, Mutex, RwLock};

use async_trait::async_trait;
use tresor_core::audit::AuditRecord;
use tresor_core::{Action, AuditFilter, Caller, Timestamp};

use crate::error::Result;
use crate::kms::Kms;

/// Why a sink did not take a record. The message must hold no secret
/// (no webhook secret, no URL credentials); it is shown by the status API.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct SinkError(pub String);

/// A delivery that stopped early: the first `delivered` records were
/// accepted, then `error`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkFailure {
    pub delivered: usize,
    pub error: SinkError,
}

/// A destination for audit records.
#[async_trait]
pub trait AuditSink: Send + Sync + fmt::Debug {
    /// The configured, unique name (also its cursor's name).
    fn name(&self) -> &str;
    /// `syslog`, `webhook` or `file`.
    fn kind(&self) -> &'static str;
    /// Where records go, safe to show (no credentials or secrets).
    fn target(&self) -> String;
    /// Delivers `records` in order; on failure says how many were accepted.
    async fn deliver(&self, records: &[AuditRecord]) -> std::result::Result<(), SinkFailure>;
}

/// What this process saw of a sink since it started.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SinkRuntime {
    pub delivered: u64,
    pub failures: u64,
    pub last_delivery_at: Option<Timestamp>,
    pub last_error: Option<String>,
    pub last_error_at: Option<Timestamp>,
}

/// A sink's status: its cursor against the chain head, and this process's
/// view of its deliveries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SinkStatus {
    pub name: String,
    pub kind: &'static str,
    pub target: String,
    /// Last delivered `seq`.
    pub cursor: u64,
    /// The audit chain's last `seq`.
    pub head: u64,
    /// Records not yet delivered (`head - cursor`).
    pub lag: u64,
    pub runtime: SinkRuntime,
}

/// What one delivery pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeliveryPass {
    pub delivered: usize,
    /// The sink's error, when it stopped early.
    pub error: Option<String>,
    /// A full batch went out: more records may be waiting.
    pub more: bool,
}

#[derive(Debug)]
struct Entry {
    sink: Arc<dyn AuditSink>,
    runtime: Mutex<SinkRuntime>,
}

/// The registered sinks.
#[derive(Debug, Default)]
pub(crate) struct SinkSet {
    entries: RwLock<Vec<Arc<Entry>>>,
}

impl SinkSet {
    fn all(&self) -> Vec<Arc<Entry>> {
        self.entries.read().map(|e| e.clone()).unwrap_or_default()
    }

    fn get(&self, name: &str) -> Option<Arc<Entry>> {
        self.all().into_iter().find(|e| e.sink.name() == name)
    }
}

impl Entry {
    fn update(&self, f: impl FnOnce(&mut SinkRuntime)) {
        if let Ok(mut r) = self.runtime.lock() {
            f(&mut r);
        }
    }

    fn snapshot(&self) -> SinkRuntime {
        self.runtime.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl Kms {
    /// Adds a sink (at start-up); a sink of the same name is replaced.
    pub fn register_audit_sink(&self, sink: Arc<dyn AuditSink>) {
        let entry = Arc::new(Entry {
            sink,
            runtime: Mutex::new(SinkRuntime::default()),
        });
        if let Ok(mut all) = self.sinks().entries.write() {
            all.retain(|e| e.sink.name() != entry.sink.name());
            all.push(entry);
        }
    }

    /// Names of the registered sinks.
    pub fn audit_sink_names(&self) -> Vec<String> {
        self.sinks()
            .all()
            .iter()
            .map(|e| e.sink.name().to_owned())
            .collect()
    }

    /// One delivery pass for sink `name`: up to `batch` records after its
    /// cursor, in order; the cursor moves past every accepted record. Not
    /// audited (it would feed itself); failures are logged and reported.
    pub async fn deliver_audit(&self, name: &str, batch: u32) -> Result<DeliveryPass> {
        let entry = self
            .sinks()
            .get(name)
            .ok_or(crate::ServiceError::NotFound { what: "audit sink" })?;
        let cursor = self.store().sink_cursor(name).await?;
        let batch = batch.clamp(1, 1000);
        let records = self
            .store()
            .list_audit(&AuditFilter {
                after_seq: Some(cursor),
                ascending: true,
                limit: batch,
                ..AuditFilter::default()
            })
            .await?;
        // Only a gap-free run continuing the cursor is delivered.
        let mut expected = cursor + 1;
        let run = records
            .iter()
            .take_while(|r| {
                let ok = r.seq == expected;
                expected += 1;
                ok
            })
            .count();
        let records = &records[..run];
        if records.is_empty() {
            return Ok(DeliveryPass::default());
        }
        let (delivered, error) = match entry.sink.deliver(records).await {
            Ok(()) => (records.len(), None),
            Err(f) => (f.delivered.min(records.len()), Some(f.error.0)),
        };
        if delivered > 0 {
            let last = records[delivered - 1].seq;
            self.store().advance_sink_cursor(name, last).await?;
        }
        let now = self.now();
        entry.update(|r| {
            r.delivered += delivered as u64;
            if delivered > 0 {
                r.last_delivery_at = Some(now);
            }
            if let Some(e) = &error {
                r.failures += 1;
                r.last_error = Some(e.clone());
                r.last_error_at = Some(now);
            }
        });
        if let Some(e) = &error {
            tracing::warn!(sink = name, delivered, error = %e, "audit sink delivery failed; will retry");
        }
        Ok(DeliveryPass {
            delivered,
            more: error.is_none() && records.len() == batch as usize,
            error,
        })
    }

    /// Every sink's cursor, head and lag (for metrics and alerts; no
    /// caller: internal).
    pub async fn audit_sink_statuses(&self) -> Result<Vec<SinkStatus>> {
        let (head, _) = self.store().audit_head().await?;
        let mut out = Vec::new();
        for e in self.sinks().all() {
            let name = e.sink.name().to_owned();
            let cursor = self.store().sink_cursor(&name).await?;
            out.push(SinkStatus {
                kind: e.sink.kind(),
                target: e.sink.target(),
                cursor,
                head,
                lag: head.saturating_sub(cursor),
                runtime: e.snapshot(),
                name,
            });
        }
        Ok(out)
    }

    /// The sinks' status, for platform admins (the sinks carry every
    /// tenant's records).
    pub async fn audit_sink_status(&self, caller: &Caller) -> Result<Vec<SinkStatus>> {
        let (op, allowed) = self.begin(caller, Action::AuditSinkStatus);
        let result = async {
            allowed?;
            self.audit_sink_statuses().await
        }
        .await;
        self.finish(op, result).await
    }
}
