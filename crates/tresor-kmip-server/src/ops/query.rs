//! Discover Versions and Query.

use tresor_kmip::{Tag, Ttlv};

use crate::codes::{object, query};
use crate::message::{Ctx, SUPPORTED_VERSIONS};
use crate::ops::SUPPORTED;
use crate::ttlv_ext::{self as t, Fields};

/// The versions both sides speak: the client's list in its order, or all
/// of ours (newest first) when it sent none.
pub(crate) fn discover_versions(p: &Ttlv) -> Vec<Ttlv> {
    let asked: Vec<(i32, i32)> = p
        .all(Tag::ProtocolVersion)
        .into_iter()
        .filter_map(|v| {
            Some((
                v.integer(Tag::ProtocolVersionMajor)?,
                v.integer(Tag::ProtocolVersionMinor)?,
            ))
        })
        .collect();
    let list: Vec<(i32, i32)> = if asked.is_empty() {
        SUPPORTED_VERSIONS.to_vec()
    } else {
        asked
            .into_iter()
            .filter(|v| SUPPORTED_VERSIONS.contains(v))
            .collect()
    };
    list.into_iter()
        .map(|(ma, mi)| {
            t::structure(
                Tag::ProtocolVersion,
                vec![
                    t::integer(Tag::ProtocolVersionMajor, ma),
                    t::integer(Tag::ProtocolVersionMinor, mi),
                ],
            )
        })
        .collect()
}

/// Query: operations, object types, server information; other functions
/// are ignored (an empty answer for them is allowed).
pub(crate) fn query(_ctx: &Ctx<'_>, p: &Ttlv) -> Vec<Ttlv> {
    let functions: Vec<u32> = p
        .all(Tag::QueryFunction)
        .into_iter()
        .filter_map(|f| match f.value {
            tresor_kmip::Value::Enumeration(v) => Some(v),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    if functions.contains(&query::OPERATIONS) {
        out.extend(SUPPORTED.iter().map(|&o| t::enumeration(Tag::Operation, o)));
    }
    if functions.contains(&query::OBJECTS) {
        for o in [
            object::SYMMETRIC_KEY,
            object::PUBLIC_KEY,
            object::PRIVATE_KEY,
        ] {
            out.push(t::enumeration(Tag::ObjectType, o));
        }
    }
    if functions.contains(&query::SERVER_INFORMATION) {
        out.push(t::text(Tag::VendorIdentification, "Tresor"));
        out.push(t::structure(
            Tag::ServerInformation,
            vec![t::text(
                Tag::ServerName,
                concat!("Tresor KMS ", env!("CARGO_PKG_VERSION")),
            )],
        ));
    }
    out
}
