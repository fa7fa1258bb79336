//! Shared rules of `Store::import_audit` and leases: records handed over
//! from another store must continue this store's chain at its head and
//! hash correctly; lease lifetimes are whole microseconds.

use std::time::Duration;

use tresor_core::{ProviderId, StoreError};

use crate::rows::RowExt;
use tresor_core::audit::{AuditRecord, chain_hash};

/// Checks that `records` continue the chain whose head is `head` and that
/// each one hashes correctly; returns the new head.
///
/// Not starting at the head is `Conflict` (the target moved, or is not the
/// place these records belong); a broken link or hash is `Corrupt`.
pub(crate) fn check_continuation(
    head: (u64, [u8; 32]),
    records: &[AuditRecord],
) -> Result<(u64, [u8; 32]), StoreError> {
    let (mut seq, mut hash) = head;
    for (i, r) in records.iter().enumerate() {
        let expected = seq.checked_add(1).ok_or(StoreError::Conflict)?;
        if r.seq != expected || r.prev_hash != hash {
            return Err(if i == 0 {
                StoreError::Conflict
            } else {
                StoreError::Corrupt(format!("imported audit record {} does not chain", r.seq))
            });
        }
        if chain_hash(&r.prev_hash, r.seq, &r.event) != r.hash {
            return Err(StoreError::Corrupt(format!(
                "imported audit record {} does not match its hash",
                r.seq
            )));
        }
        seq = r.seq;
        hash = r.hash;
    }
    Ok((seq, hash))
}

/// A lease lifetime in microseconds, at least 1 and at most ~10 years.
pub(crate) fn ttl_micros(ttl: Duration) -> i64 {
    const MAX: i64 = 10 * 365 * 86_400 * 1_000_000;
    i64::try_from(ttl.as_micros()).map_or(MAX, |m| m.clamp(1, MAX))
}

/// A lease or holder name that fits the `leases` columns.
pub(crate) fn check_lease_names(name: &str, holder: &str) -> Result<(), StoreError> {
    if name.is_empty() || name.len() > 63 || holder.is_empty() || holder.len() > 128 {
        return Err(StoreError::Corrupt(
            "lease name must be 1-63 and holder 1-128 bytes".to_owned(),
        ));
    }
    Ok(())
}

/// One `provider_blobs` row.
pub(crate) fn blob_from_row<R: RowExt>(
    row: &R,
) -> Result<(ProviderId, String, Vec<u8>), StoreError> {
    let provider = ProviderId::parse(&row.text("provider")?)
        .map_err(|_| StoreError::Corrupt("provider_blobs: bad provider id".to_owned()))?;
    Ok((provider, row.text("name")?, row.blob("value")?))
}
