//! TLS endpoint discovery through the service: starting a scan (validated,
//! bounded, audited, stored as `running`), running it with bounded
//! concurrency and rate through an [`EndpointProber`], storing the results
//! (audited as `discovery.complete`), and reading scans back.

pub mod alerts;
pub mod certinfo;
pub mod targets;

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::Semaphore;
use tresor_core::discovery::{DiscoveryScan, EndpointProber, EndpointResult, ScanSpec, ScanStatus};
use tresor_core::{Action, Caller, Change};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use targets::Endpoint;

/// A started scan and the endpoints it will probe.
#[derive(Debug, Clone)]
pub struct ScanPlan {
    pub scan: DiscoveryScan,
    pub endpoints: Vec<Endpoint>,
}

/// Principal of the audit record that stores a scan's results.
pub const SYSTEM_PRINCIPAL: &str = "system:discovery";

impl Kms {
    /// Validates and records a new scan (admins). Run it with
    /// [`Kms::run_discovery`].
    pub async fn start_discovery(&self, caller: &Caller, spec: ScanSpec) -> Result<ScanPlan> {
        let (mut op, allowed) = self.begin(caller, Action::DiscoveryScan);
        let result = async {
            allowed?;
            let spec = targets::normalize(spec)?;
            let endpoints = targets::expand(&spec)?;
            let id = uuid_v7();
            let scan = DiscoveryScan {
                schedule: spec.repeat_minutes.map(|_| id.clone()),
                id,
                tenant: caller.tenant.clone(),
                created_by: caller.principal.clone(),
                created_at: self.now(),
                finished_at: None,
                status: ScanStatus::Running,
                endpoints_total: u32::try_from(endpoints.len()).unwrap_or(u32::MAX),
                spec,
                results: Vec::new(),
            };
            op.object(&scan.id);
            op.detail("endpoints", endpoints.len());
            op.detail("targets", scan.spec.targets.clone());
            self.commit(&mut op, vec![Change::PutDiscoveryScan(scan.clone())])
                .await?;
            Ok(ScanPlan { scan, endpoints })
        }
        .await;
        self.finish(op, result).await
    }

    /// Probes every endpoint of `plan` (at most `concurrency` at once, at
    /// most `rate_per_second` new connections a second), then stores the
    /// results. Returns the finished scan.
    pub async fn run_discovery(
        &self,
        plan: ScanPlan,
        prober: Arc<dyn EndpointProber>,
    ) -> Result<DiscoveryScan> {
        let ScanPlan {
            mut scan,
            endpoints,
        } = plan;
        let results = probe_all(&scan.spec, endpoints, prober).await;
        scan.results = results;
        scan.status = ScanStatus::Completed;
        scan.finished_at = Some(self.now());
        let mut system = Caller::system(scan.tenant.clone());
        system.principal = SYSTEM_PRINCIPAL.to_owned();
        let (mut op, allowed) = self.begin(&system, Action::DiscoveryComplete);
        op.object(&scan.id);
        let result = async {
            allowed?;
            op.detail(
                "tls_endpoints",
                scan.results.iter().filter(|r| r.tls).count(),
            );
            self.commit(&mut op, vec![Change::PutDiscoveryScan(scan.clone())])
                .await?;
            Ok(scan)
        }
        .await;
        self.finish(op, result).await
    }

    /// One scan of the caller's tenant.
    pub async fn get_discovery(&self, caller: &Caller, id: &str) -> Result<DiscoveryScan> {
        let (mut op, allowed) = self.begin(caller, Action::DiscoveryRead);
        op.object(id);
        let result = async {
            allowed?;
            self.store()
                .get_discovery_scan(&caller.tenant, id)
                .await?
                .ok_or(ServiceError::NotFound {
                    what: "discovery scan",
                })
        }
        .await;
        self.finish(op, result).await
    }

    /// The caller's tenant's scans, newest first.
    pub async fn list_discovery(&self, caller: &Caller, limit: u32) -> Result<Vec<DiscoveryScan>> {
        let (op, allowed) = self.begin(caller, Action::DiscoveryRead);
        let result = async {
            allowed?;
            Ok(self
                .store()
                .list_discovery_scans(&caller.tenant, limit.clamp(1, 1000))
                .await?)
        }
        .await;
        self.finish(op, result).await
    }
}

impl Kms {
    /// Starts the next run of every repeating scan that is due (the
    /// scheduler calls this on the cluster's leader): a schedule is due when
    /// its newest run finished at least `repeat_minutes` ago. Returns the
    /// started runs for the caller to execute.
    pub async fn start_due_discovery(&self) -> Result<Vec<ScanPlan>> {
        let now = self.now();
        let mut plans = Vec::new();
        for tenant in self.store().list_tenants().await? {
            let scans = self
                .store()
                .list_discovery_scans(&tenant.id, SCHEDULE_WINDOW)
                .await?;
            let mut seen = std::collections::BTreeSet::new();
            // Newest first: the first scan of each schedule is its latest run.
            for last in scans {
                let Some(schedule) = last.schedule.clone() else {
                    continue;
                };
                if !seen.insert(schedule.clone()) {
                    continue;
                }
                // A run left `running` for a day (its node died) no longer
                // holds the schedule up.
                let finished = last.finished_at.or_else(|| {
                    (last.created_at.plus_seconds(STALE_RUN_SECONDS) <= now)
                        .then_some(last.created_at)
                });
                let (Some(minutes), Some(finished)) = (last.spec.repeat_minutes, finished) else {
                    continue;
                };
                if finished.plus_seconds(i64::from(minutes) * 60) > now {
                    continue;
                }
                plans.push(self.start_scheduled(&last, schedule).await?);
            }
        }
        Ok(plans)
    }

    async fn start_scheduled(&self, last: &DiscoveryScan, schedule: String) -> Result<ScanPlan> {
        let mut system = Caller::system(last.tenant.clone());
        system.principal = SYSTEM_PRINCIPAL.to_owned();
        let (mut op, allowed) = self.begin(&system, Action::DiscoveryScan);
        let result = async {
            allowed?;
            let endpoints = targets::expand(&last.spec)?;
            let scan = DiscoveryScan {
                id: uuid_v7(),
                tenant: last.tenant.clone(),
                created_by: SYSTEM_PRINCIPAL.to_owned(),
                created_at: self.now(),
                finished_at: None,
                status: ScanStatus::Running,
                spec: last.spec.clone(),
                endpoints_total: u32::try_from(endpoints.len()).unwrap_or(u32::MAX),
                schedule: Some(schedule.clone()),
                results: Vec::new(),
            };
            op.object(&scan.id);
            op.detail("schedule", schedule);
            self.commit(&mut op, vec![Change::PutDiscoveryScan(scan.clone())])
                .await?;
            Ok(ScanPlan { scan, endpoints })
        }
        .await;
        self.finish(op, result).await
    }

    /// Stops a repeating scan (admins): its latest run no longer repeats.
    pub async fn stop_discovery_schedule(
        &self,
        caller: &Caller,
        schedule: &str,
    ) -> Result<DiscoveryScan> {
        let (mut op, allowed) = self.begin(caller, Action::DiscoveryScan);
        op.object(schedule);
        let result = async {
            allowed?;
            let scans = self
                .store()
                .list_discovery_scans(&caller.tenant, SCHEDULE_WINDOW)
                .await?;
            let mut last = scans
                .into_iter()
                .find(|s| s.schedule.as_deref() == Some(schedule))
                .ok_or(ServiceError::NotFound {
                    what: "discovery schedule",
                })?;
            last.spec.repeat_minutes = None;
            op.detail("stop_schedule", true);
            self.commit(&mut op, vec![Change::PutDiscoveryScan(last.clone())])
                .await?;
            Ok(last)
        }
        .await;
        self.finish(op, result).await
    }
}

/// A run still `running` after this long is considered dead.
const STALE_RUN_SECONDS: i64 = 86_400;

/// How many recent scans per tenant the scheduler looks at.
const SCHEDULE_WINDOW: u32 = 1000;

fn uuid_v7() -> String {
    tresor_core::KeyId::generate().to_string()
}

/// Probes the endpoints with the spec's limits; keeps results in endpoint
/// order. Range addresses that answered nothing are left out.
async fn probe_all(
    spec: &ScanSpec,
    endpoints: Vec<Endpoint>,
    prober: Arc<dyn EndpointProber>,
) -> Vec<EndpointResult> {
    let permits = Arc::new(Semaphore::new(usize::from(spec.concurrency.max(1))));
    let gap = Duration::from_secs_f64(1.0 / f64::from(spec.rate_per_second.max(1)));
    let timeout = Duration::from_millis(u64::from(spec.timeout_ms));
    let mut tick = tokio::time::interval(gap);
    let mut tasks = tokio::task::JoinSet::new();
    for (i, e) in endpoints.into_iter().enumerate() {
        tick.tick().await;
        let Ok(permit) = permits.clone().acquire_owned().await else {
            break;
        };
        let prober = prober.clone();
        tasks.spawn(async move {
            let r = prober.probe(&e.host, e.port, timeout).await;
            drop(permit);
            (i, e.from_range, r)
        });
    }
    let mut out = Vec::new();
    while let Some(done) = tasks.join_next().await {
        if let Ok((i, from_range, r)) = done
            && (r.tls || !from_range)
        {
            out.push((i, r));
        }
    }
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, r)| r).collect()
}

/// A certificate expiring within this many days is flagged `expiring-soon`.
pub const EXPIRING_SOON_DAYS: i64 = 30;

/// What needs attention at an endpoint (for reports and alerts): the
/// leaf's [`certificate_findings`], plus `self-signed` (a single
/// certificate that signs itself) and `no-tls` (nothing answered TLS).
pub fn endpoint_findings(r: &EndpointResult, now: tresor_core::Timestamp) -> Vec<&'static str> {
    if !r.tls {
        return vec!["no-tls"];
    }
    let Some(leaf) = r.chain.first() else {
        return Vec::new();
    };
    let mut out = certificate_findings(leaf, now);
    if leaf.self_signed && r.chain.len() == 1 {
        out.push("self-signed");
    }
    out
}

/// What needs attention in one certificate: `expired`, `expiring-soon`
/// (within [`EXPIRING_SOON_DAYS`]), `not-yet-valid`, `weak-key` (RSA <
/// 2048, EC < 256 bits), `weak-signature` (MD5 or SHA-1).
pub fn certificate_findings(
    c: &tresor_core::discovery::CertInfo,
    now: tresor_core::Timestamp,
) -> Vec<&'static str> {
    let mut out = Vec::new();
    let soon = now.plus_seconds(EXPIRING_SOON_DAYS * 86_400);
    if c.not_after < now {
        out.push("expired");
    } else if c.not_after < soon {
        out.push("expiring-soon");
    }
    if c.not_before > now {
        out.push("not-yet-valid");
    }
    let weak_key = match c.key_type.as_str() {
        "rsa" => c.key_bits < 2048,
        "ec" => c.key_bits < 256,
        _ => false,
    };
    if weak_key {
        out.push("weak-key");
    }
    let sig = c.signature_algorithm.to_ascii_lowercase();
    if sig.contains("md5") || sig.contains("sha1") || sig.contains("sha-1") {
        out.push("weak-signature");
    }
    out
}
