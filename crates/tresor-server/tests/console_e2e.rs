//! The web console in a real headless Chromium, driven by playwright-core
//! (tests/e2e/console.mjs): first-admin set-up, sign-out and in, TOTP
//! enrolment and sign-in with a computed code, creating and rotating a key,
//! the audit entry and chain verification, a readonly user without create
//! buttons whose forged post gets 403, and a tenant switch that shows only
//! that tenant's keys. Screenshots land in tests/e2e/artifacts.
//!
//! Needs `TRESOR_TEST_CHROMIUM` (scripts/test installs Chromium and the npm
//! package and sets it); skipped when unset.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::PathBuf;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn console_end_to_end_in_chromium() {
    let Some(chromium) = std::env::var_os("TRESOR_TEST_CHROMIUM") else {
        eprintln!("TRESOR_TEST_CHROMIUM unset (scripts/test sets it): console e2e test skipped");
        return;
    };
    let e2e = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/e2e");
    assert!(
        e2e.join("node_modules/playwright-core").is_dir(),
        "run `npm ci` in tests/e2e (scripts/test does)"
    );
    let dir = tempfile::tempdir().unwrap();
    let server = tresor_server::start(common::config_for(dir.path(), None))
        .await
        .expect("server starts");
    let out = tokio::process::Command::new("node")
        .arg("console.mjs")
        .current_dir(&e2e)
        .env("TRESOR_URL", server.url())
        .env("CHROMIUM", chromium)
        .env("ARTIFACTS", e2e.join("artifacts"))
        .kill_on_drop(true)
        .output()
        .await
        .expect("node runs");
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "console e2e failed:\n{log}");
    assert!(log.contains("all checks passed"), "{log}");
}
