//! Helpers shared by the flow integration tests.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use backup_core::{
    envelope, BackupConfig, BackupFlow, Durability, ManualClock, SlotMetadata, SlotStore,
    StdStorage, StoreOptions,
};

/// A save root, a manual clock and a flow over them.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub clock: ManualClock,
    pub flow: Arc<BackupFlow>,
}

impl Env {
    pub fn new() -> Self {
        Self::with(BackupConfig::default(), fast_options())
    }

    pub fn with(config: BackupConfig, options: StoreOptions) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let clock = ManualClock::fixed();
        let flow = open_flow(dir.path(), &clock, config, options);
        Env { dir, clock, flow }
    }

    pub fn store(&self) -> &SlotStore {
        self.flow.store()
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Closes the flow and its store (releasing the root's lock) and opens
    /// them again, as a new game session would.
    pub fn reopen(&mut self, config: BackupConfig) {
        let placeholder = tempfile::tempdir().unwrap();
        let old = std::mem::replace(
            &mut self.flow,
            open_flow(
                placeholder.path(),
                &self.clock,
                BackupConfig::default(),
                fast_options(),
            ),
        );
        drop(old);
        self.flow = open_flow(self.dir.path(), &self.clock, config, fast_options());
    }

    /// Saves `payload` into `slot` as pilot `pilot`, one minute after the last save.
    pub fn save(&self, slot: u32, pilot: &str, payload: &[u8]) {
        self.clock.advance(chrono::Duration::minutes(1));
        self.store().save(slot, payload, &meta(pilot)).unwrap();
    }

    pub fn primary(&self, slot: u32) -> PathBuf {
        self.store().layout().primary(slot)
    }

    pub fn backup(&self, slot: u32, level: u32) -> PathBuf {
        self.store().layout().backup(slot, level)
    }
}

pub fn fast_options() -> StoreOptions {
    StoreOptions {
        durability: Durability::Off,
        ..StoreOptions::default()
    }
}

pub fn open_flow(
    dir: &Path,
    clock: &ManualClock,
    config: BackupConfig,
    options: StoreOptions,
) -> Arc<BackupFlow> {
    let store =
        SlotStore::open_with(dir, options, Arc::new(StdStorage), Arc::new(clock.clone())).unwrap();
    Arc::new(BackupFlow::new(Arc::new(store), config).unwrap())
}

pub fn meta(callsign: &str) -> SlotMetadata {
    SlotMetadata {
        pilot_callsign: callsign.into(),
        campaign: "Hermes".into(),
        mission: "Destroy the Lucifer".into(),
        play_time_seconds: 3600.0,
        game_schema_version: 1,
        ..SlotMetadata::default()
    }
}

/// Flips one byte in the middle of the file's payload: the record's data
/// checksum no longer matches.
pub fn corrupt(path: &Path) {
    let mut bytes = fs::read(path).unwrap();
    let at = bytes.len() - 2;
    bytes[at] ^= 0xFF;
    fs::write(path, bytes).unwrap();
}

/// Writes a valid record with the given metadata and payload to `path`.
pub fn write_record(path: &Path, meta: &SlotMetadata, payload: &[u8]) {
    let json = serde_json::to_vec(meta).unwrap();
    fs::write(path, envelope::encode(&json, payload)).unwrap();
}

/// Every file under `root` (relative path -> contents), to prove that an
/// operation wrote nothing.
pub fn tree(root: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(base, &path, out);
            } else {
                let rel = path.strip_prefix(base).unwrap().display().to_string();
                out.insert(rel, fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}

/// Keys of a JSON object, sorted.
pub fn keys(value: &serde_json::Value) -> Vec<String> {
    let mut keys: Vec<String> = value
        .as_object()
        .expect("an object")
        .keys()
        .cloned()
        .collect();
    keys.sort();
    keys
}
