//! What every request handler shares, and what a listener tells the app
//! about the connection.

use std::net::SocketAddr;
use std::sync::Arc;

use tresor_service::Kms;

use crate::metrics::Metrics;

/// Shared state of the HTTP app.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The service: every handler is one call on it.
    pub kms: Kms,
    /// Prometheus registry and instruments.
    pub metrics: Arc<Metrics>,
    /// Largest accepted request body, in bytes (default 1 MiB).
    pub max_body_bytes: usize,
    /// OIDC providers (console sign-in, JWT bearer tokens).
    pub oidc: Arc<crate::oidc::Oidc>,
}

/// Inserted into each request's extensions by the listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeerIdentity {
    /// The client's address.
    pub addr: SocketAddr,
    /// Subject CN of a client certificate the TLS layer verified, if any.
    pub client_cert_cn: Option<String>,
    /// The connection is TLS (session cookies are then `Secure`).
    pub tls: bool,
}
