//! Audit evidence and self-test routes: signed checkpoints (create, list),
//! the audit public keys, the streaming JSONL export, and on-demand
//! self-tests. Who may do what is decided by the service.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use tokio::sync::mpsc;
use tresor_api as api;
use tresor_core::Checkpoint;
use tresor_service::audit_keys::AuditKey;
use tresor_service::export::{AuditExport, ExportLine, ExportStart};
use tresor_service::self_test::SelfTestReport;
use utoipa::IntoParams;

use super::convert::{parse_timestamp, ts};
use super::error::AppError;
use super::extract::{Auth, Json, OptionalJson, Query};
use crate::state::AppState;

type Res<T> = Result<Json<T>, AppError>;

/// Content type of `GET /v1/audit/export`.
pub const EXPORT_CONTENT_TYPE: &str = "application/x-ndjson";

/// `GET /v1/audit/checkpoints` paging.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CheckpointQuery {
    /// Only checkpoints after this sequence number (`next_cursor`).
    pub after: Option<u64>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
}

/// `GET /v1/audit/export` range.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// Only records after this sequence number.
    pub after: Option<u64>,
    /// RFC 3339: only records from this time on.
    pub since: Option<String>,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn checkpoint_response(c: Checkpoint) -> api::CheckpointResponse {
    api::CheckpointResponse {
        seq: c.seq,
        hash: hex(&c.hash),
        time: ts(c.time),
        tenant: c.tenant.map(|t| t.to_string()),
        key_id: c.key_id.to_string(),
        key_version: c.key_version,
        algorithm: c.algorithm.as_str().to_owned(),
        signature: STANDARD.encode(&c.signature),
    }
}

fn audit_key_response(k: AuditKey) -> api::AuditKeyResponse {
    api::AuditKeyResponse {
        tenant: k.tenant.map(|t| t.to_string()),
        key_id: k.key_id.to_string(),
        version: k.version,
        algorithm: k.algorithm.as_str().to_owned(),
        public_key_pem: pem::encode(&pem::Pem::new("PUBLIC KEY", k.public_key)),
    }
}

/// The wire form of a self-test report.
pub fn self_test_response(r: SelfTestReport) -> api::SelfTestResponse {
    api::SelfTestResponse {
        ok: r.ok,
        results: r
            .results
            .into_iter()
            .map(|t| api::SelfTestResultResponse {
                name: t.name,
                ok: t.ok,
                error: t.error,
            })
            .collect(),
    }
}

#[utoipa::path(post, path = "/v1/audit/checkpoints", tag = "audit",
    request_body(content = api::CreateCheckpointRequest, description = "Optional; `{}` signs the tenant's checkpoint"),
    responses((status = 201, description = "Signed and stored", body = api::CheckpointResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn create_checkpoint(
    State(s): State<AppState>,
    Auth(c): Auth,
    OptionalJson(r): OptionalJson<api::CreateCheckpointRequest>,
) -> Result<(StatusCode, Json<api::CheckpointResponse>), AppError> {
    let cp = s.kms.create_checkpoint(&c, r.global).await?;
    Ok((StatusCode::CREATED, Json(checkpoint_response(cp))))
}

#[utoipa::path(get, path = "/v1/audit/checkpoints", tag = "audit", params(CheckpointQuery),
    responses((status = 200, description = "The tenant's and the global checkpoints, oldest first", body = api::CheckpointListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_checkpoints(
    State(s): State<AppState>,
    Auth(c): Auth,
    Query(q): Query<CheckpointQuery>,
) -> Res<api::CheckpointListResponse> {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let cps = s.kms.list_checkpoints(&c, q.after, limit).await?;
    let next_cursor = match cps.last() {
        Some(last) if cps.len() >= limit as usize => Some(last.seq.to_string()),
        _ => None,
    };
    Ok(Json(api::CheckpointListResponse {
        checkpoints: cps.into_iter().map(checkpoint_response).collect(),
        next_cursor,
    }))
}

#[utoipa::path(get, path = "/v1/audit/keys", tag = "audit",
    responses((status = 200, description = "Public keys of the tenant's and the global audit keys", body = api::AuditKeysResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn audit_keys(State(s): State<AppState>, Auth(c): Auth) -> Res<api::AuditKeysResponse> {
    let keys = s.kms.audit_keys(&c).await?;
    Ok(Json(api::AuditKeysResponse {
        keys: keys.into_iter().map(audit_key_response).collect(),
    }))
}

#[utoipa::path(get, path = "/v1/audit/export", tag = "audit", params(ExportQuery),
    responses((status = 200, description = "JSON lines: every record (oldest first), then every checkpoint, then the audit public keys; each line tagged with `type` = `record`, `checkpoint` or `key`", content_type = "application/x-ndjson", body = String),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn export(
    State(s): State<AppState>,
    Auth(c): Auth,
    Query(q): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let since = q
        .since
        .as_deref()
        .filter(|t| !t.is_empty())
        .map(|t| parse_timestamp("since", t))
        .transpose()?;
    let start = ExportStart {
        after_seq: q.after,
        since,
    };
    let x = s.kms.export_audit(&c, start).await?;
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(produce(x, tx));
    Ok((
        [(header::CONTENT_TYPE, EXPORT_CONTENT_TYPE)],
        Body::from_stream(Lines(rx)),
    )
        .into_response())
}

type Chunk = Result<Bytes, std::io::Error>;

/// Writes the export into the response, one page of records per chunk; a
/// store failure mid-way aborts the body (the client sees it cut short).
async fn produce(mut x: AuditExport, tx: mpsc::Sender<Chunk>) {
    loop {
        let chunk = match x.next_records().await {
            Ok(Some(page)) => lines(page.into_iter().map(ExportLine::Record)),
            Ok(None) => break,
            Err(e) => {
                tracing::error!(error = %e, "audit export failed");
                let _ = tx.send(Err(std::io::Error::other("export failed"))).await;
                return;
            }
        };
        if tx.send(Ok(chunk)).await.is_err() {
            return;
        }
    }
    let _ = tx.send(Ok(lines(x.trailer()))).await;
}

fn lines(items: impl IntoIterator<Item = ExportLine>) -> Bytes {
    let mut out = String::new();
    for l in items {
        out.push_str(&l.to_json());
        out.push('\n');
    }
    Bytes::from(out)
}

/// The receiving end of [`produce`] as a body stream.
struct Lines(mpsc::Receiver<Chunk>);

impl futures_core::Stream for Lines {
    type Item = Chunk;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Chunk>> {
        self.0.poll_recv(cx)
    }
}

#[utoipa::path(get, path = "/v1/self-test", tag = "ops",
    responses((status = 200, description = "Every known-answer, consistency and provider round-trip test", body = api::SelfTestResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn self_test(State(s): State<AppState>, Auth(c): Auth) -> Res<api::SelfTestResponse> {
    let report = s.kms.self_test(&c).await?;
    s.metrics.record_self_tests(&report.results);
    if !report.ok {
        tracing::error!(failed = ?report.failures(), "self-test failed");
    }
    Ok(Json(self_test_response(report)))
}
