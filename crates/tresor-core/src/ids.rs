//! Validated identifiers: parse once at the edge, then trust the type.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Why a string is not a valid identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdError {
    #[error("{kind} must be 1 to {max} characters")]
    Length { kind: &'static str, max: usize },
    #[error("{kind} may only contain {allowed}")]
    Charset {
        kind: &'static str,
        allowed: &'static str,
    },
}

fn check(
    kind: &'static str,
    s: &str,
    max: usize,
    allowed: &'static str,
    ok: impl Fn(usize, char) -> bool,
) -> Result<(), IdError> {
    if s.is_empty() || s.len() > max {
        return Err(IdError::Length { kind, max });
    }
    if !s.chars().enumerate().all(|(i, c)| ok(i, c)) {
        return Err(IdError::Charset { kind, allowed });
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$m:meta])* $name:ident, $kind:literal, $max:expr, $allowed:literal, $ok:expr) => {
        $(#[$m])*
        #[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Parses and validates.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                check($kind, s, $max, $allowed, $ok)?;
                Ok(Self(s.to_owned()))
            }
            /// The identifier as text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::parse(&s).map_err(serde::de::Error::custom)
            }
        }
    };
}

fn slug_char(i: usize, c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || (i > 0 && (c == '-' || c == '_'))
}

string_id!(
    /// A tenant (partition) id: lowercase slug, e.g. `default`, `payments-prod`.
    TenantId,
    "tenant id",
    63,
    "lowercase letters, digits, '-' and '_' (not first)",
    slug_char
);

string_id!(
    /// A provider id, e.g. `software`, `hsm-primary`.
    ProviderId,
    "provider id",
    63,
    "lowercase letters, digits, '-' and '_' (not first)",
    slug_char
);

string_id!(
    /// A key alias, unique per tenant, e.g. `payments/db-master`.
    Alias,
    "alias",
    128,
    "letters, digits, '-', '_', '/', '.' (not first)",
    |i: usize, c: char| c.is_ascii_alphanumeric()
        || (i > 0 && matches!(c, '-' | '_' | '/' | '.'))
);

string_id!(
    /// A request id, echoed in responses and audit records.
    RequestId,
    "request id",
    64,
    "letters, digits, '-' and '_'",
    |_i: usize, c: char| c.is_ascii_alphanumeric() || c == '-' || c == '_'
);

macro_rules! uuid_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(uuid::Uuid);

        impl $name {
            /// A new, time-ordered id (UUIDv7), so ids sort by creation.
            pub fn generate() -> Self {
                Self(uuid::Uuid::now_v7())
            }
            /// Parses the canonical hyphenated form.
            pub fn parse(s: &str) -> Result<Self, IdError> {
                uuid::Uuid::try_parse(s).map(Self).map_err(|_| IdError::Charset {
                    kind: stringify!($name),
                    allowed: "a UUID",
                })
            }
            /// The underlying UUID.
            pub fn as_uuid(&self) -> uuid::Uuid {
                self.0
            }
            /// From the 16 binary bytes of the UUID.
            pub fn from_bytes(b: [u8; 16]) -> Self {
                Self(uuid::Uuid::from_bytes(b))
            }
            /// The 16 binary bytes of the UUID.
            pub fn to_bytes(&self) -> [u8; 16] {
                *self.0.as_bytes()
            }
        }
        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, IdError> {
                Self::parse(s)
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.hyphenated().fmt(f)
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }
    };
}

uuid_id!(
    /// A key's opaque, stable id.
    KeyId
);
uuid_id!(
    /// An API key's id (not its secret).
    ApiKeyId
);
uuid_id!(
    /// A stored certificate's id.
    CertId
);
uuid_id!(
    /// A stored secret's id.
    SecretId
);

impl TenantId {
    /// The tenant created on first start.
    pub fn default_tenant() -> Self {
        Self("default".to_owned())
    }
}

impl RequestId {
    /// A fresh random request id.
    pub fn generate() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_ids() {
        assert!(TenantId::parse("default").is_ok());
        assert!(TenantId::parse("a-b_1").is_ok());
        assert!(TenantId::parse("").is_err());
        assert!(TenantId::parse("-x").is_err());
        assert!(TenantId::parse("Upper").is_err());
        assert!(TenantId::parse(&"a".repeat(64)).is_err());
    }

    #[test]
    fn aliases() {
        assert!(Alias::parse("payments/db.master-1").is_ok());
        assert!(Alias::parse("/x").is_err());
        assert!(Alias::parse("a b").is_err());
    }

    #[test]
    fn key_ids_sort_by_creation() {
        let a = KeyId::generate();
        let b = KeyId::generate();
        assert!(a < b);
        assert_eq!(KeyId::parse(&a.to_string()), Ok(a));
        assert!(KeyId::parse("nope").is_err());
    }

    #[test]
    fn serde_validates() {
        let r: Result<TenantId, _> = serde_json::from_str("\"BAD\"");
        assert!(r.is_err());
    }
}
