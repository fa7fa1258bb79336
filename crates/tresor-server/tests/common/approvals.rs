//! Helpers of the dual-control tests: a person (an API key of a role),
//! setting a key's policy, and the id of a parked (202) operation.

use serde_json::{Value, json};

use super::{Api, Resp, unique};

/// A new API key of `role` in `admin`'s tenant: a client and its principal.
pub async fn person(admin: &Api, name: &str, role: &str) -> (Api, String) {
    let r = admin
        .post("/v1/api-keys", json!({"name": unique(name), "role": role}))
        .await
        .ok();
    (
        admin.as_token(r["token"].as_str().unwrap()),
        format!("api-key:{}", r["api_key"]["id"].as_str().unwrap()),
    )
}

/// `PUT /v1/keys/{key}/policy`.
pub async fn put_policy(api: &Api, key: &str, policy: &Value) -> Resp {
    api.call(
        reqwest::Method::PUT,
        &format!("/v1/keys/{key}/policy"),
        Some(policy),
    )
    .await
}

/// The request id of a `202 Accepted` answer (fails otherwise).
pub fn pending_id(r: &Resp) -> String {
    assert_eq!(r.status.as_u16(), 202, "{}", r.text());
    r.json()["approval_request"].as_str().unwrap().to_owned()
}
