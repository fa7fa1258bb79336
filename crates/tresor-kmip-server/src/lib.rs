//! Tresor's KMIP front door: turns a KMIP request message (a [`Ttlv`] tree,
//! decoded by `tresor-kmip` from binary, JSON or XML) into calls on the
//! [`Kms`] service and back into a response message.
//!
//! [`process`] is transport-neutral: the TLS listener on port 5696 and the
//! HTTP routes `POST /kmip` and `POST /kmip/2_1` both call it with the
//! caller their transport authenticated (client certificate or bearer
//! token). A Username/Password credential in the request header replaces
//! that caller: the password is a Tresor API key.
//!
//! Authorization, lifecycle rules and audit are the service's: every
//! operation here is one or a few `Kms` calls with the caller, nothing
//! more. Object identifiers: a Tresor key id names the symmetric key or
//! the private key; `<key id>/public` names the public half of an
//! asymmetric key (see `docs/kmip.md`).

mod attrs;
mod codes;
mod der;
mod error;
mod message;
mod objects;
mod ops;
mod ttlv_ext;

pub use error::KmipError;
pub use message::{Peer, SUPPORTED_VERSIONS, process};
pub use tresor_kmip::{Tag, Ttlv, Value};
pub use tresor_service::Kms;
