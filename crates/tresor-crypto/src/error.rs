//! The crate's own error type. Provider operations report
//! [`tresor_core::ProviderError`]; this enum covers loading the root key.

use std::path::PathBuf;

/// Why a root key could not be loaded or created. Never contains key bytes.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RootKeyError {
    /// The key file could not be read or written.
    #[error("root key file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// The environment variable is not set (or not valid UTF-8).
    #[error("root key environment variable {0} is not set")]
    MissingEnv(String),
    /// The encoded key is not 64 hex characters or base64 of 32 bytes.
    #[error("root key must be 64 hex characters or base64 of 32 bytes")]
    Format,
    /// The system random generator failed.
    #[error("random generator failure")]
    Rng,
}
