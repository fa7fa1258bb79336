//! Limits and defaults the service enforces, whatever the front door.

/// Service-level settings.
#[derive(Debug, Clone)]
pub struct KmsConfig {
    /// Largest plaintext/message per item, in bytes (default 64 KiB).
    pub max_item_bytes: usize,
    /// Most items in one batch request (default 1000).
    pub max_batch_items: usize,
    /// Default pending window for scheduled destroy, in days (default 30).
    pub default_destroy_window_days: u32,
    /// Shortest allowed automatic rotation period, in seconds (default 1 h).
    pub min_rotation_period_secs: i64,
    /// Most audit records written in one group commit (default 512).
    pub audit_batch_max: usize,
    /// Algorithm of new audit (checkpoint-signing) keys: Ed25519 (default)
    /// or ML-DSA-65.
    pub audit_checkpoint_algorithm: tresor_core::Algorithm,
    /// Test-only: the name of a self-test to report as failed (the server
    /// sets it from `TRESOR_SELF_TEST_FORCE_FAIL` in debug builds only).
    pub self_test_force_fail: Option<String>,
    /// Public base URL (no trailing slash): certificates issued by a CA
    /// carry CRL distribution point and AIA URLs under `{url}/pki/...`.
    pub pki_public_url: Option<String>,
    /// Sign-in, sessions and two-factor settings.
    pub people: crate::people::PeopleConfig,
}

impl Default for KmsConfig {
    fn default() -> Self {
        Self {
            max_item_bytes: 64 * 1024,
            max_batch_items: 1000,
            default_destroy_window_days: 30,
            min_rotation_period_secs: 3600,
            audit_batch_max: 512,
            audit_checkpoint_algorithm: tresor_core::Algorithm::Ed25519,
            self_test_force_fail: None,
            pki_public_url: None,
            people: crate::people::PeopleConfig::default(),
        }
    }
}

/// The allowed range for a destroy pending window, in days.
pub const DESTROY_WINDOW_DAYS: std::ops::RangeInclusive<u32> = 7..=30;
