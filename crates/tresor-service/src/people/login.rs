//! Signing in: the first administrator of a new installation, password
//! sign-in with lockout, the second factor, and signing out. Every attempt
//! is audited (`user.login`, `user.mfa_verify`, `user.lockout`,
//! `user.logout`, `user.setup`).

use std::collections::BTreeMap;

use tresor_core::{
    Action, AuditEvent, Caller, Change, ObjectFilter, ObjectKind, ObjectRecord, Outcome, Role,
    Timestamp,
};
use zeroize::Zeroizing;

use super::USER_PRINCIPAL;
use super::doc::{SessionDoc, UserDoc, micros, platform, sessions_parent, with_body};
use super::passwords::{dummy_hash, verify_password};
use super::sessions::{new_csrf, new_token, role_in, session_id};
use super::totp::{matching_step, recovery_hash};
use super::users::NewUser;
use crate::api_keys::RequestMeta;
use crate::error::{Result, ServiceError};
use crate::kms::Kms;
use crate::secrets::{from_body, to_body};

/// Marks that the first administrator was created (platform tenant).
const SETUP_MARKER: &str = "people-setup";

/// Where a session stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Signed in completely.
    Active,
    /// The account has TOTP: a code is needed (at sign-in, or again after
    /// the re-verification period).
    NeedsMfa,
    /// Two-factor is mandatory and the account has none yet.
    NeedsEnrolment,
}

impl SessionState {
    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            SessionState::Active => "active",
            SessionState::NeedsMfa => "mfa_required",
            SessionState::NeedsEnrolment => "enrolment_required",
        }
    }
}

/// A session as its owner sees it.
#[derive(Debug, Clone)]
pub struct SessionView {
    /// SHA-256 of the token (safe to show; used to revoke).
    pub id: String,
    pub user: String,
    pub display_name: Option<String>,
    /// The acting tenant.
    pub tenant: String,
    /// The CSRF token the console must send with state-changing requests
    /// (empty in lists).
    pub csrf: String,
    pub state: SessionState,
    pub platform_admin: bool,
    /// Tenants with a role (`None`: every tenant, as platform admin).
    pub tenants: Option<Vec<String>>,
    /// The role in the acting tenant.
    pub role: Option<Role>,
    pub created_at: Timestamp,
    pub last_seen: Timestamp,
    pub expires_at: Timestamp,
    pub auth_at: Timestamp,
    pub source: Option<String>,
}

/// A new session: its token (give it to the browser once) and view.
#[derive(Debug, Clone)]
pub struct LoginResult {
    pub token: Zeroizing<String>,
    pub session: SessionView,
}

/// The caller that signs in as `name`, for the audit record.
fn login_caller(name: &str, meta: &RequestMeta) -> Caller {
    Caller {
        auth_time: None,
        principal: format!("{USER_PRINCIPAL}{name}"),
        tenant: platform(),
        role: Role::Readonly,
        platform_admin: false,
        request_id: meta.request_id.clone(),
        source: meta.source.clone(),
    }
}

/// Bounds a user name from the network before it reaches a record.
fn clip(name: &str) -> String {
    name.chars().filter(|c| !c.is_control()).take(64).collect()
}

impl Kms {
    /// Whether no account exists yet (the console then offers set-up).
    pub async fn setup_needed(&self) -> Result<bool> {
        let mut f = ObjectFilter::of(ObjectKind::User);
        f.limit = 1;
        let users = self.store().list_objects(&platform(), &f).await?;
        let marker = self
            .store()
            .get_object(&platform(), ObjectKind::Preference, SETUP_MARKER)
            .await?;
        Ok(users.is_empty() && marker.is_none())
    }

    /// Creates the first account — platform admin and admin of the default
    /// tenant — and signs it in. Refused once any account exists; two
    /// racing set-ups cannot both succeed (one marker object).
    pub async fn setup_first_admin(
        &self,
        name: &str,
        password: &str,
        meta: RequestMeta,
    ) -> Result<LoginResult> {
        let mut caller = login_caller(&clip(name), &meta);
        caller.platform_admin = true;
        let (mut op, allowed) = self.begin(&caller, Action::UserSetup);
        op.object(clip(name));
        let result = async {
            allowed?;
            if !self.setup_needed().await? {
                return Err(ServiceError::WrongState(
                    "set-up is done: an administrator already exists".into(),
                ));
            }
            let new = NewUser {
                name: name.to_owned(),
                display_name: None,
                password: Zeroizing::new(password.to_owned()),
                platform_admin: true,
                roles: BTreeMap::from([(platform().to_string(), Role::Admin)]),
            };
            let user = self.user_record(&caller, &new).await?;
            let d: UserDoc = from_body(&user)?;
            let now = self.now();
            let marker = ObjectRecord {
                tenant: platform(),
                kind: ObjectKind::Preference,
                id: SETUP_MARKER.to_owned(),
                parent: None,
                name: None,
                subtype: None,
                body: "{}".to_owned(),
                created_by: caller.principal.clone(),
                created_at: now,
                updated_at: now,
                revision: 0,
            };
            let (token, session, s) = self.new_session(&user.id, &d, false, &meta)?;
            self.commit(
                &mut op,
                vec![
                    Change::CreateObject(marker),
                    Change::CreateObject(user.clone()),
                    Change::CreateObject(session.clone()),
                ],
            )
            .await
            .map_err(|e| match e {
                ServiceError::Conflict | ServiceError::AlreadyExists { .. } => {
                    ServiceError::WrongState(
                        "set-up is done: an administrator already exists".into(),
                    )
                }
                e => e,
            })?;
            Ok(LoginResult {
                token,
                session: self.session_view(&session, &s, &d),
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// A new session record for `name` (not yet stored).
    pub(crate) fn new_session(
        &self,
        name: &str,
        u: &UserDoc,
        mfa_pending: bool,
        meta: &RequestMeta,
    ) -> Result<(Zeroizing<String>, ObjectRecord, SessionDoc)> {
        let now = self.now();
        let (token, id) = new_token()?;
        let tenant = if role_in(u, &platform().to_string()).is_some() || u.roles.is_empty() {
            platform().to_string()
        } else {
            u.roles
                .keys()
                .next()
                .cloned()
                .unwrap_or_else(|| platform().to_string())
        };
        let s = SessionDoc {
            user: name.to_owned(),
            tenant,
            csrf: new_csrf()?,
            created_at: micros(now),
            last_seen: micros(now),
            auth_at: micros(now),
            mfa_at: (!mfa_pending && u.totp.as_ref().is_some_and(|t| t.confirmed))
                .then_some(micros(now)),
            mfa_pending,
            source: meta.source.clone(),
        };
        let record = ObjectRecord {
            tenant: platform(),
            kind: ObjectKind::Session,
            id,
            parent: Some(sessions_parent(name)),
            name: None,
            subtype: None,
            body: to_body(&s)?,
            created_by: format!("{USER_PRINCIPAL}{name}"),
            created_at: now,
            updated_at: now,
            revision: 0,
        };
        Ok((token, record, s))
    }

    /// Signs in with a password (and, for accounts with TOTP, optionally
    /// the code at once; without it the session waits for
    /// [`Self::verify_mfa`]). Wrong passwords count towards a lockout.
    pub async fn login(
        &self,
        name: &str,
        password: &str,
        totp: Option<&str>,
        meta: RequestMeta,
    ) -> Result<LoginResult> {
        let caller = login_caller(&clip(name), &meta);
        let (mut op, allowed) = self.begin(&caller, Action::UserLogin);
        op.object(clip(name));
        let result = async {
            allowed?;
            let Some((o, mut d)) = self.find_user(name).await? else {
                // Same work as a real check, so timing does not tell.
                verify_password(password, dummy_hash());
                op.detail("reason", "unknown_user");
                return Err(ServiceError::Unauthenticated);
            };
            let now = self.now();
            if let Some(until) = d.locked_until.filter(|t| *t > micros(now)) {
                return Err(ServiceError::AccountLocked {
                    until: Timestamp::from_unix_micros(until).to_rfc3339(),
                });
            }
            if !verify_password(password, &d.password_hash) {
                op.detail("reason", "bad_password");
                self.count_failure(&caller, &o, d).await?;
                return Err(ServiceError::Unauthenticated);
            }
            if d.disabled || d.federated.is_some() {
                op.detail("reason", if d.disabled { "disabled" } else { "federated" });
                return Err(ServiceError::Unauthenticated);
            }
            let has_totp = d.totp.as_ref().is_some_and(|t| t.confirmed);
            let mut mfa_ok = false;
            if let (true, Some(code)) = (has_totp, totp) {
                mfa_ok = self.check_second_factor(&mut d, code).await?;
                if !mfa_ok {
                    op.detail("reason", "bad_code");
                    self.count_failure(&caller, &o, d).await?;
                    return Err(ServiceError::Unauthenticated);
                }
            }
            d.failed_logins = 0;
            d.locked_until = None;
            let (token, session, s) = self.new_session(&o.id, &d, has_totp && !mfa_ok, &meta)?;
            op.detail(
                "mfa",
                if mfa_ok {
                    "passed"
                } else if has_totp {
                    "pending"
                } else {
                    "none"
                },
            );
            self.commit(
                &mut op,
                vec![
                    Change::UpdateObject {
                        object: with_body(&o, &d, now)?,
                        expected_revision: o.revision,
                    },
                    Change::CreateObject(session.clone()),
                ],
            )
            .await?;
            Ok(LoginResult {
                token,
                session: self.session_view(&session, &s, &d),
            })
        }
        .await;
        self.finish(op, result).await
    }

    /// Checks a TOTP code (single use: its step must be newer than the last
    /// accepted) or an unused recovery code (then spent); updates `d`.
    async fn check_second_factor(&self, d: &mut UserDoc, code: &str) -> Result<bool> {
        let code = code.trim();
        if code.len() > 64 {
            return Ok(false);
        }
        if let Some(t) = d.totp.as_mut().filter(|t| t.confirmed) {
            let secret = self.open_totp_secret(t).await?;
            let now_secs = u64::try_from(self.now().unix_micros() / 1_000_000).unwrap_or(0);
            if let Some(step) = matching_step(secret.expose(), code, now_secs)? {
                if step <= t.last_step {
                    return Ok(false);
                }
                t.last_step = step;
                return Ok(true);
            }
        }
        let h = recovery_hash(code);
        if let Some(i) = d.recovery_codes.iter().position(|c| *c == h) {
            d.recovery_codes.remove(i);
            return Ok(true);
        }
        Ok(false)
    }

    /// Counts a failed attempt; at the threshold, locks the account for the
    /// configured time (its own `user.lockout` record).
    async fn count_failure(&self, caller: &Caller, o: &ObjectRecord, d: UserDoc) -> Result<()> {
        let cfg = &self.config().people;
        let now = self.now();
        let (mut o, mut d) = (o.clone(), d);
        // A concurrent attempt may update the count first: then count again
        // on the fresh record, once.
        for attempt in 0..2 {
            d.failed_logins = d.failed_logins.saturating_add(1);
            let mut audit = Vec::new();
            if d.failed_logins >= cfg.lockout_threshold {
                let secs = i64::try_from(cfg.lockout_secs).unwrap_or(i64::MAX / 2);
                let until = now.plus_seconds(secs);
                d.locked_until = Some(micros(until));
                d.failed_logins = 0;
                audit.push(self.lockout_event(caller, &o.id, until));
            }
            let change = Change::UpdateObject {
                object: with_body(&o, &d, now)?,
                expected_revision: o.revision,
            };
            match self.audit_writer().commit(vec![change], audit).await {
                Ok(_) => return Ok(()),
                Err(e) if attempt == 1 => return Err(e.into()),
                Err(_) => match self.find_user(&o.id).await? {
                    Some((fresh, doc)) => (o, d) = (fresh, doc),
                    None => return Ok(()),
                },
            }
        }
        Ok(())
    }

    /// The `user.lockout` record of an account locked until `until`.
    fn lockout_event(&self, caller: &Caller, name: &str, until: Timestamp) -> AuditEvent {
        AuditEvent {
            time: self.now(),
            tenant: platform().to_string(),
            principal: caller.principal.clone(),
            action: Action::UserLockout.as_str().to_owned(),
            object: Some(name.to_owned()),
            outcome: Outcome::Success,
            error_code: None,
            request_id: caller.request_id.to_string(),
            source: caller.source.clone(),
            detail: Some(
                serde_json::json!({
                    "locked_until": until.to_rfc3339(),
                    "failures": self.config().people.lockout_threshold,
                })
                .to_string(),
            ),
        }
    }

    /// The revision-checked updates of a user and one of their sessions.
    fn user_and_session(
        uo: &ObjectRecord,
        u: &UserDoc,
        so: &ObjectRecord,
        s: &SessionDoc,
        now: Timestamp,
    ) -> Result<Vec<Change>> {
        Ok(vec![
            Change::UpdateObject {
                object: with_body(uo, u, now)?,
                expected_revision: uo.revision,
            },
            Change::UpdateObject {
                object: with_body(so, s, now)?,
                expected_revision: so.revision,
            },
        ])
    }

    /// The second step of a sign-in, or a re-verification: a TOTP or
    /// recovery code for the session behind `token`. Failures count
    /// towards the lockout.
    pub async fn verify_mfa(
        &self,
        token: &str,
        code: &str,
        meta: RequestMeta,
    ) -> Result<SessionView> {
        let (so, mut s, uo, mut u) = self.live_session(token, &meta).await?;
        let caller = login_caller(&s.user, &meta);
        let (mut op, allowed) = self.begin(&caller, Action::UserMfaVerify);
        op.object(&s.user);
        let result = async {
            allowed?;
            if let Some(until) = u.locked_until.filter(|t| *t > micros(self.now())) {
                return Err(ServiceError::AccountLocked {
                    until: Timestamp::from_unix_micros(until).to_rfc3339(),
                });
            }
            if !u.totp.as_ref().is_some_and(|t| t.confirmed) {
                return Err(ServiceError::WrongState(
                    "the account has no second factor".into(),
                ));
            }
            let recovery_before = u.recovery_codes.len();
            if !self.check_second_factor(&mut u, code).await? {
                self.count_failure(&caller, &uo, u).await?;
                return Err(ServiceError::invalid("code", "is not valid"));
            }
            if u.recovery_codes.len() < recovery_before {
                op.detail("recovery_code", true);
                op.detail("recovery_codes_left", u.recovery_codes.len());
            }
            let now = self.now();
            u.failed_logins = 0;
            s.mfa_pending = false;
            s.mfa_at = Some(micros(now));
            s.last_seen = micros(now);
            self.commit(&mut op, Self::user_and_session(&uo, &u, &so, &s, now)?)
                .await?;
            Ok(self.session_view(&so, &s, &u))
        }
        .await;
        self.finish(op, result).await
    }

    /// Proves the session's user again (password, plus a TOTP or recovery
    /// code when the account has one), e.g. right before approving a
    /// dual-control request. Failures count towards the lockout.
    pub async fn reauthenticate(
        &self,
        token: &str,
        password: &str,
        code: Option<&str>,
        meta: RequestMeta,
    ) -> Result<SessionView> {
        let (so, mut s, uo, mut u) = self.live_session(token, &meta).await?;
        let caller = login_caller(&s.user, &meta);
        let (mut op, allowed) = self.begin(&caller, Action::UserReauth);
        op.object(&s.user);
        let result = async {
            allowed?;
            let now = self.now();
            if let Some(until) = u.locked_until.filter(|t| *t > micros(now)) {
                return Err(ServiceError::AccountLocked {
                    until: Timestamp::from_unix_micros(until).to_rfc3339(),
                });
            }
            if !verify_password(password, &u.password_hash) {
                op.detail("reason", "bad_password");
                self.count_failure(&caller, &uo, u).await?;
                return Err(ServiceError::invalid("password", "is not correct"));
            }
            let has_totp = u.totp.as_ref().is_some_and(|t| t.confirmed);
            if has_totp {
                let ok = match code {
                    Some(c) => self.check_second_factor(&mut u, c).await?,
                    None => false,
                };
                if !ok {
                    op.detail("reason", "bad_code");
                    self.count_failure(&caller, &uo, u).await?;
                    return Err(ServiceError::invalid(
                        "code",
                        "a current authenticator (or recovery) code is needed",
                    ));
                }
                s.mfa_at = Some(micros(now));
                s.mfa_pending = false;
            }
            u.failed_logins = 0;
            s.auth_at = micros(now);
            s.last_seen = micros(now);
            self.commit(&mut op, Self::user_and_session(&uo, &u, &so, &s, now)?)
                .await?;
            Ok(self.session_view(&so, &s, &u))
        }
        .await;
        self.finish(op, result).await
    }

    /// Marks a session as having passed the second factor right after the
    /// user confirmed enrolment with a code in it.
    pub async fn mark_mfa_passed(&self, token: &str, meta: RequestMeta) -> Result<SessionView> {
        let (so, mut s, _, u) = self.live_session(token, &meta).await?;
        // Only a session that never had to pass a second factor (made
        // before the account had one) is upgraded; a session waiting for a
        // code, or for re-verification, must enter one.
        if !u.totp.as_ref().is_some_and(|t| t.confirmed) || s.mfa_pending || s.mfa_at.is_some() {
            return Err(ServiceError::MfaRequired(
                "enter your authenticator code to continue",
            ));
        }
        let now = self.now();
        s.mfa_pending = false;
        s.mfa_at = Some(micros(now));
        let change = Change::UpdateObject {
            object: with_body(&so, &s, now)?,
            expected_revision: so.revision,
        };
        self.audit_writer().commit(vec![change], Vec::new()).await?;
        Ok(self.session_view(&so, &s, &u))
    }

    /// Ends the session behind `token`.
    pub async fn logout(&self, token: &str, meta: RequestMeta) -> Result<()> {
        let Ok((o, s, _, _)) = self.live_session(token, &meta).await else {
            // Already gone: signing out again is not an error.
            return Ok(());
        };
        let caller = login_caller(&s.user, &meta);
        let (mut op, allowed) = self.begin(&caller, Action::UserLogout);
        op.object(&s.user);
        let result = async {
            allowed?;
            let change = Change::DeleteObject {
                tenant: platform(),
                kind: ObjectKind::Session,
                id: session_id(token),
            };
            debug_assert_eq!(o.id, session_id(token));
            self.commit(&mut op, vec![change]).await
        }
        .await;
        self.finish(op, result).await
    }
}
