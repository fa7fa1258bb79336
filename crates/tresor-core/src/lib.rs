//! Tresor's domain: identifiers, algorithms, key lifecycle, principals, audit
//! records, and the ports (traits) through which the service reaches its
//! backends. Nothing here names a concrete database or crypto backend.

pub mod alert;
pub mod algorithm;
pub mod audit;
pub mod auth;
pub mod checkpoint;
pub mod discovery;
pub mod ids;
pub mod key;
pub mod pki;
pub mod ports;
pub mod secret;
pub mod self_test;
pub mod state;
pub mod stored_object;
pub mod stored_secret;
pub mod time;

pub use alert::{AlertFilter, AlertRecord, AlertSeverity, AlertState};
pub use algorithm::{Algorithm, KeyClass, Operation};
pub use audit::{AuditEvent, AuditFilter, AuditRecord, Outcome};
pub use auth::{Action, ApiKeyRecord, Caller, CertPrincipal, Role, TenantRecord};
pub use checkpoint::{Checkpoint, CheckpointFilter, CheckpointScope};
pub use ids::SecretId;
pub use ids::{Alias, ApiKeyId, CertId, IdError, KeyId, ProviderId, RequestId, TenantId};
pub use key::{KeyFilter, KeyOrigin, KeyRecord, Page, PageRequest, VersionRecord, VersionState};
pub use pki::{CaRecord, CertificateFilter, CertificateRecord};
pub use ports::bound_handle::BoundHandle;
pub use ports::capabilities::ProviderCapabilities;
pub use ports::clock::{Clock, ManualClock, SystemClock};
pub use ports::provider::{
    HashAlg, KeyContext, KeyHandle, NewKey, Provider, ProviderError, Sealed, SignInput, SignScheme,
    WrapMechanism,
};
pub use ports::store::{Change, CommitUnit, ProviderStateStore, Store, StoreError};
pub use secret::SecretBytes;
pub use self_test::SelfTestResult;
pub use state::{KeyState, RevocationReason, StateError, Transition};
pub use stored_object::{ObjectFilter, ObjectKind, ObjectRecord};
pub use stored_secret::{SecretFilter, SecretRecord, SecretSort, TimeFilter};
pub use time::Timestamp;
