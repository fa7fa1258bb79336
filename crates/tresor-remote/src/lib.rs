//! The `remote` provider: key material held by another Tresor (a central
//! KMS, another site, a vendor's Tresor), used over that Tresor's REST API
//! with an API key (bearer token) and, optionally, a client certificate
//! (mTLS) and a private CA. Each local key version is one key of the remote
//! Tresor, created in the configured remote tenant; its material never
//! reaches this node.
//!
//! What the remote does is what this provider claims (see
//! [`provider::SUPPORTED`]): AEAD encryption, signatures, MACs and random
//! bytes. Keys cannot be imported or exported through it. The handle binds
//! the remote key to the local key version it was made for, so it cannot be
//! used for another one.

pub mod client;
pub mod config;
pub mod provider;

pub use config::{RemoteConfig, RemoteConfigError};
pub use provider::RemoteProvider;
