//! Property-style round trips: random TTLV trees (seeded) must come back
//! unchanged from every encoding, including extreme numbers, unknown tags,
//! control characters in text, and 1.x attribute name/value pairs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tresor_kmip::{DecodeOptions, Tag, Ttlv, Value, binary, json, tags, xml};

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

    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

const ATTRIBUTE_NAMES: &[&str] = &[
    "Cryptographic Algorithm",
    "Cryptographic Usage Mask",
    "State",
    "Object Type",
    "x-custom",
];

fn random_tag(rng: &mut Rng, known: &[Tag]) -> Tag {
    if rng.below(10) == 0 {
        Tag::new(0x54_0000 + rng.below(0x1_0000) as u32).unwrap()
    } else {
        rng.pick(known)
    }
}

fn random_text(rng: &mut Rng) -> String {
    let pool = [
        'a', 'Z', ' ', '\t', '\n', '\r', '\u{1}', '&', '<', '"', '\'', '|', '$', 'é', '🔑', '0',
    ];
    (0..rng.below(12)).map(|_| rng.pick(&pool)).collect()
}

fn random_primitive(rng: &mut Rng) -> Value {
    const EXTREMES: [i64; 9] = [
        0,
        1,
        -1,
        i64::MIN,
        i64::MAX,
        (1 << 53) - 1,
        1 << 53,
        -253_402_300_800,
        253_402_300_799,
    ];
    let raw = rng.next();
    let extreme = rng.pick(&EXTREMES);
    let wide = if rng.below(2) == 0 {
        raw as i64
    } else {
        extreme
    };
    match rng.below(10) {
        0 => Value::Integer(rng.pick(&[0, 1, -1, i32::MIN, i32::MAX, raw as i32])),
        1 => Value::LongInteger(wide),
        2 => {
            let len = 8 * (1 + rng.below(3));
            Value::BigInteger(rng.bytes(len))
        }
        3 => Value::Enumeration(rng.pick(&[1, 2, 3, 0x8000_0001, raw as u32])),
        4 => Value::Boolean(raw & 1 == 1),
        5 => Value::TextString(random_text(rng)),
        6 => {
            let len = rng.below(20);
            Value::ByteString(rng.bytes(len))
        }
        7 => Value::DateTime(if rng.below(3) == 0 {
            1_335_528_227
        } else {
            wide
        }),
        8 => Value::Interval(raw as u32),
        _ => Value::DateTimeExtended(wide),
    }
}

fn random_tree(rng: &mut Rng, known: &[Tag], depth: usize) -> Ttlv {
    if depth < 5 && rng.below(3) == 0 {
        let mut children = Vec::new();
        for _ in 0..rng.below(5) {
            if rng.below(4) == 0 {
                let name = rng.pick(ATTRIBUTE_NAMES);
                let value = match rng.below(3) {
                    0 => Value::Enumeration(rng.pick(&[1, 3, 6, 0x8000_0000])),
                    1 => Value::Integer(rng.pick(&[12, 0, -1, 0x0100_0004])),
                    _ => random_primitive(rng),
                };
                children.push(Ttlv::structure(
                    Tag::Attribute,
                    vec![
                        Ttlv::new(Tag::AttributeName, Value::TextString(name.into())),
                        Ttlv::new(Tag::AttributeValue, value),
                    ],
                ));
            } else {
                children.push(random_tree(rng, known, depth + 1));
            }
        }
        return Ttlv::structure(random_tag(rng, known), children);
    }
    Ttlv::new(random_tag(rng, known), random_primitive(rng))
}

#[test]
fn random_trees_round_trip_in_every_encoding() {
    let known: Vec<Tag> = tags::all().map(|(tag, _)| tag).collect();
    let mut rng = Rng(0x0DDB_A11C_0FFE_E000);
    let opts = DecodeOptions::new();
    for i in 0..3000 {
        let tree = random_tree(&mut rng, &known, 0);
        let wire = binary::encode(&tree).unwrap();
        assert_eq!(binary::decode(&wire).unwrap(), tree, "binary #{i}");
        let text = xml::encode(&tree);
        let back = xml::decode(&text, &opts).unwrap_or_else(|e| panic!("XML #{i}: {e}\n{text}"));
        assert_eq!(back, tree, "XML #{i}\n{text}");
        let text = json::encode(&tree);
        let back = json::decode(&text, &opts).unwrap_or_else(|e| panic!("JSON #{i}: {e}\n{text}"));
        assert_eq!(back, tree, "JSON #{i}\n{text}");
    }
}
