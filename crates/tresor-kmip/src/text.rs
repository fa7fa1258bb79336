//! Textual value forms shared by the XML and JSON encodings: enumeration
//! and mask names, hex, ISO-8601 date-times, and `$PLACEHOLDER` handling.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::enums::{self, EnumKind};
use crate::error::{Error, Position, clip};
use crate::limits::DecodeOptions;
use crate::ttlv::{ItemType, Tag, Value, pad_big_integer};

/// Where a textual value sits: its tag and the preceding `Attribute Name`
/// sibling, which together select the enumeration or mask for its names.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Context<'a> {
    pub tag: Tag,
    pub attribute_name: Option<&'a str>,
}

impl Context<'_> {
    pub fn enum_kind(&self) -> Option<EnumKind> {
        enums::kind_for(self.tag, self.attribute_name, false)
    }

    pub fn mask_kind(&self) -> Option<EnumKind> {
        enums::kind_for(self.tag, self.attribute_name, true)
    }
}

/// `0x`-prefixed hex → unsigned value of at most `max_digits` hex digits.
pub(crate) fn parse_prefixed_hex(text: &str, max_digits: usize) -> Option<u64> {
    let digits = text
        .strip_prefix("0x")
        .or_else(|| text.strip_prefix("0X"))?;
    if digits.is_empty()
        || digits.len() > max_digits
        || !digits.bytes().all(|b| b.is_ascii_hexdigit())
    {
        return None;
    }
    u64::from_str_radix(digits, 16).ok()
}

/// Hex (no prefix, even length, either case) → bytes.
pub(crate) fn parse_hex(text: &str) -> Option<Vec<u8>> {
    hex::decode(text).ok()
}

/// Decimal integer (optionally signed) or `0x` hex bit pattern of `BITS`.
fn parse_i32(text: &str) -> Option<i32> {
    match parse_prefixed_hex(text, 8) {
        Some(bits) => u32::try_from(bits).ok().map(|b| b as i32),
        None => text.parse().ok(),
    }
}

fn parse_i64(text: &str) -> Option<i64> {
    match parse_prefixed_hex(text, 16) {
        Some(bits) => Some(bits as i64),
        None => text.parse().ok(),
    }
}

fn parse_u32(text: &str) -> Option<u32> {
    match parse_prefixed_hex(text, 8) {
        Some(bits) => u32::try_from(bits).ok(),
        None => text.parse().ok(),
    }
}

/// A mask written as names and/or numbers separated by `separators`.
fn parse_mask(text: &str, kind: EnumKind, separators: &[char]) -> Option<i32> {
    let mut bits = 0u32;
    let mut any = false;
    for token in text
        .split(separators)
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        any = true;
        bits |= match kind.code_of(token) {
            Some(code) => code,
            None => parse_i32(token)? as u32,
        };
    }
    any.then_some(bits as i32)
}

/// Mask names for the set bits, in table order; unnamed bits as one hex
/// token; zero as `0`.
pub(crate) fn format_mask(value: i32, kind: EnumKind, separator: &str) -> String {
    let mut rest = value as u32;
    let mut parts: Vec<String> = Vec::new();
    for &(bit, name) in kind.values() {
        if rest & bit != 0 {
            parts.push(name.to_owned());
            rest &= !bit;
        }
    }
    if rest != 0 {
        parts.push(format!("0x{rest:08X}"));
    }
    if parts.is_empty() {
        "0".to_owned()
    } else {
        parts.join(separator)
    }
}

/// An enumeration value's name, or `0x` + 8 hex digits.
pub(crate) fn format_enum(value: u32, kind: Option<EnumKind>) -> String {
    match kind.and_then(|k| k.name_of(value)) {
        Some(name) => name.to_owned(),
        None => format!("0x{value:08X}"),
    }
}

/// ISO-8601 UTC (`2012-04-27T12:03:47+00:00`); `0x` hex for years that
/// cannot be written that way.
pub(crate) fn format_datetime(seconds: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(seconds) {
        Ok(t) if (0..=9999).contains(&t.year()) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        _ => format!("0x{:016X}", seconds as u64),
    }
}

/// ISO-8601 UTC with microseconds; `0x` hex when out of range.
pub(crate) fn format_datetime_extended(micros: i64) -> String {
    let seconds = micros.div_euclid(1_000_000);
    let fraction = micros.rem_euclid(1_000_000);
    let base = format_datetime(seconds);
    match base.strip_suffix("+00:00") {
        Some(prefix) => format!("{prefix}.{fraction:06}+00:00"),
        None => format!("0x{:016X}", micros as u64),
    }
}

fn parse_datetime(text: &str) -> Option<i64> {
    if let Some(bits) = parse_prefixed_hex(text, 16) {
        return Some(bits as i64);
    }
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    (t.nanosecond() == 0).then(|| t.unix_timestamp())
}

fn parse_datetime_extended(text: &str) -> Option<i64> {
    if let Some(bits) = parse_prefixed_hex(text, 16) {
        return Some(bits as i64);
    }
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    if t.nanosecond() % 1000 != 0 {
        return None;
    }
    let micros = t.unix_timestamp_nanos() / 1000;
    i64::try_from(micros).ok()
}

/// Resolve the five predefined entities and numeric character references
/// (including `&#0;`..`&#31;`, which the encoder writes for control
/// characters). Anything else (a DTD entity, a stray `&`) is refused.
pub(crate) fn unescape_xml(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw;
    while let Some(amp) = rest.find('&') {
        out.push_str(rest.get(..amp)?);
        let after = rest.get(amp + 1..)?;
        let semi = after.find(';')?;
        let name = after.get(..semi)?;
        let c = match name {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match name.strip_prefix("#x").or_else(|| name.strip_prefix("#X")) {
                    Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                    None => name.strip_prefix('#')?.parse().ok()?,
                };
                char::from_u32(code)?
            }
        };
        out.push(c);
        rest = after.get(semi + 1..)?;
    }
    out.push_str(rest);
    Some(out)
}

/// Parse a textual value of `item_type` (not Structure). `separators`
/// split mask names (space for XML, `|` and space for JSON).
pub(crate) fn parse_value(
    text: &str,
    item_type: ItemType,
    ctx: Context<'_>,
    separators: &[char],
    options: &DecodeOptions<'_>,
    at: Position,
) -> Result<Value, Error> {
    let limit = options.limits.max_string_bytes;
    let too_long = |length: usize| Error::StringTooLong {
        at,
        length: length as u64,
        limit,
    };
    let invalid = |reason| Error::InvalidValue {
        at,
        item_type,
        reason,
    };
    let parsed = match item_type {
        ItemType::TextString => {
            if text.len() > limit {
                return Err(too_long(text.len()));
            }
            return Ok(Value::TextString(text.to_owned()));
        }
        ItemType::Structure => return Err(invalid("a structure has no value")),
        ItemType::Integer => match ctx.mask_kind() {
            Some(kind) => parse_mask(text, kind, separators).map(Value::Integer),
            None => parse_i32(text).map(Value::Integer),
        },
        ItemType::LongInteger => parse_i64(text).map(Value::LongInteger),
        ItemType::Interval => parse_u32(text).map(Value::Interval),
        ItemType::Enumeration => match parse_prefixed_hex(text, 8) {
            Some(bits) => u32::try_from(bits).ok().map(Value::Enumeration),
            None => ctx
                .enum_kind()
                .and_then(|k| k.code_of(text))
                .map(Value::Enumeration),
        },
        ItemType::Boolean => match text {
            "true" => Some(Value::Boolean(true)),
            "false" => Some(Value::Boolean(false)),
            _ => None,
        },
        ItemType::ByteString | ItemType::BigInteger => {
            let digits = match item_type {
                ItemType::BigInteger => text.strip_prefix("0x").unwrap_or(text),
                _ => text,
            };
            if digits.len() / 2 > limit {
                return Err(too_long(digits.len() / 2));
            }
            parse_hex(digits).map(|bytes| match item_type {
                ItemType::BigInteger => Value::BigInteger(pad_big_integer(&bytes)),
                _ => Value::ByteString(bytes),
            })
        }
        ItemType::DateTime => parse_datetime(text).map(Value::DateTime),
        ItemType::DateTimeExtended => parse_datetime_extended(text).map(Value::DateTimeExtended),
    };
    match parsed {
        Some(value) => Ok(value),
        None => resolve_failure(text, item_type, ctx, options, at),
    }
}

/// A value did not parse: resolve it as a placeholder, or explain why not.
fn resolve_failure(
    text: &str,
    item_type: ItemType,
    ctx: Context<'_>,
    options: &DecodeOptions<'_>,
    at: Position,
) -> Result<Value, Error> {
    if text.starts_with('$') {
        return match options
            .placeholders
            .and_then(|resolve| resolve(text, item_type))
        {
            Some(value) if value.item_type() == item_type => Ok(value),
            _ => Err(Error::UnresolvedPlaceholder {
                at,
                item_type,
                placeholder: clip(text),
            }),
        };
    }
    let names_expected = match item_type {
        ItemType::Enumeration => true,
        ItemType::Integer => ctx.mask_kind().is_some(),
        _ => false,
    };
    if names_expected && !text.is_empty() && !text.starts_with("0x") {
        return Err(Error::UnknownEnumName {
            at,
            tag: ctx.tag,
            name: clip(text),
        });
    }
    let reason = match item_type {
        ItemType::Integer => "expected a 32-bit integer",
        ItemType::LongInteger => "expected a 64-bit integer",
        ItemType::Interval => "expected an unsigned 32-bit integer",
        ItemType::Enumeration => "expected a name or 0x followed by up to 8 hex digits",
        ItemType::Boolean => "expected true or false",
        ItemType::ByteString | ItemType::BigInteger => "expected an even number of hex digits",
        ItemType::DateTime => "expected an ISO-8601 date-time in whole seconds",
        ItemType::DateTimeExtended => "expected an ISO-8601 date-time in microseconds",
        ItemType::TextString | ItemType::Structure => "unexpected value",
    };
    Err(Error::InvalidValue {
        at,
        item_type,
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(tag: Tag) -> Context<'static> {
        Context {
            tag,
            attribute_name: None,
        }
    }

    fn parse(text: &str, item_type: ItemType, tag: Tag) -> Result<Value, Error> {
        parse_value(
            text,
            item_type,
            ctx(tag),
            &[' '],
            &DecodeOptions::new(),
            Position::Byte(0),
        )
    }

    #[test]
    fn datetimes() {
        assert_eq!(format_datetime(0), "1970-01-01T00:00:00+00:00");
        assert_eq!(
            parse(
                "2012-04-27T12:03:47+00:00",
                ItemType::DateTime,
                Tag::InitialDate
            )
            .unwrap(),
            Value::DateTime(1_335_528_227)
        );
        assert_eq!(
            parse(
                "2012-04-27T14:03:47+02:00",
                ItemType::DateTime,
                Tag::InitialDate
            )
            .unwrap(),
            Value::DateTime(1_335_528_227)
        );
        assert_eq!(format_datetime(i64::MAX), "0x7FFFFFFFFFFFFFFF");
        assert_eq!(
            parse("0x7FFFFFFFFFFFFFFF", ItemType::DateTime, Tag::InitialDate).unwrap(),
            Value::DateTime(i64::MAX)
        );
        assert_eq!(
            format_datetime_extended(1_500_000),
            "1970-01-01T00:00:01.500000+00:00"
        );
        assert_eq!(
            parse(
                "1970-01-01T00:00:01.500000+00:00",
                ItemType::DateTimeExtended,
                Tag::InitialDate
            )
            .unwrap(),
            Value::DateTimeExtended(1_500_000)
        );
        assert!(
            parse(
                "1970-01-01T00:00:01.5+00:00",
                ItemType::DateTime,
                Tag::InitialDate
            )
            .is_err()
        );
    }

    #[test]
    fn masks_and_enums() {
        let kind = EnumKind::CryptographicUsageMask;
        assert_eq!(format_mask(12, kind, " "), "Encrypt Decrypt");
        assert_eq!(format_mask(0x0100_0004, kind, "|"), "Encrypt|0x01000000");
        assert_eq!(format_mask(0, kind, " "), "0");
        assert_eq!(
            parse(
                "Decrypt   Encrypt",
                ItemType::Integer,
                Tag::CryptographicUsageMask
            )
            .unwrap(),
            Value::Integer(12)
        );
        assert_eq!(
            parse("AES", ItemType::Enumeration, Tag::CryptographicAlgorithm).unwrap(),
            Value::Enumeration(3)
        );
        assert_eq!(
            parse("0x80000001", ItemType::Enumeration, Tag::OpaqueDataType).unwrap(),
            Value::Enumeration(0x8000_0001)
        );
        assert!(matches!(
            parse("Bogus", ItemType::Enumeration, Tag::CryptographicAlgorithm),
            Err(Error::UnknownEnumName { .. })
        ));
        assert_eq!(format_enum(0x8000_0001, None), "0x80000001");
    }

    #[test]
    fn placeholders_need_a_resolver() {
        let err = parse("$NOW", ItemType::DateTime, Tag::InitialDate).unwrap_err();
        assert!(matches!(err, Error::UnresolvedPlaceholder { .. }));
        assert_eq!(
            parse("$X", ItemType::TextString, Tag::UniqueIdentifier).unwrap(),
            Value::TextString("$X".into())
        );
        let resolve = |_: &str, _: ItemType| Some(Value::DateTime(7));
        let options = DecodeOptions::new().with_placeholders(&resolve);
        let value = parse_value(
            "$NOW",
            ItemType::DateTime,
            ctx(Tag::InitialDate),
            &[' '],
            &options,
            Position::Byte(0),
        );
        assert_eq!(value.unwrap(), Value::DateTime(7));
        let wrong_type = parse_value(
            "$NOW",
            ItemType::Integer,
            ctx(Tag::BatchCount),
            &[' '],
            &options,
            Position::Byte(0),
        );
        assert!(wrong_type.is_err());
    }
}
