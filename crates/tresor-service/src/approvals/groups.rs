//! Approver groups: a named set of principals a key policy can name as
//! `group:<name>` among a quorum's approvers. When a request opens, its
//! rule is expanded to the members at that moment, so later membership
//! changes never change who may answer it.
//!
//! No weakening by one admin: a group that any key policy (or the tenant
//! default) names can only shrink, and only while every quorum naming it
//! still has at least M members; to add people, create a new group and
//! change the policies (which takes their `policy` quorum). An unused group
//! may be changed freely by a tenant admin; a used one cannot be deleted.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use tresor_core::{Action, Caller, Change, ObjectFilter, ObjectKind, ObjectRecord, TenantId};

use super::policy::{KeyPolicy, Rule};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::secrets::{from_body, to_body, upsert_object};

/// How a policy names a group.
pub const GROUP_PREFIX: &str = "group:";
/// Most members of a group.
pub const MAX_MEMBERS: usize = 64;
/// Most key policies scanned for references (per page of the store).
const PAGE: u32 = 1000;

/// A group as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApproverGroup {
    #[serde(default)]
    pub name: String,
    pub members: Vec<String>,
    #[serde(default)]
    pub description: Option<String>,
}

fn check_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "-_.".contains(c));
    if ok {
        Ok(())
    } else {
        Err(ServiceError::invalid(
            "name",
            "1 to 64 of a-z, 0-9, '-', '_', '.'",
        ))
    }
}

fn check_members(members: &[String]) -> Result<()> {
    let bad = |why: &str| Err(ServiceError::invalid("members", why.to_owned()));
    if members.is_empty() || members.len() > MAX_MEMBERS {
        return bad("1 to 64 members");
    }
    if members.iter().collect::<BTreeSet<_>>().len() != members.len() {
        return bad("a member is listed twice");
    }
    if members.iter().any(|m| {
        m.trim().is_empty() || m.len() > 255 || m != m.trim() || m.chars().any(char::is_control)
    }) {
        return bad("members are principal names of 1 to 255 printable bytes");
    }
    if members.iter().any(|m| m.starts_with(GROUP_PREFIX)) {
        return bad("a group cannot contain another group");
    }
    Ok(())
}

/// The group names a rule refers to.
fn groups_in(rule: &Rule) -> impl Iterator<Item = &str> {
    rule.any_of
        .iter()
        .flat_map(|a| &a.all_of)
        .flat_map(|g| &g.approvers)
        .filter_map(|a| a.strip_prefix(GROUP_PREFIX))
}

/// Every rule of a policy.
fn rules(p: &KeyPolicy) -> impl Iterator<Item = &Rule> {
    [&p.use_, &p.manage, &p.destroy, &p.policy]
        .into_iter()
        .filter_map(Option::as_ref)
}

/// The quorums (M) that name `group`: (policy id, required, other
/// explicit approvers).
fn uses_of<'a>(
    id: &'a str,
    p: &'a KeyPolicy,
    group: &'a str,
) -> Vec<(&'a str, u32, BTreeSet<&'a str>)> {
    let tag = format!("{GROUP_PREFIX}{group}");
    rules(p)
        .flat_map(|r| r.any_of.iter().flat_map(|a| &a.all_of))
        .filter(|g| g.approvers.contains(&tag))
        .map(|g| {
            let others = g
                .approvers
                .iter()
                .filter(|a| !a.starts_with(GROUP_PREFIX))
                .map(String::as_str)
                .collect();
            (id, g.required, others)
        })
        .collect()
}

impl Kms {
    /// The policies that can still apply: the tenant default and those of
    /// keys not destroyed (a destroyed key's policy guards nothing).
    async fn all_policies(&self, tenant: &TenantId) -> Result<Vec<(String, KeyPolicy)>> {
        let mut out = Vec::new();
        let mut f = ObjectFilter::of(ObjectKind::KeyPolicy);
        f.limit = PAGE;
        loop {
            let page = self.store().list_objects(tenant, &f).await?;
            let n = page.len();
            for o in page {
                if let Ok(id) = tresor_core::KeyId::parse(&o.id)
                    && self
                        .store()
                        .get_key(tenant, &id)
                        .await?
                        .is_none_or(|k| k.state.is_destroyed())
                {
                    continue;
                }
                out.push((o.id.clone(), from_body::<KeyPolicy>(&o)?));
            }
            if n < PAGE as usize {
                return Ok(out);
            }
            f.offset = f.offset.saturating_add(PAGE);
        }
    }

    async fn load_group(
        &self,
        tenant: &TenantId,
        name: &str,
    ) -> Result<Option<(ObjectRecord, ApproverGroup)>> {
        match self
            .store()
            .get_object(tenant, ObjectKind::ApproverGroup, name)
            .await?
        {
            Some(o) => {
                let mut g: ApproverGroup = from_body(&o)?;
                g.name = o.id.clone();
                Ok(Some((o, g)))
            }
            None => Ok(None),
        }
    }

    /// Creates or replaces a group (tenant admins); see the module docs
    /// for what a group in use allows.
    pub async fn put_approver_group(
        &self,
        caller: &Caller,
        name: &str,
        members: Vec<String>,
        description: Option<String>,
    ) -> Result<ApproverGroup> {
        let (mut op, allowed) = self.begin(caller, Action::ApproverGroupSet);
        op.object(name);
        let result = async {
            allowed?;
            check_name(name)?;
            check_members(&members)?;
            if description.as_ref().is_some_and(|d| d.len() > 1024) {
                return Err(ServiceError::invalid("description", "at most 1024 bytes"));
            }
            let existing = self.load_group(&caller.tenant, name).await?;
            if let Some((_, old)) = &existing {
                let added: Vec<&String> = members.iter().filter(|m| !old.members.contains(m)).collect();
                let mut uses = Vec::new();
                let policies = self.all_policies(&caller.tenant).await?;
                for (id, p) in &policies {
                    uses.extend(uses_of(id, p, name));
                }
                if !uses.is_empty() && !added.is_empty() {
                    return Err(ServiceError::invalid(
                        "members",
                        format!(
                            "group {name} is named by key policies ({}); it can only shrink. To add approvers, create a new group and change those policies (which takes their policy quorum)",
                            uses.iter().map(|u| u.0).collect::<BTreeSet<_>>().into_iter().collect::<Vec<_>>().join(", ")
                        ),
                    ));
                }
                for (id, required, others) in &uses {
                    let n = others.len() + members.iter().filter(|m| !others.contains(m.as_str())).count();
                    if (n as u64) < u64::from(*required) {
                        return Err(ServiceError::invalid(
                            "members",
                            format!("the policy of {id} needs {required} approvals from this group's quorum; it would have only {n} approvers"),
                        ));
                    }
                }
            }
            op.detail("members", members.len());
            let doc = ApproverGroup {
                name: String::new(),
                members,
                description,
            };
            let body = to_body(&doc)?;
            let now = self.now();
            let change = upsert_object(
                existing.map(|(o, _)| o),
                &caller.tenant,
                ObjectKind::ApproverGroup,
                name,
                body,
                &caller.principal,
                now,
            );
            self.commit(&mut op, vec![change]).await?;
            Ok(ApproverGroup {
                name: name.to_owned(),
                ..doc
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// One group.
    pub async fn get_approver_group(&self, caller: &Caller, name: &str) -> Result<ApproverGroup> {
        let (mut op, allowed) = self.begin(caller, Action::ApproverGroupGet);
        op.object(name);
        let result = async {
            allowed?;
            self.load_group(&caller.tenant, name)
                .await?
                .map(|(_, g)| g)
                .ok_or(ServiceError::NotFound {
                    what: "approver group",
                })
        }
        .await;
        self.finish(op, result).await
    }

    /// The tenant's groups.
    pub async fn list_approver_groups(&self, caller: &Caller) -> Result<Vec<ApproverGroup>> {
        let (op, allowed) = self.begin(caller, Action::ApproverGroupGet);
        let result = async {
            allowed?;
            let mut f = ObjectFilter::of(ObjectKind::ApproverGroup);
            f.limit = PAGE;
            let mut out = Vec::new();
            for o in self.store().list_objects(&caller.tenant, &f).await? {
                let mut g: ApproverGroup = from_body(&o)?;
                g.name = o.id.clone();
                out.push(g);
            }
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// Deletes an unused group (tenant admins).
    pub async fn delete_approver_group(&self, caller: &Caller, name: &str) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::ApproverGroupSet);
        op.object(name);
        let result = async {
            allowed?;
            if self.load_group(&caller.tenant, name).await?.is_none() {
                return Err(ServiceError::NotFound {
                    what: "approver group",
                });
            }
            for (id, p) in self.all_policies(&caller.tenant).await? {
                if !uses_of(&id, &p, name).is_empty() {
                    return Err(ServiceError::InUse(
                        "the group is named by a key policy; change the policy first",
                    ));
                }
            }
            op.detail("deleted", true);
            let change = Change::DeleteObject {
                tenant: caller.tenant.clone(),
                kind: ObjectKind::ApproverGroup,
                id: name.to_owned(),
            };
            self.commit(&mut op, vec![change]).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Checks that every group a policy names exists and that each quorum
    /// naming groups has at least M approvers once they are counted.
    pub(crate) async fn check_policy_groups(&self, tenant: &TenantId, p: &KeyPolicy) -> Result<()> {
        for rule in rules(p) {
            if groups_in(rule).next().is_none() {
                continue;
            }
            let expanded = self.expand_rule(tenant, rule).await?;
            for (i, alt) in expanded.any_of.iter().enumerate() {
                for (j, g) in alt.all_of.iter().enumerate() {
                    if g.required as usize > g.approvers.len() {
                        return Err(ServiceError::invalid(
                            "policy",
                            format!(
                                "any_of[{i}].all_of[{j}]: required {} but its groups give only {} approvers",
                                g.required,
                                g.approvers.len()
                            ),
                        ));
                    }
                }
            }
        }
        Ok(())
    }

    /// `rule` with each `group:<name>` replaced by the group's members.
    pub(crate) async fn expand_rule(&self, tenant: &TenantId, rule: &Rule) -> Result<Rule> {
        let mut cache: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut out = rule.clone();
        for alt in &mut out.any_of {
            for g in &mut alt.all_of {
                let mut expanded: Vec<String> = Vec::new();
                for a in &g.approvers {
                    match a.strip_prefix(GROUP_PREFIX) {
                        None => expanded.push(a.clone()),
                        Some(name) => {
                            if !cache.contains_key(name) {
                                let (_, grp) =
                                    self.load_group(tenant, name).await?.ok_or_else(|| {
                                        ServiceError::invalid(
                                            "policy",
                                            format!("approver group {name} does not exist"),
                                        )
                                    })?;
                                cache.insert(name.to_owned(), grp.members);
                            }
                            expanded.extend(cache.get(name).cloned().unwrap_or_default());
                        }
                    }
                }
                let mut seen = BTreeSet::new();
                expanded.retain(|a| seen.insert(a.clone()));
                g.approvers = expanded;
            }
        }
        Ok(out)
    }
}
