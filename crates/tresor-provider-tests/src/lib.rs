//! The Provider conformance suite: backend-independent async test cases that
//! every [`Provider`] adapter (software, PKCS#11, remote) must pass.
//!
//! Each case takes a fresh provider and the [`Claims`] made about it, and
//! panics on a contract violation. Adapters generate one `#[tokio::test]`
//! per case with [`provider_conformance_tests!`]:
//!
//! ```ignore
//! tresor_provider_tests::provider_conformance_tests!(software, || async {
//!     let provider: Arc<dyn Provider> = Arc::new(make_provider());
//!     let claims = Claims::of(provider.as_ref());
//!     (provider, claims, ()) // the third value is kept alive for the case
//! });
//! ```
//!
//! The test crate needs `tokio` (with `macros` and `rt-multi-thread`).

// Test-support code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod asymmetric;
mod claims;
mod curves;
mod lifecycle;
mod pq;
mod secret;
pub mod support;

use std::future::Future;
use std::sync::Arc;

use tresor_core::Provider;

pub use asymmetric::rsa_round_trips;
pub use claims::Claims;
pub use curves::{ec_round_trips, ed25519_round_trips, x25519_round_trips};
pub use lifecycle::{
    claims_match_provider, concurrent_operations, context_binding, destroy_then_use,
    import_and_export, random_fills,
};
pub use pq::{kem_round_trips, ml_dsa_round_trips};
pub use secret::{mac_round_trips, symmetric_round_trips};

/// What a factory returns: `(provider, claims, guard)`, or `Option` of it
/// when the backend may be missing (`None` skips the case).
pub trait Subject {
    /// Kept alive until the case ends.
    type Guard;
    /// The parts, or `None` to skip.
    fn into_parts(self) -> Option<(Arc<dyn Provider>, Claims, Self::Guard)>;
}

impl<G> Subject for (Arc<dyn Provider>, Claims, G) {
    type Guard = G;
    fn into_parts(self) -> Option<(Arc<dyn Provider>, Claims, G)> {
        Some(self)
    }
}

impl<G> Subject for Option<(Arc<dyn Provider>, Claims, G)> {
    type Guard = G;
    fn into_parts(self) -> Option<(Arc<dyn Provider>, Claims, G)> {
        self
    }
}

/// Generates a module `$name` with one `#[tokio::test]` per conformance case.
///
/// `$factory` is a closure returning a future of a [`Subject`]:
/// `(Arc<dyn Provider>, Claims, guard)` — a fresh provider, what it claims,
/// and anything that must live as long as the case (a temp dir, a token) —
/// or `Option` of that, where `None` skips the case (say why first).
#[macro_export]
macro_rules! provider_conformance_tests {
    ($name:ident, $factory:expr $(,)?) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $crate::provider_conformance_tests!(@cases $factory;
                claims_match_provider,
                symmetric_round_trips,
                mac_round_trips,
                rsa_round_trips,
                ec_round_trips,
                ed25519_round_trips,
                x25519_round_trips,
                kem_round_trips,
                ml_dsa_round_trips,
                context_binding,
                destroy_then_use,
                import_and_export,
                random_fills,
                concurrent_operations,
            );
        }
    };
    (@cases $factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let factory = $factory;
                let Some((provider, claims, _guard)) =
                    $crate::Subject::into_parts(factory().await)
                else {
                    return; // the factory said why (e.g. no HSM installed)
                };
                $crate::$case(provider, claims).await;
            }
        )*
    };
}

/// Runs every case in turn, each on a fresh provider from `factory` (the
/// same list as [`provider_conformance_tests!`]).
pub async fn run_all<F, Fut, G>(factory: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = (Arc<dyn Provider>, Claims, G)>,
{
    macro_rules! run {
        ($($case:ident),*) => {
            $(
                let (provider, claims, guard) = factory().await;
                $case(provider, claims).await;
                drop(guard);
            )*
        };
    }
    run!(
        claims_match_provider,
        symmetric_round_trips,
        mac_round_trips,
        rsa_round_trips,
        ec_round_trips,
        ed25519_round_trips,
        x25519_round_trips,
        kem_round_trips,
        ml_dsa_round_trips,
        context_binding,
        destroy_then_use,
        import_and_export,
        random_fills,
        concurrent_operations
    );
}
