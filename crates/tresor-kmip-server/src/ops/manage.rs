//! Create, Create Key Pair, Activate, Revoke, Destroy: each one call on
//! the service (`create_key`, `enable_key`, `revoke_key`, `destroy_key`).

use std::collections::BTreeMap;

use tresor_core::{Algorithm, Alias, KeyState, RevocationReason};
use tresor_kmip::{Tag, Ttlv};
use tresor_service::types::{KeySpec, KeyUpdate};

use crate::attrs::{self, NAME_TAG, PUBLIC_DESTROYED_TAG, PUBLIC_NAME_TAG, Template};
use crate::codes::{object, reason, revocation, usage};
use crate::error::{KmipError, KmipResult};
use crate::message::Ctx;
use crate::objects::{ObjectId, pair_algorithm, symmetric_algorithm};
use crate::ttlv_ext::{self as t, Fields};

fn template(p: &Ttlv, containers: &[Tag]) -> KmipResult<Template> {
    Template::from_attrs(&attrs::collect(p, containers))
}

/// A key spec from the template: name → alias (or the `kmip-name` tag
/// when the name is not a valid alias), usage mask → operations, Export
/// bit or Extractable → exportable, an Activation Date not in the future
/// → created active (else Pre-Active, as KMIP says).
pub(crate) fn spec(ctx: &Ctx<'_>, algorithm: Algorithm, t: &Template) -> KeySpec {
    let mut spec = KeySpec::new(algorithm);
    if let Some(name) = &t.name {
        match Alias::parse(name) {
            Ok(a) => spec.alias = Some(a),
            Err(_) => {
                spec.tags.insert(NAME_TAG.to_owned(), name.clone());
            }
        }
    }
    let supported = algorithm.supported_operations();
    spec.operations = t.mask.and_then(|m| attrs::operations(m, &supported));
    spec.exportable = t.mask.is_some_and(|m| m & usage::EXPORT != 0) || t.extractable == Some(true);
    let now = ctx.kms.now().unix_seconds();
    spec.activate = t.activation_date.is_some_and(|d| d <= now);
    spec
}

pub(crate) async fn create(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let object_type = p
        .enumeration(Tag::ObjectType)
        .ok_or_else(|| KmipError::missing(Tag::ObjectType))?;
    if object_type != object::SYMMETRIC_KEY {
        return Err(KmipError::invalid(
            "Create makes symmetric keys; use Create Key Pair",
        ));
    }
    let t = template(p, &[Tag::TemplateAttribute, Tag::Attributes])?;
    let algorithm = symmetric_algorithm(t.algorithm, t.length)?;
    let spec = spec(ctx, algorithm, &t);
    let made = ctx.kms.create_key(ctx.caller()?, spec).await?;
    Ok(vec![
        t::enumeration(Tag::ObjectType, object::SYMMETRIC_KEY),
        t::text(Tag::UniqueIdentifier, ObjectId::private_id(&made.key)),
    ])
}

pub(crate) async fn create_key_pair(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let common = template(p, &[Tag::CommonTemplateAttribute, Tag::CommonAttributes])?;
    let private = template(
        p,
        &[Tag::PrivateKeyTemplateAttribute, Tag::PrivateKeyAttributes],
    )?
    .or(&common);
    let public = template(
        p,
        &[Tag::PublicKeyTemplateAttribute, Tag::PublicKeyAttributes],
    )?;
    let public_name = public.name.clone();
    let public = public.or(&common);
    let algorithm = pair_algorithm(
        private.algorithm.or(public.algorithm),
        private.length.or(public.length),
        private.curve.or(public.curve),
    )?;
    let merged = Template {
        name: private.name.clone().or(common.name.clone()),
        mask: match (private.mask, public.mask) {
            (Some(a), Some(b)) => Some(a | b),
            (a, b) => a.or(b),
        },
        ..private
    };
    let mut spec = spec(ctx, algorithm, &merged);
    if let Some(n) = public_name {
        spec.tags.insert(PUBLIC_NAME_TAG.to_owned(), n);
    }
    let made = ctx.kms.create_key(ctx.caller()?, spec).await?;
    let private_id = ObjectId::private_id(&made.key);
    ctx.placeholder = Some(private_id.clone());
    Ok(vec![
        t::text(Tag::PrivateKeyUniqueIdentifier, private_id),
        t::text(
            Tag::PublicKeyUniqueIdentifier,
            ObjectId::public_id(&made.key),
        ),
    ])
}

/// Activate: the key (both objects of a pair) becomes Active. The two
/// objects of a pair share one state, so activating the second one after
/// the first (what clients such as PyKMIP do) succeeds without a change.
pub(crate) async fn activate(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let id = ctx.target(p)?;
    let oid = ObjectId::parse(&id)?;
    let caller = ctx.caller()?;
    let key = ctx.kms.get_key(caller, &oid.key_ref()).await?.key;
    oid.check(&key)?;
    if key.algorithm.is_asymmetric() && key.state == KeyState::Active {
        return Ok(vec![t::text(Tag::UniqueIdentifier, id)]);
    }
    ctx.kms.enable_key(caller, &oid.key_ref()).await?;
    Ok(vec![t::text(Tag::UniqueIdentifier, id)])
}

fn reason_of(code: u32) -> RevocationReason {
    match code {
        revocation::KEY_COMPROMISE => RevocationReason::KeyCompromise,
        revocation::CA_COMPROMISE => RevocationReason::CaCompromise,
        revocation::AFFILIATION_CHANGED => RevocationReason::AffiliationChanged,
        revocation::SUPERSEDED => RevocationReason::Superseded,
        revocation::CESSATION_OF_OPERATION => RevocationReason::CessationOfOperation,
        revocation::PRIVILEGE_WITHDRAWN => RevocationReason::PrivilegeWithdrawn,
        _ => RevocationReason::Unspecified,
    }
}

/// Revoke: Deactivated, or Compromised for a compromise reason.
pub(crate) async fn revoke(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let id = ctx.target(p)?;
    let oid = ObjectId::parse(&id)?;
    let r = p
        .child(Tag::RevocationReason)
        .ok_or_else(|| KmipError::missing(Tag::RevocationReason))?;
    let code = r
        .enumeration(Tag::RevocationReasonCode)
        .ok_or_else(|| KmipError::missing(Tag::RevocationReasonCode))?;
    let message = r.text(Tag::RevocationMessage).map(str::to_owned);
    let caller = ctx.caller()?;
    check_public(ctx, &oid).await?;
    ctx.kms
        .revoke_key(caller, &oid.key_ref(), reason_of(code), message)
        .await?;
    Ok(vec![t::text(Tag::UniqueIdentifier, id)])
}

/// Destroy: crypto-shreds the key (it must not be Active). The public
/// object of a pair has no material of its own: destroying it only marks
/// it destroyed (a tag, allowed in any state, as the OASIS AKLC cases
/// expect), and it is destroyed anyway with its private key.
pub(crate) async fn destroy(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let id = ctx.target(p)?;
    if super::stored::is_stored(&id) {
        return super::stored::destroy(ctx, &id).await;
    }
    let oid = ObjectId::parse(&id)?;
    let caller = ctx.caller()?;
    let key = ctx.kms.get_key(caller, &oid.key_ref()).await?.key;
    oid.check(&key)?;
    if !oid.public {
        ctx.kms.destroy_key(caller, &oid.key_ref()).await?;
        return Ok(vec![t::text(Tag::UniqueIdentifier, id)]);
    }
    if key.tags.contains_key(PUBLIC_DESTROYED_TAG) {
        return Err(KmipError::new(
            reason::WRONG_KEY_LIFECYCLE_STATE,
            "the object is already destroyed",
        ));
    }
    if key.state.is_destroyed() {
        // Already gone with its private key.
        return Ok(vec![t::text(Tag::UniqueIdentifier, id)]);
    }
    let mut tags: BTreeMap<String, String> = key.tags.clone();
    tags.insert(PUBLIC_DESTROYED_TAG.to_owned(), "true".to_owned());
    let update = KeyUpdate {
        tags: Some(tags),
        ..KeyUpdate::default()
    };
    ctx.kms.update_key(caller, &oid.key_ref(), update).await?;
    Ok(vec![t::text(Tag::UniqueIdentifier, id)])
}

/// A `/public` identifier must name an asymmetric key (one extra lookup,
/// only for public identifiers).
async fn check_public(ctx: &Ctx<'_>, oid: &ObjectId) -> KmipResult<()> {
    if oid.public {
        let key = ctx.kms.get_key(ctx.caller()?, &oid.key_ref()).await?.key;
        oid.check(&key)?;
    }
    Ok(())
}
