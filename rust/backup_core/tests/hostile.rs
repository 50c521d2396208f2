//! A save folder the game does not control: foreign and crafted files,
//! links, FIFOs, newer formats, concurrent exports. Each test checks the
//! error, and that the folder is byte-for-byte unchanged (names, types,
//! bytes, link targets) or changed exactly as reported.
#![cfg(unix)]

mod common;
mod folder_tree;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;

use backup_core::{
    envelope, BackupConfig, BackupFlow, Error, Layout, ManualClock, RestoreOutcome,
    SnapshotRequest, StartupAction, StoreOptions,
};
use common::{fast_options, meta, open, open_with};
use folder_tree::tree;

/// A record as the store writes it, at the current format version.
fn record(payload: &[u8]) -> Vec<u8> {
    envelope::encode(&serde_json::to_vec(&meta("Goose")).unwrap(), payload)
}

/// A record from a newer format version (valid header, unknown version).
fn newer_record(payload: &[u8]) -> Vec<u8> {
    let mut bytes = record(payload);
    bytes[4..6].copy_from_slice(&(envelope::CURRENT_VERSION + 5).to_le_bytes());
    let crc = crc32fast::hash(&bytes[..28]);
    bytes[28..32].copy_from_slice(&crc.to_le_bytes());
    bytes
}

/// Makes a FIFO without spawning a process (a forked child would hold the
/// lock files of stores open in parallel tests until it execs).
fn mkfifo(path: &Path) {
    use std::os::unix::ffi::OsStrExt;
    let c_path = std::ffi::CString::new(path.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path; mkfifo only reads it.
    let rc = unsafe { libc::mkfifo(c_path.as_ptr(), 0o600) };
    assert_eq!(rc, 0, "mkfifo {}", path.display());
}

/// Runs `f` on another thread; fails (instead of hanging) after 10 s.
fn within_seconds<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(Duration::from_secs(10))
        .expect("operation blocked on a special file")
}

/// A folder with slot 0 saved twice, closed again (the `.lock` exists).
fn folder() -> (tempfile::TempDir, ManualClock) {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    store.save(0, b"first", &meta("Maverick")).unwrap();
    store.save(0, b"second", &meta("Maverick")).unwrap();
    drop(store);
    (dir, clock)
}

// ----- 1. start-up recovery touches only what it owns -----

#[test]
fn foreign_tmp_files_and_directories_are_left_alone_and_no_writer_fails() {
    let (dir, clock) = folder();
    let root = dir.path();
    fs::write(root.join("notes.tmp"), b"my notes").unwrap();
    fs::write(root.join("slot_x.sav.tmp"), record(b"not ours")).unwrap();
    fs::write(root.join("slot_01.sav.tmp"), record(b"not ours either")).unwrap();
    fs::write(root.join("incoming.json.tmp"), b"{}").unwrap();
    fs::create_dir(root.join("x.tmp")).unwrap();
    let before = tree(root);
    let store = open(root, &clock);
    assert_eq!(store.startup_actions(), &[]);
    assert_eq!(tree(root), before, "nothing foreign was touched");
    store.save(0, b"third", &meta("Maverick")).unwrap();
    store.save(3, b"new slot", &meta("Ice")).unwrap();
    assert_eq!(store.load(0).unwrap().payload, b"third");
}

#[test]
fn a_directory_with_the_name_of_a_temp_file_is_reported_and_kept() {
    let (dir, clock) = folder();
    let odd = dir.path().join("slot_1.sav.tmp");
    fs::create_dir(&odd).unwrap();
    fs::write(odd.join("inside"), b"keep me").unwrap();
    let store = open(dir.path(), &clock);
    assert!(
        matches!(store.startup_actions(), [StartupAction::LeftAlone { path, reason }]
            if path == &odd && reason.contains("directory")),
        "{:?}",
        store.startup_actions()
    );
    assert_eq!(fs::read(odd.join("inside")).unwrap(), b"keep me");
    store
        .save(0, b"other slots still save", &meta("M"))
        .unwrap();
}

#[test]
fn a_complete_write_of_a_slot_beyond_the_slot_count_is_finished() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let twelve = StoreOptions {
        slot_count: 12,
        ..fast_options()
    };
    let store = open_with(dir.path(), &clock, twelve);
    store.save(11, b"acknowledged", &meta("Viper")).unwrap();
    drop(store);
    // A crash of the 12-slot game between "primary -> bak0" and "tmp -> primary".
    let layout = Layout::new(dir.path());
    fs::rename(layout.primary(11), layout.backup(11, 0)).unwrap();
    let newest = record(b"newest of slot 11");
    fs::write(Layout::temp_for(&layout.primary(11)), &newest).unwrap();
    // Opened with the default 10 slots (savekeep without --slots).
    let store = open(dir.path(), &clock);
    assert_eq!(
        store.startup_actions(),
        &[StartupAction::PromotedInterruptedWrite { slot: 11 }]
    );
    assert_eq!(fs::read(layout.primary(11)).unwrap(), newest);
    assert!(layout.backup(11, 0).exists());
}

#[test]
fn a_complete_write_next_to_a_valid_primary_goes_to_quarantine_not_away() {
    let (dir, clock) = folder();
    let layout = Layout::new(dir.path());
    let tmp = Layout::temp_for(&layout.primary(0));
    let unacknowledged = record(b"never acknowledged");
    fs::write(&tmp, &unacknowledged).unwrap();
    let store = open(dir.path(), &clock);
    let [StartupAction::QuarantinedTemp { path, moved_to }] = store.startup_actions() else {
        panic!("{:?}", store.startup_actions());
    };
    assert_eq!(path, &tmp);
    assert!(moved_to.starts_with(layout.quarantine_dir()));
    assert_eq!(fs::read(moved_to).unwrap(), unacknowledged);
    assert_eq!(store.load(0).unwrap().payload, b"second");
}

#[test]
fn a_newer_format_interrupted_write_is_finished_not_replaced_by_an_older_backup() {
    let (dir, clock) = folder();
    let layout = Layout::new(dir.path());
    // A newer game moved the primary to bak0 and crashed before the rename.
    fs::remove_file(layout.backup(0, 0)).unwrap();
    fs::rename(layout.primary(0), layout.backup(0, 0)).unwrap();
    let newer = newer_record(b"from the future");
    fs::write(Layout::temp_for(&layout.primary(0)), &newer).unwrap();
    let bak0 = fs::read(layout.backup(0, 0)).unwrap();
    let store = open(dir.path(), &clock);
    assert_eq!(
        store.startup_actions(),
        &[StartupAction::PromotedInterruptedWrite { slot: 0 }]
    );
    assert_eq!(fs::read(layout.primary(0)).unwrap(), newer);
    assert_eq!(fs::read(layout.backup(0, 0)).unwrap(), bak0);
    // And no writer replaces it afterwards.
    let err = store.restore_backup(0, 0).unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
    assert_eq!(fs::read(layout.primary(0)).unwrap(), newer);
}

#[test]
fn a_newer_format_backup_blocks_the_automatic_restore_of_an_older_one() {
    let (dir, clock) = folder();
    let layout = Layout::new(dir.path());
    // Slot 0: bak0 from a newer game, bak1 older and valid, primary lost,
    // and a torn write of ours.
    fs::rename(layout.backup(0, 0), layout.backup(0, 1)).unwrap();
    fs::write(layout.backup(0, 0), newer_record(b"newer")).unwrap();
    fs::remove_file(layout.primary(0)).unwrap();
    fs::write(Layout::temp_for(&layout.primary(0)), b"BKSV\x02").unwrap();
    let store = open(dir.path(), &clock);
    let actions = store.startup_actions();
    assert!(
        matches!(actions[0], StartupAction::DiscardedTemp { .. }),
        "{actions:?}"
    );
    assert!(
        matches!(&actions[1], StartupAction::LeftAlone { reason, .. } if reason.contains("newer")),
        "{actions:?}"
    );
    assert!(!layout.primary(0).exists(), "no older copy was promoted");
    let err = store.repair(0).unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
    assert!(!layout.primary(0).exists());
}

#[test]
fn a_newer_format_copy_older_than_backup_level_0_does_not_block_repair() {
    let (dir, clock) = folder();
    let layout = Layout::new(dir.path());
    // The player tried a newer build long ago (bak2), came back and saved.
    fs::write(layout.backup(0, 2), newer_record(b"long ago")).unwrap();
    fs::write(layout.primary(0), b"BKSV damaged damaged damaged").unwrap();
    let store = open(dir.path(), &clock);
    let outcome = store.repair(0).unwrap();
    assert_eq!(outcome.source, backup_core::RecoverySource::Backup(0));
    assert_eq!(store.load(0).unwrap().payload, b"first");
    assert_eq!(
        fs::read(layout.backup(0, 2)).unwrap(),
        newer_record(b"long ago")
    );
}

#[test]
fn an_import_file_named_like_a_temp_file_survives_the_start_up() {
    let (dir, clock) = folder();
    let source = dir.path().join("pilot_export.tmp");
    let store = open(dir.path(), &clock);
    let flow = BackupFlow::new(Arc::new(store), BackupConfig::default()).unwrap();
    let outside = tempfile::tempdir().unwrap();
    let exported = outside.path().join("e.json");
    assert!(flow.export_backup(0, &exported, true).success);
    drop(flow);
    fs::copy(&exported, &source).unwrap();
    let store = open(dir.path(), &clock);
    assert_eq!(store.startup_actions(), &[]);
    let flow = BackupFlow::new(Arc::new(store), BackupConfig::default()).unwrap();
    let result = flow.import_backup(&source, 3);
    assert!(result.success, "{result:?}");
    assert!(source.exists());
}

// ----- 2. links and special files -----

#[test]
fn symlinked_snapshots_quarantine_and_lock_are_refused_naming_the_path() {
    let (dir, clock) = folder();
    let elsewhere = tempfile::tempdir().unwrap();
    let root = dir.path();

    symlink(elsewhere.path(), root.join("snapshots")).unwrap();
    let store = open(root, &clock);
    let before = tree(root);
    let err = store
        .create_snapshot(0, &SnapshotRequest::manual("x", ""))
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(&root.join("snapshots").display().to_string())
            && err.to_string().contains("symbolic link"),
        "{err}"
    );
    assert_eq!(tree(root), before);
    assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    drop(store);
    fs::remove_file(root.join("snapshots")).unwrap();

    symlink(elsewhere.path(), root.join("quarantine")).unwrap();
    fs::write(
        Layout::new(root).primary(0),
        b"BKSV garbage garbage garbage",
    )
    .unwrap();
    let store = open(root, &clock);
    let before = tree(root);
    let err = store.repair(0).unwrap_err();
    assert!(err.to_string().contains("quarantine"), "{err}");
    assert_eq!(tree(root), before);
    assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    drop(store);
    fs::remove_file(root.join("quarantine")).unwrap();

    fs::remove_file(root.join(".lock")).unwrap();
    let target = elsewhere.path().join("planted");
    symlink(&target, root.join(".lock")).unwrap();
    let before = tree(root);
    let err = backup_core::SlotStore::open(root, fast_options()).unwrap_err();
    assert!(err.to_string().contains(".lock"), "{err}");
    assert!(!target.exists(), "no lock file outside the folder");
    assert_eq!(tree(root), before);
}

#[test]
fn a_symlinked_slot_file_is_neither_read_nor_written_through() {
    let (dir, clock) = folder();
    let elsewhere = tempfile::tempdir().unwrap();
    let victim = elsewhere.path().join("victim.sav");
    fs::write(&victim, record(b"someone else's file")).unwrap();
    let layout = Layout::new(dir.path());
    fs::remove_file(layout.primary(0)).unwrap();
    symlink(&victim, layout.primary(0)).unwrap();
    let store = open(dir.path(), &clock);
    let before = tree(dir.path());
    let err = store.load(0).unwrap_err();
    assert!(err.to_string().contains("symbolic link"), "{err}");
    let err = store.save(0, b"overwrite?", &meta("M")).unwrap_err();
    assert!(err.to_string().contains("slot_0.sav"), "{err}");
    assert_eq!(tree(dir.path()), before);
    assert_eq!(fs::read(&victim).unwrap(), record(b"someone else's file"));
}

#[test]
fn fifos_as_slot_and_state_files_never_block() {
    let (dir, clock) = folder();
    let layout = Layout::new(dir.path());
    fs::remove_file(layout.backup(0, 0)).unwrap();
    mkfifo(&layout.backup(0, 0));
    mkfifo(&layout.primary(4));
    mkfifo(&dir.path().join("backup_flow_state.json"));
    let root = dir.path().to_path_buf();
    let before = tree(&root);
    let (err, listed, flow_ok) = within_seconds(move || {
        let store = open(&root, &clock);
        let err = store.load(4).unwrap_err().to_string();
        let listed = store.list_slots().map(|l| l.len());
        let flow = BackupFlow::new(Arc::new(store), BackupConfig::default());
        (err, listed, flow.is_ok())
    });
    assert!(err.contains("FIFO"), "{err}");
    assert!(listed.is_ok(), "{listed:?}");
    assert!(flow_ok);
    assert_eq!(tree(dir.path()), before);
}

#[test]
fn an_import_from_a_fifo_or_a_device_is_refused_without_blocking() {
    let (dir, clock) = folder();
    let outside = tempfile::tempdir().unwrap();
    let fifo = outside.path().join("pilot.json");
    mkfifo(&fifo);
    let root = dir.path().to_path_buf();
    let before = tree(&root);
    let messages = within_seconds(move || {
        let store = open(&root, &clock);
        let flow = BackupFlow::new(Arc::new(store), BackupConfig::default()).unwrap();
        [fifo.as_path(), Path::new("/dev/zero")]
            .iter()
            .map(|p| flow.import_backup(p, 1))
            .map(|r| (r.success, r.error_message))
            .collect::<Vec<_>>()
    });
    for (success, message) in messages {
        assert!(
            !success && message.contains("not a regular file"),
            "{message}"
        );
    }
    assert_eq!(tree(dir.path()), before);
}

// ----- 3. exports -----

fn flow_over(dir: &Path, clock: &ManualClock) -> BackupFlow {
    BackupFlow::new(Arc::new(open(dir, clock)), BackupConfig::default()).unwrap()
}

#[test]
fn an_export_never_writes_through_a_link_or_onto_a_special_file() {
    let (dir, clock) = folder();
    let flow = flow_over(dir.path(), &clock);
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    fs::write(&victim, b"precious").unwrap();
    let link = outside.path().join("export.json");
    symlink(&victim, &link).unwrap();
    let r = flow.export_backup(0, &link, true);
    assert!(
        !r.success && r.error_message.contains("symbolic link"),
        "{r:?}"
    );
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    assert_eq!(fs::read_link(&link).unwrap(), victim);

    let fifo = outside.path().join("pipe.json");
    mkfifo(&fifo);
    let r = flow.export_backup(0, &fifo, true);
    assert!(
        !r.success && r.error_message.contains("not a regular file"),
        "{r:?}"
    );
    assert!(fs::symlink_metadata(&fifo)
        .unwrap()
        .file_type()
        .is_fifo_like());

    let r = flow.export_backup(0, Path::new("/dev/full"), true);
    assert!(
        !r.success && r.error_message.contains("not a regular file"),
        "{r:?}"
    );
    assert!(!fs::metadata("/dev/full").unwrap().is_file());
    let leftovers: Vec<_> = fs::read_dir(outside.path()).unwrap().collect();
    assert_eq!(leftovers.len(), 3, "no temporary file left behind");
}

trait FifoLike {
    fn is_fifo_like(&self) -> bool;
}
impl FifoLike for fs::FileType {
    fn is_fifo_like(&self) -> bool {
        use std::os::unix::fs::FileTypeExt;
        self.is_fifo()
    }
}

#[test]
fn an_export_into_the_save_folder_is_refused() {
    let (dir, clock) = folder();
    let flow = flow_over(dir.path(), &clock);
    let before = tree(dir.path());
    for target in ["slot_7.sav", "export.json", "snapshots/x.json"] {
        let r = flow.export_backup(0, &dir.path().join(target), true);
        assert!(!r.success, "{target}: {r:?}");
        assert!(
            r.error_message.contains("inside the save folder")
                || r.error_message.contains("No such file"),
            "{target}: {}",
            r.error_message
        );
    }
    assert_eq!(tree(dir.path()), before);
    assert!(!flow.store().used_slots().unwrap().contains(&7));
}

#[test]
fn concurrent_exports_to_one_file_never_report_the_others_data() {
    let (dir, clock) = folder();
    let flow = flow_over(dir.path(), &clock);
    flow.store().save(1, b"slot one", &meta("One")).unwrap();
    let flow = Arc::new(flow);
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("shared.json");
    for _ in 0..40 {
        let handles: Vec<_> = [0i64, 1]
            .into_iter()
            .map(|slot| {
                let flow = Arc::clone(&flow);
                let target = target.clone();
                std::thread::spawn(move || {
                    let r = flow.export_backup(slot, &target, true);
                    (slot, r.success)
                })
            })
            .collect();
        let results: Vec<(i64, bool)> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        let on_disk: serde_json::Value =
            serde_json::from_slice(&fs::read(&target).unwrap()).expect("never torn");
        let slot_on_disk = on_disk["source_slot"].as_i64().unwrap();
        assert!(
            results.contains(&(slot_on_disk, true)),
            "the file holds slot {slot_on_disk}'s export, whose export did not succeed: {results:?}"
        );
    }
}

// ----- 4. restore over a newer-format save -----

#[test]
fn restores_refuse_a_current_save_from_a_newer_format() {
    let (dir, clock) = folder();
    let layout = Layout::new(dir.path());
    let store = open(dir.path(), &clock);
    let snap = store
        .create_snapshot(0, &SnapshotRequest::manual("before", ""))
        .unwrap();
    fs::write(layout.primary(0), newer_record(b"newer game")).unwrap();
    let before = tree(dir.path());
    let results: Vec<Result<RestoreOutcome, Error>> = vec![
        store.restore_backup(0, 0),
        store.restore_snapshot(0, &snap.id),
        store.repair(0),
    ];
    for r in results {
        let err = r.unwrap_err();
        assert!(err.to_string().contains("newer"), "{err}");
    }
    assert_eq!(tree(dir.path()), before);
}

// ----- beyond the issue: hard links -----

#[test]
fn a_hard_link_planted_under_a_temp_name_is_never_written_through() {
    let (dir, clock) = folder();
    let outside = tempfile::tempdir_in(dir.path().parent().unwrap()).unwrap();
    let victim = outside.path().join("victim.txt");
    fs::write(&victim, b"precious").unwrap();
    let layout = Layout::new(dir.path());
    let tmp = Layout::temp_for(&layout.primary(0));
    let store = open(dir.path(), &clock);
    // Planted while the game runs, after start-up recovery.
    fs::hard_link(&victim, &tmp).unwrap();
    let err = store.save(0, b"third", &meta("M")).unwrap_err();
    assert!(err.to_string().contains("hard links"), "{err}");
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
    assert_eq!(store.load(0).unwrap().payload, b"second");
    assert!(!tmp.exists(), "only the planted name was removed");
    drop(store);
    // Planted before start-up: not a record of ours, kept in quarantine
    // (moved, never written).
    fs::hard_link(&victim, &tmp).unwrap();
    let store = open(dir.path(), &clock);
    assert!(
        matches!(
            store.startup_actions(),
            [StartupAction::QuarantinedTemp { .. }]
        ),
        "{:?}",
        store.startup_actions()
    );
    store.save(0, b"third", &meta("M")).unwrap();
    assert_eq!(fs::read(&victim).unwrap(), b"precious");
}

#[test]
fn a_fifo_or_directory_as_the_lock_file_is_refused_without_blocking() {
    for make in ["fifo", "dir"] {
        let (dir, _clock) = folder();
        let lock = dir.path().join(".lock");
        fs::remove_file(&lock).unwrap();
        if make == "fifo" {
            mkfifo(&lock);
        } else {
            fs::create_dir(&lock).unwrap();
        }
        let before = tree(dir.path());
        let root = dir.path().to_path_buf();
        let err = within_seconds(move || {
            backup_core::SlotStore::open(&root, fast_options())
                .unwrap_err()
                .to_string()
        });
        assert!(err.contains(".lock"), "{make}: {err}");
        assert_eq!(tree(dir.path()), before, "{make}");
    }
}
