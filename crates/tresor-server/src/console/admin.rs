//! Approvals inbox, API keys (the token shown once), tenants, and the
//! settings in force.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use tresor_core::{Action, ApiKeyId, Role, TenantId};
use tresor_service::types::NewApiKey;

use super::forms::{CsrfForm, Done};
use super::layout::{badge, csrf, error_text, page, tenant_colour, urlencode, when};
use super::session::{Signed, check_csrf, failed, html};
use crate::state::AppState;

pub async fn approvals(State(s): State<AppState>, p: Signed, Query(q): Query<Done>) -> Response {
    let ctx = &p.ctx;
    let tasks = match s.kms.approval_tasks(&ctx.caller).await {
        Ok(t) => t,
        Err(e) => return failed(ctx, &e),
    };
    let body = html! {
        p { "Requests you may approve or deny. You never see payloads, only what is asked." }
        @if tasks.is_empty() { div.panel.empty data-testid="no-tasks" { "Nothing waits for you." } }
        @for t in &tasks {
            div.panel {
                dl.props {
                    dt { "Request" } dd.mono { (t.id) }
                    dt { "Operation" } dd { code { (t.action) } " (" (t.class.as_str()) ")" }
                    dt { "Key" } dd.mono { a href=(format!("/ui/keys/{}", t.key)) { (t.key) } }
                    dt { "Requested by" } dd.mono { (t.requester) }
                    dt { "Parameters" } dd.mono { (t.summary) }
                    dt { "Approvals so far" } dd { (t.approvals.len()) }
                    dt { "Expires" } dd { (when(t.expires_at)) }
                }
                form method="post" action=(format!("/ui/approvals/{}/answer", t.id)) {
                    (csrf(ctx))
                    p.hint { "Confirm it is you: approving needs your password (and authenticator code) within the last "
                        (s.kms.config().people.approver_reauth_secs / 60) " minutes." }
                    div.filters {
                        label { "Password" br; input type="password" name="password" autocomplete="current-password"; }
                        label { "Authenticator code (if enrolled)" br; input type="text" name="code" inputmode="numeric" autocomplete="one-time-code"; }
                    }
                    div.actions {
                        button type="submit" name="answer" value="approve" { "Approve" }
                        button.danger type="submit" name="answer" value="deny" { "Deny" }
                    }
                }
            }
        }
    };
    html(page(
        ctx,
        "/ui/approvals",
        "Approvals",
        q.flash().as_ref(),
        body,
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct AnswerForm {
    csrf: String,
    answer: String,
    #[serde(default)]
    password: zeroize::Zeroizing<String>,
    #[serde(default)]
    code: String,
}

pub async fn answer(
    State(s): State<AppState>,
    p: Signed,
    Path(id): Path<String>,
    Form(f): Form<AnswerForm>,
) -> Response {
    if let Some(r) = check_csrf(&p.ctx, &f.csrf) {
        return r;
    }
    let approve = match f.answer.as_str() {
        "approve" => true,
        "deny" => false,
        _ => return Redirect::to("/ui/approvals").into_response(),
    };
    let result = async {
        let mut caller = p.ctx.caller.clone();
        if !f.password.is_empty() {
            let code = Some(f.code.trim()).filter(|c| !c.is_empty());
            let v = s
                .kms
                .reauthenticate(&p.token, &f.password, code, p.meta.clone())
                .await?;
            caller.auth_time = Some(v.auth_at);
        }
        s.kms.answer_request(&caller, &id, approve, None).await
    }
    .await;
    match result {
        Ok(v) => Redirect::to(&format!(
            "/ui/approvals?done={}",
            urlencode(&format!("Request {} is now {}.", v.id, v.state.as_str()))
        ))
        .into_response(),
        Err(e) => Redirect::to(&format!(
            "/ui/approvals?error={}",
            urlencode(&error_text(&e))
        ))
        .into_response(),
    }
}

pub async fn api_keys(State(s): State<AppState>, p: Signed, Query(q): Query<Done>) -> Response {
    let ctx = &p.ctx;
    let keys = match s.kms.list_api_keys(&ctx.caller).await {
        Ok(k) => k,
        Err(e) => return failed(ctx, &e),
    };
    let body = html! {
        @if keys.is_empty() { div.panel.empty { "No API keys in this tenant." } }
        @else {
            div.table-wrap { table {
                thead { tr { th { "Name" } th { "Role" } th.opt { "Id" } th { "Created" } th { "Status" } th { "" } } }
                tbody { @for k in &keys { tr {
                    td { (k.name) }
                    td { (k.role.as_str()) @if k.platform_admin { ", platform admin" } }
                    td.opt.mono { (k.id) }
                    td { (when(k.created_at)) }
                    td { @if k.revoked_at.is_some() { (badge("revoked")) } @else { (badge("active")) } }
                    td { @if k.revoked_at.is_none() && ctx.may(Action::ApiKeyRevoke) {
                        form.inline method="post" action=(format!("/ui/api-keys/{}/revoke", k.id)) { (csrf(ctx)) button.secondary type="submit" { "Revoke" } }
                    } }
                } } }
            } }
        }
        @if ctx.may(Action::ApiKeyCreate) {
            h2 { "New API key" }
            form.panel method="post" action="/ui/api-keys" {
                (csrf(ctx))
                label for="name" { "Name" }
                input id="name" name="name" type="text" required maxlength="128";
                label for="role" { "Role" }
                select id="role" name="role" {
                    option value="user" { "user" }
                    option value="readonly" { "readonly" }
                    option value="admin" { "admin" }
                }
                div.actions { button type="submit" { "Create API key" } }
            }
        }
    };
    html(page(
        ctx,
        "/ui/api-keys",
        "API keys",
        q.flash().as_ref(),
        body,
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct ApiKeyForm {
    csrf: String,
    name: String,
    role: String,
}

pub async fn create_api_key(
    State(s): State<AppState>,
    p: Signed,
    Form(f): Form<ApiKeyForm>,
) -> Response {
    let ctx = &p.ctx;
    if let Some(r) = check_csrf(ctx, &f.csrf) {
        return r;
    }
    let Some(role) = Role::parse(&f.role) else {
        return Redirect::to("/ui/api-keys?error=Unknown%20role.").into_response();
    };
    let new = NewApiKey {
        name: f.name.trim().to_owned(),
        role,
        platform_admin: false,
        expires_at: None,
    };
    match s.kms.create_api_key(&ctx.caller, new).await {
        Ok(created) => {
            let body = html! {
                div.flash.ok role="status" { "API key " strong { (created.record.name) } " created." }
                p { "Copy the token now: " strong { "it is shown only once" } " and Tresor keeps only its hash." }
                p { span.secret data-testid="api-token" { (created.token) } }
                p { a.button href="/ui/api-keys" { "Done" } }
            };
            html(page(ctx, "/ui/api-keys", "API key created", None, body)).into_response()
        }
        Err(e) => failed(ctx, &e),
    }
}

pub async fn revoke_api_key(
    State(s): State<AppState>,
    p: Signed,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = check_csrf(&p.ctx, &f.csrf) {
        return r;
    }
    let Ok(id) = ApiKeyId::parse(&id) else {
        return Redirect::to("/ui/api-keys?error=Unknown%20API%20key.").into_response();
    };
    match s.kms.revoke_api_key(&p.ctx.caller, &id).await {
        Ok(_) => Redirect::to("/ui/api-keys?done=Revoked.").into_response(),
        Err(e) => failed(&p.ctx, &e),
    }
}

pub async fn tenants(State(s): State<AppState>, p: Signed, Query(q): Query<Done>) -> Response {
    let ctx = &p.ctx;
    let tenants = match s.kms.list_tenants(&ctx.caller).await {
        Ok(t) => t,
        Err(e) => return failed(ctx, &e),
    };
    let body = html! {
        div.table-wrap { table {
            thead { tr { th { "Tenant" } th { "Display name" } th { "Created" } } }
            tbody { @for t in &tenants { tr {
                td { span class=(format!("badge tenant-badge {}", tenant_colour(t.id.as_str()))) { (t.id) } }
                td { (t.display_name) }
                td { (when(t.created_at)) }
            } } }
        } }
        h2 { "New tenant" }
        form.panel method="post" action="/ui/tenants" {
            (csrf(ctx))
            label for="id" { "Id" }
            input id="id" name="id" type="text" required pattern="[a-z0-9][a-z0-9-]{0,62}";
            label for="display_name" { "Display name" }
            input id="display_name" name="display_name" type="text";
            div.actions { button type="submit" { "Create tenant" } }
        }
    };
    html(page(
        ctx,
        "/ui/tenants",
        "Tenants",
        q.flash().as_ref(),
        body,
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct TenantForm {
    csrf: String,
    id: String,
    #[serde(default)]
    display_name: String,
}

pub async fn create_tenant(
    State(s): State<AppState>,
    p: Signed,
    Form(f): Form<TenantForm>,
) -> Response {
    if let Some(r) = check_csrf(&p.ctx, &f.csrf) {
        return r;
    }
    let r = async {
        let id = TenantId::parse(f.id.trim())
            .map_err(|e| tresor_service::ServiceError::invalid("id", e.to_string()))?;
        s.kms
            .create_tenant(&p.ctx.caller, id, f.display_name.trim().to_owned())
            .await
    }
    .await;
    match r {
        Ok(t) => Redirect::to(&format!(
            "/ui/tenants?done={}",
            urlencode(&format!("Tenant {} created.", t.id))
        ))
        .into_response(),
        Err(e) if e.kind() == tresor_service::ErrorKind::Forbidden => failed(&p.ctx, &e),
        Err(e) => Redirect::to(&format!("/ui/tenants?error={}", urlencode(&error_text(&e))))
            .into_response(),
    }
}

pub async fn settings(State(s): State<AppState>, p: Signed) -> Response {
    let ctx = &p.ctx;
    if !ctx.may(Action::UserList) {
        return failed(
            ctx,
            &tresor_service::ServiceError::Forbidden { action: "settings" },
        );
    }
    let c = &s.kms.config().people;
    let body = html! {
        div.panel {
            p { "Sign-in settings come from the server's configuration file (" code { "[people]" }
                ", see docs/configuration.md); they apply to every node." }
            dl.props {
                dt { "Two-factor" } dd { (if c.mfa_required { "mandatory for everyone" } else { "optional" }) }
                dt { "Ask for the code again after" } dd { (c.mfa_reverify_secs / 3600) " hours" }
                dt { "Session idle timeout" } dd { (c.session_idle_secs / 60) " minutes" }
                dt { "Session absolute timeout" } dd { (c.session_absolute_secs / 3600) " hours" }
                dt { "Lockout" } dd { (c.lockout_threshold) " failed sign-ins lock an account for " (c.lockout_secs / 60) " minutes" }
                dt { "Shortest password" } dd { (c.password_min_length) " characters" }
                dt { "Approvers re-enter their password within" } dd { (c.approver_reauth_secs / 60) " minutes" }
            }
        }
        div.panel {
            h2 { "Single sign-on (OIDC)" }
            @if s.oidc.providers().is_empty() { p.empty { "No identity provider is configured ([[people.oidc]])." } }
            @for pr in s.oidc.providers() {
                dl.props {
                    dt { "Provider" } dd { strong { (pr.cfg.display_name.as_deref().unwrap_or(&pr.cfg.name)) } " (" code { (pr.cfg.name) } ")" }
                    dt { "Issuer" } dd.mono { (pr.cfg.issuer) }
                    dt { "Allowed groups" } dd { @if pr.cfg.allowed_groups.is_empty() { "any with a mapped role" } @else { (pr.cfg.allowed_groups.join(", ")) } }
                    dt { "Role mappings" } dd { @for m in &pr.cfg.roles { div { code { (m.group) } " → " (m.role) " in " code { (m.tenant) } } } }
                    dt { "Machine JWTs" } dd { @match &pr.cfg.jwt_audience { Some(a) => { "accepted with audience " code { (a) } }, None => "not accepted" } }
                }
            }
        }
    };
    html(page(ctx, "/ui/settings", "Settings", None, body)).into_response()
}
