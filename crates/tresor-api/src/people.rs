//! People: sign-in, sessions, users and their roles, two-factor enrolment.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// `POST /v1/auth/login`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub name: String,
    pub password: String,
    /// A TOTP or recovery code, for accounts with two-factor (optional:
    /// without it the session waits for `POST /v1/auth/mfa`).
    #[serde(default)]
    pub totp: Option<String>,
}

/// `POST /v1/auth/setup`: the first administrator.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetupRequest {
    pub name: String,
    pub password: String,
}

/// `GET /v1/auth/setup`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SetupStatus {
    /// No account exists yet.
    pub needed: bool,
}

/// `POST /v1/auth/mfa`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MfaRequest {
    /// A TOTP code or an unused recovery code.
    pub code: String,
}

/// `PUT /v1/auth/tenant`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TenantSwitchRequest {
    pub tenant: String,
}

/// A session.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionResponse {
    /// SHA-256 of the token (revoke with `DELETE /v1/sessions/{id}`).
    pub id: String,
    pub user: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// The acting tenant.
    pub tenant: String,
    /// `active`, `mfa_required` or `enrolment_required`.
    pub state: String,
    /// Role in the acting tenant.
    #[serde(default)]
    pub role: Option<String>,
    pub platform_admin: bool,
    /// Tenants with a role (absent for platform admins: all).
    #[serde(default)]
    pub tenants: Option<Vec<String>>,
    /// Send as `x-csrf-token` with state-changing cookie-authenticated
    /// calls (empty in lists).
    #[serde(default)]
    pub csrf_token: String,
    pub created_at: String,
    pub last_seen: String,
    pub expires_at: String,
    #[serde(default)]
    pub source: Option<String>,
}

/// A new session. The token is also set as the `tresor_session` cookie;
/// scripts may send it as a bearer token.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct LoginResponse {
    pub token: String,
    pub session: SessionResponse,
}

/// `GET /v1/sessions`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SessionListResponse {
    pub sessions: Vec<SessionResponse>,
}

/// `POST /v1/users`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    pub password: String,
    #[serde(default)]
    pub platform_admin: bool,
    /// Tenant id → `admin`, `user` or `readonly`.
    #[serde(default)]
    pub roles: BTreeMap<String, String>,
}

/// `PATCH /v1/users/{name}`.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateUserRequest {
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub disabled: Option<bool>,
    #[serde(default)]
    pub platform_admin: Option<bool>,
    /// Clears a lockout.
    #[serde(default)]
    pub unlock: bool,
}

/// `PUT /v1/users/{name}/roles`: the role in the acting tenant.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRoleRequest {
    /// `admin`, `user`, `readonly`, or null to remove access.
    pub role: Option<String>,
}

/// `POST /v1/users/{name}/password` (admin reset).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    pub password: String,
}

/// `POST /v1/users/me/password`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChangeRequest {
    pub current_password: String,
    pub password: String,
}

/// An account.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserResponse {
    pub name: String,
    #[serde(default)]
    pub display_name: Option<String>,
    pub platform_admin: bool,
    pub roles: BTreeMap<String, String>,
    pub disabled: bool,
    pub totp_enabled: bool,
    #[serde(default)]
    pub locked_until: Option<String>,
    pub failed_logins: u32,
    pub created_at: String,
    pub password_changed_at: String,
}

/// `GET /v1/users`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct UserListResponse {
    pub users: Vec<UserResponse>,
}

/// `POST /v1/users/me/totp`: add these to an authenticator app, then
/// confirm with a code.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TotpEnrolmentResponse {
    /// Base32.
    pub secret: String,
    pub otpauth_uri: String,
    /// The QR code of `otpauth_uri`, as SVG.
    pub qr_svg: String,
}

/// `POST /v1/users/me/totp/confirm`.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmRequest {
    pub code: String,
}

/// Recovery codes, shown once.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct RecoveryCodesResponse {
    pub recovery_codes: Vec<String>,
}

/// `POST /v1/auth/reauth`: prove the session's user again (before approving).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReauthRequest {
    pub password: String,
    /// A TOTP or recovery code, for accounts with two-factor.
    #[serde(default)]
    pub totp: Option<String>,
}
