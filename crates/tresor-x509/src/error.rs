//! The crate's error.

/// What went wrong building or reading X.509 structures.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum X509Error {
    /// The input (a name, a CSR, a certificate) is malformed; says what.
    #[error("{0}")]
    Invalid(String),
    /// The request is well-formed but outside the profile's rules.
    #[error("{0}")]
    Policy(String),
    /// The key's algorithm cannot sign X.509 structures here.
    #[error("unsupported key algorithm for X.509: {0}")]
    Unsupported(&'static str),
    /// rcgen refused to build the structure.
    #[error("could not build the structure: {0}")]
    Build(#[source] rcgen::Error),
}

impl From<rcgen::Error> for X509Error {
    fn from(e: rcgen::Error) -> Self {
        X509Error::Build(e)
    }
}

pub(crate) fn invalid(s: impl Into<String>) -> X509Error {
    X509Error::Invalid(s.into())
}

pub(crate) fn policy(s: impl Into<String>) -> X509Error {
    X509Error::Policy(s.into())
}
