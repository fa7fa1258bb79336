//! Group commit for audit records that are not part of a mutation (crypto
//! operations, reads, denials): callers queue a record and wait until it is
//! durable; one background task writes everything queued so far in a single
//! store transaction, so many concurrent operations share one fsync.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};
use tresor_core::{AuditEvent, Store};

type Ack = oneshot::Sender<Result<(), ()>>;

/// Handle to the background audit writer.
#[derive(Debug, Clone)]
pub struct AuditWriter {
    tx: mpsc::Sender<(AuditEvent, Ack)>,
    high_water: Arc<AtomicU64>,
}

impl AuditWriter {
    /// Starts the writer task on the current tokio runtime. It stops when the
    /// last handle is dropped.
    pub fn spawn(store: Arc<dyn Store>, batch_max: usize) -> Self {
        let (tx, rx) = mpsc::channel(batch_max.max(1) * 16);
        let high_water = Arc::new(AtomicU64::new(0));
        tokio::spawn(run(store, rx, batch_max.max(1), high_water.clone()));
        Self { tx, high_water }
    }

    /// Notes that records up to `seq` were committed (by any path).
    pub fn committed(&self, seq: u64) {
        self.high_water.fetch_max(seq, Ordering::SeqCst);
    }

    /// The highest audit sequence number this process has seen committed:
    /// the chain in the store must reach at least this far, so records
    /// deleted from its end are detected while the server runs.
    pub fn high_water(&self) -> u64 {
        self.high_water.load(Ordering::SeqCst)
    }

    /// Queues a record and waits until it is committed.
    pub async fn append(&self, event: AuditEvent) -> Result<(), ()> {
        let (ack, done) = oneshot::channel();
        self.tx.send((event, ack)).await.map_err(|_| ())?;
        done.await.map_err(|_| ())?
    }
}

async fn run(
    store: Arc<dyn Store>,
    mut rx: mpsc::Receiver<(AuditEvent, Ack)>,
    batch_max: usize,
    high_water: Arc<AtomicU64>,
) {
    let mut events = Vec::with_capacity(batch_max);
    let mut acks = Vec::with_capacity(batch_max);
    while let Some((event, ack)) = rx.recv().await {
        events.push(event);
        acks.push(ack);
        while events.len() < batch_max {
            match rx.try_recv() {
                Ok((event, ack)) => {
                    events.push(event);
                    acks.push(ack);
                }
                Err(_) => break,
            }
        }
        let batch = std::mem::take(&mut events);
        let n = batch.len();
        let result = store.commit(Vec::new(), batch).await;
        match &result {
            Ok(records) => {
                if let Some(last) = records.last() {
                    high_water.fetch_max(last.seq, Ordering::SeqCst);
                }
            }
            Err(e) => tracing::error!(error = %e, records = n, "audit group commit failed"),
        }
        for ack in acks.drain(..) {
            let _ = ack.send(result.as_ref().map(|_| ()).map_err(|_| ()));
        }
    }
}
