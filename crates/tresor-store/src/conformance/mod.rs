//! The Store conformance suite: backend-independent async test cases that
//! every [`Store`] adapter must pass.
//!
//! Each case takes a fresh, empty store and panics on a contract violation.
//! Backends generate one `#[tokio::test]` per case with
//! [`conformance_tests!`](crate::conformance_tests):
//!
//! ```ignore
//! tresor_store::conformance_tests!(sqlite, || async {
//!     let dir = tempfile::tempdir().unwrap();
//!     let url = format!("sqlite://{}/t.db?mode=rwc", dir.path().display());
//!     let store = tresor_store::open(&url, &Default::default()).await.unwrap();
//!     (store, dir) // the second value is kept alive until the case ends
//! });
//! ```
//!
//! The test crate needs `tokio` (with the `macros` and `rt-multi-thread`
//! features) as a dev-dependency.

// Test-support code: failing loudly is the point.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod audit;
mod checkpoints;
mod cluster;
mod concurrency;
mod credentials;
mod discovery;
mod evidence;
pub mod fixtures;
mod keys;
mod listing;
mod objects;
mod pki;
mod secrets;

use std::future::Future;
use std::sync::Arc;

use tresor_core::Store;

pub use audit::{audit_chain, audit_filters_and_paging, commit_is_atomic, verify_chain};
pub use checkpoints::{checkpoint_duplicates_are_refused, checkpoints_put_and_list};
pub use cluster::{
    blobs_are_listed, import_audit_keeps_the_chain, leases_expire_and_renew, leases_one_winner,
};
pub use concurrency::{
    commit_many_isolates_failures, concurrent_commits_form_one_chain, concurrent_updates_one_wins,
};
pub use credentials::{api_keys, cert_principals, provider_blobs};
pub use discovery::discovery_scans_put_get_list;
pub use evidence::{alerts_put_and_list, sink_cursors_are_monotonic};
pub use keys::{
    aliases_unique_per_tenant, keys_create_get_update, tenants_create_get_list,
    versions_create_list_update, wrong_tenant_is_not_found,
};
pub use listing::{keys_due, list_keys_filters, list_keys_pagination};
pub use objects::{secret_objects_create_list_update_delete, secrets_filter_sort_count};
pub use pki::certificates_and_cas;
pub use secrets::secrets_create_get_list_update_delete;

/// Generates a module `$name` with one `#[tokio::test]` per conformance case.
///
/// `$factory` is a closure returning a future of `(Arc<dyn Store>, guard)`:
/// a fresh, empty store, and anything that must live as long as the case
/// (a temp dir, a database handle), dropped when the case ends.
///
/// With `optional` before the factory, the future yields
/// `Option<(Arc<dyn Store>, guard)>` instead, and a case whose factory
/// gives `None` (say, no database server configured) passes without
/// running; the factory should say why it skipped:
///
/// ```ignore
/// tresor_store::conformance_tests!(postgres, optional || fresh_postgres());
/// ```
#[macro_export]
macro_rules! conformance_tests {
    (@module $name:ident $mode:ident $factory:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            $crate::conformance_tests!(@cases $mode $factory;
                tenants_create_get_list,
                keys_create_get_update,
                aliases_unique_per_tenant,
                wrong_tenant_is_not_found,
                versions_create_list_update,
                list_keys_filters,
                list_keys_pagination,
                keys_due,
                api_keys,
                cert_principals,
                provider_blobs,
                commit_is_atomic,
                audit_chain,
                audit_filters_and_paging,
                checkpoints_put_and_list,
                checkpoint_duplicates_are_refused,
                concurrent_commits_form_one_chain,
                concurrent_updates_one_wins,
                commit_many_isolates_failures,
                leases_one_winner,
                leases_expire_and_renew,
                import_audit_keeps_the_chain,
                blobs_are_listed,
                discovery_scans_put_get_list,
                sink_cursors_are_monotonic,
                alerts_put_and_list,
                certificates_and_cas,
                secrets_create_get_list_update_delete,
                secret_objects_create_list_update_delete,
                secrets_filter_sort_count,
            );
        }
    };
    (@cases required $factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let factory = $factory;
                let (store, _guard) = factory().await;
                $crate::conformance::$case(store).await;
            }
        )*
    };
    (@cases optional $factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let factory = $factory;
                let Some((store, _guard)) = factory().await else {
                    return;
                };
                $crate::conformance::$case(store).await;
            }
        )*
    };
    ($name:ident, optional $factory:expr $(,)?) => {
        $crate::conformance_tests!(@module $name optional $factory);
    };
    ($name:ident, $factory:expr $(,)?) => {
        $crate::conformance_tests!(@module $name required $factory);
    };
}

/// Runs every case in turn, each on a fresh store from `factory` (the same
/// list as [`conformance_tests!`](crate::conformance_tests)).
pub async fn run_all<F, Fut, G>(factory: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = (Arc<dyn Store>, G)>,
{
    macro_rules! run {
        ($($case:ident),*) => {
            $(
                let (store, guard) = factory().await;
                $case(store).await;
                drop(guard);
            )*
        };
    }
    run!(
        tenants_create_get_list,
        keys_create_get_update,
        aliases_unique_per_tenant,
        wrong_tenant_is_not_found,
        versions_create_list_update,
        list_keys_filters,
        list_keys_pagination,
        keys_due,
        api_keys,
        cert_principals,
        provider_blobs,
        commit_is_atomic,
        audit_chain,
        audit_filters_and_paging,
        checkpoints_put_and_list,
        checkpoint_duplicates_are_refused,
        concurrent_commits_form_one_chain,
        concurrent_updates_one_wins,
        leases_one_winner,
        leases_expire_and_renew,
        import_audit_keeps_the_chain,
        blobs_are_listed,
        discovery_scans_put_get_list,
        sink_cursors_are_monotonic,
        alerts_put_and_list,
        certificates_and_cas,
        secrets_create_get_list_update_delete,
        secret_objects_create_list_update_delete,
        secrets_filter_sort_count
    );
}
