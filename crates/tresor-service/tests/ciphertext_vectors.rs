//! The ciphertext test vectors published in docs/ciphertext.md: the envelope
//! layout and associated data are rebuilt from the documented inputs, and the
//! documented envelope opens through the real software provider.

#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::Arc;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use tresor_core::{
    Algorithm, KeyContext, KeyId, Provider, ProviderStateStore, SecretBytes, TenantId,
};
use tresor_crypto::{RootKey, SoftwareProvider};
use tresor_service::envelope::{Envelope, associated_data};
use tresor_service::types::Binding;

const KEY: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";
const KEY_ID: &str = "0190d0a0-0000-7000-8000-000000000001";
const NONCE: &str = "a0a1a2a3a4a5a6a7a8a9aaab";
const AAD: &[u8] = b"tresor-vector";
const PLAINTEXT: &[u8] = b"Hello, Tresor!";

/// Vector 1: AES-256-GCM, version 1, AAD and context.
const ENVELOPE_1: &str = "010190d0a000007000800000000000000100000001020ca0a1a2a3a4a5a6a7a8a9aaabae7d10412ae722eb1000f4bc755bb05dcc6a250113c892e2b7aa515506ca";
/// Vector 2: the same without AAD or context, version 7.
const ENVELOPE_2: &str = "010190d0a000007000800000000000000100000007020ca0a1a2a3a4a5a6a7a8a9aaabae7d10412ae722eb1000f4bc755b251244dd3e984e38597d0ffd666338fa";

fn binding(with: bool) -> Binding {
    if !with {
        return Binding::default();
    }
    let mut context = BTreeMap::new();
    context.insert("purpose".to_owned(), "docs".to_owned());
    context.insert("tenant".to_owned(), "default".to_owned());
    Binding {
        aad: AAD.to_vec(),
        context,
    }
}

fn seal(version: u32, b: &Binding) -> Vec<u8> {
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, &hex::decode(KEY).unwrap()).unwrap());
    let nonce: [u8; 12] = hex::decode(NONCE).unwrap().try_into().unwrap();
    let pre = Envelope {
        key_id: KeyId::parse(KEY_ID).unwrap(),
        version,
        algorithm: Algorithm::Aes256Gcm,
        nonce: Vec::new(),
        ciphertext: Vec::new(),
    };
    let ad = associated_data(&pre.header(), b);
    let mut data = PLAINTEXT.to_vec();
    key.seal_in_place_append_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(ad),
        &mut data,
    )
    .unwrap();
    Envelope {
        nonce: nonce.to_vec(),
        ciphertext: data,
        ..pre
    }
    .to_bytes()
}

#[test]
fn documented_envelopes_match_the_format() {
    let v1 = hex::encode(seal(1, &binding(true)));
    let v2 = hex::encode(seal(7, &binding(false)));
    assert_eq!((v1.as_str(), v2.as_str()), (ENVELOPE_1, ENVELOPE_2));
}

#[tokio::test]
async fn documented_envelopes_open_in_the_software_provider() {
    let store = MemBlobs::default();
    let provider = SoftwareProvider::new(
        SoftwareProvider::default_id(),
        &RootKey::generate().unwrap(),
        Arc::new(store),
    )
    .unwrap();
    for (hexenv, with) in [(ENVELOPE_1, true), (ENVELOPE_2, false)] {
        let env = Envelope::parse(&hex::decode(hexenv).unwrap()).unwrap();
        assert_eq!(env.key_id.to_string(), KEY_ID);
        let ctx = KeyContext {
            tenant: TenantId::default_tenant(),
            key_id: env.key_id,
            version: env.version,
            algorithm: env.algorithm,
        };
        let made = provider
            .import(&ctx, &SecretBytes::new(hex::decode(KEY).unwrap()))
            .await
            .unwrap();
        let pre = Envelope {
            nonce: Vec::new(),
            ciphertext: Vec::new(),
            ..env.clone()
        };
        let ad = associated_data(&pre.header(), &binding(with));
        let pt = provider
            .decrypt(&ctx, &made.handle, &env.nonce, &env.ciphertext, &ad)
            .await
            .unwrap();
        assert_eq!(pt.expose(), PLAINTEXT);
        // Any other binding fails.
        let wrong = associated_data(&pre.header(), &binding(!with));
        assert!(
            provider
                .decrypt(&ctx, &made.handle, &env.nonce, &env.ciphertext, &wrong)
                .await
                .is_err()
        );
    }
}

/// The provider's state port, in memory (the store itself is tested elsewhere).
#[derive(Debug, Default)]
struct MemBlobs(std::sync::Mutex<BTreeMap<String, Vec<u8>>>);

#[async_trait::async_trait]
impl ProviderStateStore for MemBlobs {
    async fn get_blob(
        &self,
        p: &tresor_core::ProviderId,
        name: &str,
    ) -> Result<Option<Vec<u8>>, tresor_core::StoreError> {
        Ok(self.0.lock().unwrap().get(&format!("{p}/{name}")).cloned())
    }

    async fn put_blob_if_absent(
        &self,
        p: &tresor_core::ProviderId,
        name: &str,
        value: &[u8],
    ) -> Result<Vec<u8>, tresor_core::StoreError> {
        let mut m = self.0.lock().unwrap();
        Ok(m.entry(format!("{p}/{name}"))
            .or_insert_with(|| value.to_vec())
            .clone())
    }
}
