//! The value types of [`SlotStore`](super::SlotStore): options, what a save,
//! load, backup, restore or cleanup returns, and what inspection reports.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::record::{Compression, Durability, Keyring, SlotMetadata, SnapshotKind};
use serde_json::Value;
use std::path::PathBuf;

/// How a store behaves.
#[derive(Debug, Clone, PartialEq)]
pub struct StoreOptions {
    /// Number of slots; valid slot numbers are `0..slot_count`.
    pub slot_count: u32,
    /// Rolling backup levels kept per slot (the product promises 3).
    pub backup_levels: u32,
    /// How hard a commit works to survive power loss.
    pub durability: Durability,
    /// Largest payload accepted (and largest record read back).
    pub max_payload_bytes: u64,
    /// Which automated snapshots retention keeps.
    pub retention: RetentionPolicy,
    /// Open without taking the writer lock; every mutation is refused.
    pub read_only: bool,
    /// Compression of new records (existing records are read whatever their format).
    pub compression: Compression,
    /// Keys: new records are sealed with `keys.current` when set; encrypted
    /// records open with any key of the ring. Plain records always load, so
    /// switching encryption on migrates each slot on its next save.
    pub keys: Keyring,
    /// Refuse unencrypted records (and plain exports) as modified files.
    /// Off by default, so that saves from before encryption keep loading;
    /// turn it on once every save has been rewritten (e.g. after `rekey`),
    /// or from the first release that encrypts.
    pub require_encryption: bool,
    /// How much `quarantine/` keeps before its oldest files are removed.
    pub quarantine: QuarantineLimits,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            slot_count: 10,
            backup_levels: 3,
            durability: Durability::Full,
            max_payload_bytes: 256 << 20,
            retention: RetentionPolicy::default(),
            read_only: false,
            compression: Compression::Off,
            keys: Keyring::default(),
            require_encryption: false,
            quarantine: QuarantineLimits::default(),
        }
    }
}

/// A slot as loaded: verified payload and its metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedSlot {
    /// The game's bytes.
    pub payload: Vec<u8>,
    /// Metadata of the save.
    pub metadata: SlotMetadata,
    /// CRC32 of metadata and payload as stored.
    pub checksum: u32,
    /// Set when the file was in an older format and has been rewritten in the
    /// current one (the old file was kept as backup level 0).
    pub migrated_from_version: Option<u16>,
}

/// What a successful save wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct SaveReceipt {
    /// The slot written.
    pub slot: u32,
    /// CRC32 of the new record's metadata and payload.
    pub checksum: u32,
    /// Bytes written to disk (header, metadata and payload).
    pub bytes_written: u64,
    /// The metadata as stored (with timestamps and counter filled in).
    pub metadata: SlotMetadata,
}

/// Result of [`SlotStore::create_backup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum BackupOutcome {
    /// Backups were shifted and the primary copied to level 0.
    Created,
    /// Level 0 already holds exactly the primary; nothing was written.
    AlreadyCurrent,
}

/// Where a repaired slot's data came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum RecoverySource {
    /// The primary was fine; nothing was done.
    AlreadyHealthy,
    /// A rolling backup level.
    Backup(u32),
    /// A snapshot (its id).
    Snapshot(String),
    /// A complete write that was interrupted before its rename.
    InterruptedWrite,
}

impl RecoverySource {
    /// A short human description.
    pub fn describe(&self) -> String {
        match self {
            RecoverySource::AlreadyHealthy => "save was already healthy".into(),
            RecoverySource::Backup(level) => format!("restored from backup level {level}"),
            RecoverySource::Snapshot(id) => format!("restored from snapshot {id}"),
            RecoverySource::InterruptedWrite => "completed an interrupted save".into(),
        }
    }
}

/// A verified copy a slot could be restored from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// What it is.
    pub source: RecoverySource,
    /// Where it is.
    pub path: PathBuf,
    /// When the save it holds was written.
    pub written_at: Option<DateTime<Utc>>,
}

/// Result of a restore or repair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RestoreOutcome {
    /// Where the data came from.
    pub source: RecoverySource,
    /// Where the broken primary was moved, if it was.
    pub quarantined: Option<PathBuf>,
    /// Id of the snapshot that keeps the overwritten save, if one was taken.
    pub safety_snapshot: Option<String>,
}

/// What start-up recovery did. Recovery touches only files named as the
/// store writes them (`slot_<n>.sav.tmp`, `slot_<n>.sav.bak<k>.tmp`, for any
/// slot number), never deletes a complete record, and reports every change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "action")]
pub enum StartupAction {
    /// A leftover temporary file was removed: it was incomplete (empty,
    /// zero-filled or truncated: the save it belonged to was never
    /// acknowledged), or a byte-for-byte copy of the file it was meant to
    /// replace.
    DiscardedTemp {
        /// The temporary file that was removed.
        path: PathBuf,
        /// Why it was removed.
        reason: String,
    },
    /// A complete interrupted save was moved into place.
    PromotedInterruptedWrite {
        /// The slot whose interrupted save became its primary.
        slot: u32,
    },
    /// A complete interrupted write of another file (a backup level) was
    /// moved into place.
    FinishedInterruptedWrite {
        /// The file the interrupted write became.
        path: PathBuf,
    },
    /// A complete interrupted write that could not be put in place (the file
    /// it was meant to replace holds something else) was kept in quarantine.
    QuarantinedTemp {
        /// The interrupted write.
        path: PathBuf,
        /// Where it is now, inside `quarantine/`.
        moved_to: PathBuf,
    },
    /// A damaged file was moved to quarantine to make room for a complete
    /// interrupted write.
    QuarantinedDamaged {
        /// The damaged file.
        path: PathBuf,
        /// Where it is now, inside `quarantine/`.
        moved_to: PathBuf,
    },
    /// A file with a name the store uses was left as it was, and why (not a
    /// regular file, unreadable, written by a newer version, ...).
    LeftAlone {
        /// The file left in place.
        path: PathBuf,
        /// Why it was not touched.
        reason: String,
    },
    /// An interrupted save left no usable primary; the newest backup was restored.
    RestoredFromBackup {
        /// The slot that was restored.
        slot: u32,
        /// The backup level restored (0 is the newest).
        level: u32,
    },
    /// An interrupted save or repair left no usable primary, and the newest
    /// valid copy was a snapshot; it was restored.
    RestoredFromSnapshot {
        /// The slot that was restored.
        slot: u32,
        /// Id of the snapshot restored.
        id: String,
    },
}

impl StartupAction {
    /// One sentence for players and logs.
    pub fn describe(&self) -> String {
        match self {
            StartupAction::DiscardedTemp { path, reason } => {
                format!("removed the unfinished write {} ({reason})", path.display())
            }
            StartupAction::PromotedInterruptedWrite { slot } => {
                format!("completed an interrupted save of slot {slot}")
            }
            StartupAction::FinishedInterruptedWrite { path } => {
                format!("completed the interrupted write {}", path.display())
            }
            StartupAction::QuarantinedTemp { path, moved_to } => format!(
                "kept the interrupted write {} in quarantine as {}",
                path.display(),
                moved_to.display()
            ),
            StartupAction::QuarantinedDamaged { path, moved_to } => format!(
                "moved the damaged {} to quarantine as {}",
                path.display(),
                moved_to.display()
            ),
            StartupAction::LeftAlone { path, reason } => {
                format!("left {} as it is: {reason}", path.display())
            }
            StartupAction::RestoredFromBackup { slot, level } => {
                format!("restored slot {slot} from backup level {level} after an interrupted save")
            }
            StartupAction::RestoredFromSnapshot { slot, id } => format!(
                "restored slot {slot} from snapshot {id} after an interrupted save or repair"
            ),
        }
    }

    /// Whether the action changed files (a [`StartupAction::LeftAlone`] did not).
    pub fn changed_files(&self) -> bool {
        !matches!(self, StartupAction::LeftAlone { .. })
    }
}

/// What [`SlotStore::cleanup`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CleanupReport {
    /// Temporary files of interrupted writes removed.
    pub removed_temp: Vec<PathBuf>,
    /// Interrupted writes that were complete and became the primary.
    pub promoted: Vec<u32>,
    /// Corrupt backups and snapshots moved to quarantine.
    pub quarantined: Vec<PathBuf>,
    /// Backups beyond the configured number of levels removed.
    pub removed_extra_backups: Vec<PathBuf>,
    /// The oldest quarantined files removed to keep `quarantine/` within
    /// its [`QuarantineLimits`].
    pub pruned_quarantine: Vec<PathBuf>,
}

impl CleanupReport {
    /// Counts what settling an interrupted write did.
    pub(crate) fn record(&mut self, actions: Vec<StartupAction>) {
        for action in actions {
            match action {
                StartupAction::PromotedInterruptedWrite { slot } => self.promoted.push(slot),
                StartupAction::DiscardedTemp { path, .. } => self.removed_temp.push(path),
                StartupAction::QuarantinedTemp { moved_to, .. }
                | StartupAction::QuarantinedDamaged { moved_to, .. } => {
                    self.quarantined.push(moved_to)
                }
                _ => {}
            }
        }
    }
}

/// What to snapshot a slot as.
#[derive(Debug, Clone, PartialEq)]
pub struct SnapshotRequest {
    /// Display name.
    pub name: String,
    /// Free text.
    pub description: String,
    /// Why it is made.
    pub kind: SnapshotKind,
    /// Context of the trigger (stored as given).
    pub context: Value,
}

impl SnapshotRequest {
    /// A manual snapshot with a name and description.
    pub fn manual(name: impl Into<String>, description: impl Into<String>) -> Self {
        SnapshotRequest {
            name: name.into(),
            description: description.into(),
            kind: SnapshotKind::Manual,
            context: Value::Null,
        }
    }

    /// An automated snapshot made by `trigger`, with its context.
    pub fn automated(trigger: impl Into<String>, context: Value) -> Self {
        let trigger = trigger.into();
        SnapshotRequest {
            name: format!("Automatic ({trigger})"),
            description: String::new(),
            kind: SnapshotKind::Automated(trigger),
            context,
        }
    }
}

/// Which copy of a slot a file is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum CopyRole {
    /// The slot's current save.
    Primary,
    /// A rolling backup level (0 = newest).
    Backup(u32),
    /// A named or automated snapshot.
    Snapshot(String),
}

/// The verdict on one file.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "status")]
pub enum FileStatus {
    /// Verified: checksums match.
    Valid {
        /// Format version it was written with.
        version: u16,
        /// CRC32 of metadata and payload.
        checksum: u32,
        /// Payload length.
        payload_len: u64,
        /// Its metadata.
        metadata: Box<SlotMetadata>,
    },
    /// No such file.
    Missing,
    /// Present but failed verification.
    Corrupt {
        /// What is wrong with it.
        reason: String,
        /// Whether the file is intact but written by a newer version.
        newer_version: bool,
    },
    /// Intact (checksums match) but encrypted, and no configured key opens
    /// it: a wrong key, or a file modified on purpose. Not damage: nothing
    /// repairs, quarantines or removes it.
    Locked {
        /// What failed (`wrong key or modified file`, no key set).
        reason: String,
        /// The slot-list metadata, which is stored readable (checksummed,
        /// but not authenticated until the key opens the file): for
        /// display only, e.g. a load menu shown before the key is known.
        unverified_metadata: Option<Box<SlotMetadata>>,
    },
    /// Could not be read (permissions, I/O error).
    Unreadable {
        /// The operating system's message.
        reason: String,
    },
}

/// One file, verified.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileCheck {
    /// Where it is.
    pub path: PathBuf,
    /// Which copy it is.
    pub role: CopyRole,
    /// Size on disk, when present.
    pub size: Option<u64>,
    /// Last modification time reported by the file system.
    pub modified: Option<DateTime<Utc>>,
    /// The verdict.
    pub status: FileStatus,
}

impl FileCheck {
    /// Whether the file verified.
    pub fn is_valid(&self) -> bool {
        matches!(self.status, FileStatus::Valid { .. })
    }

    /// Whether the file is encrypted and no configured key opens it.
    pub fn is_locked(&self) -> bool {
        matches!(self.status, FileStatus::Locked { .. })
    }

    /// Whether the file exists.
    pub fn exists(&self) -> bool {
        !matches!(self.status, FileStatus::Missing)
    }

    /// Metadata of a valid file.
    pub fn metadata(&self) -> Option<&SlotMetadata> {
        match &self.status {
            FileStatus::Valid { metadata, .. } => Some(metadata),
            _ => None,
        }
    }

    /// Metadata to show in a slot list: a valid file's, or the readable
    /// (unauthenticated) metadata of a locked one. Never base a decision on
    /// it; [`metadata`](Self::metadata) is the verified one.
    pub fn display_metadata(&self) -> Option<&SlotMetadata> {
        match &self.status {
            FileStatus::Valid { metadata, .. } => Some(metadata),
            FileStatus::Locked {
                unverified_metadata,
                ..
            } => unverified_metadata.as_deref(),
            _ => None,
        }
    }

    /// Checksum of a valid file.
    pub fn checksum(&self) -> Option<u32> {
        match &self.status {
            FileStatus::Valid { checksum, .. } => Some(*checksum),
            _ => None,
        }
    }

    /// When the copy was written: the metadata's time, else the file's.
    pub fn written_at(&self) -> Option<DateTime<Utc>> {
        self.metadata()
            .and_then(|m| m.modified_at)
            .or(self.modified)
    }
}

/// A slot's primary and rolling backups, verified.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotInfo {
    /// Slot number.
    pub slot: u32,
    /// The primary copy.
    pub primary: FileCheck,
    /// One entry per configured backup level, missing ones included.
    pub backups: Vec<FileCheck>,
    /// Number of snapshot files (not verified here; see `list_snapshots`).
    pub snapshot_count: usize,
    /// Whether an interrupted write (`.tmp`) is lying next to the primary.
    pub has_interrupted_write: bool,
}

impl SlotInfo {
    /// Metadata for display: from the primary, or from the newest valid
    /// backup; of a locked file (encrypted, no key opens it) its readable,
    /// unauthenticated metadata, so slot lists work before the key is known.
    pub fn metadata(&self) -> Option<&SlotMetadata> {
        self.primary
            .display_metadata()
            .or_else(|| self.backups.iter().find_map(FileCheck::display_metadata))
    }

    /// Whether the primary verified.
    pub fn is_healthy(&self) -> bool {
        self.primary.is_valid()
    }

    /// Number of backup levels that verified.
    pub fn valid_backups(&self) -> usize {
        self.backups.iter().filter(|b| b.is_valid()).count()
    }

    /// Number of backup files present (valid or not).
    pub fn existing_backups(&self) -> usize {
        self.backups.iter().filter(|b| b.exists()).count()
    }
}

/// Retention of automated snapshots. Manual snapshots are never removed by
/// retention. A snapshot is kept when any rule keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionPolicy {
    /// Keep the newest N automated snapshots (the spec's `max_automated_backups`).
    pub keep_last: usize,
    /// Also keep the newest snapshot of each of the last N days that have one.
    pub keep_daily: usize,
    /// Also keep the newest snapshot of each of the last N ISO weeks that have one.
    pub keep_weekly: usize,
}

impl Default for RetentionPolicy {
    fn default() -> Self {
        RetentionPolicy {
            keep_last: 30,
            keep_daily: 0,
            keep_weekly: 0,
        }
    }
}

/// How much `quarantine/` keeps. Damaged files are moved there rather than
/// deleted, so that support can look at them; without a bound, a disk that
/// keeps damaging saves would fill up with them. Walking from the newest,
/// files are kept while both limits hold; older ones are removed when a
/// file is quarantined and at cleanup. The file just quarantined is always
/// kept, and files the store did not name are never removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineLimits {
    /// Most files kept.
    pub max_files: usize,
    /// Most bytes kept (in total).
    pub max_bytes: u64,
}

impl Default for QuarantineLimits {
    fn default() -> Self {
        QuarantineLimits {
            max_files: 50,
            max_bytes: 256 << 20,
        }
    }
}

impl QuarantineLimits {
    /// No limit: every quarantined file is kept until removed by hand.
    pub const UNLIMITED: QuarantineLimits = QuarantineLimits {
        max_files: usize::MAX,
        max_bytes: u64::MAX,
    };
}

/// Identifies one request made to a [`WriteQueue`](super::WriteQueue):
/// increasing in the order the requests were made, never reused by a queue.
pub type RequestId = u64;

/// How a [`WriteQueue`](super::WriteQueue) bounds its memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueOptions {
    /// Most payload bytes held by saves not yet written (waiting and in
    /// flight). A save that would pass it waits for room; one save larger
    /// than the limit is admitted when nothing else is queued, so that no
    /// save is refused for its size alone (the store's `max_payload_bytes`
    /// does that).
    pub max_queued_bytes: u64,
    /// How long a save waits for room before it fails with
    /// [`Error::QueueFull`](crate::Error::QueueFull). Zero fails at once.
    pub full_wait: std::time::Duration,
}

impl Default for QueueOptions {
    fn default() -> Self {
        QueueOptions {
            max_queued_bytes: 64 << 20,
            full_wait: std::time::Duration::from_secs(10),
        }
    }
}

/// How a queued request ended.
#[derive(Debug)]
pub enum QueueOutcome {
    /// The save is on disk, as durable as a synchronous
    /// [`SlotStore::save`](super::SlotStore::save) under the store's durability.
    Written(SaveReceipt),
    /// A newer save of the same slot (request `by`) was queued before this
    /// one was written, so only the newer one was written: this data never
    /// reached the disk, newer data did. Delivered once `by` is written.
    Superseded {
        /// The request whose data is written instead.
        by: RequestId,
    },
    /// The save failed; the previous save of the slot is untouched. A save
    /// superseded by one that then failed gets the same error: its data,
    /// and the newer data, are not on disk.
    Failed(std::sync::Arc<crate::Error>),
    /// A queued load finished (it saw every save of the slot queued before it).
    Loaded(crate::Result<LoadedSlot>),
}

impl QueueOutcome {
    /// Whether the request did what it was asked: written, superseded by a
    /// newer save, or loaded.
    pub fn is_success(&self) -> bool {
        matches!(
            self,
            QueueOutcome::Written(_)
                | QueueOutcome::Superseded { .. }
                | QueueOutcome::Loaded(Ok(_))
        )
    }

    /// A short name: `written`, `superseded`, `failed`, `loaded`, `load_failed`.
    pub fn name(&self) -> &'static str {
        match self {
            QueueOutcome::Written(_) => "written",
            QueueOutcome::Superseded { .. } => "superseded",
            QueueOutcome::Failed(_) => "failed",
            QueueOutcome::Loaded(Ok(_)) => "loaded",
            QueueOutcome::Loaded(Err(_)) => "load_failed",
        }
    }

    /// The error of a failed save or load.
    pub fn error(&self) -> Option<&crate::Error> {
        match self {
            QueueOutcome::Failed(e) => Some(e),
            QueueOutcome::Loaded(Err(e)) => Some(e),
            _ => None,
        }
    }
}

/// A finished request of a [`WriteQueue`](super::WriteQueue).
#[derive(Debug)]
pub struct QueueCompletion {
    /// The request.
    pub id: RequestId,
    /// Its slot.
    pub slot: u32,
    /// How it ended.
    pub outcome: QueueOutcome,
}
