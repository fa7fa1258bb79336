//! Test support: one SoftHSM2 token per test binary, created with
//! `softhsm2-util` in a temp dir, and providers on it.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stderr
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use secrecy::SecretString;
use tresor_core::{Provider, ProviderId};
use tresor_pkcs11::{Pkcs11Config, Pkcs11Provider};
use tresor_provider_tests::Claims;

pub const LABEL: &str = "tresor-test";
pub const PIN: &str = "1234";
pub const SO_PIN: &str = "12345678";
const DEFAULT_MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// The per-binary token.
#[derive(Debug)]
pub struct Token {
    pub dir: tempfile::TempDir,
    pub module: PathBuf,
    pub tokens: PathBuf,
}

static TOKEN: OnceLock<Option<Token>> = OnceLock::new();

/// The module path from `TRESOR_TEST_PKCS11_MODULE`, else SoftHSM's.
pub fn module_path() -> Option<PathBuf> {
    let path = std::env::var_os("TRESOR_TEST_PKCS11_MODULE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(DEFAULT_MODULE));
    path.exists().then_some(path)
}

/// Creates the token once; `None` (after saying so) when SoftHSM2 is missing.
pub fn token() -> Option<&'static Token> {
    TOKEN
        .get_or_init(|| {
            let module = module_path()?;
            let dir = tempfile::tempdir().unwrap();
            let tokens = dir.path().join("tokens");
            std::fs::create_dir(&tokens).unwrap();
            let conf = dir.path().join("softhsm2.conf");
            std::fs::write(
                &conf,
                format!(
                    "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
                    tokens.display()
                ),
            )
            .unwrap();
            let status = Command::new("softhsm2-util")
                .env("SOFTHSM2_CONF", &conf)
                .args(["--init-token", "--free", "--label", LABEL])
                .args(["--so-pin", SO_PIN, "--pin", PIN])
                .output();
            match status {
                Ok(out) if out.status.success() => {}
                other => {
                    eprintln!("softhsm2-util failed: {other:?}");
                    return None;
                }
            }
            set_conf(&conf);
            Some(Token {
                dir,
                module,
                tokens,
            })
        })
        .as_ref()
}

/// Points SoftHSM (which reads `SOFTHSM2_CONF` in `C_Initialize`) at our
/// config.
#[allow(unsafe_code)]
fn set_conf(conf: &Path) {
    // SAFETY: this runs once, inside the `OnceLock` every test enters before
    // it touches the PKCS#11 module, so no C code reads the environment
    // concurrently; other test threads only read it through `std::env`,
    // which takes the same lock as `set_var`.
    unsafe { std::env::set_var("SOFTHSM2_CONF", conf) };
}

/// Prints the skip line.
pub fn skip() {
    println!("skipped: SoftHSM2 not installed (run scripts/softhsm-setup)");
}

static PREFIX: AtomicUsize = AtomicUsize::new(0);

/// A configuration for the test token with a label prefix unique to the call.
pub fn config(pool_size: usize) -> Option<Pkcs11Config> {
    let token = token()?;
    let n = PREFIX.fetch_add(1, Ordering::SeqCst);
    let mut c = Pkcs11Config::new(
        ProviderId::parse("hsm").unwrap(),
        &token.module,
        LABEL,
        SecretString::from(PIN.to_owned()),
    );
    c.label_prefix = Some(format!("t{}-{n}:", std::process::id()));
    c.pool_size = pool_size;
    Some(c)
}

/// A connected provider, or `None` (after printing the skip line).
pub async fn provider() -> Option<Arc<Pkcs11Provider>> {
    let Some(config) = config(8) else {
        skip();
        return None;
    };
    Some(Arc::new(Pkcs11Provider::connect(config).await.unwrap()))
}

/// The claims of a PKCS#11 provider: what its capability report says.
pub fn claims(p: &Pkcs11Provider) -> Claims {
    let mut claims = Claims::of(p);
    for alg in p.algorithms() {
        claims = claims.with_operations(alg, p.capabilities().operations(alg));
    }
    let aes = p
        .capabilities()
        .wrap_mechanisms(tresor_core::Algorithm::Aes256Gcm);
    claims
        .wrap_mechanisms
        .retain(|m| aes.contains(m) || *m == tresor_core::WrapMechanism::RsaOaepSha256);
    claims
}

/// A conformance subject.
pub async fn subject() -> Option<(Arc<dyn Provider>, Claims, ())> {
    let p = provider().await?;
    let claims = claims(&p);
    Some((p, claims, ()))
}
