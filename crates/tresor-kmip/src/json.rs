//! JSON TTLV (KMIP 2.x JSON profile):
//! `{"tag":"RequestMessage","type":"Structure","value":[...]}`.
//!
//! `tag` is a normalized name or `"0x420078"`; `type` omitted means
//! Structure. Decoding accepts numbers or `"0x…"` hex strings for the
//! numeric types, enumeration names or hex, mask names joined by `|`,
//! hex strings for Byte String / Big Integer, ISO-8601 for date-times.
//! Encoding writes `type` always, numbers for Integer / Interval and for
//! Long Integers within ±(2^53 − 1) (hex beyond), `"0x…"` for Big Integers.
//!
//! The text is parsed by `serde_json` (whose recursion limit of 128 also
//! bounds nesting) after the size check; depth and item limits are then
//! checked item by item. Errors after parsing are located by item index.

use serde_json::Value as Json;

use crate::error::{Error, Position};
use crate::limits::DecodeOptions;
use crate::text::{self, Context};
use crate::ttlv::{ItemType, Tag, Ttlv, Value};
use crate::xml::children_with_names;

/// Largest integer a JSON number carries exactly in common parsers.
const MAX_SAFE_INTEGER: i64 = (1 << 53) - 1;

/// Decode one TTLV item from JSON text.
pub fn decode(input: &str, options: &DecodeOptions<'_>) -> Result<Ttlv, Error> {
    let limit = options.limits.max_message_bytes;
    if input.len() > limit {
        return Err(Error::MessageTooLarge {
            at: Position::Byte(0),
            length: input.len() as u64,
            limit,
        });
    }
    let json: Json = serde_json::from_str(input).map_err(|source| Error::Json {
        at: Position::Byte(byte_offset(input, source.line(), source.column())),
        source,
    })?;
    let mut decoder = Decoder { options, items: 0 };
    decoder.item(&json, None, 0)
}

/// Byte offset of a 1-based line/column position.
fn byte_offset(input: &str, line: usize, column: usize) -> usize {
    let line_start: usize = input
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(input.len())
}

struct Decoder<'o, 'a> {
    options: &'o DecodeOptions<'a>,
    items: usize,
}

impl Decoder<'_, '_> {
    /// Decode one item; `depth` is the number of enclosing structures.
    fn item(
        &mut self,
        json: &Json,
        attribute_name: Option<&str>,
        depth: usize,
    ) -> Result<Ttlv, Error> {
        let limits = &self.options.limits;
        let at = Position::Item(self.items);
        self.items += 1;
        if self.items > limits.max_items {
            return Err(Error::TooManyItems {
                at,
                limit: limits.max_items,
            });
        }
        let malformed = |reason| Error::Malformed { at, reason };
        let object = json.as_object().ok_or(malformed("expected an object"))?;
        if object
            .keys()
            .any(|k| !matches!(k.as_str(), "tag" | "type" | "value"))
        {
            return Err(malformed("unexpected key"));
        }
        let tag_text = object
            .get("tag")
            .and_then(Json::as_str)
            .ok_or(malformed("missing tag"))?;
        let tag = parse_tag(tag_text, at)?;
        let item_type = match object.get("type") {
            None => ItemType::Structure,
            Some(Json::String(name)) => {
                ItemType::from_name(name).ok_or_else(|| Error::UnknownTypeName {
                    at,
                    name: crate::error::clip(name),
                })?
            }
            Some(_) => return Err(malformed("type must be a string")),
        };
        let value = object.get("value").ok_or(malformed("missing value"))?;
        if item_type == ItemType::Structure {
            let children = value
                .as_array()
                .ok_or(malformed("structure value must be an array"))?;
            if depth >= limits.depth() {
                return Err(Error::TooDeep {
                    at,
                    limit: limits.depth(),
                });
            }
            let mut items = Vec::with_capacity(children.len().min(limits.max_items));
            let mut name: Option<String> = None;
            for child in children {
                let item = self.item(child, name.as_deref(), depth + 1)?;
                if let (Tag::AttributeName, Value::TextString(text)) = (item.tag, &item.value) {
                    name = Some(text.clone());
                }
                items.push(item);
            }
            return Ok(Ttlv::structure(tag, items));
        }
        let ctx = Context {
            tag,
            attribute_name,
        };
        let value = self.primitive(value, item_type, ctx, at)?;
        Ok(Ttlv::new(tag, value))
    }

    fn primitive(
        &self,
        json: &Json,
        item_type: ItemType,
        ctx: Context<'_>,
        at: Position,
    ) -> Result<Value, Error> {
        let invalid = |reason| Error::InvalidValue {
            at,
            item_type,
            reason,
        };
        match json {
            Json::String(s) => text::parse_value(s, item_type, ctx, &['|', ' '], self.options, at),
            Json::Bool(b) if item_type == ItemType::Boolean => Ok(Value::Boolean(*b)),
            Json::Number(n) => {
                let n = n.as_i64().ok_or(invalid("number out of range"))?;
                let out_of_range = || invalid("number out of range");
                Ok(match item_type {
                    ItemType::Integer => {
                        Value::Integer(i32::try_from(n).map_err(|_| out_of_range())?)
                    }
                    ItemType::Enumeration => {
                        Value::Enumeration(u32::try_from(n).map_err(|_| out_of_range())?)
                    }
                    ItemType::Interval => {
                        Value::Interval(u32::try_from(n).map_err(|_| out_of_range())?)
                    }
                    ItemType::LongInteger => Value::LongInteger(n),
                    ItemType::DateTime => Value::DateTime(n),
                    ItemType::DateTimeExtended => Value::DateTimeExtended(n),
                    ItemType::BigInteger => Value::BigInteger(n.to_be_bytes().to_vec()),
                    _ => return Err(invalid("a number is not valid for this type")),
                })
            }
            _ => Err(invalid("unexpected JSON value")),
        }
    }
}

fn parse_tag(text: &str, at: Position) -> Result<Tag, Error> {
    if text.starts_with("0x") || text.starts_with("0X") {
        let raw = text::parse_prefixed_hex(text, 6).unwrap_or(0) as u32;
        return Tag::new(raw).ok_or(Error::InvalidTag { at, tag: raw });
    }
    Tag::from_name(text).ok_or_else(|| Error::UnknownTagName {
        at,
        name: crate::error::clip(text),
    })
}

/// Work left for the iterative encoder.
enum Step<'a> {
    Item {
        item: &'a Ttlv,
        attribute_name: Option<&'a str>,
        first: bool,
    },
    Close,
}

/// Encode an item as compact JSON.
pub fn encode(item: &Ttlv) -> String {
    let mut out = String::new();
    let mut steps = vec![Step::Item {
        item,
        attribute_name: None,
        first: true,
    }];
    while let Some(step) = steps.pop() {
        let Step::Item {
            item,
            attribute_name,
            first,
        } = step
        else {
            out.push_str("]}");
            continue;
        };
        if !first {
            out.push(',');
        }
        out.push_str("{\"tag\":");
        match item.tag.name() {
            Some(name) => push_string(&mut out, name),
            None => push_string(&mut out, &format!("0x{:06X}", item.tag.value())),
        }
        out.push_str(",\"type\":");
        push_string(&mut out, item.value.item_type().name());
        out.push_str(",\"value\":");
        let ctx = Context {
            tag: item.tag,
            attribute_name,
        };
        match &item.value {
            Value::Structure(children) => {
                out.push('[');
                steps.push(Step::Close);
                let children = children_with_names(children);
                for (i, (item, attribute_name)) in children.into_iter().enumerate().rev() {
                    steps.push(Step::Item {
                        item,
                        attribute_name,
                        first: i == 0,
                    });
                }
            }
            value => {
                push_value(&mut out, value, ctx);
                out.push('}');
            }
        }
    }
    out
}

fn push_value(out: &mut String, value: &Value, ctx: Context<'_>) {
    match value {
        Value::Integer(v) => match ctx.mask_kind() {
            Some(kind) if *v != 0 => push_string(out, &text::format_mask(*v, kind, "|")),
            _ => out.push_str(&v.to_string()),
        },
        Value::LongInteger(v) if (-MAX_SAFE_INTEGER..=MAX_SAFE_INTEGER).contains(v) => {
            out.push_str(&v.to_string())
        }
        Value::LongInteger(v) => push_string(out, &format!("0x{:016X}", *v as u64)),
        Value::BigInteger(bytes) => push_string(out, &format!("0x{}", hex::encode_upper(bytes))),
        Value::Enumeration(v) => push_string(out, &text::format_enum(*v, ctx.enum_kind())),
        Value::Boolean(v) => out.push_str(if *v { "true" } else { "false" }),
        Value::TextString(s) => push_string(out, s),
        Value::ByteString(bytes) => push_string(out, &hex::encode(bytes)),
        Value::DateTime(v) => push_string(out, &text::format_datetime(*v)),
        Value::Interval(v) => out.push_str(&v.to_string()),
        Value::DateTimeExtended(v) => push_string(out, &text::format_datetime_extended(*v)),
        Value::Structure(_) => out.push_str("[]"),
    }
}

/// Append a JSON string literal.
fn push_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_with_every_type() {
        let item = Ttlv::structure(
            Tag::RequestMessage,
            vec![
                Ttlv::new(Tag::BatchCount, Value::Integer(-3)),
                Ttlv::new(Tag::CryptographicUsageMask, Value::Integer(12)),
                Ttlv::new(Tag::UsageLimitsTotal, Value::LongInteger(i64::MIN)),
                Ttlv::new(Tag::UsageLimitsCount, Value::LongInteger(42)),
                Ttlv::new(Tag::Modulus, Value::BigInteger(vec![0xFF; 8])),
                Ttlv::new(Tag::Operation, Value::Enumeration(1)),
                Ttlv::new(Tag::OpaqueDataType, Value::Enumeration(0x8000_0001)),
                Ttlv::new(Tag::Fresh, Value::Boolean(true)),
                Ttlv::new(Tag::Name, Value::TextString("quote \" \\ \u{1} é".into())),
                Ttlv::new(Tag::Data, Value::ByteString(vec![1, 2, 0xAB])),
                Ttlv::new(Tag::InitialDate, Value::DateTime(1_335_528_227)),
                Ttlv::new(Tag::LeaseTime, Value::Interval(u32::MAX)),
                Ttlv::new(Tag::SubmissionDate, Value::DateTimeExtended(-1)),
                Ttlv::structure(Tag(0x54_0002), vec![]),
            ],
        );
        let text = encode(&item);
        assert!(text.contains("\"value\":\"Encrypt|Decrypt\""), "{text}");
        assert_eq!(decode(&text, &DecodeOptions::new()).unwrap(), item);
    }

    #[test]
    fn accepts_profile_variants() {
        let text = r#"{"tag":"0x420078","value":[
            {"tag":"BatchCount","type":"Integer","value":"0x00000002"},
            {"tag":"Operation","type":"Enumeration","value":10},
            {"tag":"UsageLimitsTotal","type":"LongInteger","value":"0x0000000000000010"}]}"#;
        let item = decode(text, &DecodeOptions::new()).unwrap();
        assert_eq!(item.tag, Tag::RequestMessage);
        assert_eq!(item.children()[0].value, Value::Integer(2));
        assert_eq!(item.children()[1].value, Value::Enumeration(10));
        assert_eq!(item.children()[2].value, Value::LongInteger(16));
    }

    #[test]
    fn rejects_bad_documents() {
        let opts = DecodeOptions::new();
        for doc in [
            "[]",
            "{\"tag\":\"Bogus\",\"value\":[]}",
            "{\"tag\":\"RequestMessage\",\"value\":[],\"extra\":1}",
            "{\"tag\":\"RequestMessage\",\"value\":5}",
            "{\"tag\":\"BatchCount\",\"type\":\"Integer\",\"value\":3000000000}",
            "{\"tag\":\"BatchCount\",\"type\":\"Integer\",\"value\":true}",
            "{\"tag\":\"RequestMessage\",\"value\":[",
        ] {
            assert!(decode(doc, &opts).is_err(), "{doc}");
        }
        let err = decode("{\n  \"tag\": x}", &opts).unwrap_err();
        assert_eq!(err.position(), Some(Position::Byte(11)));
    }
}
