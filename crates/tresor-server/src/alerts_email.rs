//! Alert notifications by email: the `[alerts.email]` table names an SMTP
//! relay (STARTTLS by default, implicit TLS or — on loopback only — plain
//! SMTP), optional credentials (the password from an environment variable
//! or a file, never from the config file itself) and the recipients. Each
//! alert pass that opens alerts sends one digest message listing them, so
//! a burst of alerts is one email, not hundreds.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde::Deserialize;
use tresor_core::{AlertRecord, AlertSeverity};

use crate::config::{ConfigError, SecretString};

/// Most recipients per message.
const MAX_RECIPIENTS: usize = 20;
/// Most alerts described in one message (the rest are counted).
const MAX_LISTED: usize = 50;
/// Connect, TLS and each SMTP command.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

/// How the connection to the relay is protected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which must succeed (port 587).
    #[default]
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No TLS: only for a relay on the loopback interface.
    None,
}

/// The `[alerts.email]` table.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// The relay's host name (checked against its certificate) or address.
    pub smtp_host: String,
    /// Default 587 (starttls), 465 (tls) or 25 (none).
    pub smtp_port: Option<u16>,
    /// `starttls` (default), `tls` or `none`.
    #[serde(default)]
    pub tls: SmtpTls,
    /// PEM file with CA certificates to trust besides the public roots.
    pub ca_file: Option<PathBuf>,
    /// SMTP AUTH user name.
    pub username: Option<String>,
    /// Environment variable holding the SMTP password.
    pub password_env: Option<String>,
    /// File holding the SMTP password.
    pub password_file: Option<PathBuf>,
    /// Sender address, e.g. `Tresor <tresor@example.com>`.
    pub from: String,
    /// Recipients (1 to 20).
    pub to: Vec<String>,
}

fn bad(m: impl Into<String>) -> ConfigError {
    ConfigError::Inconsistent(format!("[alerts.email]: {}", m.into()))
}

fn is_loopback(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

fn mailbox(what: &str, s: &str) -> Result<Mailbox, ConfigError> {
    s.parse()
        .map_err(|_| bad(format!("`{what}` is not an email address: {s:?}")))
}

impl EmailConfig {
    /// Checks the settings (no file or environment is read).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let host = &self.smtp_host;
        if host.is_empty()
            || host.len() > 253
            || host.chars().any(|c| c.is_whitespace() || c.is_control())
        {
            return Err(bad("`smtp_host` must be a host name or address"));
        }
        if self.smtp_port == Some(0) {
            return Err(bad("`smtp_port` must be from 1 to 65535"));
        }
        mailbox("from", &self.from)?;
        if self.to.is_empty() || self.to.len() > MAX_RECIPIENTS {
            return Err(bad(format!("`to` needs 1 to {MAX_RECIPIENTS} recipients")));
        }
        for t in &self.to {
            mailbox("to", t)?;
        }
        let has_password = self.password_env.is_some() || self.password_file.is_some();
        if self.password_env.is_some() && self.password_file.is_some() {
            return Err(bad("give `password_env` or `password_file`, not both"));
        }
        if has_password != self.username.is_some() {
            return Err(bad(
                "`username` and a password (`password_env` or `password_file`) go together",
            ));
        }
        if self.tls == SmtpTls::None {
            if !is_loopback(host) {
                return Err(bad(
                    "`tls = \"none\"` is only allowed for a relay on the loopback interface",
                ));
            }
            if self.ca_file.is_some() {
                return Err(bad("`ca_file` needs `tls` = \"starttls\" or \"tls\""));
            }
        }
        Ok(())
    }

    fn port(&self) -> u16 {
        self.smtp_port.unwrap_or(match self.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        })
    }
}

/// A ready SMTP transport with its sender and recipients.
#[derive(Clone)]
pub(crate) struct EmailNotifier {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl std::fmt::Debug for EmailNotifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailNotifier")
            .field("from", &self.from.to_string())
            .field("to", &self.to.len())
            .finish_non_exhaustive()
    }
}

impl EmailNotifier {
    /// Reads the password and CA file and builds the transport.
    pub(crate) fn new(
        c: &EmailConfig,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        c.validate()?;
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(c.smtp_host.as_str())
            .port(c.port())
            .timeout(Some(SMTP_TIMEOUT));
        if c.tls != SmtpTls::None {
            let mut params = TlsParameters::builder(c.smtp_host.clone());
            if let Some(p) = &c.ca_file {
                let pem = std::fs::read(p)
                    .map_err(|e| bad(format!("cannot read {}: {e}", p.display())))?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|_| bad(format!("{} holds no PEM certificate", p.display())))?;
                params = params.add_root_certificate(cert);
            }
            let params = params
                .build_rustls()
                .map_err(|e| bad(format!("TLS settings: {e}")))?;
            b = b.tls(match c.tls {
                SmtpTls::Tls => Tls::Wrapper(params),
                _ => Tls::Required(params),
            });
        }
        if let Some(user) = &c.username {
            let password = match (&c.password_env, &c.password_file) {
                (Some(var), _) => {
                    env(var).ok_or_else(|| bad(format!("environment variable {var} is not set")))?
                }
                (None, Some(p)) => std::fs::read_to_string(p)
                    .map_err(|e| bad(format!("cannot read {}: {e}", p.display())))?,
                (None, None) => return Err(bad("no password")),
            };
            let password = SecretString::new(password.trim_end_matches(['\r', '\n']));
            b = b.credentials(Credentials::new(user.clone(), password.expose().to_owned()));
        }
        Ok(Self {
            transport: b.build(),
            from: mailbox("from", &c.from)?,
            to: c
                .to
                .iter()
                .map(|t| mailbox("to", t))
                .collect::<Result<_, _>>()?,
        })
    }

    /// Sends one message describing `alerts` (at least one).
    pub(crate) async fn send(&self, alerts: &[AlertRecord]) -> Result<(), String> {
        let mut m = Message::builder()
            .from(self.from.clone())
            .subject(subject(alerts))
            .header(ContentType::TEXT_PLAIN);
        for t in &self.to {
            m = m.to(t.clone());
        }
        let message = m.body(body(alerts)).map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(|_| ())
            .map_err(|e| e.to_string())
    }
}

/// Printable, single-line, bounded: alert text can carry names chosen by
/// callers (a principal, a key alias).
fn clean(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .take(max)
        .collect();
    if s.chars().count() > max {
        out.push('…');
    }
    out
}

fn subject(alerts: &[AlertRecord]) -> String {
    let critical = alerts
        .iter()
        .filter(|a| a.severity == AlertSeverity::Critical)
        .count();
    match alerts {
        [a] => format!(
            "[Tresor] {} alert {}: {}",
            a.severity.as_str(),
            a.rule,
            clean(&a.subject, 120)
        ),
        _ => format!("[Tresor] {} new alerts ({critical} critical)", alerts.len()),
    }
}

fn body(alerts: &[AlertRecord]) -> String {
    let mut b = format!(
        "Tresor opened {} alert{}.\n",
        alerts.len(),
        if alerts.len() == 1 { "" } else { "s" }
    );
    for a in alerts.iter().take(MAX_LISTED) {
        let tenant = if a.tenant.is_empty() {
            "(deployment-wide)"
        } else {
            a.tenant.as_str()
        };
        let _ = write!(
            b,
            "\n{} {}\n  {}\n  tenant:  {}\n  subject: {}\n  opened:  {}\n  id:      {}\n  acknowledge: tresor alert ack {}\n",
            a.severity.as_str().to_uppercase(),
            a.rule,
            clean(&a.message, 500),
            clean(tenant, 100),
            clean(&a.subject, 200),
            a.opened_at.to_rfc3339(),
            a.id,
            a.id,
        );
    }
    if alerts.len() > MAX_LISTED {
        let _ = writeln!(b, "\n... and {} more.", alerts.len() - MAX_LISTED);
    }
    b.push_str("\nGET /v1/alerts lists every active alert.\n");
    b
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use tresor_core::{AlertState, Timestamp};

    fn config(v: serde_json::Value) -> EmailConfig {
        serde_json::from_value(v).unwrap()
    }

    fn alert(rule: &str, subject: &str, sev: AlertSeverity) -> AlertRecord {
        AlertRecord {
            id: "a1".into(),
            tenant: String::new(),
            rule: rule.into(),
            subject: subject.into(),
            severity: sev,
            state: AlertState::Open,
            message: "m".into(),
            opened_at: Timestamp::from_unix_micros(0),
            updated_at: Timestamp::from_unix_micros(0),
            acknowledged_by: None,
            acknowledged_at: None,
            cleared_at: None,
        }
    }

    #[test]
    fn settings_are_checked() {
        let ok = serde_json::json!({"smtp_host": "mail.example.com", "from": "t@example.com", "to": ["ops@example.com"]});
        assert!(config(ok.clone()).validate().is_ok());
        assert_eq!(config(ok.clone()).port(), 587);
        let with = |k: &str, v: serde_json::Value| {
            let mut o = ok.clone();
            o[k] = v;
            config(o).validate().map_err(|e| e.to_string())
        };
        assert!(with("tls", "none".into()).unwrap_err().contains("loopback"));
        assert!(with("smtp_host", "127.0.0.1".into()).is_ok());
        assert!(with("to", serde_json::json!([])).is_err());
        assert!(with("to", serde_json::json!(["not an address"])).is_err());
        assert!(with("from", "nope".into()).is_err());
        assert!(with("smtp_host", "a b".into()).is_err());
        assert!(with("smtp_port", 0.into()).is_err());
        assert!(
            with("username", "u".into())
                .unwrap_err()
                .contains("password")
        );
        assert!(with("password_env", "P".into()).is_err());
        let mut both = ok.clone();
        both["username"] = "u".into();
        both["password_env"] = "P".into();
        assert!(config(both.clone()).validate().is_ok());
        both["password_file"] = "/p".into();
        assert!(config(both).validate().is_err());
        let mut local = ok;
        local["smtp_host"] = "localhost".into();
        local["tls"] = "none".into();
        assert!(config(local.clone()).validate().is_ok());
        local["ca_file"] = "/ca.pem".into();
        assert!(config(local).validate().is_err());
        assert!(
            serde_json::from_value::<EmailConfig>(
                serde_json::json!({"smtp_host": "h", "from": "a@b.c", "to": ["a@b.c"], "colour": 1})
            )
            .is_err()
        );
    }

    #[test]
    fn missing_password_source_is_an_error() {
        let c = config(
            serde_json::json!({"smtp_host": "127.0.0.1", "tls": "none", "from": "t@example.com", "to": ["ops@example.com"], "username": "u", "password_env": "NOPE"}),
        );
        let e = EmailNotifier::new(&c, |_| None).unwrap_err().to_string();
        assert!(e.contains("NOPE"), "{e}");
    }

    #[test]
    fn digests_are_bounded_and_single_line_subjects() {
        let one = [alert(
            "auth_failures",
            "evil\r\nBcc: x@y.z",
            AlertSeverity::Warning,
        )];
        let s = subject(&one);
        assert!(!s.contains('\n') && !s.contains('\r'), "{s}");
        assert!(s.starts_with("[Tresor] warning alert auth_failures: evil"));
        let many: Vec<_> = (0..60)
            .map(|i| alert("rotation_due", &format!("k{i}"), AlertSeverity::Critical))
            .collect();
        assert_eq!(subject(&many), "[Tresor] 60 new alerts (60 critical)");
        let b = body(&many);
        assert_eq!(b.matches("CRITICAL rotation_due").count(), MAX_LISTED);
        assert!(b.contains("and 10 more"));
        assert!(clean(&"x".repeat(10), 4).ends_with('…'));
    }
}
