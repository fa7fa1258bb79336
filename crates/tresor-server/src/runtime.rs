//! PLACEHOLDER (owned by the runtime helper): start-up.

/// A running server.
#[derive(Debug)]
pub struct RunningServer {}

/// Starts the server.
pub async fn start(_config: crate::config::Config) -> std::io::Result<RunningServer> {
    Ok(RunningServer {})
}
