//! The enumeration dictionary: which enumeration (or bit mask) a tag's value
//! belongs to, and value names ↔ codes for each one (tables in
//! `enums/table.rs`).
//!
//! Binary TTLV carries only numbers; the XML and JSON encodings use names.
//! The name of an Enumeration value depends on its tag
//! ([`Tag::CryptographicAlgorithm`] → `AES`) and, for a KMIP 1.x
//! `Attribute Value`, on the sibling `Attribute Name`
//! ("Cryptographic Algorithm"); [`kind_for`] resolves both.

use std::collections::HashMap;
use std::sync::OnceLock;

use crate::tags;
use crate::ttlv::Tag;

macro_rules! kmip_enums {
    ($($(#[$doc:meta])* $kind:ident { $($name:ident = $code:literal),* $(,)? })*) => {
        /// A KMIP enumeration or bit mask (a table of named values).
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum EnumKind {
            $($(#[$doc])* $kind,)*
            /// The tag values themselves (`Tag`, `Attribute Reference` in 2.x).
            Tag,
        }

        impl EnumKind {
            /// Every enumeration kind.
            pub const ALL: &'static [EnumKind] = &[$(EnumKind::$kind,)* EnumKind::Tag];

            /// The normalized name of the enumeration (`"CryptographicAlgorithm"`).
            pub fn name(self) -> &'static str {
                match self {
                    $(EnumKind::$kind => stringify!($kind),)*
                    EnumKind::Tag => "Tag",
                }
            }

            /// `(code, name)` for every named value (empty for [`EnumKind::Tag`]).
            pub fn values(self) -> &'static [(u32, &'static str)] {
                match self {
                    $(EnumKind::$kind => &[$(($code, stringify!($name)),)*],)*
                    EnumKind::Tag => &[],
                }
            }
        }
    };
}

mod table;

pub use table::EnumKind;

/// Tags whose Enumeration value is interpreted by a kind other than the one
/// named like the tag.
const ENUM_ALIASES: &[(Tag, EnumKind)] = &[
    (
        Tag::MaskGeneratorHashingAlgorithm,
        EnumKind::HashingAlgorithm,
    ),
    (Tag::AttributeReference, EnumKind::Tag),
    (Tag::Tag, EnumKind::Tag),
];

/// Tags whose Integer value is a bit mask.
const MASK_TAGS: &[(Tag, EnumKind)] = &[
    (
        Tag::CryptographicUsageMask,
        EnumKind::CryptographicUsageMask,
    ),
    (Tag::StorageStatusMask, EnumKind::StorageStatusMask),
    (Tag::ProtectionStorageMask, EnumKind::ProtectionStorageMask),
];

impl EnumKind {
    /// Whether the kind is a bit mask (carried in an Integer).
    pub fn is_mask(self) -> bool {
        MASK_TAGS.iter().any(|&(_, kind)| kind == self)
    }

    /// The name of a value, if the table has one.
    pub fn name_of(self, code: u32) -> Option<&'static str> {
        if self == EnumKind::Tag {
            return Tag::new(code).and_then(Tag::name);
        }
        self.values()
            .iter()
            .find(|&&(c, _)| c == code)
            .map(|&(_, name)| name)
    }

    /// The code of a named value.
    pub fn code_of(self, name: &str) -> Option<u32> {
        if self == EnumKind::Tag {
            return tags::by_name(name).map(Tag::value);
        }
        self.values()
            .iter()
            .find(|&&(_, n)| n == name)
            .map(|&(code, _)| code)
    }
}

/// The enumeration kind named like a tag (`ObjectType` → `ObjectType`).
fn kind_named(tag: Tag) -> Option<EnumKind> {
    static INDEX: OnceLock<HashMap<&'static str, EnumKind>> = OnceLock::new();
    let index = INDEX.get_or_init(|| EnumKind::ALL.iter().map(|&k| (k.name(), k)).collect());
    tag.name().and_then(|name| index.get(name).copied())
}

/// The enumeration interpreting an Enumeration value with this tag.
pub fn enum_kind_for_tag(tag: Tag) -> Option<EnumKind> {
    if let Some(&(_, kind)) = ENUM_ALIASES.iter().find(|&&(t, _)| t == tag) {
        return Some(kind);
    }
    kind_named(tag).filter(|k| !k.is_mask())
}

/// The bit mask interpreting an Integer value with this tag.
pub fn mask_kind_for_tag(tag: Tag) -> Option<EnumKind> {
    MASK_TAGS
        .iter()
        .find(|&&(t, _)| t == tag)
        .map(|&(_, kind)| kind)
}

/// The enumeration (`mask == false`) or mask (`mask == true`) for an item,
/// given its tag and, for `Attribute Value`, the preceding sibling
/// `Attribute Name` text.
pub fn kind_for(tag: Tag, attribute_name: Option<&str>, mask: bool) -> Option<EnumKind> {
    let effective = if tag == Tag::AttributeValue {
        tags::by_attribute_name(attribute_name?)?
    } else {
        tag
    };
    if mask {
        mask_kind_for_tag(effective)
    } else {
        enum_kind_for_tag(effective)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_have_unique_names_and_codes() {
        for &kind in EnumKind::ALL {
            let values = kind.values();
            for (i, &(code, name)) in values.iter().enumerate() {
                let rest = values.get(i + 1..).unwrap_or_default();
                assert!(
                    rest.iter().all(|&(c, n)| c != code && n != name),
                    "{kind:?}: duplicate {name} / {code:#x}"
                );
            }
            if kind.is_mask() {
                assert!(values.iter().all(|&(c, _)| c.is_power_of_two()), "{kind:?}");
            }
        }
    }

    #[test]
    fn every_named_kind_has_a_tag() {
        for &kind in EnumKind::ALL {
            if kind != EnumKind::Tag {
                assert!(Tag::from_name(kind.name()).is_some(), "{kind:?}");
            }
        }
    }

    #[test]
    fn lookups() {
        let alg = EnumKind::CryptographicAlgorithm;
        assert_eq!(alg.code_of("AES"), Some(3));
        assert_eq!(alg.name_of(2), Some("DES3"));
        assert_eq!(EnumKind::Operation.code_of("MACVerify"), Some(0x24));
        assert_eq!(
            EnumKind::ProfileName.code_of("TapeLibraryServerKMIPV1_4"),
            Some(0x80)
        );
        assert_eq!(EnumKind::Tag.code_of("RequestMessage"), Some(0x42_0078));
        assert_eq!(
            enum_kind_for_tag(Tag::MaskGeneratorHashingAlgorithm),
            Some(EnumKind::HashingAlgorithm)
        );
        assert_eq!(enum_kind_for_tag(Tag::CryptographicUsageMask), None);
        assert_eq!(enum_kind_for_tag(Tag::OpaqueDataType), None);
        assert_eq!(
            kind_for(Tag::AttributeValue, Some("Cryptographic Algorithm"), false),
            Some(EnumKind::CryptographicAlgorithm)
        );
        assert_eq!(
            kind_for(Tag::AttributeValue, Some("Cryptographic Usage Mask"), true),
            Some(EnumKind::CryptographicUsageMask)
        );
        assert_eq!(kind_for(Tag::AttributeValue, None, false), None);
    }
}
