//! Sessions: opaque tokens (stored as SHA-256), idle and absolute timeouts,
//! the second factor's state, the acting tenant, and listing/revoking.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use tresor_core::{
    Action, Caller, Change, ObjectFilter, ObjectKind, ObjectRecord, Role, TenantId, Timestamp,
};

use super::doc::{SessionDoc, UserDoc, micros, platform, with_body};
use super::login::{SessionState, SessionView};
use super::{USER_PRINCIPAL, user_name};
use crate::api_keys::{RequestMeta, token_hash};
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::secrets::from_body;

/// Session tokens start with this.
pub(crate) const SESSION_PREFIX: &str = "tses_";
/// `last_seen` is written at most this often (seconds).
const TOUCH_EVERY_SECS: i64 = 60;
/// Most sessions listed.
const MAX_SESSIONS: u32 = 1000;

/// A fresh token and its stored id.
pub(crate) fn new_token() -> Result<(zeroize::Zeroizing<String>, String)> {
    let mut raw = zeroize::Zeroizing::new([0u8; 32]);
    aws_lc_rs::rand::fill(raw.as_mut()).map_err(|_| ServiceError::Internal("rng failure"))?;
    let token = zeroize::Zeroizing::new(format!("{SESSION_PREFIX}{}", B64URL.encode(raw.as_ref())));
    let id = session_id(&token);
    Ok((token, id))
}

/// The stored id of a token.
pub(crate) fn session_id(token: &str) -> String {
    token_hash(token)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A random CSRF token.
pub(crate) fn new_csrf() -> Result<String> {
    let mut raw = [0u8; 24];
    aws_lc_rs::rand::fill(&mut raw).map_err(|_| ServiceError::Internal("rng failure"))?;
    Ok(B64URL.encode(raw))
}

/// The caller's role in `tenant`, if any.
pub(crate) fn role_in(d: &UserDoc, tenant: &str) -> Option<Role> {
    if d.platform_admin {
        return Some(Role::Admin);
    }
    d.roles.get(tenant).copied()
}

impl Kms {
    pub(crate) fn session_view(
        &self,
        o: &ObjectRecord,
        s: &SessionDoc,
        u: &UserDoc,
    ) -> SessionView {
        let cfg = &self.config().people;
        let now = micros(self.now());
        let totp = u.totp.as_ref().is_some_and(|t| t.confirmed);
        let reverify = i64::try_from(cfg.mfa_reverify_secs).unwrap_or(i64::MAX) * 1_000_000;
        // Federated accounts prove themselves (and any second factor) at
        // their identity provider.
        let state = if u.federated.is_some() {
            SessionState::Active
        } else if totp && (s.mfa_pending || s.mfa_at.is_none_or(|t| now - t > reverify)) {
            SessionState::NeedsMfa
        } else if !totp && cfg.mfa_required {
            SessionState::NeedsEnrolment
        } else {
            SessionState::Active
        };
        let idle = i64::try_from(cfg.session_idle_secs).unwrap_or(i64::MAX) * 1_000_000;
        let absolute = i64::try_from(cfg.session_absolute_secs).unwrap_or(i64::MAX) * 1_000_000;
        let expires = (s.last_seen.saturating_add(idle)).min(s.created_at.saturating_add(absolute));
        SessionView {
            id: o.id.clone(),
            user: s.user.clone(),
            display_name: u.display_name.clone(),
            tenant: s.tenant.clone(),
            csrf: s.csrf.clone(),
            state,
            platform_admin: u.platform_admin,
            tenants: if u.platform_admin {
                None
            } else {
                Some(u.roles.keys().cloned().collect())
            },
            role: role_in(u, &s.tenant),
            created_at: Timestamp::from_unix_micros(s.created_at),
            last_seen: Timestamp::from_unix_micros(s.last_seen),
            expires_at: Timestamp::from_unix_micros(expires),
            auth_at: Timestamp::from_unix_micros(s.auth_at),
            source: s.source.clone(),
        }
    }

    /// Loads a live session by token: expired ones are deleted and, like
    /// unknown tokens, refused (and the failure audited). Touches it.
    pub(crate) async fn live_session(
        &self,
        token: &str,
        meta: &RequestMeta,
    ) -> Result<(ObjectRecord, SessionDoc, ObjectRecord, UserDoc)> {
        let refuse = || async {
            self.audit_auth_failure("session", None, meta, "unauthenticated")
                .await;
            Err(ServiceError::Unauthenticated)
        };
        if !token.starts_with(SESSION_PREFIX) || token.len() > 128 {
            return refuse().await;
        }
        let id = session_id(token);
        let Some(o) = self
            .store()
            .get_object(&platform(), ObjectKind::Session, &id)
            .await?
        else {
            return refuse().await;
        };
        let s: SessionDoc = from_body(&o)?;
        let cfg = &self.config().people;
        let now = micros(self.now());
        let idle = i64::try_from(cfg.session_idle_secs).unwrap_or(i64::MAX) * 1_000_000;
        let absolute = i64::try_from(cfg.session_absolute_secs).unwrap_or(i64::MAX) * 1_000_000;
        let user = self.find_user(&s.user).await?;
        let expired = now - s.last_seen > idle || now - s.created_at > absolute;
        let Some((uo, u)) = user.filter(|(_, u)| !u.disabled && !expired) else {
            let gone = Change::DeleteObject {
                tenant: platform(),
                kind: ObjectKind::Session,
                id,
            };
            // Someone else may have removed it already.
            let _ = self.audit_writer().commit(vec![gone], Vec::new()).await;
            return refuse().await;
        };
        if now - s.last_seen > TOUCH_EVERY_SECS * 1_000_000 {
            let mut t = s.clone();
            t.last_seen = now;
            let change = Change::UpdateObject {
                object: with_body(&o, &t, self.now())?,
                expected_revision: o.revision,
            };
            // A concurrent touch winning is fine.
            if self
                .audit_writer()
                .commit(vec![change], Vec::new())
                .await
                .is_ok()
            {
                let o = self
                    .store()
                    .get_object(&platform(), ObjectKind::Session, &o.id)
                    .await?
                    .ok_or(ServiceError::Unauthenticated)?;
                return Ok((o, t, uo, u));
            }
        }
        Ok((o, s, uo, u))
    }

    /// The session behind `token`, whatever its second-factor state (for
    /// the sign-in steps themselves: verify, enrol, logout).
    pub async fn session(&self, token: &str, meta: RequestMeta) -> Result<SessionView> {
        let (o, s, _, u) = self.live_session(token, &meta).await?;
        Ok(self.session_view(&o, &s, &u))
    }

    /// A session's caller, for `tenant` (default: the session's). Only
    /// sessions that passed the second factor act; others get
    /// `mfa_required`.
    pub async fn session_caller(
        &self,
        token: &str,
        tenant: Option<&str>,
        meta: RequestMeta,
    ) -> Result<(Caller, SessionView)> {
        let (o, s, _, u) = self.live_session(token, &meta).await?;
        let view = self.session_view(&o, &s, &u);
        match view.state {
            SessionState::Active => {}
            SessionState::NeedsMfa => {
                return Err(ServiceError::MfaRequired(
                    "enter your authenticator code to continue",
                ));
            }
            SessionState::NeedsEnrolment => {
                return Err(ServiceError::MfaRequired(
                    "two-factor authentication is mandatory: enrol an authenticator first",
                ));
            }
        }
        let mut caller = self
            .caller_for(&s.user, &u, tenant.unwrap_or(&s.tenant), &meta)
            .await?;
        caller.auth_time = Some(Timestamp::from_unix_micros(s.auth_at));
        Ok((caller, view))
    }

    /// The caller a partially signed-in session acts as, limited to its
    /// own enrolment (the actions themselves check `user:` principals).
    /// A session of an account with TOTP must have passed it; a fully
    /// signed-in one then learns that the factor exists (enrolling again
    /// needs it removed first) instead of being asked for a code.
    pub async fn enrolment_caller(&self, token: &str, meta: RequestMeta) -> Result<Caller> {
        let (o, s, _, u) = self.live_session(token, &meta).await?;
        if u.totp.as_ref().is_some_and(|t| t.confirmed)
            && self.session_view(&o, &s, &u).state != SessionState::Active
        {
            return Err(ServiceError::MfaRequired(
                "enter your authenticator code to continue",
            ));
        }
        Ok(Caller {
            auth_time: None,
            principal: format!("{USER_PRINCIPAL}{}", s.user),
            tenant: platform(),
            role: Role::Readonly,
            platform_admin: false,
            request_id: meta.request_id,
            source: meta.source,
        })
    }

    pub(crate) async fn caller_for(
        &self,
        name: &str,
        u: &UserDoc,
        tenant: &str,
        meta: &RequestMeta,
    ) -> Result<Caller> {
        let principal = format!("{USER_PRINCIPAL}{name}");
        let t =
            TenantId::parse(tenant).map_err(|e| ServiceError::invalid("tenant", e.to_string()))?;
        let role = role_in(u, tenant);
        let exists = role.is_some() && self.store().get_tenant(&t).await?.is_some();
        let Some(role) = role.filter(|_| exists) else {
            self.audit_auth_failure(&principal, Some(tenant), meta, "tenant_forbidden")
                .await;
            return Err(ServiceError::TenantForbidden {
                tenant: tenant.to_owned(),
            });
        };
        Ok(Caller {
            auth_time: None,
            principal,
            tenant: t,
            role,
            platform_admin: u.platform_admin,
            request_id: meta.request_id.clone(),
            source: meta.source.clone(),
        })
    }

    /// Makes `tenant` the session's acting tenant (the user must have a
    /// role there).
    pub async fn switch_session_tenant(
        &self,
        token: &str,
        tenant: &str,
        meta: RequestMeta,
    ) -> Result<SessionView> {
        let (o, mut s, _, u) = self.live_session(token, &meta).await?;
        if self.session_view(&o, &s, &u).state != SessionState::Active {
            return Err(ServiceError::MfaRequired(
                "finish signing in (second factor) first",
            ));
        }
        let caller = self.caller_for(&s.user, &u, tenant, &meta).await?;
        let (mut op, allowed) = self.begin(&caller, Action::SessionSwitchTenant);
        op.object(&o.id);
        op.detail("from", s.tenant.clone());
        let result = async {
            allowed?;
            s.tenant = tenant.to_owned();
            let change = Change::UpdateObject {
                object: with_body(&o, &s, self.now())?,
                expected_revision: o.revision,
            };
            self.commit(&mut op, vec![change]).await
        }
        .await;
        self.finish(op, result).await?;
        let o = self
            .store()
            .get_object(&platform(), ObjectKind::Session, &o.id)
            .await?
            .ok_or(ServiceError::Unauthenticated)?;
        Ok(self.session_view(&o, &s, &u))
    }

    /// Sessions the caller may see: their own; a tenant admin's include
    /// those of users with a role in the tenant; a platform admin's, all.
    pub async fn list_sessions(&self, caller: &Caller) -> Result<Vec<SessionView>> {
        let (op, allowed) = self.begin(caller, Action::SessionList);
        let result = async {
            allowed?;
            let mut f = ObjectFilter::of(ObjectKind::Session);
            f.limit = MAX_SESSIONS;
            let admin = caller.role == Role::Admin || caller.platform_admin;
            if !admin {
                f.parent = Some(caller.principal.clone());
            }
            let mut out = Vec::new();
            for o in self.store().list_objects(&platform(), &f).await? {
                let s: SessionDoc = from_body(&o)?;
                let Some((_, u)) = self.find_user(&s.user).await? else {
                    continue;
                };
                let own = user_name(&caller.principal) == Some(s.user.as_str());
                if own || caller.platform_admin || u.roles.contains_key(caller.tenant.as_str()) {
                    let mut v = self.session_view(&o, &s, &u);
                    v.csrf.clear();
                    out.push(v);
                }
            }
            Ok(out)
        }
        .await;
        self.finish(op, result).await
    }

    /// Ends a session by its id (see [`Self::list_sessions`] for whose).
    pub async fn revoke_session(&self, caller: &Caller, id: &str) -> Result<()> {
        let (mut op, allowed) = self.begin(caller, Action::SessionRevoke);
        op.object(id);
        let result = async {
            allowed?;
            let o = self
                .load_object(&platform(), ObjectKind::Session, id, "session")
                .await?;
            let s: SessionDoc = from_body(&o)?;
            let own = user_name(&caller.principal) == Some(s.user.as_str());
            let admin = caller.platform_admin
                || (caller.role == Role::Admin
                    && self
                        .find_user(&s.user)
                        .await?
                        .is_some_and(|(_, u)| u.roles.contains_key(caller.tenant.as_str())));
            if !own && !admin {
                return Err(ServiceError::NotFound { what: "session" });
            }
            op.detail("user", s.user.clone());
            let change = Change::DeleteObject {
                tenant: platform(),
                kind: ObjectKind::Session,
                id: id.to_owned(),
            };
            self.commit(&mut op, vec![change]).await
        }
        .await;
        self.finish(op, result).await
    }
}
