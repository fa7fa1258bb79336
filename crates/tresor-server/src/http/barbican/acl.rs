//! ACLs: `/v1/secrets/{id}/acl` and `/v1/containers/{id}/acl`. Only the
//! `read` operation exists; `users` are principals of the same tenant
//! (e.g. `api-key:<id>`), `project-access` whether the tenant's other
//! users may read. PUT replaces, PATCH merges, DELETE resets.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tresor_service::secrets::{AclUpdate, ReadAcl, Target};

use super::containers::container_id;
use super::secrets::{parse_json, secret_id};
use super::{BBody, BarbicanError, Project, Res, both, json_response};
use crate::state::AppState;

pub(super) fn routes(r: Router<AppState>) -> Router<AppState> {
    let r = both(
        r,
        "/v1/secrets/{id}/acl",
        get(get_secret_acl)
            .put(put_secret_acl)
            .patch(patch_secret_acl)
            .delete(delete_secret_acl),
    );
    both(
        r,
        "/v1/containers/{id}/acl",
        get(get_container_acl)
            .put(put_container_acl)
            .patch(patch_container_acl)
            .delete(delete_container_acl),
    )
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct OperationAcl {
    users: Option<Vec<String>>,
    #[serde(rename = "project-access")]
    project_access: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct AclBody {
    read: Option<OperationAcl>,
}

fn acl_json(acl: &ReadAcl) -> Value {
    let mut read = Map::new();
    read.insert("project-access".into(), acl.project_access.into());
    if acl.created_at.is_some() {
        read.insert("users".into(), json!(acl.users));
        read.insert(
            "created".into(),
            json!(acl.created_at.map(|t| t.to_rfc3339())),
        );
        read.insert(
            "updated".into(),
            json!(acl.updated_at.map(|t| t.to_rfc3339())),
        );
    }
    json!({"read": read})
}

fn target(kind: &str, id: &str) -> Result<Target, BarbicanError> {
    Ok(match kind {
        "secrets" => Target::Secret(secret_id(id)?),
        _ => Target::Container(container_id(id)?),
    })
}

async fn get_acl(s: &AppState, p: &Project, kind: &str, id: &str) -> Res {
    let acl = s.kms.get_acl(&p.caller, target(kind, id)?).await?;
    Ok(json_response(StatusCode::OK, acl_json(&acl)))
}

async fn set_acl(s: &AppState, p: &Project, kind: &str, id: &str, body: &[u8], merge: bool) -> Res {
    let b: AclBody = parse_json(body)?;
    let read = b.read.unwrap_or_default();
    let t = target(kind, id)?;
    let update = AclUpdate {
        project_access: read.project_access,
        users: read.users,
    };
    s.kms.set_acl(&p.caller, t, update, merge).await?;
    let acl_ref = format!("{}/acl", p.refs.of(kind, t.id()));
    Ok(json_response(StatusCode::OK, json!({"acl_ref": acl_ref})))
}

async fn delete_acl(s: &AppState, p: &Project, kind: &str, id: &str) -> Res {
    s.kms.delete_acl(&p.caller, target(kind, id)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn get_secret_acl(State(s): State<AppState>, p: Project, Path(id): Path<String>) -> Res {
    get_acl(&s, &p, "secrets", &id).await
}
async fn put_secret_acl(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BBody(b): BBody,
) -> Res {
    set_acl(&s, &p, "secrets", &id, &b, false).await
}
async fn patch_secret_acl(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BBody(b): BBody,
) -> Res {
    set_acl(&s, &p, "secrets", &id, &b, true).await
}
async fn delete_secret_acl(State(s): State<AppState>, p: Project, Path(id): Path<String>) -> Res {
    delete_acl(&s, &p, "secrets", &id).await
}
async fn get_container_acl(State(s): State<AppState>, p: Project, Path(id): Path<String>) -> Res {
    get_acl(&s, &p, "containers", &id).await
}
async fn put_container_acl(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BBody(b): BBody,
) -> Res {
    set_acl(&s, &p, "containers", &id, &b, false).await
}
async fn patch_container_acl(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BBody(b): BBody,
) -> Res {
    set_acl(&s, &p, "containers", &id, &b, true).await
}
async fn delete_container_acl(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
) -> Res {
    delete_acl(&s, &p, "containers", &id).await
}
