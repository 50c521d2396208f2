//! Encrypted folders: savekeep takes the key from a file or the
//! environment, reports a wrong or missing key as `authentication` (never as
//! damage) and changes nothing.

mod common;

use std::fs;

use backup_core::{Keyring, SaveKey, SlotStore, StoreOptions};
use common::{meta, savekeep, Fixture};

const KEY_HEX: &str = "0101010101010101010101010101010101010101010101010101010101010101";

fn encrypted_fixture() -> Fixture {
    let f = Fixture::new();
    let options = StoreOptions {
        keys: Keyring::with_key(SaveKey::from_bytes(&[1; 32]).unwrap()),
        ..StoreOptions::default()
    };
    let store = SlotStore::open(f.root(), options).unwrap();
    for round in 0..2u8 {
        store.save(1, &[round; 100], &meta("Maverick")).unwrap();
    }
    f
}

fn folder(f: &Fixture) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<_> = fs::read_dir(f.root())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| (p.display().to_string(), fs::read(&p).unwrap()))
        .collect();
    out.sort();
    out
}

#[test]
fn without_the_key_files_are_locked_and_nothing_changes() {
    let f = encrypted_fixture();
    let before = folder(&f);
    let (code, v) = f.json(&["verify"]);
    assert_ne!(code, 0);
    assert_eq!(v["summary"]["locked"], 2, "{v}");
    assert_eq!(v["summary"]["corrupt"], 0, "{v}");
    let (code, v) = f.json(&["repair", "1"]);
    assert_ne!(code, 0);
    assert_eq!(v["error"]["kind"], "authentication", "{v}");
    assert_eq!(folder(&f), before);
}

#[test]
fn the_key_comes_from_the_environment_or_a_file() {
    let f = encrypted_fixture();
    let output = f
        .cmd()
        .env("SAVEKEEP_KEY", KEY_HEX)
        .args(["--json", "verify"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let key_file = f.root().parent().unwrap().join(format!(
        "key-{}.bin",
        f.root().file_name().unwrap().to_string_lossy()
    ));
    fs::write(&key_file, [1u8; 32]).unwrap();
    let output = f
        .cmd()
        .arg("--key-file")
        .arg(&key_file)
        .args(["--json", "verify"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    fs::write(&key_file, [2u8; 32]).unwrap();
    let output = f
        .cmd()
        .arg("--key-file")
        .arg(&key_file)
        .args(["--json", "verify"])
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&output.stdout).contains("0202"));
    fs::write(&key_file, b"too short").unwrap();
    let output = f
        .cmd()
        .arg("--key-file")
        .arg(&key_file)
        .arg("verify")
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("32 raw bytes or 64 hex digits"));
    fs::remove_file(&key_file).unwrap();
    let _ = savekeep;
}
