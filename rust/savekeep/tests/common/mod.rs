//! Save folders for the savekeep tests, written through backup_core, then
//! damaged with plain file operations.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use backup_core::{Durability, SlotMetadata, SlotStore, StoreOptions};
use serde_json::Value;
use tempfile::TempDir;

/// A temporary save folder.
pub struct Fixture {
    dir: TempDir,
}

impl Fixture {
    /// An empty save folder.
    pub fn new() -> Fixture {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Slots 1 and 2, each saved three times (so backup levels 0 and 1 exist).
    pub fn healthy() -> Fixture {
        let f = Fixture::new();
        f.save_times(1, "Maverick", 3);
        f.save_times(2, "Iceman", 3);
        f
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.root().join(name)
    }

    /// The store as the game would open it (writer lock held while alive).
    pub fn store(&self) -> SlotStore {
        // A process spawned by a parallel test holds copies of this process's
        // file descriptors (including a just-released lock) until it execs;
        // retry briefly instead of failing on that window.
        let mut attempts = 0;
        loop {
            let options = StoreOptions {
                durability: Durability::Off,
                ..StoreOptions::default()
            };
            match SlotStore::open(self.root(), options) {
                Err(backup_core::Error::RootInUse(_)) if attempts < 200 => {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_millis(10));
                }
                other => return other.unwrap(),
            }
        }
    }

    /// Saves a slot `times` times; save k holds the payload `"<callsign> save k"`.
    pub fn save_times(&self, slot: u32, callsign: &str, times: u32) {
        let store = self.store();
        for k in 1..=times {
            store
                .save(
                    slot,
                    format!("{callsign} save {k}").as_bytes(),
                    &meta(callsign),
                )
                .unwrap();
        }
    }

    /// The payload of a slot's current save, through the core.
    pub fn payload(&self, slot: u32) -> String {
        String::from_utf8(self.store().load(slot).unwrap().payload).unwrap()
    }

    /// Flips one byte near the end of a file (inside the payload).
    pub fn flip_byte(&self, name: &str) {
        let path = self.path(name);
        let mut bytes = std::fs::read(&path).unwrap();
        let at = bytes.len() - 2;
        bytes[at] ^= 0x5a;
        std::fs::write(&path, bytes).unwrap();
    }

    /// Cuts a file to `len` bytes.
    pub fn truncate(&self, name: &str, len: u64) {
        let file = std::fs::OpenOptions::new()
            .write(true)
            .open(self.path(name))
            .unwrap();
        file.set_len(len).unwrap();
    }

    pub fn write(&self, name: &str, bytes: &[u8]) {
        let path = self.path(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }

    /// Files in quarantine/ (none when the folder does not exist).
    pub fn quarantined(&self) -> Vec<String> {
        match std::fs::read_dir(self.path("quarantine")) {
            Ok(entries) => entries
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect(),
            Err(_) => Vec::new(),
        }
    }

    /// The savekeep binary pointed at this folder, with a clean environment.
    pub fn cmd(&self) -> Command {
        let mut cmd = savekeep();
        cmd.arg("--root").arg(self.root());
        cmd
    }

    /// Runs savekeep with `--json` and returns (exit code, parsed stdout).
    pub fn json(&self, args: &[&str]) -> (i32, Value) {
        let output = self.cmd().arg("--json").args(args).output().unwrap();
        let value: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}): {}",
                String::from_utf8_lossy(&output.stdout)
            )
        });
        let code = output.status.code().unwrap();
        assert_eq!(value["schema_version"], 1);
        assert_eq!(
            value["exit_code"], code,
            "envelope exit_code matches the process"
        );
        (code, value)
    }
}

/// The savekeep binary with no SAVEKEEP_* or NO_COLOR variables inherited.
pub fn savekeep() -> Command {
    let mut cmd = Command::cargo_bin("savekeep").unwrap();
    cmd.env_remove("SAVEKEEP_ROOT")
        .env_remove("SAVEKEEP_APP")
        .env_remove("NO_COLOR");
    cmd
}

pub fn meta(callsign: &str) -> SlotMetadata {
    SlotMetadata {
        pilot_callsign: callsign.into(),
        campaign: "Hermes".into(),
        mission: "Destroy the Lucifer".into(),
        play_time_seconds: 5400.0,
        ..SlotMetadata::default()
    }
}

/// A record whose header claims format version 3, intact (header CRC valid).
pub fn newer_version_record(payload: &[u8]) -> Vec<u8> {
    let mut bytes = backup_core::envelope::encode(b"{}", payload);
    bytes[4..6].copy_from_slice(&3u16.to_le_bytes());
    let crc = crc32fast::hash(&bytes[..28]);
    bytes[28..32].copy_from_slice(&crc.to_le_bytes());
    bytes
}
