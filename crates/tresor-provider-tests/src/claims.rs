//! What a provider claims to do; the cases test exactly these claims (and
//! that everything else is refused honestly with `Unsupported`).

use std::collections::{BTreeMap, BTreeSet};

use tresor_core::{Algorithm, KeyClass, Operation, Provider, WrapMechanism};

/// The claims a conformance run checks.
#[derive(Debug, Clone)]
pub struct Claims {
    /// Algorithms and, for each, the operations that must work.
    pub operations: BTreeMap<Algorithm, BTreeSet<Operation>>,
    /// Whether the provider says its material is in hardware.
    pub hardware: bool,
    /// Whether `export` returns the imported material (else `Unsupported`).
    pub exportable: bool,
    /// Algorithms `import` must accept.
    pub importable: BTreeSet<Algorithm>,
    /// Wrap mechanisms that must work for algorithms claiming `Wrap` (the
    /// others must be `Unsupported`, or `InvalidInput` for another family).
    pub wrap_mechanisms: Vec<WrapMechanism>,
    /// Whether a handle stops working after `destroy` (an HSM deletes the
    /// object; a software handle is erased by the service instead).
    pub destroy_erases: bool,
    /// Whether `encrypt` returns an opaque sealed blob (a remote KMS's
    /// ciphertext, empty nonce) instead of a raw AEAD nonce and
    /// ciphertext || tag. Round trips, AAD binding and tamper detection
    /// are checked either way.
    pub opaque_ciphertext: bool,
    /// Whether signing a caller's pre-computed digest is checked (every
    /// provider offers it; a test peer that lacks it, such as moto's KMS,
    /// turns the check off and says so).
    pub sign_digests: bool,
}

impl Claims {
    /// The default claims of a provider: every operation of every algorithm
    /// in [`Provider::algorithms`]; hardware providers are not exportable
    /// and erase on destroy, software ones the opposite; all importable.
    pub fn of(provider: &dyn Provider) -> Self {
        let algorithms = provider.algorithms();
        let hardware = provider.hardware_backed();
        Self {
            operations: algorithms
                .iter()
                .map(|a| (*a, a.supported_operations()))
                .collect(),
            hardware,
            exportable: !hardware,
            importable: algorithms.into_iter().collect(),
            destroy_erases: hardware,
            opaque_ciphertext: false,
            sign_digests: true,
            wrap_mechanisms: vec![
                WrapMechanism::AesKw,
                WrapMechanism::AesKwp,
                WrapMechanism::RsaOaepSha256,
            ],
        }
    }

    /// Replaces the operations claimed for `alg` (e.g. from a provider's
    /// own capability report).
    pub fn with_operations(mut self, alg: Algorithm, ops: BTreeSet<Operation>) -> Self {
        self.operations.insert(alg, ops);
        self
    }

    /// Claimed algorithms.
    pub fn algorithms(&self) -> Vec<Algorithm> {
        self.operations.keys().copied().collect()
    }

    /// Claimed algorithms of one class.
    pub fn in_class(&self, class: KeyClass) -> Vec<Algorithm> {
        self.operations
            .keys()
            .copied()
            .filter(|a| a.class() == class)
            .collect()
    }

    /// Whether `op` is claimed for `alg`.
    pub fn allows(&self, alg: Algorithm, op: Operation) -> bool {
        self.operations.get(&alg).is_some_and(|o| o.contains(&op))
    }
}
