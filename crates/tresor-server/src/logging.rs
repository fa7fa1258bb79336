//! Process-wide logging for `tresor serve`: tracing-subscriber writing to
//! stderr as text or JSON, filtered by `RUST_LOG` when set, else by the
//! configured `log_level`. Request bodies and secrets are never logged.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

/// Installs the global subscriber. Returns an error when the filter is
/// invalid; a second call (another subscriber already set) is a no-op.
pub fn init(format: LogFormat, level: &str) -> Result<(), tracing_subscriber::filter::ParseError> {
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => EnvFilter::try_new(v)?,
        _ => EnvFilter::try_new(level)?,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
        _ => builder.try_init(),
    };
    Ok(())
}
