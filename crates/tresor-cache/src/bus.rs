//! The invalidation bus between nodes: PostgreSQL `LISTEN/NOTIFY` when the
//! store is PostgreSQL, else Redis pub/sub when Redis is configured.
//!
//! While a node's subscription is down it cannot hear other nodes'
//! changes, so it stops answering from its caches (every read goes to the
//! database) until it has subscribed again and dropped everything cached.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use sqlx::postgres::{PgListener, PgPool};

use crate::invalidation::{CHANNEL, Invalidation};
use crate::l1::L1;
use crate::stats::Counters;

/// Wait between reconnection attempts.
const RETRY: Duration = Duration::from_millis(500);
/// Largest NOTIFY payload sent (PostgreSQL's limit is 8000 bytes).
const MAX_PAYLOAD: usize = 7000;

/// What the listener tasks and the store share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub l1: L1,
    /// False while a configured bus is not subscribed.
    pub listening: AtomicBool,
    /// What the caches count.
    pub counters: Arc<Counters>,
}

impl Shared {
    /// Applies one bus message (lines of encoded invalidations).
    pub fn apply(&self, payload: &str) {
        for line in payload.lines() {
            self.counters.invalidation_received();
            self.l1.invalidate(&Invalidation::decode(line));
        }
    }

    fn up(&self) {
        // Whatever was missed while down is gone with the cache.
        self.l1.clear();
        self.listening.store(true, Ordering::SeqCst);
    }

    fn down(&self, what: &str, error: &dyn std::fmt::Display) {
        if self.listening.swap(false, Ordering::SeqCst) {
            tracing::warn!(%error, what, "cache invalidation bus lost; caches bypassed until it is back");
        }
        self.l1.clear();
    }
}

/// The message for a commit's invalidations (one per line; `*` when too
/// long).
pub(crate) fn payload(invs: &[Invalidation]) -> String {
    let text = invs
        .iter()
        .map(Invalidation::encode)
        .collect::<Vec<_>>()
        .join("\n");
    if text.len() > MAX_PAYLOAD || text.contains('\0') {
        Invalidation::All.encode()
    } else {
        text
    }
}

/// Sends a message with `pg_notify` (after the commit, outside its
/// transaction: listeners must not drop caches before the change is
/// visible).
pub(crate) async fn notify(pool: &PgPool, message: &str) -> Result<(), sqlx::Error> {
    sqlx::query("SELECT pg_notify($1, $2)")
        .bind(CHANNEL)
        .bind(message)
        .execute(pool)
        .await
        .map(|_| ())
}

/// Subscribes once (used at start so the first requests are cached).
pub(crate) async fn pg_subscribe(pool: &PgPool) -> Result<PgListener, sqlx::Error> {
    let mut l = PgListener::connect_with(pool).await?;
    l.listen(CHANNEL).await?;
    Ok(l)
}

/// Listens on PostgreSQL until aborted, re-subscribing after a loss.
pub(crate) async fn pg_listen(pool: PgPool, shared: Arc<Shared>, mut first: Option<PgListener>) {
    loop {
        let mut listener = match first.take() {
            Some(l) => l,
            None => match pg_subscribe(&pool).await {
                Ok(l) => l,
                Err(e) => {
                    shared.down("postgres listen", &e);
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            },
        };
        shared.up();
        loop {
            match listener.try_recv().await {
                Ok(Some(n)) => shared.apply(n.payload()),
                Ok(None) => {
                    shared.down("postgres listen", &"connection lost");
                    break;
                }
                Err(e) => {
                    shared.down("postgres listen", &e);
                    break;
                }
            }
        }
        tokio::time::sleep(RETRY).await;
    }
}

/// Subscribes once on Redis, with a timeout.
pub(crate) async fn redis_subscribe(
    client: &redis::Client,
    channel: &str,
) -> Option<redis::aio::PubSub> {
    let attempt = async {
        let mut ps = client.get_async_pubsub().await?;
        ps.subscribe(channel).await?;
        Ok::<_, redis::RedisError>(ps)
    };
    match tokio::time::timeout(Duration::from_secs(1), attempt).await {
        Ok(Ok(ps)) => Some(ps),
        Ok(Err(e)) => {
            tracing::debug!(error = %e, "Redis subscribe failed");
            None
        }
        Err(_) => None,
    }
}

/// Listens on Redis until aborted, re-subscribing after a loss.
pub(crate) async fn redis_listen(
    client: redis::Client,
    channel: String,
    shared: Arc<Shared>,
    mut first: Option<redis::aio::PubSub>,
) {
    loop {
        let ps = match first.take() {
            Some(ps) => ps,
            None => match redis_subscribe(&client, &channel).await {
                Some(ps) => ps,
                None => {
                    shared.down("redis subscribe", &"unreachable");
                    tokio::time::sleep(RETRY).await;
                    continue;
                }
            },
        };
        shared.up();
        let mut messages = ps.into_on_message();
        while let Some(msg) = messages.next().await {
            match msg.get_payload::<String>() {
                Ok(p) => shared.apply(&p),
                Err(_) => shared.l1.clear(),
            }
        }
        shared.down("redis subscribe", &"connection lost");
        tokio::time::sleep(RETRY).await;
    }
}
