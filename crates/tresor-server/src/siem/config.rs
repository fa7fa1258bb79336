//! Audit sink configuration: `[[audit_sink]]` tables in the config file or
//! a JSON array in `TRESOR_AUDIT_SINKS_JSON` (the same fields), checked when
//! loaded. Webhook secrets are never written in the file: `secret_env`
//! names an environment variable and `secret_file` a file holding it; they
//! are read at start and kept in a redacted, zeroized [`SecretString`].

use std::path::PathBuf;

use serde::Deserialize;

use crate::config::{ConfigError, SecretString};

/// What a sink is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SinkKind {
    /// Syslog (RFC 5424) over UDP, TCP or TCP+TLS.
    Syslog,
    /// HTTP(S) POST of each record, HMAC-SHA256 signed.
    Webhook,
    /// JSON lines appended to a local file.
    File,
}

/// Syslog transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum SyslogTransport {
    /// One datagram per record (RFC 5426).
    Udp,
    /// Octet-counted frames (RFC 6587) on one connection (default).
    #[default]
    Tcp,
    /// Octet-counted frames over TLS (RFC 5425).
    Tls,
}

/// One `[[audit_sink]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SinkConfig {
    /// Unique name, `[a-z0-9_-]`, 1-63 characters (its cursor's name).
    pub name: String,
    pub kind: SinkKind,
    /// Syslog: `host:port`.
    pub address: Option<String>,
    /// Syslog: `udp`, `tcp` (default) or `tls`.
    pub transport: Option<SyslogTransport>,
    /// Syslog facility number 0-23 (default 13, log audit).
    pub facility: Option<u8>,
    /// Syslog HOSTNAME field (default `tresor`).
    pub hostname: Option<String>,
    /// Syslog TLS and webhook: extra CA certificate(s) (PEM) to trust.
    pub ca_file: Option<PathBuf>,
    /// Syslog TLS: the name the server certificate must carry (default:
    /// the host of `address`).
    pub server_name: Option<String>,
    /// Webhook: `http://` or `https://` URL.
    pub url: Option<String>,
    /// Webhook: environment variable holding the HMAC secret.
    pub secret_env: Option<String>,
    /// Webhook: file holding the HMAC secret.
    pub secret_file: Option<PathBuf>,
    /// File: the JSONL file to append to.
    pub path: Option<PathBuf>,
    /// Records per delivery pass (1-1000, default 100).
    pub batch_size: Option<u32>,
    /// Milliseconds between polls for new records (10-60000, default 1000).
    pub poll_ms: Option<u64>,
    /// First retry delay after a failure in milliseconds (10-60000,
    /// default 500); doubles per failure up to `retry_max_ms`.
    pub retry_initial_ms: Option<u64>,
    /// Longest retry delay in milliseconds (default 60000).
    pub retry_max_ms: Option<u64>,
    /// Seconds a network send may take (1-300, default 10).
    pub timeout_seconds: Option<u64>,
}

fn bad(name: &str, message: impl Into<String>) -> ConfigError {
    ConfigError::Inconsistent(format!("audit sink '{name}': {}", message.into()))
}

fn in_range<T: PartialOrd + Copy + std::fmt::Display>(
    name: &str,
    field: &str,
    v: Option<T>,
    min: T,
    max: T,
) -> Result<(), ConfigError> {
    match v {
        Some(v) if v < min || v > max => {
            Err(bad(name, format!("`{field}` must be from {min} to {max}")))
        }
        _ => Ok(()),
    }
}

impl SinkConfig {
    /// Records per pass.
    pub fn batch(&self) -> u32 {
        self.batch_size.unwrap_or(100)
    }

    /// Poll interval.
    pub fn poll(&self) -> std::time::Duration {
        std::time::Duration::from_millis(self.poll_ms.unwrap_or(1000))
    }

    /// First and longest retry delay.
    pub fn retry(&self) -> (std::time::Duration, std::time::Duration) {
        let first = self.retry_initial_ms.unwrap_or(500);
        let max = self.retry_max_ms.unwrap_or(60_000).max(first);
        (
            std::time::Duration::from_millis(first),
            std::time::Duration::from_millis(max),
        )
    }

    /// Network timeout.
    pub fn timeout(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.timeout_seconds.unwrap_or(10))
    }

    /// Checks the fields this kind needs (and no secret in them).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let n = self.name.as_str();
        if n.is_empty()
            || n.len() > 63
            || !n
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
        {
            return Err(ConfigError::Inconsistent(format!(
                "audit sink name {:?} must be 1-63 characters of a-z, 0-9, '-' and '_'",
                n.chars().take(64).collect::<String>()
            )));
        }
        in_range(n, "batch_size", self.batch_size, 1, 1000)?;
        in_range(n, "poll_ms", self.poll_ms, 10, 60_000)?;
        in_range(n, "retry_initial_ms", self.retry_initial_ms, 10, 60_000)?;
        in_range(n, "retry_max_ms", self.retry_max_ms, 10, 3_600_000)?;
        in_range(n, "timeout_seconds", self.timeout_seconds, 1, 300)?;
        in_range(n, "facility", self.facility, 0, 23)?;
        let only = |allowed: &[&str]| -> Result<(), ConfigError> {
            let set = [
                ("address", self.address.is_some()),
                ("transport", self.transport.is_some()),
                ("facility", self.facility.is_some()),
                ("hostname", self.hostname.is_some()),
                ("ca_file", self.ca_file.is_some()),
                ("server_name", self.server_name.is_some()),
                ("url", self.url.is_some()),
                ("secret_env", self.secret_env.is_some()),
                ("secret_file", self.secret_file.is_some()),
                ("path", self.path.is_some()),
            ];
            match set.iter().find(|(k, on)| *on && !allowed.contains(k)) {
                Some((k, _)) => Err(bad(n, format!("`{k}` does not apply to this kind"))),
                None => Ok(()),
            }
        };
        match self.kind {
            SinkKind::Syslog => {
                only(&[
                    "address",
                    "transport",
                    "facility",
                    "hostname",
                    "ca_file",
                    "server_name",
                ])?;
                let addr = self
                    .address
                    .as_deref()
                    .ok_or_else(|| bad(n, "syslog needs `address` (host:port)"))?;
                if split_host_port(addr).is_none() {
                    return Err(bad(n, "`address` must be host:port"));
                }
                if self.transport != Some(SyslogTransport::Tls)
                    && (self.ca_file.is_some() || self.server_name.is_some())
                {
                    return Err(bad(
                        n,
                        "`ca_file` and `server_name` need `transport = \"tls\"`",
                    ));
                }
                if let Some(h) = &self.hostname
                    && (h.is_empty()
                        || h.len() > 255
                        || !h.bytes().all(|b| (33..=126).contains(&b)))
                {
                    return Err(bad(
                        n,
                        "`hostname` must be 1-255 printable ASCII characters",
                    ));
                }
            }
            SinkKind::Webhook => {
                only(&["url", "secret_env", "secret_file", "ca_file"])?;
                let url = self
                    .url
                    .as_deref()
                    .ok_or_else(|| bad(n, "webhook needs `url`"))?;
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(bad(n, "`url` must start with http:// or https://"));
                }
                if url.contains('@') {
                    return Err(bad(n, "`url` must not carry credentials"));
                }
                if self.secret_env.is_some() == self.secret_file.is_some() {
                    return Err(bad(
                        n,
                        "webhook needs exactly one of `secret_env` or `secret_file`",
                    ));
                }
            }
            SinkKind::File => {
                only(&["path"])?;
                if self.path.is_none() {
                    return Err(bad(n, "file sink needs `path`"));
                }
            }
        }
        Ok(())
    }

    /// Reads the webhook secret (from the environment through `env`, or
    /// its file). Errors never contain the secret.
    pub fn secret(
        &self,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<SecretString, ConfigError> {
        let value = match (&self.secret_env, &self.secret_file) {
            (Some(var), _) => env(var)
                .ok_or_else(|| bad(&self.name, format!("environment variable {var} is not set")))?,
            (None, Some(path)) => std::fs::read_to_string(path).map_err(|e| {
                bad(
                    &self.name,
                    format!("cannot read secret_file {}: {e}", path.display()),
                )
            })?,
            (None, None) => return Err(bad(&self.name, "no secret configured")),
        };
        let secret = SecretString::new(value.trim_end_matches(['\n', '\r']));
        if secret.expose().len() < 16 {
            return Err(bad(
                &self.name,
                "the webhook secret must be at least 16 bytes",
            ));
        }
        Ok(secret)
    }
}

/// `host:port` (IPv6 in brackets) split, with a non-zero port.
pub fn split_host_port(addr: &str) -> Option<(String, u16)> {
    let (host, port) = addr.rsplit_once(':')?;
    let port: u16 = port.parse().ok().filter(|p| *p != 0)?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    (!host.is_empty()).then(|| (host.to_owned(), port))
}

/// Checks a list: each entry, and unique names.
pub fn validate_all(sinks: &[SinkConfig]) -> Result<(), ConfigError> {
    let mut names = std::collections::BTreeSet::new();
    for s in sinks {
        s.validate()?;
        if !names.insert(s.name.as_str()) {
            return Err(ConfigError::Inconsistent(format!(
                "audit sink '{}' is configured twice",
                s.name
            )));
        }
    }
    Ok(())
}

/// Parses `[[audit_sink]]` tables from the config file.
pub fn from_toml(value: &toml::Value, source: &str) -> Result<Vec<SinkConfig>, ConfigError> {
    let list: Vec<SinkConfig> = value.clone().try_into().map_err(|e: toml::de::Error| {
        ConfigError::Inconsistent(format!("{source}: `audit_sink`: {}", e.message()))
    })?;
    validate_all(&list)?;
    Ok(list)
}

/// Parses `TRESOR_AUDIT_SINKS_JSON`.
pub fn from_json(text: &str) -> Result<Vec<SinkConfig>, ConfigError> {
    let list: Vec<SinkConfig> = serde_json::from_str(text).map_err(|e| ConfigError::Invalid {
        key: "audit_sinks_json",
        source_name: "environment variable TRESOR_AUDIT_SINKS_JSON".into(),
        message: e.to_string(),
    })?;
    validate_all(&list)?;
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(json: &str) -> Result<Vec<SinkConfig>, ConfigError> {
        from_json(json)
    }

    #[test]
    fn valid_and_invalid_sinks() {
        let ok = parse(
            r#"[{"name":"siem","kind":"syslog","address":"127.0.0.1:514","transport":"udp"},
                {"name":"hook","kind":"webhook","url":"https://siem.example/in","secret_env":"HOOK_SECRET"},
                {"name":"jsonl","kind":"file","path":"/var/log/tresor-audit.jsonl"}]"#,
        )
        .unwrap();
        assert_eq!(ok.len(), 3);
        for bad in [
            r#"[{"name":"Bad Name","kind":"file","path":"/x"}]"#,
            r#"[{"name":"a","kind":"file"}]"#,
            r#"[{"name":"a","kind":"file","path":"/x","url":"http://x"}]"#,
            r#"[{"name":"a","kind":"syslog","address":"nohost"}]"#,
            r#"[{"name":"a","kind":"syslog","address":"h:514","ca_file":"/ca.pem"}]"#,
            r#"[{"name":"a","kind":"webhook","url":"ftp://x","secret_env":"S"}]"#,
            r#"[{"name":"a","kind":"webhook","url":"https://u:p@x","secret_env":"S"}]"#,
            r#"[{"name":"a","kind":"webhook","url":"https://x"}]"#,
            r#"[{"name":"a","kind":"file","path":"/x","batch_size":0}]"#,
            r#"[{"name":"a","kind":"file","path":"/x"},{"name":"a","kind":"file","path":"/y"}]"#,
            r#"[{"name":"a","kind":"file","path":"/x","secret":"oops"}]"#,
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn secrets_come_from_env_or_file_and_never_show() {
        let s = &parse(r#"[{"name":"h","kind":"webhook","url":"http://x","secret_env":"HS"}]"#)
            .unwrap()[0];
        let secret = s
            .secret(|k| (k == "HS").then(|| "0123456789abcdef-secret".to_owned()))
            .unwrap();
        assert_eq!(secret.expose(), "0123456789abcdef-secret");
        assert!(!format!("{secret:?}").contains("secret-"));
        let err = s.secret(|_| Some("short".into())).unwrap_err().to_string();
        assert!(!err.contains("short"));
        assert!(s.secret(|_| None).is_err());
    }

    #[test]
    fn tables_in_the_config_file() {
        let path = std::path::Path::new("tresor.toml");
        let text = r#"
listen = "127.0.0.1:9000"

[[audit_sink]]
name = "siem"
kind = "syslog"
transport = "udp"
address = "127.0.0.1:514"

[[audit_sink]]
name = "archive"
kind = "file"
path = "/var/log/tresor.jsonl"

[alerts]
auth_failures = 3
window_minutes = 5
"#;
        let layer = crate::config::ConfigLayer::from_toml(text, path).unwrap();
        let config = layer.finish().unwrap();
        assert_eq!(config.audit_sinks.len(), 2);
        assert_eq!(config.audit_sinks[0].transport, Some(SyslogTransport::Udp));
        let t = config.alerts.thresholds();
        assert_eq!((t.auth_failures, t.window_minutes), (3, 5));
        for bad in [
            "[[audit_sink]]\nname = \"x\"\nkind = \"file\"\n",
            "[[audit_sink]]\nname = \"x\"\nkind = \"ftp\"\npath = \"/x\"\n",
            "[alerts]\nwindow_minutes = 0\n",
            "[alerts]\nwebhook_url = \"https://x\"\n",
            "[alerts]\nunknown = 1\n",
        ] {
            assert!(
                crate::config::ConfigLayer::from_toml(bad, path).is_err(),
                "{bad}"
            );
        }
    }
}
