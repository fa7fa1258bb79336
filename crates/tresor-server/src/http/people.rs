//! People over REST: first-admin set-up, sign-in (sets the session
//! cookie), the second factor, sign-out, the acting tenant, users and their
//! roles, passwords, TOTP enrolment, and sessions. Thin: every rule lives
//! in `tresor_service::people`.

use axum::Router;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde::Deserialize;
use subtle::ConstantTimeEq;
use tresor_api as api;
use tresor_core::Role;
use tresor_service::RequestMeta;
use tresor_service::people::{NewUser, SessionView, User, UserUpdate};
use utoipa::IntoParams;
use zeroize::Zeroizing;

use super::convert::ts;
use super::error::AppError;
use super::extract::{
    Auth, CSRF_HEADER, Json, Path, SESSION_COOKIE, SESSION_TOKEN_PREFIX, bearer, request_id,
    session_cookie, source,
};
use crate::state::{AppState, PeerIdentity};

/// The routes of this module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/v1/auth/setup", get(setup_status).post(setup))
        .route("/v1/auth/login", post(login))
        .route("/v1/auth/mfa", post(mfa))
        .route("/v1/auth/logout", post(logout))
        .route("/v1/auth/reauth", post(reauth))
        .route("/v1/auth/me", get(me))
        .route("/v1/auth/tenant", put(switch_tenant))
        .route("/v1/users", get(list_users).post(create_user))
        .route("/v1/users/me/password", post(change_password))
        .route("/v1/users/me/totp", post(enroll_totp))
        .route("/v1/users/me/totp/confirm", post(confirm_totp))
        .route(
            "/v1/users/{name}",
            get(get_user).patch(update_user).delete(delete_user),
        )
        .route("/v1/users/{name}/roles", put(set_role))
        .route("/v1/users/{name}/password", post(reset_password))
        .route("/v1/users/{name}/totp", axum::routing::delete(disable_totp))
        .route("/v1/sessions", get(list_sessions))
        .route("/v1/sessions/{id}", axum::routing::delete(revoke_session))
}

/// Where a request came from, for audit, and whether it came over TLS.
#[derive(Debug, Clone)]
pub struct Meta {
    pub meta: RequestMeta,
    pub tls: bool,
}

impl<S: Send + Sync> FromRequestParts<S> for Meta {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        Ok(Meta {
            meta: RequestMeta {
                request_id: request_id(parts),
                source: source(parts),
            },
            tls: parts
                .extensions
                .get::<PeerIdentity>()
                .is_some_and(|p| p.tls),
        })
    }
}

/// The caller's session token, whatever the session's state (for the
/// sign-in steps); a cookie-borne one on a change must come with the CSRF
/// header.
#[derive(Debug)]
pub struct SessionToken {
    pub token: Zeroizing<String>,
    pub view: SessionView,
    pub meta: Meta,
}

impl FromRequestParts<AppState> for SessionToken {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let meta = Meta::from_request_parts(parts, state).await?;
        let (token, cookie) = match bearer(&parts.headers) {
            Some(t) => (t?.to_owned(), false),
            None => match session_cookie(&parts.headers) {
                Some(t) => (t.to_owned(), true),
                None => return Err(AppError::unauthenticated()),
            },
        };
        if !token.starts_with(SESSION_TOKEN_PREFIX) {
            return Err(AppError::unauthenticated());
        }
        let view = state.kms.session(&token, meta.meta.clone()).await?;
        if cookie && !parts.method.is_safe() {
            let sent = parts
                .headers
                .get(CSRF_HEADER)
                .map(|v| v.as_bytes())
                .unwrap_or_default();
            if !bool::from(sent.ct_eq(view.csrf.as_bytes())) {
                return Err(AppError::csrf());
            }
        }
        Ok(SessionToken {
            token: Zeroizing::new(token),
            view,
            meta,
        })
    }
}

/// `Set-Cookie` for a new session (or, with `None`, clearing it).
pub fn session_cookie_header(token: Option<&str>, max_age: u64, tls: bool) -> HeaderValue {
    let secure = if tls { "; Secure" } else { "" };
    let v = match token {
        Some(t) => format!(
            "{SESSION_COOKIE}={t}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
        ),
        None => format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&v).unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub(crate) fn session_response(v: SessionView) -> api::SessionResponse {
    api::SessionResponse {
        id: v.id,
        user: v.user,
        display_name: v.display_name,
        tenant: v.tenant,
        state: v.state.as_str().to_owned(),
        role: v.role.map(|r| r.as_str().to_owned()),
        platform_admin: v.platform_admin,
        tenants: v.tenants,
        csrf_token: v.csrf,
        created_at: ts(v.created_at),
        last_seen: ts(v.last_seen),
        expires_at: ts(v.expires_at),
        source: v.source,
    }
}

fn user_response(u: User) -> api::UserResponse {
    api::UserResponse {
        name: u.name,
        display_name: u.display_name,
        platform_admin: u.platform_admin,
        roles: u
            .roles
            .into_iter()
            .map(|(t, r)| (t, r.as_str().to_owned()))
            .collect(),
        disabled: u.disabled,
        totp_enabled: u.totp_enabled,
        locked_until: u.locked_until.map(ts),
        failed_logins: u.failed_logins,
        created_at: ts(u.created_at),
        password_changed_at: ts(u.password_changed_at),
    }
}

fn role(s: &str) -> Result<Role, AppError> {
    Role::parse(s).ok_or_else(|| AppError::invalid_argument("role", "one of admin, user, readonly"))
}

fn signed_in(
    s: &AppState,
    r: tresor_service::people::LoginResult,
    tls: bool,
    status: StatusCode,
) -> Response {
    let max_age = s.kms.config().people.session_absolute_secs;
    let cookie = session_cookie_header(Some(&r.token), max_age, tls);
    let body = api::LoginResponse {
        token: r.token.to_string(),
        session: session_response(r.session),
    };
    (status, [(header::SET_COOKIE, cookie)], Json(body)).into_response()
}

#[utoipa::path(get, path = "/v1/auth/setup", tag = "people",
    responses((status = 200, description = "Whether the first administrator must still be created", body = api::SetupStatus)))]
pub async fn setup_status(State(s): State<AppState>) -> Result<Json<api::SetupStatus>, AppError> {
    Ok(Json(api::SetupStatus {
        needed: s.kms.setup_needed().await?,
    }))
}

#[utoipa::path(post, path = "/v1/auth/setup", tag = "people", request_body = api::SetupRequest,
    responses((status = 201, description = "Created and signed in (platform admin, admin of `default`)", body = api::LoginResponse),
        (status = "default", description = "Error (409 once set up)", body = api::ErrorResponse)))]
pub async fn setup(
    State(s): State<AppState>,
    m: Meta,
    Json(r): Json<api::SetupRequest>,
) -> Result<Response, AppError> {
    let res = s
        .kms
        .setup_first_admin(&r.name, &r.password, m.meta)
        .await?;
    Ok(signed_in(&s, res, m.tls, StatusCode::CREATED))
}

#[utoipa::path(post, path = "/v1/auth/login", tag = "people", request_body = api::LoginRequest,
    responses((status = 200, description = "Signed in; `session.state` says whether a second factor is still needed", body = api::LoginResponse),
        (status = 401, description = "`unauthenticated` or `account_locked`", body = api::ErrorResponse)))]
pub async fn login(
    State(s): State<AppState>,
    m: Meta,
    Json(r): Json<api::LoginRequest>,
) -> Result<Response, AppError> {
    let res = s
        .kms
        .login(&r.name, &r.password, r.totp.as_deref(), m.meta)
        .await?;
    Ok(signed_in(&s, res, m.tls, StatusCode::OK))
}

#[utoipa::path(post, path = "/v1/auth/mfa", tag = "people", request_body = api::MfaRequest,
    responses((status = 200, description = "The session passed the second factor", body = api::SessionResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn mfa(
    State(s): State<AppState>,
    t: SessionToken,
    Json(r): Json<api::MfaRequest>,
) -> Result<Json<api::SessionResponse>, AppError> {
    let v = s.kms.verify_mfa(&t.token, &r.code, t.meta.meta).await?;
    Ok(Json(session_response(v)))
}

#[utoipa::path(post, path = "/v1/auth/reauth", tag = "people", request_body = api::ReauthRequest,
    responses((status = 200, description = "Proved again; approvals are accepted for the next minutes", body = api::SessionResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn reauth(
    State(s): State<AppState>,
    t: SessionToken,
    Json(r): Json<api::ReauthRequest>,
) -> Result<Json<api::SessionResponse>, AppError> {
    let pw = Zeroizing::new(r.password);
    let v = s
        .kms
        .reauthenticate(&t.token, &pw, r.totp.as_deref(), t.meta.meta)
        .await?;
    Ok(Json(session_response(v)))
}

#[utoipa::path(post, path = "/v1/auth/logout", tag = "people",
    responses((status = 204, description = "Signed out; the cookie is cleared")))]
pub async fn logout(State(s): State<AppState>, t: SessionToken) -> Result<Response, AppError> {
    s.kms.logout(&t.token, t.meta.meta).await?;
    let cookie = session_cookie_header(None, 0, t.meta.tls);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

#[utoipa::path(get, path = "/v1/auth/me", tag = "people",
    responses((status = 200, description = "The caller's session (any state)", body = api::SessionResponse)))]
pub async fn me(t: SessionToken) -> Json<api::SessionResponse> {
    Json(session_response(t.view))
}

#[utoipa::path(put, path = "/v1/auth/tenant", tag = "people", request_body = api::TenantSwitchRequest,
    responses((status = 200, description = "The session now acts in this tenant", body = api::SessionResponse),
        (status = "default", description = "Error (403 without a role there)", body = api::ErrorResponse)))]
pub async fn switch_tenant(
    State(s): State<AppState>,
    t: SessionToken,
    Json(r): Json<api::TenantSwitchRequest>,
) -> Result<Json<api::SessionResponse>, AppError> {
    let v = s
        .kms
        .switch_session_tenant(&t.token, &r.tenant, t.meta.meta)
        .await?;
    Ok(Json(session_response(v)))
}

#[utoipa::path(get, path = "/v1/users", tag = "people",
    responses((status = 200, description = "Accounts (tenant admins: those with a role in the tenant)", body = api::UserListResponse)))]
pub async fn list_users(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Result<Json<api::UserListResponse>, AppError> {
    let users = s.kms.list_users(&c).await?;
    Ok(Json(api::UserListResponse {
        users: users.into_iter().map(user_response).collect(),
    }))
}

#[utoipa::path(post, path = "/v1/users", tag = "people", request_body = api::CreateUserRequest,
    responses((status = 201, description = "Created (platform admins)", body = api::UserResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn create_user(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::CreateUserRequest>,
) -> Result<(StatusCode, Json<api::UserResponse>), AppError> {
    let roles = r
        .roles
        .iter()
        .map(|(t, r)| Ok((t.clone(), role(r)?)))
        .collect::<Result<_, AppError>>()?;
    let u = s
        .kms
        .create_user(
            &c,
            NewUser {
                name: r.name,
                display_name: r.display_name,
                password: Zeroizing::new(r.password),
                platform_admin: r.platform_admin,
                roles,
            },
        )
        .await?;
    Ok((StatusCode::CREATED, Json(user_response(u))))
}

/// `{name}`: a user name.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct UserPath {
    /// User name.
    pub name: String,
}

#[utoipa::path(get, path = "/v1/users/{name}", tag = "people", params(UserPath),
    responses((status = 200, description = "An account", body = api::UserResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn get_user(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(UserPath { name }): Path<UserPath>,
) -> Result<Json<api::UserResponse>, AppError> {
    Ok(Json(user_response(s.kms.get_user(&c, &name).await?)))
}

#[utoipa::path(patch, path = "/v1/users/{name}", tag = "people", params(UserPath),
    request_body = api::UpdateUserRequest,
    responses((status = 200, description = "Updated (platform admins)", body = api::UserResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn update_user(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(UserPath { name }): Path<UserPath>,
    Json(r): Json<api::UpdateUserRequest>,
) -> Result<Json<api::UserResponse>, AppError> {
    let u = s
        .kms
        .update_user(
            &c,
            &name,
            UserUpdate {
                display_name: r.display_name,
                disabled: r.disabled,
                unlock: r.unlock,
                platform_admin: r.platform_admin,
            },
        )
        .await?;
    Ok(Json(user_response(u)))
}

#[utoipa::path(delete, path = "/v1/users/{name}", tag = "people", params(UserPath),
    responses((status = 204, description = "Deleted with its sessions (platform admins)"),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn delete_user(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(UserPath { name }): Path<UserPath>,
) -> Result<StatusCode, AppError> {
    s.kms.delete_user(&c, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(put, path = "/v1/users/{name}/roles", tag = "people", params(UserPath),
    request_body = api::UserRoleRequest,
    responses((status = 200, description = "The role in the acting tenant is set (tenant admins)", body = api::UserResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn set_role(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(UserPath { name }): Path<UserPath>,
    Json(r): Json<api::UserRoleRequest>,
) -> Result<Json<api::UserResponse>, AppError> {
    let role = r.role.as_deref().map(role).transpose()?;
    Ok(Json(user_response(
        s.kms.set_user_role(&c, &name, role).await?,
    )))
}

#[utoipa::path(post, path = "/v1/users/{name}/password", tag = "people", params(UserPath),
    request_body = api::PasswordResetRequest,
    responses((status = 204, description = "Set; the user's sessions end (platform admins)"),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn reset_password(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(UserPath { name }): Path<UserPath>,
    Json(r): Json<api::PasswordResetRequest>,
) -> Result<StatusCode, AppError> {
    let pw = Zeroizing::new(r.password);
    s.kms.reset_password(&c, &name, &pw).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/users/me/password", tag = "people",
    request_body = api::PasswordChangeRequest,
    responses((status = 204, description = "Changed; every session of the account ends"),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn change_password(
    State(s): State<AppState>,
    Auth(c): Auth,
    Json(r): Json<api::PasswordChangeRequest>,
) -> Result<StatusCode, AppError> {
    let (cur, new) = (
        Zeroizing::new(r.current_password),
        Zeroizing::new(r.password),
    );
    s.kms.change_password(&c, &cur, &new).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(post, path = "/v1/users/me/totp", tag = "people",
    responses((status = 200, description = "A new (unconfirmed) TOTP secret", body = api::TotpEnrolmentResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn enroll_totp(
    State(s): State<AppState>,
    t: SessionToken,
) -> Result<Json<api::TotpEnrolmentResponse>, AppError> {
    let caller = s.kms.enrolment_caller(&t.token, t.meta.meta).await?;
    let e = s.kms.enroll_totp(&caller).await?;
    Ok(Json(api::TotpEnrolmentResponse {
        secret: e.secret.to_string(),
        otpauth_uri: e.otpauth_uri.to_string(),
        qr_svg: e.qr_svg,
    }))
}

#[utoipa::path(post, path = "/v1/users/me/totp/confirm", tag = "people",
    request_body = api::TotpConfirmRequest,
    responses((status = 200, description = "Confirmed; the recovery codes, shown once", body = api::RecoveryCodesResponse),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn confirm_totp(
    State(s): State<AppState>,
    t: SessionToken,
    Json(r): Json<api::TotpConfirmRequest>,
) -> Result<Json<api::RecoveryCodesResponse>, AppError> {
    let caller = s
        .kms
        .enrolment_caller(&t.token, t.meta.meta.clone())
        .await?;
    let codes = s.kms.confirm_totp(&caller, &r.code).await?;
    s.kms.mark_mfa_passed(&t.token, t.meta.meta).await?;
    Ok(Json(api::RecoveryCodesResponse {
        recovery_codes: codes,
    }))
}

#[utoipa::path(delete, path = "/v1/users/{name}/totp", tag = "people", params(UserPath),
    responses((status = 204, description = "Removed (oneself, or a platform admin); the user's sessions end"),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn disable_totp(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(UserPath { name }): Path<UserPath>,
) -> Result<StatusCode, AppError> {
    s.kms.disable_totp(&c, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/v1/sessions", tag = "people",
    responses((status = 200, description = "Own sessions; admins also see their tenant's users'", body = api::SessionListResponse)))]
pub async fn list_sessions(
    State(s): State<AppState>,
    Auth(c): Auth,
) -> Result<Json<api::SessionListResponse>, AppError> {
    let sessions = s.kms.list_sessions(&c).await?;
    Ok(Json(api::SessionListResponse {
        sessions: sessions.into_iter().map(session_response).collect(),
    }))
}

/// `{id}`: a session id.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Path)]
pub struct SessionPath {
    /// Session id.
    pub id: String,
}

#[utoipa::path(delete, path = "/v1/sessions/{id}", tag = "people", params(SessionPath),
    responses((status = 204, description = "Revoked"),
        (status = "default", description = "Error", body = api::ErrorResponse)))]
pub async fn revoke_session(
    State(s): State<AppState>,
    Auth(c): Auth,
    Path(SessionPath { id }): Path<SessionPath>,
) -> Result<StatusCode, AppError> {
    s.kms.revoke_session(&c, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
