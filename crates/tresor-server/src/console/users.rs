//! Users and roles: the accounts with a role in the tenant (all of them for
//! platform admins), creating accounts, setting the role here, disabling
//! and unlocking.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use tresor_core::{Action, Role};
use tresor_service::people::{NewUser, UserUpdate};
use zeroize::Zeroizing;

use super::forms::Done;
use super::layout::{badge, csrf, error_text, page, urlencode};
use super::session::{Signed, check_csrf, failed, html};
use crate::state::AppState;

pub async fn list(State(s): State<AppState>, p: Signed, Query(q): Query<Done>) -> Response {
    let ctx = &p.ctx;
    let users = match s.kms.list_users(&ctx.caller).await {
        Ok(u) => u,
        Err(e) => return failed(ctx, &e),
    };
    let tenant = ctx.caller.tenant.to_string();
    let flash = q.flash();
    let body = html! {
        div.table-wrap { table data-testid="user-table" {
            thead { tr { th { "User" } th { "Role here" } th.opt { "Two-factor" } th { "Status" } th { "" } } }
            tbody { @for u in &users { tr {
                td { strong { (u.name) } @if let Some(d) = &u.display_name { br; span.hint { (d) } } @if u.platform_admin { br; (badge("platform-admin")) } }
                td {
                    form.inline method="post" action=(format!("/ui/users/{}/role", u.name)) {
                        (csrf(ctx))
                        select name="role" aria-label=(format!("Role of {}", u.name)) {
                            option value="" selected[!u.roles.contains_key(&tenant)] { "no access" }
                            @for r in ["readonly", "user", "admin"] {
                                option value=(r) selected[u.roles.get(&tenant).map(|x| x.as_str()) == Some(r)] { (r) }
                            }
                        }
                        " " button.secondary type="submit" { "Set" }
                    }
                }
                td.opt { (if u.totp_enabled { "on" } else { "off" }) }
                td {
                    @if u.disabled { (badge("disabled")) }
                    @else if u.locked_until.is_some_and(|t| t > s.kms.now()) { (badge("locked")) }
                    @else { (badge("active")) }
                }
                td {
                    @if ctx.may(Action::UserUpdate) {
                        form.inline method="post" action=(format!("/ui/users/{}/update", u.name)) {
                            (csrf(ctx))
                            @if u.disabled { input type="hidden" name="op" value="enable"; button.secondary type="submit" { "Enable" } }
                            @else { input type="hidden" name="op" value="disable"; button.secondary type="submit" { "Disable" } }
                        }
                        @if u.locked_until.is_some() {
                            form.inline method="post" action=(format!("/ui/users/{}/update", u.name)) {
                                (csrf(ctx)) input type="hidden" name="op" value="unlock"; " " button.secondary type="submit" { "Unlock" }
                            }
                        }
                    }
                }
            } } }
        } }
        @if ctx.may(Action::UserCreate) {
            h2 { "New user" }
            form.panel method="post" action="/ui/users" {
                (csrf(ctx))
                label for="name" { "User name" }
                input id="name" name="name" type="text" required autocomplete="off";
                label for="display_name" { "Display name" }
                input id="display_name" name="display_name" type="text";
                label for="password" { "Initial password" }
                input id="password" name="password" type="password" required autocomplete="new-password" minlength="12";
                label for="role" { "Role in " code { (tenant) } }
                select id="role" name="role" {
                    option value="readonly" { "readonly" }
                    option value="user" { "user" }
                    option value="admin" { "admin" }
                }
                label { input type="checkbox" name="platform_admin" value="true"; " Platform administrator (all tenants)" }
                div.actions { button type="submit" data-testid="create-user" { "Create user" } }
            }
        }
    };
    html(page(
        ctx,
        "/ui/users",
        "Users and roles",
        flash.as_ref(),
        body,
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct CreateForm {
    csrf: String,
    name: String,
    #[serde(default)]
    display_name: String,
    password: Zeroizing<String>,
    role: String,
    #[serde(default)]
    platform_admin: Option<String>,
}

fn back(done: Result<String, String>) -> Response {
    match done {
        Ok(m) => Redirect::to(&format!("/ui/users?done={}", urlencode(&m))).into_response(),
        Err(m) => Redirect::to(&format!("/ui/users?error={}", urlencode(&m))).into_response(),
    }
}

pub async fn create(State(s): State<AppState>, p: Signed, Form(f): Form<CreateForm>) -> Response {
    if let Some(r) = check_csrf(&p.ctx, &f.csrf) {
        return r;
    }
    let Some(role) = Role::parse(&f.role) else {
        return back(Err("Unknown role.".into()));
    };
    let new = NewUser {
        name: f.name.trim().to_owned(),
        display_name: Some(f.display_name.trim().to_owned()).filter(|d| !d.is_empty()),
        password: f.password,
        platform_admin: f.platform_admin.as_deref() == Some("true"),
        roles: BTreeMap::from([(p.ctx.caller.tenant.to_string(), role)]),
    };
    match s.kms.create_user(&p.ctx.caller, new).await {
        Ok(u) => back(Ok(format!("User {} created.", u.name))),
        Err(e) if e.kind() == tresor_service::ErrorKind::Forbidden => failed(&p.ctx, &e),
        Err(e) => back(Err(error_text(&e))),
    }
}

#[derive(Debug, Deserialize)]
pub struct RoleForm {
    csrf: String,
    role: String,
}

pub async fn set_role(
    State(s): State<AppState>,
    p: Signed,
    Path(name): Path<String>,
    Form(f): Form<RoleForm>,
) -> Response {
    if let Some(r) = check_csrf(&p.ctx, &f.csrf) {
        return r;
    }
    let role = if f.role.is_empty() {
        None
    } else {
        match Role::parse(&f.role) {
            Some(r) => Some(r),
            None => return back(Err("Unknown role.".into())),
        }
    };
    match s.kms.set_user_role(&p.ctx.caller, &name, role).await {
        Ok(_) => back(Ok(format!("Role of {name} set."))),
        Err(e) if e.kind() == tresor_service::ErrorKind::Forbidden => failed(&p.ctx, &e),
        Err(e) => back(Err(error_text(&e))),
    }
}

#[derive(Debug, Deserialize)]
pub struct UpdateForm {
    csrf: String,
    op: String,
}

pub async fn update(
    State(s): State<AppState>,
    p: Signed,
    Path(name): Path<String>,
    Form(f): Form<UpdateForm>,
) -> Response {
    if let Some(r) = check_csrf(&p.ctx, &f.csrf) {
        return r;
    }
    let u = match f.op.as_str() {
        "enable" => UserUpdate {
            disabled: Some(false),
            ..Default::default()
        },
        "disable" => UserUpdate {
            disabled: Some(true),
            ..Default::default()
        },
        "unlock" => UserUpdate {
            unlock: true,
            ..Default::default()
        },
        _ => return back(Err("Unknown change.".into())),
    };
    match s.kms.update_user(&p.ctx.caller, &name, u).await {
        Ok(_) => back(Ok(format!("User {name} updated."))),
        Err(e) if e.kind() == tresor_service::ErrorKind::Forbidden => failed(&p.ctx, &e),
        Err(e) => back(Err(error_text(&e))),
    }
}
