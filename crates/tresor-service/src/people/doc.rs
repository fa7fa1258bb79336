//! The stored documents of users and sessions, and their loading.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tresor_core::{ObjectKind, ObjectRecord, Role, TenantId};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::secrets::{from_body, to_body};

/// Where accounts and sessions live.
pub(crate) fn platform() -> TenantId {
    TenantId::default_tenant()
}

/// A user account.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct UserDoc {
    #[serde(default)]
    pub display_name: Option<String>,
    /// argon2id PHC string.
    pub password_hash: String,
    #[serde(default)]
    pub platform_admin: bool,
    /// Tenant id → role.
    #[serde(default)]
    pub roles: BTreeMap<String, Role>,
    #[serde(default)]
    pub disabled: bool,
    #[serde(default)]
    pub failed_logins: u32,
    /// Unix micros.
    #[serde(default)]
    pub locked_until: Option<i64>,
    #[serde(default)]
    pub totp: Option<TotpDoc>,
    /// SHA-256 (hex) of each unused recovery code.
    #[serde(default)]
    pub recovery_codes: Vec<String>,
    /// Unix micros.
    pub password_changed_at: i64,
    /// Set for accounts that sign in through an OIDC provider (its name):
    /// no password; roles come from the provider's claims at each sign-in.
    #[serde(default)]
    pub federated: Option<String>,
}

/// A TOTP secret, sealed by the platform tenant's secrets key.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct TotpDoc {
    pub secret_id: tresor_core::SecretId,
    pub wrapping_key: tresor_core::KeyId,
    /// Base64.
    pub wrapped_key: String,
    /// Base64.
    pub payload: String,
    /// Set once a code was entered after enrolment.
    pub confirmed: bool,
    /// The last accepted time step (codes are single use).
    #[serde(default)]
    pub last_step: u64,
}

/// A session.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct SessionDoc {
    pub user: String,
    /// The tenant the session acts in.
    pub tenant: String,
    /// Per-session CSRF token (sent by the console in forms and headers).
    pub csrf: String,
    /// Unix micros.
    pub created_at: i64,
    pub last_seen: i64,
    /// When the password was last verified in this session.
    pub auth_at: i64,
    /// When the second factor was last verified (none: not yet).
    #[serde(default)]
    pub mfa_at: Option<i64>,
    /// The account has TOTP and this session has not passed it yet.
    #[serde(default)]
    pub mfa_pending: bool,
    #[serde(default)]
    pub source: Option<String>,
}

impl Kms {
    /// A user's record and document, or `NotFound`.
    pub(crate) async fn load_user(&self, name: &str) -> Result<(ObjectRecord, UserDoc)> {
        let o = self
            .load_object(&platform(), ObjectKind::User, name, "user")
            .await?;
        Ok((o.clone(), from_body(&o)?))
    }

    pub(crate) async fn find_user(&self, name: &str) -> Result<Option<(ObjectRecord, UserDoc)>> {
        match self
            .store()
            .get_object(&platform(), ObjectKind::User, name)
            .await?
        {
            Some(o) => {
                let d = from_body(&o)?;
                Ok(Some((o, d)))
            }
            None => Ok(None),
        }
    }
}

/// `o` with `d` as its new body (for a revision-checked update).
pub(crate) fn with_body<T: Serialize>(
    o: &ObjectRecord,
    d: &T,
    now: tresor_core::Timestamp,
) -> Result<ObjectRecord> {
    let mut n = o.clone();
    n.body = to_body(d)?;
    n.updated_at = now;
    Ok(n)
}

/// Validates a user name: 1-64 of `a-z 0-9 . _ - @`, starting alphanumeric.
pub(crate) fn check_user_name(name: &str) -> Result<()> {
    // `me` names the caller in routes.
    let ok = name != "me"
        && !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-@".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "name",
            "1 to 64 characters: lower-case letters, digits, '.', '_', '-', '@', starting with a letter or digit",
        ))
    }
}

/// Unix micros of a timestamp.
pub(crate) fn micros(t: tresor_core::Timestamp) -> i64 {
    t.unix_micros()
}

/// The parent of a user's sessions (`user:<name>`, which no key, secret or
/// container id can equal), so they are deleted with one change.
pub(crate) fn sessions_parent(name: &str) -> String {
    format!("{}{name}", super::USER_PRINCIPAL)
}
