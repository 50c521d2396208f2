//! Start-up recovery after a power cut in writes this build did not make
//! itself: a game with more slots than the opener knows of, and a newer game
//! writing a newer record format. Every crash state of every crash point is
//! reopened by the other build; recovery must keep the newest acknowledged
//! save of a slot beyond its slot count, and never put an older copy in the
//! place of a newer-format one.

use std::path::Path;
use std::sync::Arc;

use backup_core::{
    envelope, Durability, Error, FormatError, Layout, ManualClock, SlotMetadata, SlotStore,
    Storage, StoreOptions,
};
use backup_sim::{crash_states, payload, DiskImage, Reorder, SimStorage};

const ROOT: &str = "/saves";

fn options(slot_count: u32) -> StoreOptions {
    StoreOptions {
        durability: Durability::Full,
        slot_count,
        ..StoreOptions::default()
    }
}

fn states_of(images: &[DiskImage], seed: u64) -> Vec<DiskImage> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out = Vec::new();
    for image in images {
        for reorder in [Reorder::InOrder, Reorder::AnyOrder] {
            out.extend(crash_states(image, reorder, 40, &mut rng));
        }
    }
    out
}

#[test]
fn a_slot_beyond_the_openers_slot_count_keeps_its_acknowledged_save() {
    let clock = Arc::new(ManualClock::fixed());
    let disk = Arc::new(SimStorage::new());
    let store = SlotStore::open_with(ROOT, options(12), disk.clone(), clock.clone()).unwrap();
    for value in 1..=2 {
        store
            .save(
                11,
                &payload::encode(11, value, 90),
                &SlotMetadata::default(),
            )
            .unwrap();
    }
    disk.start_recording();
    store
        .save(11, &payload::encode(11, 3, 90), &SlotMetadata::default())
        .unwrap();
    let images = disk.stop_recording();
    drop(store);
    let states = states_of(&images, 7);
    assert!(states.len() > 10, "{} states", states.len());
    for (i, state) in states.into_iter().enumerate() {
        let crashed = Arc::new(SimStorage::from_image(state));
        let before = saves_of_slot_11(&crashed);
        // Opened first by a tool that only knows 10 slots.
        let ten = SlotStore::open_with(ROOT, options(10), crashed.clone(), clock.clone())
            .unwrap_or_else(|e| panic!("state {i}: {e}"));
        let actions = ten.startup_actions().to_vec();
        drop(ten);
        let after = saves_of_slot_11(&crashed);
        assert!(
            before.is_subset(&after),
            "state {i}: complete saves {before:?} became {after:?} after {actions:?}"
        );
        let twelve = SlotStore::open_with(ROOT, options(12), crashed, clock.clone()).unwrap();
        if twelve.load(11).is_err() {
            // The primary's rename reached the disk but not the new file's
            // name: the acknowledged save is in the backups, as for any slot.
            twelve
                .repair(11)
                .unwrap_or_else(|e| panic!("state {i}: slot 11 lost after {actions:?}: {e}"));
        }
        let loaded = twelve.load(11).unwrap();
        let value = payload::decode(11, &loaded.payload).unwrap();
        assert!(
            value == 2 || value == 3,
            "state {i}: slot 11 holds save {value} after {actions:?}"
        );
    }
}

/// Values of the complete records of slot 11 anywhere in the root or in
/// quarantine.
fn saves_of_slot_11(disk: &SimStorage) -> std::collections::BTreeSet<u64> {
    let root = Path::new(ROOT);
    let quarantine = root.join("quarantine");
    let mut paths: Vec<_> = disk
        .list(root)
        .unwrap()
        .into_iter()
        .filter(|n| n.starts_with("slot_11."))
        .map(|n| root.join(n))
        .collect();
    paths.extend(
        disk.list(&quarantine)
            .unwrap_or_default()
            .into_iter()
            .map(|n| quarantine.join(n)),
    );
    paths
        .iter()
        .filter_map(|p| disk.read(p).ok())
        .filter_map(|bytes| envelope::decode(bytes, 1 << 20).ok())
        .filter_map(|record| payload::decode(11, record.payload()).ok())
        .collect()
}

/// A record of a newer format version holding `value`.
fn newer_record(value: u64) -> Vec<u8> {
    let mut bytes = envelope::encode(b"{}", &payload::encode(0, value, 90));
    bytes[4..6].copy_from_slice(&(envelope::CURRENT_VERSION + 1).to_le_bytes());
    let crc = crc32fast::hash(&bytes[..28]);
    bytes[28..32].copy_from_slice(&crc.to_le_bytes());
    bytes
}

#[test]
fn an_interrupted_newer_format_save_is_never_replaced_by_an_older_copy() {
    let clock = Arc::new(ManualClock::fixed());
    let disk = Arc::new(SimStorage::new());
    let store = SlotStore::open_with(ROOT, options(10), disk.clone(), clock.clone()).unwrap();
    for value in 1..=2 {
        store
            .save(0, &payload::encode(0, value, 90), &SlotMetadata::default())
            .unwrap();
    }
    drop(store);
    // The newer game's save protocol, step by step: temporary file (flushed),
    // backups shifted, primary to level 0, temporary file into place.
    let layout = Layout::new(ROOT);
    let primary = layout.primary(0);
    let tmp = Layout::temp_for(&primary);
    let root = Path::new(ROOT);
    disk.start_recording();
    disk.write_file(&tmp, &[&newer_record(3)], true).unwrap();
    disk.rename(&layout.backup(0, 0), &layout.backup(0, 1))
        .unwrap();
    disk.rename(&primary, &layout.backup(0, 0)).unwrap();
    disk.rename(&tmp, &primary).unwrap();
    disk.sync_dir(root).unwrap();
    let images = disk.stop_recording();
    let states = states_of(&images, 11);
    assert!(states.len() > 10, "{} states", states.len());
    let mut newer_kept = 0;
    for (i, state) in states.into_iter().enumerate() {
        let crashed = Arc::new(SimStorage::from_image(state));
        let had_newer_complete = [&tmp, &primary, &layout.backup(0, 0)]
            .iter()
            .any(|p| crashed.read(p).is_ok_and(|bytes| bytes == newer_record(3)));
        let store = SlotStore::open_with(ROOT, options(10), crashed.clone(), clock.clone())
            .unwrap_or_else(|e| panic!("state {i}: {e}"));
        let actions = store.startup_actions().to_vec();
        if had_newer_complete {
            // The newer record is still on disk, complete, and no older copy
            // has taken the primary's place with a fresh stamp.
            let mut paths = vec![primary.clone(), layout.backup(0, 0), tmp.clone()];
            paths.extend(
                crashed
                    .list(&layout.quarantine_dir())
                    .unwrap_or_default()
                    .into_iter()
                    .map(|n| layout.quarantine_dir().join(n)),
            );
            let survived = paths
                .iter()
                .any(|p| crashed.read(p).is_ok_and(|b| b == newer_record(3)));
            assert!(
                survived,
                "state {i}: the newer save was lost by {actions:?}"
            );
            match store.load(0) {
                Err(Error::Corrupt {
                    reason: FormatError::UnsupportedVersion { .. },
                    ..
                }) => newer_kept += 1,
                Err(Error::NotFound { .. }) => {}
                Ok(loaded) => {
                    let value = payload::decode(0, &loaded.payload).unwrap();
                    assert!(
                        !actions.iter().any(|a| matches!(
                            a,
                            backup_core::StartupAction::RestoredFromBackup { .. }
                                | backup_core::StartupAction::RestoredFromSnapshot { .. }
                        )),
                        "state {i}: an older copy (save {value}) was restored over a newer one: {actions:?}"
                    );
                }
                Err(e) => panic!("state {i}: {e}"),
            }
        } else {
            // The newer write never became durable: the acknowledged save
            // of this build is there, or repair puts it back.
            if store.load(0).is_err() {
                store.repair(0).unwrap_or_else(|e| panic!("state {i}: {e}"));
            }
            let loaded = store.load(0).unwrap_or_else(|e| panic!("state {i}: {e}"));
            assert_eq!(payload::decode(0, &loaded.payload), Ok(2), "state {i}");
        }
    }
    assert!(
        newer_kept > 0,
        "some states keep the newer save as the primary"
    );
}
