//! The ciphertext envelope (format 1), documented in `docs/ciphertext.md`:
//!
//! ```text
//! 0      1 byte   format = 0x01
//! 1      16 bytes key id (UUID, binary)
//! 17     4 bytes  key version, big-endian
//! 21     1 byte   algorithm code
//! 22     1 byte   nonce length N
//! 23     N bytes  nonce
//! 23+N   ...      ciphertext || tag (AEAD), or the RSA-OAEP ciphertext
//! ```
//!
//! Everything before the ciphertext is the *header*. The provider chooses the
//! nonce, so for AEAD keys the authenticated data is the header as it is
//! before the nonce is known (nonce length 0, no nonce) — the nonce itself is
//! authenticated by the AEAD — followed by `u32(len(aad)) || aad || context`,
//! where `context` is `u32(count)` then `u32(len) || bytes` for each name and
//! value in sorted order. A changed header, nonce, AAD or context fails to
//! open. RSA-OAEP envelopes carry no nonce and bind nothing.

use std::collections::BTreeMap;

use tresor_core::{Algorithm, KeyId};

use crate::types::Binding;

/// The format byte of this layout.
pub const FORMAT_V1: u8 = 0x01;
const FIXED_HEADER: usize = 23;
const MAX_NONCE: usize = 32;

/// A parsed envelope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    pub key_id: KeyId,
    pub version: u32,
    pub algorithm: Algorithm,
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

impl Envelope {
    /// The header bytes (authenticated).
    pub fn header(&self) -> Vec<u8> {
        let mut h = Vec::with_capacity(FIXED_HEADER + self.nonce.len());
        h.push(FORMAT_V1);
        h.extend_from_slice(&self.key_id.to_bytes());
        h.extend_from_slice(&self.version.to_be_bytes());
        h.push(self.algorithm.code());
        h.push(u8::try_from(self.nonce.len()).unwrap_or(u8::MAX));
        h.extend_from_slice(&self.nonce);
        h
    }

    /// Serializes header and ciphertext.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = self.header();
        out.extend_from_slice(&self.ciphertext);
        out
    }

    /// Parses bytes; `None` for anything that is not a well-formed envelope.
    pub fn parse(bytes: &[u8]) -> Option<Self> {
        let fixed = bytes.get(..FIXED_HEADER)?;
        if fixed[0] != FORMAT_V1 {
            return None;
        }
        let id: [u8; 16] = fixed.get(1..17)?.try_into().ok()?;
        let version = u32::from_be_bytes(fixed.get(17..21)?.try_into().ok()?);
        let algorithm = Algorithm::from_code(fixed[21])?;
        let n = usize::from(fixed[22]);
        if n > MAX_NONCE {
            return None;
        }
        let nonce = bytes.get(FIXED_HEADER..FIXED_HEADER + n)?.to_vec();
        let ciphertext = bytes.get(FIXED_HEADER + n..)?.to_vec();
        if ciphertext.is_empty() || version == 0 {
            return None;
        }
        Some(Self {
            key_id: KeyId::from_bytes(id),
            version,
            algorithm,
            nonce,
            ciphertext,
        })
    }
}

fn put(buf: &mut Vec<u8>, bytes: &[u8]) {
    buf.extend_from_slice(&u32::try_from(bytes.len()).unwrap_or(u32::MAX).to_be_bytes());
    buf.extend_from_slice(bytes);
}

/// The AEAD associated data for an envelope header and a caller binding.
pub fn associated_data(header: &[u8], binding: &Binding) -> Vec<u8> {
    let mut ad = Vec::with_capacity(header.len() + binding.aad.len() + 16);
    ad.extend_from_slice(header);
    put(&mut ad, &binding.aad);
    context_bytes(&mut ad, &binding.context);
    ad
}

fn context_bytes(buf: &mut Vec<u8>, ctx: &BTreeMap<String, String>) {
    buf.extend_from_slice(&u32::try_from(ctx.len()).unwrap_or(u32::MAX).to_be_bytes());
    for (k, v) in ctx {
        put(buf, k.as_bytes());
        put(buf, v.as_bytes());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejects() {
        let e = Envelope {
            key_id: KeyId::generate(),
            version: 3,
            algorithm: Algorithm::Aes256Gcm,
            nonce: vec![7; 12],
            ciphertext: vec![1, 2, 3],
        };
        let b = e.to_bytes();
        assert_eq!(Envelope::parse(&b), Some(e.clone()));
        assert_eq!(e.key_id.to_string().len(), 36);
        assert!(Envelope::parse(&b[..20]).is_none());
        assert!(Envelope::parse(&b[..35]).is_none());
        let mut bad = b.clone();
        bad[0] = 2;
        assert!(Envelope::parse(&bad).is_none());
        let mut bad = b.clone();
        bad[21] = 0xEE;
        assert!(Envelope::parse(&bad).is_none());
        let mut bad = b;
        bad[22] = 200;
        assert!(Envelope::parse(&bad).is_none());
        assert!(Envelope::parse(&[]).is_none());
    }

    #[test]
    fn binding_changes_associated_data() {
        let h = [1u8, 2, 3];
        let a = associated_data(&h, &Binding::default());
        let mut ctx = BTreeMap::new();
        ctx.insert("a".to_owned(), "bc".to_owned());
        let b = associated_data(
            &h,
            &Binding {
                aad: vec![],
                context: ctx,
            },
        );
        let mut ctx2 = BTreeMap::new();
        ctx2.insert("ab".to_owned(), "c".to_owned());
        let c = associated_data(
            &h,
            &Binding {
                aad: vec![],
                context: ctx2,
            },
        );
        assert_ne!(a, b);
        assert_ne!(b, c);
    }
}
