//! The one error type of the crate. Every public function returns [`Result`].

use std::io;
use std::path::PathBuf;

/// Why a stored record could not be decoded. Each variant is a distinct,
/// user-explainable condition so that health reports and tools can say
/// precisely what is wrong with a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The file exists but holds no bytes at all.
    #[error("file is empty")]
    Empty,
    /// Every byte of the file is zero: typical of a power cut after the size
    /// was committed but before the data reached the disk.
    #[error("file is zero-filled ({len} bytes)")]
    ZeroFilled { len: u64 },
    /// Shorter than its header says.
    #[error("file is truncated: expected {expected} bytes, found {actual}")]
    Truncated { expected: u64, actual: u64 },
    /// Longer than its header says (trailing garbage).
    #[error("file has {extra} unexpected trailing bytes")]
    TrailingBytes { extra: u64 },
    /// Does not start with the save-file magic: not one of our files.
    #[error("not a save file (bad magic)")]
    BadMagic,
    /// Written by a newer version of the format than this build understands.
    #[error(
        "format version {found} is newer than the newest supported ({supported}); update the game"
    )]
    UnsupportedVersion { found: u16, supported: u16 },
    /// The header's own checksum does not match.
    #[error("header checksum mismatch")]
    HeaderChecksum,
    /// The checksum over metadata and payload does not match.
    #[error("data checksum mismatch (stored {stored:08x}, computed {computed:08x})")]
    DataChecksum { stored: u32, computed: u32 },
    /// The header declares sizes beyond the configured limit.
    #[error("declared size {declared} exceeds the limit of {limit} bytes")]
    TooLarge { declared: u64, limit: u64 },
    /// The metadata section passed its checksum but is not valid metadata.
    #[error("metadata is not valid: {0}")]
    BadMetadata(String),
    /// Flags this build does not know about are set.
    #[error("unknown flags {0:#06x}")]
    UnknownFlags(u16),
    /// The compressed payload passed its checksum but does not decompress
    /// to the size the header declares.
    #[error("compressed payload is damaged: {0}")]
    Decompress(String),
}

/// Everything that can go wrong in backup_core.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("slot {slot} is out of range (valid slots are 0..={max})")]
    InvalidSlot { slot: i64, max: u32 },
    #[error("backup level {level} does not exist (valid levels are 0..={max}, 0 is the newest)")]
    InvalidBackupLevel { level: i64, max: u32 },
    #[error("{what} not found: {path}")]
    NotFound { what: &'static str, path: PathBuf },
    #[error("{path} is corrupt: {reason}")]
    Corrupt { path: PathBuf, reason: FormatError },
    /// An encrypted record that no configured key opens: a wrong key, or a
    /// file modified on purpose (its checksums were made to match). Never
    /// treated as corruption: nothing is quarantined, replaced or deleted.
    #[error("cannot decrypt: {reason} ({path})")]
    Authentication {
        path: PathBuf,
        reason: crate::record::OpenFailure,
    },
    #[error("slot {slot} has no valid copy left (primary, backups, snapshots and interrupted writes all failed verification)")]
    NoValidCopy { slot: u32 },
    #[error("save root {0} exists but is not a directory")]
    RootNotDirectory(PathBuf),
    #[error("save root {0} is in use by another process (another game instance is running)")]
    RootInUse(PathBuf),
    #[error("the store was opened read-only")]
    ReadOnly,
    #[error("another backup operation is in progress: {0}")]
    Busy(String),
    #[error("payload of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge { size: u64, limit: u64 },
    #[error("snapshot {0} not found")]
    SnapshotNotFound(String),
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    #[error("import rejected: {0}")]
    Import(String),
    #[error("I/O error while trying to {op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("slot was saved by a newer game (schema version {stored}, this game understands up to {current}); it was left untouched")]
    NewerSchema { stored: u32, current: u32 },
    #[error("no migration is registered from schema version {from} (slot is at {stored}, game is at {current})")]
    MissingMigration {
        from: u32,
        stored: u32,
        current: u32,
    },
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
