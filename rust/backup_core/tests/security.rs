//! Compressed and encrypted records: every bit flip and truncation is
//! detected, a deliberate edit (checksums fixed up) fails authentication
//! rather than reading as damage, and a wrong key changes no file, whatever
//! is asked of the store or the flow.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;
use std::sync::Arc;

use backup_core::envelope::{self, EncodeOptions, OpenError};
use backup_core::{
    BackupConfig, BackupFlow, Compression, Error, Keyring, ManualClock, OpenFailure, SaveKey,
    SnapshotRequest, StoreOptions,
};
use common::{fast_options, meta, open_with};

const LIMIT: u64 = 1 << 20;

fn key(byte: u8) -> SaveKey {
    SaveKey::from_bytes(&[byte; 32]).unwrap()
}

fn secured(compression: Compression, key: Option<SaveKey>) -> StoreOptions {
    StoreOptions {
        compression,
        keys: Keyring {
            current: key,
            previous: Vec::new(),
        },
        ..fast_options()
    }
}

fn payload() -> Vec<u8> {
    (0..300u32).map(|i| (i * 31 % 7) as u8).collect()
}

/// Recomputes both CRCs of an extended (40-byte) header, as someone editing
/// the file on purpose would.
fn fix_crcs(bytes: &mut [u8]) {
    let meta_len = u32::from_le_bytes(bytes[12..16].try_into().unwrap()) as usize;
    let crc = crc32fast::hash(&bytes[40..]);
    let _ = meta_len;
    bytes[24..28].copy_from_slice(&crc.to_le_bytes());
    let header_crc = crc32fast::hash(&bytes[..36]);
    bytes[36..40].copy_from_slice(&header_crc.to_le_bytes());
}

fn configurations() -> Vec<(&'static str, Compression, Option<SaveKey>)> {
    vec![
        ("compressed", Compression::Fast, None),
        ("encrypted", Compression::Off, Some(key(1))),
        ("compressed+encrypted", Compression::Small, Some(key(1))),
    ]
}

#[test]
fn every_bit_flip_and_truncation_is_detected() {
    let data = payload();
    for (name, compression, key) in configurations() {
        let keys = Keyring {
            current: key.clone(),
            previous: Vec::new(),
        };
        let options = EncodeOptions {
            compression,
            key: key.as_ref(),
        };
        let (prefix, body) =
            envelope::encode_record(br#"{"pilot":"Flip"}"#, &data, options).unwrap();
        let record = [prefix, body.into_owned()].concat();
        let opened = envelope::open(record.clone(), LIMIT, &keys).unwrap();
        assert_eq!(opened.payload(), &data[..], "{name}");
        assert!(opened.flags != 0, "{name} is not a plain record");
        for byte in 0..record.len() {
            for bit in 0..8 {
                let mut bytes = record.clone();
                bytes[byte] ^= 1 << bit;
                match envelope::open(bytes, LIMIT, &keys) {
                    // Accidental damage fails a CRC: corrupt, so repair may
                    // restore a backup.
                    Err(OpenError::Corrupt(_)) => {}
                    other => panic!("{name}: byte {byte} bit {bit}: {other:?}"),
                }
            }
        }
        for len in 0..record.len() {
            assert!(
                matches!(
                    envelope::open(record[..len].to_vec(), LIMIT, &keys),
                    Err(OpenError::Corrupt(_))
                ),
                "{name}: truncated to {len}"
            );
        }
    }
}

#[test]
fn an_edit_with_fixed_checksums_fails_authentication() {
    let data = payload();
    for (name, compression, key) in configurations().into_iter().skip(1) {
        let keys = Keyring::with_key(key.clone().unwrap());
        let options = EncodeOptions {
            compression,
            key: key.as_ref(),
        };
        let (prefix, body) =
            envelope::encode_record(br#"{"pilot":"Edit"}"#, &data, options).unwrap();
        let record = [prefix, body.into_owned()].concat();
        // Every bit of metadata and sealed body, and the decoded length.
        let positions = (28..36).chain(40..record.len());
        for byte in positions {
            for bit in 0..8 {
                let mut bytes = record.clone();
                bytes[byte] ^= 1 << bit;
                fix_crcs(&mut bytes);
                match envelope::open(bytes, LIMIT, &keys) {
                    Err(OpenError::Authentication(OpenFailure::WrongKeyOrModified)) => {}
                    // A longer or shorter declared length can also fail
                    // the size checks before the seal is tried.
                    Err(OpenError::Corrupt(_)) if byte < 36 => {}
                    other => panic!("{name}: byte {byte} bit {bit}: {other:?}"),
                }
            }
        }
        let wrong = Keyring::with_key(self::key(2));
        assert_eq!(
            envelope::open(record.clone(), LIMIT, &wrong).unwrap_err(),
            OpenError::Authentication(OpenFailure::WrongKeyOrModified)
        );
        assert_eq!(
            envelope::open(record, LIMIT, &Keyring::default()).unwrap_err(),
            OpenError::Authentication(OpenFailure::NoKey)
        );
    }
}

#[test]
fn a_hostile_decoded_length_cannot_make_a_bomb() {
    let data = vec![0u8; 200_000];
    let options = EncodeOptions {
        compression: Compression::Small,
        key: None,
    };
    let (prefix, body) = envelope::encode_record(b"{}", &data, options).unwrap();
    assert!(body.len() < 1000);
    let record = [prefix, body.into_owned()].concat();
    // Over the reader's limit: refused before anything is decompressed.
    assert!(matches!(
        envelope::open(record.clone(), 100_000, &Keyring::default()),
        Err(OpenError::Corrupt(
            backup_core::FormatError::TooLarge { .. }
        ))
    ));
    // A header lying low: decompression stops at the declared size.
    let mut lying = record.clone();
    lying[28..36].copy_from_slice(&1000u64.to_le_bytes());
    let crc = crc32fast::hash(&lying[..36]);
    lying[36..40].copy_from_slice(&crc.to_le_bytes());
    assert!(matches!(
        envelope::open(lying, LIMIT, &Keyring::default()),
        Err(OpenError::Corrupt(backup_core::FormatError::Decompress(_)))
    ));
}

/// Every file under `root` with its bytes.
fn snapshot_folder(root: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                let name = path.strip_prefix(root).unwrap().display().to_string();
                out.insert(name, fs::read(&path).unwrap());
            }
        }
    }
    out
}

/// Two slots with backups and snapshots under key 1, slot 2's primary
/// damaged (its backups intact), and an interrupted write of slot 0.
fn encrypted_folder(dir: &Path, clock: &ManualClock) {
    let store = open_with(dir, clock, secured(Compression::Fast, Some(key(1))));
    for slot in 0..3 {
        for round in 0..3u8 {
            clock.advance(chrono::Duration::minutes(1));
            store
                .save(slot, &[round; 5000], &meta(&format!("Pilot{slot}")))
                .unwrap();
        }
        store
            .create_snapshot(slot, &SnapshotRequest::manual("keep", ""))
            .unwrap();
    }
    let primary0 = store.layout().primary(0);
    fs::copy(&primary0, format!("{}.tmp", primary0.display())).unwrap();
    let primary2 = store.layout().primary(2);
    let mut bytes = fs::read(&primary2).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x40;
    fs::write(&primary2, bytes).unwrap();
}

#[test]
fn a_wrong_or_missing_key_changes_no_file() {
    for wrong in [Some(key(2)), None] {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::fixed();
        encrypted_folder(dir.path(), &clock);
        let before = snapshot_folder(dir.path());
        // Opening runs start-up recovery (an interrupted write is waiting).
        let store = Arc::new(open_with(
            dir.path(),
            &clock,
            secured(Compression::Fast, wrong.clone()),
        ));
        let err = store.load(0).unwrap_err();
        assert!(err.is_authentication() && !err.is_corruption(), "{err}");
        assert_eq!(err.kind(), "authentication");
        if wrong.is_some() {
            assert!(
                err.to_string()
                    .starts_with("cannot decrypt: wrong key or modified file"),
                "{err}"
            );
        }
        assert!(store.repair(0).unwrap_err().is_authentication());
        // Slot 2's primary is damaged and its copies are locked: repair says
        // so instead of claiming data loss, and moves nothing.
        assert!(store.repair(2).unwrap_err().is_authentication());
        let info = store.slot_info(1).unwrap();
        assert!(info.primary.is_locked());
        // The slot list still shows who it is (readable, not verified)...
        assert_eq!(info.metadata().unwrap().pilot_callsign, "Pilot1");
        // ...but nothing treats it as verified.
        assert!(info.primary.metadata().is_none() && !info.is_healthy());
        assert_eq!(info.backups.iter().filter(|b| b.is_locked()).count(), 2);
        store.cleanup().unwrap();
        assert!(store
            .save(1, b"new", &meta("X"))
            .unwrap_err()
            .is_authentication());
        assert!(store.rekey(Some(&key(3))).unwrap_err().is_authentication());
        let flow = BackupFlow::new(Arc::clone(&store), BackupConfig::default()).unwrap();
        let report = flow.perform_health_check().unwrap();
        assert!(report.corrupted_backups <= 1, "{report:?}");
        assert!(
            report
                .recommendations
                .iter()
                .any(|r| r.starts_with("Slot 0:") && r.contains("cannot be decrypted")),
            "{:?}",
            report.recommendations
        );
        assert!(
            !report
                .recommendations
                .iter()
                .any(|r| r.contains("Run automatic recovery")),
            "{:?}",
            report.recommendations
        );
        for slot in 0..3 {
            assert!(!flow.attempt_automatic_recovery(slot).success);
        }
        let after = snapshot_folder(dir.path());
        let records = |m: &BTreeMap<String, Vec<u8>>| -> BTreeMap<String, Vec<u8>> {
            m.iter()
                .filter(|(k, _)| {
                    k.contains(".sav") || k.contains("snapshots") || k.contains("quarantine")
                })
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        };
        assert_eq!(
            records(&before).keys().collect::<Vec<_>>(),
            records(&after).keys().collect::<Vec<_>>()
        );
        assert!(records(&before) == records(&after), "a save file changed");
        assert!(!after.keys().any(|k| k.contains("quarantine")));
        drop(flow);
        drop(store);
        // The right key finds everything where it was.
        let store = open_with(dir.path(), &clock, secured(Compression::Fast, Some(key(1))));
        assert_eq!(store.load(1).unwrap().payload, vec![2u8; 5000]);
        store.repair(2).unwrap();
        assert_eq!(store.load(2).unwrap().payload, vec![2u8; 5000]);
    }
}

#[test]
fn plain_saves_keep_loading_and_migrate_on_the_next_save() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    {
        let store = open_with(dir.path(), &clock, fast_options());
        store.save(0, b"plain old save", &meta("Old")).unwrap();
    }
    let store = open_with(dir.path(), &clock, secured(Compression::Fast, Some(key(1))));
    assert_eq!(store.load(0).unwrap().payload, b"plain old save");
    let raw = fs::read(store.layout().primary(0)).unwrap();
    assert_eq!(
        envelope::decode(raw, LIMIT).unwrap().flags,
        0,
        "load rewrites nothing"
    );
    store.save(0, b"new secret save", &meta("New")).unwrap();
    let raw = fs::read(store.layout().primary(0)).unwrap();
    assert!(!raw.windows(10).any(|w| w == b"new secret"));
    let record = envelope::decode(raw, LIMIT).unwrap();
    assert!(record.is_encrypted() && record.is_compressed());
    // Slot lists stay readable without the key: metadata is authenticated,
    // not encrypted.
    assert!(String::from_utf8_lossy(record.meta()).contains("\"New\""));
    assert_eq!(store.load(0).unwrap().payload, b"new secret save");
    // The older plain copy is still a valid backup.
    store.restore_backup(0, 0).unwrap();
    assert_eq!(store.load(0).unwrap().payload, b"plain old save");
}

#[test]
fn rekey_rewrites_every_copy_and_resumes_after_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    encrypted_folder(dir.path(), &clock);
    let old = key(1);
    let new = SaveKey::from_passphrase("open sesame").unwrap();
    let store = open_with(
        dir.path(),
        &clock,
        secured(Compression::Fast, Some(old.clone())),
    );
    let backup = store.layout().backup(1, 0);
    let under_old_key = fs::read(&backup).unwrap();
    let report = store.rekey(Some(&new)).unwrap();
    // 3 slots x (primary + backups + snapshot), minus slot 2's damaged
    // primary, which is left to repair.
    assert_eq!(report.skipped_damaged, vec![store.layout().primary(2)]);
    assert!(report.rewritten.len() >= 3 * 3, "{report:?}");
    drop(store);
    let store = open_with(
        dir.path(),
        &clock,
        secured(Compression::Fast, Some(old.clone())),
    );
    assert!(store.load(1).unwrap_err().is_authentication());
    drop(store);
    // A rekey cut short leaves files under both keys: the old key as a
    // previous key reads them all, and a second rekey finishes the job.
    let store = open_with(
        dir.path(),
        &clock,
        secured(Compression::Fast, Some(new.clone())),
    );
    assert_eq!(store.load(1).unwrap().payload, vec![2u8; 5000]);
    store.restore_backup(1, 1).unwrap();
    assert_eq!(store.load(1).unwrap().payload, vec![0u8; 5000]);
    let snapshot = store.list_snapshots(0).unwrap().remove(0);
    assert!(snapshot.is_valid());
    store.repair(2).unwrap();
    assert_eq!(store.load(2).unwrap().payload, vec![2u8; 5000]);
    drop(store);
    // As if the rekey had been cut short before this file.
    fs::write(&backup, &under_old_key).unwrap();
    let store = open_with(
        dir.path(),
        &clock,
        secured(Compression::Fast, Some(new.clone())),
    );
    assert!(store.slot_info(1).unwrap().backups[0].is_locked());
    drop(store);
    let mixed = StoreOptions {
        keys: Keyring {
            current: Some(new.clone()),
            previous: vec![old.clone()],
        },
        ..secured(Compression::Fast, None)
    };
    let store = open_with(dir.path(), &clock, mixed);
    assert!(store.slot_info(1).unwrap().backups[0].is_valid());
    store.rekey(None).unwrap();
    drop(store);
    // Decrypted for good: opens without any key.
    let store = open_with(dir.path(), &clock, secured(Compression::Off, None));
    assert_eq!(store.load(0).unwrap().payload, vec![2u8; 5000]);
    let info = store.slot_info(0).unwrap();
    assert!(info.primary.is_valid() && info.backups.iter().all(|b| b.is_valid() || !b.exists()));
}

#[test]
fn a_tampered_save_is_reported_as_modified_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = open_with(dir.path(), &clock, secured(Compression::Off, Some(key(1))));
    store.save(0, b"credits=10", &meta("Honest")).unwrap();
    clock.advance(chrono::Duration::minutes(1));
    store.save(0, b"credits=20", &meta("Honest")).unwrap();
    let primary = store.layout().primary(0);
    let mut bytes = fs::read(&primary).unwrap();
    // Rename the pilot in the (readable) metadata and fix the checksums.
    let at = bytes.windows(6).position(|w| w == b"Honest").unwrap();
    bytes[at..at + 6].copy_from_slice(b"Cheat!");
    fix_crcs(&mut bytes);
    fs::write(&primary, &bytes).unwrap();
    let err = store.load(0).unwrap_err();
    assert!(matches!(
        err,
        Error::Authentication {
            reason: OpenFailure::WrongKeyOrModified,
            ..
        }
    ));
    assert!(store.repair(0).unwrap_err().is_authentication());
    assert_eq!(
        fs::read(&primary).unwrap(),
        bytes,
        "left for the game to decide"
    );
}

#[test]
fn an_encrypted_store_exports_sealed_and_imports_only_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let store = Arc::new(open_with(
        &dir.path().join("a"),
        &clock,
        secured(Compression::Fast, Some(key(1))),
    ));
    store
        .save(0, b"top secret progress", &meta("Exporter"))
        .unwrap();
    let flow = BackupFlow::new(Arc::clone(&store), BackupConfig::default()).unwrap();
    let export = dir.path().join("slot0.json");
    assert!(flow.export_backup(0, &export, true).success);
    let text = fs::read_to_string(&export).unwrap();
    assert!(text.contains("\"payload_sealed\": true"), "{text}");
    use base64::Engine as _;
    assert!(!text.contains(&base64::engine::general_purpose::STANDARD.encode(b"top secret")));
    // Same key: imports.
    let result = flow.import_backup(&export, 3);
    assert!(result.success, "{}", result.error_message);
    assert_eq!(store.load(3).unwrap().payload, b"top secret progress");
    // Edited metadata (checksums of the file still fine): refused.
    let edited = dir.path().join("edited.json");
    fs::write(&edited, text.replace("Exporter", "Imposter")).unwrap();
    let result = flow.import_backup(&edited, 4);
    assert!(!result.success);
    assert!(
        result.error_message.contains("cannot decrypt"),
        "{}",
        result.error_message
    );
    assert!(!store.layout().primary(4).exists());
    drop(flow);
    // Another key: refused, nothing written.
    let other = Arc::new(open_with(
        &dir.path().join("b"),
        &clock,
        secured(Compression::Off, Some(key(2))),
    ));
    let flow = BackupFlow::new(Arc::clone(&other), BackupConfig::default()).unwrap();
    let result = flow.import_backup(&export, 0);
    assert!(!result.success);
    assert!(
        result
            .error_message
            .starts_with("cannot decrypt: wrong key or modified file"),
        "{}",
        result.error_message
    );
    assert!(!other.layout().primary(0).exists());
}

#[test]
fn required_encryption_refuses_a_plain_file_put_in_place_of_a_sealed_one() {
    let dir = tempfile::tempdir().unwrap();
    let clock = ManualClock::fixed();
    let required = StoreOptions {
        require_encryption: true,
        ..secured(Compression::Off, Some(key(1)))
    };
    {
        let store = open_with(dir.path(), &clock, required.clone());
        store.save(0, b"credits=10", &meta("Honest")).unwrap();
    }
    let primary = dir.path().join("slot_0.sav");
    // A plain record with the player's own numbers, valid checksums and all.
    let forged = envelope::encode(br#"{"pilot_callsign":"Honest"}"#, b"credits=999999");
    fs::write(&primary, &forged).unwrap();
    let store = open_with(dir.path(), &clock, required);
    let err = store.load(0).unwrap_err();
    assert!(
        matches!(
            err,
            Error::Authentication {
                reason: OpenFailure::NotEncrypted,
                ..
            }
        ),
        "{err}"
    );
    assert!(store.repair(0).unwrap_err().is_authentication());
    store.cleanup().unwrap();
    assert_eq!(fs::read(&primary).unwrap(), forged, "left as it is");
    // Without the requirement the same file loads: migration of old saves.
    drop(store);
    let lenient = open_with(dir.path(), &clock, secured(Compression::Off, Some(key(1))));
    assert_eq!(lenient.load(0).unwrap().payload, b"credits=999999");
}
