//! PLACEHOLDER (owned by the HTTP helper): the REST app.

use crate::state::AppState;

/// The whole HTTP app.
pub fn app(state: AppState) -> axum::Router {
    axum::Router::new().with_state(state)
}
