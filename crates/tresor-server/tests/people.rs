//! People over REST against the real server: first-admin set-up (once),
//! password sign-in with the session cookie and its CSRF header, session
//! tokens as bearer tokens, roles per tenant (readonly users, tenant
//! admins), TOTP enrolment and the second factor with a real clock,
//! lockout after repeated failures (audited), sign-out, listing and
//! revoking sessions, and an audit chain that still verifies.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{Api, Env, Owned, Resp, unique};
use reqwest::Method;
use serde_json::{Value, json};

const PW: &str = "mellow-otter-canyon-42";

/// A session from `POST /v1/auth/login` or `/v1/auth/setup`.
#[derive(Debug, Clone)]
struct Session {
    token: String,
    csrf: String,
    id: String,
    state: String,
}

impl Session {
    fn of(r: &Resp) -> Self {
        let v = r.ok();
        Session {
            token: v["token"].as_str().unwrap().to_owned(),
            csrf: v["session"]["csrf_token"].as_str().unwrap().to_owned(),
            id: v["session"]["id"].as_str().unwrap().to_owned(),
            state: v["session"]["state"].as_str().unwrap().to_owned(),
        }
    }
}

async fn login(api: &Api, name: &str, password: &str, totp: Option<&str>) -> Resp {
    let mut body = json!({ "name": name, "password": password });
    if let Some(c) = totp {
        body["totp"] = json!(c);
    }
    api.anonymous().post("/v1/auth/login", body).await
}

async fn signed_in(api: &Api, name: &str) -> Session {
    let s = Session::of(&login(api, name, PW, None).await);
    assert_eq!(s.state, "active");
    s
}

/// A request authenticated by the session cookie only (as a browser
/// sends it), with or without the CSRF header.
async fn by_cookie(
    api: &Api,
    method: Method,
    path: &str,
    token: &str,
    csrf: Option<&str>,
    body: Option<Value>,
) -> Resp {
    let mut rb = api
        .client
        .request(method, format!("{}{path}", api.base))
        .header("cookie", format!("theme=dark; tresor_session={token}"));
    if let Some(c) = csrf {
        rb = rb.header("x-csrf-token", c);
    }
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    let r = rb.send().await.unwrap();
    Resp {
        status: r.status(),
        headers: r.headers().clone(),
        bytes: r.bytes().await.unwrap().to_vec(),
    }
}

/// Creates an account as `admin`; returns its JSON.
async fn create_user(admin: &Api, name: &str, roles: Value) -> Value {
    let r = admin
        .post(
            "/v1/users",
            json!({ "name": name, "password": PW, "roles": roles }),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text());
    r.json()
}

async fn put(api: &Api, path: &str, body: Value) -> Resp {
    api.call(Method::PUT, path, Some(&body)).await
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn totp(base32: &str) -> totp_rs::TOTP {
    let secret = totp_rs::Secret::Encoded(base32.to_owned())
        .to_bytes()
        .unwrap();
    totp_rs::TOTP::new(totp_rs::Algorithm::SHA1, 6, 1, 30, secret).unwrap()
}

/// Sleeps until the 30-second step is later than `step` (at most ~31 s).
async fn wait_past_step(step: u64) {
    while now_secs() / 30 <= step {
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn audit_verifies(root: &Api) {
    let v = root.post("/v1/audit/verify", json!({})).await.ok();
    assert_eq!(v["ok"], true, "{v}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn first_admin_setup_once_then_cookie_sessions_need_csrf() {
    let dir = tempfile::Builder::new()
        .prefix("tresor-e2e-people-")
        .tempdir()
        .unwrap();
    let server = Owned::start(dir.path(), None).await;
    let root = server.root();
    let anon = root.anonymous();

    let s = anon.get("/v1/auth/setup").await.ok();
    assert_eq!(s["needed"], true, "{s}");
    // The password policy applies to the first admin too.
    anon.post(
        "/v1/auth/setup",
        json!({"name": "root", "password": "short"}),
    )
    .await
    .err(400, "invalid_argument");
    let r = anon
        .post("/v1/auth/setup", json!({"name": "root", "password": PW}))
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text());
    let cookie = r.headers["set-cookie"].to_str().unwrap().to_owned();
    let admin = Session::of(&r);
    assert!(admin.token.starts_with("tses_"), "{}", admin.token);
    assert!(
        cookie.starts_with(&format!("tresor_session={};", admin.token)),
        "{cookie}"
    );
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attr), "{attr} missing: {cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");
    let body = r.json();
    assert_eq!(body["session"]["user"], "root");
    assert_eq!(body["session"]["platform_admin"], true);
    assert_eq!(body["session"]["role"], "admin");
    assert_eq!(body["session"]["tenant"], "default");
    assert!(!admin.csrf.is_empty());

    // Once only.
    assert_eq!(anon.get("/v1/auth/setup").await.ok()["needed"], false);
    anon.post("/v1/auth/setup", json!({"name": "mallory", "password": PW}))
        .await
        .err(409, "invalid_key_state");
    login(&root, "mallory", PW, None)
        .await
        .err(401, "unauthenticated");

    // Wrong password and unknown user look the same.
    login(&root, "root", "mellow-otter-canyon-43", None)
        .await
        .err(401, "unauthenticated");
    login(&root, "nobody", PW, None)
        .await
        .err(401, "unauthenticated");
    let fresh = login(&root, "root", PW, None).await;
    assert!(
        fresh.headers["set-cookie"]
            .to_str()
            .unwrap()
            .starts_with("tresor_session=tses_")
    );
    let s = Session::of(&fresh);
    assert_ne!(s.token, admin.token);
    assert_ne!(s.csrf, admin.csrf);

    // The cookie alone reads, but a change needs the CSRF header.
    let key = json!({"algorithm": "aes-256-gcm"});
    by_cookie(&root, Method::GET, "/v1/keys", &s.token, None, None)
        .await
        .ok();
    by_cookie(
        &root,
        Method::POST,
        "/v1/keys",
        &s.token,
        None,
        Some(key.clone()),
    )
    .await
    .err(403, "csrf_failed");
    by_cookie(
        &root,
        Method::POST,
        "/v1/keys",
        &s.token,
        Some(&admin.csrf),
        Some(key.clone()),
    )
    .await
    .err(403, "csrf_failed");
    let r = by_cookie(
        &root,
        Method::POST,
        "/v1/keys",
        &s.token,
        Some(&s.csrf),
        Some(key.clone()),
    )
    .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text());
    let created = r.json()["id"].as_str().unwrap().to_owned();

    // The token works as a bearer token, without CSRF.
    let bearer = root.as_token(&s.token);
    let r = bearer.post("/v1/keys", key.clone()).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text());
    let me = bearer.get("/v1/auth/me").await.ok();
    assert_eq!(me["user"], "root");
    assert_eq!(me["id"], s.id.as_str());
    assert!(bearer.get("/v1/users").await.ok()["users"][0]["name"] == "root");

    // Signing out by cookie needs the header too; afterwards the token is
    // dead both ways and the cookie is cleared.
    by_cookie(&root, Method::POST, "/v1/auth/logout", &s.token, None, None)
        .await
        .err(403, "csrf_failed");
    let r = by_cookie(
        &root,
        Method::POST,
        "/v1/auth/logout",
        &s.token,
        Some(&s.csrf),
        None,
    )
    .await;
    assert_eq!(r.status.as_u16(), 204, "{}", r.text());
    let cleared = r.headers["set-cookie"].to_str().unwrap();
    assert!(
        cleared.starts_with("tresor_session=;") && cleared.contains("Max-Age=0"),
        "{cleared}"
    );
    bearer.get("/v1/keys").await.err(401, "unauthenticated");
    by_cookie(&root, Method::GET, "/v1/auth/me", &s.token, None, None)
        .await
        .err(401, "unauthenticated");
    // The set-up session still works.
    root.as_token(&admin.token).get("/v1/keys").await.ok();

    let setup = root.get("/v1/audit?action=user.setup").await.ok();
    let recs = setup["records"].as_array().unwrap();
    assert_eq!(recs.len(), 3, "{setup}");
    assert_eq!(
        recs.iter()
            .filter(|r| r["outcome"] == "success" && r["principal"] == "user:root")
            .count(),
        1,
        "{setup}"
    );
    // Changes made in a session are the user's.
    let creates = root.get("/v1/audit?action=key.create").await.ok();
    assert!(
        creates["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["object"] == created.as_str() && r["principal"] == "user:root"),
        "{creates}"
    );
    let logouts = root.get("/v1/audit?action=user.logout").await.ok();
    assert_eq!(logouts["records"].as_array().unwrap().len(), 1, "{logouts}");
    audit_verifies(&root).await;
    server.stop().await;
}

#[tokio::test]
async fn roles_per_tenant_readonly_users_and_tenant_admins() {
    let env = Env::shared();
    let root = &env.root;
    let ro = unique("ro");
    let u = create_user(root, &ro, json!({"default": "readonly"})).await;
    assert_eq!(u["roles"], json!({"default": "readonly"}), "{u}");
    assert_eq!(u["totp_enabled"], false);
    assert!(u.get("password_hash").is_none() && !u.to_string().contains(PW));
    root.post("/v1/users", json!({"name": ro, "password": PW}))
        .await
        .err(409, "already_exists");
    let weak = root
        .post(
            "/v1/users",
            json!({"name": unique("weak"), "password": "password1234"}),
        )
        .await
        .err(400, "invalid_argument");
    assert!(
        weak["message"].as_str().unwrap().contains("common"),
        "{weak}"
    );
    let named = root
        .post(
            "/v1/users",
            json!({"name": "carol", "password": "carol-otter-canyon-42"}),
        )
        .await
        .err(400, "invalid_argument");
    assert!(
        named["message"].as_str().unwrap().contains("user name"),
        "{named}"
    );
    root.post(
        "/v1/users",
        json!({"name": unique("bad-role"), "password": PW, "roles": {"default": "owner"}}),
    )
    .await
    .err(400, "invalid_argument");

    // A readonly user reads but neither changes keys nor sees accounts.
    let s = signed_in(root, &ro).await;
    let api = root.as_token(&s.token);
    api.get("/v1/keys").await.ok();
    api.post("/v1/keys", json!({"algorithm": "aes-256-gcm"}))
        .await
        .err(403, "forbidden");
    api.get("/v1/users").await.err(403, "forbidden");
    api.post("/v1/users", json!({"name": unique("x"), "password": PW}))
        .await
        .err(403, "forbidden");
    assert_eq!(api.get(&format!("/v1/users/{ro}")).await.ok()["name"], ro);

    // A tenant admin sees and assigns roles in their tenant only.
    let (tenant, _) = env.tenant("people").await;
    let ta = unique("ta");
    create_user(root, &ta, json!({ tenant.clone(): "admin" })).await;
    let t = signed_in(root, &ta).await;
    let tapi = root.as_token(&t.token);
    assert_eq!(tapi.get("/v1/auth/me").await.ok()["tenant"], tenant);
    let names = |v: Value| -> Vec<String> {
        v["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(names(tapi.get("/v1/users").await.ok()), vec![ta.clone()]);
    tapi.get(&format!("/v1/users/{ro}"))
        .await
        .err(404, "not_found");
    let r = put(
        &tapi,
        &format!("/v1/users/{ro}/roles"),
        json!({"role": "user"}),
    )
    .await
    .ok();
    assert_eq!(
        r["roles"],
        json!({"default": "readonly", tenant.clone(): "user"}),
        "{r}"
    );
    let mut listed = names(tapi.get("/v1/users").await.ok());
    listed.sort();
    let mut want = vec![ro.clone(), ta.clone()];
    want.sort();
    assert_eq!(listed, want);
    tapi.post("/v1/users", json!({"name": unique("x"), "password": PW}))
        .await
        .err(403, "forbidden");
    tapi.patch(&format!("/v1/users/{ro}"), json!({"disabled": true}))
        .await
        .err(403, "forbidden");
    // A tenant admin cannot demote themselves.
    put(
        &tapi,
        &format!("/v1/users/{ta}/roles"),
        json!({"role": "user"}),
    )
    .await
    .err(400, "invalid_argument");

    // The new role works in that tenant; not in one without a role.
    let in_t = api.in_tenant(&tenant);
    let r = in_t
        .post("/v1/keys", json!({"algorithm": "aes-256-gcm"}))
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.text());
    let (other, _) = env.tenant("people-other").await;
    api.in_tenant(&other)
        .get("/v1/keys")
        .await
        .err(403, "tenant_forbidden");
    // Switching the session's acting tenant.
    let me = put(&api, "/v1/auth/tenant", json!({"tenant": tenant}))
        .await
        .ok();
    assert_eq!(
        (me["tenant"].as_str(), me["role"].as_str()),
        (Some(tenant.as_str()), Some("user"))
    );
    put(&api, "/v1/auth/tenant", json!({"tenant": other}))
        .await
        .err(403, "tenant_forbidden");
    // Removing the role removes the access.
    let r = put(
        &tapi,
        &format!("/v1/users/{ro}/roles"),
        json!({"role": null}),
    )
    .await
    .ok();
    assert_eq!(r["roles"], json!({"default": "readonly"}), "{r}");
    in_t.get("/v1/keys").await.err(403, "tenant_forbidden");

    // Platform admins change accounts: disabling ends the sessions.
    let r = root
        .patch(
            &format!("/v1/users/{ro}"),
            json!({"disabled": true, "display_name": "R. O."}),
        )
        .await
        .ok();
    assert_eq!(
        (r["disabled"].as_bool(), r["display_name"].as_str()),
        (Some(true), Some("R. O."))
    );
    api.get("/v1/keys").await.err(401, "unauthenticated");
    login(root, &ro, PW, None).await.err(401, "unauthenticated");
    root.patch(&format!("/v1/users/{ro}"), json!({"disabled": false}))
        .await
        .ok();
    signed_in(root, &ro).await;
    // Deleting an account ends its sessions too.
    root.delete(&format!("/v1/users/{ta}")).await.ok();
    tapi.get("/v1/users").await.err(401, "unauthenticated");
    root.get(&format!("/v1/users/{ta}"))
        .await
        .err(404, "not_found");
    audit_verifies(root).await;
}

#[tokio::test]
async fn sessions_are_listed_and_revoked() {
    let env = Env::shared();
    let root = &env.root;
    let (tenant, _) = env.tenant("sess").await;
    let alice = unique("alice");
    let bob = unique("bob");
    create_user(root, &alice, json!({ tenant.clone(): "user" })).await;
    create_user(root, &bob, json!({ tenant.clone(): "admin" })).await;
    let a1 = signed_in(root, &alice).await;
    let a2 = signed_in(root, &alice).await;
    let b = signed_in(root, &bob).await;
    let alice1 = root.as_token(&a1.token);

    let ids = |v: &Value| -> Vec<String> {
        v["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_owned())
            .collect()
    };
    // Own sessions only, with no CSRF token in the list.
    let mine = alice1.get("/v1/sessions").await.ok();
    let mut got = ids(&mine);
    got.sort();
    let mut want = vec![a1.id.clone(), a2.id.clone()];
    want.sort();
    assert_eq!(got, want, "{mine}");
    assert!(
        mine["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["csrf_token"] == "" && s["user"] == alice.as_str()),
        "{mine}"
    );
    // Not someone else's.
    alice1
        .delete(&format!("/v1/sessions/{}", b.id))
        .await
        .err(404, "not_found");
    root.as_token(&b.token).get("/v1/auth/me").await.ok();

    // Revoking one's other session ends it, not this one.
    let r = alice1.delete(&format!("/v1/sessions/{}", a2.id)).await;
    assert_eq!(r.status.as_u16(), 204, "{}", r.text());
    root.as_token(&a2.token)
        .get("/v1/auth/me")
        .await
        .err(401, "unauthenticated");
    alice1.get("/v1/auth/me").await.ok();
    alice1
        .delete(&format!("/v1/sessions/{}", a2.id))
        .await
        .err(404, "not_found");

    // The tenant's admin sees and ends the tenant's users' sessions.
    let bapi = root.as_token(&b.token);
    let seen = ids(&bapi.get("/v1/sessions").await.ok());
    assert!(seen.contains(&a1.id) && seen.contains(&b.id), "{seen:?}");
    assert!(!seen.contains(&a2.id));
    let r = bapi.delete(&format!("/v1/sessions/{}", a1.id)).await;
    assert_eq!(r.status.as_u16(), 204, "{}", r.text());
    alice1.get("/v1/keys").await.err(401, "unauthenticated");

    // Platform admins see every session.
    let all = ids(&root.get("/v1/sessions").await.ok());
    assert!(all.contains(&b.id), "{all:?}");
    let revokes = root
        .in_tenant(&tenant)
        .get("/v1/audit?action=session.revoke&limit=1000")
        .await
        .ok();
    assert!(
        revokes["records"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["object"] == a1.id.as_str() && r["principal"] == format!("user:{bob}")),
        "{revokes}"
    );
    audit_verifies(root).await;
}

#[tokio::test]
async fn totp_enrolment_and_the_second_factor() {
    let env = Env::shared();
    let root = &env.root;
    let name = unique("mfa");
    create_user(root, &name, json!({"default": "user"})).await;
    let s = signed_in(root, &name).await;
    let api = root.as_token(&s.token);

    // Enrol: a secret, its otpauth URI and a QR code.
    let e = api.post("/v1/users/me/totp", json!({})).await.ok();
    let secret = e["secret"].as_str().unwrap().to_owned();
    let uri = e["otpauth_uri"].as_str().unwrap();
    assert!(
        uri.starts_with(&format!("otpauth://totp/Tresor:{name}?secret={secret}")),
        "{uri}"
    );
    assert!(e["qr_svg"].as_str().unwrap().contains("<svg"));
    let t = totp(&secret);
    api.post("/v1/users/me/totp/confirm", json!({"code": "12345"}))
        .await
        .err(400, "invalid_argument");
    let now = now_secs();
    let confirm_step = now / 30;
    let code = t.generate(now);
    let r = api
        .post("/v1/users/me/totp/confirm", json!({"code": code}))
        .await
        .ok();
    let recovery: Vec<String> = r["recovery_codes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(recovery.len(), 10);
    let u = root.get(&format!("/v1/users/{name}")).await.ok();
    assert_eq!(u["totp_enabled"], true, "{u}");
    // The session that confirmed goes on working; enrolling again needs the
    // factor removed first.
    api.get("/v1/keys").await.ok();
    api.post("/v1/users/me/totp", json!({}))
        .await
        .err(409, "already_exists");

    // A password alone now gives a session waiting for the code.
    let p = Session::of(&login(root, &name, PW, None).await);
    assert_eq!(p.state, "mfa_required");
    let pending = root.as_token(&p.token);
    pending.get("/v1/keys").await.err(401, "mfa_required");
    assert_eq!(
        pending.get("/v1/auth/me").await.ok()["state"],
        "mfa_required"
    );
    // Nor can it enrol (or confirm) a factor of its own.
    pending
        .post("/v1/users/me/totp", json!({}))
        .await
        .err(401, "mfa_required");
    pending
        .post("/v1/users/me/totp/confirm", json!({"code": code}))
        .await
        .err(401, "mfa_required");
    // By cookie it is no different (and the CSRF header does not help).
    by_cookie(
        root,
        Method::POST,
        "/v1/keys",
        &p.token,
        Some(&p.csrf),
        Some(json!({"algorithm": "aes-256-gcm"})),
    )
    .await
    .err(401, "mfa_required");
    // The code already used to confirm is spent; a made-up one is wrong.
    pending
        .post("/v1/auth/mfa", json!({"code": code}))
        .await
        .err(400, "invalid_argument");
    let window: Vec<String> = (0..3)
        .map(|i| t.generate(now_secs() + 30 * i - 30))
        .collect();
    let wrong = ["000000", "111111", "222222", "333333"]
        .into_iter()
        .find(|c| !window.iter().any(|w| w == c))
        .unwrap();
    pending
        .post("/v1/auth/mfa", json!({"code": wrong}))
        .await
        .err(400, "invalid_argument");
    pending.get("/v1/keys").await.err(401, "mfa_required");

    // A recovery code passes (once).
    let v = pending
        .post("/v1/auth/mfa", json!({"code": recovery[0].to_uppercase()}))
        .await
        .ok();
    assert_eq!(v["state"], "active", "{v}");
    pending.get("/v1/keys").await.ok();
    let p2 = Session::of(&login(root, &name, PW, None).await);
    let pending2 = root.as_token(&p2.token);
    pending2
        .post("/v1/auth/mfa", json!({"code": recovery[0]}))
        .await
        .err(400, "invalid_argument");
    pending2.get("/v1/keys").await.err(401, "mfa_required");

    // A fresh code (from a later step) passes; it cannot be used twice.
    wait_past_step(confirm_step).await;
    let fresh = t.generate(now_secs());
    let v = pending2
        .post("/v1/auth/mfa", json!({"code": fresh}))
        .await
        .ok();
    assert_eq!(v["state"], "active", "{v}");
    pending2
        .post("/v1/keys", json!({"algorithm": "aes-256-gcm"}))
        .await
        .ok();
    login(root, &name, PW, Some(&fresh))
        .await
        .err(401, "unauthenticated");
    // Password and a code at once.
    let pw_and_code = login(root, &name, PW, Some(&recovery[1])).await;
    assert_eq!(Session::of(&pw_and_code).state, "active");

    let mfa = root
        .get("/v1/audit?action=user.mfa_verify&limit=1000")
        .await
        .ok();
    let recs: Vec<&Value> = mfa["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["object"] == name.as_str())
        .collect();
    assert_eq!(recs.len(), 5, "{mfa}");
    assert_eq!(
        recs.iter().filter(|r| r["outcome"] == "success").count(),
        2,
        "{mfa}"
    );

    // A platform admin removes the factor (a lost phone): the sessions end
    // and the password alone signs in again.
    let r = root.delete(&format!("/v1/users/{name}/totp")).await;
    assert_eq!(r.status.as_u16(), 204, "{}", r.text());
    pending2.get("/v1/keys").await.err(401, "unauthenticated");
    assert_eq!(
        root.get(&format!("/v1/users/{name}")).await.ok()["totp_enabled"],
        false
    );
    signed_in(root, &name).await;
    audit_verifies(root).await;
}

#[tokio::test]
async fn repeated_failures_lock_the_account_and_are_audited() {
    let env = Env::shared();
    let root = &env.root;
    let name = unique("lock");
    create_user(root, &name, json!({"default": "readonly"})).await;
    let mut codes = Vec::new();
    for i in 0..20 {
        let r = login(root, &name, &format!("wrong-password-{i:02}"), None).await;
        assert_eq!(r.status.as_u16(), 401, "{}", r.text());
        codes.push(r.code().unwrap());
    }
    // The tenth failure locks; from then on every attempt is refused.
    assert!(
        codes[..10].iter().all(|c| c == "unauthenticated"),
        "{codes:?}"
    );
    assert!(
        codes[10..].iter().all(|c| c == "account_locked"),
        "{codes:?}"
    );
    let e = login(root, &name, PW, None)
        .await
        .err(401, "account_locked");
    assert!(
        e["message"].as_str().unwrap().contains("try again after"),
        "{e}"
    );
    let u = root.get(&format!("/v1/users/{name}")).await.ok();
    assert!(u["locked_until"].is_string(), "{u}");

    let locks = root
        .get("/v1/audit?action=user.lockout&limit=1000")
        .await
        .ok();
    let mine: Vec<&Value> = locks["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["object"] == name.as_str())
        .collect();
    assert_eq!(mine.len(), 1, "{locks}");
    assert_eq!(mine[0]["principal"], format!("user:{name}"));
    let logins = root
        .get("/v1/audit?action=user.login&limit=1000")
        .await
        .ok();
    let refused = logins["records"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["object"] == name.as_str() && r["outcome"] != "success")
        .count();
    assert_eq!(refused, 21, "{logins}");

    // A platform admin unlocks it.
    let u = root
        .patch(&format!("/v1/users/{name}"), json!({"unlock": true}))
        .await
        .ok();
    assert!(u["locked_until"].is_null(), "{u}");
    signed_in(root, &name).await;
    audit_verifies(root).await;
}
