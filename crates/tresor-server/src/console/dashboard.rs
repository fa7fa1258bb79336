//! The dashboard: keys by state, algorithm and provider, pending approvals,
//! open alerts, expiring keys and the latest audit records.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use tresor_core::{Action, AuditFilter, KeyFilter, PageRequest};

use super::layout::{badge, page, when};
use super::session::{Signed, html};
use crate::state::AppState;

/// Keys counted for the dashboard (a sample of the tenant beyond this).
const COUNT_LIMIT: u32 = 1000;

pub async fn show(State(s): State<AppState>, p: Signed) -> Response {
    let ctx = &p.ctx;
    let c = &ctx.caller;
    let keys = if ctx.may(Action::KeyList) {
        s.kms
            .list_keys(
                c,
                KeyFilter::default(),
                PageRequest {
                    after: None,
                    limit: COUNT_LIMIT,
                },
            )
            .await
            .map(|p| p.items)
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let mut by_state: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_alg: BTreeMap<&str, usize> = BTreeMap::new();
    let mut by_provider: BTreeMap<String, usize> = BTreeMap::new();
    for k in &keys {
        *by_state.entry(k.state.as_str()).or_default() += 1;
        *by_alg.entry(k.algorithm.as_str()).or_default() += 1;
        *by_provider.entry(k.provider.to_string()).or_default() += 1;
    }
    let now = s.kms.now();
    let soon = now.plus_seconds(30 * 86_400);
    let expiring: Vec<_> = keys
        .iter()
        .filter(|k| {
            k.destroy_at.is_some_and(|t| t <= soon) || k.next_rotation_at.is_some_and(|t| t <= soon)
        })
        .take(10)
        .collect();
    let tasks = s.kms.approval_tasks(c).await.map(|t| t.len()).unwrap_or(0);
    let activity = s.metrics.activity();
    let providers = if ctx.may(Action::ProviderList) {
        s.kms.list_providers(c).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let certs_due = if ctx.may(Action::CertList) {
        s.kms
            .list_certificates(
                c,
                tresor_core::CertificateFilter {
                    expires_before: Some(soon),
                    revoked: Some(false),
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
            .unwrap_or_default()
    } else {
        Vec::new()
    };
    let alerts = s
        .kms
        .list_alerts(c, true, 100)
        .await
        .map(|a| a.len())
        .unwrap_or(0);
    let audit = if ctx.may(Action::AuditList) {
        s.kms
            .list_audit(
                c,
                AuditFilter {
                    limit: 300,
                    ..Default::default()
                },
            )
            .await
            .unwrap_or_default()
            .into_iter()
            // Changes and refusals, not the page views themselves.
            .filter(|r| {
                r.event.outcome != tresor_core::Outcome::Success
                    || !(r.event.action.ends_with(".list") || r.event.action.ends_with(".get"))
            })
            .take(10)
            .collect()
    } else {
        Vec::new()
    };
    let body = html! {
        div.grid {
            div.stat { b data-testid="key-count" { (keys.len()) } span { "keys" } }
            div.stat { b { (by_state.get("active").copied().unwrap_or(0)) } span { "active" } }
            div.stat { b { (tasks) } span { a href="/ui/approvals" { "approvals waiting for you" } } }
            div.stat { b { (alerts) } span { a href="/ui/alerts" { "open alerts" } } }
            div.stat { b data-testid="ops-rate" { (format!("{:.1}", activity.per_second)) } span { "operations/s (node, last " (activity.window_secs.round()) " s)" } }
            div.stat { b { (format!("{:.2}", activity.failed_per_second)) } span { "refused or failed/s · " (activity.failed) " since start" } }
        }
        div.panel {
            h2 { "Providers" }
            @if providers.is_empty() { p.empty { "No provider information." } }
            @for pr in &providers {
                div { code { (pr.id) } " " (pr.kind) " "
                    @if pr.healthy { (badge("healthy")) } @else { (badge("failed")) }
                    @if pr.hardware_backed { " hardware" } @if pr.default { " · default" } }
            }
        }
        div.grid {
            div.panel {
                h2 { "By state" }
                @if by_state.is_empty() { p.empty { "No keys yet." } }
                @for (st, n) in &by_state { div { (badge(st)) " " (n) } }
            }
            div.panel {
                h2 { "By algorithm" }
                @for (a, n) in &by_alg { div { code { (a) } " " (n) } }
            }
            div.panel {
                h2 { "By provider" }
                @for (pr, n) in &by_provider { div { code { (pr) } " " (n) } }
            }
        }
        div.panel {
            h2 { "Due within 30 days (rotation, destruction, certificate expiry)" }
            @if expiring.is_empty() && certs_due.is_empty() { p.empty { "Nothing due." } }
            @if !certs_due.is_empty() {
                ul { @for cert in &certs_due { li { "certificate " (cert.subject) " expires " (when(cert.not_after)) } } }
            }
            @else {
                ul { @for k in &expiring { li { a href=(format!("/ui/keys/{}", k.id)) { (k.alias.as_ref().map_or(k.id.to_string(), |a| a.to_string())) } } } }
            }
        }
        @if !audit.is_empty() {
            div.panel {
                h2 { "Recent activity" }
                div.table-wrap { table {
                    thead { tr { th { "Time" } th { "Who" } th { "Action" } th { "Outcome" } } }
                    tbody { @for r in &audit { tr {
                        td { (when(r.event.time)) }
                        td.mono { (r.event.principal) }
                        td { code { (r.event.action) } }
                        td { (badge(r.event.outcome.as_str())) }
                    } } }
                } }
            }
        }
    };
    html(page(ctx, "/ui/", "Dashboard", None, body)).into_response()
}
