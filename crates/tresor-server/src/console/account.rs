//! The signed-in user's own account: two-factor enrolment (QR code rendered
//! here), password change, and sessions (an admin sees their tenant's).

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use zeroize::Zeroizing;

use super::auth::{enrolment_body, recovery_body};
use super::forms::{CsrfForm, Done};
use super::layout::{Flash, csrf, error_text, page, urlencode, when};
use super::session::{Signed, check_csrf, failed, html, to_login};
use crate::state::AppState;

pub async fn page_(s: &AppState, p: &Signed, flash: Option<Flash>) -> Response {
    let ctx = &p.ctx;
    let me = ctx.session.user.clone();
    let user = match s.kms.get_user(&ctx.caller, &me).await {
        Ok(u) => u,
        Err(e) => return failed(ctx, &e),
    };
    let sessions = s.kms.list_sessions(&ctx.caller).await.unwrap_or_default();
    let cfg = &s.kms.config().people;
    let body = html! {
        div.panel {
            h2 { "Two-factor authentication" }
            @if user.totp_enabled {
                p data-testid="totp-status" { "On. Codes from your authenticator app are asked at sign-in and every "
                    (cfg.mfa_reverify_secs / 3600) " hours." }
            } @else {
                p data-testid="totp-status" { "Off. " @if cfg.mfa_required { "It is mandatory here." } }
                form method="post" action="/ui/account/totp" {
                    (csrf(ctx))
                    button type="submit" data-testid="enrol-totp" { "Set up an authenticator app" }
                }
            }
        }
        div.panel {
            h2 { "Password" }
            form method="post" action="/ui/account/password" {
                (csrf(ctx))
                label for="current" { "Current password" }
                input id="current" name="current" type="password" required autocomplete="current-password";
                label for="password" { "New password" }
                input id="password" name="password" type="password" required autocomplete="new-password" minlength="12";
                p.hint { "At least " (cfg.password_min_length) " characters. Every session, this one included, ends." }
                div.actions { button type="submit" { "Change password" } }
            }
        }
        h2 { "Sessions" }
        div.table-wrap { table {
            thead { tr { th { "User" } th { "Started" } th { "Last seen" } th.opt { "From" } th { "" } } }
            tbody { @for v in &sessions { tr {
                td { (v.user) @if v.id == ctx.session.id { " (this one)" } }
                td { (when(v.created_at)) }
                td { (when(v.last_seen)) }
                td.opt { (v.source.as_deref().unwrap_or("")) }
                td { form.inline method="post" action=(format!("/ui/sessions/{}/revoke", v.id)) {
                    (csrf(ctx)) button.secondary type="submit" { "End" } } }
            } } }
        } }
    };
    html(page(ctx, "/ui/account", "My account", flash.as_ref(), body)).into_response()
}

pub async fn show(State(s): State<AppState>, p: Signed, Query(q): Query<Done>) -> Response {
    page_(&s, &p, q.flash()).await
}

#[derive(Debug, Deserialize)]
pub struct TotpForm {
    csrf: String,
    #[serde(default)]
    code: String,
}

pub async fn totp(State(s): State<AppState>, p: Signed, Form(f): Form<TotpForm>) -> Response {
    let ctx = &p.ctx;
    if let Some(r) = check_csrf(ctx, &f.csrf) {
        return r;
    }
    if f.code.is_empty() {
        return match s.kms.enroll_totp(&ctx.caller).await {
            Ok(e) => html(page(
                ctx,
                "/ui/account",
                "Set up an authenticator app",
                None,
                enrolment_body(&ctx.session.csrf, "/ui/account/totp", &e),
            ))
            .into_response(),
            Err(e) => failed(ctx, &e),
        };
    }
    match s.kms.confirm_totp(&ctx.caller, &f.code).await {
        Ok(codes) => {
            if let Err(e) = s.kms.mark_mfa_passed(&p.token, p.meta.clone()).await {
                tracing::debug!(code = e.code(), "session not marked");
            }
            html(page(
                ctx,
                "/ui/account",
                "Recovery codes",
                None,
                recovery_body(&codes),
            ))
            .into_response()
        }
        Err(e) => Redirect::to(&format!("/ui/account?error={}", urlencode(&error_text(&e))))
            .into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    csrf: String,
    current: Zeroizing<String>,
    password: Zeroizing<String>,
}

pub async fn password(
    State(s): State<AppState>,
    p: Signed,
    Form(f): Form<PasswordForm>,
) -> Response {
    if let Some(r) = check_csrf(&p.ctx, &f.csrf) {
        return r;
    }
    match s
        .kms
        .change_password(&p.ctx.caller, &f.current, &f.password)
        .await
    {
        Ok(()) => to_login(p.tls),
        Err(e) => Redirect::to(&format!("/ui/account?error={}", urlencode(&error_text(&e))))
            .into_response(),
    }
}

pub async fn revoke_session(
    State(s): State<AppState>,
    p: Signed,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = check_csrf(&p.ctx, &f.csrf) {
        return r;
    }
    match s.kms.revoke_session(&p.ctx.caller, &id).await {
        Ok(()) if id == p.ctx.session.id => to_login(p.tls),
        Ok(()) => Redirect::to("/ui/account?done=Session%20ended.").into_response(),
        Err(e) => failed(&p.ctx, &e),
    }
}
