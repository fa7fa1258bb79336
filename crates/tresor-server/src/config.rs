//! PLACEHOLDER (owned by the runtime helper): configuration.

/// Server configuration.
#[derive(Debug, Clone, Default)]
pub struct Config {}
