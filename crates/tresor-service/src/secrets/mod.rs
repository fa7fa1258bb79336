//! Stored secrets: payloads Tresor hands back to authorized callers
//! (passphrases, certificates, private keys, opaque blobs). Authorization,
//! tenant isolation and audit happen here, once, for every front door (the
//! native REST API, the CLI and the Barbican-compatible API).
//!
//! Around them, the objects of Barbican's model (see `objects`):
//! containers grouping secrets, orders generating keys and key pairs,
//! consumers, ACLs, quotas and the preferred secret store.
//!
//! Payloads are encrypted under a per-secret data key that the tenant's
//! secrets key (an internal AES-256-GCM key, see [`crypt`]) wraps through
//! the tenant's provider; deleting a secret deletes its wrapped data key and
//! ciphertext, which crypto-shreds it.

mod access;
mod consumers;
mod containers;
mod crypt;
mod keypair;
mod objects;
mod ops;
mod orders;
pub(crate) mod quotas;
mod stores;
mod types;

pub use access::{AclUpdate, MAX_ACL_USERS, ReadAcl};
pub use consumers::{Consumer, ConsumerInfo, MAX_CONSUMER_PAGE};
pub use containers::{
    CONTAINER_TYPES, ContainerFilter, ContainerInfo, ContainerSecret, MAX_CONTAINER_SECRETS,
    NewContainer,
};
pub use objects::{Target, object_id};
pub(crate) use objects::{from_body, to_body, upsert_object};
pub use orders::{NewOrder, ORDER_TYPES, OrderInfo, OrderMeta};
pub use quotas::{Quotas, TenantQuotas};
pub use stores::SecretStoreInfo;
pub use types::{
    EntryChange, MAX_METADATA_ENTRIES, MAX_METADATA_KEY, MAX_METADATA_VALUE, MAX_NAME, MAX_PAYLOAD,
    NewSecret, SECRET_TYPES, SecretInfo, SecretPayload,
};
