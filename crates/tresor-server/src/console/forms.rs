//! Small pieces every page shares: the outcome a redirect carries back
//! (`?done=…` / `?error=…`) and the form that carries only the CSRF token.

use serde::Deserialize;

use super::layout::Flash;

/// `?done=…` or `?error=…` after a post-redirect-get.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    pub done: String,
    #[serde(default)]
    pub error: String,
}

impl Done {
    /// The flash message to show, if any.
    pub fn flash(self) -> Option<Flash> {
        if !self.error.is_empty() {
            Some(Flash::Error(self.error))
        } else {
            (!self.done.is_empty()).then_some(Flash::Ok(self.done))
        }
    }
}

/// A form with nothing but the CSRF token (buttons).
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    pub csrf: String,
}
