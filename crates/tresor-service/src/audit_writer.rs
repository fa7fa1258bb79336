//! Group commit for audit records that are not part of a mutation (crypto
//! operations, reads, denials): callers queue a record and wait until it is
//! durable; one background task writes everything queued so far in a single
//! store transaction, so many concurrent operations share one fsync.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};
use tresor_core::{AuditEvent, Store};

type Ack = oneshot::Sender<Result<(), ()>>;

/// Handle to the background audit writer.
#[derive(Debug, Clone)]
pub struct AuditWriter {
    tx: mpsc::Sender<(AuditEvent, Ack)>,
}

impl AuditWriter {
    /// Starts the writer task on the current tokio runtime. It stops when the
    /// last handle is dropped.
    pub fn spawn(store: Arc<dyn Store>, batch_max: usize) -> Self {
        let (tx, rx) = mpsc::channel(batch_max.max(1) * 16);
        tokio::spawn(run(store, rx, batch_max.max(1)));
        Self { tx }
    }

    /// Queues a record and waits until it is committed.
    pub async fn append(&self, event: AuditEvent) -> Result<(), ()> {
        let (ack, done) = oneshot::channel();
        self.tx.send((event, ack)).await.map_err(|_| ())?;
        done.await.map_err(|_| ())?
    }
}

async fn run(store: Arc<dyn Store>, mut rx: mpsc::Receiver<(AuditEvent, Ack)>, batch_max: usize) {
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
        if let Err(e) = &result {
            tracing::error!(error = %e, records = n, "audit group commit failed");
        }
        for ack in acks.drain(..) {
            let _ = ack.send(result.as_ref().map(|_| ()).map_err(|_| ()));
        }
    }
}
