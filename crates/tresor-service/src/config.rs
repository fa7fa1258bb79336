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
}

impl Default for KmsConfig {
    fn default() -> Self {
        Self {
            max_item_bytes: 64 * 1024,
            max_batch_items: 1000,
            default_destroy_window_days: 30,
            min_rotation_period_secs: 3600,
            audit_batch_max: 512,
        }
    }
}

/// The allowed range for a destroy pending window, in days.
pub const DESTROY_WINDOW_DAYS: std::ops::RangeInclusive<u32> = 7..=30;
