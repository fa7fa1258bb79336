//! The TTLV data model: a [`Ttlv`] item is a [`Tag`] plus a typed [`Value`].
//!
//! This is the tree every encoding (binary, XML, JSON) decodes into and
//! encodes from. It carries no KMIP semantics beyond the item types of the
//! KMIP specification (section "Message Encoding" / TTLV).

use std::fmt;

/// A KMIP tag: a 3-byte value. Standard tags start with `0x42`, extension
/// tags with `0x54`; [`Tag::new`] accepts `0x420000..=0x54FFFF`.
///
/// Every tag of KMIP 1.0–2.1 has an associated constant named after its
/// normalized name, e.g. [`Tag::RequestMessage`] (see `tags.rs`).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Tag(pub(crate) u32);

impl Tag {
    /// Lowest accepted tag value.
    pub const MIN: u32 = 0x42_0000;
    /// Highest accepted tag value (last extension tag).
    pub const MAX: u32 = 0x54_FFFF;

    /// A tag from its numeric value, or `None` outside `0x420000..=0x54FFFF`.
    pub const fn new(value: u32) -> Option<Tag> {
        if value >= Self::MIN && value <= Self::MAX {
            Some(Tag(value))
        } else {
            None
        }
    }

    /// The numeric value (fits in 24 bits).
    pub const fn value(self) -> u32 {
        self.0
    }

    /// Whether this is an extension tag (`0x54xxxx`).
    pub const fn is_extension(self) -> bool {
        self.0 >> 16 == 0x54
    }

    /// The normalized KMIP name (`"RequestMessage"`), if the tag is known.
    pub fn name(self) -> Option<&'static str> {
        crate::tags::name_of(self)
    }

    /// The tag with this normalized KMIP name, if any.
    pub fn from_name(name: &str) -> Option<Tag> {
        crate::tags::by_name(name)
    }
}

impl fmt::Debug for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name}(0x{:06X})", self.0),
            None => write!(f, "Tag(0x{:06X})", self.0),
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => f.write_str(name),
            None => write!(f, "0x{:06X}", self.0),
        }
    }
}

/// The item type of a TTLV value, with its type code on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ItemType {
    /// 0x01: an ordered list of items.
    Structure,
    /// 0x02: signed 32-bit integer.
    Integer,
    /// 0x03: signed 64-bit integer.
    LongInteger,
    /// 0x04: signed big-endian two's complement integer.
    BigInteger,
    /// 0x05: unsigned 32-bit enumeration value.
    Enumeration,
    /// 0x06: boolean (encoded as a 64-bit 0 or 1).
    Boolean,
    /// 0x07: UTF-8 text.
    TextString,
    /// 0x08: raw bytes.
    ByteString,
    /// 0x09: POSIX time in seconds (64-bit signed).
    DateTime,
    /// 0x0A: unsigned 32-bit number of seconds.
    Interval,
    /// 0x0B: POSIX time in microseconds (KMIP 2.0).
    DateTimeExtended,
}

impl ItemType {
    /// All item types, in type-code order.
    pub const ALL: [ItemType; 11] = [
        ItemType::Structure,
        ItemType::Integer,
        ItemType::LongInteger,
        ItemType::BigInteger,
        ItemType::Enumeration,
        ItemType::Boolean,
        ItemType::TextString,
        ItemType::ByteString,
        ItemType::DateTime,
        ItemType::Interval,
        ItemType::DateTimeExtended,
    ];

    /// The one-byte type code used by the binary encoding.
    pub const fn code(self) -> u8 {
        match self {
            ItemType::Structure => 0x01,
            ItemType::Integer => 0x02,
            ItemType::LongInteger => 0x03,
            ItemType::BigInteger => 0x04,
            ItemType::Enumeration => 0x05,
            ItemType::Boolean => 0x06,
            ItemType::TextString => 0x07,
            ItemType::ByteString => 0x08,
            ItemType::DateTime => 0x09,
            ItemType::Interval => 0x0A,
            ItemType::DateTimeExtended => 0x0B,
        }
    }

    /// The item type with this type code.
    pub fn from_code(code: u8) -> Option<ItemType> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The name used by the XML and JSON encodings (`"TextString"`).
    pub const fn name(self) -> &'static str {
        match self {
            ItemType::Structure => "Structure",
            ItemType::Integer => "Integer",
            ItemType::LongInteger => "LongInteger",
            ItemType::BigInteger => "BigInteger",
            ItemType::Enumeration => "Enumeration",
            ItemType::Boolean => "Boolean",
            ItemType::TextString => "TextString",
            ItemType::ByteString => "ByteString",
            ItemType::DateTime => "DateTime",
            ItemType::Interval => "Interval",
            ItemType::DateTimeExtended => "DateTimeExtended",
        }
    }

    /// The item type with this XML/JSON name.
    pub fn from_name(name: &str) -> Option<ItemType> {
        Self::ALL.into_iter().find(|t| t.name() == name)
    }
}

impl fmt::Display for ItemType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A typed TTLV value.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Value {
    /// Child items, in order.
    Structure(Vec<Ttlv>),
    /// Signed 32-bit integer (also used for bit masks).
    Integer(i32),
    /// Signed 64-bit integer.
    LongInteger(i64),
    /// Signed big-endian two's complement bytes. The binary encoding needs a
    /// multiple of 8 bytes; [`Value::big_integer`] sign-extends to that.
    BigInteger(Vec<u8>),
    /// Enumeration value (interpreted through the tag, see `enums.rs`).
    Enumeration(u32),
    /// Boolean.
    Boolean(bool),
    /// UTF-8 text.
    TextString(String),
    /// Raw bytes.
    ByteString(Vec<u8>),
    /// POSIX time, seconds.
    DateTime(i64),
    /// Seconds.
    Interval(u32),
    /// POSIX time, microseconds (KMIP 2.0).
    DateTimeExtended(i64),
}

impl Value {
    /// The item type of this value.
    pub const fn item_type(&self) -> ItemType {
        match self {
            Value::Structure(_) => ItemType::Structure,
            Value::Integer(_) => ItemType::Integer,
            Value::LongInteger(_) => ItemType::LongInteger,
            Value::BigInteger(_) => ItemType::BigInteger,
            Value::Enumeration(_) => ItemType::Enumeration,
            Value::Boolean(_) => ItemType::Boolean,
            Value::TextString(_) => ItemType::TextString,
            Value::ByteString(_) => ItemType::ByteString,
            Value::DateTime(_) => ItemType::DateTime,
            Value::Interval(_) => ItemType::Interval,
            Value::DateTimeExtended(_) => ItemType::DateTimeExtended,
        }
    }

    /// A BigInteger from big-endian two's complement bytes, sign-extended to
    /// a multiple of 8 bytes (an empty input is zero, 8 zero bytes).
    pub fn big_integer(bytes: &[u8]) -> Value {
        Value::BigInteger(pad_big_integer(bytes))
    }
}

/// Sign-extend two's complement big-endian bytes to a non-zero multiple of 8.
pub(crate) fn pad_big_integer(bytes: &[u8]) -> Vec<u8> {
    let negative = bytes.first().is_some_and(|b| b & 0x80 != 0);
    let fill = if negative { 0xFF } else { 0x00 };
    let len = bytes.len().max(1).div_ceil(8) * 8;
    let mut out = vec![fill; len - bytes.len()];
    out.extend_from_slice(bytes);
    out
}

/// One TTLV item: a tag and a typed value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ttlv {
    /// The tag.
    pub tag: Tag,
    /// The typed value.
    pub value: Value,
}

impl Ttlv {
    /// An item from a tag and a value.
    pub fn new(tag: Tag, value: Value) -> Ttlv {
        Ttlv { tag, value }
    }

    /// A structure item.
    pub fn structure(tag: Tag, children: Vec<Ttlv>) -> Ttlv {
        Ttlv::new(tag, Value::Structure(children))
    }

    /// The children if this is a structure, else an empty slice.
    pub fn children(&self) -> &[Ttlv] {
        match &self.value {
            Value::Structure(children) => children,
            _ => &[],
        }
    }

    /// The first direct child with this tag.
    pub fn child(&self, tag: Tag) -> Option<&Ttlv> {
        self.children().iter().find(|c| c.tag == tag)
    }

    /// Number of items in this tree, this one included (iterative).
    pub fn item_count(&self) -> usize {
        let mut count = 0;
        let mut stack = vec![self];
        while let Some(item) = stack.pop() {
            count += 1;
            stack.extend(item.children());
        }
        count
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_range() {
        assert!(Tag::new(0x41_FFFF).is_none());
        assert!(Tag::new(0x55_0000).is_none());
        assert_eq!(Tag::new(0x42_0078), Some(Tag::RequestMessage));
        assert!(Tag::new(0x54_0001).is_some_and(Tag::is_extension));
        assert_eq!(
            format!("{:?}", Tag::RequestMessage),
            "RequestMessage(0x420078)"
        );
        assert_eq!(Tag(0x54_0001).to_string(), "0x540001");
    }

    #[test]
    fn item_type_codes_round_trip() {
        for t in ItemType::ALL {
            assert_eq!(ItemType::from_code(t.code()), Some(t));
            assert_eq!(ItemType::from_name(t.name()), Some(t));
        }
        assert_eq!(ItemType::from_code(0), None);
        assert_eq!(ItemType::from_code(0x0C), None);
    }

    #[test]
    fn big_integer_sign_extension() {
        assert_eq!(pad_big_integer(&[]), vec![0; 8]);
        assert_eq!(
            pad_big_integer(&[0x01, 0x00, 0x01]),
            vec![0, 0, 0, 0, 0, 1, 0, 1]
        );
        assert_eq!(
            pad_big_integer(&[0x80]),
            vec![0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x80]
        );
        assert_eq!(pad_big_integer(&[1; 8]).len(), 8);
        assert_eq!(pad_big_integer(&[1; 9]).len(), 16);
    }
}
