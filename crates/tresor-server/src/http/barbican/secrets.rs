//! `/v1/secrets`: store (one step with a payload, or two steps: metadata
//! first, `PUT` the payload later), list with Barbican's filters and
//! paging, read the description, read the payload with Accept negotiation,
//! delete (forced when consumers exist, microversion 1.2).

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::get;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tresor_core::{SecretBytes, SecretFilter, SecretId, SecretSort, TimeFilter, Timestamp};
use tresor_service::ServiceError;
use tresor_service::secrets::{NewSecret, SecretInfo};

use super::refs::{Refs, page, paging};
use super::{BBody, BQuery, BarbicanError, Project, Res, both, json_response};
use crate::state::AppState;

/// Payload content types Tresor stores (Barbican's set).
const TEXT: &str = "text/plain";
const BINARY: [&str; 3] = [
    "application/octet-stream",
    "application/pkcs8",
    "application/pkix-cert",
];

pub(super) fn routes(r: Router<AppState>) -> Router<AppState> {
    let r = both(r, "/v1/secrets", get(list).post(create));
    let r = both(
        r,
        "/v1/secrets/{id}",
        get(read).put(put_payload).delete(remove),
    );
    both(r, "/v1/secrets/{id}/payload", get(payload))
}

pub(super) fn secret_id(s: &str) -> Result<SecretId, BarbicanError> {
    SecretId::parse(s).map_err(|_| BarbicanError::new(StatusCode::NOT_FOUND, "Secret not found."))
}

/// Barbican's timestamps: RFC 3339, or without an offset (UTC).
pub(super) fn parse_time(field: &'static str, s: &str) -> Result<Timestamp, ServiceError> {
    let s = s.trim();
    Timestamp::parse_rfc3339(s)
        .or_else(|| Timestamp::parse_rfc3339(&format!("{s}Z")))
        .ok_or_else(|| ServiceError::invalid(field, "an ISO 8601 time, e.g. 2030-01-01T00:00:00Z"))
}

/// The content type without parameters, lower case (`text/plain;
/// charset=utf-8` is `text/plain`).
fn essence(ct: &str) -> String {
    ct.split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn check_content_type(ct: &str) -> Result<String, ServiceError> {
    let e = essence(ct);
    if e == TEXT || BINARY.contains(&e.as_str()) {
        Ok(e)
    } else {
        Err(ServiceError::invalid(
            "payload_content_type",
            format!("one of {TEXT}, {}", BINARY.join(", ")),
        ))
    }
}

/// Decodes a JSON payload by its content type and encoding: text as is;
/// binary types only as base64.
fn decode_payload(
    payload: &str,
    ct: &str,
    encoding: Option<&str>,
) -> Result<SecretBytes, ServiceError> {
    if payload.is_empty() {
        return Err(ServiceError::invalid("payload", "must not be empty"));
    }
    match (ct == TEXT, encoding.map(str::to_ascii_lowercase).as_deref()) {
        (true, None) => Ok(SecretBytes::from_slice(payload.as_bytes())),
        (true, Some(_)) => Err(ServiceError::invalid(
            "payload_content_encoding",
            "not used with text/plain",
        )),
        (false, Some("base64")) => STANDARD
            .decode(payload.trim())
            .map(SecretBytes::from)
            .map_err(|_| ServiceError::invalid("payload", "not valid base64")),
        (false, _) => Err(ServiceError::invalid(
            "payload_content_encoding",
            "base64 is required for binary content types",
        )),
    }
}

/// `POST /v1/secrets` body.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    name: Option<String>,
    expiration: Option<String>,
    algorithm: Option<String>,
    bit_length: Option<u32>,
    mode: Option<String>,
    secret_type: Option<String>,
    payload: Option<String>,
    payload_content_type: Option<String>,
    payload_content_encoding: Option<String>,
}

async fn create(State(s): State<AppState>, p: Project, BBody(body): BBody) -> Res {
    let b: CreateBody = parse_json(&body)?;
    let (payload, content_type) = match (&b.payload, &b.payload_content_type) {
        (Some(pl), Some(ct)) => {
            let ct = check_content_type(ct)?;
            let bytes = decode_payload(pl, &ct, b.payload_content_encoding.as_deref())?;
            (Some(bytes), Some(ct))
        }
        (Some(_), None) => {
            return Err(BarbicanError::bad_request(
                "payload_content_type is required with a payload",
            ));
        }
        (None, Some(ct)) => (None, Some(check_content_type(ct)?)),
        (None, None) => (None, None),
    };
    let expiration = b
        .expiration
        .as_deref()
        .map(|e| parse_time("expiration", e))
        .transpose()?;
    let req = NewSecret {
        name: b.name.filter(|n| !n.is_empty()),
        secret_type: b.secret_type,
        algorithm: b.algorithm,
        bit_length: b.bit_length,
        mode: b.mode,
        content_type,
        expiration,
        metadata: Default::default(),
        payload,
    };
    let info = s.kms.put_secret(&p.caller, req).await?;
    Ok(json_response(
        StatusCode::CREATED,
        json!({"secret_ref": p.refs.of("secrets", info.id)}),
    ))
}

/// Parses a JSON body (any content type, as Barbican does).
pub(super) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, BarbicanError> {
    serde_json::from_slice(body).map_err(|e| {
        let mut msg = e.to_string();
        msg.truncate(200);
        BarbicanError::bad_request(format!("invalid JSON body: {msg}"))
    })
}

/// A secret as Barbican describes it.
pub(super) fn secret_json(refs: &Refs, i: &SecretInfo) -> Value {
    let mut m = Map::new();
    m.insert("secret_ref".into(), refs.of("secrets", i.id).into());
    m.insert("name".into(), json!(i.name));
    m.insert("secret_type".into(), i.secret_type.clone().into());
    m.insert("algorithm".into(), json!(i.algorithm));
    m.insert("bit_length".into(), json!(i.bit_length));
    m.insert("mode".into(), json!(i.mode));
    m.insert(
        "expiration".into(),
        json!(i.expiration.map(|t| t.to_rfc3339())),
    );
    m.insert("status".into(), i.state.clone().into());
    m.insert("created".into(), i.created_at.to_rfc3339().into());
    m.insert("updated".into(), i.updated_at.to_rfc3339().into());
    m.insert("creator_id".into(), i.created_by.clone().into());
    let content_types = match (&i.content_type, i.has_payload) {
        (Some(ct), true) => json!({"default": ct}),
        _ => Value::Null,
    };
    m.insert("content_types".into(), content_types);
    let consumers: Vec<Value> = i
        .consumers
        .iter()
        .map(|c| {
            json!({
                "service": c.consumer.service,
                "resource_type": c.consumer.resource_type,
                "resource_id": c.consumer.resource_id,
                "created": c.created_at.to_rfc3339(),
                "updated": c.updated_at.to_rfc3339(),
                "status": "ACTIVE",
            })
        })
        .collect();
    m.insert("consumers".into(), consumers.into());
    Value::Object(m)
}

/// `GET /v1/secrets` query.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    limit: Option<u32>,
    offset: Option<u32>,
    name: Option<String>,
    alg: Option<String>,
    mode: Option<String>,
    bits: Option<u32>,
    secret_type: Option<String>,
    created: Option<String>,
    updated: Option<String>,
    expiration: Option<String>,
    sort: Option<String>,
    acl_only: Option<bool>,
}

/// `gt:T,lt:T` (or a bare `T`: equal).
fn time_filters(field: &'static str, v: &Option<String>) -> Result<Vec<TimeFilter>, ServiceError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    v.split(',')
        .filter(|s| !s.trim().is_empty())
        .take(4)
        .map(|part| {
            let (op, t) = part
                .trim()
                .split_once(':')
                .filter(|(op, _)| matches!(*op, "gt" | "gte" | "lt" | "lte"))
                .unwrap_or(("eq", part.trim()));
            let t = parse_time(field, t)?;
            Ok(match op {
                "gt" => TimeFilter::Gt(t),
                "gte" => TimeFilter::Gte(t),
                "lt" => TimeFilter::Lt(t),
                "lte" => TimeFilter::Lte(t),
                _ => TimeFilter::Eq(t),
            })
        })
        .collect()
}

/// `created:desc,name` → sort keys (ascending by default).
fn sort_keys(v: &Option<String>) -> Result<Vec<(SecretSort, bool)>, ServiceError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    v.split(',')
        .filter(|s| !s.trim().is_empty())
        .take(7)
        .map(|part| {
            let (key, dir) = part.trim().split_once(':').unwrap_or((part.trim(), "asc"));
            let key = SecretSort::parse(key).ok_or_else(|| {
                ServiceError::invalid(
                    "sort",
                    "keys are created, expiration, mode, name, secret_type, status, updated",
                )
            })?;
            match dir {
                "asc" => Ok((key, false)),
                "desc" => Ok((key, true)),
                _ => Err(ServiceError::invalid("sort", "direction is asc or desc")),
            }
        })
        .collect()
}

async fn list(State(s): State<AppState>, p: Project, BQuery(q): BQuery<ListQuery>) -> Res {
    if q.acl_only == Some(true) {
        return Err(BarbicanError::bad_request(
            "acl_only is not supported: ACLs grant access within the project",
        ));
    }
    let (offset, limit) = page(q.offset, q.limit)?;
    let filter = SecretFilter {
        name: q.name.filter(|n| !n.is_empty()),
        secret_type: q.secret_type,
        algorithm: q.alg,
        mode: q.mode,
        bit_length: q.bits,
        created: time_filters("created", &q.created)?,
        updated: time_filters("updated", &q.updated)?,
        expiration: time_filters("expiration", &q.expiration)?,
        sort: sort_keys(&q.sort)?,
        after: None,
        offset,
        limit,
    };
    let (items, total) = s.kms.list_secrets_counted(&p.caller, filter, true).await?;
    let mut body = Map::new();
    let secrets: Vec<Value> = items.iter().map(|i| secret_json(&p.refs, i)).collect();
    body.insert("secrets".into(), secrets.into());
    paging(
        &mut body,
        &p.refs.collection("secrets"),
        offset,
        limit,
        total.unwrap_or(0),
    );
    Ok(json_response(StatusCode::OK, Value::Object(body)))
}

/// What the `Accept` header asks for: `None` for JSON (the description).
fn accepted(headers: &HeaderMap) -> Option<String> {
    let accept = headers.get(header::ACCEPT)?.to_str().ok()?;
    let first = essence(accept.split(',').next().unwrap_or(""));
    match first.as_str() {
        "" | "application/json" | "*/*" => None,
        other => Some(other.to_owned()),
    }
}

async fn read(
    State(s): State<AppState>,
    p: Project,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Res {
    let id = secret_id(&id)?;
    // Barbican (before /payload) served the payload here for a non-JSON Accept.
    if let Some(want) = accepted(&headers) {
        return payload_response(&s, &p, &id, Some(want)).await;
    }
    let info = s.kms.get_secret(&p.caller, &id).await?;
    Ok(json_response(StatusCode::OK, secret_json(&p.refs, &info)))
}

async fn payload(
    State(s): State<AppState>,
    p: Project,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
) -> Res {
    let id = secret_id(&id)?;
    payload_response(&s, &p, &id, accepted(&headers)).await
}

async fn payload_response(s: &AppState, p: &Project, id: &SecretId, want: Option<String>) -> Res {
    let got = s.kms.get_secret_payload(&p.caller, id).await?;
    let stored = got
        .info
        .content_type
        .clone()
        .unwrap_or_else(|| BINARY[0].to_owned());
    // Binary is always available; text when the bytes are UTF-8 (the CLI
    // stores text as bytes and asks for text/plain).
    let served = match want {
        None => stored,
        Some(w) if w == stored || w == BINARY[0] => w,
        Some(w) if w == TEXT && std::str::from_utf8(got.payload.expose()).is_ok() => w,
        Some(_) => {
            return Err(BarbicanError::new(
                StatusCode::NOT_ACCEPTABLE,
                format!("the payload is stored as {stored}; ask for that type"),
            ));
        }
    };
    let mut resp = got.payload.expose().to_vec().into_response();
    let ct = if served == TEXT {
        "text/plain; charset=utf-8".to_owned()
    } else {
        served
    };
    if let Ok(v) = HeaderValue::from_str(&ct) {
        resp.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(resp)
}

/// `PUT /v1/secrets/{id}`: the payload of a two-step create, raw in the
/// body, typed by `Content-Type` (base64 with `Content-Encoding: base64`).
async fn put_payload(
    State(s): State<AppState>,
    p: Project,
    axum::extract::Path(id): axum::extract::Path<String>,
    headers: HeaderMap,
    BBody(body): BBody,
) -> Res {
    let id = secret_id(&id)?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| {
            BarbicanError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Type is required",
            )
        })?;
    let ct = check_content_type(ct)
        .map_err(|e| BarbicanError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, e.to_string()))?;
    let encoding = headers
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_ascii_lowercase);
    let payload = match encoding.as_deref() {
        Some("base64") => SecretBytes::from(
            STANDARD
                .decode(body.trim_ascii())
                .map_err(|_| BarbicanError::bad_request("the payload is not valid base64"))?,
        ),
        Some(other) => {
            return Err(BarbicanError::bad_request(format!(
                "Content-Encoding '{other}' is not supported (base64 or none)"
            )));
        }
        None => SecretBytes::from_slice(&body),
    };
    if ct == TEXT && std::str::from_utf8(payload.expose()).is_err() {
        return Err(BarbicanError::bad_request(
            "a text/plain payload must be UTF-8",
        ));
    }
    s.kms
        .put_secret_payload(&p.caller, &id, payload, Some(ct))
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `DELETE /v1/secrets/{id}` query (`force` from microversion 1.2).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DeleteQuery {
    force: Option<String>,
}

async fn remove(
    State(s): State<AppState>,
    p: Project,
    axum::extract::Path(id): axum::extract::Path<String>,
    BQuery(q): BQuery<DeleteQuery>,
) -> Res {
    let id = secret_id(&id)?;
    let force = match q.force.as_deref() {
        None => false,
        Some(v) => {
            p.require((1, 2), "force")?;
            matches!(v.to_ascii_lowercase().as_str(), "1" | "true" | "yes")
        }
    };
    // Before 1.2 consumers did not block deletion.
    let force = force || p.version < (1, 2);
    s.kms.delete_secret(&p.caller, &id, force).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
