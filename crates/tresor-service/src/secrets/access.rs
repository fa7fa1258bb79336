//! Access-control lists on secrets and containers (Barbican's ACLs), kept
//! inside the tenant: an ACL names principals of the same tenant who may
//! read the object, and whether the tenant's other users may
//! (`project_access`, default true).
//!
//! Who may read a secret or container:
//! - admins of the tenant (and platform admins), always;
//! - principals listed in its ACL, whatever their role (so a read-only
//!   principal can be granted one secret);
//! - its creator, with a role that may read;
//! - any other principal with a role that may read, unless the ACL turned
//!   `project_access` off.
//!
//! Only the object's creator or an admin may change its ACL.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use tresor_core::{Action, Caller, Change, ObjectKind, Role, Timestamp};

use super::objects::{NewObject, Target, from_body, to_body};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;

/// Most principals in one ACL.
pub const MAX_ACL_USERS: usize = 100;
/// Longest principal name in an ACL.
const MAX_USER: usize = 255;

/// The read ACL of a secret or container.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadAcl {
    pub project_access: bool,
    pub users: BTreeSet<String>,
    /// `None` for the default ACL (never set).
    pub created_at: Option<Timestamp>,
    pub updated_at: Option<Timestamp>,
}

impl Default for ReadAcl {
    fn default() -> Self {
        Self {
            project_access: true,
            users: BTreeSet::new(),
            created_at: None,
            updated_at: None,
        }
    }
}

/// A change to an ACL: `None` fields keep their value when merging
/// (PATCH) and take the default when replacing (PUT).
#[derive(Debug, Clone, Default)]
pub struct AclUpdate {
    pub project_access: Option<bool>,
    pub users: Option<Vec<String>>,
}

fn check_users(users: &[String]) -> Result<()> {
    if users.len() > MAX_ACL_USERS {
        return Err(ServiceError::invalid(
            "users",
            format!("at most {MAX_ACL_USERS} principals"),
        ));
    }
    if users
        .iter()
        .any(|u| u.is_empty() || u.len() > MAX_USER || u.chars().any(char::is_control))
    {
        return Err(ServiceError::invalid(
            "users",
            format!("principal names are 1-{MAX_USER} bytes without control characters"),
        ));
    }
    Ok(())
}

impl Kms {
    /// The stored ACL of a target, or the default one.
    pub(crate) async fn read_acl(&self, caller: &Caller, target: Target) -> Result<ReadAcl> {
        match self
            .store()
            .get_object(&caller.tenant, ObjectKind::Acl, &target.id())
            .await?
        {
            Some(o) => from_body(&o),
            None => Ok(ReadAcl::default()),
        }
    }

    /// Whether `caller` may read `target` (created by `creator`);
    /// `role_allows` is whether the caller's role permits the read.
    pub(crate) async fn may_read(
        &self,
        caller: &Caller,
        target: Target,
        creator: &str,
        role_allows: bool,
    ) -> Result<bool> {
        if caller.platform_admin || caller.role == Role::Admin {
            return Ok(role_allows);
        }
        let acl = self.read_acl(caller, target).await?;
        if acl.users.contains(&caller.principal) {
            return Ok(true);
        }
        Ok(role_allows && (caller.principal == creator || acl.project_access))
    }

    /// Refuses a read that [`Kms::may_read`] does not allow.
    pub(crate) async fn check_read(
        &self,
        caller: &Caller,
        action: Action,
        target: Target,
        creator: &str,
        role: &Result<()>,
    ) -> Result<()> {
        if self.may_read(caller, target, creator, role.is_ok()).await? {
            Ok(())
        } else {
            Err(ServiceError::Forbidden {
                action: action.as_str(),
            })
        }
    }

    /// The read ACL of a secret or container.
    pub async fn get_acl(&self, caller: &Caller, target: Target) -> Result<ReadAcl> {
        let (mut op, allowed) = self.begin(caller, Action::AclGet);
        op.object(target.id());
        op.detail("target", target.noun());
        let result = async {
            allowed?;
            self.target_creator(caller, target).await?;
            self.read_acl(caller, target).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Replaces (`merge` false) or merges into (`merge` true) the ACL.
    pub async fn set_acl(
        &self,
        caller: &Caller,
        target: Target,
        update: AclUpdate,
        merge: bool,
    ) -> Result<ReadAcl> {
        let (mut op, allowed) = self.begin(caller, Action::AclSet);
        op.object(target.id());
        op.detail("target", target.noun());
        let result = async {
            allowed?;
            if let Some(u) = &update.users {
                check_users(u)?;
            }
            self.check_acl_owner(caller, target).await?;
            let existing = self
                .store()
                .get_object(&caller.tenant, ObjectKind::Acl, &target.id())
                .await?;
            let old = match &existing {
                Some(o) => from_body(o)?,
                None => ReadAcl::default(),
            };
            let now = self.now();
            let base = if merge {
                old.clone()
            } else {
                ReadAcl::default()
            };
            let acl = ReadAcl {
                project_access: update.project_access.unwrap_or(base.project_access),
                users: update.users.map_or(base.users, |u| u.into_iter().collect()),
                created_at: Some(old.created_at.unwrap_or(now)),
                updated_at: Some(now),
            };
            op.detail("project_access", acl.project_access);
            op.detail("users", acl.users.len());
            let body = to_body(&acl)?;
            let change = match existing {
                Some(mut o) => {
                    let expected_revision = o.revision;
                    o.body = body;
                    o.updated_at = now;
                    Change::UpdateObject {
                        object: o,
                        expected_revision,
                    }
                }
                None => Change::CreateObject(
                    NewObject {
                        kind: ObjectKind::Acl,
                        id: target.id(),
                        parent: Some(target.id()),
                        name: None,
                        subtype: Some(target.noun()),
                        body,
                    }
                    .record(caller, now),
                ),
            };
            self.commit(&mut op, vec![change]).await?;
            Ok(acl)
        }
        .await;
        self.finish(op, result).await
    }

    /// Resets the ACL to the default (project access, no listed users).
    pub async fn delete_acl(&self, caller: &Caller, target: Target) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::AclSet);
        op.object(target.id());
        op.detail("target", target.noun());
        op.detail("reset", true);
        let result = async {
            allowed?;
            self.check_acl_owner(caller, target).await?;
            let exists = self
                .store()
                .get_object(&caller.tenant, ObjectKind::Acl, &target.id())
                .await?
                .is_some();
            if !exists {
                return Ok(());
            }
            let change = Change::DeleteObject {
                tenant: caller.tenant.clone(),
                kind: ObjectKind::Acl,
                id: target.id(),
            };
            self.commit(&mut op, vec![change]).await
        }
        .await;
        self.finish(op, result).await
    }

    async fn check_acl_owner(&self, caller: &Caller, target: Target) -> Result<()> {
        let creator = self.target_creator(caller, target).await?;
        if caller.platform_admin || caller.role == Role::Admin || caller.principal == creator {
            Ok(())
        } else {
            Err(ServiceError::Forbidden {
                action: "acl.set (only the creator or an admin)",
            })
        }
    }
}
