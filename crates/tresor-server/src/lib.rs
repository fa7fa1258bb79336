//! The Tresor server: the REST front door (an axum app over the service
//! layer), its listeners (HTTP, HTTPS with optional client certificates),
//! configuration, start-up and the scheduler loop.

pub mod alerts_email;
pub mod alerts_runtime;
pub mod config;
pub mod console;
pub mod discovery_probe;
mod evidence_runtime;
pub mod hsm_root;
pub mod http;
pub mod kmip_listener;
mod leader;
mod listener;
pub mod logging;
pub mod metrics;
pub mod oidc;
pub mod people_config;
pub mod provider_factory;
pub mod providers_config;
pub mod runtime;
pub mod siem;
pub mod startup;
pub mod state;
mod storage;
pub mod tls;

pub use config::Config;
pub use leader::SCHEDULER_LEASE;
pub use listener::Limits;
pub use runtime::{RunningServer, StartError, start};
pub use state::{AppState, PeerIdentity};
