//! Looking at what is on disk without changing it: per-file verification,
//! per-slot summaries, the list of slots.

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::{Error, FormatError, Result};
use crate::layout::{FileRole, Layout};
use crate::metadata::SlotMetadata;
use crate::slot_store::SlotStore;
use crate::stats::OpKind;

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
    /// Metadata from the primary, or from the newest valid backup.
    pub fn metadata(&self) -> Option<&SlotMetadata> {
        self.primary
            .metadata()
            .or_else(|| self.backups.iter().find_map(FileCheck::metadata))
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

impl SlotStore {
    /// Verifies one file of the root.
    pub fn check_file(&self, path: PathBuf, role: CopyRole) -> FileCheck {
        let (mut stat, record) = self.read_record_and_stat(&path);
        if stat.is_none() && matches!(record, Err(Error::Io { .. })) {
            // Could not be opened (permissions, I/O error): still report its size.
            stat = self.storage.stat(&path).ok().flatten();
        }
        let status = match record {
            Ok(record) => match self.parse_metadata(&path, &record) {
                Ok(metadata) => FileStatus::Valid {
                    version: record.version,
                    checksum: record.checksum,
                    payload_len: record.payload().len() as u64,
                    metadata: Box::new(metadata),
                },
                Err(e) => corrupt_status(&e),
            },
            Err(Error::NotFound { .. }) => FileStatus::Missing,
            Err(e @ Error::Corrupt { .. }) => corrupt_status(&e),
            Err(e) => FileStatus::Unreadable {
                reason: e.to_string(),
            },
        };
        FileCheck {
            path,
            role,
            size: stat.map(|s| s.len),
            modified: stat.and_then(|s| s.modified),
            status,
        }
    }

    /// Verifies a slot's primary and backups.
    pub fn slot_info(&self, slot: u32) -> Result<SlotInfo> {
        self.timed(OpKind::Validate, || {
            self.check_slot(slot.into())?;
            let primary_path = self.layout.primary(slot);
            let primary = self.check_file(primary_path.clone(), CopyRole::Primary);
            let backups: Vec<FileCheck> = (0..self.options.backup_levels)
                .map(|level| {
                    self.check_file(self.layout.backup(slot, level), CopyRole::Backup(level))
                })
                .collect();
            let snapshot_count = self.snapshot_ids(slot)?.len();
            let has_interrupted_write = self.exists(&Layout::temp_for(&primary_path))?;
            let bytes =
                primary.size.unwrap_or(0) + backups.iter().filter_map(|b| b.size).sum::<u64>();
            Ok((
                bytes,
                SlotInfo {
                    slot,
                    primary,
                    backups,
                    snapshot_count,
                    has_interrupted_write,
                },
            ))
        })
    }

    /// Slots that have any file on disk (primary, backup, interrupted write
    /// or snapshot), in ascending order, within the configured slot count.
    pub fn used_slots(&self) -> Result<Vec<u32>> {
        let root = self.layout.root();
        let names = self
            .storage
            .list(root)
            .map_err(|e| Error::io("list", root, e))?;
        let mut slots = BTreeSet::new();
        for name in &names {
            match Layout::role_of(name) {
                Some(FileRole::Primary(s) | FileRole::Backup(s, _)) => {
                    slots.insert(s);
                }
                Some(FileRole::Temp) => {
                    if let Some(FileRole::Primary(s)) = name
                        .strip_suffix(crate::layout::TEMP_SUFFIX)
                        .and_then(Layout::role_of)
                    {
                        slots.insert(s);
                    }
                }
                None => {}
            }
        }
        let snapshots_root = root.join("snapshots");
        if self.exists(&snapshots_root)? {
            for name in self
                .storage
                .list(&snapshots_root)
                .map_err(|e| Error::io("list", &snapshots_root, e))?
            {
                if let Some(slot) = Layout::snapshot_slot_of(&name) {
                    if !self.snapshot_ids(slot)?.is_empty() {
                        slots.insert(slot);
                    }
                }
            }
        }
        Ok(slots
            .into_iter()
            .filter(|s| *s < self.options.slot_count)
            .collect())
    }

    /// Verifies every used slot.
    pub fn list_slots(&self) -> Result<Vec<SlotInfo>> {
        self.used_slots()?
            .into_iter()
            .map(|slot| self.slot_info(slot))
            .collect()
    }

    /// The first slot with no file at all, if any.
    pub fn first_free_slot(&self) -> Result<Option<u32>> {
        let used = self.used_slots()?;
        Ok((0..self.options.slot_count).find(|s| !used.contains(s)))
    }
}

fn corrupt_status(error: &Error) -> FileStatus {
    let newer_version = matches!(
        error,
        Error::Corrupt {
            reason: FormatError::UnsupportedVersion { .. },
            ..
        }
    );
    let reason = match error {
        Error::Corrupt { reason, .. } => reason.to_string(),
        other => other.to_string(),
    };
    FileStatus::Corrupt {
        reason,
        newer_version,
    }
}
