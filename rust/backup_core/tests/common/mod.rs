//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::Path;
use std::sync::Arc;

use backup_core::{Durability, ManualClock, SlotMetadata, SlotStore, StdStorage, StoreOptions};

/// Options for fast tests: no fsync (the page cache survives a process kill).
pub fn fast_options() -> StoreOptions {
    StoreOptions {
        durability: Durability::Off,
        ..StoreOptions::default()
    }
}

/// A store on a temporary directory with a manual clock.
pub fn open(dir: &Path, clock: &ManualClock) -> SlotStore {
    open_with(dir, clock, fast_options())
}

pub fn open_with(dir: &Path, clock: &ManualClock, options: StoreOptions) -> SlotStore {
    SlotStore::open_with(dir, options, Arc::new(StdStorage), Arc::new(clock.clone())).unwrap()
}

pub fn meta(callsign: &str) -> SlotMetadata {
    SlotMetadata {
        pilot_callsign: callsign.into(),
        campaign: "Hermes".into(),
        mission: "Destroy the Lucifer".into(),
        play_time_seconds: 3600.5,
        game_schema_version: 1,
        ..SlotMetadata::default()
    }
}
