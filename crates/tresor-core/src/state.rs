//! The key lifecycle: one explicit state machine (NIST SP 800-57 / KMIP),
//! plus a reversible suspension.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::algorithm::Operation;

/// Lifecycle state of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum KeyState {
    /// Created but not yet usable.
    PreActive,
    /// Usable for every allowed operation.
    Active,
    /// Reversibly disabled: no operation at all until enabled again.
    Suspended,
    /// Retired: may still decrypt / verify / unwrap existing data.
    Deactivated,
    /// Revoked as compromised: processing operations only.
    Compromised,
    /// Material erased; metadata and history remain.
    Destroyed,
    /// Material erased and known to have been compromised.
    DestroyedCompromised,
}

impl KeyState {
    /// Every state.
    pub const ALL: [KeyState; 7] = [
        KeyState::PreActive,
        KeyState::Active,
        KeyState::Suspended,
        KeyState::Deactivated,
        KeyState::Compromised,
        KeyState::Destroyed,
        KeyState::DestroyedCompromised,
    ];

    /// Wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            KeyState::PreActive => "pre-active",
            KeyState::Active => "active",
            KeyState::Suspended => "suspended",
            KeyState::Deactivated => "deactivated",
            KeyState::Compromised => "compromised",
            KeyState::Destroyed => "destroyed",
            KeyState::DestroyedCompromised => "destroyed-compromised",
        }
    }

    /// Parses a wire name.
    pub fn parse(s: &str) -> Option<Self> {
        KeyState::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// True once the material is gone.
    pub fn is_destroyed(self) -> bool {
        matches!(self, KeyState::Destroyed | KeyState::DestroyedCompromised)
    }

    /// Whether a key in this state may perform `op`.
    pub fn permits(self, op: Operation) -> bool {
        match self {
            KeyState::Active => true,
            KeyState::Deactivated | KeyState::Compromised => op.is_processing(),
            KeyState::PreActive
            | KeyState::Suspended
            | KeyState::Destroyed
            | KeyState::DestroyedCompromised => false,
        }
    }

    /// Applies a transition, or says why it is not allowed.
    pub fn apply(self, t: Transition) -> Result<KeyState, StateError> {
        use KeyState::*;
        let next = match (self, t) {
            (PreActive | Suspended, Transition::Enable) => Active,
            (Active, Transition::Disable) => Suspended,
            (PreActive | Active | Suspended, Transition::Deactivate) => Deactivated,
            (PreActive | Active | Suspended | Deactivated, Transition::Compromise) => Compromised,
            (Destroyed, Transition::Compromise) => DestroyedCompromised,
            (PreActive | Suspended | Deactivated, Transition::Destroy) => Destroyed,
            (Compromised, Transition::Destroy) => DestroyedCompromised,
            (Active, Transition::Destroy) => return Err(StateError::ActiveKey),
            (from, t) => {
                return Err(StateError::NotAllowed {
                    from,
                    transition: t,
                });
            }
        };
        Ok(next)
    }
}

impl fmt::Display for KeyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request to move a key to another state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Transition {
    /// Activate a pre-active key or resume a suspended one.
    Enable,
    /// Suspend an active key.
    Disable,
    /// Revoke for a reason other than compromise.
    Deactivate,
    /// Revoke because the key is (or may be) compromised.
    Compromise,
    /// Crypto-shred the material.
    Destroy,
}

impl Transition {
    /// Every transition.
    pub const ALL: [Transition; 5] = [
        Transition::Enable,
        Transition::Disable,
        Transition::Deactivate,
        Transition::Compromise,
        Transition::Destroy,
    ];
}

impl fmt::Display for Transition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Transition::Enable => "enable",
            Transition::Disable => "disable",
            Transition::Deactivate => "deactivate",
            Transition::Compromise => "compromise",
            Transition::Destroy => "destroy",
        })
    }
}

/// Why a transition was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    #[error("cannot {transition} a key that is {from}")]
    NotAllowed {
        from: KeyState,
        transition: Transition,
    },
    #[error("an active key must be disabled or revoked before it is destroyed")]
    ActiveKey,
}

/// Why a key was revoked (KMIP revocation reason codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum RevocationReason {
    Unspecified,
    KeyCompromise,
    CaCompromise,
    AffiliationChanged,
    Superseded,
    CessationOfOperation,
    PrivilegeWithdrawn,
}

impl RevocationReason {
    /// Whether revoking for this reason marks the key compromised.
    pub fn is_compromise(self) -> bool {
        matches!(
            self,
            RevocationReason::KeyCompromise | RevocationReason::CaCompromise
        )
    }

    /// The transition revoking for this reason performs.
    pub fn transition(self) -> Transition {
        if self.is_compromise() {
            Transition::Compromise
        } else {
            Transition::Deactivate
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use KeyState::*;

    /// The whole transition table, written out once: (from, transition) -> to.
    const TABLE: &[(KeyState, Transition, Option<KeyState>)] = &[
        (PreActive, Transition::Enable, Some(Active)),
        (PreActive, Transition::Disable, None),
        (PreActive, Transition::Deactivate, Some(Deactivated)),
        (PreActive, Transition::Compromise, Some(Compromised)),
        (PreActive, Transition::Destroy, Some(Destroyed)),
        (Active, Transition::Enable, None),
        (Active, Transition::Disable, Some(Suspended)),
        (Active, Transition::Deactivate, Some(Deactivated)),
        (Active, Transition::Compromise, Some(Compromised)),
        (Active, Transition::Destroy, None),
        (Suspended, Transition::Enable, Some(Active)),
        (Suspended, Transition::Disable, None),
        (Suspended, Transition::Deactivate, Some(Deactivated)),
        (Suspended, Transition::Compromise, Some(Compromised)),
        (Suspended, Transition::Destroy, Some(Destroyed)),
        (Deactivated, Transition::Enable, None),
        (Deactivated, Transition::Disable, None),
        (Deactivated, Transition::Deactivate, None),
        (Deactivated, Transition::Compromise, Some(Compromised)),
        (Deactivated, Transition::Destroy, Some(Destroyed)),
        (Compromised, Transition::Enable, None),
        (Compromised, Transition::Disable, None),
        (Compromised, Transition::Deactivate, None),
        (Compromised, Transition::Compromise, None),
        (Compromised, Transition::Destroy, Some(DestroyedCompromised)),
        (Destroyed, Transition::Enable, None),
        (Destroyed, Transition::Disable, None),
        (Destroyed, Transition::Deactivate, None),
        (
            Destroyed,
            Transition::Compromise,
            Some(DestroyedCompromised),
        ),
        (Destroyed, Transition::Destroy, None),
        (DestroyedCompromised, Transition::Enable, None),
        (DestroyedCompromised, Transition::Disable, None),
        (DestroyedCompromised, Transition::Deactivate, None),
        (DestroyedCompromised, Transition::Compromise, None),
        (DestroyedCompromised, Transition::Destroy, None),
    ];

    #[test]
    fn every_transition_from_every_state() {
        assert_eq!(TABLE.len(), KeyState::ALL.len() * Transition::ALL.len());
        for &(from, t, to) in TABLE {
            assert_eq!(from.apply(t).ok(), to, "{from} --{t}-->");
        }
    }

    #[test]
    fn operations_by_state() {
        for op in Operation::ALL {
            assert!(Active.permits(op));
            assert!(!Suspended.permits(op));
            assert!(!PreActive.permits(op));
            assert!(!Destroyed.permits(op));
            assert_eq!(Deactivated.permits(op), op.is_processing());
            assert_eq!(Compromised.permits(op), op.is_processing());
        }
    }

    #[test]
    fn names() {
        for s in KeyState::ALL {
            assert_eq!(KeyState::parse(s.as_str()), Some(s));
        }
    }
}
