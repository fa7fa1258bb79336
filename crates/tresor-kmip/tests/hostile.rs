//! Hostile inputs: every decoder must return an error (never panic, never
//! overflow the stack, never allocate what an attacker declares) for
//! truncated, oversized, deeply nested, mistyped or garbage input.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Instant;

use tresor_kmip::{
    DecodeLimits, DecodeOptions, Error, Position, Tag, Ttlv, Value, binary, json, xml,
};

/// A realistic request: the first message of an OASIS vector, inlined so
/// this test does not depend on the vector directory.
const REQUEST: &str = r#"<RequestMessage>
  <RequestHeader>
    <ProtocolVersion>
      <ProtocolVersionMajor type="Integer" value="1"/>
      <ProtocolVersionMinor type="Integer" value="4"/>
    </ProtocolVersion>
    <TimeStamp type="DateTime" value="2012-04-27T08:12:21+00:00"/>
    <BatchCount type="Integer" value="1"/>
  </RequestHeader>
  <BatchItem>
    <Operation type="Enumeration" value="Register"/>
    <RequestPayload>
      <ObjectType type="Enumeration" value="SymmetricKey"/>
      <TemplateAttribute>
        <Attribute>
          <AttributeName type="TextString" value="Cryptographic Usage Mask"/>
          <AttributeValue type="Integer" value="Encrypt Decrypt"/>
        </Attribute>
        <Attribute>
          <AttributeName type="TextString" value="x-flag"/>
          <AttributeValue type="Boolean" value="true"/>
        </Attribute>
      </TemplateAttribute>
      <SymmetricKey>
        <KeyBlock>
          <KeyFormatType type="Enumeration" value="Raw"/>
          <KeyValue>
            <KeyMaterial type="ByteString" value="0123456789abcdef0123456789abcdef"/>
          </KeyValue>
          <CryptographicAlgorithm type="Enumeration" value="AES"/>
          <CryptographicLength type="Integer" value="128"/>
        </KeyBlock>
      </SymmetricKey>
      <Modulus type="BigInteger" value="0000000000010001"/>
      <UsageLimitsTotal type="LongInteger" value="1000"/>
      <LeaseTime type="Interval" value="3600"/>
    </RequestPayload>
  </BatchItem>
</RequestMessage>
"#;

fn request() -> Ttlv {
    xml::decode(REQUEST, &DecodeOptions::new()).unwrap()
}

fn request_bytes() -> Vec<u8> {
    binary::encode(&request()).unwrap()
}

/// Deterministic xorshift64* generator (no dependency, fixed seed).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn header(tag: u32, type_code: u8, length: u32) -> [u8; 8] {
    let t = tag.to_be_bytes();
    let l = length.to_be_bytes();
    [t[1], t[2], t[3], type_code, l[0], l[1], l[2], l[3]]
}

#[test]
fn every_truncation_of_a_real_message_fails() {
    let bytes = request_bytes();
    assert_eq!(binary::decode(&bytes).unwrap(), request());
    for cut in 0..bytes.len() {
        let result = binary::decode(&bytes[..cut]);
        assert!(result.is_err(), "prefix of {cut} bytes decoded");
    }
    let text = xml::encode(&request());
    for cut in (0..text.len()).filter(|&i| text.is_char_boundary(i)) {
        let _ = xml::decode(&text[..cut], &DecodeOptions::new());
    }
    let json_text = json::encode(&request());
    for cut in (0..json_text.len()).filter(|&i| json_text.is_char_boundary(i)) {
        assert!(json::decode(&json_text[..cut], &DecodeOptions::new()).is_err());
    }
}

#[test]
fn declared_two_gib_length_fails_before_allocating() {
    // Root header declaring 2 GiB, followed by a few bytes.
    let mut input = header(0x42_0078, 0x01, 0x8000_0000).to_vec();
    input.extend_from_slice(&[0; 16]);
    let big = DecodeLimits::default()
        .with_max_message_bytes(usize::MAX)
        .with_max_string_bytes(usize::MAX);
    let start = Instant::now();
    let err = binary::decode_with_limits(&input, &big).unwrap_err();
    assert!(
        matches!(err, Error::Truncated { at: Position::Byte(0), needed } if needed == 0x8000_0000 - 16),
        "{err}"
    );
    // A Text String child declaring 2 GiB inside a small message.
    let mut input = header(0x42_0078, 0x01, 16).to_vec();
    input.extend_from_slice(&header(0x42_0094, 0x07, 0x8000_0000));
    input.extend_from_slice(&[b'a'; 8]);
    assert!(matches!(
        binary::decode_with_limits(&input, &big),
        Err(Error::Truncated { .. })
    ));
    assert!(matches!(
        binary::decode(&input),
        Err(Error::StringTooLong { .. })
    ));
    // frame_len refuses it outright.
    assert!(matches!(
        tresor_kmip::frame_len(&header(0x42_0078, 0x01, 0x8000_0000)),
        Err(Error::MessageTooLarge { .. })
    ));
    println!("2 GiB declared length rejected in {:?}", start.elapsed());
}

#[test]
fn million_nested_structures_fail_with_a_depth_error() {
    const N: usize = 1_000_000;
    // A chain of structure headers, each declaring the rest of the chain.
    let mut input = Vec::with_capacity(N * 8);
    for i in 0..N {
        input.extend_from_slice(&header(0x42_0008, 0x01, ((N - 1 - i) * 8) as u32));
    }
    assert!(matches!(
        binary::decode(&input),
        Err(Error::MessageTooLarge { .. })
    ));
    let roomy = DecodeLimits::default().with_max_message_bytes(16 << 20);
    let err = binary::decode_with_limits(&input, &roomy).unwrap_err();
    assert_eq!(
        err.to_string(),
        "structures nested deeper than 64 at byte 512"
    );
    let unlimited = roomy.with_max_depth(usize::MAX);
    let err = binary::decode_with_limits(&input, &unlimited).unwrap_err();
    assert!(
        matches!(
            err,
            Error::TooDeep {
                limit: tresor_kmip::DEPTH_CEILING,
                ..
            }
        ),
        "{err}"
    );

    // XML: a million open elements.
    let deep_xml = "<Attribute>".repeat(N);
    assert!(matches!(
        xml::decode(&deep_xml, &DecodeOptions::new()),
        Err(Error::MessageTooLarge { .. })
    ));
    let opts =
        DecodeOptions::new().with_limits(DecodeLimits::default().with_max_message_bytes(64 << 20));
    assert!(matches!(
        xml::decode(&deep_xml, &opts),
        Err(Error::TooDeep { limit: 64, .. })
    ));

    // JSON: serde_json's recursion limit stops it first; ours below that.
    let deep_json = "{\"tag\":\"Attribute\",\"value\":[".repeat(N);
    assert!(matches!(
        json::decode(&deep_json, &opts),
        Err(Error::Json { .. })
    ));
    let shallow = "{\"tag\":\"Attribute\",\"value\":[".repeat(20) + &"]}".repeat(20);
    let opts = DecodeOptions::new().with_limits(DecodeLimits::default().with_max_depth(10));
    assert!(matches!(
        json::decode(&shallow, &opts),
        Err(Error::TooDeep { limit: 10, .. })
    ));
}

#[test]
fn malformed_binary_items() {
    let cases: Vec<(&str, Vec<u8>)> = vec![
        (
            "unknown type",
            [header(0x42_000D, 0x0C, 4), [0; 8]].concat(),
        ),
        ("type zero", [header(0x42_000D, 0x00, 4), [0; 8]].concat()),
        (
            "integer of length 8",
            [header(0x42_000D, 0x02, 8), [0; 8]].concat(),
        ),
        (
            "long integer of length 4",
            [header(0x42_000D, 0x03, 4), [0; 8]].concat(),
        ),
        (
            "big integer of length 3",
            [header(0x42_0052, 0x04, 3), [0; 8]].concat(),
        ),
        ("empty big integer", header(0x42_0052, 0x04, 0).to_vec()),
        (
            "structure of length 4",
            [header(0x42_0078, 0x01, 4), [0; 8]].concat(),
        ),
        (
            "tag below 0x420000",
            [header(0x41_FFFF, 0x02, 4), [0; 8]].concat(),
        ),
        (
            "tag above 0x54FFFF",
            [header(0x55_0000, 0x02, 4), [0; 8]].concat(),
        ),
        (
            "non-zero padding",
            [header(0x42_000D, 0x02, 4), [0, 0, 0, 1, 0, 0, 0, 9]].concat(),
        ),
        (
            "text padding",
            [header(0x42_0094, 0x07, 1), [b'a', 0, 0, 0, 0, 0, 0, 1]].concat(),
        ),
        (
            "invalid UTF-8",
            [header(0x42_0094, 0x07, 2), [0xC3, 0x28, 0, 0, 0, 0, 0, 0]].concat(),
        ),
        (
            "boolean 2",
            [header(0x42_0008, 0x06, 8), [0, 0, 0, 0, 0, 0, 0, 2]].concat(),
        ),
        (
            "boolean high bit",
            [header(0x42_0008, 0x06, 8), [1, 0, 0, 0, 0, 0, 0, 1]].concat(),
        ),
        (
            "trailing bytes",
            [header(0x42_000D, 0x02, 4), [0; 8], [0; 8]].concat(),
        ),
        ("empty input", Vec::new()),
        ("short header", vec![0x42, 0x00]),
        (
            "child overruns its structure",
            [
                header(0x42_0078, 0x01, 8),
                header(0x42_000D, 0x02, 4),
                [0; 8],
            ]
            .concat(),
        ),
        (
            "nested structure overruns its parent",
            [
                header(0x42_0078, 0x01, 16),
                header(0x42_0008, 0x01, 16),
                [0; 8],
                [0; 8],
                [0; 8],
            ]
            .concat(),
        ),
        (
            "length past the end",
            [
                header(0x42_0078, 0x01, 16),
                header(0x42_0094, 0x07, 64),
                [0; 8],
            ]
            .concat(),
        ),
    ];
    for (name, input) in cases {
        let err = binary::decode(&input).err();
        assert!(err.is_some(), "{name}: decoded");
        println!("{name}: {}", err.unwrap());
    }
    let padding = [header(0x42_000D, 0x02, 4), [0, 0, 0, 1, 0, 0, 0, 9]].concat();
    assert!(matches!(
        binary::decode(&padding),
        Err(Error::NonZeroPadding {
            at: Position::Byte(15)
        })
    ));
    let utf8 = [header(0x42_0094, 0x07, 2), [0xC3, 0x28, 0, 0, 0, 0, 0, 0]].concat();
    assert!(matches!(
        binary::decode(&utf8),
        Err(Error::InvalidUtf8 {
            at: Position::Byte(8)
        })
    ));
    let boolean = [header(0x42_0008, 0x06, 8), [0, 0, 0, 0, 0, 0, 0, 2]].concat();
    assert!(matches!(
        binary::decode(&boolean),
        Err(Error::InvalidBoolean { .. })
    ));
}

#[test]
fn item_and_string_limits() {
    let bytes = request_bytes();
    let items = request().item_count();
    let exact = DecodeLimits::default().with_max_items(items);
    assert!(binary::decode_with_limits(&bytes, &exact).is_ok());
    let fewer = DecodeLimits::default().with_max_items(items - 1);
    assert!(matches!(
        binary::decode_with_limits(&bytes, &fewer),
        Err(Error::TooManyItems { .. })
    ));
    let text = xml::encode(&request());
    let opts = DecodeOptions::new().with_limits(fewer);
    assert!(matches!(
        xml::decode(&text, &opts),
        Err(Error::TooManyItems { .. })
    ));
    assert!(matches!(
        json::decode(&json::encode(&request()), &opts),
        Err(Error::TooManyItems { .. })
    ));

    let short = DecodeLimits::default().with_max_string_bytes(8);
    assert!(matches!(
        binary::decode_with_limits(&bytes, &short),
        Err(Error::StringTooLong { .. })
    ));
    let opts = DecodeOptions::new().with_limits(short);
    assert!(matches!(
        xml::decode(&text, &opts),
        Err(Error::StringTooLong { .. })
    ));

    let small = DecodeLimits::default().with_max_message_bytes(bytes.len() - 1);
    assert!(matches!(
        binary::decode_with_limits(&bytes, &small),
        Err(Error::MessageTooLarge { .. })
    ));
}

#[test]
fn hostile_xml_and_json() {
    let opts = DecodeOptions::new();
    let laughs = "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><Name type=\"TextString\" value=\"&b;\"/>";
    assert!(xml::decode(laughs, &opts).is_err());
    assert!(xml::decode("<Name type=\"TextString\" value=\"&unknown;\"/>", &opts).is_err());
    assert!(xml::decode("<Name type=\"TextString\" value=\"a\" value=\"b\"/>", &opts).is_err());
    assert!(xml::decode("<TTLV tag=\"0x42\" type=\"Integer\" value=\"1\"/>", &opts).is_err());
    assert!(
        xml::decode(
            "<BatchCount type=\"Integer\" value=\"99999999999\"/>",
            &opts
        )
        .is_err()
    );
    assert!(xml::decode("<Fresh type=\"Boolean\" value=\"2\"/>", &opts).is_err());
    assert!(xml::decode("<Data type=\"ByteString\" value=\"abc\"/>", &opts).is_err());
    assert!(xml::decode("", &opts).is_err());
    assert!(json::decode("{\"tag\":\"0x420078\",\"type\":\"Structure\",\"value\":[{\"tag\":\"Fresh\",\"type\":\"Boolean\",\"value\":1}]}", &opts).is_err());
    assert!(json::decode("{\"tag\":\"0x12\",\"value\":[]}", &opts).is_err());
    let ok = xml::decode(
        "<TTLV tag=\"0x540001\" type=\"TextString\" value=\"na\"/>",
        &opts,
    )
    .unwrap();
    assert_eq!(
        ok,
        Ttlv::new(Tag::new(0x54_0001).unwrap(), Value::TextString("na".into()))
    );
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Rng(0x5EED_CAFE_F00D_D00D);
    let opts = DecodeOptions::new();
    for _ in 0..4000 {
        let len = rng.below(300);
        let bytes: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        if let Ok(item) = binary::decode(&bytes) {
            assert_eq!(binary::encode(&item).unwrap(), bytes);
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = xml::decode_all(&text, &opts);
        let _ = json::decode(&text, &opts);
    }
}

#[test]
fn mutated_messages_never_panic_and_reencode_exactly() {
    let original = request_bytes();
    let xml_text = xml::encode(&request());
    let json_text = json::encode(&request());
    let mut rng = Rng(42);
    let opts = DecodeOptions::new();
    let mut decoded = 0;
    for _ in 0..4000 {
        let mut bytes = original.clone();
        for _ in 0..1 + rng.below(4) {
            let i = rng.below(bytes.len());
            bytes[i] = match rng.below(3) {
                0 => rng.next() as u8,
                1 => bytes[i].wrapping_add(1),
                _ => 0,
            };
        }
        if let Ok(item) = binary::decode(&bytes) {
            decoded += 1;
            assert_eq!(
                binary::encode(&item).unwrap(),
                bytes,
                "binary decode is lossless"
            );
        }
        let mut text = xml_text.clone().into_bytes();
        let i = rng.below(text.len());
        text[i] = b"<>\"/= &x0"[rng.below(9)];
        let _ = xml::decode(&String::from_utf8_lossy(&text), &opts);
        let mut text = json_text.clone().into_bytes();
        let i = rng.below(text.len());
        text[i] = b"{}[]\":,0x"[rng.below(9)];
        let _ = json::decode(&String::from_utf8_lossy(&text), &opts);
    }
    println!(
        "{decoded} of 4000 mutated binary messages still decoded (and re-encoded byte for byte)"
    );
}
