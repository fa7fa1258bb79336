//! Report routes: the tenant's cryptographic inventory (JSON, CSV or a
//! CycloneDX 1.6 CBOM), the compliance report and post-quantum readiness.
//! The service builds, authorizes and audits each report.

use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tresor_api as api;
use tresor_service::reports::compliance::{ComplianceReport, Thresholds};
use tresor_service::reports::inventory::{Inventory, InventoryItem};
use tresor_service::reports::pqc::PqcReadiness;
use tresor_service::reports::{cbom, csv};
use utoipa::IntoParams;

use super::convert::ts;
use super::error::AppError;
use super::extract::{Auth, Json, Query};
use crate::state::AppState;

/// `GET /v1/inventory` output format.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct InventoryQuery {
    /// `json` (default), `csv` or `cyclonedx` (CycloneDX 1.6 CBOM).
    pub format: Option<String>,
}

/// `GET /v1/compliance/report` thresholds.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ComplianceQuery {
    /// Days since the last rotation after which a key is past its maximum
    /// age (default 365).
    pub max_key_age_days: Option<i64>,
    /// Age in days after which an exportable key is flagged (default 90).
    pub exportable_max_age_days: Option<i64>,
    /// Flag every key outside a hardware-backed provider (default false).
    pub require_hardware: Option<bool>,
}

/// Media type of the CycloneDX JSON form.
pub const CYCLONEDX_CONTENT_TYPE: &str = "application/vnd.cyclonedx+json; version=1.6";

fn item(i: InventoryItem) -> api::InventoryItem {
    api::InventoryItem {
        kind: i.kind.as_str().to_owned(),
        id: i.id,
        name: i.name,
        algorithm: i.algorithm.as_str().to_owned(),
        size_bits: i.size_bits,
        provider: i.provider,
        provider_kind: i.provider_kind.to_owned(),
        hardware_backed: i.hardware_backed,
        state: i.state.as_str().to_owned(),
        origin: i.origin.to_owned(),
        created_at: ts(i.created_at),
        last_rotated_at: ts(i.last_rotated_at),
        age_days: i.age_days,
        primary_version: i.primary_version,
        rotation_period_days: i.rotation_period_days,
        operations: i.operations.iter().map(|o| o.as_str().to_owned()).collect(),
        exportable: i.exportable,
        quantum_vulnerable: i.quantum_vulnerable,
        tags: i.tags,
    }
}

fn inventory_response(inv: Inventory) -> api::InventoryResponse {
    api::InventoryResponse {
        tenant: inv.tenant,
        generated_at: ts(inv.generated_at),
        items: inv.items.into_iter().map(item).collect(),
        endpoints: inv
            .endpoints
            .into_iter()
            .map(|e| api::InventoryEndpoint {
                host: e.result.host,
                port: e.result.port,
                tls_versions: e.result.tls_versions,
                cipher_suite: e.result.cipher_suite,
                certificate: e
                    .result
                    .chain
                    .into_iter()
                    .next()
                    .map(super::discovery::cert),
                findings: e.findings.iter().map(|f| (*f).to_owned()).collect(),
                quantum_vulnerable: e.quantum_vulnerable,
            })
            .collect(),
        certificates: inv
            .certificates
            .into_iter()
            .map(|c| api::InventoryCertificate {
                id: c.stored.id,
                origin: c.stored.origin,
                ca: c.stored.ca,
                key_id: c.stored.key_id,
                trust_anchor: c.stored.trust_anchor,
                certificate: super::discovery::cert(c.stored.info),
                findings: c.findings.iter().map(|f| (*f).to_owned()).collect(),
                quantum_vulnerable: c.quantum_vulnerable,
            })
            .collect(),
        truncated: inv.truncated,
    }
}

#[utoipa::path(get, path = "/v1/inventory", tag = "reports", params(InventoryQuery),
    responses((status = 200, description = "The tenant's cryptographic inventory: JSON, CSV (`text/csv`) or a CycloneDX 1.6 CBOM (`application/vnd.cyclonedx+json`)", body = api::InventoryResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn inventory(
    State(s): State<AppState>,
    Auth(c): Auth,
    Query(q): Query<InventoryQuery>,
) -> Result<Response, AppError> {
    let format = q.format.as_deref().unwrap_or("json");
    if !matches!(format, "json" | "csv" | "cyclonedx") {
        return Err(AppError::invalid_argument(
            "format",
            "must be json, csv or cyclonedx",
        ));
    }
    let inv = s.kms.inventory(&c).await?;
    Ok(match format {
        "csv" => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            csv::render(&inv),
        )
            .into_response(),
        "cyclonedx" => {
            let serial = uuid::Uuid::new_v4().to_string();
            let doc = cbom::render(&inv, &serial, env!("CARGO_PKG_VERSION"));
            (
                [(header::CONTENT_TYPE, CYCLONEDX_CONTENT_TYPE)],
                doc.to_string(),
            )
                .into_response()
        }
        _ => Json(inventory_response(inv)).into_response(),
    })
}

fn compliance_response(r: ComplianceReport) -> api::ComplianceReportResponse {
    api::ComplianceReportResponse {
        tenant: r.tenant,
        generated_at: ts(r.generated_at),
        thresholds: api::ComplianceThresholds {
            max_key_age_days: r.thresholds.max_key_age_days,
            exportable_max_age_days: r.thresholds.exportable_max_age_days,
            require_hardware: r.thresholds.require_hardware,
        },
        keys_checked: r.keys_checked,
        keys_compliant: r.keys_compliant,
        score: r.score,
        findings: r
            .findings
            .into_iter()
            .map(|f| api::ComplianceFinding {
                rule: f.rule.id().to_owned(),
                severity: f.severity.as_str().to_owned(),
                key_id: f.key_id,
                key_name: f.key_name,
                algorithm: f.algorithm.as_str().to_owned(),
                message: f.message,
            })
            .collect(),
        recommendations: r
            .recommendations
            .into_iter()
            .map(|x| api::ComplianceRecommendation {
                rule: x.rule.id().to_owned(),
                severity: x.severity.as_str().to_owned(),
                keys: x.keys,
                action: x.action.to_owned(),
            })
            .collect(),
        truncated: r.truncated,
    }
}

#[utoipa::path(get, path = "/v1/compliance/report", tag = "reports", params(ComplianceQuery),
    responses((status = 200, description = "Policy findings, a 0-100 score and recommended actions", body = api::ComplianceReportResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn compliance_report(
    State(s): State<AppState>,
    Auth(c): Auth,
    Query(q): Query<ComplianceQuery>,
) -> Result<Json<api::ComplianceReportResponse>, AppError> {
    let d = Thresholds::default();
    let t = Thresholds {
        max_key_age_days: q.max_key_age_days.unwrap_or(d.max_key_age_days),
        exportable_max_age_days: q
            .exportable_max_age_days
            .unwrap_or(d.exportable_max_age_days),
        require_hardware: q.require_hardware.unwrap_or(d.require_hardware),
    };
    let r = s.kms.compliance_report(&c, t).await?;
    Ok(Json(compliance_response(r)))
}

fn pqc_response(r: PqcReadiness) -> api::PqcReadinessResponse {
    api::PqcReadinessResponse {
        tenant: r.tenant,
        generated_at: ts(r.generated_at),
        keys_total: r.keys_total,
        quantum_safe: r.quantum_safe,
        weakened: r.weakened,
        vulnerable: r.vulnerable,
        readiness_percent: r.readiness_percent,
        keys: r
            .keys
            .into_iter()
            .map(|k| api::PqcKeyAssessment {
                key_id: k.key_id,
                key_name: k.key_name,
                algorithm: k.algorithm.as_str().to_owned(),
                status: k.status.as_str().to_owned(),
                uses: k.uses.iter().map(|u| (*u).to_owned()).collect(),
            })
            .collect(),
        migration_plan: r
            .migration_plan
            .into_iter()
            .map(|m| api::PqcMigrationStep {
                key_id: m.key_id,
                key_name: m.key_name,
                algorithm: m.algorithm.as_str().to_owned(),
                priority: m.priority.as_str().to_owned(),
                reason: m.reason,
                replacements: m
                    .replacements
                    .iter()
                    .map(|a| a.as_str().to_owned())
                    .collect(),
                replacement_available: m.replacement_available,
                action: m.action,
            })
            .collect(),
        certificates_total: r.certificates_total,
        vulnerable_certificates: r.vulnerable_certificates,
        truncated: r.truncated,
    }
}

#[utoipa::path(get, path = "/v1/pqc/readiness", tag = "reports",
    responses((status = 200, description = "Quantum exposure per key, readiness percentage and a migration plan", body = api::PqcReadinessResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn pqc_readiness(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Result<Json<api::PqcReadinessResponse>, AppError> {
    let r = s.kms.pqc_readiness(&c).await?;
    Ok(Json(pqc_response(r)))
}
