//! Add, Modify, Delete Attribute (KMIP 1.x and 2.x forms) and Set
//! Attribute (2.x). What a client may change maps onto the key's metadata
//! through the service's `update_key` / `enable_key` (authorized and
//! audited there):
//! - **Name**: the private (or symmetric) object's name is the key's alias
//!   (or the `kmip-name` tag when it is not a valid alias); the public
//!   object's name is the `kmip-public-name` tag. One name per object.
//! - **Activation Date** of a Pre-Active key, not in the future: activates
//!   it (KMIP's rule). A future date: Permission Denied — Tresor has no
//!   scheduled activation.
//!
//! Every other attribute is set by the server (identifier, type,
//! algorithm, length, usage mask, state, dates, ...) and answers
//! Permission Denied, as the OASIS test cases expect; an attribute this
//! server does not know answers Invalid Field.

use std::collections::BTreeMap;

use tresor_core::{Alias, KeyRecord, KeyState};
use tresor_kmip::{Tag, Ttlv, Value};
use tresor_service::types::KeyUpdate;

use crate::attrs::{self, NAME_TAG, PUBLIC_NAME_TAG};
use crate::codes::reason;
use crate::error::{KmipError, KmipResult};
use crate::message::Ctx;
use crate::objects::ObjectId;
use crate::ttlv_ext::{self as t, Fields};

/// What the request asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Change {
    Add,
    Modify,
    Delete,
    Set,
}

fn denied(what: &str) -> KmipError {
    KmipError::new(
        reason::PERMISSION_DENIED,
        format!("{what} is set by the server and cannot be changed by clients"),
    )
}

/// The attribute of the request as a tagged item: 1.x `Attribute`, 2.x
/// `NewAttribute` (Add, Modify, Set) or `CurrentAttribute` /
/// `AttributeReference` (Delete).
fn requested(p: &Ttlv, change: Change) -> KmipResult<Ttlv> {
    if let Some(a) = p.child(Tag::Attribute) {
        let name = a.req_text(Tag::AttributeName)?;
        let Some(tag) = tresor_kmip::tags::by_attribute_name(name) else {
            return Err(KmipError::invalid(format!("unknown attribute {name:?}")));
        };
        let value = match a.child(Tag::AttributeValue) {
            Some(v) => v.value.clone(),
            None if change == Change::Delete => Value::Structure(Vec::new()),
            None => return Err(KmipError::missing(Tag::AttributeValue)),
        };
        return Ok(Ttlv::new(tag, value));
    }
    let container = match change {
        Change::Delete => p
            .child(Tag::CurrentAttribute)
            .or_else(|| p.child(Tag::AttributeReference)),
        _ => p.child(Tag::NewAttribute),
    };
    let container = container.ok_or_else(|| KmipError::missing(Tag::NewAttribute))?;
    match &container.value {
        // AttributeReference names the attribute by its tag.
        Value::Enumeration(code) => Tag::new(*code)
            .map(|tag| Ttlv::new(tag, Value::Structure(Vec::new())))
            .ok_or_else(|| KmipError::invalid("unknown attribute reference")),
        Value::Structure(items) => items
            .first()
            .cloned()
            .ok_or_else(|| KmipError::missing(Tag::NewAttribute)),
        _ => Err(KmipError::invalid(
            "the attribute container has the wrong type",
        )),
    }
}

fn name_value(a: &Ttlv) -> KmipResult<String> {
    let v = a.req_text(Tag::NameValue)?;
    if v.is_empty() || v.len() > 256 || v.chars().any(char::is_control) {
        return Err(KmipError::invalid(
            "a Name is 1 to 256 printable characters",
        ));
    }
    Ok(v.to_owned())
}

/// The update that gives the object the name `new` (or removes it).
fn name_update(key: &KeyRecord, oid: &ObjectId, new: Option<String>) -> KeyUpdate {
    let mut tags: BTreeMap<String, String> = key.tags.clone();
    let mut update = KeyUpdate::default();
    if oid.public {
        match new {
            Some(n) => tags.insert(PUBLIC_NAME_TAG.to_owned(), n),
            None => tags.remove(PUBLIC_NAME_TAG),
        };
    } else {
        tags.remove(NAME_TAG);
        match new.as_deref().map(Alias::parse) {
            Some(Ok(alias)) => update.alias = Some(Some(alias)),
            Some(Err(_)) => {
                update.alias = Some(None);
                tags.insert(NAME_TAG.to_owned(), new.unwrap_or_default());
            }
            None => update.alias = Some(None),
        }
    }
    update.tags = Some(tags);
    update
}

pub(crate) async fn change(ctx: &mut Ctx<'_>, p: &Ttlv, change: Change) -> KmipResult<Vec<Ttlv>> {
    let id = ctx.target(p)?;
    let oid = ObjectId::parse(&id)?;
    let attr = requested(p, change)?;
    let caller = ctx.caller()?;
    let key = ctx.kms.get_key(caller, &oid.key_ref()).await?.key;
    oid.check(&key)?;
    let has_name = attrs::name_of(&key, &oid).is_some();
    match (attr.tag, change) {
        (Tag::Name, Change::Add) if has_name => {
            return Err(KmipError::invalid(
                "this server keeps one Name per object: use Modify Attribute",
            ));
        }
        (Tag::Name, Change::Modify) if !has_name => {
            return Err(KmipError::new(
                reason::ITEM_NOT_FOUND,
                "the object has no Name to modify",
            ));
        }
        (Tag::Name, Change::Delete) => {
            if !has_name {
                return Err(KmipError::new(
                    reason::ITEM_NOT_FOUND,
                    "the object has no Name",
                ));
            }
            let update = name_update(&key, &oid, None);
            ctx.kms.update_key(caller, &oid.key_ref(), update).await?;
        }
        (Tag::Name, _) => {
            let update = name_update(&key, &oid, Some(name_value(&attr)?));
            ctx.kms.update_key(caller, &oid.key_ref(), update).await?;
        }
        (Tag::ActivationDate, Change::Add | Change::Modify | Change::Set) => {
            let Value::DateTime(when) = attr.value else {
                return Err(KmipError::invalid("Activation Date has the wrong type"));
            };
            if key.state != KeyState::PreActive {
                return Err(KmipError::new(
                    reason::PERMISSION_DENIED,
                    "the Activation Date can only be set while the object is Pre-Active",
                ));
            }
            if when > ctx.kms.now().unix_seconds() {
                return Err(KmipError::new(
                    reason::PERMISSION_DENIED,
                    "a future Activation Date is not supported: activate the object when it is due",
                ));
            }
            ctx.kms.enable_key(caller, &oid.key_ref()).await?;
        }
        (tag, _) => {
            return Err(denied(attrs::v1_name(tag).unwrap_or("this attribute")));
        }
    }
    let mut out = vec![t::text(Tag::UniqueIdentifier, id)];
    // 1.x answers with the attribute as it now is.
    if !ctx.v2() && change != Change::Delete {
        out.extend(attrs::encode(false, vec![attr]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::NAME_TYPE_TEXT;

    fn name(v: &str) -> Ttlv {
        t::structure(
            Tag::Name,
            vec![
                t::text(Tag::NameValue, v),
                t::enumeration(Tag::NameType, NAME_TYPE_TEXT),
            ],
        )
    }

    #[test]
    fn requests_in_both_forms() {
        let v1 = t::structure(
            Tag::RequestPayload,
            vec![t::structure(
                Tag::Attribute,
                vec![
                    t::text(Tag::AttributeName, "Name"),
                    Ttlv::new(Tag::AttributeValue, name("n").value),
                ],
            )],
        );
        let a = requested(&v1, Change::Modify).ok();
        assert_eq!(a.map(|a| a.tag), Some(Tag::Name));
        let v2 = t::structure(
            Tag::RequestPayload,
            vec![t::structure(Tag::NewAttribute, vec![name("n")])],
        );
        let a = requested(&v2, Change::Set).ok();
        assert_eq!(
            a.as_ref().and_then(|a| name_value(a).ok()).as_deref(),
            Some("n")
        );
        let unknown = t::structure(
            Tag::RequestPayload,
            vec![t::structure(
                Tag::Attribute,
                vec![t::text(Tag::AttributeName, "x-colour")],
            )],
        );
        assert!(requested(&unknown, Change::Delete).is_err());
        assert!(requested(&t::structure(Tag::RequestPayload, vec![]), Change::Add).is_err());
    }
}
