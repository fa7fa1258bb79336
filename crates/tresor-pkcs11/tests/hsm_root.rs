//! The software keystore with its root key inside the SoftHSM2 token
//! ([`tresor_crypto::ProviderRoot`]): keys made under it work after a
//! "restart" (a new provider over the same stored blobs), the stored
//! tenant-key blob holds no plaintext and is sealed by the token, and once
//! the token's root key is deleted, unwrapping fails with a clear
//! `Unavailable` error naming the key (never a silent fallback).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use cryptoki::context::{CInitializeArgs, CInitializeFlags, Pkcs11};
use cryptoki::object::Attribute;
use cryptoki::session::UserType;
use secrecy::SecretString;
use tresor_core::{Algorithm, Provider, ProviderError, ProviderId, ProviderStateStore, StoreError};
use tresor_crypto::{ProviderRoot, ProviderRootError, SoftwareProvider};
use tresor_provider_tests::support::ctx;

/// Blobs in a map (a legitimate double for the state port).
#[derive(Debug, Default)]
struct MemStore(Mutex<HashMap<String, Vec<u8>>>);

#[async_trait]
impl ProviderStateStore for MemStore {
    async fn get_blob(&self, p: &ProviderId, name: &str) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.0.lock().unwrap().get(&format!("{p}/{name}")).cloned())
    }
    async fn put_blob_if_absent(
        &self,
        p: &ProviderId,
        name: &str,
        value: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        let mut m = self.0.lock().unwrap();
        Ok(m.entry(format!("{p}/{name}"))
            .or_insert_with(|| value.to_vec())
            .clone())
    }
}

/// Deletes the secret keys labelled `label` through a second cryptoki handle.
fn delete_from_token(label: &str) {
    let token = common::token().unwrap();
    let pkcs11 = Pkcs11::new(&token.module).unwrap();
    let _ = pkcs11.initialize(CInitializeArgs::new(CInitializeFlags::OS_LOCKING_OK));
    let slot = pkcs11
        .get_slots_with_token()
        .unwrap()
        .into_iter()
        .find(|s| pkcs11.get_token_info(*s).unwrap().label() == common::LABEL)
        .unwrap();
    let session = pkcs11.open_rw_session(slot).unwrap();
    let _ = session.login(
        UserType::User,
        Some(&SecretString::from(common::PIN.to_owned())),
    );
    let found = session
        .find_objects(&[Attribute::Label(label.as_bytes().to_vec())])
        .unwrap();
    assert!(
        !found.is_empty(),
        "the root key should exist before deletion"
    );
    for h in found {
        session.destroy_object(h).unwrap();
    }
}

#[tokio::test]
async fn hsm_root_key_seals_tenant_keys_and_fails_clearly_when_gone() {
    let Some(token) = common::provider().await else {
        common::skip();
        return;
    };
    let label = "tresor-root-test";
    let hsm: Arc<dyn Provider> = token.clone();
    // Missing at first: a typed "missing" error, then created once.
    assert!(matches!(
        ProviderRoot::connect(hsm.clone(), label).await,
        Err(ProviderRootError::Missing { .. })
    ));
    assert!(token.create_root_key(label).await.unwrap());
    assert!(!token.create_root_key(label).await.unwrap(), "not twice");

    let store = Arc::new(MemStore::default());
    let software = |store: Arc<MemStore>| {
        let hsm = hsm.clone();
        async move {
            let root = ProviderRoot::connect(hsm, label).await.unwrap();
            SoftwareProvider::with_root(SoftwareProvider::default_id(), Arc::new(root), store)
        }
    };
    let first = software(store.clone()).await;
    assert!(first.root_kcv().contains(label));
    let c = ctx(Algorithm::Aes256Gcm);
    let key = first.generate(&c).await.unwrap();
    let sealed = first
        .encrypt(&c, &key.handle, b"secret text", b"aad")
        .await
        .unwrap();

    // The stored tenant key is a token-sealed blob (format 0x02).
    let blobs = store.0.lock().unwrap().clone();
    assert_eq!(blobs.len(), 1);
    let blob = blobs.values().next().unwrap();
    assert_eq!(blob[0], 0x02, "sealed by the HSM root");

    // "Restart": a new provider over the same blobs decrypts.
    let second = software(store.clone()).await;
    let plain = second
        .decrypt(&c, &key.handle, &sealed.nonce, &sealed.ciphertext, b"aad")
        .await
        .unwrap();
    assert_eq!(plain.expose(), b"secret text");

    // A tampered tenant blob is the opaque crypto error.
    let tampered = Arc::new(MemStore::default());
    for (k, v) in &blobs {
        let mut v = v.clone();
        let last = v.len() - 1;
        v[last] ^= 1;
        tampered.0.lock().unwrap().insert(k.clone(), v);
    }
    let bad = software(tampered).await;
    let e = bad
        .decrypt(&c, &key.handle, &sealed.nonce, &sealed.ciphertext, b"aad")
        .await
        .unwrap_err();
    assert!(matches!(e, ProviderError::Crypto), "{e:?}");

    // The token's root key is deleted: a fresh provider (nothing cached)
    // cannot unwrap, and says why.
    let third = software(store.clone()).await;
    delete_from_token(label);
    let e = third
        .decrypt(&c, &key.handle, &sealed.nonce, &sealed.ciphertext, b"aad")
        .await
        .unwrap_err();
    let ProviderError::Unavailable(source) = &e else {
        panic!("expected Unavailable, got {e:?}");
    };
    let text = source.to_string();
    assert!(
        text.contains(label) && text.contains("not in provider"),
        "{text}"
    );
    assert!(matches!(
        ProviderRoot::connect(hsm.clone(), label).await,
        Err(ProviderRootError::Missing { .. })
    ));
}
