//! Quotas: `GET /v1/quotas` (the caller's project, effective values) and
//! `/v1/project-quotas[/{project}]` (platform admins: list, read, set,
//! delete). `-1` is unlimited.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Value, json};
use tresor_core::TenantId;
use tresor_service::secrets::Quotas;

use super::secrets::parse_json;
use super::{BBody, BarbicanError, Project, Res, both, json_response};
use crate::state::AppState;

pub(super) fn routes(r: Router<AppState>) -> Router<AppState> {
    let r = both(r, "/v1/quotas", get(effective));
    let r = both(r, "/v1/project-quotas", get(list));
    both(
        r,
        "/v1/project-quotas/{project}",
        get(read).put(set).delete(remove),
    )
}

fn quotas_json(q: Quotas) -> Value {
    json!({
        "secrets": q.secrets,
        "orders": q.orders,
        "containers": q.containers,
        "consumers": q.consumers,
        "cas": q.cas,
    })
}

fn project(s: &str) -> Result<TenantId, BarbicanError> {
    TenantId::parse(s).map_err(|_| BarbicanError::new(StatusCode::NOT_FOUND, "Project not found."))
}

async fn effective(State(s): State<AppState>, p: Project) -> Res {
    let q = s.kms.get_quotas(&p.caller).await?;
    Ok(json_response(
        StatusCode::OK,
        json!({"quotas": quotas_json(q)}),
    ))
}

async fn list(State(s): State<AppState>, p: Project) -> Res {
    let all = s.kms.list_project_quotas(&p.caller).await?;
    let items: Vec<Value> = all
        .iter()
        .map(|t| json!({"project_id": t.tenant.as_str(), "project_quotas": quotas_json(t.quotas)}))
        .collect();
    let total = items.len();
    Ok(json_response(
        StatusCode::OK,
        json!({"project_quotas": items, "total": total}),
    ))
}

async fn read(State(s): State<AppState>, p: Project, Path(project_id): Path<String>) -> Res {
    let q = s
        .kms
        .get_project_quotas(&p.caller, &project(&project_id)?)
        .await?;
    Ok(json_response(
        StatusCode::OK,
        json!({"project_quotas": quotas_json(q)}),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SetBody {
    project_quotas: Quotas,
}

async fn set(
    State(s): State<AppState>,
    p: Project,
    Path(project_id): Path<String>,
    BBody(body): BBody,
) -> Res {
    let b: SetBody = parse_json(&body)?;
    s.kms
        .set_project_quotas(&p.caller, &project(&project_id)?, b.project_quotas)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn remove(State(s): State<AppState>, p: Project, Path(project_id): Path<String>) -> Res {
    s.kms
        .delete_project_quotas(&p.caller, &project(&project_id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
