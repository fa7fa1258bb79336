//! A SoftHSM2 token for the PKCS#11 tests: one per test binary, in a temp
//! directory kept for the process lifetime (`<dir>/tokens` holds the token
//! files), `SOFTHSM2_CONF` pointing at it.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use secrecy::SecretString;
use tresor_core::ProviderId;
use tresor_pkcs11::Pkcs11Config;

/// The user PIN of the test tokens.
pub const PIN: &str = "1234";
/// SoftHSM2's PKCS#11 module (Debian `softhsm2`).
pub const MODULE: &str = "/usr/lib/softhsm/libsofthsm2.so";

/// The token directory, with a token labelled `label` made on first use;
/// `None` when SoftHSM2 is not installed. One label per test binary.
pub fn token_dir(label: &str) -> Option<&'static Path> {
    static DIR: OnceLock<Option<tempfile::TempDir>> = OnceLock::new();
    DIR.get_or_init(|| {
        if !Path::new(MODULE).exists() {
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let tokens = dir.path().join("tokens");
        std::fs::create_dir(&tokens).unwrap();
        let conf = dir.path().join("softhsm2.conf");
        let text = format!(
            "directories.tokendir = {}\nobjectstore.backend = file\nlog.level = ERROR\n",
            tokens.display()
        );
        std::fs::write(&conf, text).unwrap();
        let out = Command::new("softhsm2-util")
            .env("SOFTHSM2_CONF", &conf)
            .args(["--init-token", "--free", "--label", label])
            .args(["--so-pin", "12345678", "--pin", PIN])
            .output()
            .ok()?;
        if !out.status.success() {
            return None;
        }
        // SAFETY: set once, inside this OnceLock, before any test loads the
        // PKCS#11 module (which reads it in C_Initialize).
        #[allow(unsafe_code)]
        unsafe {
            std::env::set_var("SOFTHSM2_CONF", &conf)
        };
        Some(dir)
    })
    .as_ref()
    .map(|d| d.path())
}

/// A provider configuration for the token `token_label`.
pub fn hsm_config(id: &str, token_label: &str, pool_size: usize) -> Pkcs11Config {
    let mut c = Pkcs11Config::new(
        ProviderId::parse(id).unwrap(),
        PathBuf::from(MODULE),
        token_label,
        SecretString::from(PIN.to_owned()),
    );
    c.pool_size = pool_size;
    c
}
