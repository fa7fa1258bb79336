//! Re-key and Re-key Key Pair → the service's `replace_key`: a new key
//! (new identifier) with the old one's algorithm, usage, exportability and
//! tags, fresh material. As KMIP asks, the Name moves from the existing
//! object to the replacement, and the two are linked (Replacement Object /
//! Replaced Object links). The existing key keeps its state: revoke or
//! destroy it when it is no longer needed.
//!
//! Activation: an Offset of zero, or an Activation Date not in the future
//! in the request's attributes, makes the replacement Active; otherwise it
//! starts Pre-Active, as a created key does.

use std::collections::BTreeMap;

use tresor_core::KeyRecord;
use tresor_kmip::{Tag, Ttlv, Value};
use tresor_service::replace::Replacement;

use crate::attrs::{self, NAME_TAG, PUBLIC_DESTROYED_TAG, PUBLIC_NAME_TAG};
use crate::error::{KmipError, KmipResult};
use crate::message::Ctx;
use crate::objects::ObjectId;
use crate::ttlv_ext::{self as t, Fields};

/// Whether the replacement starts Active (see the module docs).
fn activate(ctx: &Ctx<'_>, p: &Ttlv, containers: &[Tag]) -> KmipResult<bool> {
    let offset = match p.child(Tag::Offset).map(|o| &o.value) {
        None => None,
        Some(Value::Interval(s)) => Some(*s),
        Some(_) => return Err(KmipError::invalid("Offset must be an Interval")),
    };
    let template = attrs::Template::from_attrs(&attrs::collect(p, containers))?;
    let now = ctx.kms.now().unix_seconds();
    Ok(offset == Some(0) || template.activation_date.is_some_and(|d| d <= now))
}

/// Replaces the key behind `oid`; returns the replacement's record.
async fn replace(
    ctx: &Ctx<'_>,
    oid: &ObjectId,
    key: &KeyRecord,
    activate: bool,
) -> KmipResult<KeyRecord> {
    let caller = ctx.caller()?;
    let mut tags: BTreeMap<String, String> = key.tags.clone();
    tags.remove(PUBLIC_DESTROYED_TAG);
    let replacement = Replacement {
        activate,
        tags: Some(tags),
        moved_tags: vec![NAME_TAG.to_owned(), PUBLIC_NAME_TAG.to_owned()],
    };
    let done = ctx
        .kms
        .replace_key(caller, &oid.key_ref(), replacement)
        .await?;
    Ok(done.new.key)
}

pub(crate) async fn rekey(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let id = ctx.target(p)?;
    if super::stored::is_stored(&id) {
        return Err(KmipError::invalid("Re-key replaces symmetric keys"));
    }
    let oid = ObjectId::parse(&id)?;
    let activate = activate(ctx, p, &[Tag::TemplateAttribute, Tag::Attributes])?;
    let key = ctx.kms.get_key(ctx.caller()?, &oid.key_ref()).await?.key;
    oid.check(&key)?;
    if key.algorithm.is_asymmetric() {
        return Err(KmipError::invalid(
            "Re-key replaces symmetric keys; use Re-key Key Pair",
        ));
    }
    let new = replace(ctx, &oid, &key, activate).await?;
    let new_id = ObjectId::private_id(&new);
    ctx.placeholder = Some(new_id.clone());
    Ok(vec![t::text(Tag::UniqueIdentifier, new_id)])
}

pub(crate) async fn rekey_key_pair(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let id = match p.text(Tag::PrivateKeyUniqueIdentifier) {
        Some(id) => id.to_owned(),
        None => ctx
            .placeholder
            .clone()
            .ok_or_else(|| KmipError::missing(Tag::PrivateKeyUniqueIdentifier))?,
    };
    let oid = ObjectId::parse(&id)?;
    if oid.public {
        return Err(KmipError::invalid(
            "Re-key Key Pair takes the private key's identifier",
        ));
    }
    let activate = activate(
        ctx,
        p,
        &[
            Tag::CommonTemplateAttribute,
            Tag::PrivateKeyTemplateAttribute,
            Tag::CommonAttributes,
            Tag::PrivateKeyAttributes,
        ],
    )?;
    let key = ctx.kms.get_key(ctx.caller()?, &oid.key_ref()).await?.key;
    if !key.algorithm.is_asymmetric() {
        return Err(KmipError::invalid(
            "Re-key Key Pair replaces key pairs; use Re-key",
        ));
    }
    let new = replace(ctx, &oid, &key, activate).await?;
    let private_id = ObjectId::private_id(&new);
    ctx.placeholder = Some(private_id.clone());
    Ok(vec![
        t::text(Tag::PrivateKeyUniqueIdentifier, private_id),
        t::text(Tag::PublicKeyUniqueIdentifier, ObjectId::public_id(&new)),
    ])
}
