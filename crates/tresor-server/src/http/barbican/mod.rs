//! The Barbican-compatible front door (OpenStack Key Manager API v1) under
//! `/barbican`: thin adapters over the secrets service, so authorization,
//! tenant isolation (project = tenant), ACLs, quotas and audit are the
//! service's, exactly as for the native API. This module owns only the
//! wire format: Barbican's JSON shapes, hrefs, microversions
//! (`key-manager 1.0`-`1.2`), status codes and error bodies
//! (`{"code","title","description"}`), so python-barbicanclient and the
//! `barbican` CLI work unchanged.
//!
//! Authentication: a Tresor API key as `X-Auth-Token` (or `Authorization:
//! Bearer`), acting in the project named by `X-Project-Id`, which must be
//! the key's tenant (or any tenant for platform admins). `keystone` serves
//! the small Keystone v3 token API the `barbican` CLI needs to get there.

mod acl;
mod consumers;
mod containers;
mod error;
mod keystone;
mod metadata;
mod orders;
mod quotas;
mod refs;
mod secrets;
mod stores;

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};
use serde_json::json;
use tresor_service::{Caller, RequestMeta};

pub use error::BarbicanError;
use refs::Refs;

use super::extract::{TENANT_HEADER, request_id, source};
use crate::state::AppState;

/// Where the API is mounted.
pub const PREFIX: &str = "/barbican";
/// The microversions served.
pub const MIN_VERSION: (u8, u8) = (1, 0);
pub const MAX_VERSION: (u8, u8) = (1, 2);
const VERSION_HEADER: &str = "openstack-api-version";

type Res = Result<Response, BarbicanError>;

/// Query parameters; a bad query is a Barbican 400.
#[derive(Debug)]
pub struct BQuery<T>(pub T);

impl<T: serde::de::DeserializeOwned, S: Send + Sync> FromRequestParts<S> for BQuery<T> {
    type Rejection = BarbicanError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        axum::extract::Query::<T>::try_from_uri(&parts.uri)
            .map(|axum::extract::Query(v)| BQuery(v))
            .map_err(|e| BarbicanError::bad_request(format!("invalid query: {}", e.body_text())))
    }
}

/// A request body under the server's size limit; a failure to read it is a
/// Barbican 400 (or 413).
#[derive(Debug)]
pub struct BBody(pub axum::body::Bytes);

impl<S: Send + Sync> axum::extract::FromRequest<S> for BBody {
    type Rejection = BarbicanError;

    async fn from_request(req: axum::extract::Request, state: &S) -> Result<Self, Self::Rejection> {
        axum::body::Bytes::from_request(req, state)
            .await
            .map(BBody)
            .map_err(BarbicanError::from)
    }
}

/// JSON with a status.
fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    (status, axum::Json(body)).into_response()
}

/// The authenticated caller of a Barbican request, its microversion and the
/// base of the hrefs it is answered with.
#[derive(Debug)]
pub struct Project {
    pub caller: Caller,
    pub version: (u8, u8),
    pub refs: Refs,
}

fn header_text<'a>(h: &'a HeaderMap, name: &str) -> Result<Option<&'a str>, BarbicanError> {
    match h.get(name) {
        None => Ok(None),
        Some(v) => v
            .to_str()
            .map(|s| Some(s.trim()).filter(|s| !s.is_empty()))
            .map_err(|_| BarbicanError::bad_request(format!("header {name} is not valid text"))),
    }
}

/// The requested microversion (`OpenStack-API-Version: key-manager 1.1`);
/// 1.0 when absent, `latest` the newest.
fn microversion(h: &HeaderMap) -> Result<(u8, u8), BarbicanError> {
    let Some(v) = header_text(h, VERSION_HEADER)? else {
        return Ok(MIN_VERSION);
    };
    let Some(rest) = v.strip_prefix("key-manager") else {
        return Ok(MIN_VERSION);
    };
    let rest = rest.trim();
    if rest.eq_ignore_ascii_case("latest") {
        return Ok(MAX_VERSION);
    }
    let parsed = rest
        .split_once('.')
        .and_then(|(a, b)| Some((a.parse::<u8>().ok()?, b.parse::<u8>().ok()?)));
    match parsed {
        Some(v) if (MIN_VERSION..=MAX_VERSION).contains(&v) => Ok(v),
        _ => Err(BarbicanError::new(
            StatusCode::NOT_ACCEPTABLE,
            format!(
                "microversion '{rest}' is not supported: key-manager {}.{} to {}.{}",
                MIN_VERSION.0, MIN_VERSION.1, MAX_VERSION.0, MAX_VERSION.1
            ),
        )),
    }
}

impl FromRequestParts<AppState> for Project {
    type Rejection = BarbicanError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let version = microversion(&parts.headers)?;
        let token = match header_text(&parts.headers, "x-auth-token")? {
            Some(t) => Some(t.to_owned()),
            None => header_text(&parts.headers, header::AUTHORIZATION.as_str())?
                .and_then(|v| v.split_once(' '))
                .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
                .map(|(_, t)| t.trim().to_owned()),
        };
        let Some(token) = token else {
            return Err(BarbicanError::new(
                StatusCode::UNAUTHORIZED,
                "authentication required: send a Tresor API key as X-Auth-Token",
            ));
        };
        let project = match header_text(&parts.headers, "x-project-id")? {
            Some(p) => Some(p.to_owned()),
            None => header_text(&parts.headers, TENANT_HEADER)?.map(str::to_owned),
        };
        let meta = RequestMeta {
            request_id: request_id(parts),
            source: source(parts),
        };
        let caller = state
            .kms
            .authenticate_token(&token, project.as_deref(), meta)
            .await?;
        Ok(Project {
            caller,
            version,
            refs: Refs::new(state, &parts.headers),
        })
    }
}

impl Project {
    /// Refuses a feature newer than the requested microversion.
    fn require(&self, v: (u8, u8), what: &str) -> Result<(), BarbicanError> {
        if self.version < v {
            return Err(BarbicanError::new(
                StatusCode::NOT_FOUND,
                format!("{what} needs microversion key-manager {}.{}", v.0, v.1),
            ));
        }
        Ok(())
    }
}

fn version_entry(refs: &Refs) -> serde_json::Value {
    json!({
        "id": "v1",
        "status": "CURRENT",
        "min_version": format!("{}.{}", MIN_VERSION.0, MIN_VERSION.1),
        "max_version": format!("{}.{}", MAX_VERSION.0, MAX_VERSION.1),
        "links": [
            {"rel": "self", "href": format!("{}/v1/", refs.base())},
            {"rel": "describedby", "type": "text/html",
             "href": "https://docs.openstack.org/barbican/latest/api/"}
        ],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.key-manager-v1+json"}
        ]
    })
}

/// `GET /barbican`: the version document (no authentication).
async fn versions(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let refs = Refs::new(&s, &headers);
    json_response(
        StatusCode::MULTIPLE_CHOICES,
        json!({"versions": {"values": [version_entry(&refs)]}}),
    )
}

/// `GET /barbican/v1`: the v1 version document (no authentication).
async fn version_v1(State(s): State<AppState>, headers: HeaderMap) -> Response {
    let refs = Refs::new(&s, &headers);
    json_response(StatusCode::OK, json!({"version": version_entry(&refs)}))
}

/// Registers `path` under the prefix with and without a trailing slash
/// (the client posts to `secrets/`, and gets `secrets`).
fn both(router: Router<AppState>, path: &str, m: MethodRouter<AppState>) -> Router<AppState> {
    let full = format!("{PREFIX}{path}");
    router.route(&format!("{full}/"), m.clone()).route(&full, m)
}

/// Every Barbican route, with Barbican-style answers for unknown routes
/// and methods under the prefix.
pub fn routes() -> Router<AppState> {
    let mut r = Router::new();
    r = both(r, "", get(versions));
    r = both(r, "/v1", get(version_v1));
    r = secrets::routes(r);
    r = metadata::routes(r);
    r = consumers::routes(r);
    r = acl::routes(r);
    r = containers::routes(r);
    r = orders::routes(r);
    r = quotas::routes(r);
    r = stores::routes(r);
    r = keystone::routes(r);
    r
}
