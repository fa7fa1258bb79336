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

async fn set_entry(
    s: &AppState,
    p: &Project,
    id: &str,
    key: &str,
    value: String,
    status: StatusCode,
) -> Res {
    let id = secret_id(id)?;
    s.kms
        .set_secret_metadata_entry(&p.caller, &id, key, Some(value.clone()))
        .await?;
    Ok(json_response(status, json!({"key": key, "value": value})))
}

async fn add(
    State(s): State<AppState>,
    p: Project,
    Path(id): Path<String>,
    BBody(body): BBody,
) -> Res {
    let b: EntryBody = parse_json(&body)?;
    let info = s.kms.get_secret(&p.caller, &secret_id(&id)?).await?;
    if info.metadata.contains_key(&b.key) {
        return Err(BarbicanError::new(
            StatusCode::CONFLICT,
            format!("metadata key '{}' exists; use PUT to change it", b.key),
        ));
    }
    set_entry(&s, &p, &id, &b.key, b.value, StatusCode::CREATED).await
}

async fn add_one(
    State(s): State<AppState>,
    p: Project,
    Path((id, key)): Path<(String, String)>,
    BBody(body): BBody,
) -> Res {
    let b: EntryBody = parse_json(&body)?;
    if b.key != key {
        return Err(BarbicanError::bad_request(
            "the key in the body must match the URL",
        ));
    }
    set_entry(&s, &p, &id, &key, b.value, StatusCode::CREATED).await
}

async fn update_one(
    State(s): State<AppState>,
    p: Project,
    Path((id, key)): Path<(String, String)>,
    BBody(body): BBody,
) -> Res {
    let b: EntryBody = parse_json(&body)?;
    if b.key != key {
        return Err(BarbicanError::bad_request(
            "the key in the body must match the URL",
        ));
    }
    let info = s.kms.get_secret(&p.caller, &secret_id(&id)?).await?;
    if !info.metadata.contains_key(&key) {
        return Err(BarbicanError::new(
            StatusCode::NOT_FOUND,
            "metadata key not found",
        ));
    }
    set_entry(&s, &p, &id, &key, b.value, StatusCode::OK).await
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
    s.kms
        .set_secret_metadata_entry(&p.caller, &secret_id(&id)?, &key, None)
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
