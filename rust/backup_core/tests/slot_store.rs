//! Behaviour of the slot store through its public API.

mod common;

use std::fs;

use backup_core::envelope;
use backup_core::{
    BackupOutcome, CopyRole, Error, FileStatus, FormatError, ManualClock, RecoverySource,
    SlotStore, SnapshotKind, SnapshotRequest, StartupAction, StoreOptions,
};
use chrono::Duration;
use common::{fast_options, meta, open, open_with};

#[test]
fn save_then_load_round_trips_payload_and_metadata() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    let receipt = store.save(2, b"hello world", &meta("Maverick")).unwrap();
    let loaded = store.load(2).unwrap();
    assert_eq!(loaded.payload, b"hello world");
    assert_eq!(loaded.metadata.pilot_callsign, "Maverick");
    assert_eq!(loaded.metadata.campaign, "Hermes");
    assert_eq!(loaded.metadata.save_count, 1);
    assert_eq!(loaded.metadata.created_at, Some(clock.now_utc()));
    assert_eq!(loaded.checksum, receipt.checksum);
    assert_eq!(loaded.migrated_from_version, None);
}

trait NowUtc {
    fn now_utc(&self) -> chrono::DateTime<chrono::Utc>;
}
impl NowUtc for ManualClock {
    fn now_utc(&self) -> chrono::DateTime<chrono::Utc> {
        use backup_core::Clock;
        self.now()
    }
}

#[test]
fn every_save_rotates_three_backup_levels() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    for i in 0..5u8 {
        clock.advance(Duration::minutes(1));
        store.save(0, &[i; 16], &meta("Iceman")).unwrap();
    }
    let info = store.slot_info(0).unwrap();
    assert_eq!(store.load(0).unwrap().payload, vec![4; 16]);
    assert_eq!(info.backups.len(), 3);
    assert_eq!(info.valid_backups(), 3);
    for (level, expected) in [(0u32, 3u8), (1, 2), (2, 1)] {
        let path = store.layout().backup(0, level);
        let record = envelope::decode(fs::read(path).unwrap(), u64::MAX).unwrap();
        assert_eq!(record.payload(), &[expected; 16], "level {level}");
    }
    assert!(
        !store.layout().backup(0, 3).exists(),
        "only three levels are kept"
    );
    let loaded = store.load(0).unwrap();
    assert_eq!(loaded.metadata.save_count, 5);
    assert!(loaded.metadata.created_at < loaded.metadata.modified_at);
}

#[test]
fn backup_count_is_configurable() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open_with(
        dir.path(),
        &clock,
        StoreOptions {
            backup_levels: 5,
            ..fast_options()
        },
    );
    for i in 0..8u8 {
        store.save(1, &[i], &meta("a")).unwrap();
    }
    assert_eq!(store.slot_info(1).unwrap().valid_backups(), 5);
    assert!(matches!(
        store.restore_backup(1, 5),
        Err(Error::InvalidBackupLevel { level: 5, max: 4 })
    ));
}

#[test]
fn restore_from_any_level_keeps_the_replaced_save_as_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    for i in 0..4u8 {
        store.save(3, &[i; 8], &meta("Goose")).unwrap();
    }
    let outcome = store.restore_backup(3, 2).unwrap();
    assert_eq!(outcome.source, RecoverySource::Backup(2));
    assert_eq!(
        store.load(3).unwrap().payload,
        vec![0; 8],
        "level 2 is the oldest"
    );
    let safety = outcome.safety_snapshot.expect("current save kept");
    let snaps = store.list_snapshots(3).unwrap();
    assert_eq!(snaps.len(), 1);
    assert_eq!(snaps[0].role, CopyRole::Snapshot(safety.clone()));
    let info = snaps[0].metadata().unwrap().snapshot.clone().unwrap();
    assert_eq!(info.kind, SnapshotKind::PreRestore);
    // The replaced save comes back through the snapshot.
    store.restore_snapshot(3, &safety).unwrap();
    assert_eq!(store.load(3).unwrap().payload, vec![3; 8]);
}

#[test]
fn create_backup_copies_primary_to_level_zero_once() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    store.save(0, b"first", &meta("a")).unwrap();
    assert_eq!(store.slot_info(0).unwrap().valid_backups(), 0);
    assert_eq!(store.create_backup(0).unwrap(), BackupOutcome::Created);
    assert_eq!(
        store.create_backup(0).unwrap(),
        BackupOutcome::AlreadyCurrent
    );
    let info = store.slot_info(0).unwrap();
    assert_eq!(info.valid_backups(), 1);
    assert_eq!(info.backups[0].checksum(), info.primary.checksum());
    assert!(matches!(
        store.create_backup(5),
        Err(Error::NotFound { .. })
    ));
}

#[test]
fn invalid_slots_and_levels_are_refused_without_touching_disk() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    store.save(0, b"keep", &meta("a")).unwrap();
    assert!(matches!(
        store.save(10, b"x", &meta("a")),
        Err(Error::InvalidSlot { slot: 10, max: 9 })
    ));
    assert!(matches!(
        store.check_slot(-1),
        Err(Error::InvalidSlot { slot: -1, .. })
    ));
    assert!(matches!(
        store.check_slot(i64::MAX),
        Err(Error::InvalidSlot { .. })
    ));
    assert!(matches!(store.load(99), Err(Error::InvalidSlot { .. })));
    assert!(matches!(
        store.check_level(3),
        Err(Error::InvalidBackupLevel { .. })
    ));
    assert!(matches!(
        store.check_level(-1),
        Err(Error::InvalidBackupLevel { .. })
    ));
    assert!(matches!(
        store.restore_backup(0, 0),
        Err(Error::NotFound { .. })
    ));
    assert!(matches!(store.load(1), Err(Error::NotFound { .. })));
    assert_eq!(store.load(0).unwrap().payload, b"keep");
}

#[test]
fn oversized_payload_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open_with(
        dir.path(),
        &clock,
        StoreOptions {
            max_payload_bytes: 100,
            ..fast_options()
        },
    );
    store.save(0, &[1; 100], &meta("a")).unwrap();
    assert!(matches!(
        store.save(0, &[2; 101], &meta("a")),
        Err(Error::TooLarge {
            size: 101,
            limit: 100
        })
    ));
    assert_eq!(store.load(0).unwrap().payload, vec![1; 100]);
}

#[test]
fn a_root_that_is_a_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("not_a_dir");
    fs::write(&file, b"x").unwrap();
    let err = SlotStore::open(&file, fast_options()).unwrap_err();
    assert!(matches!(err, Error::RootNotDirectory(_)), "{err}");
    assert_eq!(fs::read(&file).unwrap(), b"x");
}

#[test]
fn a_second_writer_on_the_same_root_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let first = SlotStore::open(dir.path(), fast_options()).unwrap();
    let err = SlotStore::open(dir.path(), fast_options()).unwrap_err();
    assert!(matches!(err, Error::RootInUse(_)), "{err}");
    // A read-only view is allowed beside the writer.
    first.save(0, b"data", &meta("a")).unwrap();
    let view = SlotStore::open(
        dir.path(),
        StoreOptions {
            read_only: true,
            ..fast_options()
        },
    )
    .unwrap();
    assert_eq!(view.load(0).unwrap().payload, b"data");
    assert!(matches!(
        view.save(0, b"x", &meta("a")),
        Err(Error::ReadOnly)
    ));
    assert!(matches!(view.repair(0), Err(Error::ReadOnly)));
    drop(first);
    SlotStore::open(dir.path(), fast_options()).expect("lock released on drop");
}

#[cfg(unix)]
#[test]
fn a_read_only_directory_gives_an_io_error_and_keeps_the_save() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    store.save(0, b"precious", &meta("a")).unwrap();
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o555)).unwrap();
    let probe = dir.path().join("probe");
    let writable_anyway = fs::write(&probe, b"").is_ok(); // root ignores permissions
    let result = store.save(0, b"new", &meta("a"));
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    if writable_anyway {
        eprintln!("running as root: permission bits are not enforced, checking the save only");
        let _ = fs::remove_file(probe);
    } else {
        let err = result.unwrap_err();
        assert!(matches!(err, Error::Io { .. }), "{err}");
        assert_eq!(store.load(0).unwrap().payload, b"precious");
    }
}

#[test]
fn a_file_from_a_newer_format_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    let mut newer = envelope::encode(b"", b"from the future");
    newer[4..6].copy_from_slice(&9u16.to_le_bytes());
    let crc = crc32fast::hash(&newer[..28]);
    newer[28..32].copy_from_slice(&crc.to_le_bytes());
    let primary = store.layout().primary(4);
    fs::write(&primary, &newer).unwrap();
    let err = store.load(4).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Corrupt {
                reason: FormatError::UnsupportedVersion { found: 9, .. },
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("newer"));
    assert!(matches!(
        store.save(4, b"old game", &meta("a")),
        Err(Error::Corrupt { .. })
    ));
    assert!(matches!(store.repair(4), Err(Error::Corrupt { .. })));
    store.cleanup().unwrap();
    assert_eq!(fs::read(&primary).unwrap(), newer, "never discarded");
    let check = store.slot_info(4).unwrap().primary;
    assert!(matches!(
        check.status,
        FileStatus::Corrupt {
            newer_version: true,
            ..
        }
    ));
}

#[test]
fn a_legacy_v1_save_loads_and_is_migrated_keeping_the_old_file() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    let old = envelope::encode_legacy_v1(b"v1 payload");
    fs::write(store.layout().primary(6), &old).unwrap();
    let loaded = store.load(6).unwrap();
    assert_eq!(loaded.payload, b"v1 payload");
    assert_eq!(loaded.migrated_from_version, Some(1));
    let rewritten =
        envelope::decode(fs::read(store.layout().primary(6)).unwrap(), u64::MAX).unwrap();
    assert_eq!(rewritten.version, envelope::CURRENT_VERSION);
    assert_eq!(fs::read(store.layout().backup(6, 0)).unwrap(), old);
    assert_eq!(store.load(6).unwrap().migrated_from_version, None);
}

#[test]
fn repair_takes_the_newest_valid_copy_and_quarantines_the_corrupt_primary() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    for i in 0..3u8 {
        clock.advance(Duration::hours(1));
        store.save(1, &[i; 32], &meta("a")).unwrap();
    }
    let primary = store.layout().primary(1);
    let mut bytes = fs::read(&primary).unwrap();
    bytes[40] ^= 0xff;
    fs::write(&primary, &bytes).unwrap();
    assert!(store.load(1).unwrap_err().is_corruption());
    let outcome = store.repair(1).unwrap();
    assert_eq!(outcome.source, RecoverySource::Backup(0));
    let quarantined = outcome.quarantined.expect("corrupt file kept");
    assert_eq!(fs::read(&quarantined).unwrap(), bytes);
    assert!(quarantined.starts_with(store.layout().quarantine_dir()));
    assert_eq!(store.load(1).unwrap().payload, vec![1; 32]);
    assert_eq!(
        store.repair(1).unwrap().source,
        RecoverySource::AlreadyHealthy
    );
}

#[test]
fn repair_prefers_a_newer_snapshot_over_older_backups() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    store.save(2, b"one", &meta("a")).unwrap();
    clock.advance(Duration::hours(1));
    store.save(2, b"two", &meta("a")).unwrap();
    clock.advance(Duration::hours(1));
    let snap = store
        .create_snapshot(2, &SnapshotRequest::manual("Before boss", "risky"))
        .unwrap();
    // Primary and level 0 lost; the snapshot of "two" is as new as anything.
    fs::remove_file(store.layout().primary(2)).unwrap();
    fs::write(store.layout().backup(2, 0), b"garbage").unwrap();
    let outcome = store.repair(2).unwrap();
    assert_eq!(outcome.source, RecoverySource::Snapshot(snap.id));
    let loaded = store.load(2).unwrap();
    assert_eq!(loaded.payload, b"two");
    assert_eq!(
        loaded.metadata.snapshot, None,
        "restored save is a plain save"
    );
}

#[test]
fn repair_with_no_valid_copy_says_so_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    fs::write(store.layout().primary(0), b"junk").unwrap();
    assert!(matches!(
        store.repair(0),
        Err(Error::NoValidCopy { slot: 0 })
    ));
    assert_eq!(fs::read(store.layout().primary(0)).unwrap(), b"junk");
}

#[test]
fn startup_promotes_a_complete_interrupted_write() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    {
        let store = open(dir.path(), &clock);
        store.save(0, b"old", &meta("a")).unwrap();
        store.save(0, b"older-new", &meta("a")).unwrap();
    }
    // Simulate a crash between "primary -> bak0" and "tmp -> primary".
    let layout = backup_core::Layout::new(dir.path());
    let primary = layout.primary(0);
    let tmp = backup_core::Layout::temp_for(&primary);
    let new_record = envelope::encode(b"{}", b"newest");
    fs::rename(&primary, layout.backup(0, 0)).unwrap();
    fs::write(&tmp, &new_record).unwrap();
    let store = open(dir.path(), &clock);
    assert_eq!(
        store.startup_actions(),
        &[StartupAction::PromotedInterruptedWrite { slot: 0 }]
    );
    assert_eq!(store.load(0).unwrap().payload, b"newest");
    assert!(!tmp.exists());
}

#[test]
fn startup_discards_a_torn_temp_and_restores_the_moved_primary() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    {
        let store = open(dir.path(), &clock);
        store.save(0, b"acknowledged", &meta("a")).unwrap();
    }
    let layout = backup_core::Layout::new(dir.path());
    let primary = layout.primary(0);
    fs::rename(&primary, layout.backup(0, 0)).unwrap();
    fs::write(backup_core::Layout::temp_for(&primary), b"BKSV\x02").unwrap();
    let store = open(dir.path(), &clock);
    assert_eq!(
        store.startup_actions(),
        &[
            StartupAction::DiscardedTemp {
                path: backup_core::Layout::temp_for(&primary),
                reason: "incomplete: file is truncated: expected 32 bytes, found 5".into()
            },
            StartupAction::RestoredFromBackup { slot: 0, level: 0 }
        ]
    );
    assert_eq!(store.load(0).unwrap().payload, b"acknowledged");
}

#[test]
fn startup_removes_a_stale_temp_when_the_primary_is_valid() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    {
        let store = open(dir.path(), &clock);
        store.save(0, b"good", &meta("a")).unwrap();
    }
    let layout = backup_core::Layout::new(dir.path());
    let tmp = backup_core::Layout::temp_for(&layout.primary(0));
    fs::write(&tmp, b"BKSV").unwrap();
    let store = open(dir.path(), &clock);
    assert!(
        matches!(
            store.startup_actions(),
            [StartupAction::DiscardedTemp { path, reason }]
                if path == &tmp && reason.starts_with("incomplete: file is truncated")
        ),
        "{:?}",
        store.startup_actions()
    );
    assert!(!tmp.exists());
    assert_eq!(store.load(0).unwrap().payload, b"good");
}

#[test]
fn cleanup_quarantines_corrupt_backups_and_trims_extra_levels() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    {
        let store = open_with(
            dir.path(),
            &clock,
            StoreOptions {
                backup_levels: 5,
                ..fast_options()
            },
        );
        for i in 0..6u8 {
            store.save(0, &[i], &meta("a")).unwrap();
        }
    }
    let store = open(dir.path(), &clock);
    fs::write(store.layout().backup(0, 1), b"bitrot").unwrap();
    // A torn write of ours (starts like a record) is removed.
    fs::write(dir.path().join("slot_0.sav.bak0.tmp"), b"BKS").unwrap();
    fs::write(dir.path().join("notes.txt"), b"player's own file").unwrap();
    let report = store.cleanup().unwrap();
    assert_eq!(report.removed_extra_backups.len(), 2);
    assert_eq!(report.quarantined.len(), 1);
    assert_eq!(report.removed_temp.len(), 1);
    assert_eq!(fs::read(&report.quarantined[0]).unwrap(), b"bitrot");
    assert!(
        dir.path().join("notes.txt").exists(),
        "foreign files untouched"
    );
    let info = store.slot_info(0).unwrap();
    assert_eq!(info.valid_backups(), 2);
    assert_eq!(store.load(0).unwrap().payload, vec![5]);
}

#[test]
fn delete_removes_the_slot_and_optionally_its_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    store.save(0, b"a", &meta("a")).unwrap();
    store.save(0, b"b", &meta("a")).unwrap();
    store
        .create_snapshot(0, &SnapshotRequest::manual("keep", ""))
        .unwrap();
    store.delete_slot(0, false).unwrap();
    assert!(matches!(store.load(0), Err(Error::NotFound { .. })));
    assert_eq!(store.slot_info(0).unwrap().existing_backups(), 0);
    assert_eq!(store.list_snapshots(0).unwrap().len(), 1);
    assert_eq!(store.used_slots().unwrap(), vec![0]);
    store.delete_slot(0, true).unwrap();
    assert!(store.used_slots().unwrap().is_empty());
    assert_eq!(store.first_free_slot().unwrap(), Some(0));
}

#[test]
fn list_slots_reports_metadata_and_backup_states() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    store.save(1, b"a", &meta("Viper")).unwrap();
    store.save(1, b"b", &meta("Viper")).unwrap();
    store.save(7, b"c", &meta("Jester")).unwrap();
    let slots = store.list_slots().unwrap();
    assert_eq!(slots.iter().map(|s| s.slot).collect::<Vec<_>>(), vec![1, 7]);
    assert_eq!(slots[0].metadata().unwrap().pilot_callsign, "Viper");
    assert_eq!(slots[0].valid_backups(), 1);
    assert_eq!(slots[1].valid_backups(), 0);
    assert!(slots.iter().all(|s| s.is_healthy()));
    assert_eq!(
        slots[0].primary.size,
        Some(fs::metadata(store.layout().primary(1)).unwrap().len())
    );
    assert_eq!(store.first_free_slot().unwrap(), Some(0));
}

#[test]
fn stats_count_operations_bytes_and_failures() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    store.save(0, &[0; 100], &meta("a")).unwrap();
    store.load(0).unwrap();
    let _ = store.load(3);
    let stats = store.stats();
    let save = stats.get(backup_core::OpKind::Save);
    assert_eq!((save.count, save.failures), (1, 0));
    assert!(save.bytes > 100);
    let load = stats.get(backup_core::OpKind::Load);
    assert_eq!((load.count, load.failures, load.bytes), (2, 1, 100));
}

#[test]
fn snapshots_need_a_name_and_a_valid_primary() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    assert!(matches!(
        store.create_snapshot(0, &SnapshotRequest::manual("x", "")),
        Err(Error::NotFound { .. })
    ));
    store.save(0, b"a", &meta("a")).unwrap();
    assert!(matches!(
        store.create_snapshot(0, &SnapshotRequest::manual("  ", "")),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        store.restore_snapshot(0, "../../etc/passwd"),
        Err(Error::SnapshotNotFound(_))
    ));
    assert!(matches!(
        store.delete_snapshot(0, "nope"),
        Err(Error::SnapshotNotFound(_))
    ));
}

#[test]
fn retention_keeps_the_newest_automated_snapshots_and_all_manual_ones() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let mut options = fast_options();
    options.retention.keep_last = 3;
    let store = open_with(dir.path(), &clock, options);
    store.save(0, b"a", &meta("a")).unwrap();
    let manual = store
        .create_snapshot(0, &SnapshotRequest::manual("mine", ""))
        .unwrap();
    let mut automated = Vec::new();
    for i in 0..6 {
        clock.advance(Duration::minutes(5));
        let req = SnapshotRequest::automated("mission_complete", serde_json::json!({ "n": i }));
        automated.push(store.create_snapshot(0, &req).unwrap().id);
    }
    let ids: Vec<String> = store
        .list_snapshots(0)
        .unwrap()
        .into_iter()
        .map(|c| match c.role {
            CopyRole::Snapshot(id) => id,
            _ => unreachable!(),
        })
        .collect();
    let mut expected = vec![manual.id];
    expected.extend(automated[3..].iter().cloned());
    assert_eq!(ids, expected);
}

#[test]
fn retention_never_removes_the_last_valid_copy() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let mut options = fast_options();
    options.retention.keep_last = 0;
    let store = open_with(dir.path(), &clock, options.clone());
    store.save(0, b"only", &meta("a")).unwrap();
    // With the primary valid, keep_last = 0 removes the automated snapshot.
    let auto = SnapshotRequest::automated("timer_interval", serde_json::Value::Null);
    store.create_snapshot(0, &auto).unwrap();
    assert!(store.list_snapshots(0).unwrap().is_empty());
    drop(store);
    options.retention.keep_last = 1;
    let store = open_with(dir.path(), &clock, options.clone());
    store.create_snapshot(0, &auto).unwrap();
    drop(store);
    // Once the primary is gone, the snapshot is the last copy and survives.
    options.retention.keep_last = 0;
    let store = open_with(dir.path(), &clock, options);
    fs::write(store.layout().primary(0), b"junk").unwrap();
    assert!(store.apply_retention(0).unwrap().is_empty());
    assert_eq!(store.list_snapshots(0).unwrap().len(), 1);
    assert!(matches!(
        store.repair(0).unwrap().source,
        RecoverySource::Snapshot(_)
    ));
    assert_eq!(store.load(0).unwrap().payload, b"only");
}

#[test]
fn a_primary_corrupted_between_saves_is_quarantined_not_rotated_into_backups() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    store.save(0, b"one", &meta("a")).unwrap();
    store.save(0, b"two", &meta("a")).unwrap();
    let primary = store.layout().primary(0);
    let mut bytes = fs::read(&primary).unwrap();
    bytes.truncate(bytes.len() - 1);
    fs::write(&primary, &bytes).unwrap();
    store.save(0, b"three", &meta("a")).unwrap();
    let info = store.slot_info(0).unwrap();
    assert_eq!(
        info.valid_backups(),
        1,
        "the corrupt file did not push a backup out"
    );
    assert_eq!(info.existing_backups(), 1);
    assert_eq!(
        fs::read_dir(store.layout().quarantine_dir())
            .unwrap()
            .count(),
        1
    );
    assert_eq!(store.load(0).unwrap().payload, b"three");
}

/// Regression (found by the power-loss simulator): a restored save kept the
/// stamp of the copy it came from, so once a later save rotated it into the
/// backups, repair preferred the pre-restore snapshot (stamped later) over the
/// save the player had chosen and committed.
#[test]
fn repair_after_a_restore_prefers_the_restored_save_over_what_it_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    for payload in [&b"first"[..], b"second", b"third"] {
        clock.advance(Duration::minutes(1));
        store.save(0, payload, &meta("a")).unwrap();
    }
    clock.advance(Duration::minutes(1));
    // Backups are [second, first]; the player goes back to "first".
    store.restore_backup(0, 1).unwrap();
    assert_eq!(store.load(0).unwrap().payload, b"first");
    clock.advance(Duration::minutes(1));
    store.save(0, b"fourth", &meta("a")).unwrap();
    // A power cut loses the unflushed "fourth" together with the primary's
    // name: the committed save is "first", now at backup level 0.
    fs::remove_file(store.layout().primary(0)).unwrap();
    let outcome = store.repair(0).unwrap();
    assert_eq!(outcome.source, RecoverySource::Backup(0));
    assert_eq!(store.load(0).unwrap().payload, b"first");
}

/// Regression (found by the power-loss simulator): start-up recovery took the
/// first valid backup level while repair takes the newest valid copy, so a
/// power cut in the middle of a repair could end with an older save than the
/// repair was restoring.
#[test]
fn startup_recovery_restores_the_copy_repair_would_choose() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    {
        let store = open(dir.path(), &clock);
        store.save(0, b"older", &meta("a")).unwrap();
        clock.advance(Duration::minutes(1));
        store.save(0, b"newer", &meta("a")).unwrap();
        store
            .create_snapshot(0, &SnapshotRequest::manual("keep", ""))
            .unwrap();
    }
    // Backup level 0 holds "older", the snapshot holds "newer". Lose the
    // primary the way an interrupted repair does (moved to quarantine) and
    // leave the repair's unfinished temporary file.
    let layout = backup_core::Layout::new(dir.path());
    let primary = layout.primary(0);
    fs::remove_file(&primary).unwrap();
    fs::write(backup_core::Layout::temp_for(&primary), b"BKSV").unwrap();
    let store = open(dir.path(), &clock);
    assert!(
        matches!(
            store.startup_actions(),
            [
                StartupAction::DiscardedTemp { .. },
                StartupAction::RestoredFromSnapshot { slot: 0, .. }
            ]
        ),
        "{:?}",
        store.startup_actions()
    );
    assert_eq!(store.load(0).unwrap().payload, b"newer");
}

#[test]
fn a_save_folder_under_a_non_ascii_user_name_works() {
    // Windows keeps saves under C:\Users\<name>\AppData\Roaming; names such
    // as these are common and must survive every path operation.
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("Jürgen Ñúñez").join("セーブ データ");
    let clock = ManualClock::fixed();
    let store = open(&root, &clock);
    for i in 0..3u8 {
        store.save(4, &[i; 8], &meta("Größe")).unwrap();
    }
    let loaded = store.load(4).unwrap();
    assert_eq!(loaded.payload, vec![2; 8]);
    assert_eq!(loaded.metadata.pilot_callsign, "Größe");
    let info = store.slot_info(4).unwrap();
    assert_eq!(info.valid_backups(), 2);
    assert!(store.layout().primary(4).starts_with(&root));
    assert_eq!(store.used_slots().unwrap(), vec![4]);
    drop(store);
    // The writer lock lives in that folder too: a second writer is refused
    // while the first is open, and welcome after.
    let first = open(&root, &clock);
    let err = SlotStore::open(&root, fast_options()).unwrap_err();
    assert!(matches!(err, Error::RootInUse(_)), "{err}");
    drop(first);
    SlotStore::open(&root, fast_options()).unwrap();
}
