//! The group-commit writer: many callers, one committing thread.
//!
//! [`Writer::append`] queues a [`Draft`] and returns at once with a [`Pending`] receipt; a
//! single thread takes everything queued while the previous commit ran and commits it as one
//! batch ([`crate::store::append_batch`]: entries, nodes, size and a signed checkpoint in one
//! transaction), then acknowledges every receipt with its index. Under load a batch holds
//! hundreds of entries for the cost of one transaction; alone, an entry commits at once. A
//! receipt resolves only after its transaction committed, so an acknowledged entry survives the
//! process being killed. The queue is bounded ([`WriterOptions::queue`]): a full queue refuses
//! at once rather than holding callers. A failed commit fails that batch's receipts, marks the
//! writer unhealthy ([`Status`]) and the next batch reopens the store and tries again.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::entry::{Draft, Encoded, MAX_ENTRY_BYTES};
use crate::note::Signer;
use crate::store::{self, Backend, StoreError, Target};

/// Why an entry was not logged.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AppendError {
    /// The store failed (the message names it).
    #[error("decision log {0}")]
    Store(String),
    /// The queue is full: the store does not keep up.
    #[error("decision log queue is full ({0} entries waiting)")]
    QueueFull(usize),
    /// The writer has stopped.
    #[error("decision log writer has stopped")]
    Stopped,
    /// The entry itself was refused.
    #[error("decision log entry refused: {0}")]
    Entry(String),
    /// Not acknowledged within the wait given.
    #[error("decision log did not acknowledge within {0:?}")]
    Timeout(Duration),
}

/// Writer settings.
#[derive(Debug, Clone, Copy)]
pub struct WriterOptions {
    /// Most entries waiting to be committed.
    pub queue: usize,
    /// Most entries per transaction.
    pub max_batch: usize,
}

impl Default for WriterOptions {
    fn default() -> Self {
        WriterOptions { queue: 65_536, max_batch: 8_192 }
    }
}

/// Counters for `/metrics` and `/readyz`.
#[derive(Debug, Default)]
pub struct Status {
    /// Entries committed.
    pub appended: AtomicU64,
    /// Entries that failed.
    pub failed: AtomicU64,
    /// Transactions committed.
    pub batches: AtomicU64,
    /// The tree size after the last commit.
    pub size: AtomicU64,
    /// Whether the last commit (or the open) succeeded.
    pub healthy: AtomicBool,
    /// Entries queued and not yet committed.
    pub queued: AtomicU64,
    /// The last failure, if the writer is unhealthy.
    pub last_error: Mutex<Option<String>>,
}

struct Request {
    /// The entry, encoded on the caller's thread; `None`: a probe (an empty write transaction
    /// that checks the store is writable).
    draft: Option<Encoded>,
    ack: tokio::sync::oneshot::Sender<Result<u64, AppendError>>,
    /// Committed even when nobody waits for the receipt ([`Writer::append_detached`]).
    detached: bool,
}

/// An entry's receipt: resolves to its index once committed.
pub struct Pending(Result<tokio::sync::oneshot::Receiver<Result<u64, AppendError>>, AppendError>);

impl Pending {
    /// Waits (blocking the thread) for the commit.
    ///
    /// # Errors
    /// Why the entry was not logged.
    pub fn wait(self) -> Result<u64, AppendError> {
        match self.0 {
            Ok(rx) => rx.blocking_recv().unwrap_or(Err(AppendError::Stopped)),
            Err(e) => Err(e),
        }
    }

    /// Waits asynchronously for the commit, at most `limit`.
    ///
    /// # Errors
    /// Why the entry was not logged, or [`AppendError::Timeout`].
    pub async fn wait_for(self, limit: Duration) -> Result<u64, AppendError> {
        match self.0 {
            Ok(rx) => match tokio::time::timeout(limit, rx).await {
                Ok(Ok(result)) => result,
                Ok(Err(_)) => Err(AppendError::Stopped),
                Err(_) => Err(AppendError::Timeout(limit)),
            },
            Err(e) => Err(e),
        }
    }
}

/// A log writer; dropping it commits what is queued and stops the thread.
pub struct Writer {
    /// Dropped to stop the WAL checkpointer (SQLite).
    checkpointer: Option<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>)>,
    sender: Option<SyncSender<Request>>,
    status: Arc<Status>,
    thread: Option<std::thread::JoinHandle<()>>,
    queue: usize,
    target: String,
}

impl Writer {
    /// Opens the store (creating it when missing) and starts the committing thread.
    ///
    /// # Errors
    /// When the store cannot be opened, or was created for another key's origin.
    pub fn open(target: &Target, signer: Signer, options: WriterOptions) -> Result<Writer, StoreError> {
        let mut backend = open_for_writing(target)?;
        // Refuse another log's key now rather than on the first decision.
        {
            let mut reader = backend.reader()?;
            if let Some(origin) = reader.origin()?
                && origin != signer.name()
            {
                return Err(StoreError::Mismatch(format!(
                    "{}: the log was created for origin `{origin}`, but the signing key is `{}`",
                    target.display(),
                    signer.name()
                )));
            }
        }
        let status = Arc::new(Status::default());
        status.healthy.store(true, Ordering::Relaxed);
        let (sender, receiver) = std::sync::mpsc::sync_channel(options.queue.max(1));
        let thread_status = Arc::clone(&status);
        let thread_target = target.clone();
        let max_batch = options.max_batch.max(1);
        let thread = std::thread::Builder::new()
            .name("vigil-log-writer".into())
            .spawn(move || commit_loop(backend, &thread_target, &signer, &receiver, &thread_status, max_batch))
            .map_err(|e| StoreError::Database(format!("starting the log writer: {e}")))?;
        let checkpointer = match target {
            Target::Sqlite(path) => Some(start_checkpointer(path)?),
            Target::Postgres(_) => None,
        };
        Ok(Writer {
            checkpointer,
            sender: Some(sender),
            status,
            thread: Some(thread),
            queue: options.queue.max(1),
            target: target.display(),
        })
    }

    /// Queues an entry; the receipt resolves once it is committed.
    pub fn append(&self, draft: Draft) -> Pending {
        let Some(sender) = &self.sender else { return Pending(Err(AppendError::Stopped)) };
        let draft = match draft.encode() {
            Ok(encoded) => encoded,
            Err(e) => {
                self.status.failed.fetch_add(1, Ordering::Relaxed);
                return Pending(Err(AppendError::Entry(e.to_string())));
            }
        };
        let (ack, rx) = tokio::sync::oneshot::channel();
        self.status.queued.fetch_add(1, Ordering::Relaxed);
        match sender.try_send(Request { draft: Some(draft), ack, detached: false }) {
            Ok(()) => Pending(Ok(rx)),
            Err(e) => {
                self.status.queued.fetch_sub(1, Ordering::Relaxed);
                self.status.failed.fetch_add(1, Ordering::Relaxed);
                Pending(Err(match e {
                    TrySendError::Full(_) => AppendError::QueueFull(self.queue),
                    TrySendError::Disconnected(_) => AppendError::Stopped,
                }))
            }
        }
    }

    /// Queues an entry nobody will wait for (a policy reload, an alert): committed with the
    /// next batch even though its receipt is dropped, unlike [`Writer::append`]'s, whose entry
    /// is left out once its receipt is dropped before the batch begins.
    ///
    /// # Errors
    /// When the queue is full or the writer has stopped.
    pub fn append_detached(&self, draft: Draft) -> Result<(), AppendError> {
        let Some(sender) = &self.sender else { return Err(AppendError::Stopped) };
        let draft = draft.encode().map_err(|e| {
            self.status.failed.fetch_add(1, Ordering::Relaxed);
            AppendError::Entry(e.to_string())
        })?;
        let (ack, _) = tokio::sync::oneshot::channel();
        self.status.queued.fetch_add(1, Ordering::Relaxed);
        sender.try_send(Request { draft: Some(draft), ack, detached: true }).map_err(|e| {
            self.status.queued.fetch_sub(1, Ordering::Relaxed);
            self.status.failed.fetch_add(1, Ordering::Relaxed);
            match e {
                TrySendError::Full(_) => AppendError::QueueFull(self.queue),
                TrySendError::Disconnected(_) => AppendError::Stopped,
            }
        })
    }

    /// Checks, on the committing thread, that the store can be written (an empty exclusive
    /// transaction; the store is reopened when it had failed), updating [`Status::healthy`]:
    /// how an unhealthy writer recovers while no entries arrive.
    pub fn probe(&self) -> Pending {
        let Some(sender) = &self.sender else { return Pending(Err(AppendError::Stopped)) };
        let (ack, rx) = tokio::sync::oneshot::channel();
        self.status.queued.fetch_add(1, Ordering::Relaxed);
        match sender.try_send(Request { draft: None, ack, detached: false }) {
            Ok(()) => Pending(Ok(rx)),
            Err(_) => {
                self.status.queued.fetch_sub(1, Ordering::Relaxed);
                Pending(Err(AppendError::QueueFull(self.queue)))
            }
        }
    }

    /// Counters and health.
    #[must_use]
    pub fn status(&self) -> &Arc<Status> {
        &self.status
    }

    /// The store, for messages.
    #[must_use]
    pub fn target(&self) -> &str {
        &self.target
    }

    /// Commits what is queued and stops.
    pub fn close(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        self.sender = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        if let Some((stop, thread)) = self.checkpointer.take() {
            drop(stop);
            let _ = thread.join();
        }
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn commit_loop(
    backend: Box<dyn Backend>,
    target: &Target,
    signer: &Signer,
    receiver: &Receiver<Request>,
    status: &Status,
    max_batch: usize,
) {
    let mut backend = Some(backend);
    while let Ok(first) = receiver.recv() {
        let mut batch = vec![first];
        while batch.len() < max_batch {
            match receiver.try_recv() {
                Ok(request) => batch.push(request),
                Err(_) => break,
            }
        }
        status.queued.fetch_sub(batch.len() as u64, Ordering::Relaxed);
        // Entries were encoded (and sized for any index) by their callers, so no entry can
        // fail the batch.
        let mut accepted = Vec::with_capacity(batch.len());
        let mut probes = Vec::new();
        for request in batch {
            let Some(draft) = request.draft else {
                probes.push(request.ack);
                continue;
            };
            // A receipt nobody waits for any more (its review answered without it, by the
            // failure mode) is not committed: the log must not claim a decision that was not
            // the answer given. The caller records what happened instead.
            if !request.detached && request.ack.is_closed() {
                status.failed.fetch_add(1, Ordering::Relaxed);
                continue;
            }
            accepted.push((draft, request.ack));
        }
        if !probes.is_empty() {
            let result = probe(&mut backend, target);
            match &result {
                Ok(size) => {
                    status.healthy.store(true, Ordering::Relaxed);
                    status.size.store(*size, Ordering::Relaxed);
                    if let Ok(mut last) = status.last_error.lock() {
                        *last = None;
                    }
                }
                Err(e) => {
                    status.healthy.store(false, Ordering::Relaxed);
                    if let Ok(mut last) = status.last_error.lock() {
                        *last = Some(format!("{}: {e}", target.display()));
                    }
                    backend = None;
                }
            }
            for ack in probes {
                let _ = ack.send(result.as_ref().map(|s| *s).map_err(|e| AppendError::Store(e.to_string())));
            }
        }
        if accepted.is_empty() {
            continue;
        }
        let result = commit(&mut backend, target, signer, &accepted);
        match result {
            Ok(first) => {
                let count = accepted.len() as u64;
                status.appended.fetch_add(count, Ordering::Relaxed);
                status.batches.fetch_add(1, Ordering::Relaxed);
                status.size.store(first + count, Ordering::Relaxed);
                status.healthy.store(true, Ordering::Relaxed);
                if let Ok(mut last) = status.last_error.lock() {
                    *last = None;
                }
                for (i, (_, ack)) in accepted.into_iter().enumerate() {
                    let _ = ack.send(Ok(first + i as u64));
                }
            }
            Err(e) => {
                let message = format!("{}: {e}", target.display());
                status.failed.fetch_add(accepted.len() as u64, Ordering::Relaxed);
                status.healthy.store(false, Ordering::Relaxed);
                if let Ok(mut last) = status.last_error.lock() {
                    *last = Some(message.clone());
                }
                // Reopen before the next batch (a dropped database connection, a replaced file).
                backend = None;
                for (_, ack) in accepted {
                    let _ = ack.send(Err(AppendError::Store(message.clone())));
                }
            }
        }
    }
}

type Ack = tokio::sync::oneshot::Sender<Result<u64, AppendError>>;

/// The committing connection: for SQLite without automatic WAL checkpoints (the
/// checkpointer thread runs them, so a commit never waits for one).
fn open_for_writing(target: &Target) -> Result<Box<dyn Backend>, StoreError> {
    match target {
        Target::Sqlite(path) => Ok(Box::new(store::sqlite::Sqlite::open_writer(path)?)),
        Target::Postgres(_) => store::open(target),
    }
}

/// Runs a passive WAL checkpoint every 250 ms until the sender is dropped, and once more then.
fn start_checkpointer(
    path: &std::path::Path,
) -> Result<(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>), StoreError> {
    let checkpointer = store::sqlite::Checkpointer::open(path)?;
    let (stop, stopped) = std::sync::mpsc::channel::<()>();
    let thread = std::thread::Builder::new()
        .name("vigil-log-checkpoint".into())
        .spawn(move || {
            while let Err(std::sync::mpsc::RecvTimeoutError::Timeout) = stopped.recv_timeout(Duration::from_millis(250))
            {
                // A failure (busy, a replaced file) is retried on the next tick; the WAL only
                // grows meanwhile.
                let _ = checkpointer.run();
            }
            let _ = checkpointer.run();
        })
        .map_err(|e| StoreError::Database(format!("starting the log checkpointer: {e}")))?;
    Ok((stop, thread))
}

fn probe(backend: &mut Option<Box<dyn Backend>>, target: &Target) -> Result<u64, StoreError> {
    if backend.is_none() {
        *backend = Some(open_for_writing(target)?);
    }
    let Some(store) = backend.as_mut() else {
        return Err(StoreError::Database("no store".into()));
    };
    let (size, _) = store.write(&mut |txn| Ok((txn.size()?, String::new())))?;
    Ok(size)
}

fn commit(
    backend: &mut Option<Box<dyn Backend>>,
    target: &Target,
    signer: &Signer,
    batch: &[(Encoded, Ack)],
) -> Result<u64, StoreError> {
    if backend.is_none() {
        *backend = Some(open_for_writing(target)?);
    }
    let Some(store) = backend.as_mut() else {
        return Err(StoreError::Database("no store".into()));
    };
    let (first, _) = store.write(&mut |txn| {
        store::append_batch(txn, signer, batch.len(), &mut |i, index| {
            let (encoded, _) = batch.get(i).ok_or_else(|| "batch index out of range".to_owned())?;
            Ok(encoded.at(index))
        })
    })?;
    Ok(first)
}

const _: () = assert!(MAX_ENTRY_BYTES <= u16::MAX as usize);
