//! Precedence (file < env < flag), defaults and error messages.

use std::collections::HashMap;
use std::io::Write;

use super::*;

const HEX_KEY: &str = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

fn file(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().unwrap();
    f.write_all(text.as_bytes()).unwrap();
    f
}

fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |k| map.get(k).cloned()
}

#[test]
fn defaults() {
    let c = Config::load(None, env(&[]), ConfigLayer::default()).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8095");
    assert_eq!(c.data_dir, PathBuf::from("./tresor-data"));
    assert_eq!(c.database_url, "sqlite://./tresor-data/tresor.db");
    assert_eq!(c.root_key_file, PathBuf::from("./tresor-data/root.key"));
    assert_eq!(c.max_body_bytes, 1_048_576);
    assert_eq!(c.max_item_bytes, 65_536);
    assert_eq!(c.scheduler_interval_seconds, 60);
    assert_eq!(c.audit_batch_max, 512);
    assert_eq!(c.log_format, LogFormat::Text);
    assert_eq!(c.log_level, "info");
    assert_eq!(c.sqlite_synchronous, SqliteSync::Full);
    assert!(!c.dev);
    assert_eq!(c.scheme(), "http");
}

#[test]
fn file_then_env_then_flags() {
    let f = file(
        r#"
        listen = "127.0.0.1:1000"
        data_dir = "/srv/file"
        max_body_bytes = 2097152
        log_format = "json"
        dev = true
        scheduler_interval_seconds = 5
        "#,
    );
    let e = env(&[
        ("TRESOR_LISTEN", "127.0.0.1:2000"),
        ("TRESOR_DATA_DIR", "/srv/env"),
        ("TRESOR_LOG_LEVEL", "debug"),
        ("TRESOR_ROOT_KEY", HEX_KEY),
        ("TRESOR_DEV", ""),
    ]);
    let flags = ConfigLayer {
        listen: Some("127.0.0.1:3000".parse().unwrap()),
        ..ConfigLayer::default()
    };
    let c = Config::load(Some(f.path()), e, flags).unwrap();
    assert_eq!(c.listen.port(), 3000, "flag wins");
    assert_eq!(c.data_dir, PathBuf::from("/srv/env"), "env beats file");
    assert_eq!(c.database_url, "sqlite:///srv/env/tresor.db");
    assert_eq!(c.root_key_file, PathBuf::from("/srv/env/root.key"));
    assert_eq!(c.max_body_bytes, 2_097_152, "file beats default");
    assert_eq!(c.log_format, LogFormat::Json);
    assert_eq!(c.log_level, "debug");
    assert!(c.dev, "an empty env value does not override");
    assert_eq!(c.scheduler_interval_seconds, 5);
    assert_eq!(c.root_key.as_ref().map(SecretString::expose), Some(HEX_KEY));
    assert!(
        !format!("{c:?}").contains(HEX_KEY),
        "Debug redacts the root key"
    );
}

#[test]
fn unknown_keys_and_secrets_in_file_are_refused() {
    let f = file("lisen = \"127.0.0.1:1\"\n");
    let e = Config::load(Some(f.path()), env(&[]), ConfigLayer::default()).unwrap_err();
    assert!(e.to_string().contains("unknown key `lisen`"), "{e}");

    let f = file(&format!("root_key = \"{HEX_KEY}\"\n"));
    let e = Config::load(Some(f.path()), env(&[]), ConfigLayer::default()).unwrap_err();
    assert!(
        matches!(
            e,
            ConfigError::SecretInFile {
                key: "root_key",
                ..
            }
        ),
        "{e}"
    );
    assert!(!e.to_string().contains(HEX_KEY));

    let f = file("[section]\nlisten = 1\n");
    let e = Config::load(Some(f.path()), env(&[]), ConfigLayer::default()).unwrap_err();
    assert!(e.to_string().contains("section"), "{e}");

    let f = file("listen = \n");
    let e = Config::load(Some(f.path()), env(&[]), ConfigLayer::default()).unwrap_err();
    assert!(matches!(e, ConfigError::Parse { .. }), "{e}");
}

#[test]
fn bad_values_name_key_and_source() {
    let cases: &[(&str, &str, &str)] = &[
        ("TRESOR_LISTEN", "localhost", "listen"),
        ("TRESOR_MAX_BODY_BYTES", "12", "max_body_bytes"),
        ("TRESOR_MAX_ITEM_BYTES", "lots", "max_item_bytes"),
        ("TRESOR_LOG_FORMAT", "xml", "log_format"),
        ("TRESOR_LOG_LEVEL", "info,=[", "log_level"),
        ("TRESOR_SQLITE_SYNCHRONOUS", "off", "sqlite_synchronous"),
        ("TRESOR_TLS_CLIENT_AUTH", "maybe", "tls_client_auth"),
        ("TRESOR_AUDIT_BATCH_MAX", "0", "audit_batch_max"),
        ("TRESOR_DEV", "perhaps", "dev"),
        ("TRESOR_ROOT_KEY", "not-a-key", "root_key"),
        ("TRESOR_BOOTSTRAP_TOKEN", "short", "bootstrap_token"),
        ("TRESOR_DATABASE_URL", "tresor.db", "database_url"),
    ];
    for (var, value, key) in cases {
        let e = Config::load(None, env(&[(var, value)]), ConfigLayer::default()).unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains(&format!("`{key}`")), "{var}: {msg}");
        assert!(msg.contains(var), "{var}: {msg}");
        if *key == "root_key" || *key == "bootstrap_token" {
            assert!(!msg.contains(value), "secret echoed: {msg}");
        }
    }
    let f = file("max_body_bytes = \"big\"\n");
    let e = Config::load(Some(f.path()), env(&[]), ConfigLayer::default()).unwrap_err();
    assert!(e.to_string().contains("config file"), "{e}");
}

#[test]
fn combinations_are_checked() {
    let bad: &[&[(&str, &str)]] = &[
        &[("TRESOR_TLS_CERT", "c.pem")],
        &[("TRESOR_TLS_CLIENT_CA", "ca.pem")],
        &[
            ("TRESOR_TLS_CERT", "c.pem"),
            ("TRESOR_TLS_KEY", "k.pem"),
            ("TRESOR_TLS_CLIENT_AUTH", "require"),
        ],
        &[
            ("TRESOR_MAX_BODY_BYTES", "2048"),
            ("TRESOR_MAX_ITEM_BYTES", "4096"),
        ],
    ];
    for pairs in bad {
        let e = Config::load(None, env(pairs), ConfigLayer::default()).unwrap_err();
        assert!(matches!(e, ConfigError::Inconsistent(_)), "{pairs:?}: {e}");
    }
    let ok = Config::load(
        None,
        env(&[
            ("TRESOR_TLS_CERT", "c.pem"),
            ("TRESOR_TLS_KEY", "k.pem"),
            ("TRESOR_TLS_CLIENT_CA", "ca.pem"),
            ("TRESOR_TLS_CLIENT_AUTH", "require"),
            ("TRESOR_BOOTSTRAP_TOKEN", &"t".repeat(40)),
        ]),
        ConfigLayer::default(),
    )
    .unwrap();
    assert_eq!(ok.scheme(), "https");
    assert_eq!(ok.tls_client_auth, ClientAuth::Require);
}

#[test]
fn missing_file_is_an_error() {
    let e = Config::load(
        Some(Path::new("/nonexistent/tresor.toml")),
        env(&[]),
        ConfigLayer::default(),
    )
    .unwrap_err();
    assert!(matches!(e, ConfigError::Read { .. }), "{e}");
}

#[test]
fn example_config_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tresor.example.toml");
    let c = Config::load(Some(&path), env(&[]), ConfigLayer::default()).unwrap();
    assert_eq!(c.listen.to_string(), "127.0.0.1:8095");
}

#[test]
fn public_url_is_validated_and_trimmed() {
    let c = Config::load(
        None,
        env(&[("TRESOR_PUBLIC_URL", "https://pki.example.com/")]),
        ConfigLayer::default(),
    )
    .unwrap();
    assert_eq!(c.public_url.as_deref(), Some("https://pki.example.com"));
    for bad in ["ftp://x", "https://x/?a=b", "pki.example.com"] {
        let e = Config::load(
            None,
            env(&[("TRESOR_PUBLIC_URL", bad)]),
            ConfigLayer::default(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("public_url"), "{bad}: {e}");
    }
}
