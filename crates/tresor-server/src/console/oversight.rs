//! Oversight pages: alerts (list and acknowledge), TLS discovery scans
//! (start one, see the findings) and the known-answer self-tests (run them
//! on demand).

use std::sync::Arc;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use tresor_core::Action;
use tresor_core::discovery::ScanSpec;
use tresor_service::discovery::endpoint_findings;

use super::forms::{CsrfForm, Done};
use super::layout::{Flash, badge, csrf, error_text, page, urlencode, when};
use super::session::{Signed, check_csrf, failed, html};
use crate::discovery_probe::TlsProber;
use crate::state::AppState;

pub async fn alerts(State(s): State<AppState>, p: Signed, Query(q): Query<Done>) -> Response {
    let ctx = &p.ctx;
    let list = match s.kms.list_alerts(&ctx.caller, false, 200).await {
        Ok(a) => a,
        Err(e) => return failed(ctx, &e),
    };
    let body = html! {
        @if list.is_empty() { div.panel.empty { "No alerts. Thresholds are in the " code { "[alerts]" } " configuration." } }
        @else {
            div.table-wrap { table data-testid="alert-table" {
                thead { tr { th { "Rule" } th { "Subject" } th { "Severity" } th { "State" } th.opt { "Opened" } th { "" } } }
                tbody { @for a in &list { tr {
                    td { code { (a.rule) } br; span.hint { (a.message) } }
                    td.mono { (a.subject) }
                    td { (badge(a.severity.as_str())) }
                    td { (badge(a.state.as_str())) @if let Some(by) = &a.acknowledged_by { br; span.hint { "acknowledged by " (by) } } }
                    td.opt { (when(a.opened_at)) }
                    td { @if a.acknowledged_by.is_none() && a.cleared_at.is_none() && ctx.may(Action::AlertAck) {
                        form.inline method="post" action=(format!("/ui/alerts/{}/ack", a.id)) { (csrf(ctx)) button.secondary type="submit" { "Acknowledge" } }
                    } }
                } } }
            } }
        }
    };
    html(page(ctx, "/ui/alerts", "Alerts", q.flash().as_ref(), body)).into_response()
}

pub async fn ack(
    State(s): State<AppState>,
    p: Signed,
    Path(id): Path<String>,
    Form(f): Form<CsrfForm>,
) -> Response {
    if let Some(r) = check_csrf(&p.ctx, &f.csrf) {
        return r;
    }
    match s.kms.ack_alert(&p.ctx.caller, &id).await {
        Ok(_) => Redirect::to("/ui/alerts?done=Acknowledged.").into_response(),
        Err(e) => failed(&p.ctx, &e),
    }
}

pub async fn discovery(State(s): State<AppState>, p: Signed, Query(q): Query<Done>) -> Response {
    let ctx = &p.ctx;
    let scans = match s.kms.list_discovery(&ctx.caller, 20).await {
        Ok(v) => v,
        Err(e) => return failed(ctx, &e),
    };
    let now = s.kms.now();
    let body = html! {
        @if ctx.may(Action::DiscoveryScan) {
            form.panel method="post" action="/ui/discovery" {
                (csrf(ctx))
                label for="targets" { "Targets" }
                input id="targets" name="targets" type="text" required placeholder="db.internal:5432, 10.0.0.0/28";
                p.hint { "host:port, host, or a CIDR range; comma-separated. Scans run from this server's network, at a bounded rate." }
                label for="ports" { "Ports for targets without one" }
                input id="ports" name="ports" type="text" value="443";
                div.actions { button type="submit" { "Scan now" } }
            }
        }
        @if scans.is_empty() { div.panel.empty { "No scans yet." } }
        @for sc in &scans {
            div.panel {
                h2 { "Scan " (when(sc.created_at)) " " (badge(sc.status.as_str())) }
                p.hint { (sc.spec.targets.join(", ")) " · " (sc.endpoints_total) " endpoints · by " (sc.created_by) }
                @if !sc.results.is_empty() {
                    div.table-wrap { table {
                        thead { tr { th { "Endpoint" } th { "Certificate" } th { "Expires" } th { "Findings" } } }
                        tbody { @for r in &sc.results { tr {
                            td.mono { (r.host) ":" (r.port) }
                            td { @if let Some(c) = r.chain.first() { (c.subject) br; span.hint { (c.key_type) " " (c.key_bits) } } @else { (r.error.as_deref().unwrap_or("no TLS")) } }
                            td { @if let Some(c) = r.chain.first() { (when(c.not_after)) } }
                            td { @for f in endpoint_findings(r, now) { (badge(f)) " " } }
                        } } }
                    } }
                }
            }
        }
    };
    html(page(
        ctx,
        "/ui/discovery",
        "Discovery",
        q.flash().as_ref(),
        body,
    ))
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct ScanForm {
    csrf: String,
    targets: String,
    #[serde(default)]
    ports: String,
}

pub async fn scan(State(s): State<AppState>, p: Signed, Form(f): Form<ScanForm>) -> Response {
    if let Some(r) = check_csrf(&p.ctx, &f.csrf) {
        return r;
    }
    let split = |t: &str| -> Vec<String> {
        t.split([',', ' '])
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(str::to_owned)
            .collect()
    };
    let ports: Result<Vec<u16>, _> = split(&f.ports).iter().map(|x| x.parse::<u16>()).collect();
    let Ok(ports) = ports else {
        return Redirect::to("/ui/discovery?error=Ports%20are%20numbers%20from%201%20to%2065535.")
            .into_response();
    };
    let spec = ScanSpec {
        targets: split(&f.targets),
        ports,
        concurrency: 0,
        rate_per_second: 0,
        timeout_ms: 0,
        repeat_minutes: None,
    };
    match s.kms.start_discovery(&p.ctx.caller, spec).await {
        Ok(plan) => {
            let kms = s.kms.clone();
            tokio::spawn(async move {
                if let Err(e) = kms.run_discovery(plan, Arc::new(TlsProber)).await {
                    tracing::error!(error = %e, "discovery scan could not be stored");
                }
            });
            Redirect::to("/ui/discovery?done=Scan%20started%3B%20reload%20to%20see%20results.")
                .into_response()
        }
        Err(e) if e.kind() == tresor_service::ErrorKind::Forbidden => failed(&p.ctx, &e),
        Err(e) => Redirect::to(&format!(
            "/ui/discovery?error={}",
            urlencode(&error_text(&e))
        ))
        .into_response(),
    }
}

pub async fn self_test_page(p: Signed) -> Response {
    let ctx = &p.ctx;
    let body = html! {
        p { "Known-answer tests for every algorithm and a round trip through each provider. They also run at start-up: a failure there stops the server from serving crypto." }
        form method="post" action="/ui/self-test" { (csrf(ctx)) button type="submit" data-testid="run-self-test" { "Run the self-tests now" } }
    };
    html(page(ctx, "/ui/self-test", "Self-tests", None, body)).into_response()
}

pub async fn run_self_test(
    State(s): State<AppState>,
    p: Signed,
    Form(f): Form<CsrfForm>,
) -> Response {
    let ctx = &p.ctx;
    if let Some(r) = check_csrf(ctx, &f.csrf) {
        return r;
    }
    let report = match s.kms.self_test(&ctx.caller).await {
        Ok(r) => r,
        Err(e) => return failed(ctx, &e),
    };
    s.metrics.record_self_tests(&report.results);
    let flash = if report.ok {
        Flash::Ok(format!("All {} self-tests passed.", report.results.len()))
    } else {
        Flash::Error("A self-test failed: see below.".into())
    };
    let body = html! {
        div.table-wrap { table data-testid="self-test-table" {
            thead { tr { th { "Test" } th { "Result" } } }
            tbody { @for r in &report.results { tr {
                td { code { (r.name) } }
                td { @if r.ok { (badge("success")) } @else { (badge("failed")) " " (r.error.as_deref().unwrap_or("")) } }
            } } }
        } }
        @if !report.unavailable.is_empty() { p.hint { "Providers not reachable: " (report.unavailable.join(", ")) } }
        form method="post" action="/ui/self-test" { (csrf(ctx)) div.actions { button type="submit" { "Run again" } } }
    };
    html(page(ctx, "/ui/self-test", "Self-tests", Some(&flash), body)).into_response()
}
