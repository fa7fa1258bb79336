//! The console's OIDC sign-in: authorization code flow with PKCE (S256),
//! `state` and `nonce`. The pending sign-in lives in a short-lived
//! HttpOnly cookie scoped to `/ui/oidc` (SameSite=Lax, so the provider's
//! redirect back carries it), so any node can finish a sign-in another
//! node started.

use axum::extract::{Path, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::Deserialize;
use subtle::ConstantTimeEq;

use crate::console::{login_failed, meta_of_parts};
use crate::http::people::session_cookie_header;
use crate::state::AppState;

const COOKIE: &str = "tresor_oidc";

fn random(n: usize) -> String {
    let mut b = vec![0u8; n];
    if aws_lc_rs::rand::fill(&mut b).is_err() {
        return String::new();
    }
    B64URL.encode(b)
}

fn challenge(verifier: &str) -> String {
    B64URL.encode(aws_lc_rs::digest::digest(
        &aws_lc_rs::digest::SHA256,
        verifier.as_bytes(),
    ))
}

fn pct(s: &str) -> String {
    crate::console::urlencode(s)
}

/// The callback URL for provider `name`.
fn redirect_uri(s: &AppState, name: &str, headers: &HeaderMap, tls: bool) -> String {
    if let Some(u) = s
        .oidc
        .provider(name)
        .and_then(|p| p.cfg.redirect_url.clone())
    {
        return u;
    }
    let base = match &s.oidc.public_url {
        Some(u) => u.trim_end_matches('/').to_owned(),
        None => {
            let host = headers
                .get(header::HOST)
                .and_then(|h| h.to_str().ok())
                .unwrap_or("localhost");
            format!("{}://{host}", if tls { "https" } else { "http" })
        }
    };
    format!("{base}/ui/oidc/{name}/callback")
}

fn pending_cookie(value: &str, tls: bool, max_age: u32) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={value}; Path=/ui/oidc; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `GET /ui/oidc/{name}/start`: off to the provider.
pub async fn start(State(s): State<AppState>, Path(name): Path<String>, parts: Parts) -> Response {
    let (meta, tls) = meta_of_parts(&parts);
    let Some(p) = s.oidc.provider(&name) else {
        return login_failed(&s, StatusCode::NOT_FOUND, "Unknown sign-in provider.").await;
    };
    let d = match p.discovery().await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(provider = %name, error = %e, "OIDC discovery failed");
            s.kms
                .federated_login_failed(&name, "provider_unavailable", &meta)
                .await;
            return login_failed(
                &s,
                StatusCode::BAD_GATEWAY,
                "The identity provider cannot be reached.",
            )
            .await;
        }
    };
    let (state, nonce, verifier) = (random(24), random(24), random(32));
    if state.is_empty() || nonce.is_empty() || verifier.is_empty() {
        return login_failed(
            &s,
            StatusCode::INTERNAL_SERVER_ERROR,
            "Random generator failure.",
        )
        .await;
    }
    let scopes = if p.cfg.scopes.is_empty() {
        "openid profile email".to_owned()
    } else {
        p.cfg.scopes.join(" ")
    };
    let redirect = redirect_uri(&s, &name, &parts.headers, tls);
    let sep = if d.authorization_endpoint.contains('?') {
        '&'
    } else {
        '?'
    };
    let url = format!(
        "{}{sep}response_type=code&client_id={}&redirect_uri={}&scope={}&state={state}&nonce={nonce}&code_challenge={}&code_challenge_method=S256",
        d.authorization_endpoint,
        pct(&p.cfg.client_id),
        pct(&redirect),
        pct(&scopes),
        challenge(&verifier),
    );
    let cookie = pending_cookie(&format!("{name}.{state}.{nonce}.{verifier}"), tls, 600);
    ([(header::SET_COOKIE, cookie)], Redirect::to(&url)).into_response()
}

#[derive(Debug, Deserialize)]
pub struct Callback {
    #[serde(default)]
    code: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    error: String,
}

fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.trim().to_owned())
}

/// `GET /ui/oidc/{name}/callback`: the provider sends the browser back.
pub async fn callback(
    State(s): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<Callback>,
    parts: Parts,
) -> Response {
    let (meta, tls) = meta_of_parts(&parts);
    let clear = pending_cookie("", tls, 0);
    let fail = |status: StatusCode, reason: &'static str, msg: &'static str| {
        let s = s.clone();
        let meta = meta.clone();
        let name = name.clone();
        let clear = clear.clone();
        async move {
            s.kms.federated_login_failed(&name, reason, &meta).await;
            let mut r = login_failed(&s, status, msg).await;
            r.headers_mut().append(header::SET_COOKIE, clear);
            r
        }
    };
    let Some(p) = s.oidc.provider(&name).cloned() else {
        return fail(
            StatusCode::NOT_FOUND,
            "unknown_provider",
            "Unknown sign-in provider.",
        )
        .await;
    };
    if !q.error.is_empty() {
        return fail(
            StatusCode::UNAUTHORIZED,
            "provider_refused",
            "The identity provider refused the sign-in.",
        )
        .await;
    }
    let pending = cookie_value(&parts.headers).unwrap_or_default();
    let fields: Vec<&str> = pending.split('.').collect();
    let [pname, state, nonce, verifier] = fields.as_slice() else {
        return fail(
            StatusCode::BAD_REQUEST,
            "no_pending_sign_in",
            "This sign-in was not started here (or took too long). Try again.",
        )
        .await;
    };
    if *pname != name
        || q.state.is_empty()
        || !bool::from(q.state.as_bytes().ct_eq(state.as_bytes()))
    {
        return fail(
            StatusCode::BAD_REQUEST,
            "state_mismatch",
            "This sign-in was not started here (or took too long). Try again.",
        )
        .await;
    }
    let redirect = redirect_uri(&s, &name, &parts.headers, tls);
    let result = async {
        let id_token = p.exchange(&q.code, verifier, &redirect).await?;
        let claims = p.validate(&id_token, &p.cfg.client_id, Some(nonce)).await?;
        p.identity(&claims)
    }
    .await;
    let identity = match result {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(provider = %name, error = %e, "OIDC sign-in refused");
            let (status, reason, msg) = match e {
                super::OidcError::Provider(_) => (
                    StatusCode::BAD_GATEWAY,
                    "provider_error",
                    "The identity provider answered badly.",
                ),
                super::OidcError::Token(_) => (
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "The identity provider's token was not valid.",
                ),
                super::OidcError::Denied(_) => (
                    StatusCode::FORBIDDEN,
                    "group_not_allowed",
                    "Your account may not sign in here.",
                ),
            };
            return fail(status, reason, msg).await;
        }
    };
    match s.kms.login_federated(identity, meta.clone()).await {
        Ok(r) => {
            let max_age = s.kms.config().people.session_absolute_secs;
            let mut resp = Redirect::to("/ui/").into_response();
            let h = resp.headers_mut();
            h.append(
                header::SET_COOKIE,
                session_cookie_header(Some(&r.token), max_age, tls),
            );
            h.append(header::SET_COOKIE, clear);
            resp
        }
        Err(e) => {
            let mut r = login_failed(
                &s,
                crate::http::error::status_of(e.kind()),
                "Your account has no access to any tenant here.",
            )
            .await;
            r.headers_mut().append(header::SET_COOKIE, clear);
            r
        }
    }
}
