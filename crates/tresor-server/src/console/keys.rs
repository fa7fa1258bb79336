//! Keys: a searchable, filterable, paginated list; a guided create form
//! (the algorithm first, then only the operations it supports); the
//! detail page with versions, policy and public key; and lifecycle actions
//! (destroy needs the key's name typed in).

use std::collections::BTreeSet;
use std::str::FromStr;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde::Deserialize;
use tresor_core::{
    Action, Algorithm, Alias, KeyFilter, KeyId, KeyRecord, KeyState, Operation, PageRequest,
    RevocationReason,
};
use tresor_service::types::{KeySpec, PublicKeyFormat, PublicKeyOut};
use tresor_service::{KeyRef, ServiceError};

use super::layout::{Flash, badge, csrf, error_text, page, urlencode, when};
use super::session::{Signed, check_csrf, failed, html};
use crate::state::AppState;

const PAGE: u32 = 25;

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    algorithm: String,
    #[serde(default)]
    after: String,
    #[serde(default)]
    done: String,
}

fn name_of(k: &KeyRecord) -> String {
    k.alias
        .as_ref()
        .map_or_else(|| k.id.to_string(), ToString::to_string)
}

pub async fn list(State(s): State<AppState>, p: Signed, Query(q): Query<ListQuery>) -> Response {
    let ctx = &p.ctx;
    let filter = KeyFilter {
        alias_prefix: Some(q.q.trim().to_owned()).filter(|v| !v.is_empty()),
        algorithm: Algorithm::from_str(&q.algorithm).ok(),
        state: KeyState::parse(&q.state),
        ..Default::default()
    };
    let after = KeyId::parse(&q.after).ok();
    let page_req = PageRequest { after, limit: PAGE };
    let keys = match s.kms.list_keys(&ctx.caller, filter, page_req).await {
        Ok(k) => k,
        Err(e) => return failed(ctx, &e),
    };
    let next = keys.next.map(|n| {
        format!(
            "/ui/keys?q={}&state={}&algorithm={}&after={n}",
            urlencode(&q.q),
            urlencode(&q.state),
            urlencode(&q.algorithm)
        )
    });
    let flash = (!q.done.is_empty()).then(|| Flash::Ok(q.done.clone()));
    let body = html! {
        div.actions {
            @if ctx.may(Action::KeyCreate) {
                a.button href="/ui/keys/new" data-testid="create-key" { "Create key" }
            }
        }
        form.filters method="get" action="/ui/keys" role="search" {
            label { "Name starts with" br; input type="search" name="q" value=(q.q); }
            label { "State" br; select name="state" {
                option value="" { "any" }
                @for st in KeyState::ALL { option value=(st.as_str()) selected[q.state == st.as_str()] { (st.as_str()) } }
            } }
            label { "Algorithm" br; select name="algorithm" {
                option value="" { "any" }
                @for a in Algorithm::ALL { option value=(a.as_str()) selected[q.algorithm == a.as_str()] { (a.as_str()) } }
            } }
            button.secondary type="submit" { "Filter" }
        }
        @if keys.items.is_empty() {
            div.panel.empty { "No keys match. "
                @if ctx.may(Action::KeyCreate) { a href="/ui/keys/new" { "Create the first one." } } }
        } @else {
            div.table-wrap { table data-testid="key-table" {
                thead { tr { th { "Name" } th { "Algorithm" } th { "State" } th.opt { "Version" } th.opt { "Provider" } th.opt { "Created" } } }
                tbody { @for k in &keys.items { tr {
                    td { a href=(format!("/ui/keys/{}", k.id)) { (name_of(k)) } }
                    td { code { (k.algorithm.as_str()) } }
                    td { (badge(k.state.as_str())) }
                    td.opt { (k.primary_version) }
                    td.opt { code { (k.provider) } }
                    td.opt { (when(k.created_at)) }
                } } }
            } }
        }
        @if let Some(n) = next { div.pager { a.button.secondary href=(n) { "Next page" } } }
    };
    html(page(ctx, "/ui/keys", "Keys", flash.as_ref(), body)).into_response()
}

#[derive(Debug, Default, Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    algorithm: String,
}

fn new_form(ctx: &super::layout::Ctx, alg: Option<Algorithm>, flash: Option<&Flash>) -> Markup {
    let body = html! {
        @match alg {
            None => {
                form.panel method="get" action="/ui/keys/new" {
                    label for="algorithm" { "Algorithm" }
                    select id="algorithm" name="algorithm" required {
                        @for a in Algorithm::ALL { option value=(a.as_str()) selected[a == Algorithm::Aes256Gcm] { (a.as_str()) } }
                    }
                    p.hint { "Next you choose what the key may do; only operations this algorithm supports are offered." }
                    div.actions { button type="submit" { "Next" } }
                }
            }
            Some(a) => {
                form.panel method="post" action="/ui/keys/new" {
                    (csrf(ctx))
                    input type="hidden" name="algorithm" value=(a.as_str());
                    p { "Algorithm: " code { (a.as_str()) } " · " a href="/ui/keys/new" { "change" } }
                    label for="alias" { "Name (alias, optional)" }
                    input id="alias" name="alias" type="text" pattern="[A-Za-z0-9/_.\\-]{1,250}";
                    p.hint { "Letters, digits, '/', '_', '.', '-'. Unique in the tenant." }
                    label for="description" { "Description" }
                    input id="description" name="description" type="text" maxlength="1024";
                    fieldset {
                        legend { "Allowed operations" }
                        @let defaults = a.default_operations();
                        @for op in a.supported_operations() {
                            label { input type="checkbox" name="op" value=(op.as_str()) checked[defaults.contains(&op)]; " " (op.as_str()) }
                        }
                    }
                    label { input type="checkbox" name="exportable" value="true"; " Exportable (material may leave Tresor, wrapped)" }
                    label for="rotation_days" { "Rotate automatically every (days, optional)" }
                    input id="rotation_days" name="rotation_days" type="number" min="1" max="3650";
                    div.actions { button type="submit" { "Create key" } }
                }
            }
        }
    };
    page(ctx, "/ui/keys", "Create a key", flash, body)
}

pub async fn new_page(p: Signed, Query(q): Query<NewQuery>) -> Response {
    let alg = Algorithm::from_str(&q.algorithm).ok();
    html(new_form(&p.ctx, alg, None)).into_response()
}

pub async fn create(
    State(s): State<AppState>,
    p: Signed,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    if let Some(r) = check_csrf(&p.ctx, &get("csrf")) {
        return r;
    }
    let alg = Algorithm::from_str(&get("algorithm")).ok();
    let result = async {
        let alg = alg.ok_or_else(|| ServiceError::invalid("algorithm", "choose an algorithm"))?;
        let mut spec = KeySpec::new(alg);
        let alias = get("alias");
        if !alias.is_empty() {
            spec.alias = Some(
                Alias::parse(&alias).map_err(|e| ServiceError::invalid("alias", e.to_string()))?,
            );
        }
        spec.description = get("description");
        let ops: BTreeSet<Operation> = f
            .iter()
            .filter(|(n, _)| n == "op")
            .map(|(_, v)| {
                Operation::from_str(v).map_err(|_| {
                    ServiceError::invalid("operations", format!("unknown operation {v}"))
                })
            })
            .collect::<Result<_, _>>()?;
        if ops.is_empty() {
            return Err(ServiceError::invalid(
                "operations",
                "choose at least one operation",
            ));
        }
        spec.operations = Some(ops);
        spec.exportable = get("exportable") == "true";
        let days = get("rotation_days");
        if !days.is_empty() {
            let d: i64 = days
                .parse()
                .map_err(|_| ServiceError::invalid("rotation_days", "a whole number of days"))?;
            spec.rotation_period_secs = Some(d.saturating_mul(86_400));
        }
        s.kms.create_key(&p.ctx.caller, spec).await
    }
    .await;
    match result {
        Ok(k) => Redirect::to(&format!("/ui/keys/{}?done=created", k.key.id)).into_response(),
        Err(e) => {
            let status = crate::http::error::status_of(e.kind());
            let flash = Flash::Error(error_text(&e));
            (status, html(new_form(&p.ctx, alg, Some(&flash)))).into_response()
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct DetailQuery {
    #[serde(default)]
    done: String,
}

fn key_ref(id: &str) -> Result<KeyRef, ServiceError> {
    KeyRef::from_str(id)
}

pub async fn detail(
    State(s): State<AppState>,
    p: Signed,
    Path(id): Path<String>,
    Query(q): Query<DetailQuery>,
) -> Response {
    let ctx = &p.ctx;
    let d = match async { s.kms.get_key(&ctx.caller, &key_ref(&id)?).await }.await {
        Ok(d) => d,
        Err(e) => return failed(ctx, &e),
    };
    let k = &d.key;
    let policy = s
        .kms
        .get_key_policy(&ctx.caller, &KeyRef::Id(k.id))
        .await
        .ok();
    let used = s.kms.key_usage(&ctx.caller, &KeyRef::Id(k.id)).await.ok();
    let flash = match q.done.as_str() {
        "" => None,
        "created" => Some(Flash::Ok("Key created.".into())),
        other => Some(Flash::Ok(other.to_owned())),
    };
    let act = |action: &str| format!("/ui/keys/{}/{action}", k.id);
    let guarded = k.tags.get("tresor:policy");
    let body = html! {
        div.panel {
            dl.props {
                dt { "Id" } dd.mono data-testid="key-id" { (k.id) }
                dt { "Name" } dd { (k.alias.as_ref().map_or("—".to_owned(), ToString::to_string)) }
                dt { "Algorithm" } dd { code { (k.algorithm.as_str()) } }
                dt { "State" } dd data-testid="key-state" { (badge(k.state.as_str())) }
                dt { "Primary version" } dd data-testid="primary-version" { (k.primary_version) }
                dt { "Operations" } dd { @for o in &k.operations { code { (o.as_str()) } " " } }
                dt { "Provider" } dd { code { (k.provider) } }
                dt { "Exportable" } dd { (if k.exportable { "yes" } else { "no" }) }
                dt { "Rotation" } dd { @match k.rotation_period_secs { Some(p) => { "every " (p / 86_400) " days" @if let Some(n) = k.next_rotation_at { ", next " (when(n)) } }, None => "manual" } }
                @if let Some(t) = k.destroy_at { dt { "Destroy scheduled" } dd { (when(t)) } }
                dt { "Dual control" } dd { @match guarded { Some(g) => { "guarded: " (g) }, None => "none" } }
                dt { "Description" } dd { (k.description) }
                dt { "Created" } dd { (when(k.created_at)) }
            }
            @if k.algorithm.is_asymmetric() && ctx.may(Action::KeyPublic) {
                p { a href=(act("public.pem")) download { "Download public key (PEM)" } }
            }
        }
        @if let Some(p) = &policy {
            h2 { "Dual control and usage" }
            div.panel data-testid="key-policy" {
                @let rules = [("use", &p.use_), ("manage", &p.manage), ("destroy", &p.destroy), ("policy", &p.policy)];
                @if rules.iter().all(|(_, r)| r.is_none()) { p { "No approvals needed: anyone with the role may act alone." } }
                dl.props {
                    @for (class, rule) in rules {
                        @if let Some(r) = rule {
                            dt { (class) }
                            dd { @for (i, alt) in r.any_of.iter().enumerate() {
                                @if i > 0 { " or " }
                                @for (j, g) in alt.all_of.iter().enumerate() {
                                    @if j > 0 { " and " }
                                    (g.required) " of " code { (g.approvers.join(", ")) }
                                    @if g.timelock_secs > 0 { ", after " (g.timelock_secs) " s" }
                                    @if g.require_signature { ", signed" }
                                }
                            } }
                        }
                    }
                    @if let Some(max) = p.limits.max_operations {
                        dt { "Operations" } dd data-testid="key-usage" { (used.unwrap_or(0)) " of " (max) " used" }
                    } @else if let Some(u) = used.filter(|u| *u > 0) {
                        dt { "Operations" } dd { (u) " counted" }
                    }
                    @if let Some(ops) = &p.limits.operations {
                        dt { "Allowed by the policy" } dd { @for o in ops { code { (o.as_str()) } " " } }
                    }
                    @if let Some(nets) = &p.limits.networks {
                        dt { "From networks" } dd { (nets.join(", ")) }
                    }
                    @if let Some(t) = &p.limits.not_before { dt { "Not before" } dd { (t) } }
                    @if let Some(t) = &p.limits.not_after { dt { "Not after" } dd { (t) } }
                }
            }
        }
        h2 { "Versions" }
        div.table-wrap { table {
            thead { tr { th { "Version" } th { "State" } th { "Created" } } }
            tbody { @for v in &d.versions { tr {
                td { (v.version) @if v.version == k.primary_version { " (primary)" } }
                td { (badge(v.state.as_str())) }
                td { (when(v.created_at)) }
            } } }
        } }
        @if ctx.may(Action::KeyRotate) {
            h2 { "Actions" }
            div.actions {
                form.inline method="post" action=(act("rotate")) { (csrf(ctx)) button type="submit" data-testid="rotate" { "Rotate" } }
                @if k.state == KeyState::Active {
                    form.inline method="post" action=(act("disable")) { (csrf(ctx)) button.secondary type="submit" { "Disable" } }
                }
                @if matches!(k.state, KeyState::Suspended | KeyState::PreActive) {
                    form.inline method="post" action=(act("enable")) { (csrf(ctx)) button.secondary type="submit" { "Enable" } }
                }
                @if k.destroy_at.is_some() {
                    form.inline method="post" action=(act("cancel-destroy")) { (csrf(ctx)) button.secondary type="submit" { "Cancel destroy" } }
                }
            }
            details {
                summary { "Revoke" }
                form method="post" action=(act("revoke")) {
                    (csrf(ctx))
                    label for="reason" { "Reason" }
                    select id="reason" name="reason" {
                        option value="superseded" { "superseded" }
                        option value="cessation-of-operation" { "cessation of operation" }
                        option value="key-compromise" { "key compromise (marks it compromised)" }
                        option value="unspecified" { "unspecified" }
                    }
                    div.actions { button.danger type="submit" { "Revoke" } }
                }
            }
            @if k.destroy_at.is_none() && !matches!(k.state, KeyState::Destroyed | KeyState::DestroyedCompromised) {
                details {
                    summary { "Schedule destruction" }
                    form method="post" action=(act("schedule-destroy")) {
                        (csrf(ctx))
                        p.hint { "The material is erased after the pending window; until then it can be cancelled. "
                            "Type the key's name to confirm." }
                        label for="confirm" { "Type " code { (name_of(k)) } }
                        input id="confirm" name="confirm" type="text" required autocomplete="off";
                        label for="days" { "Pending window (days, 7–30)" }
                        input id="days" name="days" type="number" min="7" max="30" value="30";
                        div.actions { button.danger type="submit" { "Schedule destroy" } }
                    }
                }
            }
        }
    };
    let title = format!("Key {}", name_of(k));
    html(page(ctx, "/ui/keys", &title, flash.as_ref(), body)).into_response()
}

pub async fn public_pem(State(s): State<AppState>, p: Signed, Path(id): Path<String>) -> Response {
    let r = async {
        s.kms
            .public_key(&p.ctx.caller, &key_ref(&id)?, None, PublicKeyFormat::Pem)
            .await
    }
    .await;
    match r {
        Ok(PublicKeyOut::Pem(pem)) => (
            [
                (header::CONTENT_TYPE, "application/x-pem-file".to_owned()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}.pem\"", urlencode(&id)),
                ),
            ],
            pem,
        )
            .into_response(),
        Ok(_) => failed(&p.ctx, &ServiceError::Internal("public key format")),
        Err(e) => failed(&p.ctx, &e),
    }
}

pub async fn act(
    State(s): State<AppState>,
    p: Signed,
    Path((id, action)): Path<(String, String)>,
    Form(f): Form<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        f.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_owned())
            .unwrap_or_default()
    };
    let ctx = &p.ctx;
    if let Some(r) = check_csrf(ctx, &get("csrf")) {
        return r;
    }
    let c = &ctx.caller;
    let result: Result<&str, ServiceError> = async {
        let key = key_ref(&id)?;
        match action.as_str() {
            "rotate" => s
                .kms
                .rotate_key(c, &key, None)
                .await
                .map(|_| "Rotated: a new primary version."),
            "enable" => s.kms.enable_key(c, &key).await.map(|_| "Enabled."),
            "disable" => s.kms.disable_key(c, &key).await.map(|_| "Disabled."),
            "cancel-destroy" => s
                .kms
                .cancel_destroy(c, &key)
                .await
                .map(|_| "Destruction cancelled."),
            "revoke" => {
                let reason: RevocationReason = serde_json::from_value(serde_json::Value::String(
                    get("reason"),
                ))
                .map_err(|_| ServiceError::invalid("reason", "unknown revocation reason"))?;
                s.kms
                    .revoke_key(c, &key, reason, None)
                    .await
                    .map(|_| "Revoked.")
            }
            "schedule-destroy" => {
                let k = s.kms.get_key(c, &key).await?;
                if get("confirm") != name_of(&k.key) {
                    return Err(ServiceError::invalid(
                        "confirm",
                        "type the key's name exactly to confirm",
                    ));
                }
                let days = get("days").parse::<u32>().ok();
                s.kms
                    .schedule_destroy(c, &key, days)
                    .await
                    .map(|_| "Destruction scheduled.")
            }
            _ => Err(ServiceError::NotFound { what: "action" }),
        }
    }
    .await;
    match result {
        Ok(msg) => Redirect::to(&format!("/ui/keys/{id}?done={}", urlencode(msg))).into_response(),
        Err(ServiceError::ApprovalPending { request, .. }) => Redirect::to(&format!(
            "/ui/keys/{id}?done={}",
            urlencode(&format!(
                "Approval required: request {request} is waiting for approvers."
            ))
        ))
        .into_response(),
        Err(e) => failed(ctx, &e),
    }
}
