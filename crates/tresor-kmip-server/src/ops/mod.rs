//! One function per KMIP operation; [`dispatch`] picks it. Operations not
//! listed in [`SUPPORTED`] answer Operation Not Supported.

mod attributes;
pub(crate) mod certify;
mod check;
mod crypto;
mod get;
mod locate;
mod manage;
mod public_key;
mod query;
mod register;
mod rekey;
mod stored;
mod wrapped;

use tresor_kmip::Ttlv;

use crate::codes::op;
use crate::error::{KmipError, KmipResult};
use crate::message::Ctx;

/// Operations this server performs (Query reports them).
pub(crate) const SUPPORTED: &[u32] = &[
    op::DISCOVER_VERSIONS,
    op::QUERY,
    op::CREATE,
    op::CREATE_KEY_PAIR,
    op::REGISTER,
    op::CERTIFY,
    op::GET,
    op::GET_ATTRIBUTES,
    op::GET_ATTRIBUTE_LIST,
    op::ADD_ATTRIBUTE,
    op::MODIFY_ATTRIBUTE,
    op::DELETE_ATTRIBUTE,
    op::SET_ATTRIBUTE,
    op::LOCATE,
    op::CHECK,
    op::RE_KEY,
    op::RE_KEY_KEY_PAIR,
    op::ACTIVATE,
    op::REVOKE,
    op::DESTROY,
    op::ENCRYPT,
    op::DECRYPT,
    op::SIGN,
    op::SIGNATURE_VERIFY,
    op::MAC,
    op::MAC_VERIFY,
    op::RNG_RETRIEVE,
];

/// Runs one operation; returns the response payload's children.
pub(crate) async fn dispatch(ctx: &mut Ctx<'_>, operation: u32, p: &Ttlv) -> KmipResult<Vec<Ttlv>> {
    match operation {
        op::DISCOVER_VERSIONS => Ok(query::discover_versions(p)),
        op::QUERY => Ok(query::query(ctx, p)),
        op::CREATE => manage::create(ctx, p).await,
        op::CREATE_KEY_PAIR => manage::create_key_pair(ctx, p).await,
        op::ACTIVATE => manage::activate(ctx, p).await,
        op::REVOKE => manage::revoke(ctx, p).await,
        op::DESTROY => manage::destroy(ctx, p).await,
        op::GET => get::get(ctx, p).await,
        op::GET_ATTRIBUTES => get::get_attributes(ctx, p).await,
        op::GET_ATTRIBUTE_LIST => get::get_attribute_list(ctx, p).await,
        op::LOCATE => locate::locate(ctx, p).await,
        op::ADD_ATTRIBUTE => attributes::change(ctx, p, attributes::Change::Add).await,
        op::MODIFY_ATTRIBUTE => attributes::change(ctx, p, attributes::Change::Modify).await,
        op::DELETE_ATTRIBUTE => attributes::change(ctx, p, attributes::Change::Delete).await,
        op::SET_ATTRIBUTE => attributes::change(ctx, p, attributes::Change::Set).await,
        op::ENCRYPT => crypto::encrypt(ctx, p).await,
        op::DECRYPT => crypto::decrypt(ctx, p).await,
        op::SIGN => crypto::sign(ctx, p).await,
        op::SIGNATURE_VERIFY => crypto::verify(ctx, p).await,
        op::MAC => crypto::mac(ctx, p).await,
        op::MAC_VERIFY => crypto::mac_verify(ctx, p).await,
        op::RNG_RETRIEVE => crypto::rng_retrieve(ctx, p).await,
        op::RE_KEY => rekey::rekey(ctx, p).await,
        op::RE_KEY_KEY_PAIR => rekey::rekey_key_pair(ctx, p).await,
        op::CHECK => check::check(ctx, p).await,
        op::REGISTER => register::register(ctx, p).await,
        op::CERTIFY => certify::certify(ctx, p).await,
        _ => Err(KmipError::not_supported("operation not supported")),
    }
}
