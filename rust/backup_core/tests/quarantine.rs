//! quarantine/ stays within its limits: the oldest files the store moved
//! there go first, the file just moved and files the store did not name are
//! never removed, and cleanup reports what it pruned.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use backup_core::{ManualClock, QuarantineLimits, SlotStore, StoreOptions};
use chrono::Duration;
use common::{fast_options, meta, open_with};

fn limited(max_files: usize, max_bytes: u64) -> StoreOptions {
    StoreOptions {
        quarantine: QuarantineLimits {
            max_files,
            max_bytes,
        },
        ..fast_options()
    }
}

/// A store with a save in slot 0 and its copy in backup level 0, which
/// repair puts back each time.
fn saved(dir: &Path, clock: &ManualClock, options: StoreOptions) -> SlotStore {
    let store = open_with(dir, clock, options);
    store.save(0, b"good", &meta("q")).unwrap();
    store.create_backup(0).unwrap();
    store
}

/// Names in quarantine/, sorted.
fn quarantined(store: &SlotStore) -> Vec<String> {
    let dir = store.layout().quarantine_dir();
    let mut names: Vec<String> = fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

/// Damages the primary of `slot` with `bytes` and repairs it, which moves
/// the damaged file to quarantine. Returns the quarantined file.
fn damage_and_repair(store: &SlotStore, clock: &ManualClock, slot: u32, bytes: &[u8]) -> PathBuf {
    clock.advance(Duration::seconds(1));
    fs::write(store.layout().primary(slot), bytes).unwrap();
    let outcome = store.repair(slot).unwrap();
    outcome
        .quarantined
        .expect("the damaged primary was quarantined")
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_str().unwrap().to_owned()
}

#[test]
fn the_oldest_quarantined_files_go_once_the_file_limit_is_reached() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = saved(dir.path(), &clock, limited(3, u64::MAX));
    let mut moved = Vec::new();
    for i in 0..5u8 {
        let path = damage_and_repair(&store, &clock, 0, &[b'x', i]);
        assert_eq!(
            fs::read(&path).unwrap(),
            vec![b'x', i],
            "the damaged bytes are kept"
        );
        moved.push(file_name(&path));
        assert!(quarantined(&store).len() <= 3, "{:?}", quarantined(&store));
    }
    let mut newest: Vec<String> = moved[2..].to_vec();
    newest.sort();
    assert_eq!(quarantined(&store), newest, "the three newest are kept");
    assert_eq!(store.load(0).unwrap().payload, b"good");
}

#[test]
fn the_byte_limit_keeps_the_newest_files_that_fit_and_always_the_one_just_moved() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = saved(dir.path(), &clock, limited(100, 250));
    let a = damage_and_repair(&store, &clock, 0, &[b'a'; 100]);
    let b = damage_and_repair(&store, &clock, 0, &[b'b'; 100]);
    assert_eq!(quarantined(&store), vec![file_name(&a), file_name(&b)]);
    // 300 bytes would pass the limit: the oldest goes.
    let c = damage_and_repair(&store, &clock, 0, &[b'c'; 100]);
    assert_eq!(quarantined(&store), vec![file_name(&b), file_name(&c)]);
    // A file larger than the whole limit is still kept (it is the newest
    // evidence); everything older goes.
    let big = damage_and_repair(&store, &clock, 0, &[b'd'; 1000]);
    assert_eq!(quarantined(&store), vec![file_name(&big)]);
    assert_eq!(fs::read(&big).unwrap().len(), 1000);
}

#[test]
fn files_the_store_did_not_name_are_never_removed() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = saved(dir.path(), &clock, limited(1, u64::MAX));
    let qdir = store.layout().quarantine_dir();
    fs::create_dir_all(qdir.join("support_case_12")).unwrap();
    fs::write(qdir.join("README.txt"), b"sent to support").unwrap();
    // Looks almost like ours, but the stamp is not a valid time.
    fs::write(qdir.join("slot_0.sav.20261399T000000000Z"), b"x").unwrap();
    let first = damage_and_repair(&store, &clock, 0, b"one");
    let second = damage_and_repair(&store, &clock, 0, b"two");
    let mut expected = vec![
        "README.txt".to_owned(),
        "slot_0.sav.20261399T000000000Z".to_owned(),
        "support_case_12".to_owned(),
        file_name(&second),
    ];
    expected.sort();
    assert_eq!(quarantined(&store), expected);
    assert!(!first.exists());
}

#[cfg(unix)]
#[test]
fn a_link_with_a_quarantine_name_is_left_alone_and_its_target_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = saved(dir.path(), &clock, limited(1, u64::MAX));
    let target = outside.path().join("precious");
    fs::write(&target, b"not ours").unwrap();
    let qdir = store.layout().quarantine_dir();
    fs::create_dir_all(&qdir).unwrap();
    let link = qdir.join("slot_0.sav.20200101T000000000Z");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    damage_and_repair(&store, &clock, 0, b"one");
    damage_and_repair(&store, &clock, 0, b"two");
    assert!(fs::symlink_metadata(&link)
        .unwrap()
        .file_type()
        .is_symlink());
    assert_eq!(fs::read(&target).unwrap(), b"not ours");
}

#[test]
fn cleanup_prunes_to_lowered_limits_and_reports_what_it_removed() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let mut kept = Vec::new();
    {
        let store = saved(dir.path(), &clock, limited(10, u64::MAX));
        for i in 0..4u8 {
            kept.push(damage_and_repair(&store, &clock, 0, &[i]));
        }
        assert_eq!(quarantined(&store).len(), 4);
    }
    // Reopened by a build with a lower limit: nothing is removed until a
    // file is quarantined or cleanup runs.
    let store = open_with(dir.path(), &clock, limited(2, u64::MAX));
    assert_eq!(quarantined(&store).len(), 4);
    let report = store.cleanup().unwrap();
    assert_eq!(report.pruned_quarantine, kept[..2].to_vec());
    assert_eq!(
        quarantined(&store),
        vec![file_name(&kept[2]), file_name(&kept[3])]
    );
    // Within the limits: a second cleanup removes nothing.
    assert!(store.cleanup().unwrap().pruned_quarantine.is_empty());
}

#[test]
fn cleanup_reports_files_pruned_by_its_own_moves() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open_with(dir.path(), &clock, limited(1, u64::MAX));
    for i in 0..4u8 {
        store.save(0, &[i], &meta("q")).unwrap();
    }
    let old = damage_and_repair(&store, &clock, 0, b"old");
    clock.advance(Duration::seconds(1));
    fs::write(store.layout().backup(0, 1), b"rot1").unwrap();
    fs::write(store.layout().backup(0, 2), b"rot2").unwrap();
    let report = store.cleanup().unwrap();
    assert_eq!(report.quarantined.len(), 2);
    // The older file and the first of this cleanup's moves made way.
    assert_eq!(report.pruned_quarantine.len(), 2, "{report:?}");
    assert_eq!(report.pruned_quarantine[0], old);
    assert!(report.quarantined.contains(&report.pruned_quarantine[1]));
    assert_eq!(quarantined(&store).len(), 1);
}

#[test]
fn the_default_keeps_fifty_files() {
    let limits = StoreOptions::default().quarantine;
    assert_eq!(limits.max_files, 50);
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = saved(dir.path(), &clock, fast_options());
    for i in 0..55u32 {
        damage_and_repair(&store, &clock, 0, &i.to_le_bytes());
    }
    assert_eq!(quarantined(&store).len(), 50);
}

#[cfg(unix)]
#[test]
fn cleanup_with_a_linked_quarantine_folder_prunes_nothing_behind_it() {
    let dir = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    for i in 0..3 {
        fs::write(
            outside
                .path()
                .join(format!("slot_0.sav.2020010{i}T000000000Z")),
            b"someone else's",
        )
        .unwrap();
    }
    std::os::unix::fs::symlink(outside.path(), dir.path().join("quarantine")).unwrap();
    let store = open_with(dir.path(), &clock, limited(1, u64::MAX));
    store.save(0, b"good", &meta("q")).unwrap();
    let report = store.cleanup().unwrap();
    assert!(report.pruned_quarantine.is_empty());
    assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 3);
}
