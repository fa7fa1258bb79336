//! Exit codes scripts can rely on, and the error type that carries one.

use std::fmt;
use std::process::ExitCode;

use reqwest::StatusCode;

/// The process exit codes (documented in `tresor --help` and docs/cli.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Exit {
    /// 0: success.
    Ok = 0,
    /// 1: usage or any other error.
    Other = 1,
    /// 2: not found (HTTP 404).
    NotFound = 2,
    /// 3: authentication or permission (HTTP 401/403).
    Auth = 3,
    /// 4: invalid input or conflict (HTTP 400/409/413/415).
    Invalid = 4,
    /// 5: server error or unavailable (HTTP 5xx, connection failures).
    Server = 5,
    /// 6: audit chain verification failed.
    AuditBroken = 6,
    /// 7: a signature or MAC verification returned `valid: false`.
    VerifyFailed = 7,
    /// 8: the operation waits for M-of-N approval (the request id is on
    /// stderr).
    Pending = 8,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> Self {
        ExitCode::from(e as u8)
    }
}

/// A failure to report on stderr, with its exit code.
#[derive(Debug)]
pub struct CliError {
    pub exit: Exit,
    pub message: String,
}

impl CliError {
    /// Any error with an exit code.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
        }
    }

    /// A usage problem (exit 1).
    pub fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Other, message)
    }

    /// Any other local problem (exit 1).
    pub fn other(message: impl Into<String>) -> Self {
        Self::new(Exit::Other, message)
    }

    /// An error answer from the server.
    pub fn server(
        exit: Exit,
        status: StatusCode,
        code: String,
        message: String,
        request_id: Option<String>,
    ) -> Self {
        let id = request_id
            .map(|id| format!(" (request id {id})"))
            .unwrap_or_default();
        Self::new(
            exit,
            format!("{code}: {message} [HTTP {}]{id}", status.as_u16()),
        )
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Reads a local file, mapping errors to exit 1.
pub fn read_file(path: &std::path::Path) -> Result<Vec<u8>, CliError> {
    std::fs::read(path).map_err(|e| CliError::usage(format!("cannot read {}: {e}", path.display())))
}

/// Writes a local file, mapping errors to exit 1.
pub fn write_file(path: &std::path::Path, data: &[u8]) -> Result<(), CliError> {
    std::fs::write(path, data)
        .map_err(|e| CliError::other(format!("cannot write {}: {e}", path.display())))
}
