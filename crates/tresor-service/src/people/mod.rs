//! People: local user accounts for the console and the CLI, with argon2id
//! passwords, lockout after repeated failures, TOTP second factor with
//! recovery codes, and server-side sessions. Accounts and sessions are
//! deployment-wide (kept under the platform tenant); a user's access to a
//! tenant is a role there. A signed-in user is the principal `user:<name>`.
//!
//! Every sign-in, failure, lockout and logout is audited; TOTP secrets are
//! sealed by Tresor's own keystore; session tokens are stored only as their
//! SHA-256.

mod config;
mod doc;
mod federated;
mod login;
mod passwords;
mod sessions;
mod totp;
mod users;

pub use config::PeopleConfig;
pub use federated::{FederatedIdentity, federated_name};
pub use login::{LoginResult, SessionState, SessionView};
pub use passwords::check_password_policy;
pub use totp::TotpEnrolment;
pub use users::{NewUser, User, UserUpdate};

/// The principal prefix of people.
pub const USER_PRINCIPAL: &str = "user:";

/// The user name behind a `user:` principal.
pub fn user_name(principal: &str) -> Option<&str> {
    principal.strip_prefix(USER_PRINCIPAL)
}
