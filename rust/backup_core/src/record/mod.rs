//! One record on disk and the ground under it: the checksummed envelope
//! (`envelope`), the metadata a slot list shows, the save folder's file
//! names, schema versions of the game's data, the storage seam (real files or
//! the power-loss simulator), durability levels and the clock.

pub(crate) mod clock;
pub(crate) mod codec;
pub(crate) mod durability;
pub(crate) mod encoding;
pub mod envelope;
pub(crate) mod keys;
pub(crate) mod layout;
pub(crate) mod metadata;
pub(crate) mod schema;
pub(crate) mod seal;
pub(crate) mod storage;

pub use clock::{Clock, ManualClock, SystemClock};
pub use codec::Compression;
pub use durability::Durability;
pub use keys::{Keyring, SaveKey};
pub use layout::{is_safe_id, FileRole, Layout, TEMP_SUFFIX};
pub use metadata::{SlotMetadata, SnapshotInfo, SnapshotKind};
pub use schema::{plan_migration, MigrationPlan};
pub use seal::OpenFailure;
pub use storage::{FileStat, LockGuard, StdStorage, Storage};
