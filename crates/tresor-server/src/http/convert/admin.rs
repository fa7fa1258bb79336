//! Tenant, API key, certificate principal and audit conversions.

use tresor_api as api;
use tresor_core::{ApiKeyRecord, AuditRecord, CertPrincipal, Role, TenantRecord};
use tresor_service::types::NewApiKey;
use tresor_service::{ChainReport, ServiceError};

use super::{opt_ts, parse_timestamp, ts};

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Parses a role name.
pub fn parse_role(s: &str) -> Result<Role, ServiceError> {
    Role::parse(s).ok_or_else(|| ServiceError::invalid("role", "expected admin, user or readonly"))
}

/// A tenant on the wire.
pub fn tenant_response(t: TenantRecord) -> api::TenantResponse {
    api::TenantResponse {
        id: t.id.to_string(),
        display_name: t.display_name,
        created_at: ts(t.created_at),
    }
}

/// `POST /v1/api-keys` body → new API key.
pub fn new_api_key(r: api::CreateApiKeyRequest) -> Result<NewApiKey, ServiceError> {
    Ok(NewApiKey {
        role: parse_role(&r.role)?,
        expires_at: r
            .expires_at
            .as_deref()
            .map(|s| parse_timestamp("expires_at", s))
            .transpose()?,
        name: r.name,
        platform_admin: r.platform_admin.unwrap_or(false),
    })
}

/// An API key's metadata on the wire (never the token or its hash).
pub fn api_key_response(k: ApiKeyRecord) -> api::ApiKeyResponse {
    api::ApiKeyResponse {
        id: k.id.to_string(),
        tenant: k.tenant.to_string(),
        name: k.name,
        role: k.role.as_str().to_owned(),
        platform_admin: k.platform_admin,
        token_prefix: k.token_prefix,
        created_at: ts(k.created_at),
        created_by: k.created_by,
        expires_at: opt_ts(k.expires_at),
        revoked_at: opt_ts(k.revoked_at),
    }
}

/// A certificate mapping on the wire.
pub fn cert_principal_response(p: CertPrincipal) -> api::CertPrincipalResponse {
    api::CertPrincipalResponse {
        tenant: p.tenant.to_string(),
        subject_cn: p.subject_cn,
        role: p.role.as_str().to_owned(),
        created_at: ts(p.created_at),
        created_by: p.created_by,
    }
}

/// An audit record on the wire.
pub fn audit_record_response(r: AuditRecord) -> api::AuditRecordResponse {
    let e = r.event;
    api::AuditRecordResponse {
        seq: r.seq,
        time: ts(e.time),
        tenant: e.tenant,
        principal: e.principal,
        action: e.action,
        object: e.object,
        outcome: e.outcome.as_str().to_owned(),
        error_code: e.error_code,
        request_id: e.request_id,
        source: e.source,
        detail: e.detail,
        prev_hash: hex(&r.prev_hash),
        hash: hex(&r.hash),
    }
}

/// A chain verification report on the wire.
pub fn audit_verify_response(r: ChainReport) -> api::AuditVerifyResponse {
    api::AuditVerifyResponse {
        ok: r.ok(),
        verified: r.verified,
        head: r.head,
        checkpoints: Some(r.checkpoints),
        first_bad_seq: r.error.as_ref().map(|e| e.seq()),
        error: r.error.map(|e| e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_requests() {
        let ok = api::CreateApiKeyRequest {
            name: "ci".into(),
            role: "user".into(),
            platform_admin: None,
            expires_at: Some("2030-01-01T00:00:00Z".into()),
        };
        let n = new_api_key(ok.clone()).ok();
        assert_eq!(n.as_ref().map(|n| n.role), Some(Role::User));
        assert!(n.is_some_and(|n| n.expires_at.is_some() && !n.platform_admin));
        let bad_role = api::CreateApiKeyRequest {
            role: "root".into(),
            ..ok.clone()
        };
        assert!(new_api_key(bad_role).is_err());
        let bad_time = api::CreateApiKeyRequest {
            expires_at: Some("tomorrow".into()),
            ..ok
        };
        assert!(new_api_key(bad_time).is_err());
    }
}
