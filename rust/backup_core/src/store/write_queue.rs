//! Saves that never make the caller wait for the disk: a [`WriteQueue`] owns
//! one worker thread that writes a [`SlotStore`]'s saves in the background.
//!
//! - Per slot, saves commit in the order they were queued. While a save of a
//!   slot waits its turn, a newer save of that slot replaces it (coalescing):
//!   only the newest waiting data is written, and the replaced requests
//!   complete as [`QueueOutcome::Superseded`] once it is. Slots are
//!   independent: each has at most one save waiting and one being written,
//!   and slots take turns in the order their work arrived.
//! - A completion means what a synchronous [`SlotStore::save`] returning
//!   means: the save is as durable as the store's durability promises. A
//!   save that has not completed when the process dies or the power goes is
//!   lost, and the previous save of its slot stands (the store's atomic
//!   commit guarantees that, whichever thread runs it).
//! - Memory is bounded by [`QueueOptions::max_queued_bytes`]: a save that
//!   would pass it waits for room up to [`QueueOptions::full_wait`], then
//!   fails with [`Error::QueueFull`].
//! - Reads are the caller's to order: [`WriteQueue::wait_for_slot`] and
//!   [`WriteQueue::flush`] wait until earlier saves completed, and
//!   [`WriteQueue::load`] queues a load behind the slot's pending saves.
//! - Dropping the queue (or [`WriteQueue::shutdown`]) writes everything still
//!   queued before the worker stops.

use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use super::slot_store::{lock, SlotStore};
use super::types::{QueueCompletion, QueueOptions, QueueOutcome, RequestId};

/// Request ids are unique in the process, not only in one queue: a game
/// that reopens its save folder (a new queue) must never see an id of the
/// old queue answered by a request of the new one. Taken under the queue's
/// lock, so ids still grow in call order within each queue.
static NEXT_REQUEST_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

fn next_request_id() -> RequestId {
    NEXT_REQUEST_ID.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}
use crate::error::{Error, Result};
use crate::record::metadata::SlotMetadata;

/// A background writer for one [`SlotStore`]. Cheap to share behind an `Arc`;
/// every method may be called from any thread.
#[derive(Debug)]
pub struct WriteQueue {
    shared: Arc<Shared>,
    worker: Mutex<Option<JoinHandle<()>>>,
}

#[derive(Debug)]
struct Shared {
    store: Arc<SlotStore>,
    options: QueueOptions,
    state: Mutex<State>,
    /// Signalled when there is work (or the queue stops).
    work: Condvar,
    /// Signalled when a request completed or room was freed.
    progress: Condvar,
}

#[derive(Debug, Default)]
struct State {
    last_id: RequestId,
    slots: HashMap<u32, SlotQueue>,
    ready: VecDeque<Task>,
    /// Payload bytes of waiting saves and of the save being written.
    queued_bytes: u64,
    /// Oldest request the worker's current task answers for.
    current: Option<RequestId>,
    /// Slot and oldest request of the save being written.
    writing: Option<(u32, RequestId)>,
    completions: VecDeque<QueueCompletion>,
    stopping: bool,
}

#[derive(Debug, Default)]
struct SlotQueue {
    waiting: Option<Pending>,
}

#[derive(Debug)]
struct Pending {
    id: RequestId,
    payload: Vec<u8>,
    metadata: SlotMetadata,
    /// Older requests this one replaced, oldest first.
    superseded: Vec<RequestId>,
}

impl Pending {
    fn first_id(&self) -> RequestId {
        self.superseded.first().copied().unwrap_or(self.id)
    }
}

#[derive(Debug, Clone, Copy)]
enum Task {
    /// Write the slot's waiting save.
    Save(u32),
    Load {
        id: RequestId,
        slot: u32,
    },
}

impl WriteQueue {
    /// Starts the worker thread for `store`.
    pub fn new(store: Arc<SlotStore>, options: QueueOptions) -> Result<Self> {
        let shared = Arc::new(Shared {
            store,
            options,
            state: Mutex::new(State::default()),
            work: Condvar::new(),
            progress: Condvar::new(),
        });
        let worker_shared = Arc::clone(&shared);
        let worker = thread::Builder::new()
            .name("backup_system writer".into())
            .spawn(move || worker_shared.run())
            .map_err(|e| Error::io("start the writer thread for", shared.store.root(), e))?;
        Ok(WriteQueue {
            shared,
            worker: Mutex::new(Some(worker)),
        })
    }

    /// The store the queue writes to.
    pub fn store(&self) -> &Arc<SlotStore> {
        &self.shared.store
    }

    /// The options the queue runs with.
    pub fn options(&self) -> &QueueOptions {
        &self.shared.options
    }

    /// Queues a save of `payload` into `slot` and returns its request id at
    /// once (or after waiting for room, see [`QueueOptions`]). A bad slot, an
    /// oversized payload or a read-only store fail here, before queueing.
    pub fn save(&self, slot: u32, payload: Vec<u8>, metadata: SlotMetadata) -> Result<RequestId> {
        let store = &self.shared.store;
        store.writable()?;
        store.check_slot(slot.into())?;
        let size = payload.len() as u64;
        if size > store.options().max_payload_bytes {
            return Err(Error::TooLarge {
                size,
                limit: store.options().max_payload_bytes,
            });
        }
        let mut state = self.wait_for_room(slot, size)?;
        state.last_id = next_request_id();
        let id = state.last_id;
        let queue = state.slots.entry(slot).or_default();
        let new = Pending {
            id,
            payload,
            metadata,
            superseded: Vec::new(),
        };
        let freed = match queue.waiting.replace(new) {
            Some(old) => {
                let freed = old.payload.len() as u64;
                let waiting = queue.waiting.as_mut().expect("just placed");
                waiting.superseded = old.superseded;
                waiting.superseded.push(old.id);
                freed
            }
            None => {
                state.ready.push_back(Task::Save(slot));
                self.shared.work.notify_one();
                0
            }
        };
        state.queued_bytes = state.queued_bytes - freed + size;
        Ok(id)
    }

    /// Queues a load of `slot` behind every save of it queued so far; its
    /// completion holds [`QueueOutcome::Loaded`].
    pub fn load(&self, slot: u32) -> Result<RequestId> {
        self.shared.store.check_slot(slot.into())?;
        let mut state = lock(&self.shared.state);
        if state.stopping {
            return Err(Error::QueueStopped);
        }
        state.last_id = next_request_id();
        let id = state.last_id;
        state.ready.push_back(Task::Load { id, slot });
        self.shared.work.notify_one();
        Ok(id)
    }

    /// Waits until every save of `slot` queued before this call has
    /// completed. False when `timeout` passed first.
    pub fn wait_for_slot(&self, slot: u32, timeout: Duration) -> bool {
        let state = lock(&self.shared.state);
        let target = state.last_id;
        self.wait_until(state, timeout, |s| !s.slot_pending_upto(slot, target))
            .1
    }

    /// Waits until every request queued before this call has completed.
    /// False when `timeout` passed first (`Duration::MAX`: no limit).
    pub fn flush(&self, timeout: Duration) -> bool {
        let state = lock(&self.shared.state);
        let target = state.last_id;
        self.wait_until(state, timeout, |s| !s.pending_upto(target))
            .1
    }

    /// Whether any request is waiting or being worked on.
    pub fn has_pending(&self) -> bool {
        let state = lock(&self.shared.state);
        state.current.is_some() || !state.ready.is_empty()
    }

    /// Payload bytes held by saves not yet written.
    pub fn queued_bytes(&self) -> u64 {
        lock(&self.shared.state).queued_bytes
    }

    /// Every completion not taken yet, in the order they happened.
    pub fn take_completions(&self) -> Vec<QueueCompletion> {
        lock(&self.shared.state).completions.drain(..).collect()
    }

    /// The completion of request `id`, if it has completed and was not taken.
    pub fn take_completion(&self, id: RequestId) -> Option<QueueCompletion> {
        let mut state = lock(&self.shared.state);
        let index = state.completions.iter().position(|c| c.id == id)?;
        state.completions.remove(index)
    }

    /// Waits for request `id` to complete and takes its completion. `None`
    /// when `timeout` passed first, or when it was already taken.
    pub fn wait_completion(&self, id: RequestId, timeout: Duration) -> Option<QueueCompletion> {
        let state = lock(&self.shared.state);
        if id > state.last_id {
            return None;
        }
        let (mut state, _) = self.wait_until(state, timeout, |s| {
            s.completions.iter().any(|c| c.id == id) || !s.pending_upto(id)
        });
        let index = state.completions.iter().position(|c| c.id == id)?;
        state.completions.remove(index)
    }

    /// Stops taking requests, writes everything queued and stops the worker.
    /// Completions stay readable. Calling it again does nothing.
    pub fn shutdown(&self) {
        lock(&self.shared.state).stopping = true;
        self.shared.work.notify_all();
        self.shared.progress.notify_all();
        if let Some(worker) = lock(&self.worker).take() {
            // The worker catches panics of the store; a failure to join
            // would mean a bug in the queue itself, with nothing left to do.
            let _ = worker.join();
        }
    }

    /// Whether [`shutdown`](Self::shutdown) was called.
    pub fn is_stopped(&self) -> bool {
        lock(&self.shared.state).stopping
    }

    fn wait_for_room(&self, slot: u32, size: u64) -> Result<MutexGuard<'_, State>> {
        let limit = self.shared.options.max_queued_bytes;
        let started = Instant::now();
        let deadline = started.checked_add(self.shared.options.full_wait);
        let mut state = lock(&self.shared.state);
        loop {
            if state.stopping {
                return Err(Error::QueueStopped);
            }
            // A waiting save of the same slot is replaced, so its bytes go.
            let replaced = state
                .slots
                .get(&slot)
                .and_then(|q| q.waiting.as_ref())
                .map_or(0, |p| p.payload.len() as u64);
            let others = state.queued_bytes - replaced;
            if others == 0 || others.saturating_add(size) <= limit {
                return Ok(state);
            }
            let now = Instant::now();
            let remaining = deadline.map(|d| d.saturating_duration_since(now));
            if remaining == Some(Duration::ZERO) {
                return Err(Error::QueueFull {
                    queued: state.queued_bytes,
                    size,
                    limit,
                    waited_ms: started.elapsed().as_millis() as u64,
                });
            }
            state = match remaining {
                Some(r) => {
                    self.shared
                        .progress
                        .wait_timeout(state, r)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
                None => self
                    .shared
                    .progress
                    .wait(state)
                    .unwrap_or_else(|p| p.into_inner()),
            };
        }
    }

    fn wait_until<'a>(
        &'a self,
        mut state: MutexGuard<'a, State>,
        timeout: Duration,
        done: impl Fn(&State) -> bool,
    ) -> (MutexGuard<'a, State>, bool) {
        let deadline = Instant::now().checked_add(timeout);
        loop {
            if done(&state) {
                return (state, true);
            }
            state = match deadline {
                None => self
                    .shared
                    .progress
                    .wait(state)
                    .unwrap_or_else(|p| p.into_inner()),
                Some(deadline) => {
                    let remaining = deadline.saturating_duration_since(Instant::now());
                    if remaining.is_zero() {
                        let ok = done(&state);
                        return (state, ok);
                    }
                    self.shared
                        .progress
                        .wait_timeout(state, remaining)
                        .unwrap_or_else(|p| p.into_inner())
                        .0
                }
            };
        }
    }
}

impl Drop for WriteQueue {
    fn drop(&mut self) {
        self.shutdown();
    }
}

impl State {
    fn task_first_id(&self, task: &Task) -> RequestId {
        match *task {
            Task::Save(slot) => self
                .slots
                .get(&slot)
                .and_then(|q| q.waiting.as_ref())
                .map_or(RequestId::MAX, Pending::first_id),
            Task::Load { id, .. } => id,
        }
    }

    /// Whether a request up to `target` has not completed yet.
    fn pending_upto(&self, target: RequestId) -> bool {
        self.current.is_some_and(|c| c <= target)
            || self.ready.iter().any(|t| self.task_first_id(t) <= target)
    }

    /// Whether a save of `slot` up to `target` has not completed yet.
    fn slot_pending_upto(&self, slot: u32, target: RequestId) -> bool {
        let waiting = self
            .slots
            .get(&slot)
            .and_then(|q| q.waiting.as_ref())
            .is_some_and(|p| p.first_id() <= target);
        waiting
            || self
                .writing
                .is_some_and(|(s, first)| s == slot && first <= target)
    }
}

impl Shared {
    /// The worker: takes tasks in arrival order until the queue stops and
    /// nothing is left.
    fn run(&self) {
        let mut state = lock(&self.state);
        loop {
            let Some(task) = state.ready.pop_front() else {
                if state.stopping {
                    return;
                }
                state = self.work.wait(state).unwrap_or_else(|p| p.into_inner());
                continue;
            };
            match task {
                Task::Save(slot) => {
                    let Some(pending) = state.slots.get_mut(&slot).and_then(|q| q.waiting.take())
                    else {
                        continue;
                    };
                    let first = pending.first_id();
                    state.current = Some(first);
                    state.writing = Some((slot, first));
                    drop(state);
                    let result =
                        guarded(|| self.store.save(slot, &pending.payload, &pending.metadata));
                    state = lock(&self.state);
                    state.writing = None;
                    state.queued_bytes -= pending.payload.len() as u64;
                    let outcome = match result {
                        Ok(receipt) => QueueOutcome::Written(receipt),
                        Err(e) => QueueOutcome::Failed(Arc::new(e)),
                    };
                    for &old in &pending.superseded {
                        let outcome = match &outcome {
                            QueueOutcome::Failed(e) => QueueOutcome::Failed(Arc::clone(e)),
                            _ => QueueOutcome::Superseded { by: pending.id },
                        };
                        state.completions.push_back(QueueCompletion {
                            id: old,
                            slot,
                            outcome,
                        });
                    }
                    state.completions.push_back(QueueCompletion {
                        id: pending.id,
                        slot,
                        outcome,
                    });
                }
                Task::Load { id, slot } => {
                    state.current = Some(id);
                    drop(state);
                    let result = guarded(|| self.store.load(slot));
                    state = lock(&self.state);
                    state.completions.push_back(QueueCompletion {
                        id,
                        slot,
                        outcome: QueueOutcome::Loaded(result),
                    });
                }
            }
            state.current = None;
            self.progress.notify_all();
        }
    }
}

/// Runs store work, turning a panic into an error for the request's caller:
/// the worker must outlive any one request.
fn guarded<T>(work: impl FnOnce() -> Result<T>) -> Result<T> {
    catch_unwind(AssertUnwindSafe(work)).unwrap_or_else(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        Err(Error::WorkerPanicked(message))
    })
}
