//! Dual control: per-key policies that require M-of-N approval for classes
//! of operations, the approval requests that park such operations, and
//! their exactly-once execution.
//!
//! A key with a policy carries the reserved tag [`POLICY_TAG`] naming the
//! guarded classes, so unguarded keys pay nothing on the hot path.

mod alerts;
mod gate;
pub mod groups;
pub mod limits;
pub mod pending;
pub mod policy;
mod quorum;
pub mod requests;
mod service;
mod signing;

pub(crate) use gate::{current_request, is_use};
pub use groups::{ApproverGroup, GROUP_PREFIX};
pub use limits::{LIMITS_TAG, UsageLimits};
pub use pending::{Executed, PendingOp};
pub use policy::{ActionClass, Alternative, KeyPolicy, QuorumGroup, Rule};
pub use requests::{RequestState, RequestView, Vote};
pub(crate) use service::policy_change;

/// The reserved tag marking a key's guarded classes (`use,destroy`).
pub const POLICY_TAG: &str = "tresor:policy";
