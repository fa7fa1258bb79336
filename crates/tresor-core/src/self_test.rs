//! Self-test results: known-answer tests (KATs) and pair-wise consistency
//! tests a provider runs on its own algorithms, at start-up and on demand.

use serde::{Deserialize, Serialize};

/// The outcome of one self-test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SelfTestResult {
    /// Stable name, e.g. `kat/aes-256-gcm` or `provider/software/round-trip`.
    pub name: String,
    pub ok: bool,
    /// Why it failed (never key material).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl SelfTestResult {
    /// A passed test.
    pub fn pass(name: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ok: true,
            error: None,
        }
    }

    /// A failed test.
    pub fn fail(name: impl Into<String>, error: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ok: false,
            error: Some(error.into()),
        }
    }
}
