//! What a committed change makes stale, and its wire form on the
//! invalidation bus (a short text message, `PG NOTIFY` or Redis `PUBLISH`).

use tresor_core::{Change, KeyId, TenantId};

/// The channel name on PostgreSQL and Redis.
pub const CHANNEL: &str = "tresor_cache";

/// One thing every node must drop from its caches.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Invalidation {
    /// A key's metadata and versions.
    Key { tenant: TenantId, id: KeyId },
    /// Every cached API key (revocations name the key by id, the cache by
    /// token hash; revocations are rare).
    ApiKeys,
    /// The certificate mappings of one subject CN.
    Cert { subject_cn: String },
    /// A tenant.
    Tenant(TenantId),
    /// Everything (a change the cache does not know, or a lost bus).
    All,
}

impl Invalidation {
    /// What `change` makes stale, if anything. Creations make nothing
    /// stale: the cache never remembers that something is absent.
    pub fn of(change: &Change) -> Option<Self> {
        Some(match change {
            Change::CreateTenant(_)
            | Change::CreateKey(_)
            | Change::CreateApiKey(_)
            | Change::PutCheckpoint(_) => return None,
            Change::UpdateKey { key, .. } => Self::Key {
                tenant: key.tenant.clone(),
                id: key.id,
            },
            Change::CreateVersion(v) | Change::UpdateVersion(v) => Self::Key {
                tenant: v.tenant.clone(),
                id: v.key_id,
            },
            Change::RevokeApiKey { .. } => Self::ApiKeys,
            Change::UpsertCertPrincipal(p) => Self::Cert {
                subject_cn: p.subject_cn.clone(),
            },
            Change::DeleteCertPrincipal { subject_cn, .. } => Self::Cert {
                subject_cn: subject_cn.clone(),
            },
            _ => Self::All,
        })
    }

    /// The message text (`k <tenant> <key>`, `a`, `c <cn>`, `t <tenant>`, `*`).
    pub fn encode(&self) -> String {
        match self {
            Self::Key { tenant, id } => format!("k {} {id}", tenant.as_str()),
            Self::ApiKeys => "a".into(),
            Self::Cert { subject_cn } => format!("c {subject_cn}"),
            Self::Tenant(t) => format!("t {}", t.as_str()),
            Self::All => "*".into(),
        }
    }

    /// Parses a message; anything unreadable means "drop everything".
    pub fn decode(text: &str) -> Self {
        let parsed = match text.split_once(' ') {
            None if text == "a" => Some(Self::ApiKeys),
            Some(("k", rest)) => rest.split_once(' ').and_then(|(t, k)| {
                Some(Self::Key {
                    tenant: TenantId::parse(t).ok()?,
                    id: KeyId::parse(k).ok()?,
                })
            }),
            Some(("c", cn)) => Some(Self::Cert {
                subject_cn: cn.to_owned(),
            }),
            Some(("t", t)) => TenantId::parse(t).ok().map(Self::Tenant),
            _ => None,
        };
        parsed.unwrap_or(Self::All)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn messages_round_trip() {
        let tenant = TenantId::parse("acme").unwrap();
        for m in [
            Invalidation::Key {
                tenant: tenant.clone(),
                id: KeyId::generate(),
            },
            Invalidation::ApiKeys,
            Invalidation::Cert {
                subject_cn: "svc one.example".into(),
            },
            Invalidation::Tenant(tenant),
            Invalidation::All,
        ] {
            assert_eq!(Invalidation::decode(&m.encode()), m);
        }
        assert_eq!(Invalidation::decode("k acme not-a-key"), Invalidation::All);
        assert_eq!(Invalidation::decode(""), Invalidation::All);
    }
}
