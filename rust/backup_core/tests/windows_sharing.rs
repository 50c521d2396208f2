//! Windows sharing rules: another program (an antivirus scanner, a cloud-sync
//! client) that opens a save without `FILE_SHARE_DELETE` makes every rename
//! onto or away from it fail while it holds the file. The store retries for
//! a moment, then fails with a clear error and the previous save intact.
//! Runs on Windows (and under Wine, see scripts/windows_tests.sh) only.
#![cfg(windows)]

mod common;

use std::fs::{self, File, OpenOptions};
use std::os::windows::fs::OpenOptionsExt;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use backup_core::{envelope, Error, ManualClock, SlotStore, TEMP_SUFFIX};
use common::{meta, open};

const FILE_SHARE_READ: u32 = 0x1;
const FILE_SHARE_WRITE: u32 = 0x2;

/// Opens `path` the way a scanner does: reading, sharing read and write but
/// not delete (so the file can be neither renamed nor replaced).
fn hold(path: &Path) -> File {
    OpenOptions::new()
        .read(true)
        .share_mode(FILE_SHARE_READ | FILE_SHARE_WRITE)
        .open(path)
        .unwrap()
}

/// The payload of backup `level` of `slot`, read straight from its file.
fn backup_payload(store: &SlotStore, slot: u32, level: u32) -> Vec<u8> {
    let bytes = fs::read(store.layout().backup(slot, level)).unwrap();
    envelope::decode(bytes, u64::MAX)
        .unwrap()
        .payload()
        .to_vec()
}

fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(TEMP_SUFFIX))
        .collect()
}

#[test]
fn a_save_waits_for_a_scanner_that_lets_go() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &ManualClock::fixed());
    store.save(1, b"old", &meta("Maverick")).unwrap();
    let primary = store.layout().primary(1);

    let scanner = hold(&primary);
    let release = thread::spawn(move || {
        thread::sleep(Duration::from_millis(150));
        drop(scanner);
    });
    store.save(1, b"new", &meta("Maverick")).unwrap();
    release.join().unwrap();

    assert_eq!(store.load(1).unwrap().payload, b"new");
    assert_eq!(backup_payload(&store, 1, 0), b"old", "rotated to backup 0");
    assert!(temp_files(dir.path()).is_empty());
}

#[test]
fn a_save_onto_a_file_held_open_fails_clearly_and_keeps_the_old_save() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &ManualClock::fixed());
    store.save(1, b"old", &meta("Maverick")).unwrap();
    let primary = store.layout().primary(1);
    let before = fs::read(&primary).unwrap();

    let scanner = hold(&primary);
    let start = Instant::now();
    let err = store.save(1, b"new", &meta("Maverick")).unwrap_err();
    let waited = start.elapsed();
    let text = err.to_string();
    assert!(matches!(err, Error::Io { .. }), "{err:?}");
    assert!(text.contains("in use by another program"), "{text}");
    assert!(text.contains(&primary.display().to_string()), "{text}");
    assert!(waited >= Duration::from_secs(1), "retried for {waited:?}");
    drop(scanner);

    assert_eq!(
        fs::read(&primary).unwrap(),
        before,
        "the old save is intact"
    );
    assert_eq!(store.load(1).unwrap().payload, b"old");
    assert!(temp_files(dir.path()).is_empty(), "no temporary file left");
    // Once the holder lets go, saving works again.
    store.save(1, b"new", &meta("Maverick")).unwrap();
    assert_eq!(store.load(1).unwrap().payload, b"new");
}

#[test]
fn a_held_backup_fails_the_save_and_loses_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path(), &ManualClock::fixed());
    for payload in [&b"one"[..], b"two", b"three"] {
        store.save(2, payload, &meta("Iceman")).unwrap();
    }
    let scanner = hold(&store.layout().backup(2, 0));
    let err = store.save(2, b"four", &meta("Iceman")).unwrap_err();
    assert!(
        err.to_string().contains("in use by another program"),
        "{err}"
    );
    drop(scanner);
    // The rotation stopped at the held file: the current save and every
    // backup are still there (the older ones may have moved down a level).
    assert_eq!(store.load(2).unwrap().payload, b"three");
    assert_eq!(backup_payload(&store, 2, 0), b"two");
    let older: Vec<Vec<u8>> = (1..3)
        .filter(|&level| store.layout().backup(2, level).exists())
        .map(|level| backup_payload(&store, 2, level))
        .collect();
    assert_eq!(older, vec![b"one".to_vec()]);
    assert!(temp_files(dir.path()).is_empty(), "no temporary file left");
    store.save(2, b"four", &meta("Iceman")).unwrap();
    assert_eq!(store.load(2).unwrap().payload, b"four");
}
