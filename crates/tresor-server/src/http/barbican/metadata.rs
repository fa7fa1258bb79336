//! Secret metadata (`/v1/secrets/{id}/metadata`): read all, replace all,
//! add one (POST, on the collection or on the key as newer clients do),
//! read, update and delete one key.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Deserialize;
use serde_json::json;
use std::collections::BTreeMap;

use tresor_service::secrets::EntryChange;

use super::secrets::{parse_json, secret_id};
use super::{BBody, BarbicanError, Project, Res, both, json_response};
use crate::state::AppState;

pub(super) fn routes(r: Router<AppState>) -> Router<AppState> {
    let r = both(
        r,
        "/v1/secrets/{id}/metadata",
        get(read_all).put(replace).post(add),
    );
    both(
        r,
        "/v1/secrets/{id}/metadata/{key}",
        get(read_one)
            .put(update_one)
            .post(add_one)
            .delete(delete_one),
    )
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetadataBody {
    metadata: BTreeMap<String, String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryBody {
    key: String,
    value: String,
}

async fn read_all(State(s): State<AppState>, p: Project, Path(id): Path<String>) -> Res {
    let info = s.kms.get_secret(&p.caller, &secret_id(&id)?).await?;
    Ok(json_response(
        StatusCode::OK,
        json!({"metadata": info.metadata}),
    ))
}

async fn replace(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BBody(body): BBody,
) -> Res {
    let b: MetadataBody = parse_json(&body)?;
    let id = secret_id(&id)?;
    let info = s
        .kms
        .set_secret_metadata(&p.caller, &id, b.metadata)
        .await?;
    Ok(json_response(
        StatusCode::CREATED,
        json!({"metadata_ref": format!("{}/metadata", p.refs.of("secrets", id)), "metadata": info.metadata}),
    ))
}

/// One entry change, answered with the entry (or its absence).
async fn change(
    s: &AppState,
    p: &Project,
    id: &str,
    key: &str,
    change: EntryChange,
    status: StatusCode,
) -> Res {
    let value = match &change {
        EntryChange::Create(v) | EntryChange::Update(v) | EntryChange::Upsert(v) => Some(v.clone()),
        EntryChange::Remove => None,
    };
    s.kms
        .set_secret_metadata_entry(&p.caller, &secret_id(id)?, key, change)
        .await?;
    Ok(match value {
        Some(v) => json_response(status, json!({"key": key, "value": v})),
        None => StatusCode::NO_CONTENT.into_response(),
    })
}

/// The value of an entry body whose key must be the URL's.
fn entry_value(body: &[u8], key: &str) -> Result<String, BarbicanError> {
    let b: EntryBody = parse_json(body)?;
    if b.key != key {
        return Err(BarbicanError::bad_request(
            "the key in the body must match the URL",
        ));
    }
    Ok(b.value)
}

/// `POST .../metadata`: a new key (409 when it exists).
async fn add(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BBody(body): BBody,
) -> Res {
    let b: EntryBody = parse_json(&body)?;
    let c = EntryChange::Create(b.value);
    change(&s, &p, &id, &b.key, c, StatusCode::CREATED).await
}

/// `POST .../metadata/{key}`: add or replace (what newer clients send).
async fn add_one(
    State(s): State<AppState>,
    p: Project,
    Path((id, key)): Path<(String, String)>,
    BBody(body): BBody,
) -> Res {
    let c = EntryChange::Upsert(entry_value(&body, &key)?);
    change(&s, &p, &id, &key, c, StatusCode::CREATED).await
}

/// `PUT .../metadata/{key}`: replace (404 when absent).
async fn update_one(
    State(s): State<AppState>,
    p: Project,
    Path((id, key)): Path<(String, String)>,
    BBody(body): BBody,
) -> Res {
    let c = EntryChange::Update(entry_value(&body, &key)?);
    change(&s, &p, &id, &key, c, StatusCode::OK).await
}

async fn read_one(
    State(s): State<AppState>,
    p: Project,
    Path((id, key)): Path<(String, String)>,
) -> Res {
    let info = s.kms.get_secret(&p.caller, &secret_id(&id)?).await?;
    let value = info
        .metadata
        .get(&key)
        .ok_or_else(|| BarbicanError::new(StatusCode::NOT_FOUND, "metadata key not found"))?;
    Ok(json_response(
        StatusCode::OK,
        json!({"key": key, "value": value}),
    ))
}

async fn delete_one(
    State(s): State<AppState>,
    p: Project,
    Path((id, key)): Path<(String, String)>,
) -> Res {
    change(
        &s,
        &p,
        &id,
        &key,
        EntryChange::Remove,
        StatusCode::NO_CONTENT,
    )
    .await
}
