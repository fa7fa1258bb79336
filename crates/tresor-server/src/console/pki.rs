//! Certificates, CAs and stored secrets: read-only lists (metadata only —
//! never a payload) with expiry and revocation at a glance. Issuing and
//! revoking stay in the REST API and CLI.

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use maud::html;
use tresor_core::{Action, CertificateFilter, SecretFilter};

use super::layout::{badge, page, when};
use super::session::{Signed, failed, html};
use crate::state::AppState;

const LIMIT: u32 = 200;

pub async fn certificates(State(s): State<AppState>, p: Signed) -> Response {
    let ctx = &p.ctx;
    let c = &ctx.caller;
    let certs = match s
        .kms
        .list_certificates(
            c,
            CertificateFilter {
                limit: LIMIT,
                ..Default::default()
            },
        )
        .await
    {
        Ok(v) => v,
        Err(e) => return failed(ctx, &e),
    };
    let cas = if ctx.may(Action::CaList) {
        s.kms.list_cas(c).await.unwrap_or_default()
    } else {
        Vec::new()
    };
    let now = s.kms.now();
    let soon = now.plus_seconds(30 * 86_400);
    let body = html! {
        h2 { "Certificate authorities" }
        @if cas.is_empty() { div.panel.empty { "No CA in this tenant. Create one with " code { "tresor ca create" } " or " code { "POST /v1/cas" } "." } }
        @else {
            div.table-wrap { table {
                thead { tr { th { "Name" } th { "Parent" } th { "Key" } th.opt { "CRL updated" } th { "Created" } } }
                tbody { @for ca in &cas { tr {
                    td { strong { (ca.name) } }
                    td { (ca.parent.as_deref().unwrap_or("root")) }
                    td.mono { a href=(format!("/ui/keys/{}", ca.key_id)) { (ca.key_id) } }
                    td.opt { (ca.crl_updated_at.map(when).unwrap_or_default()) }
                    td { (when(ca.created_at)) }
                } } }
            } }
        }
        h2 { "Certificates" }
        @if certs.is_empty() { div.panel.empty { "No certificates yet." } }
        @else {
            div.table-wrap { table data-testid="cert-table" {
                thead { tr { th { "Subject" } th.opt { "Issuer" } th { "Expires" } th { "Status" } th.opt { "Origin" } } }
                tbody { @for cert in &certs { tr {
                    td { (cert.subject) @if !cert.sans.is_empty() { br; span.hint { (cert.sans.join(", ")) } } }
                    td.opt { (cert.issuer) }
                    td { (when(cert.not_after)) }
                    td {
                        @if cert.revoked_at.is_some() { (badge("revoked")) }
                        @else if cert.not_after < now { (badge("expired")) }
                        @else if cert.not_after < soon { (badge("expiring")) }
                        @else { (badge("valid")) }
                        @if cert.is_ca { " " (badge("ca")) }
                    }
                    td.opt { (cert.origin) }
                } } }
            } }
        }
    };
    html(page(ctx, "/ui/certificates", "Certificates", None, body)).into_response()
}

pub async fn secrets(State(s): State<AppState>, p: Signed) -> Response {
    let ctx = &p.ctx;
    let list = match s
        .kms
        .list_secrets(
            &ctx.caller,
            SecretFilter {
                limit: LIMIT,
                ..Default::default()
            },
        )
        .await
    {
        Ok(v) => v,
        Err(e) => return failed(ctx, &e),
    };
    let body = html! {
        p.hint { "Metadata only: payloads are handed out by the API to authorized callers, never shown here." }
        @if list.is_empty() { div.panel.empty { "No stored secrets in this tenant." } }
        @else {
            div.table-wrap { table {
                thead { tr { th { "Name" } th { "Type" } th.opt { "Algorithm" } th { "Expires" } th { "State" } th.opt { "Created by" } } }
                tbody { @for x in &list { tr {
                    td { (x.name.as_deref().unwrap_or("—")) br; span.hint.mono { (x.id) } }
                    td { (x.secret_type) }
                    td.opt { (x.algorithm.as_deref().unwrap_or("")) @if let Some(b) = x.bit_length { " " (b) } }
                    td { (x.expiration.map(when).unwrap_or_else(|| "never".into())) }
                    td { (badge(&x.state)) }
                    td.opt.mono { (x.created_by) }
                } } }
            } }
        }
    };
    html(page(ctx, "/ui/secrets", "Secrets", None, body)).into_response()
}
