//! Who is looking at a console page: the session cookie, resolved by the
//! service into a caller. Pages without a usable session redirect to
//! sign-in (or set-up, or the second factor); forms carry the session's
//! CSRF token, checked here in constant time.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use maud::Markup;
use subtle::ConstantTimeEq;
use tresor_service::people::SessionView;
use tresor_service::{RequestMeta, ServiceError};
use zeroize::Zeroizing;

use super::layout::{Ctx, Flash, error_text, page};
use crate::http::error::status_of;
use crate::http::extract::{request_id, session_cookie, source};
use crate::http::people::session_cookie_header;
use crate::state::{AppState, PeerIdentity};

/// Request metadata for audit, and whether the connection is TLS.
pub fn meta_of(parts: &Parts) -> (RequestMeta, bool) {
    (
        RequestMeta {
            request_id: request_id(parts),
            source: source(parts),
        },
        parts
            .extensions
            .get::<PeerIdentity>()
            .is_some_and(|p| p.tls),
    )
}

/// A signed-in page request.
#[derive(Debug)]
pub struct Signed {
    pub ctx: Ctx,
    pub token: Zeroizing<String>,
    pub meta: RequestMeta,
    pub tls: bool,
}

/// Sends the browser to sign-in, dropping a dead cookie.
pub fn to_login(tls: bool) -> Response {
    (
        [(header::SET_COOKIE, session_cookie_header(None, 0, tls))],
        Redirect::to("/ui/login"),
    )
        .into_response()
}

impl FromRequestParts<AppState> for Signed {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Response> {
        let (meta, tls) = meta_of(parts);
        let Some(token) = session_cookie(&parts.headers).map(str::to_owned) else {
            return Err(match state.kms.setup_needed().await {
                Ok(true) => Redirect::to("/ui/setup").into_response(),
                _ => Redirect::to("/ui/login").into_response(),
            });
        };
        match state.kms.session_caller(&token, None, meta.clone()).await {
            Ok((caller, session)) => {
                let tenants = tenants_for(state, &caller, &session).await;
                Ok(Signed {
                    ctx: Ctx {
                        caller,
                        session,
                        tenants,
                    },
                    token: Zeroizing::new(token),
                    meta,
                    tls,
                })
            }
            Err(ServiceError::MfaRequired(_)) => Err(Redirect::to("/ui/mfa").into_response()),
            Err(_) => Err(to_login(tls)),
        }
    }
}

async fn tenants_for(
    state: &AppState,
    caller: &tresor_core::Caller,
    s: &SessionView,
) -> Vec<(String, String)> {
    match &s.tenants {
        Some(ids) => ids.iter().map(|t| (t.clone(), t.clone())).collect(),
        None => match state.kms.list_tenants(caller).await {
            Ok(ts) => ts
                .into_iter()
                .map(|t| {
                    let name = if t.display_name.is_empty() {
                        t.id.to_string()
                    } else {
                        format!("{} ({})", t.display_name, t.id)
                    };
                    (t.id.to_string(), name)
                })
                .collect(),
            Err(_) => vec![(s.tenant.clone(), s.tenant.clone())],
        },
    }
}

/// Checks a form's CSRF token against the session's: `Some` is the
/// refusal to send.
pub fn check_csrf(ctx: &Ctx, sent: &str) -> Option<Response> {
    if !ctx.session.csrf.is_empty()
        && bool::from(sent.as_bytes().ct_eq(ctx.session.csrf.as_bytes()))
    {
        None
    } else {
        Some(refused(
            ctx,
            StatusCode::FORBIDDEN,
            "The form expired or did not come from this console. Reload the page and try again.",
        ))
    }
}

/// A page showing a refusal with its status.
pub fn refused(ctx: &Ctx, status: StatusCode, message: &str) -> Response {
    let back = maud::html! { p { a href="/ui/" { "Back to the dashboard" } } };
    (
        status,
        html(page(
            ctx,
            "",
            "Refused",
            Some(&Flash::Error(message.to_owned())),
            back,
        )),
    )
        .into_response()
}

/// The page for a service error, with the error's status.
pub fn failed(ctx: &Ctx, e: &ServiceError) -> Response {
    refused(ctx, status_of(e.kind()), &error_text(e))
}

/// Renders markup as an HTML response.
pub fn html(m: Markup) -> Html<String> {
    Html(m.into_string())
}
