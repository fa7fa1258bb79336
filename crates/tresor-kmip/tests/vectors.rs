//! Every OASIS KMIP 1.0–1.4 XML test vector (../shared/kmip-vectors) must
//! decode, and every message in it must round-trip XML → TTLV → binary →
//! TTLV → XML, and TTLV → JSON → TTLV, unchanged. The re-encoded XML is also
//! compared with the original text, element by element, after normalising
//! what XML cannot preserve (whitespace, mask name order, hex case,
//! placeholders). Run with `-- --nocapture` to see the per-version counts.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use quick_xml::Reader;
use quick_xml::events::Event;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use tresor_kmip::{DecodeOptions, Error, ItemType, Tag, Ttlv, Value, binary, json, xml};

/// Fixed "now" for `$NOW` placeholders: 2020-01-01T00:00:00Z.
const NOW: i64 = 1_577_836_800;

fn vectors_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/kmip-vectors");
    assert!(
        dir.is_dir(),
        "KMIP test vectors not found at {} (expected ../shared/kmip-vectors beside the repository)",
        dir.display()
    );
    dir
}

/// Test resolver: `$NOW±n` → NOW±n for DateTime, any `$NAME` → the bytes of
/// `NAME` for ByteString.
fn resolve(placeholder: &str, item_type: ItemType) -> Option<Value> {
    match item_type {
        ItemType::DateTime => {
            let rest = placeholder.strip_prefix("$NOW")?;
            let offset = if rest.is_empty() {
                0
            } else {
                rest.parse::<i64>().ok()?
            };
            Some(Value::DateTime(NOW + offset))
        }
        ItemType::ByteString => Some(Value::ByteString(
            placeholder.trim_start_matches('$').as_bytes().to_vec(),
        )),
        _ => None,
    }
}

/// The text a resolved placeholder is written back as.
fn resolved_text(placeholder: &str, item_type: &str) -> Option<String> {
    let value = match item_type {
        "DateTime" => resolve(placeholder, ItemType::DateTime)?,
        "ByteString" => resolve(placeholder, ItemType::ByteString)?,
        _ => return None,
    };
    let item = Ttlv::new(Tag::InitialDate, value);
    element_tokens(&xml::encode(&item))
        .into_iter()
        .next()?
        .value
}

/// One element of an XML document, flattened.
#[derive(Debug, Clone, PartialEq)]
struct Token {
    depth: usize,
    name: String,
    tag: Option<String>,
    item_type: String,
    value: Option<String>,
}

/// Flatten every element below the optional `<KMIP>` wrapper; one list per
/// top-level element.
fn messages_tokens(text: &str) -> Vec<Vec<Token>> {
    let mut reader = Reader::from_str(text);
    let mut messages: Vec<Vec<Token>> = Vec::new();
    let mut depth = 0usize;
    loop {
        let event = reader.read_event().expect("vector XML parses");
        let (e, empty) = match &event {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) if depth == 0 && e.name().as_ref() == b"KMIP" => continue,
            Event::End(_) => {
                depth -= 1;
                continue;
            }
            Event::Eof => return messages,
            _ => continue,
        };
        if depth == 0 && e.name().as_ref() == b"KMIP" {
            continue;
        }
        let mut token = Token {
            depth,
            name: String::from_utf8(e.name().as_ref().to_vec()).unwrap(),
            tag: None,
            item_type: "Structure".into(),
            value: None,
        };
        for attr in e.attributes() {
            let attr = attr.unwrap();
            let v = attr.unescape_value().unwrap().into_owned();
            match attr.key.as_ref() {
                b"type" => token.item_type = v,
                b"value" => token.value = Some(v),
                b"tag" => token.tag = Some(v.to_ascii_uppercase().replace("0X", "0x")),
                other => panic!("unexpected attribute {other:?}"),
            }
        }
        if depth == 0 {
            messages.push(Vec::new());
        }
        messages.last_mut().unwrap().push(token);
        if !empty {
            depth += 1;
        }
    }
}

fn element_tokens(text: &str) -> Vec<Token> {
    messages_tokens(text).into_iter().flatten().collect()
}

/// Whether my value text matches the original, modulo normalisation.
/// Returns the normalisation used, or None on mismatch.
fn value_matches(original: &str, mine: &str, item_type: &str) -> Option<&'static str> {
    if original == mine {
        return Some("exact");
    }
    if original.starts_with('$') && item_type != "TextString" {
        return (resolved_text(original, item_type).as_deref() == Some(mine))
            .then_some("placeholder");
    }
    match item_type {
        "Integer" => {
            let mut a: Vec<_> = original.split_whitespace().collect();
            let mut b: Vec<_> = mine.split_whitespace().collect();
            a.sort_unstable();
            b.sort_unstable();
            (a == b).then_some("mask order/spacing")
        }
        "ByteString" | "BigInteger" => original.eq_ignore_ascii_case(mine).then_some("hex case"),
        "DateTime" => {
            let a = OffsetDateTime::parse(original, &Rfc3339).ok()?;
            let b = OffsetDateTime::parse(mine, &Rfc3339).ok()?;
            (a == b).then_some("date-time form")
        }
        _ => None,
    }
}

#[derive(Default)]
struct Tally {
    files: usize,
    messages: usize,
    normalised: BTreeMap<&'static str, usize>,
}

fn check_message(file: &Path, index: usize, message: &Ttlv, original: &[Token], tally: &mut Tally) {
    let at = || format!("{} message {index}", file.display());
    assert!(
        message.tag == Tag::RequestMessage || message.tag == Tag::ResponseMessage,
        "{}: top-level {:?}",
        at(),
        message.tag
    );
    let opts = DecodeOptions::new();

    let wire = binary::encode(message).unwrap_or_else(|e| panic!("{}: binary encode: {e}", at()));
    let header: [u8; 8] = wire[..8].try_into().unwrap();
    assert_eq!(
        tresor_kmip::frame_len(&header).unwrap(),
        wire.len(),
        "{}",
        at()
    );
    let from_wire =
        binary::decode(&wire).unwrap_or_else(|e| panic!("{}: binary decode: {e}", at()));
    assert_eq!(&from_wire, message, "{}: binary round trip", at());

    let text = xml::encode(&from_wire);
    let from_xml =
        xml::decode(&text, &opts).unwrap_or_else(|e| panic!("{}: XML decode: {e}\n{text}", at()));
    assert_eq!(&from_xml, message, "{}: XML round trip", at());
    assert_eq!(
        xml::encode(&from_xml),
        text,
        "{}: XML re-encoding is stable",
        at()
    );

    let json_text = json::encode(message);
    let from_json =
        json::decode(&json_text, &opts).unwrap_or_else(|e| panic!("{}: JSON decode: {e}", at()));
    assert_eq!(&from_json, message, "{}: JSON round trip", at());

    let mine = element_tokens(&text);
    assert_eq!(mine.len(), original.len(), "{}: element count", at());
    for (a, b) in original.iter().zip(&mine) {
        let same_shape =
            a.depth == b.depth && a.name == b.name && a.tag == b.tag && a.item_type == b.item_type;
        assert!(
            same_shape,
            "{}: element differs:\n  original {a:?}\n  encoded  {b:?}",
            at()
        );
        match (&a.value, &b.value) {
            (Some(x), Some(y)) => {
                let how = value_matches(x, y, &a.item_type).unwrap_or_else(|| {
                    panic!(
                        "{}: value differs:\n  original {a:?}\n  encoded  {b:?}",
                        at()
                    )
                });
                if how != "exact" {
                    *tally.normalised.entry(how).or_default() += 1;
                }
            }
            (None, None) => {}
            _ => panic!("{}: value presence differs: {a:?} vs {b:?}", at()),
        }
    }
    tally.messages += 1;
}

#[test]
fn oasis_vectors_round_trip() {
    let dir = vectors_dir();
    let mut versions: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    versions.sort();
    assert!(
        !versions.is_empty(),
        "no version directories in {}",
        dir.display()
    );
    let resolver = resolve;
    let opts = DecodeOptions::new().with_placeholders(&resolver);
    let (mut total_files, mut total_messages) = (0, 0);
    for version in versions {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&version)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "xml"))
            .collect();
        files.sort();
        let mut tally = Tally::default();
        for file in &files {
            let text = std::fs::read_to_string(file).unwrap();
            let messages =
                xml::decode_all(&text, &opts).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let originals = messages_tokens(&text);
            assert!(!messages.is_empty(), "{}: no messages", file.display());
            assert_eq!(messages.len(), originals.len(), "{}", file.display());
            for (i, (message, original)) in messages.iter().zip(&originals).enumerate() {
                check_message(file, i, message, original, &mut tally);
            }
            tally.files += 1;
        }
        let name = version.file_name().unwrap().to_string_lossy().into_owned();
        println!(
            "kmip vectors: {name} {} files {} messages ok (normalised values: {:?})",
            tally.files, tally.messages, tally.normalised
        );
        assert!(tally.files > 0, "{name}: no .xml files");
        total_files += tally.files;
        total_messages += tally.messages;
    }
    println!("kmip vectors: total {total_files} files {total_messages} messages ok");
}

#[test]
fn placeholders_are_rejected_without_a_resolver() {
    let text = "<ResponseMessage><ResponseHeader><TimeStamp type=\"DateTime\" value=\"$NOW\"/></ResponseHeader></ResponseMessage>";
    let err = xml::decode(text, &DecodeOptions::new()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::UnresolvedPlaceholder {
                item_type: ItemType::DateTime,
                ..
            }
        ),
        "{err}"
    );
    let resolver = resolve;
    let item = xml::decode(text, &DecodeOptions::new().with_placeholders(&resolver)).unwrap();
    assert_eq!(item.children()[0].children()[0].value, Value::DateTime(NOW));
    let text_id = "<UniqueIdentifier type=\"TextString\" value=\"$UNIQUE_IDENTIFIER_0\"/>";
    let id = xml::decode(text_id, &DecodeOptions::new()).unwrap();
    assert_eq!(id.value, Value::TextString("$UNIQUE_IDENTIFIER_0".into()));
}
