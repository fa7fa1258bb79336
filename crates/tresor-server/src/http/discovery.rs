//! Discovery routes: start a TLS endpoint scan (answered at once with the
//! running scan, or when it has finished with `"wait": true`), list scans,
//! read one. The service validates, bounds, audits and stores; the scan
//! runs on this node with the rustls prober.

use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tresor_api as api;
use tresor_core::discovery::{CertInfo, DiscoveryScan, EndpointResult, ScanSpec};
use tresor_service::discovery::endpoint_findings;
use utoipa::IntoParams;

use super::convert::ts;
use super::error::AppError;
use super::extract::{Auth, Json, Path, Query};
use crate::discovery_probe::TlsProber;
use crate::state::AppState;

/// `{id}` of a scan.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct ScanPath {
    /// Scan id.
    pub id: String,
}

/// `GET /v1/discovery/scans` paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScanListQuery {
    /// Newest scans to return, 1-1000 (default 100).
    pub limit: Option<u32>,
}

/// The wire form of one certificate.
pub fn cert(c: CertInfo) -> api::DiscoveredCertificate {
    api::DiscoveredCertificate {
        subject: c.subject,
        issuer: c.issuer,
        serial: c.serial,
        not_before: ts(c.not_before),
        not_after: ts(c.not_after),
        key_type: c.key_type,
        key_bits: c.key_bits,
        curve: c.curve,
        signature_algorithm: c.signature_algorithm,
        self_signed: c.self_signed,
        is_ca: c.is_ca,
        sans: c.sans,
        sha256: c.sha256,
    }
}

fn endpoint(r: EndpointResult, now: tresor_core::Timestamp) -> api::DiscoveredEndpoint {
    let findings = endpoint_findings(&r, now)
        .into_iter()
        .map(str::to_owned)
        .collect();
    api::DiscoveredEndpoint {
        host: r.host,
        port: r.port,
        tls: r.tls,
        tls_versions: r.tls_versions,
        cipher_suite: r.cipher_suite,
        chain: r.chain.into_iter().map(cert).collect(),
        findings,
        error: r.error,
    }
}

/// The wire form of a scan; findings are judged at `now`.
pub fn scan_response(s: DiscoveryScan, now: tresor_core::Timestamp) -> api::ScanResponse {
    api::ScanResponse {
        id: s.id,
        status: s.status.as_str().to_owned(),
        created_by: s.created_by,
        created_at: ts(s.created_at),
        finished_at: s.finished_at.map(ts),
        targets: s.spec.targets,
        ports: s.spec.ports,
        concurrency: s.spec.concurrency,
        rate_per_second: s.spec.rate_per_second,
        timeout_ms: s.spec.timeout_ms,
        repeat_minutes: s.spec.repeat_minutes,
        schedule: s.schedule,
        endpoints_total: s.endpoints_total,
        results: s.results.into_iter().map(|r| endpoint(r, now)).collect(),
    }
}

#[utoipa::path(post, path = "/v1/discovery/scans", tag = "discovery",
    request_body = api::CreateScanRequest,
    responses((status = 202, description = "Started; poll GET /v1/discovery/scans/{id}", body = api::ScanResponse),
        (status = 201, description = "Finished (with \"wait\": true)", body = api::ScanResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn create_scan(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::CreateScanRequest>,
) -> Result<(StatusCode, Json<api::ScanResponse>), AppError> {
    let spec = ScanSpec {
        targets: r.targets,
        ports: r.ports,
        concurrency: r.concurrency.unwrap_or(0),
        rate_per_second: r.rate_per_second.unwrap_or(0),
        timeout_ms: r.timeout_ms.unwrap_or(0),
        repeat_minutes: r.repeat_minutes,
    };
    let plan = s.kms.start_discovery(&c, spec).await?;
    let prober = Arc::new(TlsProber);
    if r.wait {
        let done = s.kms.run_discovery(plan, prober).await?;
        return Ok((StatusCode::CREATED, Json(scan_response(done, s.kms.now()))));
    }
    let running = plan.scan.clone();
    let kms = s.kms.clone();
    tokio::spawn(async move {
        if let Err(e) = kms.run_discovery(plan, prober).await {
            tracing::error!(error = %e, "discovery scan could not be stored");
        }
    });
    Ok((
        StatusCode::ACCEPTED,
        Json(scan_response(running, s.kms.now())),
    ))
}

#[utoipa::path(get, path = "/v1/discovery/scans", tag = "discovery", params(ScanListQuery),
    responses((status = 200, description = "The tenant's scans, newest first", body = api::ScanListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_scans(
    State(s): State<AppState>,
    Auth(c): Auth,
    Query(q): Query<ScanListQuery>,
) -> Result<Json<api::ScanListResponse>, AppError> {
    let scans = s.kms.list_discovery(&c, q.limit.unwrap_or(100)).await?;
    let now = s.kms.now();
    Ok(Json(api::ScanListResponse {
        scans: scans.into_iter().map(|x| scan_response(x, now)).collect(),
    }))
}

#[utoipa::path(get, path = "/v1/discovery/scans/{id}", tag = "discovery", params(ScanPath),
    responses((status = 200, description = "One scan with its results", body = api::ScanResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn get_scan(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(ScanPath { id }): Path<ScanPath>,
) -> Result<Json<api::ScanResponse>, AppError> {
    let scan = s.kms.get_discovery(&c, &id).await?;
    Ok(Json(scan_response(scan, s.kms.now())))
}

/// `{schedule}`: the id of a repeating scan's first run.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SchedulePath {
    /// Schedule id.
    pub schedule: String,
}

#[utoipa::path(delete, path = "/v1/discovery/schedules/{schedule}", tag = "discovery", params(SchedulePath),
    responses((status = 200, description = "The schedule's latest run, no longer repeating", body = api::ScanResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn stop_schedule(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(SchedulePath { schedule }): Path<SchedulePath>,
) -> Result<Json<api::ScanResponse>, AppError> {
    let scan = s.kms.stop_discovery_schedule(&c, &schedule).await?;
    Ok(Json(scan_response(scan, s.kms.now())))
}
