//! backup_core: the plain-Rust engine of the backup_system Godot addon.
//!
//! It owns every byte on disk: save slots written atomically, rolling
//! backups, checksummed records, snapshots with retention, repair and
//! start-up recovery, and the operation counters. Nothing here knows about
//! Godot; the game's data crosses in as opaque bytes.
//!
//! ```
//! use backup_core::{SlotStore, StoreOptions, SlotMetadata};
//! let dir = tempfile::tempdir().unwrap();
//! let store = SlotStore::open(dir.path(), StoreOptions::default()).unwrap();
//! let meta = SlotMetadata { pilot_callsign: "Maverick".into(), ..Default::default() };
//! store.save(1, b"game state", &meta).unwrap();
//! assert_eq!(store.load(1).unwrap().payload, b"game state");
//! ```

pub mod clock;
pub mod durability;
pub mod envelope;
pub mod error;
pub mod flow;
pub mod health;
pub mod inspect;
pub mod integration;
pub mod layout;
pub mod metadata;
pub mod recovery;
pub mod repair;
pub mod retention;
pub mod schedule;
pub mod schema;
pub mod slot_store;
pub mod snapshots;
pub mod stats;
pub mod storage;
pub mod transfer;
pub mod triggers;

pub use clock::{Clock, ManualClock, SystemClock};
pub use durability::Durability;
pub use error::{Error, FormatError, Result};
pub use flow::{BackupFlow, BackupRun, BackupStatus, ExportResult, ImportResult, PerformanceStats};
pub use health::{HealthLevel, HealthReport, HealthTrend};
pub use inspect::{CopyRole, FileCheck, FileStatus, SlotInfo};
pub use metadata::{SlotMetadata, SnapshotInfo, SnapshotKind};
pub use recovery::{DataLossRisk, RecoveryAnalysis, RecoveryAttempt, RecoveryWizard};
pub use repair::{BackupOutcome, CleanupReport, RecoverySource, RestoreOutcome, StartupAction};
pub use retention::RetentionPolicy;
pub use schedule::{BackupConfig, TriggerDecision};
pub use slot_store::{LoadedSlot, SaveReceipt, SlotStore, StoreOptions};
pub use snapshots::SnapshotRequest;
pub use stats::{OpKind, OpStats, Stats};
pub use storage::{FileStat, StdStorage, Storage};
pub use triggers::{BackupOperation, BackupTrigger, RecoveryScenario};
