//! Builders for the records the conformance cases store, and small helpers
//! that commit them (with one audit event each, as the service would).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tresor_core::{
    Algorithm, Alias, ApiKeyId, ApiKeyRecord, AuditEvent, CertPrincipal, Change, KeyId, KeyOrigin,
    KeyRecord, KeyState, Operation, Outcome, ProviderId, Role, Store, TenantId, TenantRecord,
    Timestamp, VersionRecord, VersionState,
};

/// A fixed instant the fixtures use (2026-01-01T00:00:00Z).
pub const T0: i64 = 1_767_225_600_000_000;

/// `T0` plus `secs` seconds.
pub fn at(secs: i64) -> Timestamp {
    Timestamp::from_unix_micros(T0).plus_seconds(secs)
}

/// A tenant id.
pub fn tid(s: &str) -> TenantId {
    TenantId::parse(s).expect("valid tenant id")
}

/// An alias.
pub fn alias(s: &str) -> Alias {
    Alias::parse(s).expect("valid alias")
}

/// A tenant record.
pub fn tenant(id: &str) -> TenantRecord {
    TenantRecord {
        id: tid(id),
        display_name: format!("Tenant {id}"),
        created_at: at(0),
    }
}

/// An active AES-256-GCM key with every optional field filled, so a round
/// trip checks every column.
pub fn key(tenant: &str, alias_name: Option<&str>) -> KeyRecord {
    let mut tags = BTreeMap::new();
    tags.insert("team".to_owned(), "payments".to_owned());
    KeyRecord {
        id: KeyId::generate(),
        tenant: tid(tenant),
        alias: alias_name.map(alias),
        description: "conformance key ✓".to_owned(),
        algorithm: Algorithm::Aes256Gcm,
        operations: BTreeSet::from([Operation::Encrypt, Operation::Decrypt]),
        provider: ProviderId::parse("software").expect("valid provider id"),
        state: KeyState::Active,
        primary_version: 1,
        tags,
        exportable: false,
        publish_jwk: true,
        internal: false,
        origin: KeyOrigin::Generated,
        rotation_period_secs: Some(86_400),
        next_rotation_at: Some(at(86_400)),
        destroy_at: None,
        revocation_reason: None,
        revocation_message: None,
        created_at: at(0),
        updated_at: at(0),
        activated_at: Some(at(0)),
        deactivated_at: None,
        destroyed_at: None,
        revision: 0,
    }
}

/// A version of `k` with a fake wrapped handle.
pub fn version(k: &KeyRecord, v: u32) -> VersionRecord {
    VersionRecord {
        tenant: k.tenant.clone(),
        key_id: k.id,
        version: v,
        state: VersionState::Enabled,
        handle: vec![0xA5, 0, u8::try_from(v % 256).unwrap_or(0), 0xFF],
        public_key: v.is_multiple_of(2).then(|| vec![0x30, 0x59, 0x01]),
        created_at: at(i64::from(v)),
        destroyed_at: None,
    }
}

/// An API key whose token hash is derived from `n`.
pub fn api_key(tenant: &str, n: u8) -> ApiKeyRecord {
    ApiKeyRecord {
        id: ApiKeyId::generate(),
        tenant: tid(tenant),
        name: format!("ci-{n}"),
        role: Role::User,
        platform_admin: false,
        token_hash: vec![n; 32],
        token_prefix: format!("tk_{n:02x}"),
        created_at: at(0),
        created_by: "admin".to_owned(),
        expires_at: Some(at(3600)),
        revoked_at: None,
    }
}

/// A certificate principal mapping.
pub fn cert_principal(tenant: &str, cn: &str, role: Role) -> CertPrincipal {
    CertPrincipal {
        tenant: tid(tenant),
        subject_cn: cn.to_owned(),
        role,
        created_at: at(0),
        created_by: "admin".to_owned(),
    }
}

/// An audit event with every optional field set.
pub fn event(tenant: &str, action: &str, object: Option<&str>) -> AuditEvent {
    AuditEvent {
        time: at(0),
        tenant: tenant.to_owned(),
        principal: "api-key:test".to_owned(),
        action: action.to_owned(),
        object: object.map(str::to_owned),
        outcome: Outcome::Success,
        error_code: None,
        request_id: "req-1".to_owned(),
        source: Some("127.0.0.1".to_owned()),
        detail: Some("{\"version\":1}".to_owned()),
    }
}

/// Commits one change with one matching audit event.
pub async fn apply(store: &Arc<dyn Store>, change: Change) {
    store
        .commit(vec![change], vec![event("t", "test.change", None)])
        .await
        .expect("commit");
}

/// Creates the tenants.
pub async fn tenants(store: &Arc<dyn Store>, ids: &[&str]) {
    for id in ids {
        apply(store, Change::CreateTenant(tenant(id))).await;
    }
}

/// Creates a key and returns it as stored.
pub async fn create_key(store: &Arc<dyn Store>, k: KeyRecord) -> KeyRecord {
    apply(store, Change::CreateKey(k.clone())).await;
    k
}
