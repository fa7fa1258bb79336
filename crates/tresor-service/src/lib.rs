//! The Tresor service: every operation, given a [`Caller`], goes through
//! authorize → lifecycle and policy checks → provider → audit, exactly once.
//! Front doors (REST, KMIP, CLI) are thin adapters over [`Kms`].

pub mod alerts;
mod api_keys;
pub mod approvals;
pub mod audit_keys;
mod audit_ops;
mod audit_verify;
pub mod audit_writer;
pub mod auth_flood;
mod batch;
pub mod checkpoints;
pub mod config;
mod crypto_asym;
pub mod crypto_policy;
mod crypto_sym;
pub mod discovery;
pub mod envelope;
pub mod error;
pub mod export;
pub mod export_verify;
mod import;
mod internal_keys;
mod keys;
mod kmip_support;
mod kms;
mod lifecycle;
mod op;
pub mod people;
pub mod pki;
pub mod provider_registration;
pub mod providers;
mod public;
mod register;
pub mod replace;
pub mod reports;
mod resolve;
pub mod scheduler;
pub mod secrets;
pub mod self_test;
pub mod sinks;
mod tenants;
pub mod types;
mod unavailable;

pub use api_keys::RequestMeta;
pub use audit_ops::{ChainReport, verify_store_chain};
pub use config::KmsConfig;
pub use error::{ErrorKind, Result, ServiceError};
pub use keys::RESERVED_TAG_PREFIX;
pub use kms::{Kms, OpObserver, ProviderRegistry};
pub use provider_registration::{ProviderFactory, RegisteredProvider};
pub use providers::{Binding, ProviderInfo, ProviderQuery};
pub use resolve::KeyRef;
pub use tresor_core::Caller;
pub use unavailable::UnavailableProvider;
