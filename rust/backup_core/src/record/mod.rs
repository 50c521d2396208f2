//! One record on disk and the ground under it: the checksummed envelope
//! (`envelope`), the metadata a slot list shows, the save folder's file
//! names, schema versions of the game's data, the storage seam (real files or
//! the power-loss simulator), durability levels and the clock.

pub(crate) mod clock;
pub(crate) mod durability;
pub mod envelope;
pub(crate) mod layout;
pub(crate) mod metadata;
mod rename_retry;
pub(crate) mod schema;
pub(crate) mod storage;

pub use clock::{Clock, ManualClock, SystemClock};
pub use durability::Durability;
pub use layout::{is_safe_id, FileRole, Layout, TEMP_SUFFIX};
pub use metadata::{SlotMetadata, SnapshotInfo, SnapshotKind};
pub use schema::{plan_migration, MigrationPlan};
pub use storage::{FileStat, LockGuard, StdStorage, Storage};
