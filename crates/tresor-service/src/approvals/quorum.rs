//! Whether a set of approvals meets a rule. Each approver counts once per
//! alternative: approvers are matched to the slots of the alternative's
//! groups (M slots per group), so one person in two groups cannot fill
//! both.

use tresor_core::Timestamp;

use super::policy::{Alternative, Rule};

/// A rule met: which alternative, and when execution may happen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Met {
    pub alternative: usize,
    pub executable_at: Timestamp,
}

/// Whether `principal` may approve for a group with these `approvers`.
fn eligible(approvers: &[String], principal: &str) -> bool {
    approvers.iter().any(|a| a == principal)
}

/// Whether `principal` is an approver anywhere in `rule`.
pub(crate) fn is_approver(rule: &Rule, principal: &str) -> bool {
    rule.any_of
        .iter()
        .flat_map(|a| &a.all_of)
        .any(|g| eligible(&g.approvers, principal))
}

/// One counted approval: who, and whether it was signed.
pub(crate) type Voter<'a> = (&'a str, bool);

/// Whether `principal` may approve for a group that requires a signature
/// only through signed approvals.
pub(crate) fn needs_signature(rule: &Rule, principal: &str) -> bool {
    let mut groups = rule
        .any_of
        .iter()
        .flat_map(|a| &a.all_of)
        .filter(|g| eligible(&g.approvers, principal))
        .peekable();
    groups.peek().is_some() && groups.all(|g| g.require_signature)
}

/// Whether distinct `voters` can fill every slot of `alt`.
fn satisfies(alt: &Alternative, voters: &[Voter<'_>]) -> bool {
    // Slots: one per required approval of each group.
    let slots: Vec<usize> = alt
        .all_of
        .iter()
        .enumerate()
        .flat_map(|(i, g)| std::iter::repeat_n(i, g.required as usize))
        .collect();
    if slots.len() > voters.len() {
        return false;
    }
    let mut slot_owner: Vec<Option<usize>> = vec![None; slots.len()];
    let can = |v: usize, s: usize| {
        let g = &alt.all_of[slots[s]];
        eligible(&g.approvers, voters[v].0) && (voters[v].1 || !g.require_signature)
    };
    fn augment(
        v: usize,
        seen: &mut [bool],
        owner: &mut [Option<usize>],
        can: &dyn Fn(usize, usize) -> bool,
    ) -> bool {
        for s in 0..owner.len() {
            if seen[s] || !can(v, s) {
                continue;
            }
            seen[s] = true;
            if owner[s].is_none_or(|w| augment(w, seen, owner, can)) {
                owner[s] = Some(v);
                return true;
            }
        }
        false
    }
    let mut filled = 0;
    for v in 0..voters.len() {
        let mut seen = vec![false; slots.len()];
        if augment(v, &mut seen, &mut slot_owner, &can) {
            filled += 1;
        }
    }
    filled == slots.len()
}

/// The first moment `approvals` (principal, time, signed; in time order)
/// meet `rule`, and when the met alternative's timelocks allow execution.
pub(crate) fn evaluate(rule: &Rule, approvals: &[(String, Timestamp, bool)]) -> Option<Met> {
    for n in 1..=approvals.len() {
        let voters: Vec<Voter<'_>> = approvals[..n]
            .iter()
            .map(|(p, _, signed)| (p.as_str(), *signed))
            .collect();
        let at = approvals[n - 1].1;
        for (i, alt) in rule.any_of.iter().enumerate() {
            if satisfies(alt, &voters) {
                let lock = alt
                    .all_of
                    .iter()
                    .map(|g| g.timelock_secs)
                    .max()
                    .unwrap_or(0);
                return Some(Met {
                    alternative: i,
                    executable_at: at.plus_seconds(i64::try_from(lock).unwrap_or(i64::MAX)),
                });
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::policy::{DEFAULT_TIMEOUT_SECS, QuorumGroup};
    use super::*;

    fn group(m: u32, who: &[&str], lock: u64) -> QuorumGroup {
        QuorumGroup {
            name: String::new(),
            required: m,
            approvers: who.iter().map(|s| s.to_string()).collect(),
            timelock_secs: lock,
            timeout_secs: DEFAULT_TIMEOUT_SECS,
            require_signature: false,
        }
    }

    fn votes(who: &[&str]) -> Vec<(String, Timestamp, bool)> {
        who.iter()
            .enumerate()
            .map(|(i, p)| {
                (
                    p.to_string(),
                    Timestamp::from_unix_micros((1000 + i as i64) * 1_000_000),
                    false,
                )
            })
            .collect()
    }

    #[test]
    fn one_person_fills_one_slot() {
        // a is in both groups; a alone cannot meet "1 of {a,b} AND 1 of {a,c}".
        let rule = Rule {
            any_of: vec![Alternative {
                all_of: vec![group(1, &["a", "b"], 0), group(1, &["a", "c"], 60)],
            }],
        };
        assert_eq!(evaluate(&rule, &votes(&["a"])), None);
        let met = evaluate(&rule, &votes(&["a", "b"])).unwrap();
        // Met at b's vote (t=1001), plus the 60 s timelock.
        assert_eq!(
            met.executable_at,
            Timestamp::from_unix_micros(1061 * 1_000_000)
        );
        // The matching finds the assignment even when the greedy one fails.
        assert!(evaluate(&rule, &votes(&["a", "c"])).is_some());
    }

    #[test]
    fn alternatives() {
        let rule = Rule {
            any_of: vec![
                Alternative {
                    all_of: vec![group(2, &["a", "b", "c"], 0)],
                },
                Alternative {
                    all_of: vec![group(1, &["x"], 0)],
                },
            ],
        };
        assert_eq!(evaluate(&rule, &votes(&["a"])), None);
        assert_eq!(evaluate(&rule, &votes(&["a", "x"])).unwrap().alternative, 1);
        assert_eq!(evaluate(&rule, &votes(&["c", "a"])).unwrap().alternative, 0);
        assert!(is_approver(&rule, "x"));
        assert!(!is_approver(&rule, "z"));
    }

    #[test]
    fn signed_groups_count_signed_votes_only() {
        let mut g = group(1, &["a", "b"], 0);
        g.require_signature = true;
        let rule = Rule {
            any_of: vec![Alternative { all_of: vec![g] }],
        };
        let mut v = votes(&["a"]);
        assert_eq!(evaluate(&rule, &v), None);
        assert!(needs_signature(&rule, "a"));
        v[0].2 = true;
        assert!(evaluate(&rule, &v).is_some());
    }
}
