//! The key lifecycle through the service: every state a key can be in, what
//! each state allows, scheduled destroy with its pending window, and
//! crypto-shredding.

mod common;

use common::{caller, harness};
use tresor_core::{Algorithm, KeyState, RevocationReason, Role, SecretBytes, VersionState};
use tresor_service::types::{Binding, DecryptRequest, EncryptRequest, KeySpec};
use tresor_service::{KeyRef, ServiceError};

fn enc(pt: &[u8]) -> EncryptRequest {
    EncryptRequest {
        plaintext: SecretBytes::from_slice(pt),
        binding: Binding::default(),
    }
}

fn dec(ct: &[u8]) -> DecryptRequest {
    DecryptRequest {
        ciphertext: ct.to_vec(),
        binding: Binding::default(),
        key_version: None,
    }
}

#[tokio::test]
async fn suspend_revoke_destroy() {
    let h = harness().await;
    let k = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let r = KeyRef::Id(k.key.id);
    let ct = h
        .kms
        .encrypt(&h.admin, &r, enc(b"hi"))
        .await
        .unwrap()
        .ciphertext;

    // Suspended: nothing works, then enable restores.
    h.kms.disable_key(&h.admin, &r).await.unwrap();
    let e = h.kms.decrypt(&h.admin, &r, dec(&ct)).await.unwrap_err();
    assert_eq!(e.code(), "invalid_key_state");
    assert!(h.kms.disable_key(&h.admin, &r).await.is_err());
    h.kms.enable_key(&h.admin, &r).await.unwrap();

    // Deactivated: decrypt yes, encrypt no.
    let d = h
        .kms
        .revoke_key(
            &h.admin,
            &r,
            RevocationReason::Superseded,
            Some("old".into()),
        )
        .await
        .unwrap();
    assert_eq!(d.key.state, KeyState::Deactivated);
    let pt = h
        .kms
        .decrypt(&h.admin, &r, dec(&ct))
        .await
        .unwrap()
        .plaintext;
    assert_eq!(pt.expose(), b"hi");
    let e = h.kms.encrypt(&h.admin, &r, enc(b"x")).await.unwrap_err();
    assert_eq!(e.code(), "invalid_key_state");
    assert!(h.kms.enable_key(&h.admin, &r).await.is_err());

    // Compromised after deactivation, then destroyed-compromised.
    let d = h
        .kms
        .revoke_key(&h.admin, &r, RevocationReason::KeyCompromise, None)
        .await
        .unwrap();
    assert_eq!(d.key.state, KeyState::Compromised);
    let d = h.kms.destroy_key(&h.admin, &r).await.unwrap();
    assert_eq!(d.key.state, KeyState::DestroyedCompromised);
    assert!(
        d.versions
            .iter()
            .all(|v| v.state == VersionState::Destroyed)
    );
    // Material is gone from the store row; metadata stays.
    let v = h
        .store
        .get_version(&k.key.tenant, &k.key.id, 1)
        .await
        .unwrap()
        .unwrap();
    assert!(v.handle.is_empty());
    let e = h.kms.decrypt(&h.admin, &r, dec(&ct)).await.unwrap_err();
    assert_eq!(e.code(), "invalid_key_state");
    assert!(h.kms.get_key(&h.admin, &r).await.is_ok());
}

#[tokio::test]
async fn active_keys_cannot_be_destroyed_at_once() {
    let h = harness().await;
    let k = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Ed25519))
        .await
        .unwrap();
    let r = KeyRef::Id(k.key.id);
    let e = h.kms.destroy_key(&h.admin, &r).await.unwrap_err();
    assert_eq!(e.code(), "invalid_key_state");
    // A user may not destroy at all; an admin may after disabling.
    h.kms.disable_key(&h.admin, &r).await.unwrap();
    let user = caller(Role::User, false);
    assert!(matches!(
        h.kms.destroy_key(&user, &r).await,
        Err(ServiceError::Forbidden { .. })
    ));
    assert_eq!(
        h.kms.destroy_key(&h.admin, &r).await.unwrap().key.state,
        KeyState::Destroyed
    );
}

#[tokio::test]
async fn pre_active_keys_wait_for_enable() {
    let h = harness().await;
    let mut spec = KeySpec::new(Algorithm::Aes128Gcm);
    spec.activate = false;
    let k = h.kms.create_key(&h.admin, spec).await.unwrap();
    assert_eq!(k.key.state, KeyState::PreActive);
    let r = KeyRef::Id(k.key.id);
    assert!(h.kms.encrypt(&h.admin, &r, enc(b"x")).await.is_err());
    let k = h.kms.enable_key(&h.admin, &r).await.unwrap();
    assert_eq!(k.key.state, KeyState::Active);
    assert!(k.key.activated_at.is_some());
    assert!(h.kms.encrypt(&h.admin, &r, enc(b"x")).await.is_ok());
}

#[tokio::test]
async fn scheduled_destroy_window_and_cancel() {
    let h = harness().await;
    let k = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
        .await
        .unwrap();
    let r = KeyRef::Id(k.key.id);
    for bad in [0, 6, 31, 365] {
        let e = h
            .kms
            .schedule_destroy(&h.admin, &r, Some(bad))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "invalid_argument", "{bad} days");
    }
    let d = h.kms.schedule_destroy(&h.admin, &r, None).await.unwrap();
    let at = d.key.destroy_at.unwrap();
    assert_eq!(at, h.kms.now().plus_seconds(30 * 86_400));
    let e = h.kms.encrypt(&h.admin, &r, enc(b"x")).await.unwrap_err();
    assert_eq!(e.code(), "key_pending_destroy");
    let e = h
        .kms
        .schedule_destroy(&h.admin, &r, Some(7))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "key_pending_destroy");
    let d = h.kms.cancel_destroy(&h.admin, &r).await.unwrap();
    assert_eq!(d.key.destroy_at, None);
    assert!(h.kms.encrypt(&h.admin, &r, enc(b"x")).await.is_ok());
    assert!(h.kms.cancel_destroy(&h.admin, &r).await.is_err());
}

#[tokio::test]
async fn versions_rotate_and_disable() {
    let h = harness().await;
    let k = h
        .kms
        .create_key(&h.admin, KeySpec::new(Algorithm::ChaCha20Poly1305))
        .await
        .unwrap();
    let r = KeyRef::Id(k.key.id);
    let ct1 = h.kms.encrypt(&h.admin, &r, enc(b"one")).await.unwrap();
    assert_eq!(ct1.key_version, 1);
    let d = h.kms.rotate_key(&h.admin, &r, None).await.unwrap();
    assert_eq!(d.key.primary_version, 2);
    assert_eq!(d.versions.len(), 2);
    let ct2 = h.kms.encrypt(&h.admin, &r, enc(b"two")).await.unwrap();
    assert_eq!(ct2.key_version, 2);
    let out = h
        .kms
        .decrypt(&h.admin, &r, dec(&ct1.ciphertext))
        .await
        .unwrap();
    assert_eq!((out.plaintext.expose(), out.key_version), (&b"one"[..], 1));
    // The primary cannot be disabled; an old version can, and then its
    // ciphertexts fail opaquely.
    assert!(
        h.kms
            .set_version_enabled(&h.admin, &r, 2, false)
            .await
            .is_err()
    );
    h.kms
        .set_version_enabled(&h.admin, &r, 1, false)
        .await
        .unwrap();
    let e = h
        .kms
        .decrypt(&h.admin, &r, dec(&ct1.ciphertext))
        .await
        .unwrap_err();
    assert_eq!(e.code(), "crypto_failed");
    h.kms
        .set_version_enabled(&h.admin, &r, 1, true)
        .await
        .unwrap();
    assert!(
        h.kms
            .decrypt(&h.admin, &r, dec(&ct1.ciphertext))
            .await
            .is_ok()
    );
}

/// Replacing a key (KMIP Re-key): a new key takes the alias and the
/// caller's tags, both are linked by reserved tags that callers can
/// neither set nor remove, and a key is replaced once.
#[tokio::test]
async fn replace_moves_the_alias_and_links_with_reserved_tags() {
    use tresor_service::replace::{REPLACED_BY_TAG, REPLACES_TAG, Replacement};
    use tresor_service::types::KeyUpdate;

    let h = harness().await;
    let mut spec = KeySpec::new(Algorithm::Aes256Gcm);
    spec.alias = Some(tresor_core::Alias::parse("orders").unwrap());
    spec.tags.insert("team".into(), "payments".into());
    let old = h.kms.create_key(&h.admin, spec).await.unwrap().key;
    let done = h
        .kms
        .replace_key(&h.admin, &KeyRef::Id(old.id), Replacement::default())
        .await
        .unwrap();
    let (o, n) = (done.old.key, done.new.key);
    assert_eq!(o.alias, None);
    assert_eq!(n.alias.as_ref().map(|a| a.as_str()), Some("orders"));
    assert_eq!(n.state, KeyState::PreActive);
    assert_eq!(n.tags.get("team").map(String::as_str), Some("payments"));
    assert_eq!(o.tags.get(REPLACED_BY_TAG), Some(&n.id.to_string()));
    assert_eq!(n.tags.get(REPLACES_TAG), Some(&o.id.to_string()));
    // The alias now resolves to the replacement.
    let by_alias = h
        .kms
        .get_key(
            &h.admin,
            &KeyRef::Alias(tresor_core::Alias::parse("orders").unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(by_alias.key.id, n.id);
    // Once only.
    let again = h
        .kms
        .replace_key(&h.admin, &KeyRef::Id(o.id), Replacement::default())
        .await
        .unwrap_err();
    assert_eq!(again.code(), "invalid_key_state");

    // Reserved tags: refused on create, kept (not taken from the caller) on update.
    let mut forged = KeySpec::new(Algorithm::Aes256Gcm);
    forged.tags.insert(REPLACED_BY_TAG.into(), "x".into());
    let e = h.kms.create_key(&h.admin, forged).await.unwrap_err();
    assert!(matches!(e, ServiceError::InvalidArgument { .. }), "{e:?}");
    let mut tags = std::collections::BTreeMap::new();
    tags.insert("team".into(), "risk".into());
    tags.insert(REPLACED_BY_TAG.into(), "forged".into());
    let updated = h
        .kms
        .update_key(
            &h.admin,
            &KeyRef::Id(o.id),
            KeyUpdate {
                tags: Some(tags),
                ..KeyUpdate::default()
            },
        )
        .await
        .unwrap()
        .key;
    assert_eq!(updated.tags.get("team").map(String::as_str), Some("risk"));
    assert_eq!(updated.tags.get(REPLACED_BY_TAG), Some(&n.id.to_string()));
}
