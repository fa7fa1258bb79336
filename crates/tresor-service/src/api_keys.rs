//! Machine credentials: API keys (stored as SHA-256 of the token, shown once),
//! certificate-subject mappings for mTLS, and authentication of both.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use tresor_core::{
    Action, ApiKeyId, ApiKeyRecord, AuditEvent, Caller, CertPrincipal, Change, Outcome, RequestId,
    Role, TenantId,
};

use crate::auth_flood::Admit;
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::types::{CreatedApiKey, NewApiKey};

const TOKEN_PREFIX: &str = "tresor_";

/// SHA-256 of a token, as stored.
pub(crate) fn token_hash(token: &str) -> Vec<u8> {
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, token.as_bytes())
        .as_ref()
        .to_vec()
}

fn new_token() -> Result<String> {
    let mut raw = zeroize::Zeroizing::new([0u8; 32]);
    aws_lc_rs::rand::fill(raw.as_mut()).map_err(|_| ServiceError::Internal("rng failure"))?;
    Ok(format!("{TOKEN_PREFIX}{}", B64URL.encode(raw.as_ref())))
}

/// Identifies where a request came from, for audit.
#[derive(Debug, Clone)]
pub struct RequestMeta {
    pub request_id: RequestId,
    pub source: Option<String>,
}

impl Kms {
    /// Creates an API key in the caller's tenant; the token is returned once.
    pub async fn create_api_key(&self, caller: &Caller, new: NewApiKey) -> Result<CreatedApiKey> {
        self.create_api_key_with_token(caller, new, None).await
    }

    pub(crate) async fn create_api_key_with_token(
        &self,
        caller: &Caller,
        new: NewApiKey,
        token: Option<String>,
    ) -> Result<CreatedApiKey> {
        let (mut op, allowed) = self.begin(caller, Action::ApiKeyCreate);
        let result = async {
            allowed?;
            if new.name.is_empty() || new.name.len() > 128 || new.name.chars().any(char::is_control)
            {
                return Err(ServiceError::invalid(
                    "name",
                    "1 to 128 printable characters",
                ));
            }
            if new.platform_admin && !caller.platform_admin {
                return Err(ServiceError::Forbidden {
                    action: "api_key.create (platform-admin)",
                });
            }
            if new.expires_at.is_some_and(|t| t <= self.now()) {
                return Err(ServiceError::invalid("expires_at", "must be in the future"));
            }
            let token = match token {
                Some(t) => {
                    if t.len() < 32 || t.len() > 256 || !t.chars().all(|c| c.is_ascii_graphic()) {
                        return Err(ServiceError::invalid(
                            "token",
                            "a supplied token must be 32-256 printable ASCII characters",
                        ));
                    }
                    t
                }
                None => new_token()?,
            };
            let record = ApiKeyRecord {
                id: ApiKeyId::generate(),
                tenant: caller.tenant.clone(),
                name: new.name,
                role: new.role,
                platform_admin: new.platform_admin,
                token_hash: token_hash(&token),
                token_prefix: token.chars().take(12).collect(),
                created_at: self.now(),
                created_by: caller.principal.clone(),
                expires_at: new.expires_at,
                revoked_at: None,
            };
            op.object(record.id);
            op.detail("role", record.role.as_str());
            self.commit(&mut op, vec![Change::CreateApiKey(record.clone())])
                .await?;
            Ok(CreatedApiKey { record, token })
        }
        .await;
        self.finish(op, result).await
    }

    /// The tenant's API keys (never their tokens).
    pub async fn list_api_keys(&self, caller: &Caller) -> Result<Vec<ApiKeyRecord>> {
        let (op, allowed) = self.begin(caller, Action::ApiKeyList);
        let result = async {
            allowed?;
            Ok(self.store().list_api_keys(&caller.tenant).await?)
        }
        .await;
        self.finish(op, result).await
    }

    /// Revokes an API key of the tenant.
    pub async fn revoke_api_key(&self, caller: &Caller, id: &ApiKeyId) -> Result<ApiKeyRecord> {
        let (mut op, allowed) = self.begin(caller, Action::ApiKeyRevoke);
        op.object(id);
        let result = async {
            allowed?;
            let mut k = self
                .store()
                .get_api_key(&caller.tenant, id)
                .await?
                .ok_or(ServiceError::NotFound { what: "api key" })?;
            if k.revoked_at.is_some() {
                return Err(ServiceError::AlreadyRevoked);
            }
            let at = self.now();
            self.commit(
                &mut op,
                vec![Change::RevokeApiKey {
                    tenant: caller.tenant.clone(),
                    id: *id,
                    at,
                }],
            )
            .await?;
            k.revoked_at = Some(at);
            Ok(k)
        }
        .await;
        self.finish(op, result).await
    }

    /// Authenticates a bearer token and selects the tenant (`requested`, or
    /// the credential's own). Failures are audited.
    pub async fn authenticate_token(
        &self,
        token: &str,
        requested: Option<&str>,
        meta: RequestMeta,
    ) -> Result<Caller> {
        let found = if token.is_empty() || token.len() > 512 {
            None
        } else {
            self.store().get_api_key_by_hash(&token_hash(token)).await?
        };
        let now = self.now();
        let key = match found {
            Some(k) if k.revoked_at.is_none() && k.expires_at.is_none_or(|t| t > now) => k,
            _ => {
                self.audit_auth_failure("api-key", None, &meta, "unauthenticated")
                    .await;
                return Err(ServiceError::Unauthenticated);
            }
        };
        let principal = format!("api-key:{}", key.id);
        self.select_tenant(
            principal,
            key.tenant,
            key.role,
            key.platform_admin,
            requested,
            meta,
        )
        .await
    }

    /// Authenticates a verified TLS client certificate by its subject CN.
    pub async fn authenticate_certificate(
        &self,
        subject_cn: &str,
        requested: Option<&str>,
        meta: RequestMeta,
    ) -> Result<Caller> {
        let mut mappings = self.store().find_cert_principals(subject_cn).await?;
        if let Some(t) = requested {
            mappings.retain(|m| m.tenant.as_str() == t);
        }
        let principal = format!("cert:{subject_cn}");
        match mappings.as_slice() {
            [m] => {
                let (tenant, role) = (m.tenant.clone(), m.role);
                self.select_tenant(principal, tenant, role, false, None, meta)
                    .await
            }
            _ => {
                self.audit_auth_failure(&principal, requested, &meta, "unauthenticated")
                    .await;
                Err(ServiceError::Unauthenticated)
            }
        }
    }

    async fn select_tenant(
        &self,
        principal: String,
        own: TenantId,
        role: Role,
        platform_admin: bool,
        requested: Option<&str>,
        meta: RequestMeta,
    ) -> Result<Caller> {
        let mut caller = Caller {
            auth_time: None,
            principal,
            tenant: own,
            role,
            platform_admin,
            request_id: meta.request_id.clone(),
            source: meta.source.clone(),
        };
        let Some(req) = requested.filter(|r| *r != caller.tenant.as_str()) else {
            return Ok(caller);
        };
        let tenant =
            TenantId::parse(req).map_err(|e| ServiceError::invalid("tenant", e.to_string()))?;
        if platform_admin && self.store().get_tenant(&tenant).await?.is_some() {
            caller.tenant = tenant;
            caller.role = Role::Admin;
            return Ok(caller);
        }
        self.audit_auth_failure(&caller.principal, Some(req), &meta, "tenant_forbidden")
            .await;
        Err(ServiceError::TenantForbidden {
            tenant: tenant.to_string(),
        })
    }

    /// Records a failed authentication (at most a bounded number per
    /// source and minute, see [`crate::auth_flood`]).
    pub(crate) async fn audit_auth_failure(
        &self,
        principal: &str,
        tenant: Option<&str>,
        meta: &RequestMeta,
        code: &str,
    ) {
        self.observe(
            Action::AuthFailed,
            Outcome::Denied,
            std::time::Duration::ZERO,
        );
        let now = self.now();
        let source = meta.source.as_deref().unwrap_or("-");
        let detail = match self.auth_flood().admit(source, now) {
            Admit::Suppress => return,
            Admit::Record(None) => None,
            Admit::Record(Some((n, since))) => Some(
                serde_json::json!({
                    "suppressed_before": n,
                    "suppressed_since": since.to_rfc3339(),
                })
                .to_string(),
            ),
        };
        let event = AuditEvent {
            time: now,
            tenant: tenant.unwrap_or("").to_owned(),
            principal: principal.to_owned(),
            action: Action::AuthFailed.as_str().to_owned(),
            object: None,
            outcome: Outcome::Denied,
            error_code: Some(code.to_owned()),
            request_id: meta.request_id.to_string(),
            source: meta.source.clone(),
            detail,
        };
        if self.audit_writer().append(event).await.is_err() {
            tracing::error!("audit record for an authentication failure could not be written");
        }
    }

    /// Maps a client-certificate subject CN to a role in the caller's tenant.
    pub async fn put_cert_principal(
        &self,
        caller: &Caller,
        subject_cn: String,
        role: Role,
    ) -> Result<CertPrincipal> {
        let (mut op, allowed) = self.begin(caller, Action::CertPrincipalCreate);
        op.object(&subject_cn);
        let result = async {
            allowed?;
            if subject_cn.is_empty()
                || subject_cn.len() > 256
                || subject_cn.chars().any(char::is_control)
            {
                return Err(ServiceError::invalid(
                    "subject_cn",
                    "1 to 256 printable characters",
                ));
            }
            let p = CertPrincipal {
                tenant: caller.tenant.clone(),
                subject_cn,
                role,
                created_at: self.now(),
                created_by: caller.principal.clone(),
            };
            self.commit(&mut op, vec![Change::UpsertCertPrincipal(p.clone())])
                .await?;
            Ok(p)
        }
        .await;
        self.finish(op, result).await
    }

    /// The tenant's certificate mappings.
    pub async fn list_cert_principals(&self, caller: &Caller) -> Result<Vec<CertPrincipal>> {
        let (op, allowed) = self.begin(caller, Action::CertPrincipalList);
        let result = async {
            allowed?;
            Ok(self.store().list_cert_principals(&caller.tenant).await?)
        }
        .await;
        self.finish(op, result).await
    }

    /// Removes a certificate mapping.
    pub async fn delete_cert_principal(&self, caller: &Caller, subject_cn: &str) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::CertPrincipalDelete);
        op.object(subject_cn);
        let result = async {
            allowed?;
            let exists = self
                .store()
                .list_cert_principals(&caller.tenant)
                .await?
                .iter()
                .any(|p| p.subject_cn == subject_cn);
            if !exists {
                return Err(ServiceError::NotFound {
                    what: "certificate principal",
                });
            }
            self.commit(
                &mut op,
                vec![Change::DeleteCertPrincipal {
                    tenant: caller.tenant.clone(),
                    subject_cn: subject_cn.to_owned(),
                }],
            )
            .await
        }
        .await;
        self.finish(op, result).await
    }
}
