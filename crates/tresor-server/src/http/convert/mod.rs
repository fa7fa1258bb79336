//! Conversions between the JSON wire types (`tresor_api`) and the service's
//! request and result types. Parsing failures are service errors
//! (`invalid_argument`, `unsupported_algorithm`) so they carry the same
//! stable codes as the service's own checks.

mod admin;
mod crypto;
mod keys;
mod providers;

pub use admin::*;
pub use crypto::*;
pub use keys::*;
pub use providers::*;

use std::str::FromStr;

use tresor_core::{SecretBytes, Timestamp};
use tresor_service::{KeyRef, ServiceError};

/// RFC 3339 text.
pub fn ts(t: Timestamp) -> String {
    t.to_rfc3339()
}

/// Optional RFC 3339 text.
pub fn opt_ts(t: Option<Timestamp>) -> Option<String> {
    t.map(ts)
}

/// Parses an RFC 3339 timestamp for `field`.
pub fn parse_timestamp(field: &'static str, s: &str) -> Result<Timestamp, ServiceError> {
    Timestamp::parse_rfc3339(s.trim()).ok_or_else(|| {
        ServiceError::invalid(
            field,
            "expected an RFC 3339 timestamp, e.g. 2030-01-01T00:00:00Z",
        )
    })
}

/// A key reference from a path segment or body field: an id or `alias:NAME`.
pub fn parse_key_ref(s: &str) -> Result<KeyRef, ServiceError> {
    KeyRef::from_str(s)
}

/// Moves decoded base64 into zeroizing memory without copying.
pub fn secret(b: tresor_api::B64) -> SecretBytes {
    SecretBytes::new(b.into_inner())
}

/// Copies a secret into a wire field (the response is written once and dropped).
pub fn b64_secret(s: &SecretBytes) -> tresor_api::B64 {
    tresor_api::B64(s.expose().to_vec())
}

/// A short, printable excerpt of caller input for error messages.
pub(crate) fn excerpt(s: &str) -> String {
    s.chars().take(64).filter(|c| !c.is_control()).collect()
}
