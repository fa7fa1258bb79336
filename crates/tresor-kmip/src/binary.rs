//! Binary TTLV, the KMIP wire format: tag (3 bytes), type (1 byte), length
//! (4 bytes, big-endian), value padded with zeros to a multiple of 8 bytes.
//!
//! Decoding is strict and iterative (no recursion, so nesting cannot
//! overflow the stack): fixed-size types must have their exact length,
//! padding must be zero, Booleans must be 0 or 1, text must be UTF-8,
//! children must end exactly at their structure's end, and nothing may
//! follow the message. Every declared length is checked against the input
//! and the [`DecodeLimits`] before anything is allocated for it.

use crate::error::{Error, Position};
use crate::limits::DecodeLimits;
use crate::ttlv::{ItemType, Tag, Ttlv, Value, pad_big_integer};

/// Size of an item header (tag, type, length).
pub const HEADER_LEN: usize = 8;

/// Decode one binary TTLV message with the default limits.
pub fn decode(input: &[u8]) -> Result<Ttlv, Error> {
    decode_with_limits(input, &DecodeLimits::default())
}

/// Length of a whole message (header included) from its first 8 bytes, so
/// a server can read exactly one message: the tag must be Request Message
/// (0x420078) or Response Message (0x42007B), the type Structure, and the
/// length a multiple of 8 within the default `max_message_bytes`.
pub fn frame_len(header: &[u8; HEADER_LEN]) -> Result<usize, Error> {
    frame_len_with_limits(header, &DecodeLimits::default())
}

/// [`frame_len`] with explicit limits.
pub fn frame_len_with_limits(
    header: &[u8; HEADER_LEN],
    limits: &DecodeLimits,
) -> Result<usize, Error> {
    let [t0, t1, t2, type_code, l0, l1, l2, l3] = *header;
    let tag = u32::from_be_bytes([0, t0, t1, t2]);
    let length = u32::from_be_bytes([l0, l1, l2, l3]);
    let is_message = tag == Tag::RequestMessage.value() || tag == Tag::ResponseMessage.value();
    if !is_message || type_code != ItemType::Structure.code() {
        return Err(Error::NotAMessage { tag, type_code });
    }
    if !length.is_multiple_of(8) {
        let at = Position::Byte(4);
        return Err(Error::InvalidLength {
            at,
            item_type: ItemType::Structure,
            length,
        });
    }
    let total = u64::from(length) + HEADER_LEN as u64;
    match usize::try_from(total) {
        Ok(total) if total <= limits.max_message_bytes => Ok(total),
        _ => Err(Error::MessageTooLarge {
            at: Position::Byte(4),
            length: total,
            limit: limits.max_message_bytes,
        }),
    }
}

/// An open structure while decoding.
struct Open {
    tag: Tag,
    end: usize,
    children: Vec<Ttlv>,
}

/// Decode one binary TTLV item (normally a message) that must span the
/// whole input.
pub fn decode_with_limits(input: &[u8], limits: &DecodeLimits) -> Result<Ttlv, Error> {
    if input.len() > limits.max_message_bytes {
        return Err(Error::MessageTooLarge {
            at: Position::Byte(0),
            length: input.len() as u64,
            limit: limits.max_message_bytes,
        });
    }
    let mut stack: Vec<Open> = Vec::new();
    let mut pos = 0usize;
    let mut items = 0usize;
    loop {
        // Close every structure that ends here.
        while stack.last().is_some_and(|open| open.end == pos) {
            if let Some(open) = stack.pop() {
                let item = Ttlv::structure(open.tag, open.children);
                match stack.last_mut() {
                    Some(parent) => parent.children.push(item),
                    None => return finish(item, pos, input.len()),
                }
            }
        }
        let parent_end = stack.last().map_or(input.len(), |open| open.end);
        let header = Header::read(input, pos, parent_end)?;
        items += 1;
        if items > limits.max_items {
            return Err(Error::TooManyItems {
                at: Position::Byte(pos),
                limit: limits.max_items,
            });
        }
        let value_start = pos + HEADER_LEN;
        let padded = header.padded_len(pos, limits)?;
        let end = check_span(value_start, padded, input.len(), parent_end, pos)?;
        if header.item_type == ItemType::Structure {
            if stack.len() >= limits.depth() {
                return Err(Error::TooDeep {
                    at: Position::Byte(pos),
                    limit: limits.depth(),
                });
            }
            stack.push(Open {
                tag: header.tag,
                end,
                children: Vec::new(),
            });
            pos = value_start;
            continue;
        }
        let raw = input.get(value_start..end).unwrap_or_default();
        let value = decode_primitive(header.item_type, raw, header.length as usize, value_start)?;
        let item = Ttlv::new(header.tag, value);
        pos = end;
        match stack.last_mut() {
            Some(parent) => parent.children.push(item),
            None => return finish(item, pos, input.len()),
        }
    }
}

fn finish(item: Ttlv, pos: usize, len: usize) -> Result<Ttlv, Error> {
    if pos == len {
        Ok(item)
    } else {
        Err(Error::TrailingData {
            at: Position::Byte(pos),
            extra: len.saturating_sub(pos),
        })
    }
}

/// A parsed item header.
struct Header {
    tag: Tag,
    item_type: ItemType,
    length: u32,
}

impl Header {
    fn read(input: &[u8], pos: usize, parent_end: usize) -> Result<Header, Error> {
        let at = Position::Byte(pos);
        let Some(bytes) = input.get(pos..pos.saturating_add(HEADER_LEN)) else {
            let needed = (pos + HEADER_LEN).saturating_sub(input.len()) as u64;
            return Err(Error::Truncated { at, needed });
        };
        if pos + HEADER_LEN > parent_end {
            return Err(Error::StructureOverrun { at });
        }
        let &[t0, t1, t2, type_code, l0, l1, l2, l3] = bytes else {
            return Err(Error::Truncated {
                at,
                needed: HEADER_LEN as u64,
            });
        };
        let raw_tag = u32::from_be_bytes([0, t0, t1, t2]);
        let tag = Tag::new(raw_tag).ok_or(Error::InvalidTag { at, tag: raw_tag })?;
        let item_type = ItemType::from_code(type_code).ok_or(Error::UnknownType {
            at,
            code: type_code,
        })?;
        let length = u32::from_be_bytes([l0, l1, l2, l3]);
        Ok(Header {
            tag,
            item_type,
            length,
        })
    }

    /// The value's length including padding, after checking the declared
    /// length against the type and the limits.
    fn padded_len(&self, pos: usize, limits: &DecodeLimits) -> Result<usize, Error> {
        let at = Position::Byte(pos + 4);
        let length = self.length as usize;
        let invalid = || Error::InvalidLength {
            at,
            item_type: self.item_type,
            length: self.length,
        };
        match self.item_type {
            ItemType::Integer | ItemType::Enumeration | ItemType::Interval => {
                if length == 4 {
                    Ok(8)
                } else {
                    Err(invalid())
                }
            }
            ItemType::LongInteger
            | ItemType::Boolean
            | ItemType::DateTime
            | ItemType::DateTimeExtended => {
                if length == 8 {
                    Ok(8)
                } else {
                    Err(invalid())
                }
            }
            ItemType::Structure => {
                if length.is_multiple_of(8) {
                    Ok(length)
                } else {
                    Err(invalid())
                }
            }
            ItemType::BigInteger | ItemType::TextString | ItemType::ByteString => {
                if self.item_type == ItemType::BigInteger
                    && (length == 0 || !length.is_multiple_of(8))
                {
                    return Err(invalid());
                }
                if length > limits.max_string_bytes {
                    return Err(Error::StringTooLong {
                        at,
                        length: u64::from(self.length),
                        limit: limits.max_string_bytes,
                    });
                }
                Ok(length.div_ceil(8) * 8)
            }
        }
    }
}

/// End of the value, after checking that it fits in the input and in the
/// enclosing structure. Nothing has been allocated yet.
fn check_span(
    start: usize,
    padded: usize,
    len: usize,
    parent_end: usize,
    pos: usize,
) -> Result<usize, Error> {
    let end = start.saturating_add(padded);
    if end > len {
        let needed = (start as u64 + padded as u64).saturating_sub(len as u64);
        return Err(Error::Truncated {
            at: Position::Byte(pos),
            needed,
        });
    }
    if end > parent_end {
        return Err(Error::StructureOverrun {
            at: Position::Byte(pos),
        });
    }
    Ok(end)
}

/// Decode a primitive value from its padded bytes.
fn decode_primitive(
    item_type: ItemType,
    raw: &[u8],
    length: usize,
    start: usize,
) -> Result<Value, Error> {
    let (data, padding) = raw.split_at(length.min(raw.len()));
    if let Some(i) = padding.iter().position(|&b| b != 0) {
        return Err(Error::NonZeroPadding {
            at: Position::Byte(start + length + i),
        });
    }
    let at = Position::Byte(start);
    let invalid = || Error::InvalidLength {
        at,
        item_type,
        length: length as u32,
    };
    let four = || <[u8; 4]>::try_from(data).map_err(|_| invalid());
    let eight = || <[u8; 8]>::try_from(data).map_err(|_| invalid());
    Ok(match item_type {
        ItemType::Integer => Value::Integer(i32::from_be_bytes(four()?)),
        ItemType::Enumeration => Value::Enumeration(u32::from_be_bytes(four()?)),
        ItemType::Interval => Value::Interval(u32::from_be_bytes(four()?)),
        ItemType::LongInteger => Value::LongInteger(i64::from_be_bytes(eight()?)),
        ItemType::DateTime => Value::DateTime(i64::from_be_bytes(eight()?)),
        ItemType::DateTimeExtended => Value::DateTimeExtended(i64::from_be_bytes(eight()?)),
        ItemType::Boolean => match u64::from_be_bytes(eight()?) {
            0 => Value::Boolean(false),
            1 => Value::Boolean(true),
            _ => return Err(Error::InvalidBoolean { at }),
        },
        ItemType::BigInteger => Value::BigInteger(data.to_vec()),
        ItemType::ByteString => Value::ByteString(data.to_vec()),
        ItemType::TextString => match std::str::from_utf8(data) {
            Ok(text) => Value::TextString(text.to_owned()),
            Err(e) => {
                return Err(Error::InvalidUtf8 {
                    at: Position::Byte(start + e.valid_up_to()),
                });
            }
        },
        ItemType::Structure => {
            return Err(Error::Malformed {
                at,
                reason: "structure as a primitive",
            });
        }
    })
}

/// Work left for the iterative encoder.
enum Step<'a> {
    Item(&'a Ttlv),
    /// Patch the length of the structure whose header starts here.
    Close(usize),
}

/// Encode an item (normally a message) as binary TTLV. Fails only for a
/// value or structure longer than `u32::MAX` bytes. Big Integers whose
/// length is not a multiple of 8 are sign-extended.
pub fn encode(item: &Ttlv) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    let mut steps = vec![Step::Item(item)];
    while let Some(step) = steps.pop() {
        match step {
            Step::Item(item) => {
                let header_at = out.len();
                let tag = item.tag.value().to_be_bytes();
                out.extend_from_slice(tag.get(1..).unwrap_or_default());
                out.push(item.value.item_type().code());
                out.extend_from_slice(&[0; 4]);
                if let Value::Structure(children) = &item.value {
                    steps.push(Step::Close(header_at));
                    steps.extend(children.iter().rev().map(Step::Item));
                } else {
                    let length = encode_primitive(&item.value, &mut out)?;
                    patch_length(&mut out, header_at, length, item.value.item_type())?;
                    out.resize(out.len().div_ceil(8) * 8, 0);
                }
            }
            Step::Close(header_at) => {
                let length = out.len() - header_at - HEADER_LEN;
                patch_length(&mut out, header_at, length, ItemType::Structure)?;
            }
        }
    }
    Ok(out)
}

fn patch_length(
    out: &mut [u8],
    header_at: usize,
    length: usize,
    item_type: ItemType,
) -> Result<(), Error> {
    let length32 = u32::try_from(length).map_err(|_| Error::ValueTooLong { item_type, length })?;
    if let Some(slot) = out.get_mut(header_at + 4..header_at + HEADER_LEN) {
        slot.copy_from_slice(&length32.to_be_bytes());
    }
    Ok(())
}

/// Append a primitive value (unpadded); returns its length.
fn encode_primitive(value: &Value, out: &mut Vec<u8>) -> Result<usize, Error> {
    let start = out.len();
    match value {
        Value::Integer(v) => out.extend_from_slice(&v.to_be_bytes()),
        Value::Enumeration(v) | Value::Interval(v) => out.extend_from_slice(&v.to_be_bytes()),
        Value::LongInteger(v) | Value::DateTime(v) | Value::DateTimeExtended(v) => {
            out.extend_from_slice(&v.to_be_bytes());
        }
        Value::Boolean(v) => out.extend_from_slice(&u64::from(*v).to_be_bytes()),
        Value::BigInteger(bytes) if !bytes.is_empty() && bytes.len().is_multiple_of(8) => {
            out.extend_from_slice(bytes)
        }
        Value::BigInteger(bytes) => out.extend_from_slice(&pad_big_integer(bytes)),
        Value::TextString(text) => out.extend_from_slice(text.as_bytes()),
        Value::ByteString(bytes) => out.extend_from_slice(bytes),
        Value::Structure(_) => {}
    }
    Ok(out.len() - start)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Ttlv {
        Ttlv::structure(
            Tag::RequestMessage,
            vec![
                Ttlv::new(Tag::BatchCount, Value::Integer(1)),
                Ttlv::new(Tag::UniqueIdentifier, Value::TextString("abc".into())),
                Ttlv::new(Tag::CriticalityIndicator, Value::Boolean(true)),
            ],
        )
    }

    #[test]
    fn spec_example_integer() {
        // KMIP spec encoding example: an Integer 8 with tag 0x420020.
        let item = Ttlv::new(Tag::CompromiseDate, Value::Integer(8));
        let bytes = encode(&item).unwrap();
        assert_eq!(hex::encode(&bytes), "42002002000000040000000800000000");
        assert_eq!(decode(&bytes).unwrap(), item);
    }

    #[test]
    fn round_trip_and_frame_len() {
        let bytes = encode(&sample()).unwrap();
        assert_eq!(bytes.len() % 8, 0);
        assert_eq!(decode(&bytes).unwrap(), sample());
        let header: [u8; 8] = bytes[..8].try_into().unwrap();
        assert_eq!(frame_len(&header).unwrap(), bytes.len());
    }

    #[test]
    fn frame_len_rejects_other_headers() {
        let mut header = [0x42, 0x00, 0x79, 0x01, 0, 0, 0, 8];
        assert!(matches!(frame_len(&header), Err(Error::NotAMessage { .. })));
        header[2] = 0x78;
        header[3] = 0x02;
        assert!(matches!(frame_len(&header), Err(Error::NotAMessage { .. })));
        header[3] = 0x01;
        header[7] = 7;
        assert!(matches!(
            frame_len(&header),
            Err(Error::InvalidLength { .. })
        ));
        let huge = [0x42, 0x00, 0x7B, 0x01, 0x80, 0, 0, 0];
        assert!(matches!(
            frame_len(&huge),
            Err(Error::MessageTooLarge { .. })
        ));
    }

    #[test]
    fn big_integer_is_padded_on_encode() {
        let item = Ttlv::new(Tag::Modulus, Value::BigInteger(vec![0x01, 0x00, 0x01]));
        let decoded = decode(&encode(&item).unwrap()).unwrap();
        assert_eq!(
            decoded.value,
            Value::BigInteger(vec![0, 0, 0, 0, 0, 1, 0, 1])
        );
    }
}
