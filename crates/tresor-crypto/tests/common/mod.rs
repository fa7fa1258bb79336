//! Test doubles and helpers shared by the integration tests: an in-memory
//! `ProviderStateStore` (a legitimate double for the port) and contexts.

#![allow(dead_code, clippy::unwrap_used)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tresor_core::{
    Algorithm, KeyContext, KeyId, ProviderId, ProviderStateStore, StoreError, TenantId,
};
use tresor_crypto::{RootKey, SoftwareProvider};

/// Blobs in a map; counts writes that actually stored something.
#[derive(Debug, Default)]
pub struct MemStore {
    blobs: Mutex<HashMap<(String, String), Vec<u8>>>,
    pub stored: AtomicUsize,
}

impl MemStore {
    pub fn blob(&self, provider: &str, name: &str) -> Option<Vec<u8>> {
        self.blobs
            .lock()
            .unwrap()
            .get(&(provider.to_owned(), name.to_owned()))
            .cloned()
    }

    pub fn stored(&self) -> usize {
        self.stored.load(Ordering::SeqCst)
    }
}

#[async_trait]
impl ProviderStateStore for MemStore {
    async fn get_blob(
        &self,
        provider: &ProviderId,
        name: &str,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self
            .blobs
            .lock()
            .unwrap()
            .get(&(provider.to_string(), name.to_owned()))
            .cloned())
    }

    async fn put_blob_if_absent(
        &self,
        provider: &ProviderId,
        name: &str,
        value: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        // Yield first so concurrent creators really race.
        tokio::task::yield_now().await;
        let mut blobs = self.blobs.lock().unwrap();
        let entry = blobs
            .entry((provider.to_string(), name.to_owned()))
            .or_insert_with(|| {
                self.stored.fetch_add(1, Ordering::SeqCst);
                value.to_vec()
            });
        Ok(entry.clone())
    }
}

pub const ROOT_HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

pub fn root() -> RootKey {
    RootKey::parse_encoded(ROOT_HEX).unwrap()
}

pub fn provider_with(store: &Arc<MemStore>, root: &RootKey) -> SoftwareProvider {
    SoftwareProvider::new(SoftwareProvider::default_id(), root, store.clone()).unwrap()
}

pub fn provider() -> (Arc<MemStore>, SoftwareProvider) {
    let store = Arc::new(MemStore::default());
    let p = provider_with(&store, &root());
    (store, p)
}

pub fn tenant(name: &str) -> TenantId {
    TenantId::parse(name).unwrap()
}

pub fn ctx(alg: Algorithm) -> KeyContext {
    KeyContext {
        tenant: tenant("acme"),
        key_id: KeyId::generate(),
        version: 1,
        algorithm: alg,
    }
}
