//! [`SlotStore`]: everything the spec's `SaveGameManager` does to files.
//! One type, its behaviour spread by topic: `slot_store` (open, save, load,
//! backups), `repair` (repair, restore, start-up recovery, cleanup),
//! `snapshots`, `inspect` (what each file holds), `quarantine` (damaged
//! files moved aside, within limits), `retention` (which
//! snapshots to keep), `stats` (operation counters) and `write_queue`
//! (saves written in the background by one worker thread). Its value types live
//! in `types`, so the behaviour files import that module and never each other.

pub(crate) mod inspect;
pub(crate) mod quarantine;
pub(crate) mod rekey;
pub(crate) mod repair;
pub(crate) mod retention;
pub(crate) mod slot_store;
pub(crate) mod snapshots;
pub(crate) mod stats;
pub(crate) mod types;
pub(crate) mod write_queue;

pub use rekey::RekeyReport;
pub use slot_store::SlotStore;
pub use stats::{OpKind, OpStats, Stats};
pub use types::*;
pub use write_queue::WriteQueue;
