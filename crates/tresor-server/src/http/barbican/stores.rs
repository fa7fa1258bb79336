//! Secret stores (`/v1/secret-stores`): Tresor's providers that can hold
//! secrets, the deployment default (`global-default`) and the project's
//! preferred store, which new secrets of the project are sealed in.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde_json::{Value, json};
use tresor_core::ProviderId;
use tresor_service::secrets::SecretStoreInfo;

use super::refs::Refs;
use super::{BarbicanError, Project, Res, both, json_response};
use crate::state::AppState;

pub(super) fn routes(r: Router<AppState>) -> Router<AppState> {
    let r = both(r, "/v1/secret-stores", get(list));
    let r = both(r, "/v1/secret-stores/global-default", get(global_default));
    let r = both(r, "/v1/secret-stores/preferred", get(preferred));
    let r = both(r, "/v1/secret-stores/{id}", get(read));
    both(
        r,
        "/v1/secret-stores/{id}/preferred",
        post(prefer).delete(unprefer),
    )
}

fn store_json(refs: &Refs, s: &SecretStoreInfo) -> Value {
    let plugin = if s.provider.hardware_backed {
        "pkcs11"
    } else {
        s.provider.kind
    };
    json!({
        "secret_store_ref": refs.of("secret-stores", &s.provider.id),
        "secret_store_id": s.provider.id.as_str(),
        "name": s.provider.id.as_str(),
        "secret_store_plugin": format!("tresor-{}", s.provider.kind),
        "crypto_plugin": plugin,
        "global_default": s.global_default,
        "status": if s.provider.healthy { "ACTIVE" } else { "ERROR" },
    })
}

async fn stores(s: &AppState, p: &Project) -> Result<Vec<SecretStoreInfo>, BarbicanError> {
    Ok(s.kms.list_secret_stores(&p.caller).await?)
}

fn not_found(what: &str) -> BarbicanError {
    BarbicanError::new(StatusCode::NOT_FOUND, format!("{what} not found."))
}

async fn list(State(s): State<AppState>, p: Project) -> Res {
    let all = stores(&s, &p).await?;
    let items: Vec<Value> = all.iter().map(|i| store_json(&p.refs, i)).collect();
    let total = items.len();
    Ok(json_response(
        StatusCode::OK,
        json!({"secret_stores": items, "total": total}),
    ))
}

async fn global_default(State(s): State<AppState>, p: Project) -> Res {
    let all = stores(&s, &p).await?;
    let d = all
        .iter()
        .find(|i| i.global_default)
        .ok_or_else(|| not_found("Secret store"))?;
    Ok(json_response(StatusCode::OK, store_json(&p.refs, d)))
}

async fn preferred(State(s): State<AppState>, p: Project) -> Res {
    let all = stores(&s, &p).await?;
    let d = all
        .iter()
        .find(|i| i.preferred)
        .ok_or_else(|| not_found("Preferred secret store"))?;
    Ok(json_response(StatusCode::OK, store_json(&p.refs, d)))
}

async fn read(State(s): State<AppState>, p: Project, Path(id): Path<String>) -> Res {
    let all = stores(&s, &p).await?;
    let d = all
        .iter()
        .find(|i| i.provider.id.as_str() == id)
        .ok_or_else(|| not_found("Secret store"))?;
    Ok(json_response(StatusCode::OK, store_json(&p.refs, d)))
}

fn provider(id: &str) -> Result<ProviderId, BarbicanError> {
    ProviderId::parse(id).map_err(|_| not_found("Secret store"))
}

async fn prefer(State(s): State<AppState>, p: Project, Path(id): Path<String>) -> Res {
    s.kms
        .set_preferred_secret_store(&p.caller, Some(provider(&id)?))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn unprefer(State(s): State<AppState>, p: Project, Path(id): Path<String>) -> Res {
    let id = provider(&id)?;
    let all = stores(&s, &p).await?;
    if !all.iter().any(|i| i.preferred && i.provider.id == id) {
        return Err(not_found("Preferred secret store"));
    }
    s.kms.set_preferred_secret_store(&p.caller, None).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
