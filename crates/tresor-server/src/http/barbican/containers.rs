//! `/v1/containers`: generic, rsa and certificate containers of secret
//! references; members of generic containers are added and removed with
//! `/v1/containers/{id}/secrets`.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tresor_core::SecretId;
use tresor_service::secrets::{ContainerFilter, ContainerInfo, ContainerSecret, NewContainer};

use super::consumers::container_consumer_json;
use super::refs::{Refs, page, paging, uuid_of};
use super::secrets::parse_json;
use super::{BBody, BQuery, BarbicanError, Project, Res, both, json_response};
use crate::state::AppState;

pub(super) fn routes(r: Router<AppState>) -> Router<AppState> {
    let r = both(r, "/v1/containers", get(list).post(create));
    let r = both(r, "/v1/containers/{id}", get(read).delete(remove));
    both(
        r,
        "/v1/containers/{id}/secrets",
        axum::routing::post(add_secret).delete(remove_secret),
    )
}

pub(super) fn container_id(s: &str) -> Result<SecretId, BarbicanError> {
    SecretId::parse(s)
        .map_err(|_| BarbicanError::new(StatusCode::NOT_FOUND, "Container not found."))
}

/// A container as Barbican describes it.
pub(super) fn container_json(refs: &Refs, c: &ContainerInfo) -> Value {
    let secret_refs: Vec<Value> = c
        .secrets
        .iter()
        .map(|m| json!({"name": m.name, "secret_ref": refs.of("secrets", m.secret)}))
        .collect();
    let consumers: Vec<Value> = c.consumers.iter().map(container_consumer_json).collect();
    json!({
        "container_ref": refs.of("containers", c.id),
        "name": c.name,
        "type": c.container_type,
        "status": "ACTIVE",
        "created": c.created_at.to_rfc3339(),
        "updated": c.updated_at.to_rfc3339(),
        "creator_id": c.created_by,
        "secret_refs": secret_refs,
        "consumers": consumers,
    })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MemberBody {
    name: Option<String>,
    secret_ref: String,
}

impl MemberBody {
    fn member(self) -> Result<ContainerSecret, BarbicanError> {
        Ok(ContainerSecret {
            name: self.name.unwrap_or_default(),
            secret: uuid_of("secret_ref", &self.secret_ref)?,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: Option<String>,
    #[serde(rename = "type")]
    container_type: Option<String>,
    #[serde(default)]
    secret_refs: Vec<MemberBody>,
}

async fn create(State(s): State<AppState>, p: Project, BBody(body): BBody) -> Res {
    let b: CreateBody = parse_json(&body)?;
    let secrets = b
        .secret_refs
        .into_iter()
        .map(MemberBody::member)
        .collect::<Result<Vec<_>, _>>()?;
    let req = NewContainer {
        name: b.name.filter(|n| !n.is_empty()),
        container_type: b.container_type,
        secrets,
    };
    let c = s.kms.create_container(&p.caller, req).await?;
    Ok(json_response(
        StatusCode::CREATED,
        json!({"container_ref": p.refs.of("containers", c.id)}),
    ))
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    limit: Option<u32>,
    offset: Option<u32>,
    name: Option<String>,
    #[serde(rename = "type")]
    container_type: Option<String>,
}

async fn list(State(s): State<AppState>, p: Project, BQuery(q): BQuery<ListQuery>) -> Res {
    let (offset, limit) = page(q.offset, q.limit)?;
    let filter = ContainerFilter {
        name: q.name.filter(|n| !n.is_empty()),
        container_type: q.container_type,
        offset,
        limit,
    };
    let (items, total) = s.kms.list_containers(&p.caller, filter).await?;
    let mut body = Map::new();
    let list: Vec<Value> = items.iter().map(|c| container_json(&p.refs, c)).collect();
    body.insert("containers".into(), list.into());
    paging(
        &mut body,
        &p.refs.collection("containers"),
        offset,
        limit,
        total,
    );
    Ok(json_response(StatusCode::OK, Value::Object(body)))
}

async fn read(State(s): State<AppState>, p: Project, Path(id): Path<String>) -> Res {
    let c = s.kms.get_container(&p.caller, &container_id(&id)?).await?;
    Ok(json_response(StatusCode::OK, container_json(&p.refs, &c)))
}

async fn remove(State(s): State<AppState>, p: Project, Path(id): Path<String>) -> Res {
    s.kms
        .delete_container(&p.caller, &container_id(&id)?)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn add_secret(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BBody(body): BBody,
) -> Res {
    let member = parse_json::<MemberBody>(&body)?.member()?;
    let id = container_id(&id)?;
    s.kms
        .change_container_secret(&p.caller, &id, member, true)
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        json!({"container_ref": p.refs.of("containers", id)}),
    ))
}

async fn remove_secret(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BBody(body): BBody,
) -> Res {
    let member = parse_json::<MemberBody>(&body)?.member()?;
    let id = container_id(&id)?;
    s.kms
        .change_container_secret(&p.caller, &id, member, false)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
