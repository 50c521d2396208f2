//! The power-loss explorer: runs a random (seeded) sequence of store
//! operations on the simulated disk, captures every crash point, turns each
//! into the disk states a power cut may leave ([`crate::crash`]), reopens the
//! store on each (start-up recovery runs) and checks every slot.
//!
//! What is checked, per slot, after reopening:
//!
//! - [`Durability::Full`]: the slot loads exactly the value committed before
//!   the interrupted operation, or the value that operation was writing.
//!   Under [`Reorder::InOrder`] it must load without help; under
//!   [`Reorder::AnyOrder`] it may instead report an error (never wrong data),
//!   and then `repair` must bring back one of those two values.
//! - [`Durability::Normal`] and [`Durability::Off`] promise less (unflushed
//!   directories may roll a slot back by several saves; `Off` may leave torn
//!   files): the slot loads some value that slot once held, or reports an
//!   error and `repair` brings back such a value or says no valid copy is left.
//!
//! In every mode the store must open, and a load must never return bytes that
//! are not a whole payload of that slot. Besides the crash checks, the live
//! run is compared with a model: rotation of the rolling backups, backup and
//! restore outcomes, and which copy `repair` picks (the one most recently
//! committed as the slot's save).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use backup_core::{
    BackupOutcome, Clock, Durability, Error, ManualClock, QueueOptions, QueueOutcome,
    RetentionPolicy, SlotMetadata, SlotStore, SnapshotRequest, StoreOptions, WriteQueue,
};

use crate::crash::{crash_states, Reorder};
use crate::payload;
use crate::sim_storage::{DiskImage, SimStorage};

/// Where the save root lives on the simulated disk.
pub const ROOT: &str = "/saves";

/// One exploration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExploreConfig {
    /// Durability the store runs with.
    pub durability: Durability,
    /// Which orders of unflushed directory operations a crash may expose.
    pub reorder: Reorder,
    /// Seed of the operation sequence and of state sampling.
    pub seed: u64,
    /// Number of store operations in the sequence.
    pub steps: usize,
    /// Most crash states checked per crash point (sampled beyond).
    pub states_per_point: usize,
    /// Slots used.
    pub slots: u32,
    /// Saves go through a [`WriteQueue`] (written by its worker thread; the
    /// step waits for the completion) instead of [`SlotStore::save`].
    pub queued_saves: bool,
    /// Records compressed and encrypted (with [`crate::test_keys`]).
    pub secured: bool,
}

/// What an exploration found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExploreReport {
    /// Crash points (disk images right after a mutation).
    pub crash_points: usize,
    /// Crash states checked (nested ones included).
    pub states: usize,
    /// Of those, states of a second power cut during recovery from the first.
    pub nested_states: usize,
    /// Slot checks where the slot loaded directly.
    pub loaded: usize,
    /// Slot checks where the store reported an error and repair fixed it.
    pub repaired: usize,
    /// Total violations (only the first ones are kept in `violations`).
    pub violation_count: usize,
    /// Descriptions of the first violations.
    pub violations: Vec<String>,
}

impl ExploreReport {
    fn violation(&mut self, message: String) {
        self.violation_count += 1;
        if self.violations.len() < 20 {
            self.violations.push(message);
        }
    }

    /// Adds another report's counts.
    pub fn absorb(&mut self, other: ExploreReport) {
        self.crash_points += other.crash_points;
        self.states += other.states;
        self.nested_states += other.nested_states;
        self.loaded += other.loaded;
        self.repaired += other.repaired;
        self.violation_count += other.violation_count;
        for v in other.violations {
            if self.violations.len() < 20 {
                self.violations.push(v);
            }
        }
    }
}

/// What a slot may legitimately hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Expect {
    Empty,
    Value(u64),
    /// The primary was damaged on purpose (media corruption) and not yet repaired.
    Damaged,
}

#[derive(Debug, Clone, Copy)]
enum Step {
    Save { slot: u32, value: u64, size: usize },
    Backup { slot: u32 },
    Restore { slot: u32, level: u32 },
    DamageAndRepair { slot: u32 },
    Snapshot { slot: u32 },
}

impl Step {
    fn slot(self) -> u32 {
        match self {
            Step::Save { slot, .. }
            | Step::Backup { slot }
            | Step::Restore { slot, .. }
            | Step::DamageAndRepair { slot }
            | Step::Snapshot { slot } => slot,
        }
    }
}

/// A record as the model knows it: the value it holds and the step whose
/// commit wrote it (its metadata stamp). Two copies with equal identities are
/// byte-identical.
type Copy = (u64, usize);

/// The model of what the store should hold.
#[derive(Debug, Clone)]
struct Model {
    primary: Vec<Expect>,
    primary_copy: Vec<Option<Copy>>,
    backups: Vec<Vec<Option<Copy>>>,
    history: Vec<HashSet<u64>>,
    damaged_ever: Vec<bool>,
    /// Step at which each value last became its slot's committed save.
    committed_at: HashMap<u64, usize>,
}

impl Model {
    fn new(slots: u32, levels: usize) -> Self {
        let n = slots as usize;
        Model {
            primary: vec![Expect::Empty; n],
            primary_copy: vec![None; n],
            backups: vec![vec![None; levels]; n],
            history: vec![HashSet::new(); n],
            damaged_ever: vec![false; n],
            committed_at: HashMap::new(),
        }
    }

    fn commit(&mut self, slot: u32, value: u64, step: usize) {
        self.primary[slot as usize] = Expect::Value(value);
        self.primary_copy[slot as usize] = Some((value, step));
        self.history[slot as usize].insert(value);
        self.committed_at.insert(value, step);
    }

    fn shift_backups(&mut self, slot: u32, new_level0: Copy) {
        let levels = &mut self.backups[slot as usize];
        levels.rotate_right(1);
        levels[0] = Some(new_level0);
    }
}

fn options(durability: Durability, slots: u32) -> StoreOptions {
    StoreOptions {
        slot_count: slots,
        backup_levels: 3,
        durability,
        // Small, so that automated snapshots exercise retention often.
        retention: RetentionPolicy {
            keep_last: 2,
            keep_daily: 0,
            keep_weekly: 0,
        },
        ..StoreOptions::default()
    }
}

fn meta() -> SlotMetadata {
    SlotMetadata {
        pilot_callsign: "Sim".into(),
        campaign: "Power loss".into(),
        ..SlotMetadata::default()
    }
}

/// The step whose clock tick produced a stamp (the clock starts at
/// [`ManualClock::fixed`] and moves one second before each step).
fn step_of(stamp: chrono::DateTime<chrono::Utc>) -> usize {
    let start = ManualClock::fixed().now();
    usize::try_from((stamp - start).num_seconds() - 1).unwrap_or(0)
}

/// Runs one exploration.
pub fn explore(config: &ExploreConfig) -> ExploreReport {
    let mut report = ExploreReport::default();
    let mut rng = fastrand::Rng::with_seed(config.seed);
    let disk = Arc::new(SimStorage::new());
    let clock = ManualClock::fixed();
    let mut opts = options(config.durability, config.slots);
    if config.secured {
        opts = crate::secured(opts);
    }
    let store =
        match SlotStore::open_with(ROOT, opts.clone(), disk.clone(), Arc::new(clock.clone())) {
            Ok(store) => store,
            Err(e) => {
                report.violation(format!("{config:?}: could not open a fresh store: {e}"));
                return report;
            }
        };
    let store = Arc::new(store);
    let queue = if config.queued_saves {
        match WriteQueue::new(Arc::clone(&store), QueueOptions::default()) {
            Ok(queue) => Some(queue),
            Err(e) => {
                report.violation(format!("{config:?}: could not start a write queue: {e}"));
                return report;
            }
        }
    } else {
        None
    };
    let mut model = Model::new(config.slots, 3);
    let mut next_value = 1u64;
    for index in 0..config.steps {
        clock.advance(chrono::Duration::seconds(1));
        let step = pick_step(&mut rng, &model, config.slots, &mut next_value);
        let before = model.clone();
        if let Step::DamageAndRepair { slot } = step {
            let path = store.layout().primary(slot);
            let flip = |bytes: &mut Vec<u8>| {
                let mid = bytes.len() / 2;
                if let Some(b) = bytes.get_mut(mid) {
                    *b ^= 0x40;
                }
            };
            if let Err(e) = disk.corrupt(&path, flip) {
                report.violation(format!("step {index}: could not damage {path:?}: {e}"));
                return report;
            }
        }
        let mut before = before;
        if let Step::DamageAndRepair { slot } = step {
            before.primary[slot as usize] = Expect::Damaged;
            before.damaged_ever[slot as usize] = true;
            model.damaged_ever[slot as usize] = true;
        }
        disk.start_recording();
        let outcome = run_step(&store, queue.as_ref(), &disk, &mut model, step, index);
        let images = disk.stop_recording();
        if let Err(message) = outcome {
            report.violation(format!("{config:?} step {index} {step:?}: {message}"));
            return report;
        }
        for (point, image) in images.iter().enumerate() {
            report.crash_points += 1;
            check_crash_point(
                config,
                &opts,
                &clock,
                image,
                &before,
                &model,
                step,
                index,
                point,
                &mut rng,
                &mut report,
            );
        }
    }
    report
}

fn pick_step(rng: &mut fastrand::Rng, model: &Model, slots: u32, next_value: &mut u64) -> Step {
    let slot = rng.u32(..slots);
    let s = slot as usize;
    let has_primary = matches!(model.primary[s], Expect::Value(_));
    let has_backup = model.backups[s].iter().any(Option::is_some);
    let roll = rng.u32(..100);
    if has_primary && has_backup && roll < 12 {
        let levels: Vec<u32> = (0..3u32)
            .filter(|&l| model.backups[s][l as usize].is_some())
            .collect();
        return Step::Restore {
            slot,
            level: levels[rng.usize(..levels.len())],
        };
    }
    if has_primary && roll < 24 {
        return Step::Backup { slot };
    }
    if has_primary && has_backup && roll < 32 {
        return Step::DamageAndRepair { slot };
    }
    if has_primary && roll < 46 {
        return Step::Snapshot { slot };
    }
    let value = *next_value;
    *next_value += 1;
    Step::Save {
        slot,
        value,
        size: 40 + rng.usize(..200),
    }
}

/// Runs a step on the live store and checks it against the model.
fn run_step(
    store: &SlotStore,
    queue: Option<&WriteQueue>,
    disk: &SimStorage,
    model: &mut Model,
    step: Step,
    index: usize,
) -> Result<(), String> {
    let slot = step.slot();
    let s = slot as usize;
    match step {
        Step::Save { value, size, .. } => {
            let bytes = payload::encode(slot, value, size);
            match queue {
                None => {
                    store
                        .save(slot, &bytes, &meta())
                        .map_err(|e| format!("save failed: {e}"))?;
                }
                Some(queue) => {
                    let id = queue
                        .save(slot, bytes, meta())
                        .map_err(|e| format!("queueing a save failed: {e}"))?;
                    let done = queue
                        .wait_completion(id, std::time::Duration::from_secs(60))
                        .ok_or("a queued save did not complete within a minute")?;
                    if !matches!(done.outcome, QueueOutcome::Written(_)) {
                        return Err(format!("queued save ended {:?}", done.outcome));
                    }
                }
            }
            if let Some(previous) = model.primary_copy[s] {
                model.shift_backups(slot, previous);
            }
            model.commit(slot, value, index);
        }
        Step::Backup { .. } => {
            let outcome = store
                .create_backup(slot)
                .map_err(|e| format!("create_backup failed: {e}"))?;
            let current = model.primary_copy[s].ok_or("model has no primary")?;
            let expected = if model.backups[s][0] == Some(current) {
                BackupOutcome::AlreadyCurrent
            } else {
                model.shift_backups(slot, current);
                BackupOutcome::Created
            };
            if outcome != expected {
                return Err(format!(
                    "create_backup returned {outcome:?}, expected {expected:?}"
                ));
            }
        }
        Step::Restore { level, .. } => {
            store
                .restore_backup(slot, level)
                .map_err(|e| format!("restore_backup failed: {e}"))?;
            let (value, _) = model.backups[s][level as usize].ok_or("model has no such level")?;
            model.commit(slot, value, index);
        }
        Step::DamageAndRepair { .. } => {
            // Repair should bring back the value most recently committed as
            // this slot's save. A copy can only show that recency if it was
            // written at or after that commit (its stamp); when the most
            // recent value survives only in older-stamped copies (its newer
            // copy was the damaged primary), the newest-stamped copy is an
            // equally honest answer.
            let mut copies: Vec<Copy> = model.backups[s].iter().flatten().copied().collect();
            let snapshots = store
                .list_snapshots(slot)
                .map_err(|e| format!("list_snapshots failed: {e}"))?;
            for check in &snapshots {
                let (Some(value), Some(stamp)) = (
                    payload::record_value(disk, &check.path, slot),
                    check.metadata().and_then(|m| m.modified_at),
                ) else {
                    continue;
                };
                copies.push((value, step_of(stamp)));
            }
            let recency = |v: &u64| model.committed_at.get(v).copied();
            let most_recent = copies.iter().map(|c| c.0).max_by_key(recency);
            let most_recent_current = copies
                .iter()
                .filter(|(v, stamp)| recency(v).is_some_and(|at| *stamp >= at))
                .map(|c| c.0)
                .max_by_key(recency);
            let acceptable: Vec<u64> = most_recent.into_iter().chain(most_recent_current).collect();
            if acceptable.is_empty() {
                return Err("no copy to repair from".into());
            }
            store.load(slot).err().ok_or("damaged primary loaded")?;
            let outcome = store
                .repair(slot)
                .map_err(|e| format!("repair failed: {e}"))?;
            let loaded = store
                .load(slot)
                .map_err(|e| format!("load after repair failed: {e}"))?;
            let got = payload::decode(slot, &loaded.payload)?;
            if !acceptable.contains(&got) {
                return Err(format!(
                    "repair ({:?}) brought back value {got} (committed at step {:?}), but value \
                     {acceptable:?} (committed at steps {:?}) was available",
                    outcome.source,
                    recency(&got),
                    acceptable.iter().map(recency).collect::<Vec<_>>()
                ));
            }
            model.commit(slot, got, index);
        }
        Step::Snapshot { .. } => {
            store
                .create_snapshot(
                    slot,
                    &SnapshotRequest::automated("checkpoint", serde_json::Value::Null),
                )
                .map_err(|e| format!("create_snapshot failed: {e}"))?;
            let automated = store
                .list_snapshots(slot)
                .map_err(|e| format!("list_snapshots failed: {e}"))?
                .iter()
                .filter(|c| {
                    c.metadata()
                        .and_then(|m| m.snapshot.as_ref())
                        .is_some_and(|i| i.kind.is_automated())
                })
                .count();
            if automated > 2 {
                return Err(format!(
                    "retention kept {automated} automated snapshots, policy says 2"
                ));
            }
        }
    }
    // The live store agrees with the model on every copy of the slot.
    let loaded = store.load(slot).map_err(|e| format!("load failed: {e}"))?;
    let value = payload::decode(slot, &loaded.payload)?;
    if model.primary[s] != Expect::Value(value) {
        return Err(format!(
            "slot holds {value}, model says {:?}",
            model.primary[s]
        ));
    }
    for level in 0..3u32 {
        let got = payload::record_value(disk, &store.layout().backup(slot, level), slot);
        if got != model.backups[s][level as usize].map(|c| c.0) {
            return Err(format!(
                "backup level {level} holds {got:?}, model says {:?}",
                model.backups[s][level as usize]
            ));
        }
    }
    Ok(())
}

/// One crash point: every (or a sample of every) state, the store reopened
/// on each. Every `NESTED_EVERY`th state is also crashed again, at every
/// mutation start-up recovery and repair make on it (a second power cut
/// while the first one is being recovered from).
#[allow(clippy::too_many_arguments)]
fn check_crash_point(
    config: &ExploreConfig,
    opts: &StoreOptions,
    clock: &ManualClock,
    image: &DiskImage,
    before: &Model,
    after: &Model,
    step: Step,
    index: usize,
    point: usize,
    rng: &mut fastrand::Rng,
    report: &mut ExploreReport,
) {
    const NESTED_EVERY: usize = 8;
    const NESTED_STATES: usize = 4;
    let allowed: Vec<HashSet<Expect>> = (0..config.slots)
        .map(|slot| allowed(config.durability, before, after, step, slot))
        .collect();
    for (n, state) in crash_states(image, config.reorder, config.states_per_point, rng)
        .into_iter()
        .enumerate()
    {
        report.states += 1;
        let context = format!(
            "{:?}/{:?} seed {} step {index} {step:?} crash point {point} state {n}",
            config.durability, config.reorder, config.seed
        );
        let nested = n % NESTED_EVERY == 0;
        let recovery_points = check_state(
            config, opts, clock, state, &allowed, nested, &context, report,
        );
        for (m, recovery_point) in recovery_points.iter().enumerate() {
            for (k, state) in crash_states(recovery_point, config.reorder, NESTED_STATES, rng)
                .into_iter()
                .enumerate()
            {
                report.states += 1;
                report.nested_states += 1;
                let context =
                    format!("{context}, crashed again in recovery at point {m} state {k}");
                check_state(
                    config, opts, clock, state, &allowed, false, &context, report,
                );
            }
        }
    }
}

/// Reopens the store on a crash state and checks every slot. With `record`,
/// returns the crash points of the recovery and repairs this made.
#[allow(clippy::too_many_arguments)]
fn check_state(
    config: &ExploreConfig,
    opts: &StoreOptions,
    clock: &ManualClock,
    state: DiskImage,
    allowed: &[HashSet<Expect>],
    record: bool,
    context: &str,
    report: &mut ExploreReport,
) -> Vec<DiskImage> {
    let disk = Arc::new(SimStorage::from_image(state));
    if record {
        disk.start_recording();
    }
    let reopen_clock = ManualClock::new(clock.now());
    match SlotStore::open_with(ROOT, opts.clone(), disk.clone(), Arc::new(reopen_clock)) {
        Ok(store) => {
            for slot in 0..config.slots {
                if let Err(message) =
                    check_slot(config, &store, slot, &allowed[slot as usize], report)
                {
                    report.violation(format!("{context} slot {slot}: {message}"));
                }
            }
        }
        Err(e) => report.violation(format!("{context}: store did not open: {e}")),
    }
    disk.stop_recording()
}

/// What a slot may hold after a crash in `step`.
fn allowed(
    durability: Durability,
    before: &Model,
    after: &Model,
    step: Step,
    slot: u32,
) -> HashSet<Expect> {
    let s = slot as usize;
    let mut set = HashSet::from([before.primary[s]]);
    if step.slot() == slot {
        set.insert(after.primary[s]);
    }
    if durability != Durability::Full {
        // Unflushed directories may roll the slot back to any earlier save
        // (or to nothing), and a repaired slot may come back damaged.
        set.insert(Expect::Empty);
        set.extend(after.history[s].iter().map(|&v| Expect::Value(v)));
        if after.damaged_ever[s] {
            set.insert(Expect::Damaged);
        }
    }
    set
}

fn check_slot(
    config: &ExploreConfig,
    store: &SlotStore,
    slot: u32,
    allowed: &HashSet<Expect>,
    report: &mut ExploreReport,
) -> Result<(), String> {
    let reported = match store.load(slot) {
        Ok(loaded) => {
            let value = payload::decode(slot, &loaded.payload)
                .map_err(|e| format!("load returned a bad payload: {e}"))?;
            if !allowed.contains(&Expect::Value(value)) {
                return Err(format!("loaded value {value}, allowed {allowed:?}"));
            }
            report.loaded += 1;
            return Ok(());
        }
        Err(Error::NotFound { .. }) if allowed.contains(&Expect::Empty) => {
            report.loaded += 1;
            return Ok(());
        }
        Err(e) => e,
    };
    let strict = config.durability == Durability::Full && config.reorder == Reorder::InOrder;
    let corruption_expected = allowed.contains(&Expect::Damaged);
    if strict && !corruption_expected {
        return Err(format!(
            "load failed after in-order crash ({reported}); start-up recovery should have \
             settled it, allowed {allowed:?}"
        ));
    }
    match store.repair(slot) {
        Ok(_) => {
            let loaded = store
                .load(slot)
                .map_err(|e| format!("load failed ({reported}), repaired, still fails: {e}"))?;
            let value = payload::decode(slot, &loaded.payload)
                .map_err(|e| format!("repair gave a bad payload: {e}"))?;
            if !allowed.contains(&Expect::Value(value)) {
                return Err(format!(
                    "load failed ({reported}), repair brought back value {value}, allowed {allowed:?}"
                ));
            }
            report.repaired += 1;
            Ok(())
        }
        Err(Error::NoValidCopy { .. }) if allowed.contains(&Expect::Empty) => {
            report.repaired += 1;
            Ok(())
        }
        Err(e) => Err(format!("load failed ({reported}) and repair failed: {e}")),
    }
}

/// The save root as a path.
pub fn root() -> PathBuf {
    PathBuf::from(ROOT)
}
