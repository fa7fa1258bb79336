//! The audit trail: events, hash-chained records, and chain verification.
//!
//! Each record's hash is `SHA-256(prev_hash || canonical(record))`, where the
//! canonical form is a fixed sequence of length-prefixed fields (see
//! `docs/audit.md`). The first record chains to 32 zero bytes.

use serde::{Deserialize, Serialize};

use crate::time::Timestamp;

/// How an audited call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Outcome {
    Success,
    /// Refused by authorization or policy.
    Denied,
    /// Attempted and failed (bad input, wrong state, crypto failure...).
    Failed,
}

impl Outcome {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Success => "success",
            Outcome::Denied => "denied",
            Outcome::Failed => "failed",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "success" => Some(Outcome::Success),
            "denied" => Some(Outcome::Denied),
            "failed" => Some(Outcome::Failed),
            _ => None,
        }
    }
}

/// An audit event before the store gives it a place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    pub time: Timestamp,
    /// Tenant the call acted in (empty for calls that never reached one).
    pub tenant: String,
    pub principal: String,
    pub action: String,
    /// The object acted on (key id, API key id, tenant id...), if any.
    pub object: Option<String>,
    pub outcome: Outcome,
    /// Stable error code when the outcome is not success.
    pub error_code: Option<String>,
    pub request_id: String,
    pub source: Option<String>,
    /// Small, non-secret JSON details (e.g. `{"version":3}`).
    pub detail: Option<String>,
}

/// A committed audit record: an event with its place in the hash chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// 1-based position in the chain.
    pub seq: u64,
    #[serde(flatten)]
    pub event: AuditEvent,
    #[serde(with = "hex32")]
    pub prev_hash: [u8; 32],
    #[serde(with = "hex32")]
    pub hash: [u8; 32],
}

/// The hash the first record chains to.
pub const GENESIS_HASH: [u8; 32] = [0u8; 32];

fn put_str(buf: &mut Vec<u8>, s: &str) {
    let len = u32::try_from(s.len()).unwrap_or(u32::MAX);
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(s.as_bytes());
}

pub(crate) fn put_opt(buf: &mut Vec<u8>, s: Option<&str>) {
    match s {
        None => buf.push(0),
        Some(s) => {
            buf.push(1);
            put_str(buf, s);
        }
    }
}

/// The canonical bytes of a record at position `seq` (what the hash covers).
pub fn canonical_bytes(seq: u64, e: &AuditEvent) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    buf.extend_from_slice(b"tresor-audit-v1");
    buf.extend_from_slice(&seq.to_be_bytes());
    buf.extend_from_slice(&e.time.unix_micros().to_be_bytes());
    put_str(&mut buf, &e.tenant);
    put_str(&mut buf, &e.principal);
    put_str(&mut buf, &e.action);
    put_opt(&mut buf, e.object.as_deref());
    put_str(&mut buf, e.outcome.as_str());
    put_opt(&mut buf, e.error_code.as_deref());
    put_str(&mut buf, &e.request_id);
    put_opt(&mut buf, e.source.as_deref());
    put_opt(&mut buf, e.detail.as_deref());
    buf
}

/// `SHA-256(prev_hash || canonical_bytes(seq, event))`.
pub fn chain_hash(prev_hash: &[u8; 32], seq: u64, event: &AuditEvent) -> [u8; 32] {
    let mut ctx = aws_lc_rs::digest::Context::new(&aws_lc_rs::digest::SHA256);
    ctx.update(prev_hash);
    ctx.update(&canonical_bytes(seq, event));
    let mut out = [0u8; 32];
    out.copy_from_slice(ctx.finish().as_ref());
    out
}

/// Appends events after `(last_seq, last_hash)`, producing chained records.
pub fn chain(last_seq: u64, last_hash: [u8; 32], events: Vec<AuditEvent>) -> Vec<AuditRecord> {
    let mut prev = last_hash;
    let mut seq = last_seq;
    events
        .into_iter()
        .map(|event| {
            seq += 1;
            let hash = chain_hash(&prev, seq, &event);
            let rec = AuditRecord {
                seq,
                event,
                prev_hash: prev,
                hash,
            };
            prev = hash;
            rec
        })
        .collect()
}

/// Where a chain check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ChainError {
    #[error("record {seq}: expected sequence number {expected}")]
    Gap { seq: u64, expected: u64 },
    #[error("record {seq}: previous-hash link does not match record {}", seq - 1)]
    BrokenLink { seq: u64 },
    #[error("record {seq}: contents do not match its hash (modified)")]
    BadHash { seq: u64 },
    /// The chain verifies but differs from a signed checkpoint at `seq`
    /// (records at or before it were changed and the chain recomputed).
    #[error("record {seq}: hash differs from the signed checkpoint at {seq}")]
    CheckpointMismatch { seq: u64 },
    /// A checkpoint's signature does not verify with its audit key.
    #[error("checkpoint at record {seq}: bad signature")]
    CheckpointSignature { seq: u64 },
    /// The chain ends at `last`, below a signed checkpoint at `checkpoint`:
    /// records were removed from its end.
    #[error("records after {last} are missing: a signed checkpoint covers record {checkpoint}")]
    Truncated { last: u64, checkpoint: u64 },
}

impl ChainError {
    /// The sequence number of the first bad record.
    pub fn seq(&self) -> u64 {
        match self {
            ChainError::Gap { seq, .. }
            | ChainError::BrokenLink { seq }
            | ChainError::BadHash { seq }
            | ChainError::CheckpointMismatch { seq }
            | ChainError::CheckpointSignature { seq } => *seq,
            ChainError::Truncated { last, .. } => last + 1,
        }
    }
}

/// Incremental chain verifier: feed records in order.
#[derive(Debug, Clone)]
pub struct ChainVerifier {
    last_seq: u64,
    last_hash: [u8; 32],
}

impl Default for ChainVerifier {
    fn default() -> Self {
        Self {
            last_seq: 0,
            last_hash: GENESIS_HASH,
        }
    }
}

impl ChainVerifier {
    /// A verifier that continues a chain already known (verified, or taken
    /// from a signed checkpoint) up to `(seq, hash)`.
    pub fn starting_at(seq: u64, hash: [u8; 32]) -> Self {
        Self {
            last_seq: seq,
            last_hash: hash,
        }
    }

    /// Checks the next record.
    pub fn push(&mut self, r: &AuditRecord) -> Result<(), ChainError> {
        let expected = self.last_seq + 1;
        if r.seq != expected {
            return Err(ChainError::Gap {
                seq: r.seq,
                expected,
            });
        }
        if r.prev_hash != self.last_hash {
            return Err(ChainError::BrokenLink { seq: r.seq });
        }
        if chain_hash(&r.prev_hash, r.seq, &r.event) != r.hash {
            return Err(ChainError::BadHash { seq: r.seq });
        }
        self.last_seq = r.seq;
        self.last_hash = r.hash;
        Ok(())
    }

    /// Records verified so far.
    pub fn count(&self) -> u64 {
        self.last_seq
    }

    /// Hash of the last verified record.
    pub fn head(&self) -> [u8; 32] {
        self.last_hash
    }
}

/// Filters for reading the audit log (combined with AND).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub tenant: Option<String>,
    pub principal: Option<String>,
    pub action: Option<String>,
    pub object: Option<String>,
    pub outcome: Option<Outcome>,
    pub since: Option<Timestamp>,
    pub until: Option<Timestamp>,
    /// Only records with `seq` below this (newest-first paging cursor).
    pub before_seq: Option<u64>,
    /// Only records with `seq` above this (oldest-first reading).
    pub after_seq: Option<u64>,
    pub limit: u32,
    /// Oldest first instead of newest first.
    pub ascending: bool,
}

pub(crate) mod hex32 {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
        let mut out = String::with_capacity(64);
        for b in v {
            out.push_str(&format!("{b:02x}"));
        }
        s.serialize_str(&out)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
        let s = String::deserialize(d)?;
        let bytes = s.as_bytes();
        if bytes.len() != 64 {
            return Err(serde::de::Error::custom("expected 64 hex digits"));
        }
        let mut out = [0u8; 32];
        for (i, chunk) in bytes.chunks(2).enumerate() {
            let txt = std::str::from_utf8(chunk).map_err(serde::de::Error::custom)?;
            out[i] = u8::from_str_radix(txt, 16).map_err(serde::de::Error::custom)?;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(action: &str) -> AuditEvent {
        AuditEvent {
            time: Timestamp::from_unix_micros(1),
            tenant: "default".into(),
            principal: "p".into(),
            action: action.into(),
            object: None,
            outcome: Outcome::Success,
            error_code: None,
            request_id: "r".into(),
            source: None,
            detail: None,
        }
    }

    #[test]
    fn chain_verifies_and_detects_tampering() {
        let recs = chain(0, GENESIS_HASH, vec![ev("a"), ev("b"), ev("c")]);
        let mut v = ChainVerifier::default();
        for r in &recs {
            assert_eq!(v.push(r), Ok(()));
        }
        assert_eq!(v.count(), 3);

        let mut tampered = recs.clone();
        tampered[1].event.action = "x".into();
        let mut v = ChainVerifier::default();
        assert_eq!(v.push(&tampered[0]), Ok(()));
        assert_eq!(v.push(&tampered[1]), Err(ChainError::BadHash { seq: 2 }));

        let mut v = ChainVerifier::default();
        assert_eq!(v.push(&recs[0]), Ok(()));
        assert_eq!(
            v.push(&recs[2]),
            Err(ChainError::Gap {
                seq: 3,
                expected: 2
            })
        );
    }

    #[test]
    fn record_json_round_trips() {
        let recs = chain(0, GENESIS_HASH, vec![ev("a")]);
        let json = serde_json::to_string(&recs[0]).unwrap();
        let back: AuditRecord = serde_json::from_str(&json).unwrap();
        assert_eq!(back, recs[0]);
        assert!(json.contains("\"action\":\"a\""));
    }
}
