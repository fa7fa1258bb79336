//! The Tresor server: the REST front door (an axum app over the service
//! layer), its listeners (HTTP, HTTPS with optional client certificates),
//! configuration, start-up and the scheduler loop.

pub mod config;
pub mod http;
pub mod metrics;
pub mod runtime;
pub mod state;
pub mod tls;

pub use config::Config;
pub use runtime::{RunningServer, start};
pub use state::{AppState, PeerIdentity};
