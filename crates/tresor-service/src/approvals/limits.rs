//! Usage limits of a key policy: which operations, from when until when,
//! from which networks, and how many times. A key with limits carries them
//! in the reserved tag [`LIMITS_TAG`], so keys without limits pay nothing
//! and the window, operation and network checks need no extra read. The
//! operation count lives in its own object, incremented (revision-checked)
//! before each use; the use that reaches the maximum deactivates the key.

use std::collections::BTreeSet;
use std::net::IpAddr;

use ipnet::IpNet;
use serde::{Deserialize, Serialize};
use tresor_core::{
    Action, Caller, KeyRecord, KeyState, ObjectKind, Operation, Timestamp, Transition,
};

use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::op::Op;
use crate::secrets::upsert_object;

/// The reserved tag holding a key's limits (compact JSON).
pub const LIMITS_TAG: &str = "tresor:limits";
/// Most networks in a limit.
const MAX_NETWORKS: usize = 64;
/// Tries of the revision-checked count increment under contention.
const COUNT_TRIES: usize = 16;

/// Limits on a key's use. Empty fields limit nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UsageLimits {
    /// The only operations allowed (a subset of the key's own).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub operations: Option<BTreeSet<Operation>>,
    /// After this many uses the key deactivates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_operations: Option<u64>,
    /// RFC 3339: no use before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<String>,
    /// RFC 3339: no use after.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_after: Option<String>,
    /// Callers must come from one of these networks (CIDR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub networks: Option<Vec<String>>,
}

impl UsageLimits {
    /// Whether nothing is limited.
    pub fn is_empty(&self) -> bool {
        *self == UsageLimits::default()
    }

    /// Refuses malformed limits, naming the field.
    pub fn validate(&self) -> Result<()> {
        let bad =
            |f: &str, why: &str| ServiceError::invalid("policy", format!("limits.{f}: {why}"));
        if self.operations.as_ref().is_some_and(BTreeSet::is_empty) {
            return Err(bad("operations", "must name at least one operation"));
        }
        if self.max_operations == Some(0) {
            return Err(bad("max_operations", "must be at least 1"));
        }
        let nb = parse_time(&self.not_before).map_err(|_| bad("not_before", "not RFC 3339"))?;
        let na = parse_time(&self.not_after).map_err(|_| bad("not_after", "not RFC 3339"))?;
        if let (Some(a), Some(b)) = (nb, na)
            && a >= b
        {
            return Err(bad("not_after", "must be after not_before"));
        }
        if let Some(nets) = &self.networks {
            if nets.is_empty() || nets.len() > MAX_NETWORKS {
                return Err(bad("networks", "1 to 64 CIDR networks"));
            }
            for n in nets {
                n.parse::<IpNet>()
                    .map_err(|_| bad("networks", &format!("{n:?} is not a CIDR network")))?;
            }
        }
        Ok(())
    }

    /// Whether `self` allows no more than `old`.
    pub fn at_least_as_strict_as(&self, old: &UsageLimits) -> bool {
        fn narrower<T: PartialOrd>(
            new: Option<T>,
            old: Option<T>,
            tighter: fn(&T, &T) -> bool,
        ) -> bool {
            match (new, old) {
                (_, None) => true,
                (None, Some(_)) => false,
                (Some(n), Some(o)) => tighter(&n, &o),
            }
        }
        let nb_new = parse_time(&self.not_before).ok().flatten();
        let nb_old = parse_time(&old.not_before).ok().flatten();
        let na_new = parse_time(&self.not_after).ok().flatten();
        let na_old = parse_time(&old.not_after).ok().flatten();
        narrower(self.operations.as_ref(), old.operations.as_ref(), |n, o| {
            n.is_subset(o)
        }) && narrower(self.max_operations, old.max_operations, |n, o| n <= o)
            && narrower(nb_new, nb_old, |n, o| n >= o)
            && narrower(na_new, na_old, |n, o| n <= o)
            && narrower(self.networks.as_ref(), old.networks.as_ref(), |n, o| {
                n.iter().all(|x| o.contains(x))
            })
    }
}

fn parse_time(s: &Option<String>) -> std::result::Result<Option<Timestamp>, ()> {
    match s {
        None => Ok(None),
        Some(s) => Timestamp::parse_rfc3339(s).map(Some).ok_or(()),
    }
}

fn refused(why: String) -> ServiceError {
    ServiceError::LimitReached(why)
}

/// The count document.
#[derive(Debug, Default, Serialize, Deserialize)]
struct UsageCount {
    used: u64,
}

impl Kms {
    /// How many counted uses `key` has had (0 for keys without a count).
    pub async fn key_usage(&self, caller: &Caller, key: &crate::KeyRef) -> Result<u64> {
        let (mut op, allowed) = self.begin(caller, tresor_core::Action::KeyPolicyGet);
        op.object(key);
        let result = async {
            allowed?;
            let k = self.load_key(&caller.tenant, key).await?;
            op.object(k.id);
            match self
                .store()
                .get_object(&k.tenant, ObjectKind::KeyUsage, &k.id.to_string())
                .await?
            {
                Some(o) => Ok(crate::secrets::from_body::<UsageCount>(&o)?.used),
                None => Ok(0),
            }
        }
        .await;
        self.finish(op, result).await
    }

    /// Enforces `key`'s usage limits for a use by `caller` (and counts it).
    pub(crate) async fn check_limits(
        &self,
        caller: &Caller,
        key: &KeyRecord,
        operation: Operation,
    ) -> Result<()> {
        let Some(raw) = key.tags.get(LIMITS_TAG) else {
            return Ok(());
        };
        let limits: UsageLimits =
            serde_json::from_str(raw).map_err(|_| ServiceError::Internal("key limits"))?;
        if let Some(ops) = &limits.operations
            && !ops.contains(&operation)
        {
            return Err(ServiceError::OperationNotAllowed(operation.as_str()));
        }
        let now = self.now();
        if let Ok(Some(nb)) = parse_time(&limits.not_before)
            && now < nb
        {
            return Err(refused(format!(
                "the key may not be used before {}",
                nb.to_rfc3339()
            )));
        }
        if let Ok(Some(na)) = parse_time(&limits.not_after)
            && now > na
        {
            return Err(refused(format!(
                "the key may not be used after {}",
                na.to_rfc3339()
            )));
        }
        if let Some(nets) = &limits.networks {
            let from: Option<IpAddr> = caller.source.as_deref().and_then(|s| s.parse().ok());
            let inside = from.is_some_and(|ip| {
                nets.iter()
                    .filter_map(|n| n.parse::<IpNet>().ok())
                    .any(|n| n.contains(&ip))
            });
            if !inside {
                return Err(refused("the caller's network may not use this key".into()));
            }
        }
        if let Some(max) = limits.max_operations {
            self.count_use(caller, key, max).await?;
        }
        Ok(())
    }

    /// Counts one use; refuses past `max`; deactivates the key on the last.
    async fn count_use(&self, caller: &Caller, key: &KeyRecord, max: u64) -> Result<()> {
        let id = key.id.to_string();
        for _ in 0..COUNT_TRIES {
            let existing = self
                .store()
                .get_object(&key.tenant, ObjectKind::KeyUsage, &id)
                .await?;
            let used = match &existing {
                Some(o) => crate::secrets::from_body::<UsageCount>(o)?.used,
                None => 0,
            };
            if used >= max {
                return Err(refused(format!(
                    "the key's limit of {max} operations is used up"
                )));
            }
            let body = serde_json::to_string(&UsageCount { used: used + 1 })
                .map_err(|_| ServiceError::Internal("usage count"))?;
            let now = self.now();
            let change = upsert_object(
                existing,
                &key.tenant,
                ObjectKind::KeyUsage,
                &id,
                body,
                &caller.principal,
                now,
            );
            match self.store().commit(vec![change], vec![]).await {
                Ok(_) => {
                    if used + 1 == max {
                        self.deactivate_exhausted(key).await?;
                    }
                    return Ok(());
                }
                Err(tresor_core::StoreError::Conflict | tresor_core::StoreError::Duplicate) => {}
                Err(e) => return Err(e.into()),
            }
        }
        Err(ServiceError::Conflict)
    }

    /// Deactivates a key whose operation limit is used up (as the system).
    async fn deactivate_exhausted(&self, key: &KeyRecord) -> Result<()> {
        let Some(k) = self.store().get_key(&key.tenant, &key.id).await? else {
            return Ok(());
        };
        if k.state != KeyState::Active {
            return Ok(());
        }
        let system = Caller::system(k.tenant.clone());
        let mut op = Op::new(&system, Action::KeyRevoke);
        op.object(k.id);
        op.detail("reason", "usage_limit");
        let result = async {
            let mut new = k.clone();
            new.state = k.state.apply(Transition::Deactivate)?;
            let now = self.now();
            new.deactivated_at = Some(now);
            new.updated_at = now;
            self.save_key(&mut op, &k, new, vec![]).await.map(|_| ())
        }
        .await;
        self.finish(op, result).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_and_strictness() {
        let mut l = UsageLimits {
            max_operations: Some(10),
            networks: Some(vec!["10.0.0.0/8".into()]),
            not_after: Some("2030-01-01T00:00:00Z".into()),
            ..Default::default()
        };
        l.validate().unwrap();
        let tighter = UsageLimits {
            max_operations: Some(5),
            ..l.clone()
        };
        assert!(tighter.at_least_as_strict_as(&l));
        assert!(!l.at_least_as_strict_as(&tighter));
        assert!(!UsageLimits::default().at_least_as_strict_as(&l));
        assert!(l.at_least_as_strict_as(&UsageLimits::default()));
        l.networks = Some(vec!["10.0.0.0/33".into()]);
        assert!(l.validate().unwrap_err().to_string().contains("networks"));
        l.networks = None;
        l.not_before = Some("2031-01-01T00:00:00Z".into());
        assert!(l.validate().unwrap_err().to_string().contains("not_after"));
    }
}
