//! `SaveGameManager.save_slot_async` and `load_slot_async`: saves that never
//! stall a frame.
//!
//! Only `var_to_bytes` runs on the calling thread; a core `WriteQueue` writes
//! on its worker (per-slot order, coalescing of waiting saves, a byte limit).
//! Completions are collected on the main thread once per frame (the scene
//! tree's `process_frame`), then emitted as signals and kept by request id.
//! Every synchronous method waits for queued saves first (`shared_store`),
//! and the queue is flushed when the scene tree ends, and again when the
//! library unloads.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use backup_core::{QueueCompletion, QueueOptions, QueueOutcome, RequestId, WriteQueue};
use godot::classes::{Engine, SceneTree};
use godot::prelude::*;

use crate::convert::{self, OptDict};
use crate::failure::{Failure, Outcome};
use crate::save_manager::SaveGameManager;
use crate::save_types::Form;

/// Results kept for `get_request_result`, newest first out of the window.
const KEPT_RESULTS: usize = 1024;

/// Every live queue of the process, for the flush at library unload.
static QUEUES: Mutex<Vec<Weak<WriteQueue>>> = Mutex::new(Vec::new());

/// Writes everything still queued by every `SaveGameManager` (library
/// unload: the last moment before the process may exit).
pub fn finish_all_queues() {
    let queues: Vec<Weak<WriteQueue>> = match QUEUES.lock() {
        Ok(mut q) => std::mem::take(&mut *q),
        Err(p) => std::mem::take(&mut *p.into_inner()),
    };
    for queue in queues.iter().filter_map(Weak::upgrade) {
        queue.shutdown();
    }
}

fn register(queue: &Arc<WriteQueue>) {
    let mut queues = QUEUES.lock().unwrap_or_else(|p| p.into_inner());
    queues.retain(|q| q.strong_count() > 0);
    queues.push(Arc::downgrade(queue));
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Save,
    Load,
}

/// The asynchronous side of a `SaveGameManager`: its queue, the requests
/// not yet delivered and the results kept by id.
#[derive(Default)]
pub struct QueuedSaves {
    queue: Option<Arc<WriteQueue>>,
    /// Requests whose completion has not been delivered: their slot as given.
    requests: HashMap<RequestId, (Kind, i64)>,
    /// Completions of a queue closed before they were delivered.
    undelivered: Vec<QueueCompletion>,
    results: BTreeMap<RequestId, VarDictionary>,
    /// Whether delivery and the exit flush are connected to the scene tree.
    hooked: bool,
}

impl QueuedSaves {
    /// Waits until every queued request is done (synchronous operations
    /// must see the saves requested before them).
    pub fn wait_for_all(&self) {
        if let Some(queue) = &self.queue {
            queue.flush(Duration::MAX);
        }
    }

    /// Writes everything queued and lets go of the queue (and its store);
    /// completions are delivered on the next frame.
    pub fn close(&mut self) {
        if let Some(queue) = self.queue.take() {
            queue.shutdown();
            self.undelivered.extend(queue.take_completions());
        }
    }

    fn has_pending(&self) -> bool {
        self.queue.as_ref().is_some_and(|q| q.has_pending())
    }

    fn take_completions(&mut self) -> Vec<QueueCompletion> {
        let mut done = std::mem::take(&mut self.undelivered);
        if let Some(queue) = &self.queue {
            done.extend(queue.take_completions());
        }
        done
    }

    fn keep(&mut self, id: RequestId, result: VarDictionary) {
        self.results.insert(id, result);
        while self.results.len() > KEPT_RESULTS {
            self.results.pop_first();
        }
    }
}

#[godot_api(secondary)]
impl SaveGameManager {
    /// Saves like `save_slot()`, without waiting for the disk: returns a
    /// request id at once (only `var_to_bytes` runs on the calling thread)
    /// and emits `save_completed(save_slot, success, error_message)` and
    /// `save_request_completed(request_id, save_slot, status, error_message)`
    /// on the main thread once the save is as durable as `save_slot()`
    /// makes it. While a save of a slot waits, a newer one replaces it: only
    /// the newest is written and the older request completes as
    /// `superseded`. Returns -1 (and emits `save_completed` with
    /// `success == false`) when the request is refused at once.
    #[func]
    pub fn save_slot_async(
        &mut self,
        save_slot: i64,
        data: VarDictionary,
        #[opt(default = OptDict::default())] info: OptDict,
    ) -> i64 {
        let queued = (|| -> Outcome<RequestId> {
            let version = self.schema_version()?;
            let queue = self.write_queue()?;
            let slot = queue.store().check_slot(save_slot)?;
            let bytes = self
                .encode_for_save(&data, &info.0)
                .map_err(Failure::Refused)?;
            let meta = convert::metadata_from_info(&info.0, version);
            Ok(queue.save(slot, bytes, meta)?)
        })();
        match queued {
            Ok(id) => {
                self.queued.requests.insert(id, (Kind::Save, save_slot));
                id as i64
            }
            Err(e) => {
                self.fail(&e);
                self.signals()
                    .save_completed()
                    .emit(save_slot, false, &e.to_string());
                -1
            }
        }
    }

    /// Loads like `load_slot()` on the writer thread, behind every save of
    /// the slot requested before it. Returns a request id (-1 when refused
    /// at once); emits `load_completed(save_slot, success, error_message)`
    /// and `load_request_completed(request_id, save_slot, result)` on the
    /// main thread, `result` holding the keys of `load_slot()`.
    #[func]
    pub fn load_slot_async(&mut self, save_slot: i64) -> i64 {
        let queued = (|| -> Outcome<RequestId> {
            let queue = self.write_queue()?;
            let slot = queue.store().check_slot(save_slot)?;
            Ok(queue.load(slot)?)
        })();
        match queued {
            Ok(id) => {
                self.queued.requests.insert(id, (Kind::Load, save_slot));
                id as i64
            }
            Err(e) => {
                self.fail(&e);
                self.signals()
                    .load_completed()
                    .emit(save_slot, false, &e.to_string());
                -1
            }
        }
    }

    /// The outcome of a `save_slot_async` or `load_slot_async` request:
    /// `{request_id, kind ("save"/"load"), save_slot, status, success,
    /// error_message}`; saves add `checksum`, `bytes_written`,
    /// `superseded_by`; loads add the keys of `load_slot()`. `status` is
    /// `pending` until the completion signal was emitted, then `written`,
    /// `superseded`, `failed`, `loaded` or `load_failed`; `unknown` for ids
    /// never issued or older than the last 1024 results.
    #[func]
    pub fn get_request_result(&self, request_id: i64) -> VarDictionary {
        let id = RequestId::try_from(request_id).unwrap_or(0);
        if let Some(result) = self.queued.results.get(&id) {
            return result.clone();
        }
        if let Some((kind, slot)) = self.queued.requests.get(&id) {
            return vdict! {
                "request_id" => request_id,
                "kind" => kind_name(*kind),
                "save_slot" => *slot,
                "status" => "pending",
                "success" => false,
                "error_message" => "",
            };
        }
        vdict! {
            "request_id" => request_id,
            "status" => "unknown",
            "success" => false,
            "error_message" => format!(
                "no request {request_id} (ids come from save_slot_async/load_slot_async; the last {KEPT_RESULTS} results are kept)"
            ),
        }
    }

    /// Waits up to `timeout_ms` (negative: no limit) until every queued save
    /// and load is done, then emits their completion signals. True when
    /// nothing is left pending. For games that quit their own way; quitting
    /// through the scene tree flushes by itself.
    #[func]
    pub fn flush(&mut self, timeout_ms: i64) -> bool {
        let timeout = u64::try_from(timeout_ms).map_or(Duration::MAX, Duration::from_millis);
        let done = match &self.queued.queue {
            Some(queue) => queue.flush(timeout),
            None => true,
        };
        self._deliver_queued_results();
        done
    }

    /// Whether a save or load requested with `save_slot_async` or
    /// `load_slot_async` has not finished on disk yet.
    #[func]
    pub fn has_pending_saves(&self) -> bool {
        self.queued.has_pending()
    }

    /// Emits the signals of finished requests (called every frame through
    /// the scene tree's `process_frame`).
    #[func]
    fn _deliver_queued_results(&mut self) {
        for completion in self.queued.take_completions() {
            self.deliver(completion);
        }
    }

    /// Writes every queued save before the scene tree is gone (the game
    /// quits, by `quit()`, the window's close button or the tree ending).
    #[func]
    fn _flush_queued_saves_at_exit(&mut self) {
        self.queued.wait_for_all();
        // Kept results hold Variants; let them go while the engine is whole.
        self.queued.results.clear();
    }
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Save => "save",
        Kind::Load => "load",
    }
}

impl SaveGameManager {
    /// The queue over the current store, started on first use.
    fn write_queue(&mut self) -> Outcome<Arc<WriteQueue>> {
        let store = self.open_store()?;
        if let Some(queue) = &self.queued.queue {
            if Arc::ptr_eq(queue.store(), &store) && !queue.is_stopped() {
                return Ok(Arc::clone(queue));
            }
        }
        self.queued.close();
        let queue = Arc::new(WriteQueue::new(store, QueueOptions::default())?);
        register(&queue);
        self.queued.queue = Some(Arc::clone(&queue));
        self.hook_scene_tree();
        Ok(queue)
    }

    /// Delivers completions every frame and flushes at the tree's end.
    fn hook_scene_tree(&mut self) {
        if self.queued.hooked {
            return;
        }
        let Some(main_loop) = Engine::singleton().get_main_loop() else {
            return;
        };
        let Ok(mut tree) = main_loop.try_cast::<SceneTree>() else {
            return; // No scene tree: `flush()` delivers.
        };
        let deliver = self.to_gd().callable("_deliver_queued_results");
        tree.connect("process_frame", &deliver);
        if let Some(mut root) = tree.get_root() {
            let flush = self.to_gd().callable("_flush_queued_saves_at_exit");
            root.connect("tree_exiting", &flush);
        }
        self.queued.hooked = true;
    }

    fn deliver(&mut self, completion: QueueCompletion) {
        let QueueCompletion { id, slot, outcome } = completion;
        let (kind, save_slot) = self
            .queued
            .requests
            .remove(&id)
            .unwrap_or((Kind::Save, i64::from(slot)));
        match (kind, outcome) {
            (Kind::Load, QueueOutcome::Loaded(loaded)) => self.deliver_load(id, save_slot, loaded),
            (_, outcome) => self.deliver_save(id, save_slot, outcome),
        }
    }

    fn deliver_save(&mut self, id: RequestId, save_slot: i64, outcome: QueueOutcome) {
        let status = outcome.name();
        let success = outcome.is_success();
        let message = outcome.error().map(|e| e.to_string()).unwrap_or_default();
        if !success {
            self.fail(&format!("save of slot {save_slot} failed: {message}"));
        }
        let (checksum, bytes, superseded_by) = match &outcome {
            QueueOutcome::Written(r) => (i64::from(r.checksum), r.bytes_written as i64, -1),
            QueueOutcome::Superseded { by } => (0, 0, *by as i64),
            _ => (0, 0, -1),
        };
        let result = vdict! {
            "request_id" => id as i64,
            "kind" => "save",
            "save_slot" => save_slot,
            "status" => status,
            "success" => success,
            "error_message" => message.as_str(),
            "checksum" => checksum,
            "bytes_written" => bytes,
            "superseded_by" => superseded_by,
        };
        self.queued.keep(id, result);
        self.signals()
            .save_completed()
            .emit(save_slot, success, &message);
        self.signals()
            .save_request_completed()
            .emit(id as i64, save_slot, status, &message);
    }

    fn deliver_load(
        &mut self,
        id: RequestId,
        save_slot: i64,
        loaded: backup_core::Result<backup_core::LoadedSlot>,
    ) {
        let mut result = vdict! {
            "request_id" => id as i64,
            "kind" => "load",
            "save_slot" => save_slot,
            "data" => &VarDictionary::new(),
            "info" => &VarDictionary::new(),
            "schema_version" => 0,
            "migrated" => false,
            "migrated_from_version" => -1,
            "safety_snapshot" => "",
        };
        let current = self.schema_version().ok();
        // The common case is decoded here; migrations, corruption and other
        // failures take load_slot's own path (signals, repair hints).
        let direct = match &loaded {
            Ok(slot) if Some(slot.metadata.game_schema_version) == current => self
                .decode_payload(&slot.payload, Form::Resources)
                .ok()
                .map(|data| {
                    vdict! {
                        "data" => &data,
                        "info" => &convert::metadata_to_dict(&slot.metadata),
                        "schema_version" => i64::from(slot.metadata.game_schema_version),
                    }
                }),
            _ => None,
        };
        let outcome = match direct {
            Some(found) => Ok(found),
            None => self.do_load(save_slot),
        };
        let (success, message) = match outcome {
            Ok(found) => {
                result.extend_dictionary(&found, true);
                (true, String::new())
            }
            Err(e) => (false, e.to_string()),
        };
        result.set("status", if success { "loaded" } else { "load_failed" });
        result.set("success", success);
        result.set("error_message", message.as_str());
        self.queued.keep(id, result.clone());
        self.signals()
            .load_completed()
            .emit(save_slot, success, &message);
        self.signals()
            .load_request_completed()
            .emit(id as i64, save_slot, &result);
    }
}
