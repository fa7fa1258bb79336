//! `GET /v1/audit/sinks`: the SIEM sinks' delivery state (platform admins).

use axum::extract::State;
use tresor_api as api;
use tresor_service::sinks::SinkStatus;

use super::convert::ts;
use super::error::AppError;
use super::extract::{Auth, Json};
use crate::state::AppState;

#[utoipa::path(get, path = "/v1/audit/sinks", tag = "audit",
    responses((status = 200, description = "Every configured audit sink with its cursor, lag and last error", body = api::AuditSinksResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_sinks(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Result<Json<api::AuditSinksResponse>, AppError> {
    let sinks = s.kms.audit_sink_status(&c).await?;
    Ok(Json(api::AuditSinksResponse {
        sinks: sinks.into_iter().map(sink_response).collect(),
    }))
}

fn sink_response(s: SinkStatus) -> api::AuditSinkResponse {
    api::AuditSinkResponse {
        name: s.name,
        kind: s.kind.to_owned(),
        target: s.target,
        cursor: s.cursor,
        head: s.head,
        lag: s.lag,
        delivered: s.runtime.delivered,
        failures: s.runtime.failures,
        last_delivery_at: s.runtime.last_delivery_at.map(ts),
        last_error: s.runtime.last_error,
        last_error_at: s.runtime.last_error_at.map(ts),
    }
}
