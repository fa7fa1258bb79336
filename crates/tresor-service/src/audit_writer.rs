//! Group commit. Callers queue audit records that are not part of a
//! mutation (crypto operations, reads, denials) and, on stores that share
//! one transaction between commits ([`Store::groups_commits`], SQLite),
//! mutations with their records; each caller waits until its own unit is
//! durable. One background task writes everything queued so far with
//! [`Store::commit_many`]: the plain records as one unit, each mutation as
//! its own unit (a failing mutation rolls back alone and gets its own
//! error), so many concurrent operations share one transaction and one
//! fsync. Durability is unchanged: nobody is answered before the commit.
//!
//! On a store that groups commits the writer is the one serial stage every
//! audited call waits for, so it runs on a thread of its own (a
//! single-threaded tokio runtime): when the store answers, the writer
//! resumes at once instead of queueing behind request tasks on the shared
//! workers. This raised encrypt throughput by ~17 % at 64 connections
//! (docs/performance.md). Stores that commit each caller's work in its own
//! transaction keep the writer on the caller's runtime, next to their
//! connection pools.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::{mpsc, oneshot};
use tresor_core::{AuditEvent, AuditRecord, Change, CommitUnit, Store, StoreError};

type Ack = oneshot::Sender<Result<(), ()>>;
type CommitAck = oneshot::Sender<Result<Vec<AuditRecord>, StoreError>>;

/// One queued unit of work.
enum Item {
    /// A record of a call that changed nothing.
    Record(AuditEvent, Ack),
    /// A mutation and its records.
    Mutation(CommitUnit, CommitAck),
}

/// Handle to the background writer.
#[derive(Clone)]
pub struct AuditWriter {
    tx: mpsc::Sender<Item>,
    high_water: Arc<AtomicU64>,
    /// Whether mutations go through the queue (else straight to the store).
    group_mutations: bool,
    store: Arc<dyn Store>,
}

impl std::fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditWriter")
            .field("high_water", &self.high_water)
            .field("group_mutations", &self.group_mutations)
            .finish_non_exhaustive()
    }
}

impl AuditWriter {
    /// Starts the writer: on a thread of its own when the store groups
    /// commits, else as a task on the current tokio runtime (which must
    /// exist). It stops when the last handle is dropped.
    pub fn spawn(store: Arc<dyn Store>, batch_max: usize) -> Self {
        let (tx, rx) = mpsc::channel(batch_max.max(1) * 16);
        let high_water = Arc::new(AtomicU64::new(0));
        let group_mutations = store.groups_commits();
        let task = run(store.clone(), rx, batch_max.max(1), high_water.clone());
        if group_mutations {
            spawn_on_own_thread(task);
        } else {
            tokio::spawn(task);
        }
        Self {
            tx,
            high_water,
            group_mutations,
            store,
        }
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
        self.tx
            .send(Item::Record(event, ack))
            .await
            .map_err(|_| ())?;
        done.await.map_err(|_| ())?
    }

    /// Commits a mutation with its records: group-committed with other
    /// callers' work where the store supports it, else directly.
    pub async fn commit(
        &self,
        changes: Vec<Change>,
        audit: Vec<AuditEvent>,
    ) -> Result<Vec<AuditRecord>, StoreError> {
        let records = if self.group_mutations {
            let (ack, done) = oneshot::channel();
            let unit = CommitUnit { changes, audit };
            self.tx
                .send(Item::Mutation(unit, ack))
                .await
                .map_err(|_| writer_gone())?;
            done.await.map_err(|_| writer_gone())??
        } else {
            self.store.commit(changes, audit).await?
        };
        if let Some(last) = records.last() {
            self.committed(last.seq);
        }
        Ok(records)
    }
}

/// Name of the writer's thread (visible in `top -H`, `perf` and `ps -L`).
const THREAD_NAME: &str = "tresor-audit";

/// Runs `task` on a new thread with a single-threaded runtime. If the
/// thread or its runtime cannot be created, the task runs on the current
/// runtime instead, so the writer always exists.
fn spawn_on_own_thread(task: impl Future<Output = ()> + Send + 'static) {
    let handle = tokio::runtime::Handle::current();
    let fallback = handle.clone();
    let slot = Arc::new(std::sync::Mutex::new(Some(task)));
    let theirs = slot.clone();
    let started = std::thread::Builder::new()
        .name(THREAD_NAME.to_owned())
        .spawn(move || {
            let Some(task) = theirs.lock().ok().and_then(|mut t| t.take()) else {
                return;
            };
            match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt.block_on(task),
                Err(e) => {
                    tracing::warn!(error = %e, "audit writer: no runtime of its own; sharing the server's");
                    fallback.spawn(task);
                }
            }
        });
    if let Err(e) = started {
        tracing::warn!(error = %e, "audit writer: no thread of its own; sharing the server's");
        if let Some(task) = slot.lock().ok().and_then(|mut t| t.take()) {
            handle.spawn(task);
        }
    }
}

fn writer_gone() -> StoreError {
    StoreError::Backend("the commit writer stopped".into())
}

async fn run(
    store: Arc<dyn Store>,
    mut rx: mpsc::Receiver<Item>,
    batch_max: usize,
    high_water: Arc<AtomicU64>,
) {
    let mut items = Vec::with_capacity(batch_max);
    while let Some(first) = rx.recv().await {
        items.push(first);
        while items.len() < batch_max {
            match rx.try_recv() {
                Ok(item) => items.push(item),
                Err(_) => break,
            }
        }
        write_batch(store.as_ref(), std::mem::take(&mut items), &high_water).await;
    }
}

/// Writes one batch: the plain records as the first unit, then each
/// mutation; answers every caller.
async fn write_batch(store: &dyn Store, items: Vec<Item>, high_water: &AtomicU64) {
    let mut records = Vec::new();
    let mut record_acks = Vec::new();
    let mut units = Vec::new();
    let mut unit_acks = Vec::new();
    for item in items {
        match item {
            Item::Record(event, ack) => {
                records.push(event);
                record_acks.push(ack);
            }
            Item::Mutation(unit, ack) => {
                units.push(unit);
                unit_acks.push(ack);
            }
        }
    }
    let n_records = records.len();
    let has_records = n_records > 0;
    if has_records {
        units.insert(
            0,
            CommitUnit {
                changes: Vec::new(),
                audit: records,
            },
        );
    }
    let mut results = if units.len() == 1 {
        // One unit: a plain commit, no savepoint needed.
        let unit = units.remove(0);
        vec![store.commit(unit.changes, unit.audit).await]
    } else {
        store.commit_many(units).await
    }
    .into_iter();
    if has_records {
        let result = results.next().unwrap_or_else(|| Err(writer_gone()));
        match &result {
            Ok(written) => {
                if let Some(last) = written.last() {
                    high_water.fetch_max(last.seq, Ordering::SeqCst);
                }
            }
            Err(e) => tracing::error!(error = %e, records = n_records, "audit group commit failed"),
        }
        for ack in record_acks {
            let _ = ack.send(result.as_ref().map(|_| ()).map_err(|_| ()));
        }
    }
    for ack in unit_acks {
        let result = results.next().unwrap_or_else(|| Err(writer_gone()));
        let _ = ack.send(result);
    }
}
