//! The `aws-kms` provider: key material held by an AWS-KMS-compatible
//! service (AWS KMS itself, or a compatible endpoint such as moto or
//! LocalStack), used through its JSON API (`TrentService`), signed with
//! AWS Signature Version 4 ([`sigv4`], checked against AWS's documented
//! example).
//!
//! Keys never leave the service: each local key version is one KMS key
//! (`CreateKey`), tagged with the Tresor key it serves. See
//! [`provider::SUPPORTED`] for what is offered and [`provider`] for how
//! operations map.

pub mod client;
pub mod config;
pub mod provider;
pub mod sigv4;

pub use config::{AwsKmsConfig, AwsKmsConfigError};
pub use provider::AwsKmsProvider;
