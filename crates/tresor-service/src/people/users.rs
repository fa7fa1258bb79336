//! Managing accounts: create, list, update, delete, roles per tenant,
//! passwords, and TOTP enrolment.

use std::collections::BTreeMap;

use tresor_core::{
    Action, Caller, Change, ObjectFilter, ObjectKind, ObjectRecord, Role, TenantId, Timestamp,
};
use zeroize::Zeroizing;

use super::doc::{UserDoc, check_user_name, micros, platform, sessions_parent, with_body};
use super::passwords::{check_password_policy, hash_password, verify_password};
use super::totp::{TotpEnrolment, enrolment, matching_step, new_recovery_codes};
use super::user_name;
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::secrets::{from_body, to_body};

/// Most users listed.
const MAX_USERS: u32 = 1000;

/// A new account.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub name: String,
    pub display_name: Option<String>,
    pub password: Zeroizing<String>,
    pub platform_admin: bool,
    /// Tenant id → role.
    pub roles: BTreeMap<String, Role>,
}

/// Changes to an account (platform admins).
#[derive(Debug, Clone, Default)]
pub struct UserUpdate {
    pub display_name: Option<String>,
    pub disabled: Option<bool>,
    /// Clears a lockout and the failure count.
    pub unlock: bool,
    pub platform_admin: Option<bool>,
}

/// An account as shown (no hashes, no secrets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub display_name: Option<String>,
    pub platform_admin: bool,
    pub roles: BTreeMap<String, Role>,
    pub disabled: bool,
    pub totp_enabled: bool,
    pub locked_until: Option<Timestamp>,
    pub failed_logins: u32,
    pub created_at: Timestamp,
    pub password_changed_at: Timestamp,
    /// The OIDC provider of a federated account.
    pub federated: Option<String>,
}

pub(crate) fn view(o: &ObjectRecord, d: &UserDoc) -> User {
    User {
        name: o.id.clone(),
        display_name: d.display_name.clone(),
        platform_admin: d.platform_admin,
        roles: d.roles.clone(),
        disabled: d.disabled,
        totp_enabled: d.totp.as_ref().is_some_and(|t| t.confirmed),
        locked_until: d.locked_until.map(Timestamp::from_unix_micros),
        failed_logins: d.failed_logins,
        created_at: o.created_at,
        password_changed_at: Timestamp::from_unix_micros(d.password_changed_at),
        federated: d.federated.clone(),
    }
}

fn check_display_name(n: &Option<String>) -> Result<()> {
    match n {
        Some(n) if n.len() > 128 || n.chars().any(char::is_control) => Err(ServiceError::invalid(
            "display_name",
            "at most 128 printable characters",
        )),
        _ => Ok(()),
    }
}

/// Whether a tenant admin (not platform admin) can see `d`: it has a role
/// in the caller's tenant.
fn visible(caller: &Caller, d: &UserDoc) -> bool {
    caller.platform_admin || d.roles.contains_key(caller.tenant.as_str())
}

impl Kms {
    /// Validates a new account and builds its record.
    pub(crate) async fn user_record(&self, caller: &Caller, new: &NewUser) -> Result<ObjectRecord> {
        check_user_name(&new.name)?;
        check_display_name(&new.display_name)?;
        check_password_policy(
            &new.password,
            &new.name,
            self.config().people.password_min_length,
        )?;
        for tenant in new.roles.keys() {
            let t = TenantId::parse(tenant)
                .map_err(|e| ServiceError::invalid("roles", e.to_string()))?;
            if self.store().get_tenant(&t).await?.is_none() {
                return Err(ServiceError::invalid(
                    "roles",
                    format!("tenant {tenant} does not exist"),
                ));
            }
        }
        let now = self.now();
        let doc = UserDoc {
            display_name: new.display_name.clone(),
            password_hash: hash_password(&new.password)?,
            platform_admin: new.platform_admin,
            roles: new.roles.clone(),
            disabled: false,
            failed_logins: 0,
            locked_until: None,
            totp: None,
            recovery_codes: Vec::new(),
            password_changed_at: micros(now),
            federated: None,
        };
        Ok(ObjectRecord {
            tenant: platform(),
            kind: ObjectKind::User,
            id: new.name.clone(),
            parent: None,
            name: None,
            subtype: None,
            body: to_body(&doc)?,
            created_by: caller.principal.clone(),
            created_at: now,
            updated_at: now,
            revision: 0,
        })
    }

    /// Creates an account (platform admins).
    pub async fn create_user(&self, caller: &Caller, new: NewUser) -> Result<User> {
        let (mut op, allowed) = self.begin(caller, Action::UserCreate);
        op.object(&new.name);
        let result = async {
            allowed?;
            let record = self.user_record(caller, &new).await?;
            op.detail("platform_admin", new.platform_admin);
            self.commit(&mut op, vec![Change::CreateObject(record.clone())])
                .await
                .map_err(|e| match e {
                    ServiceError::Conflict | ServiceError::AlreadyExists { .. } => {
                        ServiceError::AlreadyExists { what: "user" }
                    }
                    e => e,
                })?;
            let d: UserDoc = from_body(&record)?;
            Ok(view(&record, &d))
        }
        .await;
        self.finish(op, result).await
    }

    /// Accounts: all for platform admins, those with a role in the
    /// caller's tenant for tenant admins.
    pub async fn list_users(&self, caller: &Caller) -> Result<Vec<User>> {
        let (op, allowed) = self.begin(caller, Action::UserList);
        let result = async {
            allowed?;
            let mut f = ObjectFilter::of(ObjectKind::User);
            f.limit = MAX_USERS;
            let mut out = Vec::new();
            for o in self.store().list_objects(&platform(), &f).await? {
                let d: UserDoc = from_body(&o)?;
                if visible(caller, &d) {
                    out.push(view(&o, &d));
                }
            }
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// One account (as [`Self::list_users`] would show it).
    pub async fn get_user(&self, caller: &Caller, name: &str) -> Result<User> {
        let (mut op, allowed) = self.begin(caller, Action::UserGet);
        op.object(name);
        let result = async {
            let own = user_name(&caller.principal) == Some(name);
            if !own {
                allowed?;
            }
            let (o, d) = self.load_user(name).await?;
            if !own && !visible(caller, &d) {
                return Err(ServiceError::NotFound { what: "user" });
            }
            Ok(view(&o, &d))
        }
        .await;
        self.finish(op, result).await
    }

    /// Updates an account (platform admins). Disabling ends its sessions.
    pub async fn update_user(&self, caller: &Caller, name: &str, u: UserUpdate) -> Result<User> {
        let (mut op, allowed) = self.begin(caller, Action::UserUpdate);
        op.object(name);
        let result = async {
            allowed?;
            check_display_name(&u.display_name)?;
            let (o, mut d) = self.load_user(name).await?;
            if let Some(n) = u.display_name {
                d.display_name = Some(n).filter(|n| !n.is_empty());
            }
            if let Some(dis) = u.disabled {
                if dis && user_name(&caller.principal) == Some(name) {
                    return Err(ServiceError::invalid(
                        "disabled",
                        "you cannot disable yourself",
                    ));
                }
                op.detail("disabled", dis);
                d.disabled = dis;
            }
            if let Some(pa) = u.platform_admin {
                if !pa && user_name(&caller.principal) == Some(name) {
                    return Err(ServiceError::invalid(
                        "platform_admin",
                        "you cannot remove your own platform-admin right",
                    ));
                }
                op.detail("platform_admin", pa);
                d.platform_admin = pa;
            }
            if u.unlock {
                op.detail("unlock", true);
                d.failed_logins = 0;
                d.locked_until = None;
            }
            let mut changes = vec![Change::UpdateObject {
                object: with_body(&o, &d, self.now())?,
                expected_revision: o.revision,
            }];
            if d.disabled {
                changes.push(Change::DeleteChildren {
                    tenant: platform(),
                    parent: sessions_parent(name),
                });
            }
            self.commit(&mut op, changes).await?;
            let (o, d) = self.load_user(name).await?;
            Ok(view(&o, &d))
        }
        .await;
        self.finish(op, result).await
    }

    /// Deletes an account and its sessions (platform admins; not oneself).
    pub async fn delete_user(&self, caller: &Caller, name: &str) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::UserDelete);
        op.object(name);
        let result = async {
            allowed?;
            if user_name(&caller.principal) == Some(name) {
                return Err(ServiceError::invalid("name", "you cannot delete yourself"));
            }
            self.load_user(name).await?;
            let changes = vec![
                Change::DeleteChildren {
                    tenant: platform(),
                    parent: sessions_parent(name),
                },
                Change::DeleteObject {
                    tenant: platform(),
                    kind: ObjectKind::User,
                    id: name.to_owned(),
                },
            ];
            self.commit(&mut op, changes).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Sets (or with `None` removes) a user's role in the caller's tenant.
    pub async fn set_user_role(
        &self,
        caller: &Caller,
        name: &str,
        role: Option<Role>,
    ) -> Result<User> {
        let (mut op, allowed) = self.begin(caller, Action::UserRolesSet);
        op.object(name);
        op.detail("role", role.map_or("none", Role::as_str));
        let result = async {
            allowed?;
            let (o, mut d) = self.load_user(name).await?;
            let tenant = caller.tenant.to_string();
            if user_name(&caller.principal) == Some(name)
                && !caller.platform_admin
                && role != Some(Role::Admin)
            {
                return Err(ServiceError::invalid(
                    "role",
                    "you cannot lower your own role; ask another admin",
                ));
            }
            match role {
                Some(r) => d.roles.insert(tenant, r),
                None => d.roles.remove(&tenant),
            };
            let change = Change::UpdateObject {
                object: with_body(&o, &d, self.now())?,
                expected_revision: o.revision,
            };
            self.commit(&mut op, vec![change]).await?;
            let (o, d) = self.load_user(name).await?;
            Ok(view(&o, &d))
        }
        .await;
        self.finish(op, result).await
    }

    /// Sets another user's password (platform admins); ends their sessions
    /// and clears a lockout.
    pub async fn reset_password(&self, caller: &Caller, name: &str, password: &str) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::UserPasswordReset);
        op.object(name);
        let result = async {
            allowed?;
            let (o, d) = self.load_user(name).await?;
            self.store_password(&mut op, &o, d, password).await
        }
        .await;
        self.finish(op, result).await
    }

    /// Changes the caller's own password (the current one is required);
    /// every session of the account ends, so it signs in again.
    pub async fn change_password(
        &self,
        caller: &Caller,
        current: &str,
        password: &str,
    ) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::UserPasswordChange);
        let result = async {
            allowed?;
            let name = user_name(&caller.principal).ok_or(ServiceError::Forbidden {
                action: "user.password_change (not a user)",
            })?;
            op.object(name);
            let (o, d) = self.load_user(name).await?;
            if !verify_password(current, &d.password_hash) {
                return Err(ServiceError::invalid("current_password", "is not correct"));
            }
            self.store_password(&mut op, &o, d, password).await
        }
        .await;
        self.finish(op, result).await
    }

    async fn store_password(
        &self,
        op: &mut crate::op::Op,
        o: &ObjectRecord,
        mut d: UserDoc,
        password: &str,
    ) -> Result<()> {
        if d.federated.is_some() {
            return Err(ServiceError::invalid(
                "password",
                "this account signs in through its identity provider",
            ));
        }
        check_password_policy(password, &o.id, self.config().people.password_min_length)?;
        let now = self.now();
        d.password_hash = hash_password(password)?;
        d.password_changed_at = micros(now);
        d.failed_logins = 0;
        d.locked_until = None;
        let changes = vec![
            Change::UpdateObject {
                object: with_body(o, &d, now)?,
                expected_revision: o.revision,
            },
            Change::DeleteChildren {
                tenant: platform(),
                parent: sessions_parent(&o.id),
            },
        ];
        self.commit(op, changes).await
    }

    /// Starts (or restarts, while unconfirmed) TOTP enrolment for the
    /// caller. Replacing a confirmed secret needs it disabled first.
    pub async fn enroll_totp(&self, caller: &Caller) -> Result<TotpEnrolment> {
        let (mut op, allowed) = self.begin(caller, Action::UserTotpEnroll);
        let result = async {
            allowed?;
            let name = user_name(&caller.principal).ok_or(ServiceError::Forbidden {
                action: "user.totp_enroll (not a user)",
            })?;
            op.object(name);
            let (o, mut d) = self.load_user(name).await?;
            if d.totp.as_ref().is_some_and(|t| t.confirmed) {
                return Err(ServiceError::AlreadyExists {
                    what: "confirmed TOTP (disable it first)",
                });
            }
            let (secret, doc) = self.seal_totp_secret(caller).await?;
            d.totp = Some(doc);
            let e = enrolment(&self.config().people.totp_issuer, name, &secret)?;
            let change = Change::UpdateObject {
                object: with_body(&o, &d, self.now())?,
                expected_revision: o.revision,
            };
            self.commit(&mut op, vec![change]).await?;
            Ok(e)
        }
        .await;
        self.finish(op, result).await
    }

    /// Confirms enrolment with a current code; returns the recovery codes
    /// (shown once).
    pub async fn confirm_totp(&self, caller: &Caller, code: &str) -> Result<Vec<String>> {
        let (mut op, allowed) = self.begin(caller, Action::UserTotpConfirm);
        let result = async {
            allowed?;
            let name = user_name(&caller.principal).ok_or(ServiceError::Forbidden {
                action: "user.totp_confirm (not a user)",
            })?;
            op.object(name);
            let (o, mut d) = self.load_user(name).await?;
            let Some(t) = d.totp.as_mut().filter(|t| !t.confirmed) else {
                return Err(ServiceError::WrongState(
                    "no TOTP enrolment is in progress".into(),
                ));
            };
            let secret = self.open_totp_secret(t).await?;
            let now_secs = u64::try_from(self.now().unix_micros() / 1_000_000).unwrap_or(0);
            let Some(step) = matching_step(secret.expose(), code, now_secs)? else {
                return Err(ServiceError::invalid("code", "is not the current code"));
            };
            t.confirmed = true;
            t.last_step = step;
            let (codes, hashes) = new_recovery_codes()?;
            d.recovery_codes = hashes;
            let change = Change::UpdateObject {
                object: with_body(&o, &d, self.now())?,
                expected_revision: o.revision,
            };
            self.commit(&mut op, vec![change]).await?;
            Ok(codes)
        }
        .await;
        self.finish(op, result).await
    }

    /// Removes TOTP from `name` (oneself, or a platform admin for anyone,
    /// e.g. a lost phone); that user's sessions end.
    pub async fn disable_totp(&self, caller: &Caller, name: &str) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::UserTotpDisable);
        op.object(name);
        let result = async {
            allowed?;
            if user_name(&caller.principal) != Some(name) && !caller.platform_admin {
                return Err(ServiceError::Forbidden {
                    action: "user.totp_disable",
                });
            }
            let (o, mut d) = self.load_user(name).await?;
            d.totp = None;
            d.recovery_codes.clear();
            let changes = vec![
                Change::UpdateObject {
                    object: with_body(&o, &d, self.now())?,
                    expected_revision: o.revision,
                },
                Change::DeleteChildren {
                    tenant: platform(),
                    parent: sessions_parent(name),
                },
            ];
            self.commit(&mut op, changes).await
        }
        .await;
        self.finish(op, result).await
    }
}
