//! One OIDC provider's settings (`[[people.oidc]]`).

use std::path::PathBuf;

use serde::Deserialize;

use crate::config::ConfigError;

/// A group of the provider mapped to a role in a tenant.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RoleMapping {
    pub group: String,
    pub tenant: String,
    /// `admin`, `user` or `readonly`.
    pub role: String,
}

/// An OIDC provider (Entra ID, Keycloak, Okta, Dex, …).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderConfig {
    /// Short name (`[a-z0-9-]`, 1-32): in URLs and account names.
    pub name: String,
    /// Shown on the sign-in button.
    #[serde(default)]
    pub display_name: Option<String>,
    /// The issuer URL; `{issuer}/.well-known/openid-configuration` is read.
    /// `https://` (plain `http://` only for a loopback host).
    pub issuer: String,
    pub client_id: String,
    /// Environment variable holding the client secret.
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// File holding the client secret.
    #[serde(default)]
    pub client_secret_file: Option<PathBuf>,
    /// Default: `openid profile email`.
    #[serde(default)]
    pub scopes: Vec<String>,
    /// Default `preferred_username`.
    #[serde(default)]
    pub username_claim: Option<String>,
    /// Default `groups`.
    #[serde(default)]
    pub groups_claim: Option<String>,
    /// Only members of one of these groups may sign in (empty: anyone the
    /// role mapping gives a role).
    #[serde(default)]
    pub allowed_groups: Vec<String>,
    #[serde(default)]
    pub roles: Vec<RoleMapping>,
    /// Members of these groups are platform admins.
    #[serde(default)]
    pub platform_admin_groups: Vec<String>,
    /// Accept this issuer's JWTs as bearer tokens from machines when their
    /// `aud` is this value.
    #[serde(default)]
    pub jwt_audience: Option<String>,
    /// The callback URL registered at the provider (default:
    /// `{public_url}/ui/oidc/{name}/callback`, or from the request's host).
    #[serde(default)]
    pub redirect_url: Option<String>,
}

fn bad(m: impl Into<String>) -> ConfigError {
    ConfigError::Inconsistent(format!("[[people.oidc]]: {}", m.into()))
}

/// Whether `url`'s host is loopback (plain http is allowed there, for
/// tests and local development).
pub fn is_loopback(url: &str) -> bool {
    let rest = url.strip_prefix("http://").unwrap_or("");
    let host = rest.split(['/', '?']).next().unwrap_or("");
    let host = host.rsplit_once(':').map_or(host, |(h, p)| {
        if p.chars().all(|c| c.is_ascii_digit()) {
            h
        } else {
            host
        }
    });
    matches!(host, "127.0.0.1" | "localhost" | "[::1]")
}

impl OidcProviderConfig {
    /// Checks the settings.
    pub fn validate(&self) -> Result<(), ConfigError> {
        let n = &self.name;
        if n.is_empty()
            || n.len() > 32
            || !n
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            return Err(bad(format!("`name` {n:?}: 1-32 of a-z, 0-9, '-'")));
        }
        if !(self.issuer.starts_with("https://") || is_loopback(&self.issuer)) {
            return Err(bad(format!(
                "{n}: `issuer` must be https:// (http only on loopback)"
            )));
        }
        if self.client_id.is_empty() {
            return Err(bad(format!("{n}: `client_id` is required")));
        }
        for m in &self.roles {
            if tresor_core::Role::parse(&m.role).is_none() {
                return Err(bad(format!(
                    "{n}: role {:?} must be admin, user or readonly",
                    m.role
                )));
            }
            if tresor_core::TenantId::parse(&m.tenant).is_err() {
                return Err(bad(format!(
                    "{n}: tenant {:?} is not a tenant id",
                    m.tenant
                )));
            }
        }
        Ok(())
    }

    /// The client secret, if one is configured.
    pub fn client_secret(&self) -> Result<Option<String>, ConfigError> {
        if let Some(var) = &self.client_secret_env {
            return std::env::var(var).map(Some).map_err(|_| {
                bad(format!(
                    "{}: environment variable {var} is not set",
                    self.name
                ))
            });
        }
        if let Some(path) = &self.client_secret_file {
            return std::fs::read_to_string(path)
                .map(|s| Some(s.trim().to_owned()))
                .map_err(|e| {
                    bad(format!(
                        "{}: cannot read {}: {e}",
                        self.name,
                        path.display()
                    ))
                });
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts() {
        assert!(is_loopback("http://127.0.0.1:8080/realms/x"));
        assert!(is_loopback("http://localhost/x"));
        assert!(!is_loopback("http://127.0.0.1.evil.com/x"));
        assert!(!is_loopback("https://127.0.0.1/x"));
        assert!(!is_loopback("http://idp.example.com"));
    }
}
