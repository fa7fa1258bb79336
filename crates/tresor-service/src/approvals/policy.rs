//! A key's dual-control policy: one rule per action class. A rule is any of
//! several alternatives (OR); an alternative needs all of its groups (AND);
//! a group is a quorum of M named approvers out of N, with an optional
//! timelock (earliest execution after the quorum is met) and a timeout
//! (the request expires).

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tresor_core::{Action, KeyRecord};

use super::limits::UsageLimits;
use crate::error::{Result, ServiceError};

/// Most alternatives per rule, groups per alternative, approvers per group.
const MAX_ALTERNATIVES: usize = 8;
const MAX_GROUPS: usize = 8;
const MAX_APPROVERS: usize = 64;
const MAX_NAME: usize = 256;
/// Default request timeout: one day.
pub const DEFAULT_TIMEOUT_SECS: u64 = 86_400;
/// Longest timeout or timelock: 30 days.
const MAX_WAIT_SECS: u64 = 30 * 86_400;

/// What kind of thing an operation does to a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionClass {
    /// Encrypt, decrypt, sign, unwrap, MAC, agree, decapsulate, issue.
    Use,
    /// Rotate, update attributes, export, enable/disable, revoke.
    Manage,
    /// Schedule or perform destruction.
    Destroy,
    /// Changing the policy itself.
    Policy,
}

impl ActionClass {
    /// Every class, in a stable order.
    pub const ALL: [ActionClass; 4] = [
        ActionClass::Use,
        ActionClass::Manage,
        ActionClass::Destroy,
        ActionClass::Policy,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActionClass::Use => "use",
            ActionClass::Manage => "manage",
            ActionClass::Destroy => "destroy",
            ActionClass::Policy => "policy",
        }
    }

    /// The class of a key mutation, `None` for actions no rule governs
    /// (the scheduler's own work, reads).
    pub fn of_mutation(action: Action) -> Option<Self> {
        use Action::*;
        match action {
            KeyRotate | KeyUpdate | KeyEnable | KeyDisable | KeyRevoke | KeyVersionEnable
            | KeyVersionDisable | KeyReplace | KeyCancelDestroy | KeyExport => {
                Some(ActionClass::Manage)
            }
            KeyScheduleDestroy | KeyDestroy => Some(ActionClass::Destroy),
            KeyPolicySet => Some(ActionClass::Policy),
            _ => None,
        }
    }
}

/// Quorum of named approvers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuorumGroup {
    /// Label shown to approvers.
    #[serde(default)]
    pub name: String,
    /// M: approvals needed.
    pub required: u32,
    /// N: the principals that may approve (`api-key:…`, `cert:CN=…`).
    pub approvers: Vec<String>,
    /// Seconds between meeting the quorum and execution.
    #[serde(default)]
    pub timelock_secs: u64,
    /// Seconds after which a request expires (default one day).
    #[serde(default = "default_timeout")]
    pub timeout_secs: u64,
    /// Count only approvals signed with the approver's registered key.
    #[serde(default)]
    pub require_signature: bool,
}

fn default_timeout() -> u64 {
    DEFAULT_TIMEOUT_SECS
}

/// All of these groups.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alternative {
    pub all_of: Vec<QuorumGroup>,
}

/// Any of these alternatives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub any_of: Vec<Alternative>,
}

/// One rule per action class; a class without a rule needs no approval.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyPolicy {
    #[serde(default, rename = "use", skip_serializing_if = "Option::is_none")]
    pub use_: Option<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage: Option<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub destroy: Option<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<Rule>,
    /// Limits on use (operations, window, networks, count).
    #[serde(default, skip_serializing_if = "UsageLimits::is_empty")]
    pub limits: UsageLimits,
}

impl KeyPolicy {
    /// The rule for `class`.
    pub fn rule(&self, class: ActionClass) -> Option<&Rule> {
        match class {
            ActionClass::Use => self.use_.as_ref(),
            ActionClass::Manage => self.manage.as_ref(),
            ActionClass::Destroy => self.destroy.as_ref(),
            ActionClass::Policy => self.policy.as_ref(),
        }
    }

    /// The classes that have a rule, as the key's marker tag value
    /// (`use,destroy`), or `None` for an empty policy.
    pub fn marker(&self) -> Option<String> {
        let classes: Vec<&str> = ActionClass::ALL
            .into_iter()
            .filter(|c| self.rule(*c).is_some())
            .map(ActionClass::as_str)
            .collect();
        (!classes.is_empty()).then(|| classes.join(","))
    }

    /// Refuses malformed policies, naming the offending place.
    pub fn validate(&self) -> Result<()> {
        for class in ActionClass::ALL {
            if let Some(rule) = self.rule(class) {
                validate_rule(class, rule)?;
            }
        }
        self.limits.validate()
    }

    /// Whether every way to satisfy `self` also satisfies `old`, class by
    /// class: then moving from `old` to `self` only tightens.
    pub fn at_least_as_strict_as(&self, old: &KeyPolicy) -> bool {
        self.limits.at_least_as_strict_as(&old.limits)
            && ActionClass::ALL
                .into_iter()
                .all(|c| match (old.rule(c), self.rule(c)) {
                    (None, _) => true,
                    (Some(_), None) => false,
                    (Some(o), Some(n)) => rule_implies(n, o),
                })
    }
}

/// Whether the key carries a policy rule for `class` (from its marker tag).
pub(crate) fn key_has_rule(key: &KeyRecord, class: ActionClass) -> bool {
    key.tags
        .get(super::POLICY_TAG)
        .is_some_and(|m| m.split(',').any(|c| c == class.as_str()))
}

fn validate_rule(class: ActionClass, rule: &Rule) -> Result<()> {
    let bad = |why: String| ServiceError::invalid("policy", format!("{}: {why}", class.as_str()));
    if rule.any_of.is_empty() || rule.any_of.len() > MAX_ALTERNATIVES {
        return Err(bad(format!(
            "any_of needs 1 to {MAX_ALTERNATIVES} alternatives"
        )));
    }
    for (i, alt) in rule.any_of.iter().enumerate() {
        if alt.all_of.is_empty() || alt.all_of.len() > MAX_GROUPS {
            return Err(bad(format!(
                "any_of[{i}].all_of needs 1 to {MAX_GROUPS} groups"
            )));
        }
        for (j, g) in alt.all_of.iter().enumerate() {
            let at = format!("any_of[{i}].all_of[{j}]");
            if g.approvers.is_empty() || g.approvers.len() > MAX_APPROVERS {
                return Err(bad(format!("{at}: 1 to {MAX_APPROVERS} approvers")));
            }
            let distinct: BTreeSet<&String> = g.approvers.iter().collect();
            if distinct.len() != g.approvers.len() {
                return Err(bad(format!("{at}: an approver is listed twice")));
            }
            if g.approvers
                .iter()
                .any(|a| a.trim().is_empty() || a.len() > MAX_NAME || a != a.trim())
            {
                return Err(bad(format!(
                    "{at}: approver names must be 1 to {MAX_NAME} bytes"
                )));
            }
            // With `group:` entries, N is known only once the groups are
            // read (the service checks it when the policy is set).
            let has_groups = g.approvers.iter().any(|a| a.starts_with("group:"));
            if g.required == 0 || (!has_groups && g.required as usize > g.approvers.len()) {
                return Err(bad(format!(
                    "{at}: required must be between 1 and the number of approvers"
                )));
            }
            if g.name.len() > MAX_NAME {
                return Err(bad(format!("{at}: name too long")));
            }
            if g.timelock_secs > MAX_WAIT_SECS
                || g.timeout_secs == 0
                || g.timeout_secs > MAX_WAIT_SECS
            {
                return Err(bad(format!(
                    "{at}: timelock and timeout must be at most 30 days (timeout at least 1 s)"
                )));
            }
        }
    }
    Ok(())
}

/// `new` implies `old` when each of its alternatives is at least as strict
/// as one of `old`'s: for each group of that old alternative, the new one
/// has a group drawn from a subset of its approvers that needs at least as
/// many approvals and waits at least as long.
fn rule_implies(new: &Rule, old: &Rule) -> bool {
    new.any_of.iter().all(|na| {
        old.any_of.iter().any(|oa| {
            oa.all_of.iter().all(|og| {
                na.all_of.iter().any(|ng| {
                    ng.required >= og.required
                        && ng.timelock_secs >= og.timelock_secs
                        && (ng.require_signature || !og.require_signature)
                        && ng.approvers.iter().all(|a| og.approvers.contains(a))
                })
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn group(m: u32, who: &[&str]) -> QuorumGroup {
        QuorumGroup {
            name: String::new(),
            required: m,
            approvers: who.iter().map(|s| s.to_string()).collect(),
            timelock_secs: 0,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            require_signature: false,
        }
    }

    fn rule(alts: Vec<Vec<QuorumGroup>>) -> Rule {
        Rule {
            any_of: alts
                .into_iter()
                .map(|all_of| Alternative { all_of })
                .collect(),
        }
    }

    #[test]
    fn validation_names_the_problem() {
        let mut p = KeyPolicy {
            destroy: Some(rule(vec![vec![group(3, &["a", "b"])]])),
            ..Default::default()
        };
        let e = p.validate().unwrap_err().to_string();
        assert!(e.contains("destroy") && e.contains("required"), "{e}");
        p.destroy = Some(rule(vec![vec![group(1, &["a", "a"])]]));
        assert!(p.validate().unwrap_err().to_string().contains("twice"));
        p.destroy = Some(rule(vec![]));
        assert!(p.validate().is_err());
        p.destroy = Some(rule(vec![vec![group(2, &["a", "b", "c"])]]));
        p.validate().unwrap();
        assert_eq!(p.marker().as_deref(), Some("destroy"));
    }

    #[test]
    fn strictness_comparison() {
        let base = KeyPolicy {
            destroy: Some(rule(vec![vec![group(2, &["a", "b", "c"])]])),
            ..Default::default()
        };
        // More approvals needed: tighter.
        let more = KeyPolicy {
            destroy: Some(rule(vec![vec![group(3, &["a", "b", "c"])]])),
            ..Default::default()
        };
        assert!(more.at_least_as_strict_as(&base));
        assert!(!base.at_least_as_strict_as(&more));
        // A new rule for another class: tighter.
        let extra = KeyPolicy {
            use_: Some(rule(vec![vec![group(1, &["a"])]])),
            ..base.clone()
        };
        assert!(extra.at_least_as_strict_as(&base));
        // Dropping a rule, adding an alternative or an approver: looser.
        assert!(!KeyPolicy::default().at_least_as_strict_as(&base));
        let alt = KeyPolicy {
            destroy: Some(rule(vec![
                vec![group(2, &["a", "b", "c"])],
                vec![group(1, &["d"])],
            ])),
            ..Default::default()
        };
        assert!(!alt.at_least_as_strict_as(&base));
        let wider = KeyPolicy {
            destroy: Some(rule(vec![vec![group(2, &["a", "b", "c", "d"])]])),
            ..Default::default()
        };
        assert!(!wider.at_least_as_strict_as(&base));
        // Adding a second group to the alternative (AND): tighter.
        let and = KeyPolicy {
            destroy: Some(rule(vec![vec![
                group(2, &["a", "b", "c"]),
                group(1, &["x"]),
            ]])),
            ..Default::default()
        };
        assert!(and.at_least_as_strict_as(&base));
    }
}
