//! People and machines whose identity an OIDC provider vouches for. The
//! server's OIDC adapter validates the ID token or JWT (signature against
//! the provider's JWKS, issuer, audience, expiry, nonce) and maps groups to
//! roles; here the service records the account, opens the session or builds
//! the caller, and audits it — the same as for local users.

use std::collections::BTreeMap;

use tresor_core::{Action, Caller, Change, ObjectKind, ObjectRecord, Role, TenantId};

use super::USER_PRINCIPAL;
use super::doc::{UserDoc, micros, platform, with_body};
use super::login::LoginResult;
use crate::api_keys::RequestMeta;
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::secrets::to_body;

/// What a validated token says about its subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FederatedIdentity {
    /// The configured provider's name.
    pub provider: String,
    /// `sub`.
    pub subject: String,
    /// The user name claim (e.g. `preferred_username`), for display and the
    /// account name.
    pub username: String,
    pub display_name: Option<String>,
    /// Tenant → role, from the provider's group mapping.
    pub roles: BTreeMap<String, Role>,
    pub platform_admin: bool,
}

/// The account name of a federated person: `<provider>:<username>`, which
/// no local account can have (local names have no `:`).
pub fn federated_name(provider: &str, username: &str) -> String {
    let clean: String = username
        .to_lowercase()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "._-@".contains(*c))
        .take(64)
        .collect();
    format!("{provider}:{clean}")
}

impl Kms {
    /// Signs in a person the provider vouched for: creates or updates the
    /// account (roles replaced by the provider's mapping) and opens a
    /// session. Audited as `user.login` with the provider.
    pub async fn login_federated(
        &self,
        id: FederatedIdentity,
        meta: RequestMeta,
    ) -> Result<LoginResult> {
        let name = federated_name(&id.provider, &id.username);
        let caller = Caller {
            principal: format!("{USER_PRINCIPAL}{name}"),
            tenant: platform(),
            role: Role::Readonly,
            platform_admin: false,
            request_id: meta.request_id.clone(),
            source: meta.source.clone(),
            auth_time: None,
        };
        let (mut op, allowed) = self.begin(&caller, Action::UserLogin);
        op.object(&name);
        op.detail("provider", id.provider.clone());
        op.detail("subject", id.subject.clone());
        let result = async {
            allowed?;
            if id.username.is_empty() || name.len() <= id.provider.len() + 1 {
                return Err(ServiceError::invalid(
                    "username",
                    "the provider sent no usable user name",
                ));
            }
            if id.roles.is_empty() && !id.platform_admin {
                op.detail("reason", "no_role");
                return Err(ServiceError::Forbidden {
                    action: "user.login (no tenant role from the provider's groups)",
                });
            }
            let now = self.now();
            let (mut changes, doc) = match self.find_user(&name).await? {
                Some((o, mut d)) => {
                    if d.federated.as_deref() != Some(id.provider.as_str()) {
                        return Err(ServiceError::Unauthenticated);
                    }
                    if d.disabled {
                        op.detail("reason", "disabled");
                        return Err(ServiceError::Unauthenticated);
                    }
                    d.roles = id.roles.clone();
                    d.platform_admin = id.platform_admin;
                    d.display_name = id.display_name.clone().or(d.display_name);
                    let change = Change::UpdateObject {
                        object: with_body(&o, &d, now)?,
                        expected_revision: o.revision,
                    };
                    (vec![change], d)
                }
                None => {
                    let d = UserDoc {
                        display_name: id.display_name.clone(),
                        password_hash: "!federated".to_owned(),
                        platform_admin: id.platform_admin,
                        roles: id.roles.clone(),
                        disabled: false,
                        failed_logins: 0,
                        locked_until: None,
                        totp: None,
                        recovery_codes: Vec::new(),
                        password_changed_at: micros(now),
                        federated: Some(id.provider.clone()),
                    };
                    let record = ObjectRecord {
                        tenant: platform(),
                        kind: ObjectKind::User,
                        id: name.clone(),
                        parent: None,
                        name: None,
                        subtype: Some("federated".to_owned()),
                        body: to_body(&d)?,
                        created_by: caller.principal.clone(),
                        created_at: now,
                        updated_at: now,
                        revision: 0,
                    };
                    (vec![Change::CreateObject(record)], d)
                }
            };
            let (token, session, s) = self.new_session(&name, &doc, false, &meta)?;
            changes.push(Change::CreateObject(session.clone()));
            self.commit(&mut op, changes).await?;
            Ok(LoginResult {
                token,
                session: self.session_view(&session, &s, &doc),
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// The caller for a machine's JWT from a trusted issuer, acting in
    /// `tenant` (default: its only or first mapped tenant). Refusals are
    /// audited like other failed authentications.
    pub async fn federated_caller(
        &self,
        id: &FederatedIdentity,
        tenant: Option<&str>,
        meta: RequestMeta,
    ) -> Result<Caller> {
        let principal = format!("jwt:{}:{}", id.provider, id.subject);
        let chosen = tenant
            .map(str::to_owned)
            .or_else(|| id.roles.keys().next().cloned())
            .unwrap_or_else(|| platform().to_string());
        let role = if id.platform_admin {
            Some(Role::Admin)
        } else {
            id.roles.get(&chosen).copied()
        };
        let t =
            TenantId::parse(&chosen).map_err(|e| ServiceError::invalid("tenant", e.to_string()))?;
        let exists = self.store().get_tenant(&t).await?.is_some();
        let Some(role) = role.filter(|_| exists) else {
            self.audit_auth_failure(&principal, Some(&chosen), &meta, "tenant_forbidden")
                .await;
            return Err(ServiceError::TenantForbidden { tenant: chosen });
        };
        Ok(Caller {
            principal,
            tenant: t,
            role,
            platform_admin: id.platform_admin,
            request_id: meta.request_id,
            source: meta.source,
            auth_time: None,
        })
    }
}

impl Kms {
    /// Records a refused OIDC sign-in (before the service saw an identity:
    /// bad state, invalid token, group not allowed, provider down).
    pub async fn federated_login_failed(&self, provider: &str, reason: &str, meta: &RequestMeta) {
        // Accounts are deployment-wide: recorded in the platform tenant, like
        // local sign-ins.
        let tenant = platform().to_string();
        self.audit_auth_failure(&format!("oidc:{provider}"), Some(&tenant), meta, reason)
            .await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_prefixed_and_cleaned() {
        assert_eq!(federated_name("kc", "Alice Smith!"), "kc:alicesmith");
        assert_eq!(
            federated_name("kc", "bob@example.com"),
            "kc:bob@example.com"
        );
        assert_eq!(federated_name("kc", "::"), "kc:");
    }
}
