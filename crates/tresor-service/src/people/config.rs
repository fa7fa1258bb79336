//! Settings for sign-in, sessions and the second factor.

/// How people sign in and how long sessions last.
#[derive(Debug, Clone)]
pub struct PeopleConfig {
    /// Every user must enrol TOTP; until then a session can only enrol.
    pub mfa_required: bool,
    /// A session unused this long ends (default 30 min).
    pub session_idle_secs: u64,
    /// A session ends this long after sign-in, used or not (default 12 h).
    pub session_absolute_secs: u64,
    /// The second factor is asked again after this long (default 12 h).
    pub mfa_reverify_secs: u64,
    /// Consecutive failed sign-ins that lock an account (default 10).
    pub lockout_threshold: u32,
    /// How long a locked account stays locked (default 15 min).
    pub lockout_secs: u64,
    /// Shortest password (default 12 characters).
    pub password_min_length: usize,
    /// The issuer shown in authenticator apps.
    pub totp_issuer: String,
    /// A person approving a dual-control request must have proved who they
    /// are (password, plus TOTP when enrolled) this recently (default 15 min).
    pub approver_reauth_secs: u64,
}

impl Default for PeopleConfig {
    fn default() -> Self {
        Self {
            mfa_required: false,
            session_idle_secs: 30 * 60,
            session_absolute_secs: 12 * 3600,
            mfa_reverify_secs: 12 * 3600,
            lockout_threshold: 10,
            lockout_secs: 15 * 60,
            password_min_length: 12,
            totp_issuer: "Tresor".to_owned(),
            approver_reauth_secs: 15 * 60,
        }
    }
}
