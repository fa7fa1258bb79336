//! Helpers of the dual-control tests: people, quorums, rules, a guarded
//! key, and counting audit records.

use tresor_core::{Algorithm, AuditFilter, Caller, RequestId, Role, SecretBytes, TenantId};
use tresor_service::approvals::{Alternative, KeyPolicy, QuorumGroup, Rule};
use tresor_service::types::{Binding, EncryptRequest, KeySpec};
use tresor_service::{KeyRef, ServiceError};

use super::Harness;

pub fn person(name: &str, role: Role) -> Caller {
    Caller {
        auth_time: None,
        principal: format!("user:{name}"),
        tenant: TenantId::default_tenant(),
        role,
        platform_admin: false,
        request_id: RequestId::generate(),
        source: Some("127.0.0.1".into()),
    }
}

pub fn group(m: u32, who: &[&str], timelock_secs: u64, timeout_secs: u64) -> QuorumGroup {
    QuorumGroup {
        name: String::new(),
        required: m,
        approvers: who.iter().map(|w| format!("user:{w}")).collect(),
        timelock_secs,
        timeout_secs,
        require_signature: false,
    }
}

pub fn rule(alternatives: Vec<Vec<QuorumGroup>>) -> Rule {
    Rule {
        any_of: alternatives
            .into_iter()
            .map(|all_of| Alternative { all_of })
            .collect(),
    }
}

pub fn pending_id(e: ServiceError) -> String {
    match e {
        ServiceError::ApprovalPending { request, .. } => request,
        other => panic!("expected a pending approval, got {other:?}"),
    }
}

pub fn enc(pt: &[u8]) -> EncryptRequest {
    EncryptRequest {
        plaintext: SecretBytes::from_slice(pt),
        binding: Binding::default(),
    }
}

pub async fn actions(h: &Harness, action: &str) -> usize {
    let filter = AuditFilter {
        action: Some(action.into()),
        limit: 1000,
        ..Default::default()
    };
    h.store.list_audit(&filter).await.unwrap().len()
}

/// An AES key owned by alice with `policy` set by her (a user).
pub async fn guarded_key(h: &Harness, alg: Algorithm, policy: KeyPolicy) -> KeyRef {
    let alice = person("alice", Role::User);
    let k = h.kms.create_key(&alice, KeySpec::new(alg)).await.unwrap();
    let r = KeyRef::Id(k.key.id);
    h.kms.set_key_policy(&alice, &r, policy).await.unwrap();
    r
}
