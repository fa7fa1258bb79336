//! Sign-in pages: first-admin set-up (only while no account exists), sign
//! in, the second factor (or mandatory enrolment), sign out, and switching
//! the acting tenant.

use axum::Form;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, PreEscaped, html};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tresor_service::people::{LoginResult, SessionState};
use zeroize::Zeroizing;

use super::layout::{Flash, bare, error_text};
use super::session::{Signed, check_csrf, failed, html, meta_of, to_login};
use crate::http::extract::session_cookie;
use crate::http::people::session_cookie_header;
use crate::state::AppState;

/// Request metadata for pages without a session.
#[derive(Debug)]
pub struct Anon {
    meta: tresor_service::RequestMeta,
    tls: bool,
    cookie: Option<Zeroizing<String>>,
}

impl FromRequestParts<AppState> for Anon {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, Response> {
        let (meta, tls) = meta_of(parts);
        let cookie = session_cookie(&parts.headers).map(|c| Zeroizing::new(c.to_owned()));
        Ok(Anon { meta, tls, cookie })
    }
}

fn setup_form(flash: Option<&Flash>, name: &str) -> Markup {
    bare(
        "Create the first administrator",
        flash,
        html! {
            p { "This account becomes platform administrator and administrator of the "
                code { "default" } " tenant. This page disappears once it exists." }
            form method="post" action="/ui/setup" {
                label for="name" { "User name" }
                input id="name" name="name" type="text" value=(name) required autocomplete="username" autofocus;
                label for="password" { "Password" }
                input id="password" name="password" type="password" required autocomplete="new-password" minlength="12";
                p.hint { "At least 12 characters; not a common password." }
                label for="password2" { "Repeat the password" }
                input id="password2" name="password2" type="password" required autocomplete="new-password";
                div.actions { button type="submit" { "Create administrator" } }
            }
        },
    )
}

pub async fn setup_page(State(s): State<AppState>) -> Response {
    match s.kms.setup_needed().await {
        Ok(true) => html(setup_form(None, "")).into_response(),
        _ => Redirect::to("/ui/login").into_response(),
    }
}

#[derive(Debug, Deserialize)]
pub struct SetupForm {
    name: String,
    password: Zeroizing<String>,
    password2: Zeroizing<String>,
}

pub async fn setup(State(s): State<AppState>, a: Anon, Form(f): Form<SetupForm>) -> Response {
    if f.password != f.password2 {
        let flash = Flash::Error("The passwords differ.".into());
        return (
            StatusCode::BAD_REQUEST,
            html(setup_form(Some(&flash), &f.name)),
        )
            .into_response();
    }
    match s.kms.setup_first_admin(&f.name, &f.password, a.meta).await {
        Ok(r) => signed_in(&s, r, a.tls),
        Err(e) => {
            let flash = Flash::Error(error_text(&e));
            let status = crate::http::error::status_of(e.kind());
            (status, html(setup_form(Some(&flash), &f.name))).into_response()
        }
    }
}

/// Sets the cookie and sends the browser where the session's state says.
fn signed_in(s: &AppState, r: LoginResult, tls: bool) -> Response {
    let max_age = s.kms.config().people.session_absolute_secs;
    let cookie = session_cookie_header(Some(&r.token), max_age, tls);
    let to = match r.session.state {
        SessionState::Active => "/ui/",
        SessionState::NeedsMfa | SessionState::NeedsEnrolment => "/ui/mfa",
    };
    ([(header::SET_COOKIE, cookie)], Redirect::to(to)).into_response()
}

fn login_form(s: &AppState, flash: Option<&Flash>, name: &str) -> Markup {
    let providers: Vec<(String, String)> = s
        .oidc
        .providers()
        .iter()
        .map(|p| {
            (
                p.cfg.name.clone(),
                p.cfg
                    .display_name
                    .clone()
                    .unwrap_or_else(|| p.cfg.name.clone()),
            )
        })
        .collect();
    bare(
        "Sign in",
        flash,
        html! {
            @for (id, label) in &providers {
                p { a.button.secondary href=(format!("/ui/oidc/{id}/start")) data-testid=(format!("oidc-{id}")) { "Sign in with " (label) } }
            }
            @if !providers.is_empty() { p.hint { "or with a local account:" } }
            form method="post" action="/ui/login" {
                label for="name" { "User name" }
                input id="name" name="name" type="text" value=(name) required autocomplete="username" autofocus;
                label for="password" { "Password" }
                input id="password" name="password" type="password" required autocomplete="current-password";
                div.actions { button type="submit" { "Sign in" } }
            }
        },
    )
}

pub async fn login_page(State(s): State<AppState>) -> Response {
    // With an identity provider, people can sign in before any local
    // account exists; the set-up page stays reachable.
    if s.oidc.providers().is_empty() && matches!(s.kms.setup_needed().await, Ok(true)) {
        return Redirect::to("/ui/setup").into_response();
    }
    html(login_form(&s, None, "")).into_response()
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    name: String,
    password: Zeroizing<String>,
}

/// The sign-in page with an error, e.g. after a refused OIDC sign-in.
pub async fn login_failed(s: &AppState, status: StatusCode, msg: &str) -> Response {
    (
        status,
        html(login_form(s, Some(&Flash::Error(msg.to_owned())), "")),
    )
        .into_response()
}

pub async fn login(State(s): State<AppState>, a: Anon, Form(f): Form<LoginForm>) -> Response {
    match s.kms.login(&f.name, &f.password, None, a.meta).await {
        Ok(r) => signed_in(&s, r, a.tls),
        Err(e) => {
            let msg = match e {
                tresor_service::ServiceError::Unauthenticated => {
                    "Wrong user name or password.".to_owned()
                }
                e => error_text(&e),
            };
            (
                StatusCode::UNAUTHORIZED,
                html(login_form(&s, Some(&Flash::Error(msg)), &f.name)),
            )
                .into_response()
        }
    }
}

fn mfa_form(csrf: &str, flash: Option<&Flash>) -> Markup {
    bare(
        "Two-factor authentication",
        flash,
        html! {
            p { "Enter the 6-digit code from your authenticator app, or one of your recovery codes." }
            form method="post" action="/ui/mfa" {
                input type="hidden" name="csrf" value=(csrf);
                label for="code" { "Code" }
                input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus;
                div.actions { button type="submit" { "Verify" } }
            }
            (logout_form(csrf))
        },
    )
}

/// Enrolment as the second step of a sign-in (two-factor is mandatory).
fn enrol_required(csrf: &str, flash: Option<&Flash>) -> Markup {
    bare(
        "Set up two-factor authentication",
        flash,
        html! {
            p { "Two-factor authentication is mandatory here. Add Tresor to an authenticator app to continue." }
            form method="post" action="/ui/mfa/enrol" {
                input type="hidden" name="csrf" value=(csrf);
                div.actions { button type="submit" { "Start" } }
            }
            (logout_form(csrf))
        },
    )
}

fn logout_form(csrf: &str) -> Markup {
    html! {
        form method="post" action="/ui/logout" {
            input type="hidden" name="csrf" value=(csrf);
            button.secondary type="submit" { "Sign out" }
        }
    }
}

pub async fn mfa_page(State(s): State<AppState>, a: Anon) -> Response {
    let Some(token) = a.cookie else {
        return Redirect::to("/ui/login").into_response();
    };
    match s.kms.session(&token, a.meta).await {
        Ok(v) => match v.state {
            SessionState::Active => Redirect::to("/ui/").into_response(),
            SessionState::NeedsMfa => html(mfa_form(&v.csrf, None)).into_response(),
            SessionState::NeedsEnrolment => html(enrol_required(&v.csrf, None)).into_response(),
        },
        Err(_) => to_login(a.tls),
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    csrf: String,
    #[serde(default)]
    code: String,
}

fn same(a: &str, b: &str) -> bool {
    !b.is_empty() && bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

pub async fn mfa(State(s): State<AppState>, a: Anon, Form(f): Form<CodeForm>) -> Response {
    let Some(token) = a.cookie else {
        return Redirect::to("/ui/login").into_response();
    };
    let Ok(v) = s.kms.session(&token, a.meta.clone()).await else {
        return to_login(a.tls);
    };
    if !same(&f.csrf, &v.csrf) {
        return (StatusCode::FORBIDDEN, "forged form").into_response();
    }
    match s.kms.verify_mfa(&token, &f.code, a.meta).await {
        Ok(_) => Redirect::to("/ui/").into_response(),
        Err(e) => {
            let flash = Flash::Error(error_text(&e));
            (
                crate::http::error::status_of(e.kind()),
                html(mfa_form(&v.csrf, Some(&flash))),
            )
                .into_response()
        }
    }
}

/// Enrolment inside a sign-in that requires it.
pub async fn mfa_enrol(State(s): State<AppState>, a: Anon, Form(f): Form<CodeForm>) -> Response {
    let Some(token) = a.cookie else {
        return Redirect::to("/ui/login").into_response();
    };
    let Ok(v) = s.kms.session(&token, a.meta.clone()).await else {
        return to_login(a.tls);
    };
    if !same(&f.csrf, &v.csrf) {
        return (StatusCode::FORBIDDEN, "forged form").into_response();
    }
    let result = async {
        let caller = s.kms.enrolment_caller(&token, a.meta.clone()).await?;
        if f.code.is_empty() {
            let e = s.kms.enroll_totp(&caller).await?;
            return Ok(bare(
                "Set up two-factor authentication",
                None,
                enrolment_body(&v.csrf, "/ui/mfa/enrol", &e),
            ));
        }
        let codes = s.kms.confirm_totp(&caller, &f.code).await?;
        s.kms.mark_mfa_passed(&token, a.meta.clone()).await?;
        Ok(bare(
            "Two-factor authentication is on",
            None,
            recovery_body(&codes),
        ))
    }
    .await;
    match result {
        Ok(m) => html(m).into_response(),
        Err(e) => {
            let flash = Flash::Error(error_text(&e));
            (
                crate::http::error::status_of(e.kind()),
                html(enrol_required(&v.csrf, Some(&flash))),
            )
                .into_response()
        }
    }
}

/// The QR code, the secret to type in, and the confirmation form.
pub fn enrolment_body(
    csrf: &str,
    action: &str,
    e: &tresor_service::people::TotpEnrolment,
) -> Markup {
    let svg = e
        .qr_svg
        .find("<svg")
        .map_or("", |i| &e.qr_svg[i..])
        .to_owned();
    html! {
        p { "Scan the code with your authenticator app (Google Authenticator, Authy, 1Password …), "
            "or type the secret in. Then enter the 6-digit code it shows." }
        div.qr role="img" aria-label="QR code of the authenticator secret" { (PreEscaped(svg)) }
        p { "Secret: " span.secret data-testid="totp-secret" { (e.secret.as_str()) } }
        form method="post" action=(action) {
            input type="hidden" name="csrf" value=(csrf);
            label for="code" { "Code from the app" }
            input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" required autofocus;
            div.actions { button type="submit" { "Confirm" } }
        }
    }
}

/// Recovery codes, shown once.
pub fn recovery_body(codes: &[String]) -> Markup {
    html! {
        div.flash.ok role="status" { "Two-factor authentication is on." }
        p { "Keep these recovery codes somewhere safe. Each works once if you lose your phone. "
            strong { "They are shown only now." } }
        ul data-testid="recovery-codes" { @for c in codes { li { code { (c) } } } }
        p { a.button href="/ui/" { "Continue" } }
    }
}

pub async fn logout(State(s): State<AppState>, a: Anon, Form(f): Form<CodeForm>) -> Response {
    if let Some(token) = &a.cookie
        && let Ok(v) = s.kms.session(token, a.meta.clone()).await
    {
        if !same(&f.csrf, &v.csrf) {
            return (StatusCode::FORBIDDEN, "forged form").into_response();
        }
        if let Err(e) = s.kms.logout(token, a.meta).await {
            tracing::warn!(code = e.code(), "sign-out failed");
        }
    }
    to_login(a.tls)
}

#[derive(Debug, Deserialize)]
pub struct TenantForm {
    csrf: String,
    tenant: String,
}

pub async fn switch_tenant(
    State(s): State<AppState>,
    p: Signed,
    Form(f): Form<TenantForm>,
) -> Response {
    if let Some(r) = check_csrf(&p.ctx, &f.csrf) {
        return r;
    }
    match s
        .kms
        .switch_session_tenant(&p.token, &f.tenant, p.meta)
        .await
    {
        Ok(_) => Redirect::to("/ui/").into_response(),
        Err(e) => failed(&p.ctx, &e),
    }
}
