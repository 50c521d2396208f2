//! Test harness for backup_core's crash-safety promises.
//!
//! - [`sim_storage`]: a simulated disk behind the core's `Storage` seam that
//!   logs every operation, models what POSIX makes durable (and what it does
//!   not) and injects ENOSPC/EIO faults.
//! - [`crash`]: turns a crash point into the disk states a power cut may leave.
//! - [`power_loss`]: runs store operations, crashes at every point, reopens
//!   the store on every state and checks that no committed save is lost.
//! - [`payload`]: self-checking payloads shared by the checkers and the
//!   `store_worker` binary used by the multi-process and SIGKILL tests.
//!
//! It is a separate crate, not a feature of backup_core, so that the core
//! ships none of it and its dependencies (fastrand) stay out of the product.
//! See `docs/crash-safety.md`.

pub mod crash;
pub mod payload;
pub mod power_loss;
pub mod sim_storage;

pub use crash::{crash_states, Reorder};

use backup_core::{Compression, Keyring, SaveKey, StoreOptions};

/// The key the simulations seal with when run with compression and
/// encryption on (a test key: never use a fixed key like this in a game).
pub fn test_keys() -> Keyring {
    Keyring::with_key(SaveKey::from_bytes(&[0xC3; 32]).expect("32 bytes"))
}

/// `options` with compression (fast) and encryption on.
pub fn secured(options: StoreOptions) -> StoreOptions {
    StoreOptions {
        compression: Compression::Fast,
        keys: test_keys(),
        ..options
    }
}
pub use power_loss::{explore, ExploreConfig, ExploreReport};
pub use sim_storage::{DiskImage, FaultKind, OpKind, OpRecord, SimStorage};
