//! The service's error: one variant per thing a caller can act on, each with
//! a stable machine code. Crypto failures are a single opaque variant.

use tresor_core::{Outcome, ProviderError, StateError, StoreError};

/// What went wrong with a service call.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServiceError {
    #[error("authentication required")]
    Unauthenticated,
    #[error("not permitted: {action}")]
    Forbidden { action: &'static str },
    #[error("this credential may not act in tenant '{tenant}'")]
    TenantForbidden { tenant: String },
    #[error("{what} not found")]
    NotFound { what: &'static str },
    #[error("invalid {field}: {reason}")]
    InvalidArgument { field: &'static str, reason: String },
    #[error("unsupported algorithm: {0}")]
    UnsupportedAlgorithm(String),
    #[error("the key does not allow operation '{0}'")]
    OperationNotAllowed(&'static str),
    #[error("invalid key state: {0}")]
    WrongState(String),
    #[error("the key is scheduled for destruction")]
    PendingDestroy,
    #[error("alias already in use in this tenant")]
    AliasExists,
    #[error("{what} already exists")]
    AlreadyExists { what: &'static str },
    #[error("the credential is already revoked")]
    AlreadyRevoked,
    #[error("the object was modified concurrently; retry")]
    Conflict,
    #[error("{field} exceeds the limit of {limit} bytes")]
    PayloadTooLarge { field: &'static str, limit: usize },
    /// Decryption, unwrapping, or decapsulation failed. Deliberately says nothing more.
    #[error("cryptographic operation failed")]
    CryptoFailed,
    #[error("the key provider is unavailable")]
    ProviderUnavailable(#[source] ProviderError),
    #[error("the audit log is unavailable; the operation was not performed")]
    AuditUnavailable,
    /// The audit chain does not verify at record `seq` (nothing is signed
    /// over a broken chain).
    #[error("the audit chain is broken at record {seq}")]
    AuditChainBroken { seq: u64 },
    #[error("storage failure")]
    Store(#[source] StoreError),
    #[error("internal error")]
    Internal(&'static str),
    /// A certificate request outside its profile (refused, audited as denied).
    #[error("refused by the certificate profile: {0}")]
    ProfileViolation(String),
    /// Refused by the tenant's crypto policy (names the rules broken).
    #[error("refused by the tenant crypto policy: {0}")]
    PolicyViolation(String),
    /// The tenant's quota for this kind of object is used up.
    #[error("quota reached: the tenant may hold at most {limit} {what}")]
    QuotaExceeded { what: &'static str, limit: u64 },
    /// The object is in use (e.g. a secret with registered consumers).
    #[error("{0}")]
    InUse(&'static str),
    /// The key's policy needs approval for this class of operation, and
    /// this operation cannot be queued for approval.
    #[error(
        "the key's policy requires M-of-N approval for {class} operations; this operation cannot be requested for approval (see docs/dual-control.md)"
    )]
    ApprovalRequired { class: &'static str },
    /// The operation was parked as an approval request.
    #[error("approval required: request {request} is pending until {}", expires_at.to_rfc3339())]
    ApprovalPending {
        request: String,
        expires_at: tresor_core::Timestamp,
    },
    /// A usage limit of the key's policy (window, network, count) refuses
    /// the call.
    #[error("refused by the key's usage limits: {0}")]
    LimitReached(String),
    /// An approver tried to approve their own request.
    #[error("requesters cannot approve their own requests")]
    SelfApproval,
    /// Too many failed sign-ins: the account is locked for a while.
    #[error("the account is locked after repeated failed sign-ins; try again after {until}")]
    AccountLocked { until: String },
    /// The session must pass the second factor (or enrol one) first.
    #[error("{0}")]
    MfaRequired(&'static str),
    /// Approving needs a recent proof of identity in this session.
    #[error(
        "approving needs a recent sign-in: re-enter your password (and authenticator code) first"
    )]
    ReauthRequired,
}

/// Broad class of an error, for transports to pick a status code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    Unauthenticated,
    Forbidden,
    NotFound,
    BadRequest,
    Conflict,
    TooLarge,
    Unavailable,
    Internal,
    /// Accepted for later: an approval request was opened.
    Pending,
}

impl ServiceError {
    /// The stable machine code, e.g. `key_not_found`.
    pub fn code(&self) -> &'static str {
        match self {
            ServiceError::Unauthenticated => "unauthenticated",
            ServiceError::Forbidden { .. } => "forbidden",
            ServiceError::TenantForbidden { .. } => "tenant_forbidden",
            ServiceError::NotFound { what } => match *what {
                "key" => "key_not_found",
                "key version" => "version_not_found",
                "tenant" => "tenant_not_found",
                "api key" => "api_key_not_found",
                "certificate principal" => "cert_principal_not_found",
                "provider" => "provider_not_found",
                "certificate" => "certificate_not_found",
                "CA" => "ca_not_found",
                "secret" => "secret_not_found",
                "container" => "container_not_found",
                "order" => "order_not_found",
                "consumer" => "consumer_not_found",
                "approval request" => "request_not_found",
                _ => "not_found",
            },
            ServiceError::InvalidArgument { .. } => "invalid_argument",
            ServiceError::UnsupportedAlgorithm(_) => "unsupported_algorithm",
            ServiceError::OperationNotAllowed(_) => "operation_not_allowed",
            ServiceError::WrongState(_) => "invalid_key_state",
            ServiceError::PendingDestroy => "key_pending_destroy",
            ServiceError::AliasExists => "alias_exists",
            ServiceError::AlreadyExists { .. } => "already_exists",
            ServiceError::AlreadyRevoked => "already_revoked",
            ServiceError::Conflict => "conflict",
            ServiceError::PayloadTooLarge { .. } => "payload_too_large",
            ServiceError::CryptoFailed => "crypto_failed",
            ServiceError::ProviderUnavailable(_) => "provider_unavailable",
            ServiceError::AuditUnavailable => "audit_unavailable",
            ServiceError::AuditChainBroken { .. } => "audit_chain_broken",
            ServiceError::Store(_) => "storage_error",
            ServiceError::Internal(_) => "internal",
            ServiceError::ProfileViolation(_) => "profile_violation",
            ServiceError::PolicyViolation(_) => "policy_violation",
            ServiceError::QuotaExceeded { .. } => "quota_exceeded",
            ServiceError::InUse(_) => "in_use",
            ServiceError::ApprovalRequired { .. } => "approval_required",
            ServiceError::ApprovalPending { .. } => "approval_pending",
            ServiceError::SelfApproval => "self_approval",
            ServiceError::LimitReached(_) => "usage_limit",
            ServiceError::AccountLocked { .. } => "account_locked",
            ServiceError::MfaRequired(_) => "mfa_required",
            ServiceError::ReauthRequired => "reauth_required",
        }
    }

    /// The error's class.
    pub fn kind(&self) -> ErrorKind {
        match self {
            ServiceError::Unauthenticated
            | ServiceError::AccountLocked { .. }
            | ServiceError::MfaRequired(_)
            | ServiceError::ReauthRequired => ErrorKind::Unauthenticated,
            ServiceError::Forbidden { .. } | ServiceError::TenantForbidden { .. } => {
                ErrorKind::Forbidden
            }
            ServiceError::NotFound { .. } => ErrorKind::NotFound,
            ServiceError::InvalidArgument { .. }
            | ServiceError::UnsupportedAlgorithm(_)
            | ServiceError::OperationNotAllowed(_)
            | ServiceError::CryptoFailed => ErrorKind::BadRequest,
            ServiceError::WrongState(_)
            | ServiceError::PendingDestroy
            | ServiceError::AliasExists
            | ServiceError::AlreadyExists { .. }
            | ServiceError::AlreadyRevoked
            | ServiceError::AuditChainBroken { .. }
            | ServiceError::Conflict => ErrorKind::Conflict,
            ServiceError::PayloadTooLarge { .. } => ErrorKind::TooLarge,
            ServiceError::ProviderUnavailable(_) | ServiceError::AuditUnavailable => {
                ErrorKind::Unavailable
            }
            ServiceError::Store(StoreError::Backend(_)) => ErrorKind::Unavailable,
            ServiceError::Store(_) | ServiceError::Internal(_) => ErrorKind::Internal,
            ServiceError::ProfileViolation(_) | ServiceError::PolicyViolation(_) => {
                ErrorKind::BadRequest
            }
            ServiceError::QuotaExceeded { .. } => ErrorKind::Forbidden,
            ServiceError::InUse(_) => ErrorKind::Conflict,
            ServiceError::ApprovalRequired { .. }
            | ServiceError::SelfApproval
            | ServiceError::LimitReached(_) => ErrorKind::Forbidden,
            ServiceError::ApprovalPending { .. } => ErrorKind::Pending,
        }
    }

    /// How the audit record classifies this failure.
    pub fn outcome(&self) -> Outcome {
        if matches!(
            self,
            ServiceError::ProfileViolation(_) | ServiceError::PolicyViolation(_)
        ) {
            return Outcome::Denied;
        }
        if matches!(self, ServiceError::QuotaExceeded { .. }) {
            return Outcome::Failed;
        }
        match self.kind() {
            ErrorKind::Unauthenticated | ErrorKind::Forbidden | ErrorKind::Pending => {
                Outcome::Denied
            }
            _ => Outcome::Failed,
        }
    }

    /// Shorthand for [`ServiceError::InvalidArgument`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        ServiceError::InvalidArgument {
            field,
            reason: reason.into(),
        }
    }
}

impl From<StoreError> for ServiceError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::AliasTaken => ServiceError::AliasExists,
            StoreError::Conflict => ServiceError::Conflict,
            StoreError::Duplicate => ServiceError::AlreadyExists { what: "object" },
            other => ServiceError::Store(other),
        }
    }
}

impl From<StateError> for ServiceError {
    fn from(e: StateError) -> Self {
        ServiceError::WrongState(e.to_string())
    }
}

impl From<ProviderError> for ServiceError {
    fn from(e: ProviderError) -> Self {
        match e {
            ProviderError::Crypto => ServiceError::CryptoFailed,
            ProviderError::InvalidKey(r) => ServiceError::invalid("key material", r),
            ProviderError::InvalidInput(r) => ServiceError::invalid("input", r),
            ProviderError::Unsupported(what) => ServiceError::invalid("operation", what),
            other => ServiceError::ProviderUnavailable(other),
        }
    }
}

/// Service result.
pub type Result<T, E = ServiceError> = std::result::Result<T, E>;
