//! Property test: random sequences of save, backup, restore, repair, snapshot,
//! delete, corruption, cleanup and reopen against an in-memory model of what
//! each slot should hold. The store and the model must agree after every step.

mod common;

use std::fs;
use std::path::Path;

use backup_core::{
    BackupOutcome, CopyRole, Error, ManualClock, RecoverySource, SlotStore, SnapshotRequest,
};
use chrono::{DateTime, Duration, Utc};
use common::meta;
use proptest::prelude::*;

const SLOTS: u32 = 3;
const LEVELS: usize = 3;

#[derive(Debug, Clone)]
enum Op {
    Save(u32, Vec<u8>),
    CreateBackup(u32),
    Restore(u32, u32),
    Repair(u32),
    Snapshot(u32),
    Delete(u32),
    CorruptPrimary(u32),
    Cleanup,
    Reopen,
}

fn op() -> impl Strategy<Value = Op> {
    let slot = 0..SLOTS;
    prop_oneof![
        4 => (slot.clone(), proptest::collection::vec(any::<u8>(), 0..64)).prop_map(|(s, p)| Op::Save(s, p)),
        1 => slot.clone().prop_map(Op::CreateBackup),
        1 => (slot.clone(), 0..LEVELS as u32).prop_map(|(s, l)| Op::Restore(s, l)),
        1 => slot.clone().prop_map(Op::Repair),
        1 => slot.clone().prop_map(Op::Snapshot),
        1 => slot.clone().prop_map(Op::Delete),
        1 => slot.clone().prop_map(Op::CorruptPrimary),
        1 => Just(Op::Cleanup),
        1 => Just(Op::Reopen),
    ]
}

/// One stored copy: payload plus the time of the save it came from (which
/// restore and snapshots preserve), and an identity per write.
#[derive(Debug, Clone, PartialEq)]
struct Copy {
    payload: Vec<u8>,
    saved_at: DateTime<Utc>,
    id: u64,
}

#[derive(Debug, Clone, PartialEq)]
enum Primary {
    Missing,
    Corrupt,
    Valid(Copy),
}

#[derive(Debug, Default)]
struct Model {
    slots: Vec<SlotModel>,
    next_id: u64,
}

#[derive(Debug)]
struct SlotModel {
    primary: Primary,
    backups: [Option<Copy>; LEVELS],
    snapshots: Vec<Copy>,
}

impl Model {
    fn new() -> Self {
        Model {
            slots: (0..SLOTS)
                .map(|_| SlotModel {
                    primary: Primary::Missing,
                    backups: Default::default(),
                    snapshots: Vec::new(),
                })
                .collect(),
            next_id: 0,
        }
    }

    fn fresh(&mut self, payload: Vec<u8>, at: DateTime<Utc>) -> Copy {
        self.next_id += 1;
        Copy {
            payload,
            saved_at: at,
            id: self.next_id,
        }
    }
}

fn rotate(slot: &mut SlotModel) {
    for level in (0..LEVELS - 1).rev() {
        if slot.backups[level].is_some() {
            slot.backups[level + 1] = slot.backups[level].take();
        }
    }
}

fn apply(store: &mut SlotStore, dir: &Path, clock: &ManualClock, model: &mut Model, op: &Op) {
    clock.advance(Duration::seconds(1));
    let now = backup_core::Clock::now(clock);
    match op {
        Op::Save(s, payload) => {
            let result = store.save(*s, payload, &meta("p"));
            let copy = model.fresh(payload.clone(), now);
            let slot = &mut model.slots[*s as usize];
            result.unwrap();
            if let Primary::Valid(old) = std::mem::replace(&mut slot.primary, Primary::Valid(copy))
            {
                rotate(slot);
                slot.backups[0] = Some(old);
            }
        }
        Op::CreateBackup(s) => {
            let result = store.create_backup(*s);
            let slot = &mut model.slots[*s as usize];
            match &slot.primary {
                Primary::Valid(p) if slot.backups[0].as_ref() == Some(p) => {
                    assert_eq!(result.unwrap(), BackupOutcome::AlreadyCurrent)
                }
                Primary::Valid(p) => {
                    assert_eq!(result.unwrap(), BackupOutcome::Created);
                    let p = p.clone();
                    rotate(slot);
                    slot.backups[0] = Some(p);
                }
                Primary::Missing => assert!(matches!(result, Err(Error::NotFound { .. }))),
                Primary::Corrupt => assert!(matches!(result, Err(Error::Corrupt { .. }))),
            }
        }
        Op::Restore(s, level) => {
            let result = store.restore_backup(*s, *level);
            match model.slots[*s as usize].backups[*level as usize].clone() {
                None => assert!(matches!(result, Err(Error::NotFound { .. })), "{result:?}"),
                Some(source) => {
                    let outcome = result.unwrap();
                    // The restored copy is a new write, stamped now.
                    let restored = model.fresh(source.payload.clone(), now);
                    let slot = &mut model.slots[*s as usize];
                    if let Primary::Valid(current) = &slot.primary {
                        if current.payload != source.payload {
                            assert!(outcome.safety_snapshot.is_some());
                            slot.snapshots.push(current.clone());
                        }
                    }
                    slot.primary = Primary::Valid(restored);
                }
            }
        }
        Op::Repair(s) => {
            let result = store.repair(*s);
            let slot = &mut model.slots[*s as usize];
            if let Primary::Valid(_) = slot.primary {
                assert_eq!(result.unwrap().source, RecoverySource::AlreadyHealthy);
                return;
            }
            // Candidates in the store's order of preference; newest wins,
            // the first one on a tie.
            let mut candidates: Vec<(RecoverySource, Copy)> = slot
                .backups
                .iter()
                .enumerate()
                .filter_map(|(l, b)| b.clone().map(|b| (RecoverySource::Backup(l as u32), b)))
                .collect();
            let snapshot_ids = snapshot_ids(store, *s);
            for (i, copy) in slot.snapshots.iter().enumerate().rev() {
                candidates.push((
                    RecoverySource::Snapshot(snapshot_ids[i].clone()),
                    copy.clone(),
                ));
            }
            let mut best: Option<(RecoverySource, Copy)> = None;
            for candidate in candidates {
                if best
                    .as_ref()
                    .is_none_or(|b| candidate.1.saved_at > b.1.saved_at)
                {
                    best = Some(candidate);
                }
            }
            match best {
                None => assert!(
                    matches!(result, Err(Error::NoValidCopy { .. })),
                    "{result:?}"
                ),
                Some((source, copy)) => {
                    assert_eq!(result.unwrap().source, source);
                    // The repaired primary is a new write, stamped now.
                    model.next_id += 1;
                    let slot = &mut model.slots[*s as usize];
                    slot.primary = Primary::Valid(Copy {
                        saved_at: now,
                        id: model.next_id,
                        ..copy
                    });
                }
            }
        }
        Op::Snapshot(s) => {
            let result = store.create_snapshot(*s, &SnapshotRequest::manual("snap", ""));
            let slot = &mut model.slots[*s as usize];
            match &slot.primary {
                Primary::Valid(p) => {
                    result.unwrap();
                    slot.snapshots.push(p.clone());
                }
                _ => assert!(result.is_err()),
            }
        }
        Op::Delete(s) => {
            store.delete_slot(*s, false).unwrap();
            let slot = &mut model.slots[*s as usize];
            slot.primary = Primary::Missing;
            slot.backups = Default::default();
        }
        Op::CorruptPrimary(s) => {
            let path = store.layout().primary(*s);
            let slot = &mut model.slots[*s as usize];
            if let Ok(mut bytes) = fs::read(&path) {
                // Dropping the last byte corrupts any file, even one that
                // was corrupted before (a flip could be undone by a second).
                bytes.pop();
                fs::write(&path, bytes).unwrap();
                slot.primary = Primary::Corrupt;
            }
        }
        Op::Cleanup => {
            store.cleanup().unwrap();
        }
        Op::Reopen => {
            // Drop the old store first: a second writer would be refused.
            drop(std::mem::replace(store, open_readonly(dir)));
            *store = open(dir, clock);
        }
    }
}

thread_local! {
    /// Whether the current case runs with compression and encryption on.
    static SECURED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn open(dir: &Path, clock: &ManualClock) -> SlotStore {
    let options = if SECURED.with(|s| s.get()) {
        backup_core::StoreOptions {
            compression: backup_core::Compression::Fast,
            keys: backup_core::Keyring::with_key(
                backup_core::SaveKey::from_bytes(&[0x5A; 32]).unwrap(),
            ),
            ..common::fast_options()
        }
    } else {
        common::fast_options()
    };
    common::open_with(dir, clock, options)
}

fn open_readonly(dir: &Path) -> SlotStore {
    SlotStore::open(
        dir,
        backup_core::StoreOptions {
            read_only: true,
            ..common::fast_options()
        },
    )
    .unwrap()
}

fn snapshot_ids(store: &SlotStore, slot: u32) -> Vec<String> {
    store
        .list_snapshots(slot)
        .unwrap()
        .into_iter()
        .map(|c| match c.role {
            CopyRole::Snapshot(id) => id,
            other => panic!("{other:?}"),
        })
        .collect()
}

fn check(store: &SlotStore, model: &Model) {
    for (s, slot) in model.slots.iter().enumerate() {
        let s = s as u32;
        match (&slot.primary, store.load(s)) {
            (Primary::Valid(copy), Ok(loaded)) => {
                assert_eq!(loaded.payload, copy.payload, "slot {s}");
                assert_eq!(loaded.metadata.modified_at, Some(copy.saved_at), "slot {s}");
            }
            (Primary::Missing, Err(Error::NotFound { .. })) => {}
            (Primary::Corrupt, Err(Error::Corrupt { .. })) => {}
            (expected, got) => panic!("slot {s}: model {expected:?}, store {got:?}"),
        }
        let info = store.slot_info(s).unwrap();
        for (level, expected) in slot.backups.iter().enumerate() {
            let check = &info.backups[level];
            match expected {
                Some(copy) => {
                    assert!(check.is_valid(), "slot {s} level {level}: {check:?}");
                    assert_eq!(check.metadata().unwrap().modified_at, Some(copy.saved_at));
                }
                None => assert!(!check.exists(), "slot {s} level {level}: {check:?}"),
            }
        }
        let snaps = store.list_snapshots(s).unwrap();
        assert_eq!(snaps.len(), slot.snapshots.len(), "slot {s} snapshots");
        for (check, copy) in snaps.iter().zip(&slot.snapshots) {
            assert_eq!(check.metadata().unwrap().modified_at, Some(copy.saved_at));
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn store_agrees_with_model(ops in proptest::collection::vec(op(), 1..40)) {
        SECURED.with(|s| s.set(false));
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::fixed();
        let mut store = open(dir.path(), &clock);
        let mut model = Model::new();
        for op in &ops {
            apply(&mut store, dir.path(), &clock, &mut model, op);
            check(&store, &model);
        }
    }

    /// The same model with every record compressed and sealed.
    #[test]
    fn compressed_and_encrypted_store_agrees_with_model(ops in proptest::collection::vec(op(), 1..40)) {
        SECURED.with(|s| s.set(true));
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::fixed();
        let mut store = open(dir.path(), &clock);
        let mut model = Model::new();
        for op in &ops {
            apply(&mut store, dir.path(), &clock, &mut model, op);
            check(&store, &model);
        }
    }
}
