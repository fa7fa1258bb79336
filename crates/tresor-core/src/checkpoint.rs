//! Signed audit checkpoints: an audit key's signature over the chain head
//! `(seq, hash)` at a point in time. A checkpoint kept outside the database
//! (exported, published) proves that the chain had that hash at that
//! position, so records changed, removed or truncated below it are detected.
//!
//! The signed message is [`canonical_bytes`]:
//! `"tresor-checkpoint-v1" || seq (u64 BE) || hash (32) || time (i64 BE, µs)
//! || tenant` where the tenant is `0x00` for a global checkpoint or
//! `0x01 || u32 BE length || UTF-8` (see `docs/audit.md`).

use aws_lc_rs::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use serde::{Deserialize, Serialize};

use crate::algorithm::Algorithm;
use crate::audit::{hex32, put_opt};
use crate::ids::{KeyId, TenantId};
use crate::time::Timestamp;

/// The action name of the audit record a checkpoint is committed with.
pub const CHECKPOINT_ACTION: &str = "audit.checkpoint";

/// Algorithms an audit key may have.
pub const CHECKPOINT_ALGORITHMS: [Algorithm; 2] = [Algorithm::Ed25519, Algorithm::MlDsa65];

/// A signed statement "the audit chain at `seq` has hash `hash`".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The position of the last record covered (0: the empty chain).
    pub seq: u64,
    /// That record's hash.
    #[serde(with = "hex32")]
    pub hash: [u8; 32],
    /// When the checkpoint was signed.
    pub time: Timestamp,
    /// The tenant whose audit key signed it; `None` for the global key.
    pub tenant: Option<TenantId>,
    /// The signing audit key and version.
    pub key_id: KeyId,
    pub key_version: u32,
    /// The audit key's algorithm (`ed25519` or `ml-dsa-65`).
    pub algorithm: Algorithm,
    /// The signature over [`canonical_bytes`], standard base64 on the wire.
    #[serde(with = "b64")]
    pub signature: Vec<u8>,
}

impl Checkpoint {
    /// The signed message of this checkpoint.
    pub fn message(&self) -> Vec<u8> {
        canonical_bytes(self.seq, &self.hash, self.time, self.tenant.as_ref())
    }

    /// The tenant that owns the signing key: the checkpoint's tenant, or
    /// `default` for global checkpoints.
    pub fn key_tenant(&self) -> TenantId {
        self.tenant.clone().unwrap_or_else(TenantId::default_tenant)
    }

    /// Checks the signature with the audit key's SubjectPublicKeyInfo DER.
    pub fn verify(&self, spki_der: &[u8]) -> bool {
        verify_signature(self.algorithm, spki_der, &self.message(), &self.signature)
    }
}

/// The bytes a checkpoint's signature covers.
pub fn canonical_bytes(
    seq: u64,
    hash: &[u8; 32],
    time: Timestamp,
    tenant: Option<&TenantId>,
) -> Vec<u8> {
    let mut buf = Vec::with_capacity(96);
    buf.extend_from_slice(b"tresor-checkpoint-v1");
    buf.extend_from_slice(&seq.to_be_bytes());
    buf.extend_from_slice(hash);
    buf.extend_from_slice(&time.unix_micros().to_be_bytes());
    put_opt(&mut buf, tenant.map(TenantId::as_str));
    buf
}

/// Verifies `sig` over `message` with an Ed25519 or ML-DSA-65 public key
/// (SubjectPublicKeyInfo DER). Any other algorithm, a malformed key or a
/// bad signature gives `false`.
pub fn verify_signature(alg: Algorithm, spki_der: &[u8], message: &[u8], sig: &[u8]) -> bool {
    let verifier: &'static dyn VerificationAlgorithm = match alg {
        Algorithm::Ed25519 => &signature::ED25519,
        Algorithm::MlDsa65 => &signature::ML_DSA_65,
        _ => return false,
    };
    UnparsedPublicKey::new(verifier, spki_der)
        .verify(message, sig)
        .is_ok()
}

/// Which checkpoints to read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum CheckpointScope {
    /// Every checkpoint (global and every tenant's).
    All,
    /// Global checkpoints only.
    Global,
    /// One tenant's checkpoints.
    Tenant(TenantId),
    /// One tenant's checkpoints and the global ones.
    TenantAndGlobal(TenantId),
}

/// A read of the checkpoint table: oldest first (by `seq`, then tenant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckpointFilter {
    pub scope: CheckpointScope,
    /// Only checkpoints with `seq` above this.
    pub after_seq: Option<u64>,
    /// Most checkpoints returned (the store caps it at 1000; 0 means 100).
    pub limit: u32,
    /// Newest first instead (e.g. "the latest checkpoint": limit 1).
    pub descending: bool,
}

impl CheckpointFilter {
    /// Every checkpoint in `scope`, oldest first, first page.
    pub fn new(scope: CheckpointScope) -> Self {
        Self {
            scope,
            after_seq: None,
            limit: 1000,
            descending: false,
        }
    }
}

mod b64 {
    use base64::Engine as _;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = String::deserialize(d)?;
        STANDARD.decode(s).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use aws_lc_rs::encoding::AsDer;
    use aws_lc_rs::signature::{Ed25519KeyPair, KeyPair};

    use super::*;

    fn signed(tenant: Option<TenantId>) -> (Checkpoint, Vec<u8>) {
        let pair = Ed25519KeyPair::generate().unwrap();
        let spki = pair.public_key().as_der().unwrap().as_ref().to_vec();
        let mut cp = Checkpoint {
            seq: 42,
            hash: [7u8; 32],
            time: Timestamp::from_unix_micros(1_795_000_000_123_456),
            tenant,
            key_id: KeyId::generate(),
            key_version: 1,
            algorithm: Algorithm::Ed25519,
            signature: Vec::new(),
        };
        cp.signature = pair.sign(&cp.message()).as_ref().to_vec();
        (cp, spki)
    }

    #[test]
    fn canonical_layout() {
        let t = TenantId::parse("acme").unwrap();
        let b = canonical_bytes(1, &[9u8; 32], Timestamp::from_unix_micros(2), Some(&t));
        assert_eq!(&b[..20], b"tresor-checkpoint-v1");
        assert_eq!(&b[20..28], &1u64.to_be_bytes());
        assert_eq!(&b[28..60], &[9u8; 32]);
        assert_eq!(&b[60..68], &2i64.to_be_bytes());
        assert_eq!(&b[68..], b"\x01\x00\x00\x00\x04acme");
        let g = canonical_bytes(1, &[9u8; 32], Timestamp::from_unix_micros(2), None);
        assert_eq!(&g[68..], b"\x00");
    }

    #[test]
    fn signatures_verify_and_bind_every_field() {
        let (cp, spki) = signed(Some(TenantId::parse("acme").unwrap()));
        assert!(cp.verify(&spki));
        let mut other = cp.clone();
        other.seq += 1;
        assert!(!other.verify(&spki));
        let mut other = cp.clone();
        other.hash[0] ^= 1;
        assert!(!other.verify(&spki));
        let mut other = cp.clone();
        other.tenant = None;
        assert!(!other.verify(&spki));
        let mut other = cp.clone();
        other.algorithm = Algorithm::MlDsa65;
        assert!(!other.verify(&spki));
        assert!(!cp.verify(b"not a key"));
    }

    #[test]
    fn json_round_trips() {
        let (cp, _) = signed(None);
        let json = serde_json::to_string(&cp).unwrap();
        assert!(json.contains("\"tenant\":null"), "{json}");
        assert!(json.contains("\"algorithm\":\"ed25519\""), "{json}");
        let back: Checkpoint = serde_json::from_str(&json).unwrap();
        assert_eq!(back, cp);
    }
}
