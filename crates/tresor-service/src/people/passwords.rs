//! Password hashing (argon2id, OWASP parameters: 19 MiB, 2 passes) and the
//! password policy.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};

use crate::error::{Result, ServiceError};

/// Longest password accepted (bounds the hashing work per request).
pub(crate) const MAX_PASSWORD: usize = 256;

/// Passwords every guessing list starts with (lower case). A policy check,
/// not a breach database.
const COMMON: &[&str] = &[
    "123456789012",
    "1234567890123",
    "password1234",
    "password12345",
    "passwordpassword",
    "qwertyuiopas",
    "qwerty123456",
    "iloveyou1234",
    "administrator",
    "administrator1",
    "letmein12345",
    "welcome12345",
    "changeme1234",
    "correcthorsebatterystaple",
    "aaaaaaaaaaaa",
    "abc123456789",
    "trustno1trustno1",
    "passw0rd1234",
    "p@ssw0rd1234",
    "1q2w3e4r5t6y",
    "zaq12wsxcde3",
    "tresor123456",
    "tresoradmin1",
];

fn argon2() -> Result<Argon2<'static>> {
    let params =
        Params::new(19 * 1024, 2, 1, None).map_err(|_| ServiceError::Internal("argon2"))?;
    Ok(Argon2::new(Algorithm::Argon2id, Version::V0x13, params))
}

/// Checks a new password against the policy; the message says which rule.
pub fn check_password_policy(password: &str, user: &str, min_length: usize) -> Result<()> {
    let bad = |why: String| Err(ServiceError::invalid("password", why));
    let chars = password.chars().count();
    if chars < min_length {
        return bad(format!("must be at least {min_length} characters"));
    }
    if password.len() > MAX_PASSWORD {
        return bad(format!("must be at most {MAX_PASSWORD} bytes"));
    }
    if password.chars().any(char::is_control) {
        return bad("must not contain control characters".into());
    }
    let lower = password.to_lowercase();
    if lower.contains(&user.to_lowercase()) {
        return bad("must not contain the user name".into());
    }
    if COMMON.contains(&lower.as_str()) || lower.chars().all(|c| lower.starts_with(c)) {
        return bad("is too common".into());
    }
    Ok(())
}

/// The PHC string of `password` with a fresh salt.
pub(crate) fn hash_password(password: &str) -> Result<String> {
    let mut salt = [0u8; 16];
    aws_lc_rs::rand::fill(&mut salt).map_err(|_| ServiceError::Internal("rng failure"))?;
    let salt = SaltString::encode_b64(&salt).map_err(|_| ServiceError::Internal("salt"))?;
    Ok(argon2()?
        .hash_password(password.as_bytes(), &salt)
        .map_err(|_| ServiceError::Internal("argon2"))?
        .to_string())
}

/// Whether `password` matches the stored hash (constant time inside argon2).
pub(crate) fn verify_password(password: &str, phc: &str) -> bool {
    if password.len() > MAX_PASSWORD {
        return false;
    }
    let Ok(parsed) = PasswordHash::new(phc) else {
        return false;
    };
    argon2().is_ok_and(|a| a.verify_password(password.as_bytes(), &parsed).is_ok())
}

/// A hash to verify against when the user does not exist, so both cases
/// take the same time.
pub(crate) fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| hash_password("tresor-dummy-password-for-timing").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_verify_and_differ() {
        let a = hash_password("a long enough secret").unwrap();
        let b = hash_password("a long enough secret").unwrap();
        assert_ne!(a, b, "salted");
        assert!(a.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
        assert!(verify_password("a long enough secret", &a));
        assert!(!verify_password("a long enough secreT", &a));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn the_policy_names_the_rule() {
        let msg = |p: &str| {
            check_password_policy(p, "alice", 12)
                .unwrap_err()
                .to_string()
        };
        assert!(msg("short").contains("at least 12"));
        assert!(msg("alice-is-my-password").contains("user name"));
        assert!(msg("Password1234").contains("common"));
        assert!(msg("zzzzzzzzzzzzzz").contains("common"));
        assert!(msg("tab\there-and-long").contains("control"));
        assert!(check_password_policy("mellow-otter-canyon-42", "alice", 12).is_ok());
    }
}
