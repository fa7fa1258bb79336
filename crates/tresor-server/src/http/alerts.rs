//! `/v1/alerts`: list alerts and acknowledge one.

use axum::extract::{Path, State};
use serde::Deserialize;
use tresor_api as api;
use tresor_core::AlertRecord;
use utoipa::IntoParams;

use super::convert::ts;
use super::error::AppError;
use super::extract::{Auth, Json, Query};
use crate::state::AppState;

/// `GET /v1/alerts` filters.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AlertQuery {
    /// `active` (open or acknowledged, default) or `all`.
    pub state: Option<String>,
    /// At most this many, 1 to 1000 (default 100).
    pub limit: Option<u32>,
}

#[utoipa::path(get, path = "/v1/alerts", tag = "alerts", params(AlertQuery),
    responses((status = 200, description = "The tenant's alerts (and deployment-wide ones for platform admins), newest first", body = api::AlertListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_alerts(
    State(s): State<AppState>,
    Auth(c): Auth,
    Query(q): Query<AlertQuery>,
) -> Result<Json<api::AlertListResponse>, AppError> {
    let active_only = match q.state.as_deref() {
        None | Some("active") => true,
        Some("all") => false,
        Some(_) => {
            return Err(
                tresor_service::ServiceError::invalid("state", "expected active or all").into(),
            );
        }
    };
    let alerts = s
        .kms
        .list_alerts(&c, active_only, q.limit.unwrap_or(100))
        .await?;
    Ok(Json(api::AlertListResponse {
        alerts: alerts.into_iter().map(alert_response).collect(),
    }))
}

#[utoipa::path(post, path = "/v1/alerts/{id}/ack", tag = "alerts",
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, description = "The acknowledged alert", body = api::AlertResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn ack_alert(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(id): Path<String>,
) -> Result<Json<api::AlertResponse>, AppError> {
    Ok(Json(alert_response(s.kms.ack_alert(&c, &id).await?)))
}

/// The wire form of an alert.
pub fn alert_response(a: AlertRecord) -> api::AlertResponse {
    api::AlertResponse {
        id: a.id,
        tenant: (!a.tenant.is_empty()).then_some(a.tenant),
        rule: a.rule,
        subject: a.subject,
        severity: a.severity.as_str().to_owned(),
        state: a.state.as_str().to_owned(),
        message: a.message,
        opened_at: ts(a.opened_at),
        updated_at: ts(a.updated_at),
        acknowledged_by: a.acknowledged_by,
        acknowledged_at: a.acknowledged_at.map(ts),
        cleared_at: a.cleared_at.map(ts),
    }
}
