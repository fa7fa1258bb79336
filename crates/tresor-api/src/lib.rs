//! The REST API's JSON bodies (`/v1/...`). Binary fields are standard base64
//! ([`B64`]). Requests reject unknown fields, so a typo is an error rather
//! than a silently ignored option. Shared by the server, the CLI and tests.

mod admin;
mod alerts;
mod approvals;
mod b64;
mod crypto;
mod crypto_policy;
mod discovery;
mod errors;
mod evidence;
mod keys;
mod people;
mod pki;
mod providers;
mod reports;
mod secrets;
mod siem;

pub use admin::*;
pub use alerts::*;
pub use approvals::*;
pub use b64::B64;
pub use crypto::*;
pub use crypto_policy::*;
pub use discovery::*;
pub use errors::*;
pub use evidence::*;
pub use keys::*;
pub use people::*;
pub use pki::*;
pub use providers::*;
pub use reports::*;
pub use secrets::*;
pub use siem::*;
