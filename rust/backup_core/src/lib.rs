//! backup_core: the plain-Rust engine of the backup_system Godot addon.
//!
//! Nothing here knows about Godot; the game's data crosses in as opaque
//! bytes. The crate has three layers, one folder each, every public type
//! re-exported here (its one import path):
//!
//! | folder | what it is | serves |
//! |---|---|---|
//! | `record/` | one file on disk: the checksummed envelope (compressed and/or sealed: `codec`, `seal`, `keys`, `encoding`), its metadata, file names ([`Layout`]), schema versions, the [`Storage`] seam, durability and the clock | both |
//! | `store/` | [`SlotStore`]: save, load, rolling backups, snapshots, repair, start-up recovery, inspection, retention, counters; its value types in `store/types.rs` | `SaveGameManager` |
//! | `flow/` | [`BackupFlow`]: triggers, schedule, health reports, recovery wizards and automatic recovery, export/import, game-state integration | `BackupFlowCoordinator` |
//!
//! Layers depend downwards only: `flow` uses `store` and `record`, `store`
//! uses `record`, `record` uses nothing of the others. [`Error`] is shared by all.
//!
//! ```
//! use backup_core::{SlotStore, StoreOptions, SlotMetadata};
//! let dir = tempfile::tempdir().unwrap();
//! let store = SlotStore::open(dir.path(), StoreOptions::default()).unwrap();
//! let meta = SlotMetadata { pilot_callsign: "Maverick".into(), ..Default::default() };
//! store.save(1, b"game state", &meta).unwrap();
//! assert_eq!(store.load(1).unwrap().payload, b"game state");
//! ```

#![warn(missing_docs)]

mod error;
mod flow;
mod record;
mod store;

pub use error::{Error, FormatError, Result};
pub use flow::*;
pub use record::*;
pub use store::*;
