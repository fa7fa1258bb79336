//! OIDC against a minimal identity provider written here (discovery, JWKS,
//! an authorization endpoint that approves at once, a token endpoint that
//! checks PKCE): the console sign-in maps groups to roles; ID tokens with
//! the wrong audience, expired, signed by an unknown key or with the wrong
//! nonce are refused, as are a forged `state` and a user outside the
//! allowed groups. Machine JWT bearer tokens are accepted only with the
//! configured audience, unexpired and signed by the provider's key.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::{Form, Query, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::StatusCode;
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::{Value, json};

/// How the IdP misbehaves for the next tokens.
const NORMAL: u8 = 0;
const WRONG_AUDIENCE: u8 = 1;
const EXPIRED: u8 = 2;
const UNKNOWN_KEY: u8 = 3;
const WRONG_NONCE: u8 = 4;

struct Idp {
    url: String,
    key: EncodingKey,
    rogue: EncodingKey,
    x: String,
    y: String,
    mode: AtomicU8,
    groups: Mutex<Vec<String>>,
    /// code → (nonce, code_challenge, redirect_uri)
    codes: Mutex<HashMap<String, (String, String, String)>>,
}

impl Idp {
    fn token(&self, aud: &str, sub: &str, nonce: Option<&str>) -> String {
        let mode = self.mode.load(Ordering::SeqCst);
        let now = time::OffsetDateTime::now_utc().unix_timestamp();
        let exp = if mode == EXPIRED {
            now - 3600
        } else {
            now + 300
        };
        let aud = if mode == WRONG_AUDIENCE {
            "someone-else"
        } else {
            aud
        };
        let nonce = if mode == WRONG_NONCE {
            Some("not-the-nonce")
        } else {
            nonce
        };
        let claims = json!({
            "iss": self.url, "aud": aud, "sub": sub, "exp": exp, "iat": now,
            "nonce": nonce, "preferred_username": sub, "name": "Alice Example",
            "groups": *self.groups.lock().unwrap(),
        });
        let (key, kid) = if mode == UNKNOWN_KEY {
            (&self.rogue, "k9")
        } else {
            (&self.key, "k1")
        };
        let mut h = Header::new(Algorithm::ES256);
        h.kid = Some(kid.into());
        jsonwebtoken::encode(&h, &claims, key).unwrap()
    }
}

fn p256() -> (EncodingKey, String, String) {
    let kp = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let raw = kp.public_key_raw();
    (
        EncodingKey::from_ec_pem(kp.serialize_pem().as_bytes()).unwrap(),
        B64URL.encode(&raw[1..33]),
        B64URL.encode(&raw[33..65]),
    )
}

async fn start_idp() -> Arc<Idp> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (key, x, y) = p256();
    let (rogue, _, _) = p256();
    let idp = Arc::new(Idp {
        url,
        key,
        rogue,
        x,
        y,
        mode: AtomicU8::new(NORMAL),
        groups: Mutex::new(vec!["kms".into()]),
        codes: Mutex::new(HashMap::new()),
    });
    let app = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(|State(i): State<Arc<Idp>>| async move {
                axum::Json(json!({
                    "issuer": i.url,
                    "authorization_endpoint": format!("{}/authorize", i.url),
                    "token_endpoint": format!("{}/token", i.url),
                    "jwks_uri": format!("{}/jwks", i.url),
                }))
            }),
        )
        .route(
            "/jwks",
            get(|State(i): State<Arc<Idp>>| async move {
                axum::Json(json!({"keys": [{
                    "kty": "EC", "crv": "P-256", "x": i.x, "y": i.y,
                    "kid": "k1", "alg": "ES256", "use": "sig"
                }]}))
            }),
        )
        .route(
            "/authorize",
            get(
                |State(i): State<Arc<Idp>>, Query(q): Query<HashMap<String, String>>| async move {
                    assert_eq!(q["response_type"], "code");
                    assert_eq!(q["code_challenge_method"], "S256");
                    assert!(q["scope"].split(' ').any(|s| s == "openid"));
                    let code = uuid::Uuid::new_v4().simple().to_string();
                    i.codes.lock().unwrap().insert(
                        code.clone(),
                        (
                            q["nonce"].clone(),
                            q["code_challenge"].clone(),
                            q["redirect_uri"].clone(),
                        ),
                    );
                    Redirect::to(&format!(
                        "{}?code={code}&state={}",
                        q["redirect_uri"], q["state"]
                    ))
                },
            ),
        )
        .route(
            "/token",
            post(
                |State(i): State<Arc<Idp>>, Form(f): Form<HashMap<String, String>>| async move {
                    let Some((nonce, challenge, redirect)) =
                        i.codes.lock().unwrap().remove(&f["code"])
                    else {
                        return (axum::http::StatusCode::BAD_REQUEST, "bad code").into_response();
                    };
                    let digest = aws_lc_rs::digest::digest(
                        &aws_lc_rs::digest::SHA256,
                        f["code_verifier"].as_bytes(),
                    );
                    if B64URL.encode(digest) != challenge || f["redirect_uri"] != redirect {
                        return (axum::http::StatusCode::BAD_REQUEST, "pkce").into_response();
                    }
                    let id = i.token(&f["client_id"], "alice", Some(&nonce));
                    axum::Json(json!({"id_token": id, "access_token": "x", "token_type": "Bearer"}))
                        .into_response()
                },
            ),
        )
        .with_state(idp.clone());
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    idp
}

fn provider(idp: &Idp) -> tresor_server::oidc::OidcProviderConfig {
    serde_json::from_value(json!({
        "name": "test",
        "display_name": "Test IdP",
        "issuer": idp.url,
        "client_id": "tresor",
        "allowed_groups": ["kms", "kms-admins"],
        "roles": [
            {"group": "kms", "tenant": "default", "role": "user"},
            {"group": "kms-admins", "tenant": "default", "role": "admin"}
        ],
        "jwt_audience": "tresor-api"
    }))
    .unwrap()
}

fn cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(|v| v.split(';').next().unwrap().to_owned())
}

/// Runs the browser's part of a sign-in; returns the callback's answer.
async fn sign_in(http: &reqwest::Client, base: &str, tamper_state: bool) -> reqwest::Response {
    let r = http
        .get(format!("{base}/ui/oidc/test/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let pending = cookie(&r, "tresor_oidc").expect("pending sign-in cookie");
    assert!(
        r.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("HttpOnly"),
        "the pending cookie is HttpOnly"
    );
    let to_idp = r.headers()[LOCATION].to_str().unwrap().to_owned();
    assert!(to_idp.contains("code_challenge=") && to_idp.contains("nonce="));
    let r = http.get(&to_idp).send().await.unwrap();
    let mut back = r.headers()[LOCATION].to_str().unwrap().to_owned();
    if tamper_state {
        back = back.replace("state=", "state=x");
    }
    http.get(&back)
        .header(COOKIE, pending)
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oidc_sign_in_and_jwt_bearer_tokens() {
    let idp = start_idp().await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = common::config_for(dir.path(), None);
    config.people.oidc = vec![provider(&idp)];
    let server = tresor_server::start(config).await.unwrap();
    let base = server.url();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // The sign-in page offers the provider.
    let page = http.get(format!("{base}/ui/login")).send().await.unwrap();
    let page = page.text().await.unwrap();
    assert!(page.contains("Sign in with Test IdP"), "{page}");

    // A good sign-in: a session whose role comes from the group mapping.
    let r = sign_in(&http, &base, false).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(r.headers()[LOCATION], "/ui/");
    let session = cookie(&r, "tresor_session").expect("session cookie");
    let me: Value = http
        .get(format!("{base}/v1/auth/me"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["user"], "test:alice", "{me}");
    assert_eq!(me["role"], "user", "{me}");
    assert_eq!(me["state"], "active", "{me}");
    let keys = http
        .get(format!("{base}/v1/keys"))
        .header(COOKIE, &session)
        .send()
        .await
        .unwrap();
    assert_eq!(keys.status(), StatusCode::OK);
    // Federated accounts have no password.
    let r = http
        .post(format!("{base}/v1/auth/login"))
        .json(&json!({"name": "test:alice", "password": "anything-long-enough"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // Group changes at the provider apply at the next sign-in.
    *idp.groups.lock().unwrap() = vec!["kms-admins".into()];
    let r = sign_in(&http, &base, false).await;
    let admin = cookie(&r, "tresor_session").unwrap();
    let me: Value = http
        .get(format!("{base}/v1/auth/me"))
        .header(COOKIE, &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin", "{me}");

    // Refusals: bad tokens, a forged state, a user outside the groups.
    for (mode, what) in [
        (WRONG_AUDIENCE, "wrong audience"),
        (EXPIRED, "expired"),
        (UNKNOWN_KEY, "unknown key"),
        (WRONG_NONCE, "wrong nonce"),
    ] {
        idp.mode.store(mode, Ordering::SeqCst);
        let r = sign_in(&http, &base, false).await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{what}");
        assert!(cookie(&r, "tresor_session").is_none(), "{what}");
    }
    idp.mode.store(NORMAL, Ordering::SeqCst);
    let r = sign_in(&http, &base, true).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    *idp.groups.lock().unwrap() = vec!["marketing".into()];
    let r = sign_in(&http, &base, false).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    *idp.groups.lock().unwrap() = vec!["kms".into()];

    // Machine JWTs: the configured audience, unexpired, the provider's key.
    let call = |token: String| {
        let http = http.clone();
        let base = base.clone();
        async move {
            http.get(format!("{base}/v1/keys"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        call(idp.token("tresor-api", "svc-batch", None)).await,
        StatusCode::OK
    );
    assert_eq!(
        call(idp.token("tresor", "svc-batch", None)).await,
        StatusCode::UNAUTHORIZED,
        "the console's client id is not the API audience"
    );
    for mode in [WRONG_AUDIENCE, EXPIRED, UNKNOWN_KEY] {
        idp.mode.store(mode, Ordering::SeqCst);
        assert_eq!(
            call(idp.token("tresor-api", "svc-batch", None)).await,
            StatusCode::UNAUTHORIZED,
            "mode {mode}"
        );
    }
    idp.mode.store(NORMAL, Ordering::SeqCst);

    // The audit log has the sign-ins, the machine's calls and the refusals.
    let audit: Value = http
        .get(format!("{base}/v1/audit?limit=1000"))
        .header(COOKIE, &admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let records = audit["records"].as_array().unwrap();
    let has = |f: &dyn Fn(&Value) -> bool| records.iter().any(f);
    assert!(has(
        &|r| r["action"] == "user.login" && r["principal"] == "user:test:alice"
    ));
    assert!(has(
        &|r| r["principal"] == "jwt:test:svc-batch" && r["action"] == "key.list"
    ));
    assert!(has(
        &|r| r["action"] == "auth.failed" && r["principal"] == "oidc:test"
    ));
}
