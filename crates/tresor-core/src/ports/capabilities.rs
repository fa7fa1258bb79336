//! What a provider can do, as the registry reports it: algorithms with the
//! operations each supports, whether material lives in hardware, whether it
//! can ever leave the provider, and FIPS status.

use std::collections::{BTreeMap, BTreeSet};

use crate::algorithm::{Algorithm, Operation};

/// A provider's typed capability report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderCapabilities {
    /// Algorithms the provider generates and uses, with their operations.
    pub algorithms: BTreeMap<Algorithm, BTreeSet<Operation>>,
    /// Material lives in hardware (an HSM token).
    pub hardware_backed: bool,
    /// Key material can leave the provider (export of exportable keys).
    pub extractable: bool,
    /// Validated FIPS 140 module in an approved mode. Only `true` when that
    /// can be said truthfully; neither built-in provider claims it.
    pub fips: bool,
}

impl ProviderCapabilities {
    /// A report built from a list of algorithms, each with every operation
    /// the algorithm supports.
    pub fn from_algorithms(
        algorithms: impl IntoIterator<Item = Algorithm>,
        hardware_backed: bool,
    ) -> Self {
        Self {
            algorithms: algorithms
                .into_iter()
                .map(|a| (a, a.supported_operations()))
                .collect(),
            hardware_backed,
            extractable: !hardware_backed,
            fips: false,
        }
    }

    /// Operations available for `alg` (empty when unsupported).
    pub fn operations(&self, alg: Algorithm) -> BTreeSet<Operation> {
        self.algorithms.get(&alg).cloned().unwrap_or_default()
    }

    /// Whether `alg` is offered with every operation in `ops`.
    pub fn supports(&self, alg: Algorithm, ops: &BTreeSet<Operation>) -> bool {
        self.algorithms
            .get(&alg)
            .is_some_and(|have| ops.is_subset(have))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supports_checks_every_operation() {
        let c = ProviderCapabilities::from_algorithms([Algorithm::Aes256Gcm], false);
        let enc: BTreeSet<_> = [Operation::Encrypt, Operation::Decrypt].into();
        assert!(c.supports(Algorithm::Aes256Gcm, &enc));
        assert!(c.supports(Algorithm::Aes256Gcm, &BTreeSet::new()));
        assert!(!c.supports(Algorithm::Aes256Gcm, &[Operation::Sign].into()));
        assert!(!c.supports(Algorithm::EcP256, &BTreeSet::new()));
        assert!(c.extractable && !c.fips && !c.hardware_backed);
    }
}
