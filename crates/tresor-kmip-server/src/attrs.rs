//! Attributes in both KMIP forms. Requests carry them as KMIP 1.x
//! `Attribute {Attribute Name, Attribute Value}` lists (in Template-Attribute
//! structures) or as KMIP 2.x `Attributes` structures of tagged items;
//! both are normalized to tagged items ([`collect`]), and responses are
//! written back in the request's form ([`encode`]).

use std::collections::BTreeSet;

use tresor_core::{KeyRecord, Operation, RevocationReason};
use tresor_kmip::{Tag, Ttlv, Value, tags};
use tresor_service::replace::{REPLACED_BY_TAG, REPLACES_TAG};

use crate::codes::{NAME_TYPE_TEXT, link, revocation, usage};
use crate::error::{KmipError, KmipResult};
use crate::objects::{ObjectId, curve_of, kmip_algorithm, kmip_state};
use crate::ttlv_ext::{self as t, Fields};

/// Tag holding a KMIP Name that is not a valid Tresor alias.
pub(crate) const NAME_TAG: &str = "kmip-name";
/// Tag holding the KMIP Name of a key pair's public object.
pub(crate) const PUBLIC_NAME_TAG: &str = "kmip-public-name";

/// Tag marking the public object of a pair as destroyed (its material is
/// the private key's; it goes with it).
pub(crate) const PUBLIC_DESTROYED_TAG: &str = "kmip-public-destroyed";

/// The attributes this server reports, with their KMIP 1.x names.
pub(crate) const REPORTED: &[(Tag, &str)] = &[
    (Tag::UniqueIdentifier, "Unique Identifier"),
    (Tag::ObjectType, "Object Type"),
    (Tag::CryptographicAlgorithm, "Cryptographic Algorithm"),
    (Tag::CryptographicLength, "Cryptographic Length"),
    (
        Tag::CryptographicDomainParameters,
        "Cryptographic Domain Parameters",
    ),
    (Tag::CryptographicUsageMask, "Cryptographic Usage Mask"),
    (Tag::State, "State"),
    (Tag::Name, "Name"),
    (Tag::InitialDate, "Initial Date"),
    (Tag::ActivationDate, "Activation Date"),
    (Tag::DeactivationDate, "Deactivation Date"),
    (Tag::DestroyDate, "Destroy Date"),
    (Tag::RevocationReason, "Revocation Reason"),
    (Tag::Link, "Link"),
    (Tag::LastChangeDate, "Last Change Date"),
];

/// Every attribute inside the given containers of `payload`, as tagged
/// items (1.x `Attribute` entries are converted by their names; unknown
/// names are kept under their Attribute Name only if they are known tags).
pub(crate) fn collect(payload: &Ttlv, containers: &[Tag]) -> Vec<Ttlv> {
    let mut out = Vec::new();
    for c in payload
        .children()
        .iter()
        .filter(|c| containers.contains(&c.tag))
    {
        for item in c.children() {
            if item.tag == Tag::Attribute {
                if let Some(a) = from_v1(item) {
                    out.push(a);
                }
            } else {
                out.push(item.clone());
            }
        }
    }
    out
}

/// A 1.x `Attribute` as a tagged item.
pub(crate) fn from_v1(attr: &Ttlv) -> Option<Ttlv> {
    let name = attr.text(Tag::AttributeName)?;
    let tag = tags::by_attribute_name(name)?;
    let value = attr.child(Tag::AttributeValue)?.value.clone();
    Some(Ttlv::new(tag, value))
}

/// The 1.x name of an attribute tag.
pub(crate) fn v1_name(tag: Tag) -> Option<&'static str> {
    REPORTED.iter().find(|(t, _)| *t == tag).map(|(_, n)| *n)
}

/// Tagged attributes in the response form of the protocol version.
pub(crate) fn encode(v2: bool, attrs: Vec<Ttlv>) -> Vec<Ttlv> {
    if v2 {
        return vec![t::structure(Tag::Attributes, attrs)];
    }
    attrs
        .into_iter()
        .filter_map(|a| {
            let name = v1_name(a.tag)?;
            Some(t::structure(
                Tag::Attribute,
                vec![
                    t::text(Tag::AttributeName, name),
                    Ttlv::new(Tag::AttributeValue, a.value),
                ],
            ))
        })
        .collect()
}

/// What a Create / Create Key Pair asks for.
#[derive(Debug, Default, Clone)]
pub(crate) struct Template {
    pub algorithm: Option<u32>,
    pub length: Option<i32>,
    pub curve: Option<u32>,
    pub mask: Option<i32>,
    pub name: Option<String>,
    pub activation_date: Option<i64>,
    pub extractable: Option<bool>,
}

impl Template {
    /// Reads the attributes Tresor maps; others are ignored.
    pub fn from_attrs(attrs: &[Ttlv]) -> KmipResult<Self> {
        let mut t = Template::default();
        for a in attrs {
            match (a.tag, &a.value) {
                (Tag::CryptographicAlgorithm, Value::Enumeration(v)) => t.algorithm = Some(*v),
                (Tag::CryptographicLength, Value::Integer(v)) => t.length = Some(*v),
                (Tag::CryptographicUsageMask, Value::Integer(v)) => {
                    t.mask = Some(t.mask.unwrap_or(0) | *v)
                }
                (Tag::RecommendedCurve, Value::Enumeration(v)) => t.curve = Some(*v),
                (Tag::CryptographicDomainParameters, Value::Structure(_)) => {
                    t.curve = a.enumeration(Tag::RecommendedCurve).or(t.curve);
                }
                (Tag::Name, Value::Structure(_)) => {
                    let v = a.req_text(Tag::NameValue)?;
                    t.name = Some(v.to_owned());
                }
                (Tag::ActivationDate, Value::DateTime(d)) => t.activation_date = Some(*d),
                (Tag::Extractable, Value::Boolean(b)) => t.extractable = Some(*b),
                (
                    Tag::CryptographicAlgorithm
                    | Tag::CryptographicLength
                    | Tag::CryptographicUsageMask
                    | Tag::Name
                    | Tag::ActivationDate,
                    _,
                ) => return Err(KmipError::invalid(format!("{} has the wrong type", a.tag))),
                _ => {}
            }
        }
        Ok(t)
    }

    /// Fills unset fields from `other` (Common attributes under the
    /// private/public ones).
    pub fn or(mut self, other: &Template) -> Template {
        self.algorithm = self.algorithm.or(other.algorithm);
        self.length = self.length.or(other.length);
        self.curve = self.curve.or(other.curve);
        self.activation_date = self.activation_date.or(other.activation_date);
        self.extractable = self.extractable.or(other.extractable);
        self.mask = match (self.mask, other.mask) {
            (Some(a), Some(b)) => Some(a | b),
            (a, b) => a.or(b),
        };
        self
    }
}

const MASK_BITS: &[(i32, Operation)] = &[
    (usage::ENCRYPT, Operation::Encrypt),
    (usage::DECRYPT, Operation::Decrypt),
    (usage::SIGN, Operation::Sign),
    (usage::VERIFY, Operation::Verify),
    (usage::MAC_GENERATE, Operation::Mac),
    (usage::MAC_VERIFY, Operation::MacVerify),
    (usage::WRAP_KEY, Operation::Wrap),
    (usage::UNWRAP_KEY, Operation::Unwrap),
    (usage::KEY_AGREEMENT, Operation::Agree),
];

/// The Tresor operations a usage mask names (bits without one, such as
/// Export, are left out).
pub(crate) fn mask_operations(mask: i32) -> Vec<Operation> {
    MASK_BITS
        .iter()
        .filter(|(bit, _)| mask & bit != 0)
        .map(|(_, op)| *op)
        .collect()
}

/// Tresor operations from a usage mask, limited to what `supported` has.
/// `None` (the algorithm's defaults) when nothing in the mask maps.
pub(crate) fn operations(
    mask: i32,
    supported: &BTreeSet<Operation>,
) -> Option<BTreeSet<Operation>> {
    let ops: BTreeSet<Operation> = MASK_BITS
        .iter()
        .filter(|(bit, op)| mask & bit != 0 && supported.contains(op))
        .map(|(_, op)| *op)
        .collect();
    (!ops.is_empty()).then_some(ops)
}

/// The usage mask of one object of `key`: the private (or symmetric)
/// object gets the private-side operations, the public object the rest.
pub(crate) fn mask(key: &KeyRecord, oid: &ObjectId) -> i32 {
    let public_ops = [Operation::Encrypt, Operation::Verify, Operation::Wrap];
    let mut m = 0;
    for (bit, op) in MASK_BITS {
        if !key.operations.contains(op) {
            continue;
        }
        let public_side = public_ops.contains(op);
        if !key.algorithm.is_asymmetric() || public_side == oid.public {
            m |= bit;
        }
    }
    if key.exportable && !oid.public {
        m |= usage::EXPORT;
    }
    m
}

/// The KMIP Name of an object, if it has one.
pub(crate) fn name_of(key: &KeyRecord, oid: &ObjectId) -> Option<String> {
    if oid.public {
        return key.tags.get(PUBLIC_NAME_TAG).cloned();
    }
    key.tags
        .get(NAME_TAG)
        .cloned()
        .or_else(|| key.alias.as_ref().map(|a| a.as_str().to_owned()))
}

fn revocation_code(r: RevocationReason) -> u32 {
    match r {
        RevocationReason::KeyCompromise => revocation::KEY_COMPROMISE,
        RevocationReason::CaCompromise => revocation::CA_COMPROMISE,
        RevocationReason::AffiliationChanged => revocation::AFFILIATION_CHANGED,
        RevocationReason::Superseded => revocation::SUPERSEDED,
        RevocationReason::CessationOfOperation => revocation::CESSATION_OF_OPERATION,
        RevocationReason::PrivilegeWithdrawn => revocation::PRIVILEGE_WITHDRAWN,
        _ => revocation::UNSPECIFIED,
    }
}

/// Every attribute this server reports for one object, in [`REPORTED`]
/// order, as tagged items.
pub(crate) fn all_of(key: &KeyRecord, oid: &ObjectId) -> Vec<Ttlv> {
    let id = if oid.public {
        ObjectId::public_id(key)
    } else {
        ObjectId::private_id(key)
    };
    let mut out = vec![
        t::text(Tag::UniqueIdentifier, id),
        t::enumeration(Tag::ObjectType, oid.object_type(key)),
    ];
    if let Some((alg, len)) = kmip_algorithm(key.algorithm) {
        out.push(t::enumeration(Tag::CryptographicAlgorithm, alg));
        out.push(t::integer(Tag::CryptographicLength, len));
    }
    if let Some(c) = curve_of(key.algorithm) {
        out.push(t::structure(
            Tag::CryptographicDomainParameters,
            vec![t::enumeration(Tag::RecommendedCurve, c)],
        ));
    }
    out.push(t::integer(Tag::CryptographicUsageMask, mask(key, oid)));
    let state = if oid.public && key.tags.contains_key(PUBLIC_DESTROYED_TAG) {
        crate::codes::state::DESTROYED
    } else {
        kmip_state(key.state)
    };
    out.push(t::enumeration(Tag::State, state));
    if let Some(n) = name_of(key, oid) {
        out.push(t::structure(
            Tag::Name,
            vec![
                t::text(Tag::NameValue, n),
                t::enumeration(Tag::NameType, NAME_TYPE_TEXT),
            ],
        ));
    }
    out.push(t::date(Tag::InitialDate, key.created_at.unix_seconds()));
    let dates = [
        (Tag::ActivationDate, key.activated_at),
        (Tag::DeactivationDate, key.deactivated_at),
        (Tag::DestroyDate, key.destroyed_at),
    ];
    for (tag, d) in dates {
        if let Some(d) = d {
            out.push(t::date(tag, d.unix_seconds()));
        }
    }
    if let Some(r) = key.revocation_reason {
        let mut children = vec![t::enumeration(
            Tag::RevocationReasonCode,
            revocation_code(r),
        )];
        if let Some(m) = &key.revocation_message {
            children.push(t::text(Tag::RevocationMessage, m.clone()));
        }
        out.push(t::structure(Tag::RevocationReason, children));
    }
    out.extend(links(key, oid));
    out.push(t::date(Tag::LastChangeDate, key.updated_at.unix_seconds()));
    out
}

/// The Link attributes of one object: a pair's halves name each other,
/// and a replaced key and its replacement (KMIP Re-key) name each other.
fn links(key: &KeyRecord, oid: &ObjectId) -> Vec<Ttlv> {
    let same_side = |id: &str| {
        if oid.public {
            format!("{id}{}", crate::objects::PUBLIC_SUFFIX)
        } else {
            id.to_owned()
        }
    };
    let mut out = Vec::new();
    if key.algorithm.is_asymmetric() {
        out.push(if oid.public {
            (link::PRIVATE_KEY, ObjectId::private_id(key))
        } else {
            (link::PUBLIC_KEY, ObjectId::public_id(key))
        });
    }
    if let Some(id) = key.tags.get(REPLACED_BY_TAG) {
        out.push((link::REPLACEMENT_OBJECT, same_side(id)));
    }
    if let Some(id) = key.tags.get(REPLACES_TAG) {
        out.push((link::REPLACED_OBJECT, same_side(id)));
    }
    out.into_iter()
        .map(|(kind, id)| {
            t::structure(
                Tag::Link,
                vec![
                    t::enumeration(Tag::LinkType, kind),
                    t::text(Tag::LinkedObjectIdentifier, id),
                ],
            )
        })
        .collect()
}
