//! Request and result types of the secrets service, and their validation.

use std::collections::BTreeMap;

use tresor_core::{SecretBytes, SecretId, SecretRecord, Timestamp};

use super::consumers::ConsumerInfo;
use crate::error::{Result, ServiceError};

/// Largest payload in bytes.
pub const MAX_PAYLOAD: usize = 64 * 1024;
/// Longest name in bytes.
pub const MAX_NAME: usize = 255;
/// Most metadata entries per secret.
pub const MAX_METADATA_ENTRIES: usize = 64;
/// Longest metadata key in bytes.
pub const MAX_METADATA_KEY: usize = 255;
/// Longest metadata value in bytes.
pub const MAX_METADATA_VALUE: usize = 1024;
/// Longest algorithm / mode / content type in bytes.
const MAX_SHORT: usize = 64;
const MAX_CONTENT_TYPE: usize = 255;

/// The secret types (Barbican's names).
pub const SECRET_TYPES: [&str; 6] = [
    "symmetric",
    "public",
    "private",
    "passphrase",
    "certificate",
    "opaque",
];

/// A secret to store. Without a payload it is created empty and the payload
/// is added once later (two-step create).
#[derive(Debug, Clone, Default)]
pub struct NewSecret {
    pub name: Option<String>,
    /// One of [`SECRET_TYPES`]; `None` means `opaque`.
    pub secret_type: Option<String>,
    pub algorithm: Option<String>,
    pub bit_length: Option<u32>,
    pub mode: Option<String>,
    pub content_type: Option<String>,
    pub expiration: Option<Timestamp>,
    pub metadata: BTreeMap<String, String>,
    pub payload: Option<SecretBytes>,
}

/// A change to one metadata entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryChange {
    /// Add; `AlreadyExists` when the key is there.
    Create(String),
    /// Replace; `NotFound` when the key is not there.
    Update(String),
    /// Add or replace.
    Upsert(String),
    /// Remove; `NotFound` when the key is not there.
    Remove,
}

/// A secret's description: everything but the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretInfo {
    pub id: SecretId,
    pub name: Option<String>,
    pub secret_type: String,
    pub algorithm: Option<String>,
    pub bit_length: Option<u32>,
    pub mode: Option<String>,
    pub content_type: Option<String>,
    pub expiration: Option<Timestamp>,
    pub metadata: BTreeMap<String, String>,
    pub created_by: String,
    pub state: String,
    /// False until the payload of a two-step create arrives.
    pub has_payload: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// The first consumers (on single reads; empty in listings).
    pub consumers: Vec<ConsumerInfo>,
}

impl From<&SecretRecord> for SecretInfo {
    fn from(r: &SecretRecord) -> Self {
        Self {
            id: r.id,
            name: r.name.clone(),
            secret_type: r.secret_type.clone(),
            algorithm: r.algorithm.clone(),
            bit_length: r.bit_length,
            mode: r.mode.clone(),
            content_type: r.content_type.clone(),
            expiration: r.expiration,
            metadata: r.metadata.clone(),
            created_by: r.created_by.clone(),
            state: r.state.clone(),
            has_payload: r.payload.is_some(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            consumers: Vec::new(),
        }
    }
}

/// A secret with its decrypted payload.
#[derive(Debug, Clone)]
pub struct SecretPayload {
    pub info: SecretInfo,
    pub payload: SecretBytes,
}

fn bounded(field: &'static str, v: &Option<String>, max: usize) -> Result<()> {
    if let Some(s) = v {
        if s.is_empty() || s.len() > max {
            return Err(ServiceError::invalid(field, format!("1-{max} bytes")));
        }
        if s.chars().any(char::is_control) {
            return Err(ServiceError::invalid(field, "control characters"));
        }
    }
    Ok(())
}

/// Checks a metadata map against the limits.
pub(crate) fn check_metadata(m: &BTreeMap<String, String>) -> Result<()> {
    if m.len() > MAX_METADATA_ENTRIES {
        return Err(ServiceError::invalid(
            "metadata",
            format!("at most {MAX_METADATA_ENTRIES} entries"),
        ));
    }
    for (k, v) in m {
        if k.is_empty() || k.len() > MAX_METADATA_KEY || k.chars().any(char::is_control) {
            return Err(ServiceError::invalid(
                "metadata",
                format!("keys are 1-{MAX_METADATA_KEY} bytes without control characters"),
            ));
        }
        if v.len() > MAX_METADATA_VALUE {
            return Err(ServiceError::invalid(
                "metadata",
                format!("values are at most {MAX_METADATA_VALUE} bytes"),
            ));
        }
    }
    Ok(())
}

/// Checks a payload's size.
pub(crate) fn check_payload(p: &SecretBytes) -> Result<()> {
    if p.is_empty() {
        return Err(ServiceError::invalid("payload", "must not be empty"));
    }
    if p.len() > MAX_PAYLOAD {
        return Err(ServiceError::PayloadTooLarge {
            field: "payload",
            limit: MAX_PAYLOAD,
        });
    }
    Ok(())
}

impl NewSecret {
    /// Validates everything but the payload; returns the secret type.
    pub(crate) fn validate(&self, now: Timestamp) -> Result<String> {
        let kind = self.secret_type.clone().unwrap_or_else(|| "opaque".into());
        if !SECRET_TYPES.contains(&kind.as_str()) {
            return Err(ServiceError::invalid(
                "secret_type",
                format!("one of {}", SECRET_TYPES.join(", ")),
            ));
        }
        bounded("name", &self.name, MAX_NAME)?;
        bounded("algorithm", &self.algorithm, MAX_SHORT)?;
        bounded("mode", &self.mode, MAX_SHORT)?;
        bounded("content_type", &self.content_type, MAX_CONTENT_TYPE)?;
        if let Some(b) = self.bit_length
            && (b == 0 || b > 1 << 16)
        {
            return Err(ServiceError::invalid("bit_length", "1-65536"));
        }
        if let Some(e) = self.expiration
            && e <= now
        {
            return Err(ServiceError::invalid("expiration", "must be in the future"));
        }
        check_metadata(&self.metadata)?;
        if let Some(p) = &self.payload {
            check_payload(p)?;
        }
        Ok(kind)
    }
}
