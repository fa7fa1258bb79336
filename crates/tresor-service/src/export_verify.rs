//! Offline verification of an audit export (JSON lines, see
//! [`crate::export`]) without any server: chain continuity and hashes, every
//! checkpoint's signature (Ed25519 or ML-DSA-65) against trusted public
//! keys, and that the chain has each checkpointed hash at its `seq` and
//! reaches the last checkpoint. The file is read twice (checkpoints and keys
//! first, then the records as a stream), so its size does not matter.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::Path;

use tresor_core::audit::{ChainError, ChainVerifier};
use tresor_core::{Checkpoint, KeyId};

use crate::export::{ExportKey, ExportLine};

/// Why an export does not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ExportError {
    /// A broken chain, or a checkpoint that does not verify or match.
    #[error(transparent)]
    Chain(#[from] ChainError),
    /// A line that is not an export line.
    #[error("line {line}: {reason}")]
    Malformed { line: usize, reason: String },
    /// A checkpoint whose signature verifies only with a key from the export
    /// itself, none of the trusted ones.
    #[error("checkpoint at record {seq}: signed by a key that is not trusted")]
    UntrustedKey { seq: u64 },
}

impl ExportError {
    /// The sequence number of the first bad record, when there is one.
    pub fn seq(&self) -> Option<u64> {
        match self {
            ExportError::Chain(e) => Some(e.seq()),
            ExportError::UntrustedKey { seq } => Some(*seq),
            ExportError::Malformed { .. } => None,
        }
    }
}

/// The result of verifying an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportReport {
    /// Records verified before the first problem (or all of them).
    pub records: u64,
    /// The first record's `seq` (above 1 for a partial export).
    pub first_seq: Option<u64>,
    /// Hex hash of the last verified record.
    pub head: String,
    /// Checkpoints whose signature verified and whose hash matched.
    pub checkpoints: u64,
    /// Checkpoints before a partial export's first record (not checkable).
    pub checkpoints_outside: u64,
    /// No trusted key was given: signatures were checked with the keys in
    /// the export itself, which proves integrity but not origin.
    pub keys_from_export: bool,
    pub error: Option<ExportError>,
}

impl ExportReport {
    /// True when everything verified.
    pub fn ok(&self) -> bool {
        self.error.is_none()
    }
}

/// Every `PUBLIC KEY` PEM block in `text`, as SubjectPublicKeyInfo DER.
pub fn parse_public_keys(text: &str) -> Result<Vec<Vec<u8>>, String> {
    let blocks = pem::parse_many(text).map_err(|e| format!("not PEM: {e}"))?;
    let keys: Vec<Vec<u8>> = blocks
        .into_iter()
        .filter(|p| p.tag() == "PUBLIC KEY")
        .map(|p| p.into_contents())
        .collect();
    if keys.is_empty() {
        return Err("no PUBLIC KEY block".into());
    }
    Ok(keys)
}

fn is_record_line(line: &str) -> bool {
    line.trim_start().starts_with("{\"type\":\"record\"")
}

fn malformed(line: usize, e: impl std::fmt::Display) -> ExportError {
    ExportError::Malformed {
        line,
        reason: e.to_string(),
    }
}

/// Checks one checkpoint's signature: `Ok(())`, or the error to report.
fn check_signature(
    cp: &Checkpoint,
    keys: &BTreeMap<(KeyId, u32), Vec<u8>>,
    trusted: &[Vec<u8>],
) -> Result<(), ExportError> {
    let listed = keys.get(&(cp.key_id, cp.key_version));
    let bad = ExportError::Chain(ChainError::CheckpointSignature { seq: cp.seq });
    if trusted.is_empty() {
        return match listed {
            Some(spki) if cp.verify(spki) => Ok(()),
            _ => Err(bad),
        };
    }
    if trusted.iter().any(|t| cp.verify(t)) {
        return Ok(());
    }
    match listed {
        Some(spki) if cp.verify(spki) => Err(ExportError::UntrustedKey { seq: cp.seq }),
        _ => Err(bad),
    }
}

/// Verifies the export in `path` with the `trusted` public keys
/// (SubjectPublicKeyInfo DER; empty: the keys in the export are used).
pub fn verify_export_file(path: &Path, trusted: &[Vec<u8>]) -> std::io::Result<ExportReport> {
    let mut report = ExportReport {
        records: 0,
        first_seq: None,
        head: String::new(),
        checkpoints: 0,
        checkpoints_outside: 0,
        keys_from_export: trusted.is_empty(),
        error: None,
    };
    // Pass 1: checkpoints and keys.
    let mut checkpoints = Vec::new();
    let mut keys = BTreeMap::new();
    for (i, line) in BufReader::new(File::open(path)?).lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() || is_record_line(&line) {
            continue;
        }
        match serde_json::from_str::<ExportLine>(&line) {
            Ok(ExportLine::Checkpoint(c)) => checkpoints.push(c),
            Ok(ExportLine::Key(k)) => {
                let ExportKey {
                    key_id,
                    version,
                    public_key_pem,
                    ..
                } = k;
                match parse_public_keys(&public_key_pem) {
                    Ok(mut der) => {
                        keys.insert((key_id, version), der.remove(0));
                    }
                    Err(e) => return Ok(fail(report, malformed(i + 1, e))),
                }
            }
            Ok(_) => {}
            Err(e) => return Ok(fail(report, malformed(i + 1, e))),
        }
    }
    // Signatures; checkpoints that fail are reported at their seq.
    let mut by_seq: BTreeMap<u64, Vec<Checkpoint>> = BTreeMap::new();
    let mut bad: Option<(u64, ExportError)> = None;
    for cp in checkpoints {
        match check_signature(&cp, &keys, trusted) {
            Ok(()) => by_seq.entry(cp.seq).or_default().push(cp),
            Err(e) => {
                if bad.as_ref().is_none_or(|(s, _)| cp.seq < *s) {
                    bad = Some((cp.seq, e));
                }
            }
        }
    }
    // Pass 2: the records, in file order.
    let mut v: Option<ChainVerifier> = None;
    for (i, line) in BufReader::new(File::open(path)?).lines().enumerate() {
        let line = line?;
        if !is_record_line(&line) {
            continue;
        }
        let r = match serde_json::from_str::<ExportLine>(&line) {
            Ok(ExportLine::Record(r)) => r,
            Ok(_) => continue,
            Err(e) => return Ok(finish(report, v.as_ref(), Some(malformed(i + 1, e)))),
        };
        let verifier = v.get_or_insert_with(|| {
            // A partial export starts from its first record's link.
            report.first_seq = Some(r.seq);
            let start = r.seq.saturating_sub(1);
            report.checkpoints_outside = by_seq.range(..start).map(|(_, c)| c.len() as u64).sum();
            ChainVerifier::starting_at(start, r.prev_hash)
        });
        let start = report.first_seq.unwrap_or(1).saturating_sub(1);
        if r.seq == start + 1
            && let Some(cps) = by_seq.get(&start)
        {
            // A checkpoint just before the first record anchors its link.
            if cps.iter().any(|c| c.hash != r.prev_hash) {
                let e = ChainError::CheckpointMismatch { seq: start };
                return Ok(finish(report, Some(verifier), Some(e.into())));
            }
            report.checkpoints += cps.len() as u64;
        }
        if let Err(e) = verifier.push(&r) {
            return Ok(finish(report, Some(verifier), Some(e.into())));
        }
        if let Some((seq, _)) = &bad
            && *seq <= r.seq
        {
            let e = bad.map(|(_, e)| e);
            return Ok(finish(report, Some(verifier), e));
        }
        if let Some(cps) = by_seq.get(&r.seq) {
            if cps.iter().any(|c| c.hash != r.hash) {
                let e = ChainError::CheckpointMismatch { seq: r.seq };
                return Ok(finish(report, Some(verifier), Some(e.into())));
            }
            report.checkpoints += cps.len() as u64;
        }
    }
    let last = v.as_ref().map_or(0, ChainVerifier::count);
    if let Some(&highest) = by_seq.keys().next_back()
        && highest > last
    {
        let e = ChainError::Truncated {
            last,
            checkpoint: highest,
        };
        return Ok(finish(report, v.as_ref(), Some(e.into())));
    }
    let error = bad.map(|(_, e)| e);
    Ok(finish(report, v.as_ref(), error))
}

fn fail(report: ExportReport, e: ExportError) -> ExportReport {
    finish(report, None, Some(e))
}

fn finish(
    mut report: ExportReport,
    v: Option<&ChainVerifier>,
    error: Option<ExportError>,
) -> ExportReport {
    if let Some(v) = v {
        let start = report.first_seq.unwrap_or(1).saturating_sub(1);
        report.records = v.count().saturating_sub(start);
        report.head = v.head().iter().map(|b| format!("{b:02x}")).collect();
    }
    report.error = error;
    report
}
