//! The codec's error type: one `#[non_exhaustive]` enum, every decoding
//! variant carrying the [`Position`] where decoding failed.

use std::fmt;

use crate::ttlv::{ItemType, Tag};

/// Where in the input an error was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Position {
    /// Byte offset into the input (binary TTLV, XML text, JSON text).
    Byte(usize),
    /// JSON only: index of the offending TTLV item in document order
    /// (0 is the root). Used once the JSON text itself has parsed.
    Item(usize),
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Position::Byte(offset) => write!(f, "byte {offset}"),
            Position::Item(index) => write!(f, "item {index}"),
        }
    }
}

/// An encoding or decoding failure. Decoders never panic; every malformed
/// input maps to one of these.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The input (or a declared message length) exceeds `max_message_bytes`.
    #[error("message of {length} bytes exceeds the {limit}-byte limit (at {at})")]
    MessageTooLarge {
        at: Position,
        length: u64,
        limit: usize,
    },
    /// The input ends before the declared item does.
    #[error("input truncated at {at}: {needed} more bytes needed")]
    Truncated { at: Position, needed: u64 },
    /// A tag outside `0x420000..=0x54FFFF`.
    #[error("invalid tag 0x{tag:06X} at {at}")]
    InvalidTag { at: Position, tag: u32 },
    /// A type byte that is not 0x01–0x0B.
    #[error("unknown item type 0x{code:02X} at {at}")]
    UnknownType { at: Position, code: u8 },
    /// A length that is wrong for the item type.
    #[error("invalid length {length} for {item_type} at {at}")]
    InvalidLength {
        at: Position,
        item_type: ItemType,
        length: u32,
    },
    /// A padding byte that is not zero.
    #[error("non-zero padding byte at {at}")]
    NonZeroPadding { at: Position },
    /// A Text String that is not UTF-8.
    #[error("invalid UTF-8 in a text string at {at}")]
    InvalidUtf8 { at: Position },
    /// A Boolean whose 8-byte value is neither 0 nor 1.
    #[error("boolean value is neither 0 nor 1 at {at}")]
    InvalidBoolean { at: Position },
    /// An item that ends past the end of its enclosing structure.
    #[error("item at {at} overruns its enclosing structure")]
    StructureOverrun { at: Position },
    /// Bytes after the end of the message.
    #[error("{extra} trailing bytes after the message at {at}")]
    TrailingData { at: Position, extra: usize },
    /// Structures nested deeper than `max_depth`.
    #[error("structures nested deeper than {limit} at {at}")]
    TooDeep { at: Position, limit: usize },
    /// More items than `max_items`.
    #[error("more than {limit} items at {at}")]
    TooManyItems { at: Position, limit: usize },
    /// A string, byte string or big integer longer than `max_string_bytes`.
    #[error("value of {length} bytes exceeds the {limit}-byte string limit at {at}")]
    StringTooLong {
        at: Position,
        length: u64,
        limit: usize,
    },
    /// XML/JSON: a tag name that is not in the dictionary (use the hex form).
    #[error("unknown tag name {name:?} at {at}")]
    UnknownTagName { at: Position, name: String },
    /// XML/JSON: a `type` that is not a TTLV item type name.
    #[error("unknown item type name {name:?} at {at}")]
    UnknownTypeName { at: Position, name: String },
    /// XML/JSON: an enumeration or mask name unknown for this tag.
    #[error("unknown value name {name:?} for {tag} at {at}")]
    UnknownEnumName {
        at: Position,
        tag: Tag,
        name: String,
    },
    /// XML/JSON: a value that does not parse as its item type.
    #[error("invalid {item_type} value at {at}: {reason}")]
    InvalidValue {
        at: Position,
        item_type: ItemType,
        reason: &'static str,
    },
    /// XML/JSON: a `$PLACEHOLDER` value the resolver did not map.
    #[error("unresolved placeholder {placeholder:?} for {item_type} at {at}")]
    UnresolvedPlaceholder {
        at: Position,
        item_type: ItemType,
        placeholder: String,
    },
    /// XML/JSON: well-formed text that is not a TTLV document.
    #[error("malformed TTLV document at {at}: {reason}")]
    Malformed { at: Position, reason: &'static str },
    /// XML syntax error.
    #[error("XML syntax error at {at}")]
    Xml {
        at: Position,
        #[source]
        source: quick_xml::Error,
    },
    /// JSON syntax error.
    #[error("JSON syntax error at {at}")]
    Json {
        at: Position,
        #[source]
        source: serde_json::Error,
    },
    /// [`crate::frame_len`]: the header is not a Request/Response Message
    /// structure header.
    #[error("not a KMIP message header (tag 0x{tag:06X}, type 0x{type_code:02X})")]
    NotAMessage { tag: u32, type_code: u8 },
    /// Encoding: a value or structure longer than a 32-bit length allows.
    #[error("cannot encode a {item_type} of {length} bytes")]
    ValueTooLong { item_type: ItemType, length: usize },
}

impl Error {
    /// Where decoding failed, if the error is about a position in the input.
    pub fn position(&self) -> Option<Position> {
        match self {
            Error::MessageTooLarge { at, .. }
            | Error::Truncated { at, .. }
            | Error::InvalidTag { at, .. }
            | Error::UnknownType { at, .. }
            | Error::InvalidLength { at, .. }
            | Error::NonZeroPadding { at }
            | Error::InvalidUtf8 { at }
            | Error::InvalidBoolean { at }
            | Error::StructureOverrun { at }
            | Error::TrailingData { at, .. }
            | Error::TooDeep { at, .. }
            | Error::TooManyItems { at, .. }
            | Error::StringTooLong { at, .. }
            | Error::UnknownTagName { at, .. }
            | Error::UnknownTypeName { at, .. }
            | Error::UnknownEnumName { at, .. }
            | Error::InvalidValue { at, .. }
            | Error::UnresolvedPlaceholder { at, .. }
            | Error::Malformed { at, .. }
            | Error::Xml { at, .. }
            | Error::Json { at, .. } => Some(*at),
            Error::NotAMessage { .. } | Error::ValueTooLong { .. } => None,
        }
    }
}

/// A bounded copy of untrusted text for an error message.
pub(crate) fn clip(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((end, _)) => format!("{}…", text.get(..end).unwrap_or_default()),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clip_bounds_untrusted_text() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(1000);
        assert_eq!(clip(&long).chars().count(), 65);
    }

    #[test]
    fn positions_display() {
        let err = Error::NonZeroPadding {
            at: Position::Byte(12),
        };
        assert_eq!(err.to_string(), "non-zero padding byte at byte 12");
        assert_eq!(err.position(), Some(Position::Byte(12)));
    }
}
