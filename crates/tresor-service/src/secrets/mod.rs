//! Stored secrets: payloads Tresor hands back to authorized callers
//! (passphrases, certificates, private keys, opaque blobs). Authorization,
//! tenant isolation and audit happen here, once, for every front door (the
//! native REST API, the CLI and the Barbican-compatible API).
//!
//! Payloads are encrypted under a per-secret data key that the tenant's
//! secrets key (an internal AES-256-GCM key, see [`crypt`]) wraps through
//! the tenant's provider; deleting a secret deletes its wrapped data key and
//! ciphertext, which crypto-shreds it.

mod crypt;
mod ops;
mod types;

pub use types::{
    MAX_METADATA_ENTRIES, MAX_METADATA_KEY, MAX_METADATA_VALUE, MAX_NAME, MAX_PAYLOAD, NewSecret,
    SECRET_TYPES, SecretInfo, SecretPayload,
};
