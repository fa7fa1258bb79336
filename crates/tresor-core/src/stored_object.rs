//! Secret-store objects besides secrets themselves: containers, orders,
//! consumers, access-control lists, quotas and per-tenant preferences. Each
//! is a small typed document the service serializes to JSON; the store keeps
//! it with the columns it is found by (kind, id, parent, name, subtype).
//! None of them holds key material or payloads — only references.

use crate::ids::TenantId;
use crate::time::Timestamp;

/// What an object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ObjectKind {
    /// A named group of secret references (generic, rsa, certificate).
    Container,
    /// A request to generate a key or key pair (kept as its result).
    Order,
    /// A service registered as using a secret or container (its `parent`).
    Consumer,
    /// Who may read a secret or container (its `parent`, which is also its id).
    Acl,
    /// The tenant's quotas (one object, id `quotas`).
    Quota,
    /// A tenant setting such as the preferred secret store.
    Preference,
    /// A provider registered at run time (deployment-wide: kept under the
    /// platform tenant, id = the provider id).
    ProviderConfig,
    /// A key's dual-control policy (id = the key id; `default` = the
    /// tenant's policy for new keys).
    KeyPolicy,
    /// How often a key with an operation limit has been used (id = key id).
    KeyUsage,
    /// A request waiting for M-of-N approval (parent = the key id, subtype =
    /// its state).
    ApprovalRequest,
    /// A named set of approvers a key policy can refer to (id = its name).
    ApproverGroup,
    /// An approver's registered public key for signed approvals (id = the
    /// principal).
    ApproverKey,
    /// The tenant's crypto policy (one object, id `crypto-policy`).
    CryptoPolicy,
    /// A person who signs in to the console (deployment-wide: kept under
    /// the platform tenant, id = the user name).
    User,
    /// A signed-in session (platform tenant; id = SHA-256 of its token,
    /// parent = the user name).
    Session,
}

impl ObjectKind {
    /// Every kind, in a stable order.
    pub const ALL: [ObjectKind; 15] = [
        ObjectKind::Container,
        ObjectKind::Order,
        ObjectKind::Consumer,
        ObjectKind::Acl,
        ObjectKind::Quota,
        ObjectKind::Preference,
        ObjectKind::ProviderConfig,
        ObjectKind::KeyPolicy,
        ObjectKind::KeyUsage,
        ObjectKind::ApprovalRequest,
        ObjectKind::ApproverGroup,
        ObjectKind::ApproverKey,
        ObjectKind::CryptoPolicy,
        ObjectKind::User,
        ObjectKind::Session,
    ];

    /// Stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Container => "container",
            ObjectKind::Order => "order",
            ObjectKind::Consumer => "consumer",
            ObjectKind::Acl => "acl",
            ObjectKind::Quota => "quota",
            ObjectKind::Preference => "preference",
            ObjectKind::ProviderConfig => "provider",
            ObjectKind::KeyPolicy => "key_policy",
            ObjectKind::KeyUsage => "key_usage",
            ObjectKind::ApprovalRequest => "approval_request",
            ObjectKind::ApproverGroup => "approver_group",
            ObjectKind::ApproverKey => "approver_key",
            ObjectKind::CryptoPolicy => "crypto_policy",
            ObjectKind::User => "user",
            ObjectKind::Session => "session",
        }
    }

    /// Parses a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Longest object id, parent, name or subtype in bytes.
pub const MAX_OBJECT_FIELD: usize = 255;

/// A stored object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectRecord {
    pub tenant: TenantId,
    pub kind: ObjectKind,
    /// Unique per tenant and kind.
    pub id: String,
    /// The object this one belongs to (deleted with it).
    pub parent: Option<String>,
    pub name: Option<String>,
    /// E.g. the container or order type.
    pub subtype: Option<String>,
    /// The typed document, as JSON.
    pub body: String,
    pub created_by: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Optimistic concurrency counter, incremented by every update.
    pub revision: u64,
}

/// Which of a tenant's objects to list or count.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectFilter {
    pub kind: ObjectKind,
    pub parent: Option<String>,
    /// Exact name.
    pub name: Option<String>,
    pub subtype: Option<String>,
    /// Objects to skip (in creation order).
    pub offset: u32,
    /// 0: the default (100); at most 1000. Ignored by counting.
    pub limit: u32,
}

impl ObjectFilter {
    /// Every object of `kind` (first page).
    pub fn of(kind: ObjectKind) -> Self {
        Self {
            kind,
            parent: None,
            name: None,
            subtype: None,
            offset: 0,
            limit: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in ObjectKind::ALL {
            assert_eq!(ObjectKind::parse(k.as_str()), Some(k));
        }
        assert_eq!(ObjectKind::parse("secret"), None);
    }
}
