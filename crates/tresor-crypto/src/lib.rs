//! Tresor's software key provider, built on aws-lc-rs.
//!
//! [`SoftwareProvider`] implements the [`tresor_core::Provider`] port for every
//! [`tresor_core::Algorithm`]. Key material never leaves the process in the
//! clear: a [`RootKey`] (KEK) wraps one random key per tenant, which wraps
//! each key version's material (see [`hierarchy`] for the blob formats). The
//! primitive modules ([`symmetric`], [`rsa`], [`ec`], [`curve25519`], [`pq`])
//! are plain functions shared by the provider and the Wycheproof tests.

#![forbid(unsafe_code)]

pub mod cache;
pub mod curve25519;
pub mod ec;
pub mod error;
pub mod hierarchy;
pub mod keys;
pub mod pq;
pub mod provider;
pub mod root_key;
pub mod root_wrap;
pub mod rsa;
pub mod self_test;
pub mod sig;
pub mod spki;
pub mod symmetric;

pub use error::RootKeyError;
pub use keys::public_key_der;
pub use provider::{DEFAULT_PROVIDER_ID, SoftwareProvider};
pub use root_key::RootKey;
pub use root_wrap::{LocalRoot, ProviderRoot, ProviderRootError, RootWrap};
