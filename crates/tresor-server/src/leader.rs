//! Scheduler leadership across a cluster: every node runs the scheduler
//! loop, but only the holder of the store lease [`SCHEDULER_LEASE`] does the
//! scheduled work (rotations, destroys, and any other job of the loop). The
//! leader renews the lease on every tick; if it dies, the lease expires
//! after its ttl and another node's next tick takes it over. A node that
//! shuts down releases the lease so another can take over at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tresor_core::Store;

/// The lease that guards the scheduler loop.
pub const SCHEDULER_LEASE: &str = "scheduler";

/// A random id for this process (`node-<uuid>`), logged at start and used
/// as the lease holder.
pub(crate) fn new_node_id() -> String {
    format!("node-{}", uuid::Uuid::new_v4().simple())
}

/// This node's claim on the scheduler lease.
#[derive(Debug, Clone)]
pub(crate) struct Leadership {
    /// The lease name ([`SCHEDULER_LEASE`] unless made with [`Leadership::named`]).
    name: &'static str,
    store: Arc<dyn Store>,
    node_id: String,
    ttl: Duration,
    leader: Arc<AtomicBool>,
}

impl Leadership {
    pub(crate) fn new(store: Arc<dyn Store>, node_id: String, ttl: Duration) -> Self {
        Self::named(SCHEDULER_LEASE, store, node_id, ttl)
    }

    /// A claim on another lease (e.g. audit delivery's).
    pub(crate) fn named(
        name: &'static str,
        store: Arc<dyn Store>,
        node_id: String,
        ttl: Duration,
    ) -> Self {
        Self {
            name,
            store,
            node_id,
            ttl,
            leader: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Shared flag: whether this node led at its last tick.
    pub(crate) fn flag(&self) -> Arc<AtomicBool> {
        self.leader.clone()
    }

    /// Takes or renews the lease; whether this node may run the jobs now.
    /// A store failure counts as "not leader" (better skip a pass than run
    /// it twice).
    pub(crate) async fn hold(&self) -> bool {
        let held = match self
            .store
            .try_acquire_lease(self.name, &self.node_id, self.ttl)
            .await
        {
            Ok(held) => held,
            Err(e) => {
                tracing::warn!(lease = self.name, error = %e, "cannot renew the lease; skipping this pass");
                false
            }
        };
        let was = self.leader.swap(held, Ordering::SeqCst);
        match (was, held) {
            (false, true) => {
                tracing::info!(lease = self.name, node_id = %self.node_id, "this node now holds the lease and runs its jobs");
            }
            (true, false) => {
                tracing::warn!(lease = self.name, node_id = %self.node_id, "lost the lease to another node");
            }
            _ => {}
        }
        held
    }

    /// Gives the lease up (on shutdown) if this node holds it.
    pub(crate) async fn release(&self) {
        if !self.leader.swap(false, Ordering::SeqCst) {
            return;
        }
        match self.store.release_lease(self.name, &self.node_id).await {
            Ok(()) => {
                tracing::info!(lease = self.name, node_id = %self.node_id, "released the lease")
            }
            Err(e) => {
                tracing::warn!(lease = self.name, error = %e, "cannot release the lease; it expires by itself");
            }
        }
    }
}

/// The lease ttl: the configured one, else three scheduler intervals (at
/// least one second).
pub(crate) fn lease_ttl(interval: Duration, configured_seconds: u64) -> Duration {
    if configured_seconds > 0 {
        Duration::from_secs(configured_seconds)
    } else {
        (interval * 3).max(Duration::from_secs(1))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ttl_defaults_to_three_intervals() {
        assert_eq!(
            lease_ttl(Duration::from_secs(60), 0),
            Duration::from_secs(180)
        );
        assert_eq!(lease_ttl(Duration::from_secs(1), 5), Duration::from_secs(5));
        let a = new_node_id();
        assert!(a.starts_with("node-") && a != new_node_id());
    }
}
