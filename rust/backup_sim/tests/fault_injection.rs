//! Fault injection: ENOSPC and EIO at every mutating file operation (create
//! and write, fsync, rename, remove, directory flush, mkdir) of a save, a
//! manual backup, a restore, a repair and an automated snapshot with
//! retention. Each failure must come back as a clear error (`is_disk_full`
//! for ENOSPC), the slot must still load the previous save (or the new one
//! when only the final directory flush failed, with the previous one kept as
//! backup level 0), the same must hold after a reopen and after a power cut
//! right after the failure, and retrying without the fault must succeed.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;

use backup_core::{
    Durability, Error, ManualClock, SlotMetadata, SlotStore, SnapshotRequest, StoreOptions,
};
use backup_sim::power_loss::ROOT;
use backup_sim::{crash_states, payload, FaultKind, OpKind, Reorder, SimStorage};
use chrono::Duration;

const SIZE: usize = 120;

fn options() -> StoreOptions {
    StoreOptions {
        slot_count: 2,
        durability: Durability::Full,
        retention: backup_core::RetentionPolicy {
            keep_last: 1,
            keep_daily: 0,
            keep_weekly: 0,
        },
        ..StoreOptions::default()
    }
}

fn open(disk: &Arc<SimStorage>, clock: &ManualClock) -> SlotStore {
    SlotStore::open_with(ROOT, options(), disk.clone(), Arc::new(clock.clone())).unwrap()
}

fn save(store: &SlotStore, value: u64) -> backup_core::Result<()> {
    store
        .save(
            0,
            &payload::encode(0, value, SIZE),
            &SlotMetadata::default(),
        )
        .map(|_| ())
}

fn loaded_value(store: &SlotStore) -> Result<u64, Error> {
    let loaded = store.load(0)?;
    Ok(payload::decode(0, &loaded.payload).expect("a loaded payload is always whole"))
}

fn backup0_value(store: &SlotStore, disk: &SimStorage) -> Option<u64> {
    payload::record_value(disk, &store.layout().backup(0, 0), 0)
}

type Op = fn(&SlotStore) -> backup_core::Result<()>;

struct Case {
    name: &'static str,
    /// Damage the primary before the operation (for repair).
    damage: bool,
    op: Op,
    /// Values the slot may hold after the operation failed.
    after_failure: &'static [u64],
    /// Value after the operation succeeded.
    after_success: u64,
}

const CASES: &[Case] = &[
    Case {
        name: "save",
        damage: false,
        op: |s| save(s, 3),
        after_failure: &[2, 3],
        after_success: 3,
    },
    Case {
        name: "create_backup",
        damage: false,
        op: |s| s.create_backup(0).map(|_| ()),
        after_failure: &[2],
        after_success: 2,
    },
    Case {
        name: "restore_backup",
        damage: false,
        op: |s| s.restore_backup(0, 0).map(|_| ()),
        after_failure: &[2, 1],
        after_success: 1,
    },
    Case {
        name: "create_snapshot (automated, with retention)",
        damage: false,
        op: |s| {
            s.create_snapshot(
                0,
                &SnapshotRequest::automated("checkpoint", serde_json::Value::Null),
            )
            .map(|_| ())
        },
        after_failure: &[2],
        after_success: 2,
    },
    Case {
        name: "repair",
        damage: true,
        op: |s| s.repair(0).map(|_| ()),
        after_failure: &[2],
        after_success: 2,
    },
];

/// Saves 1 and 2 (backup level 0 holds 1) and takes two automated snapshots
/// of 2, so retention has work to do.
fn base(clock: &ManualClock) -> Arc<SimStorage> {
    let disk = Arc::new(SimStorage::new());
    let store = open(&disk, clock);
    for value in [1, 2] {
        clock.advance(Duration::seconds(1));
        save(&store, value).unwrap();
    }
    for _ in 0..2 {
        clock.advance(Duration::seconds(1));
        store
            .create_snapshot(
                0,
                &SnapshotRequest::automated("checkpoint", serde_json::Value::Null),
            )
            .unwrap();
    }
    disk
}

/// Checks what a store holds after a failed operation.
fn check_after_failure(store: &SlotStore, disk: &SimStorage, case: &Case, context: &str) {
    match loaded_value(store) {
        Ok(value) => {
            assert!(
                case.after_failure.contains(&value),
                "{context}: slot holds {value}, allowed {:?}",
                case.after_failure
            );
            if value != case.after_failure[0] && case.name == "save" {
                // The new save is in place (only the final flush failed):
                // the previous one must be kept as backup level 0.
                assert_eq!(
                    backup0_value(store, disk),
                    Some(2),
                    "{context}: previous save lost"
                );
            }
        }
        Err(e) if case.damage => {
            assert!(
                e.is_corruption() || matches!(e, Error::NotFound { .. }),
                "{context}: {e}"
            );
        }
        Err(e) => panic!("{context}: previous save no longer loads: {e}"),
    }
}

#[test]
fn every_failed_operation_reports_and_keeps_the_previous_save() {
    let mut injected: BTreeMap<(&str, OpKind), usize> = BTreeMap::new();
    let mut total = 0;
    let mut crash_states_checked = 0;
    for case in CASES {
        for kind in [FaultKind::NoSpace, FaultKind::Io] {
            for nth in 0.. {
                let clock = ManualClock::fixed();
                let disk = base(&clock);
                let store = open(&disk, &clock);
                if case.damage {
                    disk.corrupt(&store.layout().primary(0), |b| b[40] ^= 1)
                        .unwrap();
                }
                clock.advance(Duration::seconds(1));
                let log_start = disk.log().len();
                disk.arm_fault(nth, kind);
                let result = (case.op)(&store);
                if disk.disarm_fault() {
                    // The operation has fewer than nth + 1 fallible steps:
                    // every one of them has been failed.
                    result.unwrap_or_else(|e| panic!("{}: unfaulted run failed: {e}", case.name));
                    break;
                }
                let failed_op = disk.log()[log_start..]
                    .iter()
                    .find(|r| r.failed.is_some())
                    .cloned()
                    .expect("the fault fired");
                let context = format!(
                    "{} with {kind:?} at fallible op {nth} ({:?} of {})",
                    case.name,
                    failed_op.kind,
                    failed_op.path.display()
                );
                let err = match result {
                    Ok(()) => panic!("{context}: the failure was swallowed"),
                    Err(e) => e,
                };
                let message = err.to_string();
                match kind {
                    FaultKind::NoSpace => assert!(err.is_disk_full(), "{context}: {message}"),
                    FaultKind::Io => {
                        assert!(matches!(err, Error::Io { .. }), "{context}: {message}");
                        assert!(!err.is_disk_full(), "{context}: {message}");
                    }
                }
                assert!(
                    message.contains("simulated"),
                    "{context}: cause lost: {message}"
                );
                *injected.entry((case.name, failed_op.kind)).or_default() += 1;
                total += 1;

                check_after_failure(&store, &disk, case, &context);

                // A power cut right after the failure.
                let image = disk.image();
                drop(store);
                let mut rng = fastrand::Rng::with_seed(nth as u64);
                for state in crash_states(&image, Reorder::InOrder, 16, &mut rng) {
                    crash_states_checked += 1;
                    let crashed = Arc::new(SimStorage::from_image(state));
                    let store = open(&crashed, &clock);
                    check_after_failure(
                        &store,
                        &crashed,
                        case,
                        &format!("{context}, then power cut"),
                    );
                }

                // Reopen on the same disk (start-up recovery), then retry.
                let store = open(&disk, &clock);
                check_after_failure(&store, &disk, case, &format!("{context}, reopened"));
                clock.advance(Duration::seconds(1));
                (case.op)(&store).unwrap_or_else(|e| panic!("{context}: retry failed: {e}"));
                assert_eq!(
                    loaded_value(&store).unwrap(),
                    case.after_success,
                    "{context}: retry"
                );
            }
        }
    }
    eprintln!("{total} faults injected, {crash_states_checked} power cuts after a fault checked");
    for ((case, op), n) in &injected {
        eprintln!("  {case}: {n} faults at {op:?}");
    }
    let save_kinds: HashSet<OpKind> = injected
        .keys()
        .filter(|(case, _)| *case == "save")
        .map(|(_, op)| *op)
        .collect();
    for kind in [
        OpKind::Write,
        OpKind::Fsync,
        OpKind::Rename,
        OpKind::SyncDir,
    ] {
        assert!(
            save_kinds.contains(&kind),
            "no fault injected at a save's {kind:?}"
        );
    }
    for case in CASES {
        assert!(
            injected.keys().any(|(c, _)| *c == case.name),
            "no fault injected into {}",
            case.name
        );
    }
}
