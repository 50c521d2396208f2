//! Exit codes and the errors that end a command, each with a hint saying
//! what to do next.

use std::path::PathBuf;

use backup_core::Error as CoreError;

use crate::location::LocateError;

/// Everything verified, or the command did what was asked.
pub const EXIT_OK: u8 = 0;
/// Damaged files were found, or are still there when the command ends (a
/// refused repair, a slot with no valid copy left).
pub const EXIT_DAMAGED: u8 = 1;
/// Bad usage, I/O error, missing save folder, folder in use by the game.
/// clap uses the same code for its own usage errors.
pub const EXIT_ERROR: u8 = 2;

/// Why a command could not finish.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// From backup_core.
    #[error(transparent)]
    Core(#[from] CoreError),
    /// The save folder could not be worked out.
    #[error(transparent)]
    Locate(#[from] LocateError),
    /// An argument the parser accepted but the command cannot use.
    #[error("{0}")]
    Usage(String),
    /// Data needed by the command is damaged.
    #[error("{0}")]
    Damaged(String),
    /// backup_core refused or failed an operation it reports as text.
    #[error("{message}")]
    Refused {
        /// Stable snake_case name for JSON output.
        kind: &'static str,
        /// backup_core's explanation.
        message: String,
    },
    /// Reading or writing something outside the store (stdin, stdout, a folder listing).
    #[error("could not {op} {path}: {source}")]
    Io {
        /// What was being done.
        op: &'static str,
        /// On what.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
}

impl CliError {
    /// The process exit code for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Core(e) if e.is_corruption() => EXIT_DAMAGED,
            CliError::Damaged(_) => EXIT_DAMAGED,
            _ => EXIT_ERROR,
        }
    }

    /// A stable snake_case name for JSON output.
    pub fn kind(&self) -> &'static str {
        match self {
            CliError::Core(e) => match e {
                CoreError::InvalidSlot { .. } => "invalid_slot",
                CoreError::InvalidBackupLevel { .. } => "invalid_backup_level",
                CoreError::NotFound { .. } => "not_found",
                CoreError::Corrupt { .. } => "corrupt",
                CoreError::Authentication { .. } => "authentication",
                CoreError::NoValidCopy { .. } => "no_valid_copy",
                CoreError::RootNotDirectory(_) => "root_not_directory",
                CoreError::RootInUse(_) => "root_in_use",
                CoreError::ReadOnly => "read_only",
                CoreError::Busy(_) => "busy",
                CoreError::TooLarge { .. } => "too_large",
                CoreError::SnapshotNotFound(_) => "snapshot_not_found",
                CoreError::InvalidArgument(_) => "invalid_argument",
                CoreError::Import(_) => "import_rejected",
                CoreError::Io { .. } => "io",
                CoreError::Json(_) => "json",
                CoreError::NewerSchema { .. } => "newer_schema",
                CoreError::MissingMigration { .. } => "missing_migration",
                CoreError::QueueFull { .. } => "queue_full",
                CoreError::QueueStopped => "queue_stopped",
                CoreError::WorkerPanicked(_) => "worker_panicked",
                // The core's error is non_exhaustive: a kind added there is
                // reported under this generic name until it gets its own here.
                _ => "error",
            },
            CliError::Locate(_) => "no_save_folder",
            CliError::Usage(_) => "usage",
            CliError::Damaged(_) => "corrupt",
            CliError::Refused { kind, .. } => kind,
            CliError::Io { .. } => "io",
        }
    }

    /// What the user can do about it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        let CliError::Core(e) = self else {
            return None;
        };
        Some(match e {
            CoreError::RootInUse(_) => "the game (or another savekeep) is using this save folder: \
                close it and run the command again. Read-only commands (list, verify, health, \
                where, export, snapshots list) work while the game runs."
                .into(),
            CoreError::NotFound {
                what: "save root", ..
            } => "check --root or --app; `savekeep where` prints the folder savekeep looks in."
                .into(),
            CoreError::NoValidCopy { .. } => "nothing was changed. Keep the folder as it is \
                (including quarantine/) and contact support: damaged files may still be \
                partly recoverable."
                .into(),
            CoreError::Corrupt { .. } => {
                "run `savekeep verify` to see every damaged file and what to do about it.".into()
            }
            CoreError::Authentication { .. } => "nothing was changed. The file is encrypted: \
                pass the game's key with --key-file PATH or the SAVEKEEP_KEY environment \
                variable. If the key is right, the file was modified outside the game."
                .into(),
            CoreError::InvalidSlot { .. } => "if the game has more slots, pass --slots N.".into(),
            _ => return None,
        })
    }
}

/// Result of a command.
pub type CliResult<T> = Result<T, CliError>;
