//! Inventory, compliance and post-quantum readiness reports over a real
//! store and the software provider, with a hand-moved clock so ages and
//! rotation deadlines are exact.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::collections::BTreeSet;

use common::{caller, harness};
use tresor_core::{Algorithm, AuditFilter, KeyState, Operation, RevocationReason, Role, TenantId};
use tresor_service::KeyRef;
use tresor_service::reports::compliance::{Rule, Thresholds};
use tresor_service::reports::pqc::{Priority, QuantumStatus};
use tresor_service::reports::{cbom, csv};
use tresor_service::types::KeySpec;

const DAY: i64 = 86_400;

fn spec(alg: Algorithm) -> KeySpec {
    KeySpec::new(alg)
}

fn ops(list: &[Operation]) -> Option<BTreeSet<Operation>> {
    Some(list.iter().copied().collect())
}

async fn audit_count(h: &common::Harness, action: &str) -> usize {
    h.store
        .list_audit(&AuditFilter {
            action: Some(action.into()),
            ..AuditFilter::default()
        })
        .await
        .unwrap()
        .len()
}

#[tokio::test]
async fn compliance_findings_score_and_recommendations() {
    let h = harness().await;
    let kms = &h.kms;
    let a = &h.admin;
    // Compliant: rotates every 30 days.
    let mut s = spec(Algorithm::Aes256Gcm);
    s.rotation_period_secs = Some(30 * DAY);
    let good = kms.create_key(a, s).await.unwrap().key.id;
    // Deprecated size (RSA-2048), otherwise fine.
    let rsa = kms
        .create_key(a, spec(Algorithm::Rsa2048))
        .await
        .unwrap()
        .key
        .id;
    // Symmetric without a rotation period.
    let norot = kms
        .create_key(a, spec(Algorithm::Aes128Gcm))
        .await
        .unwrap()
        .key
        .id;
    // Exportable, rotates yearly.
    let mut s = spec(Algorithm::Aes256Gcm);
    s.exportable = true;
    s.rotation_period_secs = Some(365 * DAY);
    let exp = kms.create_key(a, s).await.unwrap().key.id;
    // Critical, with a rotation period.
    let mut s = spec(Algorithm::HmacSha256);
    s.rotation_period_secs = Some(30 * DAY);
    s.tags.insert("critical".into(), "true".into());
    let crit = kms.create_key(a, s).await.unwrap().key.id;
    // Compromised (material still there).
    let comp = kms
        .create_key(a, spec(Algorithm::Ed25519))
        .await
        .unwrap()
        .key
        .id;
    kms.revoke_key(a, &KeyRef::Id(comp), RevocationReason::KeyCompromise, None)
        .await
        .unwrap();
    // Destroyed keys are not checked.
    let gone = kms
        .create_key(a, spec(Algorithm::Rsa2048))
        .await
        .unwrap()
        .key
        .id;
    kms.disable_key(a, &KeyRef::Id(gone)).await.unwrap();
    kms.destroy_key(a, &KeyRef::Id(gone)).await.unwrap();

    let r = kms
        .compliance_report(a, Thresholds::default())
        .await
        .unwrap();
    assert_eq!(r.keys_checked, 6);
    let rules_of = |id: tresor_core::KeyId| {
        let id = id.to_string();
        r.findings
            .iter()
            .filter(|f| f.key_id == id)
            .map(|f| f.rule)
            .collect::<Vec<_>>()
    };
    assert!(rules_of(good).is_empty());
    assert_eq!(rules_of(rsa), vec![Rule::DeprecatedKeySize]);
    assert_eq!(rules_of(norot), vec![Rule::NoRotationPolicy]);
    assert!(rules_of(exp).is_empty(), "young exportable keys are fine");
    assert_eq!(rules_of(crit), vec![Rule::CriticalWithoutDualControl]);
    assert_eq!(rules_of(comp), vec![Rule::CompromisedNotDestroyed]);
    assert!(rules_of(gone).is_empty());
    assert_eq!(r.keys_compliant, 2);
    // good 1 + exp 1 + rsa 0.8 + norot 0.8 + crit 0 + comp 0 = 3.6 / 6.
    assert_eq!(r.score, 60);
    assert_eq!(
        r.findings[0].severity,
        tresor_service::reports::compliance::Severity::High
    );
    let rec: Vec<_> = r.recommendations.iter().map(|x| x.rule).collect();
    assert!(rec.contains(&Rule::CriticalWithoutDualControl));
    assert!(
        r.recommendations
            .iter()
            .all(|x| !x.action.is_empty() && x.keys == 1)
    );

    // Guarding the critical key with an M-of-N policy clears its finding.
    let policy: tresor_service::approvals::KeyPolicy = serde_json::from_value(serde_json::json!({
        "destroy": {"any_of": [{"all_of": [{"required": 1, "approvers": ["user:custodian"]}]}]}
    }))
    .unwrap();
    kms.set_key_policy(a, &KeyRef::Id(crit), policy)
        .await
        .unwrap();
    let guarded = kms
        .compliance_report(a, Thresholds::default())
        .await
        .unwrap();
    assert!(
        guarded
            .findings
            .iter()
            .all(|f| f.key_id != crit.to_string()),
        "{:?}",
        guarded.findings
    );

    // A hundred days later the exportable key is long-lived; four hundred
    // days later keys that never rotated are past their maximum age, but
    // the scheduler-rotated ones are not.
    h.clock.advance_seconds(100 * DAY);
    let r = kms
        .compliance_report(a, Thresholds::default())
        .await
        .unwrap();
    assert!(
        r.findings
            .iter()
            .any(|f| f.key_id == exp.to_string() && f.rule == Rule::ExportableLongLived)
    );
    h.clock.advance_seconds(300 * DAY);
    kms.run_due(100).await.unwrap();
    let r = kms
        .compliance_report(a, Thresholds::default())
        .await
        .unwrap();
    let aged: BTreeSet<String> = r
        .findings
        .iter()
        .filter(|f| f.rule == Rule::MaxAgeExceeded)
        .map(|f| f.key_id.clone())
        .collect();
    assert!(aged.contains(&rsa.to_string()));
    assert!(aged.contains(&norot.to_string()));
    assert!(
        !aged.contains(&good.to_string()),
        "rotated by the scheduler"
    );
    assert!(
        !aged.contains(&comp.to_string()),
        "compromised keys are not in service"
    );
    // Rotating by hand clears it.
    kms.rotate_key(a, &KeyRef::Id(rsa), None).await.unwrap();
    let r = kms
        .compliance_report(a, Thresholds::default())
        .await
        .unwrap();
    assert!(
        !r.findings
            .iter()
            .any(|f| f.key_id == rsa.to_string() && f.rule == Rule::MaxAgeExceeded)
    );

    // Requiring hardware flags every software key.
    let t = Thresholds {
        require_hardware: true,
        ..Thresholds::default()
    };
    let r = kms.compliance_report(a, t).await.unwrap();
    let hw = r
        .findings
        .iter()
        .filter(|f| f.rule == Rule::SoftwareKeyHardwareRequired)
        .count();
    assert_eq!(hw, 6);
    assert_eq!(r.keys_compliant, 0);
}

#[tokio::test]
async fn compliance_rejects_bad_thresholds_and_is_audited() {
    let h = harness().await;
    let bad = Thresholds {
        max_key_age_days: 0,
        ..Thresholds::default()
    };
    let e = h.kms.compliance_report(&h.admin, bad).await.unwrap_err();
    assert_eq!(e.code(), "invalid_argument");
    let bad = Thresholds {
        exportable_max_age_days: -5,
        ..Thresholds::default()
    };
    assert!(h.kms.compliance_report(&h.admin, bad).await.is_err());
    let ro = caller(Role::Readonly, false);
    let empty = h
        .kms
        .compliance_report(&ro, Thresholds::default())
        .await
        .unwrap();
    assert_eq!((empty.keys_checked, empty.score), (0, 100));
    assert_eq!(audit_count(&h, "compliance.report").await, 3);
}

#[tokio::test]
async fn pqc_readiness_classifies_and_plans() {
    let h = harness().await;
    let kms = &h.kms;
    let a = &h.admin;
    for alg in [
        Algorithm::MlKem768,
        Algorithm::MlDsa65,
        Algorithm::Aes256Gcm,
    ] {
        kms.create_key(a, spec(alg)).await.unwrap();
    }
    let aes128 = kms
        .create_key(a, spec(Algorithm::Aes128Gcm))
        .await
        .unwrap()
        .key
        .id;
    let rsa = kms
        .create_key(a, spec(Algorithm::Rsa2048))
        .await
        .unwrap()
        .key
        .id;
    let mut s = spec(Algorithm::EcP384);
    s.rotation_period_secs = Some(30 * DAY);
    let p384 = kms.create_key(a, s).await.unwrap().key.id;
    let mut s = spec(Algorithm::Ed25519);
    s.operations = ops(&[Operation::Sign, Operation::Verify]);
    let ed = kms.create_key(a, s).await.unwrap().key.id;

    let r = kms.pqc_readiness(a).await.unwrap();
    assert_eq!(
        (r.keys_total, r.quantum_safe, r.weakened, r.vulnerable),
        (7, 3, 1, 3)
    );
    assert_eq!(r.readiness_percent, 42);
    let status = |id: tresor_core::KeyId| {
        r.keys
            .iter()
            .find(|k| k.key_id == id.to_string())
            .unwrap()
            .status
    };
    assert_eq!(status(aes128), QuantumStatus::Weakened);
    assert_eq!(status(rsa), QuantumStatus::Vulnerable);
    let step = |id: tresor_core::KeyId| {
        r.migration_plan
            .iter()
            .find(|s| s.key_id == id.to_string())
            .unwrap()
            .clone()
    };
    // RSA encryption: harvest-now-decrypt-later, to ML-KEM.
    let s = step(rsa);
    assert_eq!(s.priority, Priority::High);
    assert_eq!(s.replacements, vec![Algorithm::MlKem768]);
    assert!(s.replacement_available, "the software provider has ML-KEM");
    // A P-384 signing key rotated monthly: medium, to ML-DSA-87.
    let s = step(p384);
    assert_eq!(s.priority, Priority::Medium);
    assert_eq!(s.replacements, vec![Algorithm::MlDsa87]);
    // Ed25519 without rotation: a long-lived signature key.
    let s = step(ed);
    assert_eq!(s.priority, Priority::High);
    assert_eq!(s.replacements, vec![Algorithm::MlDsa65]);
    let s = step(aes128);
    assert_eq!(
        (s.priority, s.replacements.clone()),
        (Priority::Low, vec![Algorithm::Aes256Gcm])
    );
    // Most urgent first, and only keys that must move.
    assert_eq!(r.migration_plan.len(), 4);
    assert!(
        r.migration_plan
            .windows(2)
            .all(|w| w[0].priority >= w[1].priority)
    );
    assert_eq!(audit_count(&h, "pqc.readiness").await, 1);
}

#[tokio::test]
async fn inventory_is_tenant_scoped_and_renders_csv_and_cbom() {
    let h = harness().await;
    let kms = &h.kms;
    let a = &h.admin;
    let mut s = spec(Algorithm::Aes256Gcm);
    s.alias = Some(tresor_core::Alias::parse("billing").unwrap());
    s.tags.insert("team".into(), "=1+1".into());
    let aes = kms.create_key(a, s).await.unwrap().key.id;
    let rsa = kms
        .create_key(a, spec(Algorithm::Rsa3072))
        .await
        .unwrap()
        .key
        .id;
    let gone = kms
        .create_key(a, spec(Algorithm::EcP256))
        .await
        .unwrap()
        .key
        .id;
    kms.disable_key(a, &KeyRef::Id(gone)).await.unwrap();
    kms.destroy_key(a, &KeyRef::Id(gone)).await.unwrap();
    // Another tenant's key never shows.
    let other = TenantId::parse("other").unwrap();
    kms.create_tenant(a, other.clone(), "Other".into())
        .await
        .unwrap();
    let mut in_other = a.clone();
    in_other.tenant = other;
    let hidden = kms
        .create_key(&in_other, spec(Algorithm::Aes256Gcm))
        .await
        .unwrap()
        .key
        .id;

    let ro = caller(Role::Readonly, false);
    let inv = kms.inventory(&ro).await.unwrap();
    let ids: Vec<String> = inv.items.iter().map(|i| i.id.clone()).collect();
    assert!(ids.contains(&aes.to_string()) && ids.contains(&rsa.to_string()));
    assert!(
        ids.contains(&gone.to_string()),
        "history stays in the inventory"
    );
    assert!(!ids.contains(&hidden.to_string()));
    assert!(!inv.truncated);
    let rsa_item = inv.items.iter().find(|i| i.id == rsa.to_string()).unwrap();
    assert_eq!(rsa_item.size_bits, 3072);
    assert!(rsa_item.quantum_vulnerable);
    assert_eq!(rsa_item.provider_kind, "software");
    let gone_item = inv.items.iter().find(|i| i.id == gone.to_string()).unwrap();
    assert_eq!(gone_item.state, KeyState::Destroyed);

    let text = csv::render(&inv);
    let mut lines = text.split("\r\n");
    assert_eq!(lines.next().unwrap(), csv::HEADER.join(","));
    assert_eq!(text.matches("\r\n").count(), inv.items.len() + 1);
    assert!(text.contains(",team==1+1\r\n"), "tags as key=value: {text}");

    let doc = cbom::render(&inv, "3f0b6a0e-5d1c-4f57-9d0c-0d3b0b7f2a11", "0.1.0");
    assert_eq!(doc["specVersion"], "1.6");
    let comps = doc["components"].as_array().unwrap();
    let keys: Vec<_> = comps
        .iter()
        .filter(|c| c["cryptoProperties"]["assetType"] == "related-crypto-material")
        .collect();
    assert_eq!(keys.len(), inv.items.len());
    for k in &keys {
        let alg_ref = &k["cryptoProperties"]["relatedCryptoMaterialProperties"]["algorithmRef"];
        assert!(
            comps.iter().any(|c| &c["bom-ref"] == alg_ref),
            "dangling {alg_ref}"
        );
    }
    let rsa_alg = comps.iter().find(|c| c["name"] == "RSA-3072").unwrap();
    assert_eq!(
        rsa_alg["cryptoProperties"]["algorithmProperties"]["nistQuantumSecurityLevel"],
        0
    );
    assert_eq!(audit_count(&h, "inventory.read").await, 1);
}
