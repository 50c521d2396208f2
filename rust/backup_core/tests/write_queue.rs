//! The write queue: order, coalescing, read-your-writes, the byte limit,
//! error delivery and the flush at shutdown. A storage wrapper holds the
//! worker inside a write (a gate) or fails chosen writes, so that every
//! interleaving tested here is forced, not hoped for.

mod common;

use std::collections::HashSet;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use backup_core::{
    Error, FileStat, LockGuard, ManualClock, OpKind, QueueCompletion, QueueOptions, QueueOutcome,
    SlotStore, StdStorage, Storage, StoreOptions, WriteQueue,
};
use common::{fast_options, meta};

const LONG: Duration = Duration::from_secs(20);

/// Real files, plus a gate that holds writers of `.tmp` files while closed,
/// failures for chosen paths, and panics on demand.
#[derive(Debug, Default)]
struct GatedStorage {
    state: Mutex<Gate>,
    changed: Condvar,
}

#[derive(Debug, Default)]
struct Gate {
    closed: bool,
    held: usize,
    fail_containing: Option<(String, io::ErrorKind)>,
    panic_containing: Option<String>,
}

impl GatedStorage {
    fn close(&self) {
        self.state.lock().unwrap().closed = true;
    }

    fn open(&self) {
        self.state.lock().unwrap().closed = false;
        self.changed.notify_all();
    }

    /// Waits until a writer is held at the gate.
    fn wait_held(&self) {
        let deadline = Instant::now() + LONG;
        let mut gate = self.state.lock().unwrap();
        while gate.held == 0 {
            assert!(Instant::now() < deadline, "no writer reached the gate");
            gate = self
                .changed
                .wait_timeout(gate, Duration::from_millis(50))
                .unwrap()
                .0;
        }
    }

    fn fail_writes_to(&self, fragment: &str, kind: io::ErrorKind) {
        self.state.lock().unwrap().fail_containing = Some((fragment.into(), kind));
    }

    fn panic_on_writes_to(&self, fragment: &str) {
        self.state.lock().unwrap().panic_containing = Some(fragment.into());
    }

    fn heal(&self) {
        let mut gate = self.state.lock().unwrap();
        gate.fail_containing = None;
        gate.panic_containing = None;
    }
}

impl Storage for GatedStorage {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        StdStorage.read(path)
    }
    fn stat(&self, path: &Path) -> io::Result<Option<FileStat>> {
        StdStorage.stat(path)
    }
    fn write_file(&self, path: &Path, parts: &[&[u8]], sync: bool) -> io::Result<()> {
        let name = path.to_string_lossy().into_owned();
        let mut gate = self.state.lock().unwrap();
        if name.ends_with(".tmp") {
            gate.held += 1;
            self.changed.notify_all();
            while gate.closed {
                gate = self.changed.wait(gate).unwrap();
            }
            gate.held -= 1;
        }
        if let Some(fragment) = &gate.panic_containing {
            if name.contains(fragment.as_str()) {
                drop(gate);
                panic!("simulated bug while writing {name}");
            }
        }
        if let Some((fragment, kind)) = &gate.fail_containing {
            if name.contains(fragment.as_str()) {
                return Err(io::Error::new(*kind, "simulated failure"));
            }
        }
        drop(gate);
        StdStorage.write_file(path, parts, sync)
    }
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        StdStorage.rename(from, to)
    }
    fn remove(&self, path: &Path) -> io::Result<()> {
        StdStorage.remove(path)
    }
    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        StdStorage.list(dir)
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        StdStorage.sync_dir(dir)
    }
    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        StdStorage.create_dir_all(dir)
    }
    fn try_lock(&self, path: &Path) -> io::Result<Option<LockGuard>> {
        StdStorage.try_lock(path)
    }
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    gate: Arc<GatedStorage>,
    store: Arc<SlotStore>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("saves");
    let gate = Arc::new(GatedStorage::default());
    let store = SlotStore::open_with(
        &root,
        fast_options(),
        gate.clone(),
        Arc::new(ManualClock::fixed()),
    )
    .unwrap();
    Fixture {
        _dir: dir,
        root,
        gate,
        store: Arc::new(store),
    }
}

fn queue(f: &Fixture) -> WriteQueue {
    WriteQueue::new(Arc::clone(&f.store), QueueOptions::default()).unwrap()
}

fn data(tag: &str, len: usize) -> Vec<u8> {
    let mut bytes = tag.as_bytes().to_vec();
    bytes.resize(len.max(tag.len()), b'.');
    bytes
}

fn loaded(store: &SlotStore, slot: u32) -> Vec<u8> {
    store.load(slot).unwrap().payload
}

fn completion(queue: &WriteQueue, id: u64) -> QueueCompletion {
    queue
        .wait_completion(id, LONG)
        .unwrap_or_else(|| panic!("request {id} did not complete"))
}

#[test]
fn saves_of_a_slot_commit_in_order_and_waiting_ones_coalesce_to_the_newest() {
    let f = fixture();
    let q = queue(&f);
    f.gate.close();
    let first = q.save(0, data("v1", 100), meta("A")).unwrap();
    f.gate.wait_held(); // v1 is being written
    let v2 = q.save(0, data("v2", 100), meta("A")).unwrap();
    let v3 = q.save(0, data("v3", 100), meta("A")).unwrap();
    let other = q.save(1, data("other", 100), meta("B")).unwrap();
    let v4 = q.save(0, data("v4", 100), meta("A")).unwrap();
    assert!(first < v2 && v2 < v3 && v3 < v4, "ids grow in call order");
    assert!(q.has_pending());
    f.gate.open();
    assert!(q.flush(LONG));
    assert!(!q.has_pending());

    let done = q.take_completions();
    let order: Vec<u64> = done.iter().map(|c| c.id).collect();
    let outcome = |id| &done.iter().find(|c| c.id == id).unwrap().outcome;
    assert!(matches!(outcome(first), QueueOutcome::Written(_)));
    assert!(matches!(outcome(v2), QueueOutcome::Superseded { by } if *by == v4));
    assert!(matches!(outcome(v3), QueueOutcome::Superseded { by } if *by == v4));
    assert!(matches!(outcome(v4), QueueOutcome::Written(r) if r.slot == 0));
    assert!(matches!(outcome(other), QueueOutcome::Written(r) if r.slot == 1));
    let pos = |id| order.iter().position(|&x| x == id).unwrap();
    assert!(pos(first) < pos(v2) && pos(v3) < pos(v4), "{order:?}");
    assert_eq!(done.len(), 5, "one completion per request");
    assert!(
        q.take_completions().is_empty(),
        "completions are taken once"
    );

    // v1 and v4 were written (v1 now the newest backup), v2 and v3 never.
    assert_eq!(loaded(&f.store, 0), data("v4", 100));
    assert_eq!(loaded(&f.store, 1), data("other", 100));
    assert_eq!(f.store.stats().get(OpKind::Save).count, 3);
    f.store.restore_backup(0, 0).unwrap();
    assert_eq!(loaded(&f.store, 0), data("v1", 100));
}

#[test]
fn slots_are_independent_and_waits_see_earlier_saves() {
    let f = fixture();
    let q = queue(&f);
    let id = q.save(2, data("two", 50), meta("A")).unwrap();
    assert!(q.wait_for_slot(2, LONG));
    assert_eq!(loaded(&f.store, 2), data("two", 50), "read after wait");
    assert!(matches!(
        completion(&q, id).outcome,
        QueueOutcome::Written(_)
    ));

    f.gate.close();
    q.save(0, data("held", 50), meta("A")).unwrap();
    f.gate.wait_held();
    assert!(
        q.wait_for_slot(1, Duration::from_millis(1)),
        "slot 1 has nothing pending"
    );
    assert!(!q.wait_for_slot(0, Duration::from_millis(50)));
    assert!(!q.flush(Duration::from_millis(10)));
    // A queued load runs behind the slot's saves and sees the newest.
    q.save(0, data("newer", 50), meta("A")).unwrap();
    let load = q.load(0).unwrap();
    f.gate.open();
    match completion(&q, load).outcome {
        QueueOutcome::Loaded(Ok(slot)) => assert_eq!(slot.payload, data("newer", 50)),
        other => panic!("expected a load, got {other:?}"),
    }
    assert!(q.flush(LONG));
    assert_eq!(loaded(&f.store, 0), data("newer", 50));
    // A load of an empty slot completes with the store's error.
    let empty = q.load(5).unwrap();
    match completion(&q, empty).outcome {
        QueueOutcome::Loaded(Err(Error::NotFound { .. })) => {}
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[test]
fn the_byte_limit_makes_saves_wait_and_then_fail_clearly() {
    let f = fixture();
    let options = QueueOptions {
        max_queued_bytes: 100,
        full_wait: Duration::from_millis(50),
    };
    let q = WriteQueue::new(Arc::clone(&f.store), options).unwrap();
    f.gate.close();
    q.save(0, data("a", 80), meta("A")).unwrap();
    f.gate.wait_held();
    assert_eq!(q.queued_bytes(), 80, "the save being written still counts");
    let started = Instant::now();
    match q.save(1, data("b", 80), meta("B")) {
        Err(Error::QueueFull {
            queued: 80,
            size: 80,
            limit: 100,
            ..
        }) => {}
        other => panic!("expected QueueFull, got {other:?}"),
    }
    assert!(started.elapsed() >= Duration::from_millis(50), "it waited");
    // What fits is taken; a waiting save of the same slot frees its bytes.
    q.save(1, data("c", 20), meta("B")).unwrap();
    q.save(1, data("d", 20), meta("B")).unwrap();
    assert_eq!(q.queued_bytes(), 100);
    f.gate.open();
    assert!(q.flush(LONG));
    assert_eq!(q.queued_bytes(), 0);
    assert_eq!(loaded(&f.store, 1), data("d", 20));

    // One save larger than the limit goes through an empty queue.
    let big = q.save(2, data("big", 500), meta("C")).unwrap();
    assert!(matches!(
        completion(&q, big).outcome,
        QueueOutcome::Written(_)
    ));

    // With time to wait, a save waits for room instead of failing.
    let patient = WriteQueue::new(
        Arc::clone(&f.store),
        QueueOptions {
            max_queued_bytes: 100,
            full_wait: LONG,
        },
    )
    .unwrap();
    f.gate.close();
    patient.save(0, data("x", 80), meta("A")).unwrap();
    f.gate.wait_held();
    let gate = Arc::clone(&f.gate);
    let opener = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        gate.open();
    });
    let id = patient.save(1, data("y", 80), meta("B")).unwrap();
    opener.join().unwrap();
    assert!(matches!(
        completion(&patient, id).outcome,
        QueueOutcome::Written(_)
    ));
    assert_eq!(loaded(&f.store, 1), data("y", 80));
}

#[test]
fn errors_reach_the_callers_of_that_save_and_keep_the_previous_save() {
    let f = fixture();
    let q = queue(&f);
    f.store.save(2, &data("safe", 64), &meta("A")).unwrap();
    f.gate
        .fail_writes_to("slot_2.sav", io::ErrorKind::StorageFull);

    let good = q.save(1, data("fine", 64), meta("B")).unwrap();
    let bad = q.save(2, data("lost", 64), meta("A")).unwrap();
    assert!(matches!(
        completion(&q, good).outcome,
        QueueOutcome::Written(_)
    ));
    let outcome = completion(&q, bad).outcome;
    assert!(!outcome.is_success());
    assert_eq!(outcome.name(), "failed");
    assert!(outcome.error().unwrap().is_disk_full(), "{outcome:?}");
    assert_eq!(
        loaded(&f.store, 2),
        data("safe", 64),
        "previous save stands"
    );

    // Superseded saves share the fate of the save that replaced them.
    f.gate.close();
    let held = q.save(3, data("held", 64), meta("C")).unwrap();
    f.gate.wait_held();
    let older = q.save(2, data("older", 64), meta("A")).unwrap();
    let newer = q.save(2, data("newer", 64), meta("A")).unwrap();
    f.gate.open();
    assert!(matches!(
        completion(&q, held).outcome,
        QueueOutcome::Written(_)
    ));
    for id in [older, newer] {
        let outcome = completion(&q, id).outcome;
        assert!(
            outcome.error().is_some_and(Error::is_disk_full),
            "{outcome:?}"
        );
    }
    assert_eq!(loaded(&f.store, 2), data("safe", 64));

    // A panic inside a write is one failed save, not a dead worker.
    f.gate.heal();
    f.gate.panic_on_writes_to("slot_4.sav");
    let boom = q.save(4, data("boom", 64), meta("D")).unwrap();
    match completion(&q, boom).outcome {
        QueueOutcome::Failed(e) => {
            assert!(matches!(*e, Error::WorkerPanicked(ref m) if m.contains("simulated bug")))
        }
        other => panic!("expected WorkerPanicked, got {other:?}"),
    }
    f.gate.heal();
    let after = q.save(2, data("after", 64), meta("A")).unwrap();
    assert!(matches!(
        completion(&q, after).outcome,
        QueueOutcome::Written(_)
    ));
    assert_eq!(loaded(&f.store, 2), data("after", 64));
}

#[test]
fn bad_requests_fail_before_queueing() {
    let f = fixture();
    let q = queue(&f);
    assert!(matches!(
        q.save(99, data("x", 1), meta("A")),
        Err(Error::InvalidSlot { slot: 99, .. })
    ));
    assert!(matches!(q.load(10), Err(Error::InvalidSlot { .. })));
    assert!(!q.has_pending());

    let dir = tempfile::tempdir().unwrap();
    SlotStore::open(dir.path(), fast_options()).unwrap();
    let reader = SlotStore::open(
        dir.path(),
        StoreOptions {
            read_only: true,
            ..fast_options()
        },
    )
    .unwrap();
    let ro = WriteQueue::new(Arc::new(reader), QueueOptions::default()).unwrap();
    assert!(matches!(
        ro.save(0, data("x", 1), meta("A")),
        Err(Error::ReadOnly)
    ));

    let small = SlotStore::open(
        dir.path().join("small"),
        StoreOptions {
            max_payload_bytes: 10,
            ..fast_options()
        },
    )
    .unwrap();
    let sq = WriteQueue::new(Arc::new(small), QueueOptions::default()).unwrap();
    assert!(matches!(
        sq.save(0, data("x", 11), meta("A")),
        Err(Error::TooLarge {
            size: 11,
            limit: 10
        })
    ));
}

#[test]
fn shutdown_writes_everything_queued_first() {
    let f = fixture();
    let q = queue(&f);
    f.gate.close();
    let mut ids = Vec::new();
    for i in 0..12u32 {
        ids.push(
            q.save(i % 4, data(&format!("s{i}"), 300), meta("A"))
                .unwrap(),
        );
    }
    let gate = Arc::clone(&f.gate);
    let opener = thread::spawn(move || {
        thread::sleep(Duration::from_millis(50));
        gate.open();
    });
    q.shutdown();
    opener.join().unwrap();
    assert!(!q.has_pending());
    assert!(matches!(
        q.save(0, data("late", 1), meta("A")),
        Err(Error::QueueStopped)
    ));
    let done: HashSet<u64> = q.take_completions().iter().map(|c| c.id).collect();
    assert_eq!(
        done,
        ids.iter().copied().collect(),
        "every request completed"
    );
    for slot in 0..4u32 {
        let newest = (0..12u32).filter(|i| i % 4 == slot).max().unwrap();
        assert_eq!(loaded(&f.store, slot), data(&format!("s{newest}"), 300));
    }

    drop(q);
    // Dropping a queue flushes it too, and lets go of the store.
    let q = queue(&f);
    q.save(3, data("dropped", 300), meta("A")).unwrap();
    drop(q);
    let Fixture { store, root, .. } = f;
    drop(store);
    let reopened = SlotStore::open(&root, fast_options()).unwrap();
    assert_eq!(loaded(&reopened, 3), data("dropped", 300));
}
