//! Consumers: `/v1/secrets/{id}/consumers` (microversion 1.1+; `service`,
//! `resource_type`, `resource_id`) and `/v1/containers/{id}/consumers`
//! (`name`, `URL`). Registering answers with the object, as Barbican does.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tresor_service::secrets::{Consumer, ConsumerInfo, Target};

use super::containers::{container_id, container_json};
use super::refs::{page, paging};
use super::secrets::{parse_json, secret_id, secret_json};
use super::{BBody, BQuery, Project, Res, both, json_response};
use crate::state::AppState;

pub(super) fn routes(r: Router<AppState>) -> Router<AppState> {
    let r = both(
        r,
        "/v1/secrets/{id}/consumers",
        get(list_secret).post(add_secret).delete(remove_secret),
    );
    both(
        r,
        "/v1/containers/{id}/consumers",
        get(list_container)
            .post(add_container)
            .delete(remove_container),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SecretConsumerBody {
    service: String,
    resource_type: String,
    resource_id: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ContainerConsumerBody {
    name: String,
    #[serde(rename = "URL")]
    url: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct PageQuery {
    limit: Option<u32>,
    offset: Option<u32>,
}

fn secret_consumer(body: &[u8]) -> Result<Consumer, super::BarbicanError> {
    let b: SecretConsumerBody = parse_json(body)?;
    Ok(Consumer {
        service: b.service,
        resource_type: b.resource_type,
        resource_id: b.resource_id,
    })
}

fn container_consumer(body: &[u8]) -> Result<Consumer, super::BarbicanError> {
    let b: ContainerConsumerBody = parse_json(body)?;
    Ok(Consumer {
        service: b.name,
        resource_type: String::new(),
        resource_id: b.url,
    })
}

fn secret_consumer_json(c: &ConsumerInfo) -> Value {
    json!({
        "service": c.consumer.service,
        "resource_type": c.consumer.resource_type,
        "resource_id": c.consumer.resource_id,
        "created": c.created_at.to_rfc3339(),
        "updated": c.updated_at.to_rfc3339(),
        "status": "ACTIVE",
    })
}

/// A container consumer as Barbican shows it.
pub(super) fn container_consumer_json(c: &ConsumerInfo) -> Value {
    json!({
        "name": c.consumer.service,
        "URL": c.consumer.resource_id,
        "created": c.created_at.to_rfc3339(),
        "updated": c.updated_at.to_rfc3339(),
        "status": "ACTIVE",
    })
}

/// Registers (`add`) or removes a consumer and answers with the object.
async fn change(s: &AppState, p: &Project, target: Target, consumer: Consumer, add: bool) -> Res {
    if add {
        s.kms.register_consumer(&p.caller, target, consumer).await?;
    } else {
        s.kms.remove_consumer(&p.caller, target, consumer).await?;
    }
    let body = match target {
        Target::Secret(id) => secret_json(&p.refs, &s.kms.get_secret(&p.caller, &id).await?),
        Target::Container(id) => {
            container_json(&p.refs, &s.kms.get_container(&p.caller, &id).await?)
        }
    };
    Ok(json_response(StatusCode::OK, body))
}

/// A page of a target's consumers in the target's JSON form.
async fn list(s: &AppState, p: &Project, target: Target, q: PageQuery) -> Res {
    let (offset, limit) = page(q.offset, q.limit)?;
    let (items, total) = s
        .kms
        .list_consumers(&p.caller, target, offset, limit)
        .await?;
    let (shape, collection): (fn(&ConsumerInfo) -> Value, _) = match target {
        Target::Secret(_) => (secret_consumer_json, "secrets"),
        Target::Container(_) => (container_consumer_json, "containers"),
    };
    let mut body = Map::new();
    body.insert(
        "consumers".into(),
        items.iter().map(shape).collect::<Vec<_>>().into(),
    );
    let url = format!("{}/consumers", p.refs.of(collection, target.id()));
    paging(&mut body, &url, offset, limit, total);
    Ok(json_response(StatusCode::OK, Value::Object(body)))
}

async fn add_secret(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BBody(body): BBody,
) -> Res {
    p.require((1, 1), "secret consumers")?;
    let t = Target::Secret(secret_id(&id)?);
    change(&s, &p, t, secret_consumer(&body)?, true).await
}

async fn remove_secret(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BBody(body): BBody,
) -> Res {
    p.require((1, 1), "secret consumers")?;
    let t = Target::Secret(secret_id(&id)?);
    change(&s, &p, t, secret_consumer(&body)?, false).await
}

async fn list_secret(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BQuery(q): BQuery<PageQuery>,
) -> Res {
    p.require((1, 1), "secret consumers")?;
    list(&s, &p, Target::Secret(secret_id(&id)?), q).await
}

async fn add_container(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BBody(body): BBody,
) -> Res {
    let t = Target::Container(container_id(&id)?);
    change(&s, &p, t, container_consumer(&body)?, true).await
}

async fn remove_container(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BBody(body): BBody,
) -> Res {
    let t = Target::Container(container_id(&id)?);
    change(&s, &p, t, container_consumer(&body)?, false).await
}

async fn list_container(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BQuery(q): BQuery<PageQuery>,
) -> Res {
    list(&s, &p, Target::Container(container_id(&id)?), q).await
}
