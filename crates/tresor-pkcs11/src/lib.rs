//! Tresor's PKCS#11 key provider, built on `cryptoki`.
//!
//! [`Pkcs11Provider`] implements the [`tresor_core::Provider`] port on an HSM
//! token: keys are generated (or imported) inside the token as sensitive,
//! non-extractable objects and every operation is performed by the token.
//! A [`KeyHandle`](tresor_core::KeyHandle) only names the objects
//! ([`handle`]). Sessions are pooled and recovered transparently
//! (`pool`); what the token supports is discovered at connect time
//! ([`Capabilities`]). This crate has no `unsafe`: all FFI stays in cryptoki.

#![forbid(unsafe_code)]

mod caps;
pub mod config;
mod der;
pub mod error;
pub mod handle;
mod keys;
mod library;
mod ops;
mod pool;
mod port;
mod provider;
mod register;
mod root;

pub use caps::Capabilities;
pub use config::{ConfigError, DEFAULT_POOL_SIZE, ENV_PROVIDER_ID, Pkcs11Config};
pub use error::Pkcs11Error;
pub use provider::{Pkcs11Provider, TokenHealth};
