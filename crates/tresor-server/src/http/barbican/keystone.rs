//! The part of the Keystone v3 identity API that OpenStack tools need to
//! reach Barbican without a Keystone (`barbican --os-auth-url
//! http://host/barbican/identity/v3 --os-auth-token <API key>
//! --os-project-id <tenant>`): the version document and `POST
//! /auth/tokens` with the `token` method. The "Keystone token" issued is
//! the Tresor API key itself, checked through the service (so a revoked or
//! expired key, or a project it may not act in, is refused); the catalog
//! names this server's Barbican endpoint. Passwords are not accepted.

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::json;
use tresor_service::RequestMeta;

use super::refs::Refs;
use super::secrets::parse_json;
use super::{BBody, BarbicanError, Res, both, json_response};
use crate::state::AppState;

/// How long tools may cache the answer before asking again.
const TOKEN_HOURS: i64 = 1;

pub(super) fn routes(r: Router<AppState>) -> Router<AppState> {
    let r = both(r, "/identity/v3", get(version));
    both(r, "/identity/v3/auth/tokens", post(tokens))
}

async fn version(State(s): State<AppState>, headers: HeaderMap) -> Res {
    let refs = Refs::new(&s, &headers);
    Ok(json_response(
        StatusCode::OK,
        json!({"version": {
            "id": "v3.14",
            "status": "stable",
            "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": format!("{}/identity/v3/", refs.base())}],
            "media-types": [{"base": "application/json",
                             "type": "application/vnd.openstack.identity-v3+json"}],
        }}),
    ))
}

#[derive(Debug, Deserialize)]
struct TokenAuth {
    id: String,
}

#[derive(Debug, Deserialize)]
struct Identity {
    methods: Vec<String>,
    token: Option<TokenAuth>,
}

#[derive(Debug, Deserialize)]
struct ProjectScope {
    id: Option<String>,
    name: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Scope {
    project: Option<ProjectScope>,
}

#[derive(Debug, Deserialize)]
struct Auth {
    identity: Identity,
    scope: Option<Scope>,
}

#[derive(Debug, Deserialize)]
struct TokensBody {
    auth: Auth,
}

async fn tokens(State(s): State<AppState>, headers: HeaderMap, BBody(body): BBody) -> Res {
    let b: TokensBody = parse_json(&body)?;
    let token = match (b.auth.identity.methods.as_slice(), b.auth.identity.token) {
        ([m], Some(t)) if m == "token" => t.id,
        _ => {
            return Err(BarbicanError::new(
                StatusCode::UNAUTHORIZED,
                "only the token method is supported: send a Tresor API key as the token",
            ));
        }
    };
    let project = b
        .auth
        .scope
        .and_then(|s| s.project)
        .and_then(|p| p.id.or(p.name));
    let meta = RequestMeta {
        request_id: tresor_core::RequestId::generate(),
        source: None,
    };
    let caller = s
        .kms
        .authenticate_token(&token, project.as_deref(), meta)
        .await?;
    let refs = Refs::new(&s, &headers);
    let now = s.kms.now();
    let domain = json!({"id": "default", "name": "Default"});
    let body = json!({"token": {
        "methods": ["token"],
        "issued_at": now.to_rfc3339(),
        "expires_at": now.plus_seconds(TOKEN_HOURS * 3600).to_rfc3339(),
        "user": {"id": caller.principal, "name": caller.principal, "domain": domain},
        "project": {"id": caller.tenant.as_str(), "name": caller.tenant.as_str(), "domain": domain},
        "roles": [{"id": caller.role.as_str(), "name": caller.role.as_str()}],
        "catalog": [{
            "type": "key-manager", "name": "barbican", "id": "tresor-barbican",
            "endpoints": [{"id": "tresor-barbican-public", "interface": "public",
                           "region": "RegionOne", "region_id": "RegionOne",
                           "url": refs.base()}],
        }],
    }});
    let mut resp = json_response(StatusCode::CREATED, body);
    let subject = HeaderValue::from_str(&token)
        .map_err(|_| BarbicanError::bad_request("the token is not valid header text"))?;
    resp.headers_mut().insert("x-subject-token", subject);
    resp.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    Ok(resp.into_response())
}
