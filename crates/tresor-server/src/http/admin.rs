//! Administration routes: tenants, API keys, certificate principals and the
//! audit log. Who may do what is decided by the service.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use tresor_api as api;
use tresor_core::{ApiKeyId, AuditFilter, Outcome, TenantId};
use tresor_service::ServiceError;
use utoipa::IntoParams;

use super::convert::{self, parse_timestamp};
use super::error::AppError;
use super::extract::{Auth, Json, Path, Query};
use crate::state::AppState;

type Res<T> = Result<Json<T>, AppError>;
type Created<T> = Result<(StatusCode, Json<T>), AppError>;

/// `{id}` of a tenant or an API key.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct IdPath {
    /// The object's id.
    pub id: String,
}

/// `{subject_cn}` of a certificate principal.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SubjectPath {
    /// The certificate subject CN (URL-encoded).
    pub subject_cn: String,
}

/// `GET /v1/audit` filters and paging (newest first).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Exact principal, e.g. `api-key:0190...`.
    pub principal: Option<String>,
    /// Exact action, e.g. `crypto.encrypt`.
    pub action: Option<String>,
    /// Exact object (key id, API key id...).
    pub object: Option<String>,
    /// `success`, `denied` or `failed`.
    pub outcome: Option<String>,
    /// RFC 3339, inclusive.
    pub since: Option<String>,
    /// RFC 3339.
    pub until: Option<String>,
    /// Page size, 1 to 1000 (default 100).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page (a sequence number).
    pub before: Option<String>,
}

#[utoipa::path(post, path = "/v1/tenants", tag = "admin",
    request_body = api::CreateTenantRequest,
    responses((status = 201, description = "Created", body = api::TenantResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn create_tenant(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::CreateTenantRequest>,
) -> Created<api::TenantResponse> {
    let id = TenantId::parse(&r.id).map_err(|e| ServiceError::invalid("id", e.to_string()))?;
    let t = s
        .kms
        .create_tenant(&c, id, r.display_name.unwrap_or_default())
        .await?;
    Ok((StatusCode::CREATED, Json(convert::tenant_response(t))))
}

#[utoipa::path(get, path = "/v1/tenants", tag = "admin",
    responses((status = 200, description = "All tenants", body = api::TenantListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_tenants(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Res<api::TenantListResponse> {
    let tenants = s.kms.list_tenants(&c).await?;
    Ok(Json(api::TenantListResponse {
        tenants: tenants.into_iter().map(convert::tenant_response).collect(),
    }))
}

#[utoipa::path(get, path = "/v1/tenants/{id}", tag = "admin", params(IdPath),
    responses((status = 200, description = "The tenant", body = api::TenantResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn get_tenant(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(IdPath { id }): Path<IdPath>,
) -> Res<api::TenantResponse> {
    let id = TenantId::parse(&id).map_err(|e| ServiceError::invalid("id", e.to_string()))?;
    Ok(Json(convert::tenant_response(
        s.kms.get_tenant(&c, &id).await?,
    )))
}

#[utoipa::path(post, path = "/v1/api-keys", tag = "admin",
    request_body = api::CreateApiKeyRequest,
    responses((status = 201, description = "Created; the token is shown only here", body = api::CreatedApiKeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn create_api_key(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::CreateApiKeyRequest>,
) -> Created<api::CreatedApiKeyResponse> {
    let created = s.kms.create_api_key(&c, convert::new_api_key(r)?).await?;
    Ok((
        StatusCode::CREATED,
        Json(api::CreatedApiKeyResponse {
            api_key: convert::api_key_response(created.record),
            token: created.token,
        }),
    ))
}

#[utoipa::path(get, path = "/v1/api-keys", tag = "admin",
    responses((status = 200, description = "The tenant's API keys", body = api::ApiKeyListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_api_keys(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Res<api::ApiKeyListResponse> {
    let keys = s.kms.list_api_keys(&c).await?;
    Ok(Json(api::ApiKeyListResponse {
        api_keys: keys.into_iter().map(convert::api_key_response).collect(),
    }))
}

#[utoipa::path(delete, path = "/v1/api-keys/{id}", tag = "admin", params(IdPath),
    responses((status = 200, description = "Revoked", body = api::ApiKeyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn revoke_api_key(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(IdPath { id }): Path<IdPath>,
) -> Res<api::ApiKeyResponse> {
    let id = ApiKeyId::parse(&id).map_err(|_| ServiceError::invalid("id", "not an API key id"))?;
    let k = s.kms.revoke_api_key(&c, &id).await?;
    Ok(Json(convert::api_key_response(k)))
}

#[utoipa::path(post, path = "/v1/cert-principals", tag = "admin",
    request_body = api::CertPrincipalRequest,
    responses((status = 201, description = "Created or replaced", body = api::CertPrincipalResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn put_cert_principal(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::CertPrincipalRequest>,
) -> Created<api::CertPrincipalResponse> {
    let role = convert::parse_role(&r.role)?;
    let p = s.kms.put_cert_principal(&c, r.subject_cn, role).await?;
    Ok((
        StatusCode::CREATED,
        Json(convert::cert_principal_response(p)),
    ))
}

#[utoipa::path(get, path = "/v1/cert-principals", tag = "admin",
    responses((status = 200, description = "The tenant's certificate principals", body = api::CertPrincipalListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_cert_principals(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Res<api::CertPrincipalListResponse> {
    let ps = s.kms.list_cert_principals(&c).await?;
    Ok(Json(api::CertPrincipalListResponse {
        cert_principals: ps
            .into_iter()
            .map(convert::cert_principal_response)
            .collect(),
    }))
}

#[utoipa::path(delete, path = "/v1/cert-principals/{subject_cn}", tag = "admin",
    params(SubjectPath),
    responses((status = 204, description = "Deleted"),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn delete_cert_principal(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(SubjectPath { subject_cn }): Path<SubjectPath>,
) -> Result<StatusCode, AppError> {
    s.kms.delete_cert_principal(&c, &subject_cn).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn audit_filter(q: AuditQuery) -> Result<AuditFilter, ServiceError> {
    let non_empty = |v: Option<String>| v.filter(|s| !s.is_empty());
    Ok(AuditFilter {
        principal: non_empty(q.principal),
        action: non_empty(q.action),
        object: non_empty(q.object),
        outcome: q
            .outcome
            .as_deref()
            .map(|o| {
                Outcome::parse(o).ok_or_else(|| {
                    ServiceError::invalid("outcome", "expected success, denied or failed")
                })
            })
            .transpose()?,
        since: q
            .since
            .as_deref()
            .map(|t| parse_timestamp("since", t))
            .transpose()?,
        until: q
            .until
            .as_deref()
            .map(|t| parse_timestamp("until", t))
            .transpose()?,
        before_seq: q
            .before
            .as_deref()
            .filter(|b| !b.is_empty())
            .map(|b| {
                b.parse::<u64>()
                    .map_err(|_| ServiceError::invalid("before", "expected a sequence number"))
            })
            .transpose()?,
        limit: q.limit.unwrap_or(100).clamp(1, 1000),
        ..AuditFilter::default()
    })
}

#[utoipa::path(get, path = "/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, description = "Audit records, newest first", body = api::AuditListResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn list_audit(
    State(s): State<AppState>,
    Auth(c): Auth,
    Query(q): Query<AuditQuery>,
) -> Res<api::AuditListResponse> {
    let filter = audit_filter(q)?;
    let limit = usize::try_from(filter.limit).unwrap_or(usize::MAX);
    let records = s.kms.list_audit(&c, filter).await?;
    let next_cursor = match records.last() {
        Some(last) if records.len() >= limit => Some(last.seq.to_string()),
        _ => None,
    };
    Ok(Json(api::AuditListResponse {
        records: records
            .into_iter()
            .map(convert::audit_record_response)
            .collect(),
        next_cursor,
    }))
}

#[utoipa::path(post, path = "/v1/audit/verify", tag = "audit",
    responses((status = 200, description = "Result of recomputing the hash chain", body = api::AuditVerifyResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn verify_audit(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Res<api::AuditVerifyResponse> {
    let report = s.kms.verify_audit(&c).await?;
    Ok(Json(convert::audit_verify_response(report)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn audit_filters() {
        let f = audit_filter(AuditQuery {
            outcome: Some("denied".into()),
            since: Some("2026-01-01T00:00:00Z".into()),
            before: Some("42".into()),
            limit: Some(0),
            ..Default::default()
        })
        .unwrap();
        assert_eq!(f.outcome, Some(Outcome::Denied));
        assert_eq!(f.before_seq, Some(42));
        assert_eq!(f.limit, 1);
        assert!(f.since.is_some());
        for bad in [
            AuditQuery {
                outcome: Some("ok".into()),
                ..Default::default()
            },
            AuditQuery {
                until: Some("yesterday".into()),
                ..Default::default()
            },
            AuditQuery {
                before: Some("-1".into()),
                ..Default::default()
            },
        ] {
            assert!(audit_filter(bad).is_err());
        }
    }
}
