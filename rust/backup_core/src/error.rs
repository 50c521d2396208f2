//! The one error type of the crate. Every public function returns [`Result`].

use std::io;
use std::path::PathBuf;

/// Why a stored record could not be decoded. Each variant is a distinct,
/// user-explainable condition so that health reports and tools can say
/// precisely what is wrong with a file.
///
/// New conditions may be added: match with a wildcard arm.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FormatError {
    /// The file exists but holds no bytes at all.
    #[error("file is empty")]
    Empty,
    /// Every byte of the file is zero: typical of a power cut after the size
    /// was committed but before the data reached the disk.
    #[error("file is zero-filled ({len} bytes)")]
    ZeroFilled {
        /// Size of the file in bytes.
        len: u64,
    },
    /// Shorter than its header says.
    #[error("file is truncated: expected {expected} bytes, found {actual}")]
    Truncated {
        /// Size the header declares (header, metadata and payload).
        expected: u64,
        /// Size of the file.
        actual: u64,
    },
    /// Longer than its header says (trailing garbage).
    #[error("file has {extra} unexpected trailing bytes")]
    TrailingBytes {
        /// Bytes after the declared end of the record.
        extra: u64,
    },
    /// Does not start with the save-file magic: not one of our files.
    #[error("not a save file (bad magic)")]
    BadMagic,
    /// Written by a newer version of the format than this build understands.
    #[error(
        "format version {found} is newer than the newest supported ({supported}); update the game"
    )]
    UnsupportedVersion {
        /// Format version written in the file.
        found: u16,
        /// Newest format version this build reads.
        supported: u16,
    },
    /// The header's own checksum does not match.
    #[error("header checksum mismatch")]
    HeaderChecksum,
    /// The checksum over metadata and payload does not match.
    #[error("data checksum mismatch (stored {stored:08x}, computed {computed:08x})")]
    DataChecksum {
        /// CRC32 written in the header.
        stored: u32,
        /// CRC32 of the bytes actually read.
        computed: u32,
    },
    /// The header declares sizes beyond the configured limit.
    #[error("declared size {declared} exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Size the header declares.
        declared: u64,
        /// Largest size this store accepts.
        limit: u64,
    },
    /// The metadata section passed its checksum but is not valid metadata;
    /// the text says what the JSON decoder rejected.
    #[error("metadata is not valid: {0}")]
    BadMetadata(String),
    /// Flags this build does not know about are set (the flag bits).
    #[error("unknown flags {0:#06x}")]
    UnknownFlags(u16),
    /// The compressed payload passed its checksum but does not decompress
    /// to the size the header declares.
    #[error("compressed payload is damaged: {0}")]
    Decompress(String),
}

/// Everything that can go wrong in backup_core.
///
/// The `Display` text is a complete sentence for logs and players; code that
/// needs to tell cases apart matches on the variant (or asks
/// [`Error::is_corruption`], [`Error::is_disk_full`]). New kinds may be added:
/// match with a wildcard arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A slot number outside the store's `0..slot_count`.
    #[error("slot {slot} is out of range (valid slots are 0..={max})")]
    InvalidSlot {
        /// The slot number asked for.
        slot: i64,
        /// The highest valid slot number.
        max: u32,
    },
    /// A rolling backup level outside `0..backup_levels`.
    #[error("backup level {level} does not exist (valid levels are 0..={max}, 0 is the newest)")]
    InvalidBackupLevel {
        /// The level asked for.
        level: i64,
        /// The highest valid level.
        max: u32,
    },
    /// Something that must exist does not (a slot's save, a backup level, the
    /// save root, an import file).
    #[error("{what} not found: {path}")]
    NotFound {
        /// What was looked for ("save", "backup", "save root", ...).
        what: &'static str,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A file exists but failed verification; it was not used.
    #[error("{path} is corrupt: {reason}")]
    Corrupt {
        /// The damaged file.
        path: PathBuf,
        /// What exactly is wrong with it.
        reason: FormatError,
    },
    /// An encrypted record that no configured key opens: a wrong key, or a
    /// file modified on purpose (its checksums were made to match). Never
    /// treated as corruption: nothing is quarantined, replaced or deleted.
    #[error("cannot decrypt: {reason} ({path})")]
    Authentication {
        /// The record that could not be opened.
        path: PathBuf,
        /// Why it could not be opened.
        reason: crate::record::OpenFailure,
    },
    /// Repair found no copy of the slot that passes verification.
    #[error("slot {slot} has no valid copy left (primary, backups, snapshots and interrupted writes all failed verification)")]
    NoValidCopy {
        /// The slot that could not be recovered.
        slot: u32,
    },
    /// The save root path names a file, not a folder.
    #[error("save root {0} exists but is not a directory")]
    RootNotDirectory(PathBuf),
    /// Another process holds the save root's lock (one writer per folder).
    #[error("save root {0} is in use by another process (another game instance is running)")]
    RootInUse(PathBuf),
    /// A write was asked of a store opened read-only.
    #[error("the store was opened read-only")]
    ReadOnly,
    /// Another backup flow operation is running (its description follows).
    #[error("another backup operation is in progress: {0}")]
    Busy(String),
    /// A payload to save is larger than the store accepts.
    #[error("payload of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// Size of the payload.
        size: u64,
        /// Largest payload the store accepts.
        limit: u64,
    },
    /// No snapshot of the slot has this id.
    #[error("snapshot {0} not found")]
    SnapshotNotFound(String),
    /// An argument the caller passed is not acceptable (the text says which and why).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// An export file was refused on import (the text says why); nothing was written.
    #[error("import rejected: {0}")]
    Import(String),
    /// The operating system refused a file operation.
    #[error("I/O error while trying to {op} {path}: {source}")]
    Io {
        /// What was being done ("read", "rename", ...).
        op: &'static str,
        /// On which path.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: io::Error,
    },
    /// The slot's game data schema is newer than the game's; it was not touched.
    #[error("slot was saved by a newer game (schema version {stored}, this game understands up to {current}); it was left untouched")]
    NewerSchema {
        /// Schema version of the slot.
        stored: u32,
        /// Newest schema version this game knows.
        current: u32,
    },
    /// Loading needs a schema migration the game did not register.
    #[error("no migration is registered from schema version {from} (slot is at {stored}, game is at {current})")]
    MissingMigration {
        /// The version whose migration (to `from + 1`) is missing.
        from: u32,
        /// Schema version of the slot.
        stored: u32,
        /// Schema version of the game.
        current: u32,
    },
    /// The write queue had no room for a save within the wait allowed.
    #[error("the write queue holds {queued} bytes and a save of {size} more would pass its limit of {limit} bytes (waited {waited_ms} ms for room); the disk is slower than the saves")]
    QueueFull {
        /// Bytes already queued.
        queued: u64,
        /// Size of the refused save.
        size: u64,
        /// The queue's byte limit.
        limit: u64,
        /// How long the caller waited for room.
        waited_ms: u64,
    },
    /// The write queue was shut down; nothing more can be queued.
    #[error("the write queue is shut down; nothing more can be queued")]
    QueueStopped,
    /// The write queue's worker panicked; the previous save stands.
    #[error(
        "the write queue's worker failed unexpectedly: {0}; the previous save of the slot stands"
    )]
    WorkerPanicked(String),
    /// JSON (metadata, flow state, an export file) could not be encoded or decoded.
    #[error("could not encode or decode JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl Error {
    /// Builds an [`Error::Io`] for an operation on a path.
    pub fn io(op: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Error::Io {
            op,
            path: path.into(),
            source,
        }
    }

    /// True when the error means that data on disk failed verification.
    pub fn is_corruption(&self) -> bool {
        matches!(self, Error::Corrupt { .. } | Error::NoValidCopy { .. })
    }

    /// True when an encrypted record could not be opened (wrong or missing
    /// key, or a modified file). Distinct from [`is_corruption`](Self::is_corruption).
    pub fn is_authentication(&self) -> bool {
        matches!(self, Error::Authentication { .. })
    }

    /// A stable, machine-readable name of the error's kind, for result
    /// Dictionaries and JSON output: `authentication`, `corrupt`,
    /// `newer_version`, `not_found`, `io`, `disk_full`, `invalid_argument`, ...
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Authentication { .. } => "authentication",
            Error::Corrupt {
                reason: FormatError::UnsupportedVersion { .. },
                ..
            } => "newer_version",
            Error::Corrupt { .. } | Error::NoValidCopy { .. } => "corrupt",
            Error::InvalidSlot { .. } | Error::InvalidBackupLevel { .. } => "invalid_argument",
            Error::InvalidArgument(_) => "invalid_argument",
            Error::NotFound { .. } | Error::SnapshotNotFound(_) => "not_found",
            Error::RootNotDirectory(_) => "io",
            Error::RootInUse(_) | Error::Busy(_) => "busy",
            Error::ReadOnly => "read_only",
            Error::TooLarge { .. } => "too_large",
            Error::Import(_) => "import",
            e @ Error::Io { .. } if e.is_disk_full() => "disk_full",
            Error::Io { .. } => "io",
            Error::NewerSchema { .. } | Error::MissingMigration { .. } => "schema",
            Error::Json(_) => "corrupt",
            Error::QueueFull { .. } => "queue_full",
            Error::QueueStopped => "queue_stopped",
            Error::WorkerPanicked(_) => "worker_panicked",
        }
    }

    /// True when the disk is full (ENOSPC) or over quota.
    pub fn is_disk_full(&self) -> bool {
        match self {
            Error::Io { source, .. } => {
                source.kind() == io::ErrorKind::StorageFull
                    || source.kind() == io::ErrorKind::QuotaExceeded
            }
            _ => false,
        }
    }
}

/// Result with the crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
