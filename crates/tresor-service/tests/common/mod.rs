//! Test harness: a real `Kms` over a real SQLite store in a temp dir and the
//! real software provider, with a clock the test moves by hand.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod approvals;

use std::sync::Arc;

use tempfile::TempDir;
use tresor_core::{
    Caller, Clock, ManualClock, ProviderStateStore, RequestId, Role, Store, TenantId, Timestamp,
};
use tresor_crypto::{RootKey, SoftwareProvider};
use tresor_service::{Kms, KmsConfig, ProviderRegistry};
use tresor_store::StoreOptions;

pub struct Harness {
    pub kms: Kms,
    pub store: Arc<dyn Store>,
    pub clock: Arc<ManualClock>,
    pub admin: Caller,
    _dir: TempDir,
}

pub async fn harness() -> Harness {
    harness_with(KmsConfig::default()).await
}

/// A harness whose service has `config`.
pub async fn harness_with(config: KmsConfig) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/tresor.db", dir.path().display());
    let store = tresor_store::open(&url, &StoreOptions::default())
        .await
        .unwrap();
    let root = RootKey::generate().unwrap();
    let blobs: Arc<dyn ProviderStateStore> = store.clone();
    let provider = SoftwareProvider::new(SoftwareProvider::default_id(), &root, blobs).unwrap();
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_micros(
        1_800_000_000_000_000,
    )));
    let kms = Kms::new(
        store.clone(),
        ProviderRegistry::new(Arc::new(provider)),
        clock.clone() as Arc<dyn Clock>,
        config,
        None,
    );
    kms.bootstrap(None).await.unwrap();
    let admin = caller(Role::Admin, true);
    Harness {
        kms,
        store,
        clock,
        admin,
        _dir: dir,
    }
}

pub fn caller(role: Role, platform_admin: bool) -> Caller {
    Caller {
        auth_time: None,
        principal: format!("test:{role}"),
        tenant: TenantId::default_tenant(),
        role,
        platform_admin,
        request_id: RequestId::generate(),
        source: Some("127.0.0.1".into()),
    }
}
