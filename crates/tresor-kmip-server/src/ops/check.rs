//! Check: may the client use an object the way it says? The object must
//! exist in the caller's tenant; a Cryptographic Usage Mask must be within
//! the object's mask (else Incompatible Cryptographic Usage Mask, 1.x:
//! Permission Denied), and the service's `check_key_usage` must allow each
//! operation it names now (else Wrong Key Lifecycle State, 1.x:
//! Permission Denied).
//! Tresor grants no leases and has no usage-count limits, so Lease Time
//! and Usage Limits Count are always satisfied. Read-only: the lookup is
//! audited as `key.get` (or the secret/certificate read).

use tresor_kmip::{Tag, Ttlv};

use crate::attrs::{self, PUBLIC_DESTROYED_TAG};
use crate::codes::reason;
use crate::error::{KmipError, KmipResult};
use crate::message::Ctx;
use crate::objects::ObjectId;
use crate::ttlv_ext::{self as t, Fields};

pub(crate) async fn check(ctx: &mut Ctx<'_>, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    let id = ctx.target(p)?;
    check_object(ctx, &id, p.integer(Tag::CryptographicUsageMask)).await?;
    ctx.placeholder = Some(id.clone());
    Ok(vec![t::text(Tag::UniqueIdentifier, id)])
}

async fn check_object(ctx: &Ctx<'_>, id: &str, asked: Option<i32>) -> KmipResult<()> {
    if super::stored::is_stored(id) {
        super::stored::get_attributes(ctx, id).await?;
        if asked.is_some_and(|m| m != 0) {
            return Err(incompatible(
                "secret data, opaque objects and certificates have no cryptographic usage here",
            ));
        }
        return Ok(());
    }
    let oid = ObjectId::parse(id)?;
    let caller = ctx.caller()?;
    let key = ctx.kms.get_key(caller, &oid.key_ref()).await?.key;
    oid.check(&key)?;
    let destroyed =
        key.state.is_destroyed() || (oid.public && key.tags.contains_key(PUBLIC_DESTROYED_TAG));
    if destroyed {
        return Err(KmipError::new(
            reason::WRONG_KEY_LIFECYCLE_STATE,
            "the object is destroyed",
        ));
    }
    let Some(mask) = asked else {
        return Ok(());
    };
    // The object's own mask (a pair's halves split the key's operations).
    let allowed = attrs::mask(&key, &oid);
    if mask & !allowed != 0 {
        return Err(incompatible(format!(
            "the object's usage mask is {allowed:#x}; {mask:#x} asks for more"
        )));
    }
    // State and pending destruction: the service's usage rules.
    ctx.kms
        .check_key_usage(caller, &oid.key_ref(), &attrs::mask_operations(mask))
        .await?;
    Ok(())
}

fn incompatible(message: impl Into<String>) -> KmipError {
    KmipError::new(reason::INCOMPATIBLE_CRYPTOGRAPHIC_USAGE_MASK, message)
}
