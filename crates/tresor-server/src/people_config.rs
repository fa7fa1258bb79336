//! The `[people]` table of the config file (or `TRESOR_PEOPLE_JSON`):
//! two-factor policy, session timeouts, lockout and password length.
//! Every node of a deployment should use the same values.

use serde::Deserialize;
use tresor_service::people::PeopleConfig;

use crate::config::ConfigError;

/// The `[people]` table.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeopleSettings {
    /// Every user must enrol TOTP (default false).
    pub mfa_required: Option<bool>,
    /// Idle session timeout in minutes (default 30, 1-1440).
    pub session_idle_minutes: Option<u64>,
    /// Absolute session timeout in hours (default 12, 1-720).
    pub session_absolute_hours: Option<u64>,
    /// Ask for the TOTP code again after this many hours (default 12, 1-720).
    pub mfa_reverify_hours: Option<u64>,
    /// Failed sign-ins that lock an account (default 10, 3-100).
    pub lockout_threshold: Option<u32>,
    /// Lockout duration in minutes (default 15, 1-1440).
    pub lockout_minutes: Option<u64>,
    /// Shortest password (default 12, 8-128).
    pub password_min_length: Option<usize>,
    /// The issuer name authenticator apps show (default "Tresor").
    pub totp_issuer: Option<String>,
    /// Approvers must have entered their password (and code) this recently
    /// (minutes, default 15, 1-1440).
    pub approver_reauth_minutes: Option<u64>,
    /// OIDC providers (`[[people.oidc]]`).
    #[serde(default)]
    pub oidc: Vec<crate::oidc::OidcProviderConfig>,
}

fn bad(m: impl Into<String>) -> ConfigError {
    ConfigError::Inconsistent(format!("[people]: {}", m.into()))
}

fn range<T: PartialOrd + Copy + std::fmt::Display>(
    v: Option<T>,
    name: &str,
    lo: T,
    hi: T,
) -> Result<(), ConfigError> {
    match v {
        Some(x) if x < lo || x > hi => Err(bad(format!("`{name}` must be from {lo} to {hi}"))),
        _ => Ok(()),
    }
}

impl PeopleSettings {
    /// Parses the `[people]` table.
    pub fn from_toml(value: &toml::Value, source: &str) -> Result<Self, ConfigError> {
        let c: Self = crate::config::parse_table(value, "people", source)?;
        c.validate()?;
        Ok(c)
    }

    /// Parses `TRESOR_PEOPLE_JSON`.
    pub fn from_json(text: &str) -> Result<Self, ConfigError> {
        let c: Self = crate::config::parse_json_table(text, "people_json")?;
        c.validate()?;
        Ok(c)
    }

    /// Checks the ranges.
    pub fn validate(&self) -> Result<(), ConfigError> {
        range(self.session_idle_minutes, "session_idle_minutes", 1, 1440)?;
        range(
            self.session_absolute_hours,
            "session_absolute_hours",
            1,
            720,
        )?;
        range(self.mfa_reverify_hours, "mfa_reverify_hours", 1, 720)?;
        range(self.lockout_threshold, "lockout_threshold", 3, 100)?;
        range(self.lockout_minutes, "lockout_minutes", 1, 1440)?;
        range(self.password_min_length, "password_min_length", 8, 128)?;
        range(
            self.approver_reauth_minutes,
            "approver_reauth_minutes",
            1,
            1440,
        )?;
        for p in &self.oidc {
            p.validate()?;
        }
        if let Some(i) = &self.totp_issuer
            && (i.is_empty() || i.len() > 64 || i.contains(':') || i.chars().any(char::is_control))
        {
            return Err(bad(
                "`totp_issuer` must be 1-64 printable characters without ':'",
            ));
        }
        Ok(())
    }

    /// The service's settings.
    pub fn to_service(&self) -> PeopleConfig {
        let d = PeopleConfig::default();
        PeopleConfig {
            mfa_required: self.mfa_required.unwrap_or(d.mfa_required),
            session_idle_secs: self
                .session_idle_minutes
                .map_or(d.session_idle_secs, |m| m * 60),
            session_absolute_secs: self
                .session_absolute_hours
                .map_or(d.session_absolute_secs, |h| h * 3600),
            mfa_reverify_secs: self
                .mfa_reverify_hours
                .map_or(d.mfa_reverify_secs, |h| h * 3600),
            lockout_threshold: self.lockout_threshold.unwrap_or(d.lockout_threshold),
            lockout_secs: self.lockout_minutes.map_or(d.lockout_secs, |m| m * 60),
            password_min_length: self.password_min_length.unwrap_or(d.password_min_length),
            totp_issuer: self.totp_issuer.clone().unwrap_or(d.totp_issuer),
            approver_reauth_secs: self
                .approver_reauth_minutes
                .map_or(d.approver_reauth_secs, |m| m * 60),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_validates_and_converts() {
        let v: toml::Value = toml::from_str(
            "mfa_required = true\nsession_idle_minutes = 10\nlockout_threshold = 5\n",
        )
        .unwrap();
        let c = PeopleSettings::from_toml(&v, "test").unwrap().to_service();
        assert!(c.mfa_required);
        assert_eq!(c.session_idle_secs, 600);
        assert_eq!(c.lockout_threshold, 5);
        assert_eq!(c.session_absolute_secs, 12 * 3600);
        let bad: toml::Value = toml::from_str("lockout_threshold = 1").unwrap();
        assert!(PeopleSettings::from_toml(&bad, "test").is_err());
        let unknown: toml::Value = toml::from_str("mfa = true").unwrap();
        assert!(PeopleSettings::from_toml(&unknown, "test").is_err());
        assert!(PeopleSettings::from_json(r#"{"totp_issuer": "a:b"}"#).is_err());
    }
}
