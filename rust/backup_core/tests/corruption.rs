//! Corruption corpus: every single-bit flip and every truncation of a saved
//! slot is detected on load, and repair brings back exactly what was saved.

mod common;

use std::fs;

use backup_core::{
    Error, FormatError, ManualClock, QuarantineLimits, RecoverySource, StoreOptions,
};
use chrono::Duration;
use common::{fast_options, meta, open, open_with};

fn payload() -> Vec<u8> {
    (0..512u32).map(|i| (i * 31 % 251) as u8).collect()
}

#[test]
fn every_bit_flip_is_detected_and_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    // Every damaged primary is counted in quarantine/ below: no limit.
    let store = open_with(
        dir.path(),
        &clock,
        StoreOptions {
            quarantine: QuarantineLimits::UNLIMITED,
            ..fast_options()
        },
    );
    let data = payload();
    store.save(0, &data, &meta("Flip")).unwrap();
    store.create_backup(0).unwrap();
    let primary = store.layout().primary(0);
    let original = fs::read(&primary).unwrap();
    let mut flips = 0;
    for byte in 0..original.len() {
        for bit in 0..8 {
            let mut bytes = original.clone();
            bytes[byte] ^= 1 << bit;
            fs::write(&primary, &bytes).unwrap();
            let err = store.load(0).expect_err("flip must be detected");
            assert!(err.is_corruption(), "byte {byte} bit {bit}: {err}");
            clock.advance(Duration::milliseconds(1));
            let outcome = store.repair(0).unwrap();
            assert_eq!(outcome.source, RecoverySource::Backup(0));
            assert_eq!(
                store.load(0).unwrap().payload,
                data,
                "byte {byte} bit {bit}"
            );
            // Same record apart from the stamp: a restored copy is stamped
            // with the time of the restore.
            let restored = store.load(0).unwrap().metadata;
            assert_eq!(restored.save_count, 1);
            assert_eq!(restored.pilot_callsign, "Flip");
            assert_eq!(restored.modified_at, Some(backup_core::Clock::now(&clock)));
            flips += 1;
        }
    }
    assert_eq!(flips, original.len() * 8);
    let quarantined = fs::read_dir(store.layout().quarantine_dir())
        .unwrap()
        .count();
    assert_eq!(
        quarantined, flips,
        "every corrupt file was kept as evidence"
    );
}

#[test]
fn every_truncation_is_detected_and_repaired() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    let data = payload();
    store.save(0, &data, &meta("Cut")).unwrap();
    store.create_backup(0).unwrap();
    let primary = store.layout().primary(0);
    let original = fs::read(&primary).unwrap();
    for len in 0..original.len() {
        fs::write(&primary, &original[..len]).unwrap();
        let err = store.load(0).expect_err("truncation must be detected");
        match &err {
            Error::Corrupt { reason, .. } => {
                if len == 0 {
                    assert_eq!(reason, &FormatError::Empty);
                } else {
                    assert!(
                        matches!(reason, FormatError::Truncated { .. }),
                        "length {len}: {reason}"
                    );
                }
            }
            other => panic!("length {len}: {other}"),
        }
        clock.advance(Duration::milliseconds(1));
        store.repair(0).unwrap();
        assert_eq!(store.load(0).unwrap().payload, data);
    }
}

#[test]
fn a_zero_filled_file_of_the_right_length_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    let data = payload();
    store.save(0, b"older save", &meta("Zero")).unwrap();
    clock.advance(Duration::minutes(1));
    store.save(0, &data, &meta("Zero")).unwrap();
    store.create_backup(0).unwrap();
    let primary = store.layout().primary(0);
    let len = fs::metadata(&primary).unwrap().len() as usize;
    fs::write(&primary, vec![0u8; len]).unwrap();
    match store.load(0).unwrap_err() {
        Error::Corrupt {
            reason: FormatError::ZeroFilled { len: l },
            ..
        } => assert_eq!(l as usize, len),
        other => panic!("{other}"),
    }
    // A zero-filled backup is reported too and is never chosen by repair.
    fs::write(store.layout().backup(0, 0), vec![0u8; len]).unwrap();
    let info = store.slot_info(0).unwrap();
    assert!(!info.backups[0].is_valid());
    assert!(info.backups[1].is_valid());
    assert_eq!(store.repair(0).unwrap().source, RecoverySource::Backup(1));
    assert_eq!(store.load(0).unwrap().payload, b"older save");
}

#[test]
fn trailing_garbage_is_detected() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open(dir.path(), &clock);
    store.save(0, &payload(), &meta("Tail")).unwrap();
    let primary = store.layout().primary(0);
    let mut bytes = fs::read(&primary).unwrap();
    bytes.extend_from_slice(b"junk");
    fs::write(&primary, &bytes).unwrap();
    assert!(matches!(
        store.load(0),
        Err(Error::Corrupt {
            reason: FormatError::TrailingBytes { extra: 4 },
            ..
        })
    ));
}
