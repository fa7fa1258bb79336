//! Runs the Store conformance suite on SQLite, one fresh temp-dir database
//! per case.

// Test code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;

use tempfile::TempDir;
use tresor_core::Store;
use tresor_store::{StoreOptions, open};

async fn fresh() -> (Arc<dyn Store>, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/tresor.db?mode=rwc", dir.path().display());
    let store = open(&url, &StoreOptions::default()).await.unwrap();
    (store, dir)
}

tresor_store::conformance_tests!(sqlite, || fresh());
