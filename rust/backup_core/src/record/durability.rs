//! How hard the store works to make a save survive a power cut, in the spirit
//! of SQLite's `synchronous` pragma.

use serde::{Deserialize, Serialize};

/// Durability of a commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Durability {
    /// fsync the new file before it is renamed into place, and fsync the
    /// directory after the rename. A save that returned `Ok` survives a power
    /// cut. Costs two flushes per save. The default.
    #[default]
    Full,
    /// fsync the file before the rename but not the directory. After a power
    /// cut the slot holds a complete save, never a torn or zero-filled file,
    /// but the newest saves may be lost: every rename the file system had not
    /// yet written to its directory (typically the last few seconds) rolls
    /// back, and a slot first saved in that window may come back empty.
    /// Saves one flush.
    Normal,
    /// No flushes. Safe against a crash of the game process (the kernel keeps
    /// the data) but not against a power cut or OS crash, where the slot may
    /// come back empty and only repair from backups helps. For tests and benchmarks.
    Off,
}

impl Durability {
    /// Whether file data is flushed before a rename.
    pub fn sync_files(self) -> bool {
        !matches!(self, Durability::Off)
    }

    /// Whether the directory is flushed after a rename.
    pub fn sync_dirs(self) -> bool {
        matches!(self, Durability::Full)
    }
}
