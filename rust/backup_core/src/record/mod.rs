//! One record on disk and the ground under it: the checksummed envelope
//! (`envelope`), the metadata a slot list shows, the save folder's file
//! names, schema versions of the game's data, the storage seam (real files or
//! the power-loss simulator), durability levels, the clock, and the typed
//! tree that stores registered Resources (`typed_tree`).

pub(crate) mod clock;
pub(crate) mod codec;
pub(crate) mod confine;
pub(crate) mod device_names;
pub(crate) mod durability;
pub(crate) mod encoding;
pub mod envelope;
pub(crate) mod keys;
pub(crate) mod layout;
pub(crate) mod metadata;
mod rename_retry;
pub(crate) mod schema;
pub(crate) mod seal;
pub(crate) mod storage;
pub(crate) mod typed_tree;

pub use clock::{Clock, ManualClock, SystemClock};
pub use codec::Compression;
pub use confine::Confined;
pub use device_names::windows_device_name;
pub use durability::Durability;
pub use keys::{Keyring, SaveKey};
pub use layout::{is_safe_id, FileRole, Layout, TEMP_SUFFIX};
pub use metadata::{SlotMetadata, SnapshotInfo, SnapshotKind};
pub use schema::{plan_migration, MigrationPlan};
pub use seal::OpenFailure;
pub use storage::{link_refused, open_regular, FileStat, LockGuard, StdStorage, Storage, READ_CAP};
pub use typed_tree::{
    is_identifier, is_typed_payload, ContainerType, NodeId, TreeBuilder, TreeError, TreeLimits,
    TreeNode, TypedTree, TYPED_PAYLOAD_MAGIC, VARIANT_TYPE_COUNT, VARIANT_TYPE_OBJECT,
};
