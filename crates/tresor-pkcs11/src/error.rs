//! Mapping PKCS#11 return values to the provider's error model.
//!
//! Every failure of an operation becomes a `Failure`: either something the
//! session pool recovers from (a closed session, a logged-out user, an
//! uninitialised library, a removed device: reopen and retry once), a stale
//! object handle (look the object up again), or a final [`ProviderError`].
//! Crypto failures stay opaque; nothing here ever carries the PIN.

use cryptoki::context::Function;
use cryptoki::error::{Error as CkError, RvError};
use tresor_core::ProviderError;

/// How bad a recoverable failure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Severity {
    /// Sessions are gone or logged out: reopen them and log in again.
    Session,
    /// The library or device is gone: re-initialise and find the slot again.
    Library,
}

/// Why an attempt failed.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The pool should recover and the operation be retried once.
    Recover(Severity, Pkcs11Error),
    /// A cached object handle no longer names the object.
    StaleHandle,
    /// Final.
    Provider(ProviderError),
}

impl From<ProviderError> for Failure {
    fn from(e: ProviderError) -> Self {
        Failure::Provider(e)
    }
}

/// A PKCS#11 failure that makes the provider unavailable (the source of
/// [`ProviderError::Unavailable`]).
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Pkcs11Error {
    /// A call returned an error code.
    #[error("PKCS#11 {function} failed: {rv}")]
    Call { function: String, rv: RvError },
    /// The module could not be loaded or is unusable.
    #[error("PKCS#11 module: {0}")]
    Module(String),
    /// No slot holds the configured token.
    #[error("PKCS#11 token not found: {0}")]
    TokenNotFound(String),
    /// Logging in failed (the PIN itself is never reported).
    #[error("PKCS#11 login to {token} failed: {rv}")]
    Login { token: String, rv: RvError },
    /// Still failing after recovery and one retry.
    #[error("PKCS#11 token unavailable after reconnecting ({0})")]
    StillFailing(Box<Pkcs11Error>),
}

impl Pkcs11Error {
    /// From a cryptoki error.
    pub(crate) fn from_ck(e: &CkError) -> Self {
        match e {
            CkError::Pkcs11(rv, function) => Pkcs11Error::Call {
                function: format!("{function}"),
                rv: *rv,
            },
            other => Pkcs11Error::Module(other.to_string()),
        }
    }

    /// As the port's error.
    pub(crate) fn unavailable(self) -> ProviderError {
        ProviderError::Unavailable(Box::new(self))
    }
}

/// Return values after which sessions must be reopened.
fn session_level(rv: RvError) -> bool {
    matches!(
        rv,
        RvError::SessionHandleInvalid
            | RvError::SessionClosed
            | RvError::UserNotLoggedIn
            | RvError::SessionCount
            | RvError::OperationActive
    )
}

/// Return values after which the library must be re-initialised.
fn library_level(rv: RvError) -> bool {
    matches!(
        rv,
        RvError::CryptokiNotInitialized
            | RvError::TokenNotPresent
            | RvError::TokenNotRecognized
            | RvError::DeviceRemoved
            | RvError::DeviceError
            | RvError::DeviceMemory
            | RvError::SlotIdInvalid
    )
}

/// Return values meaning "this input does not decrypt / unwrap / verify".
pub(crate) fn is_crypto_failure(rv: RvError) -> bool {
    matches!(
        rv,
        RvError::EncryptedDataInvalid
            | RvError::EncryptedDataLenRange
            | RvError::WrappedKeyInvalid
            | RvError::WrappedKeyLenRange
            | RvError::SignatureInvalid
            | RvError::SignatureLenRange
            | RvError::DataInvalid
            | RvError::DataLenRange
    )
}

/// Classifies a cryptoki error.
pub(crate) fn classify(e: CkError) -> Failure {
    let CkError::Pkcs11(rv, _) = e else {
        return Failure::Provider(Pkcs11Error::from_ck(&e).unavailable());
    };
    if session_level(rv) {
        return Failure::Recover(Severity::Session, Pkcs11Error::from_ck(&e));
    }
    if library_level(rv) {
        return Failure::Recover(Severity::Library, Pkcs11Error::from_ck(&e));
    }
    if matches!(rv, RvError::ObjectHandleInvalid | RvError::KeyHandleInvalid) {
        return Failure::StaleHandle;
    }
    if is_crypto_failure(rv) {
        return Failure::Provider(ProviderError::Crypto);
    }
    Failure::Provider(match rv {
        RvError::MechanismInvalid
        | RvError::MechanismParamInvalid
        | RvError::FunctionNotSupported
        | RvError::KeyFunctionNotPermitted
        | RvError::KeyTypeInconsistent
        | RvError::CurveNotSupported => {
            ProviderError::Unsupported("the token does not support this operation")
        }
        RvError::KeySizeRange => ProviderError::InvalidKey("key size not supported by the token"),
        RvError::TemplateInconsistent | RvError::AttributeValueInvalid => {
            ProviderError::InvalidKey("the token rejected the key material")
        }
        _ => Pkcs11Error::from_ck(&e).unavailable(),
    })
}

/// `Ok(false)` for a signature that does not verify, else the classified error.
pub(crate) fn verify_result(r: Result<(), CkError>) -> Result<bool, Failure> {
    match r {
        Ok(()) => Ok(true),
        Err(CkError::Pkcs11(
            RvError::SignatureInvalid | RvError::SignatureLenRange | RvError::DataLenRange,
            _,
        )) => Ok(false),
        Err(e) => Err(classify(e)),
    }
}

/// A synthetic "not logged in" error (an object vanished because the
/// session lost its login).
pub(crate) fn not_logged_in() -> Failure {
    Failure::Recover(
        Severity::Session,
        Pkcs11Error::Call {
            function: format!("{}", Function::FindObjects),
            rv: RvError::UserNotLoggedIn,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classification() {
        let e = |rv| CkError::Pkcs11(rv, Function::Sign);
        assert!(matches!(
            classify(e(RvError::SessionHandleInvalid)),
            Failure::Recover(Severity::Session, _)
        ));
        assert!(matches!(
            classify(e(RvError::CryptokiNotInitialized)),
            Failure::Recover(Severity::Library, _)
        ));
        assert!(matches!(
            classify(e(RvError::EncryptedDataInvalid)),
            Failure::Provider(ProviderError::Crypto)
        ));
        assert!(matches!(
            classify(e(RvError::KeyHandleInvalid)),
            Failure::StaleHandle
        ));
        assert!(matches!(
            classify(e(RvError::PinIncorrect)),
            Failure::Provider(ProviderError::Unavailable(_))
        ));
        assert!(matches!(
            verify_result(Err(e(RvError::SignatureInvalid))),
            Ok(false)
        ));
    }
}
