//! Base64 (standard alphabet, padded) byte strings in JSON.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Bytes that travel as a standard base64 string.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct B64(pub Vec<u8>);

impl B64 {
    /// Encodes to text.
    pub fn encode(&self) -> String {
        STANDARD.encode(&self.0)
    }

    /// Decodes text (standard alphabet; padding required).
    pub fn decode(s: &str) -> Result<Self, base64::DecodeError> {
        STANDARD.decode(s.trim()).map(B64)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Takes the bytes.
    pub fn into_inner(self) -> Vec<u8> {
        self.0
    }
}

impl From<Vec<u8>> for B64 {
    fn from(v: Vec<u8>) -> Self {
        B64(v)
    }
}

impl From<&[u8]> for B64 {
    fn from(v: &[u8]) -> Self {
        B64(v.to_vec())
    }
}

impl fmt::Debug for B64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // May hold plaintext: never printed.
        write!(f, "B64([{} bytes])", self.0.len())
    }
}

impl Serialize for B64 {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for B64 {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        B64::decode(&s)
            .map_err(|_| serde::de::Error::custom("invalid base64 (standard alphabet, padded)"))
    }
}

impl utoipa::PartialSchema for B64 {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .content_encoding("base64")
            .description(Some("Standard base64 (RFC 4648 §4), padded"))
            .into()
    }
}

impl utoipa::ToSchema for B64 {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_errors() {
        let b = B64(b"hello".to_vec());
        let j = serde_json::to_string(&b).unwrap();
        assert_eq!(j, "\"aGVsbG8=\"");
        assert_eq!(serde_json::from_str::<B64>(&j).unwrap(), b);
        assert!(serde_json::from_str::<B64>("\"not base64!\"").is_err());
        assert_eq!(format!("{b:?}"), "B64([5 bytes])");
    }
}
