//! The audit trail end to end: one record per call (success, denial,
//! failure) with the caller's request id, paging with `before`, online chain
//! verification, and detection of records modified or deleted in the SQLite
//! file behind the server's back.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::Path;

use common::{Api, Owned, b64, flip};
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::Connection as _;
use sqlx::sqlite::SqliteConnection;

async fn db(dir: &Path) -> SqliteConnection {
    let url = format!("sqlite://{}", dir.join("tresor.db").display());
    SqliteConnection::connect(&url).await.unwrap()
}

async fn exec(conn: &mut SqliteConnection, sql: &str) {
    sqlx::query(sql).execute(&mut *conn).await.unwrap();
}

async fn max_seq(conn: &mut SqliteConnection) -> i64 {
    sqlx::query_scalar("SELECT MAX(seq) FROM audit")
        .fetch_one(&mut *conn)
        .await
        .unwrap()
}

async fn verify(api: &Api) -> Value {
    api.post("/v1/audit/verify", json!({})).await.ok()
}

/// Expected (action, outcome, error code) of a call.
type Expect = (&'static str, &'static str, Option<&'static str>);
/// (caller, method, path, body, expectation).
type Step<'a> = (&'a Api, Method, String, Option<Value>, Expect);

/// One call with its own request id: (expected action, outcome, code).
struct Call {
    rid: String,
    action: &'static str,
    outcome: &'static str,
    code: Option<&'static str>,
}

async fn call(
    api: &Api,
    n: &mut u32,
    method: Method,
    path: &str,
    body: Option<Value>,
    expect: Expect,
) -> (Call, common::Resp) {
    *n += 1;
    let rid = format!("e2e-audit-{n:03}");
    let r = api
        .with_request_id(&rid)
        .call(method, path, body.as_ref())
        .await;
    // The request id is echoed in the response (and in error bodies).
    assert_eq!(r.headers["x-request-id"], rid.as_str(), "{path}");
    if let Some(code) = expect.2 {
        assert_eq!(r.err(r.status.as_u16(), code)["request_id"], rid.as_str());
    } else {
        assert!(r.status.is_success(), "{path}: {}", r.text());
    }
    let c = Call {
        rid,
        action: expect.0,
        outcome: expect.1,
        code: expect.2,
    };
    (c, r)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_call_is_recorded_and_tampering_is_detected() {
    let dir = tempfile::Builder::new()
        .prefix("tresor-e2e-audit-")
        .tempdir()
        .unwrap();
    let server = Owned::start(dir.path(), None).await;
    let root = server.root();
    let ro = root.as_token(&root.api_key("readonly").await);
    let mut n = 0;
    let mut calls = Vec::new();

    let (c, r) = call(
        &root,
        &mut n,
        Method::POST,
        "/v1/keys",
        Some(json!({"algorithm": "aes-256-gcm"})),
        ("key.create", "success", None),
    )
    .await;
    calls.push(c);
    let id = r.json()["id"].as_str().unwrap().to_owned();
    let (c, r) = call(
        &root,
        &mut n,
        Method::POST,
        &format!("/v1/keys/{id}/encrypt"),
        Some(json!({"plaintext": b64(b"x")})),
        ("crypto.encrypt", "success", None),
    )
    .await;
    calls.push(c);
    let ct = common::unb64(&r.json()["ciphertext"]);
    let steps: Vec<Step<'_>> = vec![
        (
            &root,
            Method::POST,
            format!("/v1/keys/{id}/decrypt"),
            Some(json!({"ciphertext": b64(&ct)})),
            ("crypto.decrypt", "success", None),
        ),
        (
            &root,
            Method::POST,
            "/v1/decrypt".into(),
            Some(json!({"ciphertext": b64(&flip(&ct, 30))})),
            ("crypto.decrypt", "failed", Some("crypto_failed")),
        ),
        (
            &ro,
            Method::POST,
            format!("/v1/keys/{id}/encrypt"),
            Some(json!({"plaintext": b64(b"x")})),
            ("crypto.encrypt", "denied", Some("forbidden")),
        ),
        (
            &ro,
            Method::GET,
            format!("/v1/keys/{id}"),
            None,
            ("key.get", "success", None),
        ),
        (
            &root,
            Method::GET,
            "/v1/keys/0190a0b0-0000-7000-8000-00000000abcd".into(),
            None,
            ("key.get", "failed", Some("key_not_found")),
        ),
        (
            &root,
            Method::POST,
            format!("/v1/keys/{id}/rotate"),
            Some(json!({})),
            ("key.rotate", "success", None),
        ),
        (
            &root,
            Method::POST,
            format!("/v1/keys/{id}/destroy"),
            Some(json!({})),
            ("key.destroy", "failed", Some("invalid_key_state")),
        ),
        (
            &ro,
            Method::POST,
            "/v1/audit/verify".into(),
            Some(json!({})),
            ("audit.verify", "denied", Some("forbidden")),
        ),
        (
            &root,
            Method::POST,
            "/v1/random".into(),
            Some(json!({"bytes": 4})),
            ("crypto.random", "success", None),
        ),
        (
            &root,
            Method::GET,
            "/v1/keys".into(),
            None,
            ("key.list", "success", None),
        ),
    ];
    for (api, m, path, body, expect) in steps {
        calls.push(call(api, &mut n, m, &path, body, expect).await.0);
    }

    let records = root.audit_all().await;
    for c in &calls {
        let mine: Vec<&Value> = records
            .iter()
            .filter(|r| r["request_id"] == c.rid.as_str())
            .collect();
        assert_eq!(mine.len(), 1, "{}: {mine:?}", c.rid);
        let r = mine[0];
        assert_eq!(r["action"], c.action, "{r}");
        assert_eq!(r["outcome"], c.outcome, "{r}");
        assert_eq!(r["error_code"], json!(c.code), "{r}");
        assert_eq!(r["tenant"], "default");
        assert!(
            r["principal"].as_str().unwrap().starts_with("api-key:"),
            "{r}"
        );
        assert_eq!(r["hash"].as_str().unwrap().len(), 64);
    }
    // Newest first, and every record links to its predecessor.
    let seqs: Vec<u64> = records.iter().map(|r| r["seq"].as_u64().unwrap()).collect();
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "{seqs:?}");
    for w in records.windows(2) {
        if w[0]["seq"].as_u64().unwrap() == w[1]["seq"].as_u64().unwrap() + 1 {
            assert_eq!(w[0]["prev_hash"], w[1]["hash"]);
        }
    }

    // Paging with `before` walks the same records, page by page.
    let mut paged = Vec::new();
    let mut before: Option<String> = None;
    loop {
        let q = before.as_ref().map_or("/v1/audit?limit=4".to_owned(), |b| {
            format!("/v1/audit?limit=4&before={b}")
        });
        let page = root.get(&q).await.ok();
        let recs = page["records"].as_array().unwrap();
        assert!(recs.len() <= 4);
        paged.extend(recs.iter().map(|r| r["seq"].as_u64().unwrap()));
        match page["next_cursor"].as_str() {
            Some(c) => before = Some(c.to_owned()),
            None => break,
        }
    }
    // (the listing calls themselves add newer records at the front)
    assert!(paged.windows(2).all(|w| w[0] > w[1]), "{paged:?}");
    assert!(paged.len() > seqs.len(), "{paged:?}");
    assert_eq!(&paged[paged.len() - seqs.len()..], &seqs[..]);
    // Filters.
    let denied = root.get("/v1/audit?outcome=denied&limit=100").await.ok();
    let d = denied["records"].as_array().unwrap();
    assert_eq!(d.len(), 2, "{denied}");
    let by_action = root.get("/v1/audit?action=key.rotate").await.ok();
    assert_eq!(by_action["records"].as_array().unwrap().len(), 1);

    let v = verify(&root).await;
    assert_eq!(v["ok"], true, "{v}");
    assert!(v["verified"].as_u64().unwrap() >= seqs[0]);
    assert!(v.get("first_bad_seq").is_none_or(Value::is_null));

    // Deleting the newest record while the server runs: the next record
    // then leaves a gap that verification reports.
    let mut conn = db(dir.path()).await;
    exec(&mut conn, "DROP TRIGGER audit_no_delete").await;
    let last = max_seq(&mut conn).await;
    exec(&mut conn, &format!("DELETE FROM audit WHERE seq = {last}")).await;
    conn.close().await.unwrap();
    root.post("/v1/random", json!({"bytes": 1})).await.ok();
    let v = verify(&root).await;
    assert_eq!(v["ok"], false, "gap not detected: {v}");
    assert_eq!(v["first_bad_seq"], last + 1, "{v}");
    assert_eq!(v["verified"], last - 1, "{v}");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn offline_tampering_is_detected_after_restart() {
    let dir = tempfile::Builder::new()
        .prefix("tresor-e2e-audit2-")
        .tempdir()
        .unwrap();
    let server = Owned::start(dir.path(), None).await;
    let root = server.root();
    for _ in 0..5 {
        let id = root.create_key("hmac-sha256").await;
        root.op(&id, "mac", json!({"message": b64(b"m")}))
            .await
            .ok();
    }
    assert_eq!(verify(&root).await["ok"], true);
    server.stop().await;

    // Change the action of a middle record.
    let mut conn = db(dir.path()).await;
    let last = max_seq(&mut conn).await;
    let mid = last / 2;
    let orig: String = sqlx::query_scalar("SELECT action FROM audit WHERE seq = ?")
        .bind(mid)
        .fetch_one(&mut conn)
        .await
        .unwrap();
    exec(&mut conn, "DROP TRIGGER audit_no_update").await;
    exec(
        &mut conn,
        &format!("UPDATE audit SET action = 'key.get' WHERE seq = {mid}"),
    )
    .await;
    conn.close().await.unwrap();

    let server = Owned::start(dir.path(), None).await;
    let root = server.root();
    let v = verify(&root).await;
    assert_eq!(v["ok"], false, "{v}");
    assert_eq!(v["first_bad_seq"], mid, "{v}");
    assert_eq!(v["verified"], mid - 1, "{v}");
    server.stop().await;

    // Put it back: the chain verifies again.
    let mut conn = db(dir.path()).await;
    sqlx::query("UPDATE audit SET action = ? WHERE seq = ?")
        .bind(&orig)
        .bind(mid)
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();
    let server = Owned::start(dir.path(), None).await;
    let v = verify(&server.root()).await;
    assert_eq!(v["ok"], true, "{v}");
    server.stop().await;
}

/// Truncating the newest record while the server runs is detected at once:
/// the service remembers the highest sequence number it committed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncation_from_the_end_is_detected() {
    let dir = tempfile::Builder::new()
        .prefix("tresor-e2e-audit3-")
        .tempdir()
        .unwrap();
    let server = Owned::start(dir.path(), None).await;
    let root = server.root();
    let id = root.create_key("aes-256-gcm").await;
    root.encrypt(&id, b"x").await;
    assert_eq!(verify(&root).await["ok"], true);

    // While running, verified immediately.
    let mut conn = db(dir.path()).await;
    exec(&mut conn, "DROP TRIGGER audit_no_delete").await;
    let last = max_seq(&mut conn).await;
    exec(&mut conn, &format!("DELETE FROM audit WHERE seq = {last}")).await;
    conn.close().await.unwrap();
    let v = verify(&root).await;
    assert_eq!(
        v["ok"], false,
        "newest record deleted while running, not detected: {v}"
    );
    server.stop().await;
}

/// Truncation while the server is stopped leaves a shorter chain that is
/// internally consistent; a signed checkpoint (the documented protection:
/// scheduled hourly, or made on demand) at or after the deleted records
/// reveals it, offline and after a restart.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn truncation_while_stopped_is_detected() {
    let dir = tempfile::Builder::new()
        .prefix("tresor-e2e-audit4-")
        .tempdir()
        .unwrap();
    let server = Owned::start(dir.path(), None).await;
    let root = server.root();
    let id = root.create_key("aes-256-gcm").await;
    root.encrypt(&id, b"x").await;
    let cp = root.post("/v1/audit/checkpoints", json!({})).await.ok();
    server.stop().await;

    let mut conn = db(dir.path()).await;
    exec(&mut conn, "DROP TRIGGER audit_no_delete").await;
    let last = max_seq(&mut conn).await;
    // The checkpoint's own record is the last one; it covers the one before.
    assert_eq!(cp["seq"], last - 1);
    exec(
        &mut conn,
        &format!("DELETE FROM audit WHERE seq >= {}", last - 1),
    )
    .await;
    conn.close().await.unwrap();
    let server = Owned::start(dir.path(), None).await;
    let v = verify(&server.root()).await;
    assert_eq!(
        v["ok"], false,
        "records deleted from the end while stopped, not detected: {v}"
    );
    assert_eq!(v["first_bad_seq"], last - 1, "{v}");
    assert!(v["error"].as_str().unwrap().contains("checkpoint"), "{v}");
    // Nothing new is signed over the truncated chain.
    server
        .root()
        .post("/v1/audit/checkpoints", json!({}))
        .await
        .err(409, "audit_chain_broken");
    server.stop().await;
}
