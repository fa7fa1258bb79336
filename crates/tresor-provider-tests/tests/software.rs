//! The conformance suite against the software provider, with its state in
//! a real SQLite store in a temp dir.

#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use tresor_core::{Provider, ProviderStateStore};
use tresor_crypto::{RootKey, SoftwareProvider};
use tresor_provider_tests::{Claims, provider_conformance_tests};

const ROOT_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

async fn software() -> (Arc<dyn Provider>, Claims, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/state.db?mode=rwc", dir.path().display());
    let store = tresor_store::open(&url, &Default::default()).await.unwrap();
    let store: Arc<dyn ProviderStateStore> = store;
    let root = RootKey::parse_encoded(ROOT_HEX).unwrap();
    let provider = SoftwareProvider::new(SoftwareProvider::default_id(), &root, store).unwrap();
    let provider: Arc<dyn Provider> = Arc::new(provider);
    let claims = Claims::of(provider.as_ref());
    (provider, claims, dir)
}

provider_conformance_tests!(software_sqlite, || software());
