//! `/v1/orders`: `key`, `asymmetric` and `certificate` orders. Tresor
//! processes an order when it is placed, so it answers `202` with the
//! order already `ACTIVE` (or `ERROR`, with the reason) when read.

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tresor_core::SecretId;
use tresor_service::secrets::{NewOrder, OrderInfo, OrderMeta};

use super::refs::{Refs, page, paging};
use super::secrets::{parse_json, parse_time};
use super::{BBody, BQuery, BarbicanError, Project, Res, both, json_response};
use crate::state::AppState;

pub(super) fn routes(r: Router<AppState>) -> Router<AppState> {
    let r = both(r, "/v1/orders", get(list).post(create));
    both(r, "/v1/orders/{id}", get(read).delete(remove))
}

fn order_id(s: &str) -> Result<SecretId, BarbicanError> {
    SecretId::parse(s).map_err(|_| BarbicanError::new(StatusCode::NOT_FOUND, "Order not found."))
}

/// `meta` as sent: Barbican's field names, times as ISO 8601 text.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct MetaBody {
    name: Option<String>,
    algorithm: Option<String>,
    bit_length: Option<u32>,
    mode: Option<String>,
    expiration: Option<String>,
    payload_content_type: Option<String>,
    pass_phrase: Option<String>,
    passphrase: Option<String>,
    request_data: Option<String>,
    request_type: Option<String>,
    ca_id: Option<String>,
    profile: Option<String>,
    validity_days: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBody {
    #[serde(rename = "type")]
    order_type: String,
    #[serde(default)]
    meta: MetaBody,
}

async fn create(State(s): State<AppState>, p: Project, BBody(body): BBody) -> Res {
    let b: CreateBody = parse_json(&body)?;
    let m = b.meta;
    let meta = OrderMeta {
        name: m.name.filter(|n| !n.is_empty()),
        algorithm: m.algorithm,
        bit_length: m.bit_length,
        mode: m.mode,
        expiration: m
            .expiration
            .as_deref()
            .map(|e| parse_time("expiration", e))
            .transpose()?,
        payload_content_type: m.payload_content_type,
        pass_phrase: m.pass_phrase.or(m.passphrase),
        request_data: m.request_data,
        request_type: m.request_type,
        ca_id: m.ca_id,
        profile: m.profile,
        validity_days: m.validity_days,
    };
    let order = s
        .kms
        .create_order(
            &p.caller,
            NewOrder {
                order_type: b.order_type,
                meta,
            },
        )
        .await?;
    Ok(json_response(
        StatusCode::ACCEPTED,
        json!({"order_ref": p.refs.of("orders", order.id)}),
    ))
}

/// An order as Barbican describes it: `secret_ref` only for key orders,
/// `container_ref` only for the others (the client maps fields to
/// constructor arguments).
fn order_json(refs: &Refs, o: &OrderInfo) -> Value {
    let mut m = Map::new();
    m.insert("order_ref".into(), refs.of("orders", o.id).into());
    m.insert("type".into(), o.order_type.clone().into());
    m.insert("meta".into(), json!(o.meta));
    m.insert("status".into(), o.status.clone().into());
    m.insert("created".into(), o.created_at.to_rfc3339().into());
    m.insert("updated".into(), o.updated_at.to_rfc3339().into());
    m.insert("creator_id".into(), o.created_by.clone().into());
    m.insert("sub_status".into(), "Unknown".into());
    m.insert("sub_status_message".into(), "Unknown".into());
    if o.order_type == "key" {
        if let Some(sid) = o.secret {
            m.insert("secret_ref".into(), refs.of("secrets", sid).into());
        }
    } else if let Some(cid) = o.container {
        m.insert("container_ref".into(), refs.of("containers", cid).into());
    }
    if let Some(code) = o.error_status_code {
        m.insert("error_status_code".into(), code.into());
        m.insert("error_reason".into(), json!(o.error_reason));
    }
    Value::Object(m)
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    limit: Option<u32>,
    offset: Option<u32>,
}

async fn list(State(s): State<AppState>, p: Project, BQuery(q): BQuery<ListQuery>) -> Res {
    let (offset, limit) = page(q.offset, q.limit)?;
    let (items, total) = s.kms.list_orders(&p.caller, offset, limit).await?;
    let mut body = Map::new();
    let list: Vec<Value> = items.iter().map(|o| order_json(&p.refs, o)).collect();
    body.insert("orders".into(), list.into());
    paging(
        &mut body,
        &p.refs.collection("orders"),
        offset,
        limit,
        total,
    );
    Ok(json_response(StatusCode::OK, Value::Object(body)))
}

async fn read(State(s): State<AppState>, p: Project, Path(id): Path<String>) -> Res {
    let o = s.kms.get_order(&p.caller, &order_id(&id)?).await?;
    Ok(json_response(StatusCode::OK, order_json(&p.refs, &o)))
}

async fn remove(State(s): State<AppState>, p: Project, Path(id): Path<String>) -> Res {
    s.kms.delete_order(&p.caller, &order_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
