//! The web console at `/ui/`: server-rendered pages (maud, escaped by
//! default), one embedded stylesheet, no scripts, a strict Content Security
//! Policy. A thin adapter like the REST API: every page is calls on the
//! service with the signed-in user's caller, so a readonly user's forged
//! form post is refused by the service whatever the page shows.

mod account;
mod admin;
mod audit;
mod auth;
mod dashboard;
mod forms;
mod keys;
mod layout;
mod oversight;
mod pki;
mod session;
mod users;

use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};

use crate::state::AppState;

pub use auth::login_failed;
pub use layout::urlencode;
pub use session::meta_of as meta_of_parts;

/// The console's Content Security Policy: nothing but this origin's
/// stylesheet and inline SVG/data images; no scripts at all.
pub const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self' data:; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const CSS: &str = include_str!("app.css");

/// The console routes (and `/` → `/ui/`).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::permanent("/ui/") }))
        .route("/ui", get(|| async { Redirect::permanent("/ui/") }))
        .route("/ui/assets/app.css", get(stylesheet))
        .route("/ui/setup", get(auth::setup_page).post(auth::setup))
        .route("/ui/login", get(auth::login_page).post(auth::login))
        .route("/ui/mfa", get(auth::mfa_page).post(auth::mfa))
        .route("/ui/mfa/enrol", post(auth::mfa_enrol))
        .route("/ui/logout", post(auth::logout))
        .route("/ui/oidc/{name}/start", get(crate::oidc::flow::start))
        .route("/ui/oidc/{name}/callback", get(crate::oidc::flow::callback))
        .route("/ui/tenant", post(auth::switch_tenant))
        .route("/ui/", get(dashboard::show))
        .route("/ui/keys", get(keys::list))
        .route("/ui/keys/new", get(keys::new_page).post(keys::create))
        .route("/ui/keys/{id}", get(keys::detail))
        .route("/ui/keys/{id}/public.pem", get(keys::public_pem))
        .route("/ui/keys/{id}/{action}", post(keys::act))
        .route("/ui/certificates", get(pki::certificates))
        .route("/ui/secrets", get(pki::secrets))
        .route("/ui/alerts", get(oversight::alerts))
        .route("/ui/alerts/{id}/ack", post(oversight::ack))
        .route(
            "/ui/discovery",
            get(oversight::discovery).post(oversight::scan),
        )
        .route(
            "/ui/self-test",
            get(oversight::self_test_page).post(oversight::run_self_test),
        )
        .route("/ui/audit", get(audit::list))
        .route("/ui/audit/verify", post(audit::verify))
        .route("/ui/approvals", get(admin::approvals))
        .route("/ui/approvals/{id}/answer", post(admin::answer))
        .route("/ui/users", get(users::list).post(users::create))
        .route("/ui/users/{name}/role", post(users::set_role))
        .route("/ui/users/{name}/update", post(users::update))
        .route(
            "/ui/api-keys",
            get(admin::api_keys).post(admin::create_api_key),
        )
        .route("/ui/api-keys/{id}/revoke", post(admin::revoke_api_key))
        .route(
            "/ui/tenants",
            get(admin::tenants).post(admin::create_tenant),
        )
        .route("/ui/settings", get(admin::settings))
        .route("/ui/account", get(account::show))
        .route("/ui/account/totp", post(account::totp))
        .route("/ui/account/password", post(account::password))
        .route("/ui/sessions/{id}/revoke", post(account::revoke_session))
        .layer(axum::middleware::map_response(security_headers))
        .layer(axum::middleware::from_fn(same_origin_posts))
}

/// Whether a form post came from another site: its `Origin` names another
/// host than the request's `Host`, or the browser says `Sec-Fetch-Site:
/// cross-site`. (Defence in depth beside the CSRF token and SameSite
/// cookies; it also stops login CSRF on the sign-in and set-up forms.)
fn cross_site(headers: &axum::http::HeaderMap) -> bool {
    let get = |h: &str| headers.get(h).and_then(|v| v.to_str().ok());
    if get("sec-fetch-site") == Some("cross-site") {
        return true;
    }
    match (get("origin"), get("host")) {
        (Some("null"), _) => true,
        (Some(origin), Some(host)) => {
            let o = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .unwrap_or(origin);
            !o.eq_ignore_ascii_case(host)
        }
        _ => false,
    }
}

async fn same_origin_posts(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    if req.method() == axum::http::Method::POST && cross_site(req.headers()) {
        return (
            axum::http::StatusCode::FORBIDDEN,
            "cross-site form posts are refused",
        )
            .into_response();
    }
    next.run(req).await
}

async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

/// Headers on every console response.
async fn security_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    r
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::cross_site;

    #[test]
    fn cross_site_posts_are_recognised() {
        let h = |pairs: &[(&'static str, &'static str)]| {
            let mut m = HeaderMap::new();
            for (k, v) in pairs {
                m.insert(*k, HeaderValue::from_static(v));
            }
            m
        };
        assert!(!cross_site(&h(&[("host", "kms.example:8095")])));
        assert!(!cross_site(&h(&[
            ("host", "kms.example:8095"),
            ("origin", "https://kms.example:8095")
        ])));
        assert!(cross_site(&h(&[
            ("host", "kms.example:8095"),
            ("origin", "https://evil.example")
        ])));
        assert!(cross_site(&h(&[
            ("host", "kms.example"),
            ("origin", "null")
        ])));
        assert!(cross_site(&h(&[("sec-fetch-site", "cross-site")])));
        assert!(!cross_site(&h(&[("sec-fetch-site", "same-origin")])));
    }
}
