//! Audit export and offline verification: an exported log verifies without
//! the server, and tampering with the file (a changed, deleted or reordered
//! record, a re-computed chain, truncation, a foreign key) is detected at
//! the right record.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::path::{Path, PathBuf};

use common::{Harness, caller, harness};
use serde_json::Value;
use tresor_core::audit::{ChainError, GENESIS_HASH, chain_hash};
use tresor_core::{Algorithm, AuditRecord, Role};
use tresor_service::ServiceError;
use tresor_service::export::{ExportLine, ExportStart};
use tresor_service::export_verify::{
    ExportError, ExportReport, parse_public_keys, verify_export_file,
};
use tresor_service::types::KeySpec;

/// Some activity, a checkpoint in the middle and one at the end, a little
/// more activity; returns the export's lines.
async fn exported(h: &Harness) -> Vec<String> {
    for _ in 0..3 {
        h.kms
            .create_key(&h.admin, KeySpec::new(Algorithm::Aes256Gcm))
            .await
            .unwrap();
    }
    h.kms.create_checkpoint(&h.admin, true).await.unwrap();
    h.kms
        .create_key(&h.admin, KeySpec::new(Algorithm::Ed25519))
        .await
        .unwrap();
    h.kms.create_checkpoint(&h.admin, false).await.unwrap();
    h.kms
        .create_key(&h.admin, KeySpec::new(Algorithm::HmacSha256))
        .await
        .unwrap();
    export(h, ExportStart::default()).await
}

async fn export(h: &Harness, start: ExportStart) -> Vec<String> {
    let mut x = h.kms.export_audit(&h.admin, start).await.unwrap();
    let mut lines = Vec::new();
    while let Some(page) = x.next_records().await.unwrap() {
        lines.extend(page.into_iter().map(|r| ExportLine::Record(r).to_json()));
    }
    lines.extend(x.trailer().iter().map(ExportLine::to_json));
    lines
}

fn write(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, lines.join("\n") + "\n").unwrap();
    p
}

/// The trusted keys: every `key` line's PEM (as an operator would save
/// them from `GET /v1/audit/keys`).
fn trusted(lines: &[String]) -> Vec<Vec<u8>> {
    lines
        .iter()
        .filter_map(|l| match serde_json::from_str(l).unwrap() {
            ExportLine::Key(k) => Some(parse_public_keys(&k.public_key_pem).unwrap().remove(0)),
            _ => None,
        })
        .collect()
}

fn record(line: &str) -> AuditRecord {
    match serde_json::from_str(line).unwrap() {
        ExportLine::Record(r) => r,
        other => panic!("not a record: {other:?}"),
    }
}

fn verify(dir: &Path, lines: &[String], keys: &[Vec<u8>]) -> ExportReport {
    verify_export_file(&write(dir, "x.jsonl", lines), keys).unwrap()
}

fn chain_err(r: &ExportReport) -> ChainError {
    match &r.error {
        Some(ExportError::Chain(e)) => e.clone(),
        other => panic!("expected a chain error: {other:?}"),
    }
}

#[tokio::test]
async fn an_export_verifies_offline_and_tampering_is_detected() {
    let h = harness().await;
    let lines = exported(&h).await;
    let dir = tempfile::tempdir().unwrap();
    let keys = trusted(&lines);
    assert_eq!(keys.len(), 2, "global and default keys");
    let types: Vec<String> = lines
        .iter()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["type"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    let n_records = types.iter().filter(|t| *t == "record").count();
    assert_eq!(types.iter().filter(|t| *t == "checkpoint").count(), 2);
    assert!(
        types[..n_records].iter().all(|t| t == "record"),
        "{types:?}"
    );

    let ok = verify(dir.path(), &lines, &keys);
    assert!(ok.ok(), "{ok:?}");
    assert_eq!(ok.records, n_records as u64);
    assert_eq!((ok.checkpoints, ok.first_seq), (2, Some(1)));
    assert!(!ok.keys_from_export);
    let self_keyed = verify(dir.path(), &lines, &[]);
    assert!(self_keyed.ok() && self_keyed.keys_from_export);

    // One record changed.
    let mut t = lines.clone();
    t[4] = t[4].replace("\"key.create\"", "\"key.get\"");
    assert_ne!(t[4], lines[4]);
    let r = verify(dir.path(), &t, &keys);
    assert_eq!(chain_err(&r), ChainError::BadHash { seq: 5 });
    assert_eq!(r.records, 4);

    // One record deleted: the next one is out of sequence.
    let mut t = lines.clone();
    t.remove(4);
    let r = verify(dir.path(), &t, &keys);
    assert_eq!(
        chain_err(&r),
        ChainError::Gap {
            seq: 6,
            expected: 5
        }
    );

    // Two records swapped.
    let mut t = lines.clone();
    t.swap(2, 3);
    let r = verify(dir.path(), &t, &keys);
    assert_eq!(
        chain_err(&r),
        ChainError::Gap {
            seq: 4,
            expected: 3
        }
    );

    // A record changed and the whole chain recomputed: only the signed
    // checkpoint reveals it.
    let mut recs: Vec<AuditRecord> = lines[..n_records].iter().map(|l| record(l)).collect();
    recs[1].event.principal = "someone-else".into();
    let mut prev = GENESIS_HASH;
    for r in &mut recs {
        r.prev_hash = prev;
        r.hash = chain_hash(&prev, r.seq, &r.event);
        prev = r.hash;
    }
    let mut t: Vec<String> = recs
        .into_iter()
        .map(|r| ExportLine::Record(r).to_json())
        .collect();
    t.extend_from_slice(&lines[n_records..]);
    let r = verify(dir.path(), &t, &keys);
    let first_cp = match serde_json::from_str(&lines[n_records]).unwrap() {
        ExportLine::Checkpoint(c) => c.seq,
        other => panic!("{other:?}"),
    };
    assert_eq!(
        chain_err(&r),
        ChainError::CheckpointMismatch { seq: first_cp }
    );

    // Records removed from the end, below the last checkpoint.
    let last_cp = match serde_json::from_str(&lines[n_records + 1]).unwrap() {
        ExportLine::Checkpoint(c) => c.seq,
        other => panic!("{other:?}"),
    };
    let keep = usize::try_from(last_cp).unwrap() - 1;
    let mut t = lines[..keep].to_vec();
    t.extend_from_slice(&lines[n_records..]);
    let r = verify(dir.path(), &t, &keys);
    assert_eq!(
        chain_err(&r),
        ChainError::Truncated {
            last: last_cp - 1,
            checkpoint: last_cp
        }
    );

    // A checkpoint's signature changed.
    let mut t = lines.clone();
    let mut v: Value = serde_json::from_str(&t[n_records]).unwrap();
    v["seq"] = Value::from(first_cp - 1);
    t[n_records] = v.to_string();
    let r = verify(dir.path(), &t, &keys);
    assert_eq!(
        chain_err(&r),
        ChainError::CheckpointSignature { seq: first_cp - 1 }
    );

    // Signed by a key the verifier does not trust.
    let r = verify(dir.path(), &lines, &keys[..1]);
    assert!(
        matches!(r.error, Some(ExportError::UntrustedKey { .. })),
        "{r:?}"
    );

    // Not an export line.
    let mut t = lines.clone();
    t.insert(3, "{\"type\":\"nonsense\"}".into());
    let r = verify(dir.path(), &t, &keys);
    assert!(
        matches!(r.error, Some(ExportError::Malformed { line: 4, .. })),
        "{r:?}"
    );
}

#[tokio::test]
async fn partial_exports_and_who_may_export() {
    let h = harness().await;
    let lines = exported(&h).await;
    let dir = tempfile::tempdir().unwrap();
    let keys = trusted(&lines);
    let part = export(
        &h,
        ExportStart {
            after_seq: Some(6),
            since: None,
        },
    )
    .await;
    let r = verify(dir.path(), &part, &keys);
    assert!(r.ok(), "{r:?}");
    assert_eq!(r.first_seq, Some(7));
    assert_eq!(r.checkpoints + r.checkpoints_outside, 2);

    // The chain spans every tenant: only platform admins export it.
    let tenant_admin = caller(Role::Admin, false);
    let e = h
        .kms
        .export_audit(&tenant_admin, ExportStart::default())
        .await;
    assert!(matches!(e, Err(ServiceError::Forbidden { .. })), "{e:?}");
}
