//! A failed batch item: a KMIP Result Reason and a Result Message, and the
//! mapping from the service's errors onto result reasons.

use tresor_kmip::Tag;
use tresor_service::ServiceError;

use crate::codes::reason;

/// Why one batch item failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KmipError {
    /// Result Reason (KMIP 2.x code; see [`KmipError::reason_for`]).
    pub reason: u32,
    /// Result Message: safe to show the client (no internal detail).
    pub message: String,
}

impl KmipError {
    /// An error with a reason and a message.
    pub fn new(reason: u32, message: impl Into<String>) -> Self {
        Self {
            reason,
            message: message.into(),
        }
    }

    /// A required field is missing.
    pub fn missing(tag: Tag) -> Self {
        Self::new(reason::MISSING_DATA, format!("missing {tag}"))
    }

    /// A field has a value this server does not accept.
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(reason::INVALID_FIELD, message)
    }

    /// The request is understood but uses a feature this server lacks.
    pub fn feature(message: impl Into<String>) -> Self {
        Self::new(reason::FEATURE_NOT_SUPPORTED, message)
    }

    /// The operation is not offered.
    pub fn not_supported(message: impl Into<String>) -> Self {
        Self::new(reason::OPERATION_NOT_SUPPORTED, message)
    }

    /// The reason to send to a client speaking protocol `major`: KMIP 1.x
    /// lacks the 2.x reasons, so those fall back to the 1.x equivalents
    /// the OASIS 1.x test cases use (a wrong lifecycle state is Permission
    /// Denied there).
    pub fn reason_for(&self, major: i32) -> u32 {
        if major >= 2 {
            return self.reason;
        }
        match self.reason {
            reason::WRONG_KEY_LIFECYCLE_STATE
            | reason::NOT_EXTRACTABLE
            | reason::INCOMPATIBLE_CRYPTOGRAPHIC_USAGE_MASK => reason::PERMISSION_DENIED,
            reason::OBJECT_ALREADY_EXISTS => reason::INVALID_FIELD,
            r if r > reason::OBJECT_ALREADY_EXISTS && r != reason::GENERAL_FAILURE => {
                reason::GENERAL_FAILURE
            }
            r => r,
        }
    }
}

impl From<ServiceError> for KmipError {
    fn from(e: ServiceError) -> Self {
        let r = match &e {
            ServiceError::Unauthenticated => reason::AUTHENTICATION_NOT_SUCCESSFUL,
            ServiceError::Forbidden { .. } | ServiceError::TenantForbidden { .. } => {
                reason::PERMISSION_DENIED
            }
            ServiceError::NotFound { .. } => reason::ITEM_NOT_FOUND,
            ServiceError::InvalidArgument { .. }
            | ServiceError::UnsupportedAlgorithm(_)
            | ServiceError::PayloadTooLarge { .. } => reason::INVALID_FIELD,
            ServiceError::OperationNotAllowed("export") => reason::NOT_EXTRACTABLE,
            ServiceError::OperationNotAllowed(_) => reason::PERMISSION_DENIED,
            ServiceError::WrongState(_) | ServiceError::PendingDestroy => {
                reason::WRONG_KEY_LIFECYCLE_STATE
            }
            ServiceError::AliasExists | ServiceError::AlreadyExists { .. } => {
                reason::OBJECT_ALREADY_EXISTS
            }
            ServiceError::CryptoFailed => reason::CRYPTOGRAPHIC_FAILURE,
            // Dual control: the message names the approval request, whose
            // result the same principal collects over REST.
            ServiceError::ApprovalRequired { .. }
            | ServiceError::ApprovalPending { .. }
            | ServiceError::SelfApproval => reason::PERMISSION_DENIED,
            _ => reason::GENERAL_FAILURE,
        };
        // Internal failures say nothing more than the service's own message.
        let message = match e {
            ServiceError::AliasExists => "the name is already used in this tenant".to_owned(),
            other => other.to_string(),
        };
        Self::new(r, message)
    }
}

/// Result of one operation.
pub type KmipResult<T> = Result<T, KmipError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_map_to_reasons() {
        let cases = [
            (
                ServiceError::NotFound { what: "key" },
                reason::ITEM_NOT_FOUND,
            ),
            (
                ServiceError::Forbidden { action: "x" },
                reason::PERMISSION_DENIED,
            ),
            (ServiceError::invalid("f", "r"), reason::INVALID_FIELD),
            (ServiceError::CryptoFailed, reason::CRYPTOGRAPHIC_FAILURE),
            (
                ServiceError::ApprovalRequired { class: "use" },
                reason::PERMISSION_DENIED,
            ),
            (
                ServiceError::WrongState("s".into()),
                reason::WRONG_KEY_LIFECYCLE_STATE,
            ),
            (ServiceError::Internal("x"), reason::GENERAL_FAILURE),
            (
                ServiceError::Unauthenticated,
                reason::AUTHENTICATION_NOT_SUCCESSFUL,
            ),
        ];
        for (e, r) in cases {
            assert_eq!(KmipError::from(e).reason, r);
        }
        let e = KmipError::from(ServiceError::WrongState("s".into()));
        assert_eq!(e.reason_for(1), reason::PERMISSION_DENIED);
        assert_eq!(e.reason_for(2), reason::WRONG_KEY_LIFECYCLE_STATE);
    }
}
