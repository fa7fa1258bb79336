//! Chain verification against signed checkpoints: every checkpoint's
//! signature is checked, the chain must have the checkpointed hash at each
//! checkpoint's `seq`, and must reach the highest checkpoint (records
//! removed from its end, even while the server was stopped, are detected).
//!
//! Online, signatures are checked by the audit key's provider (a public key
//! swapped in the database does not help a forger); offline, with the public
//! key stored in the database.

use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

use tresor_core::audit::{ChainError, ChainVerifier, GENESIS_HASH};
use tresor_core::{
    Algorithm, AuditFilter, Checkpoint, CheckpointFilter, CheckpointScope, KeyId, KeyRecord,
    SignInput, SignScheme, Store, VersionRecord,
};

use crate::audit_ops::{ChainReport, report};
use crate::error::Result;
use crate::kms::Kms;

/// How checkpoint signatures are checked.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SigCheck<'a> {
    /// With the public key stored with the audit key's version.
    StoredPublicKey,
    /// By the audit key's provider.
    Provider(&'a Kms),
}

/// Every checkpoint, oldest first.
pub(crate) async fn all_checkpoints(store: &Arc<dyn Store>) -> Result<Vec<Checkpoint>> {
    let mut out: Vec<Checkpoint> = Vec::new();
    let mut seen = HashSet::new();
    let mut after = None;
    loop {
        let page = store
            .list_checkpoints(&CheckpointFilter {
                after_seq: after,
                ..CheckpointFilter::new(CheckpointScope::All)
            })
            .await?;
        let full = page.len() >= 1000;
        let Some(last) = page.last().map(|c| c.seq) else {
            break;
        };
        let before = out.len();
        for c in page {
            if seen.insert((c.seq, c.tenant.clone())) {
                out.push(c);
            }
        }
        // Re-read the last seq of a full page: checkpoints of other scopes
        // may share it.
        if !full || out.len() == before {
            break;
        }
        after = Some(last.saturating_sub(1));
    }
    Ok(out)
}

/// The audit keys met so far, by `(key id, version)` (`None`: not found).
pub(crate) type KeyCache = HashMap<(KeyId, u32), Option<(KeyRecord, VersionRecord)>>;

/// Whether a checkpoint's signature verifies (keys looked up once each).
pub(crate) async fn signature_ok(
    store: &Arc<dyn Store>,
    check: SigCheck<'_>,
    keys: &mut KeyCache,
    cp: &Checkpoint,
) -> Result<bool> {
    let entry = match keys.entry((cp.key_id, cp.key_version)) {
        Entry::Occupied(e) => e.into_mut(),
        Entry::Vacant(e) => {
            let tenant = cp.key_tenant();
            let key = store.get_key(&tenant, &cp.key_id).await?;
            let version = store
                .get_version(&tenant, &cp.key_id, cp.key_version)
                .await?;
            e.insert(key.zip(version))
        }
    };
    let Some((key, version)) = entry else {
        return Ok(false);
    };
    if key.algorithm != cp.algorithm {
        return Ok(false);
    }
    match check {
        SigCheck::StoredPublicKey => Ok(version
            .public_key
            .as_deref()
            .is_some_and(|pk| cp.verify(pk))),
        SigCheck::Provider(kms) => {
            let scheme = match key.algorithm {
                Algorithm::Ed25519 => SignScheme::Ed25519,
                Algorithm::MlDsa65 => SignScheme::MlDsa,
                _ => return Ok(false),
            };
            let uv = Kms::usable(key, version.clone());
            let message = cp.message();
            Ok(kms
                .provider(&key.provider)?
                .verify(
                    &uv.ctx,
                    &uv.handle,
                    scheme,
                    SignInput::Message(&message),
                    &cp.signature,
                )
                .await
                .unwrap_or(false))
        }
    }
}

/// Recomputes the whole chain and checks it against every checkpoint; the
/// chain must also reach `min_seq` (a head known from elsewhere).
pub(crate) async fn verify_with_checkpoints(
    store: &Arc<dyn Store>,
    min_seq: u64,
    check: SigCheck<'_>,
) -> Result<ChainReport> {
    // The head is read before the chain is paged: records appended while
    // verifying run past it (and are checked as they come), never
    // against it, so a busy server is not mistaken for a truncated chain.
    let (head_seq, _) = store.audit_head().await?;
    // Checkpoints by seq; a bad signature is an error at its seq, and the
    // checkpoint is then not used to judge the chain.
    let mut by_seq: BTreeMap<u64, Vec<Checkpoint>> = BTreeMap::new();
    let mut bad_sig: Option<u64> = None;
    let mut keys = KeyCache::new();
    for cp in all_checkpoints(store).await? {
        if signature_ok(store, check, &mut keys, &cp).await? {
            by_seq.entry(cp.seq).or_default().push(cp);
        } else {
            bad_sig = Some(bad_sig.map_or(cp.seq, |s| s.min(cp.seq)));
        }
    }
    let verified_checkpoints: u64 = by_seq.values().map(|v| v.len() as u64).sum();
    let mut v = ChainVerifier::default();
    let fail = |v: &ChainVerifier, e: ChainError| Ok(report(v, Some(e), verified_checkpoints));
    // Checkpoints of the empty chain.
    if let Some(cps) = by_seq.get(&0)
        && cps.iter().any(|c| c.hash != GENESIS_HASH)
    {
        return fail(&v, ChainError::CheckpointMismatch { seq: 0 });
    }
    let mut after = 0u64;
    loop {
        let page = store
            .list_audit(&AuditFilter {
                after_seq: Some(after),
                ascending: true,
                limit: 1000,
                ..AuditFilter::default()
            })
            .await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for r in &page {
            if let Err(e) = v.push(r) {
                return fail(&v, e);
            }
            if bad_sig == Some(r.seq) {
                return fail(&v, ChainError::CheckpointSignature { seq: r.seq });
            }
            if let Some(cps) = by_seq.get(&r.seq)
                && cps.iter().any(|c| c.hash != r.hash)
            {
                return fail(&v, ChainError::CheckpointMismatch { seq: r.seq });
            }
        }
    }
    // Records deleted from the end: below a checkpoint, the stored head, or
    // the head known to the caller.
    if let Some(&highest) = by_seq.keys().next_back()
        && highest > v.count()
    {
        let e = ChainError::Truncated {
            last: v.count(),
            checkpoint: highest,
        };
        return fail(&v, e);
    }
    // The chain must reach the head seen at the start (and the head the
    // caller knows): otherwise records were removed from its end.
    let head_seq = head_seq.max(min_seq);
    if v.count() < head_seq {
        let e = ChainError::Gap {
            seq: head_seq,
            expected: v.count() + 1,
        };
        return fail(&v, e);
    }
    if let Some(seq) = bad_sig {
        return fail(&v, ChainError::CheckpointSignature { seq });
    }
    Ok(report(&v, None, verified_checkpoints))
}
