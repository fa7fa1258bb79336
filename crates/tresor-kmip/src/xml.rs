//! XML TTLV, the form of the OASIS KMIP test vectors:
//! `<TagName type="Integer" value="5"/>`, `type` omitted for a Structure,
//! unknown tags as `<TTLV tag="0x540001" type="TextString" value="na"/>`.
//!
//! Values: Integer in decimal (or `0x` hex), masks as space-separated names
//! (`Encrypt Decrypt`); Enumeration by name or `0x` hex, the name resolved
//! through the tag or, for a 1.x `AttributeValue`, the sibling
//! `AttributeName`; ByteString and BigInteger in hex; DateTime in ISO-8601;
//! Boolean `true`/`false`. A document may hold one item, a sequence of
//! items, or items inside a `<KMIP>` wrapper (the test-vector files).
//!
//! Decoding streams with `quick-xml` and an explicit stack: depth, item
//! count, string and input sizes are bounded by [`DecodeLimits`](crate::DecodeLimits)
//! and DTDs are refused.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::error::{Error, Position, clip};
use crate::limits::DecodeOptions;
use crate::text::{self, Context};
use crate::ttlv::{ItemType, Tag, Ttlv, Value};

/// Name of the wrapper element of the OASIS test-vector files.
pub const WRAPPER: &str = "KMIP";
/// Element name for tags without a known name.
pub const UNKNOWN_TAG_ELEMENT: &str = "TTLV";

/// Decode an XML document holding exactly one TTLV item.
pub fn decode(input: &str, options: &DecodeOptions<'_>) -> Result<Ttlv, Error> {
    let mut items = decode_all(input, options)?;
    match (items.pop(), items.is_empty()) {
        (Some(item), true) => Ok(item),
        _ => Err(Error::Malformed {
            at: Position::Byte(0),
            reason: "expected exactly one TTLV element",
        }),
    }
}

/// An element being decoded.
struct Open {
    tag: Tag,
    /// `None` for a structure; the finished value for a primitive element
    /// written with a separate end tag.
    primitive: Option<Value>,
    children: Vec<Ttlv>,
    /// Text of the latest `AttributeName` child, for `AttributeValue` names.
    attribute_name: Option<String>,
}

/// Decode every top-level TTLV element of a document, in order. A `<KMIP>`
/// wrapper and text between messages (the vectors' `# TIME 0` lines) are
/// skipped; the limits apply to the whole document.
pub fn decode_all(input: &str, options: &DecodeOptions<'_>) -> Result<Vec<Ttlv>, Error> {
    let limits = &options.limits;
    if input.len() > limits.max_message_bytes {
        let length = input.len() as u64;
        return Err(Error::MessageTooLarge {
            at: Position::Byte(0),
            length,
            limit: limits.max_message_bytes,
        });
    }
    let mut reader = Reader::from_str(input);
    let mut stack: Vec<Open> = Vec::new();
    let mut out = Vec::new();
    let mut in_wrapper = false;
    let mut items = 0usize;
    loop {
        let at = Position::Byte(usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX));
        let event = reader.read_event().map_err(|source| Error::Xml {
            at: Position::Byte(usize::try_from(reader.error_position()).unwrap_or(usize::MAX)),
            source,
        })?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                if stack.is_empty() && !in_wrapper && e.name().as_ref() == WRAPPER.as_bytes() {
                    in_wrapper = !empty;
                    continue;
                }
                if stack.last().is_some_and(|open| open.primitive.is_some()) {
                    return Err(Error::Malformed {
                        at,
                        reason: "element inside a primitive element",
                    });
                }
                items += 1;
                if items > limits.max_items {
                    return Err(Error::TooManyItems {
                        at,
                        limit: limits.max_items,
                    });
                }
                let attribute_name = stack.last().and_then(|open| open.attribute_name.as_deref());
                let (tag, value) = parse_element(e, attribute_name, options, at)?;
                if empty {
                    let item = Ttlv::new(tag, value.unwrap_or(Value::Structure(Vec::new())));
                    attach(&mut stack, &mut out, item);
                } else {
                    if value.is_none() && stack.len() >= limits.depth() {
                        return Err(Error::TooDeep {
                            at,
                            limit: limits.depth(),
                        });
                    }
                    stack.push(Open {
                        tag,
                        primitive: value,
                        children: Vec::new(),
                        attribute_name: None,
                    });
                }
            }
            Event::End(_) => match stack.pop() {
                Some(open) => {
                    let value = open.primitive.unwrap_or(Value::Structure(open.children));
                    attach(&mut stack, &mut out, Ttlv::new(open.tag, value));
                }
                None if in_wrapper => in_wrapper = false,
                None => {
                    return Err(Error::Malformed {
                        at,
                        reason: "unexpected end tag",
                    });
                }
            },
            Event::Text(ref t)
                if !stack.is_empty() && !t.as_ref().iter().all(u8::is_ascii_whitespace) =>
            {
                return Err(Error::Malformed {
                    at,
                    reason: "text inside a TTLV element",
                });
            }
            Event::CData(_) | Event::GeneralRef(_) if !stack.is_empty() => {
                return Err(Error::Malformed {
                    at,
                    reason: "text inside a TTLV element",
                });
            }
            Event::DocType(_) => {
                return Err(Error::Malformed {
                    at,
                    reason: "DTDs are not accepted",
                });
            }
            Event::Eof => {
                if !stack.is_empty() || in_wrapper {
                    return Err(Error::Malformed {
                        at,
                        reason: "unexpected end of document",
                    });
                }
                return Ok(out);
            }
            _ => {}
        }
    }
}

/// Attach a finished item to its parent, or to the output at top level.
fn attach(stack: &mut [Open], out: &mut Vec<Ttlv>, item: Ttlv) {
    match stack.last_mut() {
        Some(parent) => {
            if let (Tag::AttributeName, Value::TextString(name)) = (item.tag, &item.value) {
                parent.attribute_name = Some(name.clone());
            }
            parent.children.push(item);
        }
        None => out.push(item),
    }
}

/// Tag and (for primitives) value of an element.
fn parse_element(
    e: &BytesStart<'_>,
    attribute_name: Option<&str>,
    options: &DecodeOptions<'_>,
    at: Position,
) -> Result<(Tag, Option<Value>), Error> {
    let name = std::str::from_utf8(e.name().into_inner())
        .map_err(|_| Error::Malformed {
            at,
            reason: "element name is not UTF-8",
        })?
        .to_owned();
    let mut type_attr = None;
    let mut value_attr = None;
    let mut tag_attr = None;
    for attr in e.attributes() {
        let attr = attr.map_err(|source| Error::Xml {
            at,
            source: source.into(),
        })?;
        let raw = std::str::from_utf8(&attr.value).map_err(|_| Error::Malformed {
            at,
            reason: "attribute value is not UTF-8",
        })?;
        let text = text::unescape_xml(raw).ok_or(Error::Malformed {
            at,
            reason: "invalid entity or character reference",
        })?;
        let slot = match attr.key.as_ref() {
            b"type" => &mut type_attr,
            b"value" => &mut value_attr,
            b"tag" => &mut tag_attr,
            _ => {
                return Err(Error::Malformed {
                    at,
                    reason: "unexpected attribute",
                });
            }
        };
        *slot = Some(text);
    }
    let tag = match (name.as_str(), tag_attr) {
        (UNKNOWN_TAG_ELEMENT, Some(hex)) => {
            let raw = text::parse_prefixed_hex(&hex, 6).unwrap_or(0) as u32;
            Tag::new(raw).ok_or(Error::InvalidTag { at, tag: raw })?
        }
        (_, Some(_)) => {
            return Err(Error::Malformed {
                at,
                reason: "tag attribute on a named element",
            });
        }
        (_, None) => Tag::from_name(&name).ok_or_else(|| Error::UnknownTagName {
            at,
            name: clip(&name),
        })?,
    };
    let item_type = match type_attr.as_deref() {
        None => ItemType::Structure,
        Some(t) => {
            ItemType::from_name(t).ok_or_else(|| Error::UnknownTypeName { at, name: clip(t) })?
        }
    };
    if item_type == ItemType::Structure {
        return match value_attr {
            None => Ok((tag, None)),
            Some(_) => Err(Error::Malformed {
                at,
                reason: "value attribute on a structure",
            }),
        };
    }
    let text = value_attr.ok_or(Error::Malformed {
        at,
        reason: "missing value attribute",
    })?;
    let ctx = Context {
        tag,
        attribute_name,
    };
    let value = text::parse_value(&text, item_type, ctx, &[' ', '\t', '\n', '\r'], options, at)?;
    Ok((tag, Some(value)))
}

/// Work left for the iterative encoder.
enum Step<'a> {
    Item {
        item: &'a Ttlv,
        attribute_name: Option<&'a str>,
        depth: usize,
    },
    Close {
        item: &'a Ttlv,
        depth: usize,
    },
}

/// Encode an item as indented XML (two spaces per level, no declaration).
pub fn encode(item: &Ttlv) -> String {
    let mut out = String::new();
    let mut steps = vec![Step::Item {
        item,
        attribute_name: None,
        depth: 0,
    }];
    while let Some(step) = steps.pop() {
        match step {
            Step::Item {
                item,
                attribute_name,
                depth,
            } => {
                indent(&mut out, depth);
                open_tag(&mut out, item);
                match &item.value {
                    Value::Structure(children) if children.is_empty() => out.push_str("/>\n"),
                    Value::Structure(children) => {
                        out.push_str(">\n");
                        steps.push(Step::Close { item, depth });
                        push_children(&mut steps, children, depth + 1);
                    }
                    value => {
                        let ctx = Context {
                            tag: item.tag,
                            attribute_name,
                        };
                        out.push_str(" type=\"");
                        out.push_str(value.item_type().name());
                        out.push_str("\" value=\"");
                        escape_attribute(&mut out, &format_value(value, ctx));
                        out.push_str("\"/>\n");
                    }
                }
            }
            Step::Close { item, depth } => {
                indent(&mut out, depth);
                out.push_str("</");
                out.push_str(item.tag.name().unwrap_or(UNKNOWN_TAG_ELEMENT));
                out.push_str(">\n");
            }
        }
    }
    out
}

/// Children paired with the text of their latest preceding `AttributeName`
/// sibling (which names a 1.x `AttributeValue`'s enumeration).
pub(crate) fn children_with_names(children: &[Ttlv]) -> Vec<(&Ttlv, Option<&str>)> {
    let mut name = None;
    let mut with_names = Vec::with_capacity(children.len());
    for child in children {
        with_names.push((child, name));
        if let (Tag::AttributeName, Value::TextString(text)) = (child.tag, &child.value) {
            name = Some(text.as_str());
        }
    }
    with_names
}

fn push_children<'a>(steps: &mut Vec<Step<'a>>, children: &'a [Ttlv], depth: usize) {
    for (item, attribute_name) in children_with_names(children).into_iter().rev() {
        steps.push(Step::Item {
            item,
            attribute_name,
            depth,
        });
    }
}

/// Escape an attribute value: markup characters and every C0 control
/// character as references, so whitespace inside values survives the
/// attribute-value normalization of conforming XML parsers.
fn escape_attribute(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if u32::from(c) < 0x20 => out.push_str(&format!("&#{};", u32::from(c))),
            c => out.push(c),
        }
    }
}

fn indent(out: &mut String, depth: usize) {
    out.extend(std::iter::repeat_n("  ", depth));
}

fn open_tag(out: &mut String, item: &Ttlv) {
    out.push('<');
    match item.tag.name() {
        Some(name) => out.push_str(name),
        None => {
            out.push_str(UNKNOWN_TAG_ELEMENT);
            out.push_str(&format!(" tag=\"0x{:06X}\"", item.tag.value()));
        }
    }
}

/// The XML text of a primitive value.
fn format_value(value: &Value, ctx: Context<'_>) -> String {
    match value {
        Value::Integer(v) => match ctx.mask_kind() {
            Some(kind) => text::format_mask(*v, kind, " "),
            None => v.to_string(),
        },
        Value::LongInteger(v) => v.to_string(),
        Value::BigInteger(bytes) | Value::ByteString(bytes) => hex::encode(bytes),
        Value::Enumeration(v) => text::format_enum(*v, ctx.enum_kind()),
        Value::Boolean(v) => v.to_string(),
        Value::TextString(s) => s.clone(),
        Value::DateTime(v) => text::format_datetime(*v),
        Value::Interval(v) => v.to_string(),
        Value::DateTimeExtended(v) => text::format_datetime_extended(*v),
        Value::Structure(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CREATE: &str = r#"<RequestMessage>
  <BatchItem>
    <Operation type="Enumeration" value="Create"/>
    <RequestPayload>
      <ObjectType type="Enumeration" value="SymmetricKey"/>
      <TemplateAttribute>
        <Attribute>
          <AttributeName type="TextString" value="Cryptographic Algorithm"/>
          <AttributeValue type="Enumeration" value="AES"/>
        </Attribute>
        <Attribute>
          <AttributeName type="TextString" value="Cryptographic Usage Mask"/>
          <AttributeValue type="Integer" value="Encrypt Decrypt"/>
        </Attribute>
      </TemplateAttribute>
    </RequestPayload>
  </BatchItem>
  <TTLV tag="0x540001" type="TextString" value="a &amp; b"/>
</RequestMessage>
"#;

    #[test]
    fn decode_encode_is_identity_on_canonical_text() {
        let item = decode(CREATE, &DecodeOptions::new()).unwrap();
        let attribute = &item.children()[0].children()[1].children()[1].children()[0];
        assert_eq!(attribute.children()[1].value, Value::Enumeration(3));
        assert_eq!(item.children()[1].value, Value::TextString("a & b".into()));
        assert_eq!(encode(&item), CREATE);
    }

    #[test]
    fn control_characters_round_trip() {
        let text: String = (0u8..0x20)
            .map(char::from)
            .chain("<&>\"' é".chars())
            .collect();
        let item = Ttlv::new(Tag::Name, Value::TextString(text));
        let encoded = encode(&item);
        assert!(!encoded.trim_end().contains('\n'), "{encoded}");
        assert_eq!(decode(&encoded, &DecodeOptions::new()).unwrap(), item);
    }

    #[test]
    fn wrapper_and_stray_text() {
        let doc = "<?xml version=\"1.0\"?>\n<!-- c -->\n<KMIP>\n# TIME 0\n<RequestMessage/>\n# TIME 1 <ResponseMessage/></KMIP>";
        let items = decode_all(doc, &DecodeOptions::new()).unwrap();
        assert_eq!(items.len(), 2);
        assert!(decode(doc, &DecodeOptions::new()).is_err());
    }

    #[test]
    fn rejects_bad_documents() {
        let opts = DecodeOptions::new();
        for doc in [
            "<RequestMessage>text</RequestMessage>",
            "<Bogus/>",
            "<BatchCount type=\"Integer\"/>",
            "<BatchCount type=\"Integer\" value=\"x\"/>",
            "<BatchCount type=\"Float\" value=\"1\"/>",
            "<RequestMessage value=\"1\"/>",
            "<RequestMessage>",
            "<RequestMessage></ResponseMessage>",
            "<TTLV tag=\"0x110000\"/>",
            "<!DOCTYPE x [<!ENTITY a \"b\">]><RequestMessage/>",
            "<BatchCount type=\"Integer\" value=\"1\"><BatchCount type=\"Integer\" value=\"1\"/></BatchCount>",
        ] {
            assert!(decode(doc, &opts).is_err(), "{doc}");
        }
    }
}
