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
//!
//! # Using it
//!
//! A server builds one provider per [`AwsKmsConfig`] (serde, unknown fields
//! refused, checked by [`AwsKmsConfig::validate`]) and registers it like any
//! other [`tresor_core::Provider`]:
//!
//! ```no_run
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config: tresor_aws_kms::AwsKmsConfig = serde_json::from_str(
//!     r#"{"id": "aws", "region": "eu-central-1",
//!         "credentials_file": "/etc/tresor/aws-credentials.json"}"#,
//! )?;
//! let provider = tresor_aws_kms::AwsKmsProvider::new(&config)?;
//! # let _ = provider; Ok(()) }
//! ```
//!
//! The config names where the credentials are (environment variables,
//! default `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//! or a JSON file), never the credentials themselves; they are read once by
//! [`AwsKmsProvider::new`], kept zeroized-on-drop and left out of `Debug`.
//! `endpoint` (default `https://kms.<region>.amazonaws.com`) is
//! `scheme://host[:port]`, no path. Nothing is contacted until the first
//! call; [`tresor_core::Provider::health`] lists one key.
//!
//! Errors: a key, ciphertext, signature or MAC the KMS refuses is the
//! opaque [`tresor_core::ProviderError::Crypto`]; an unreachable or failing
//! service, refused credentials ("the KMS rejected the credentials (...)")
//! and operations the IAM policy denies ("not allowed") are
//! [`tresor_core::ProviderError::Unavailable`] with the KMS error name only.

pub mod client;
pub mod config;
pub mod provider;
pub mod sigv4;

pub use config::{AwsKmsConfig, AwsKmsConfigError};
pub use provider::AwsKmsProvider;
