//! The audit log: newest first, filtered by principal, action, object and
//! outcome, paged by sequence; and "verify chain".

use axum::Form;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use maud::html;
use serde::Deserialize;
use tresor_core::{Action, AuditFilter, Outcome};

use super::forms::CsrfForm;
use super::layout::{Flash, badge, csrf, page, urlencode, when};
use super::session::{Signed, check_csrf, failed, html};
use crate::state::AppState;

const PAGE: u32 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    principal: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    object: String,
    #[serde(default)]
    outcome: String,
    #[serde(default)]
    before: Option<u64>,
}

fn some(s: &str) -> Option<String> {
    Some(s.trim().to_owned()).filter(|v| !v.is_empty())
}

async fn render(s: &AppState, p: &Signed, q: &AuditQuery, flash: Option<Flash>) -> Response {
    let ctx = &p.ctx;
    let outcome = match q.outcome.as_str() {
        "success" => Some(Outcome::Success),
        "denied" => Some(Outcome::Denied),
        "failed" => Some(Outcome::Failed),
        _ => None,
    };
    let filter = AuditFilter {
        principal: some(&q.principal),
        action: some(&q.action),
        object: some(&q.object),
        outcome,
        before_seq: q.before,
        limit: PAGE,
        ..Default::default()
    };
    let records = match s.kms.list_audit(&ctx.caller, filter).await {
        Ok(r) => r,
        Err(e) => return failed(ctx, &e),
    };
    let next = (records.len() == PAGE as usize)
        .then(|| records.last().map(|r| r.seq))
        .flatten();
    let body = html! {
        form.filters method="get" action="/ui/audit" role="search" {
            label { "Principal" br; input type="search" name="principal" value=(q.principal); }
            label { "Action" br; input type="search" name="action" value=(q.action) placeholder="key.rotate"; }
            label { "Object" br; input type="search" name="object" value=(q.object); }
            label { "Outcome" br; select name="outcome" {
                option value="" { "any" }
                @for o in ["success", "denied", "failed"] { option value=(o) selected[q.outcome == o] { (o) } }
            } }
            button.secondary type="submit" { "Filter" }
        }
        @if ctx.may(Action::AuditVerify) {
            form.actions method="post" action="/ui/audit/verify" {
                (csrf(ctx))
                button type="submit" data-testid="verify-chain" { "Verify chain" }
            }
        }
        @if records.is_empty() { div.panel.empty { "No records match." } }
        @else {
            div.table-wrap { table data-testid="audit-table" {
                thead { tr { th { "#" } th { "Time" } th { "Who" } th { "Action" } th { "Object" } th { "Outcome" } th.opt { "Source" } } }
                tbody { @for r in &records { tr {
                    td { (r.seq) }
                    td { (when(r.event.time)) }
                    td.mono { (r.event.principal) }
                    td { code { (r.event.action) } }
                    td.mono { (r.event.object.as_deref().unwrap_or("")) }
                    td { (badge(r.event.outcome.as_str())) @if let Some(c) = &r.event.error_code { " " code { (c) } } }
                    td.opt { (r.event.source.as_deref().unwrap_or("")) }
                } } }
            } }
            @if let Some(n) = next {
                div.pager { a.button.secondary href=(format!("/ui/audit?principal={}&action={}&object={}&outcome={}&before={n}",
                    urlencode(&q.principal), urlencode(&q.action), urlencode(&q.object), urlencode(&q.outcome))) { "Older" } }
            }
        }
    };
    html(page(ctx, "/ui/audit", "Audit log", flash.as_ref(), body)).into_response()
}

pub async fn list(State(s): State<AppState>, p: Signed, Query(q): Query<AuditQuery>) -> Response {
    render(&s, &p, &q, None).await
}

pub async fn verify(State(s): State<AppState>, p: Signed, Form(f): Form<CsrfForm>) -> Response {
    if let Some(r) = check_csrf(&p.ctx, &f.csrf) {
        return r;
    }
    let flash = match s.kms.verify_audit(&p.ctx.caller).await {
        Ok(r) if r.ok() => Flash::Ok(format!(
            "The chain verifies: {} records, {} signed checkpoints.",
            r.verified, r.checkpoints
        )),
        Ok(r) => Flash::Error(format!(
            "The chain is broken after {} records: {:?}",
            r.verified, r.error
        )),
        Err(e) => return failed(&p.ctx, &e),
    };
    render(&s, &p, &AuditQuery::default(), Some(flash)).await
}
