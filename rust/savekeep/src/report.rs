//! The JSON shapes savekeep prints, kept separate from backup_core's types
//! so that the documented schema stays stable when the core changes.

use std::path::Path;

use backup_core::{CopyRole, FileCheck, FileStatus, SlotInfo};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::output::Tone;

/// The verdict on one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileState {
    /// Checksums match.
    Valid,
    /// No such file.
    Missing,
    /// Present but damaged (truncated, bad checksum, not a save file, ...).
    Corrupt,
    /// Intact, but written by a newer format version than this build reads.
    NewerVersion,
    /// Could not be read (permissions, I/O error).
    Unreadable,
    /// Encrypted, and the key given (if any) does not open it: a wrong key
    /// or a modified file. Never repaired or moved.
    Locked,
}

impl FileState {
    /// Short label for tables.
    pub fn label(self) -> &'static str {
        match self {
            FileState::Valid => "ok",
            FileState::Missing => "missing",
            FileState::Corrupt => "DAMAGED",
            FileState::NewerVersion => "newer version",
            FileState::Unreadable => "UNREADABLE",
            FileState::Locked => "LOCKED (key)",
        }
    }

    /// Colour of the label.
    pub fn tone(self) -> Tone {
        match self {
            FileState::Valid => Tone::Good,
            FileState::Missing => Tone::Dim,
            FileState::NewerVersion | FileState::Locked => Tone::Warn,
            FileState::Corrupt | FileState::Unreadable => Tone::Bad,
        }
    }
}

/// One file of a slot.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileReport {
    /// Slot it belongs to.
    pub slot: u32,
    /// `primary`, `backup` or `snapshot`.
    pub role: &'static str,
    /// Backup level (0 = newest), for backups.
    pub level: Option<u32>,
    /// Snapshot id, for snapshots.
    pub snapshot_id: Option<String>,
    /// Path of the file.
    pub path: String,
    /// Size on disk in bytes, when present.
    pub size: Option<u64>,
    /// File modification time (UTC, RFC 3339), when present.
    pub modified: Option<DateTime<Utc>>,
    /// When the save it holds was written, from its metadata.
    pub written_at: Option<DateTime<Utc>>,
    /// The verdict.
    pub state: FileState,
    /// What is wrong, for damaged, newer and unreadable files.
    pub reason: Option<String>,
    /// CRC32 of metadata and payload (8 hex digits), for valid files.
    pub checksum: Option<String>,
    /// Record format version, for valid files.
    pub format_version: Option<u16>,
    /// Size of the game's data in bytes, for valid files.
    pub payload_size: Option<u64>,
}

impl FileReport {
    /// Converts a core verdict.
    pub fn new(slot: u32, check: &FileCheck) -> FileReport {
        let (role, level, snapshot_id) = match &check.role {
            CopyRole::Primary => ("primary", None, None),
            CopyRole::Backup(level) => ("backup", Some(*level), None),
            CopyRole::Snapshot(id) => ("snapshot", None, Some(id.clone())),
        };
        let (state, reason, checksum, format_version, payload_size) = match &check.status {
            FileStatus::Valid {
                version,
                checksum,
                payload_len,
                ..
            } => (
                FileState::Valid,
                None,
                Some(format!("{checksum:08x}")),
                Some(*version),
                Some(*payload_len),
            ),
            FileStatus::Missing => (FileState::Missing, None, None, None, None),
            FileStatus::Corrupt {
                reason,
                newer_version,
            } => (
                if *newer_version {
                    FileState::NewerVersion
                } else {
                    FileState::Corrupt
                },
                Some(reason.clone()),
                None,
                None,
                None,
            ),
            FileStatus::Locked { reason, .. } => {
                (FileState::Locked, Some(reason.clone()), None, None, None)
            }
            FileStatus::Unreadable { reason } => (
                FileState::Unreadable,
                Some(reason.clone()),
                None,
                None,
                None,
            ),
        };
        FileReport {
            slot,
            role,
            level,
            snapshot_id,
            path: display_path(&check.path),
            size: check.size,
            modified: check.modified,
            written_at: check.metadata().and_then(|m| m.modified_at),
            state,
            reason,
            checksum,
            format_version,
            payload_size,
        }
    }

    /// A short name for tables: `current`, `backup 0`, `snapshot <id>`.
    pub fn label(&self) -> String {
        match (self.level, &self.snapshot_id) {
            (Some(level), _) => format!("backup {level}"),
            (_, Some(id)) => format!("snapshot {id}"),
            _ => "current".into(),
        }
    }
}

/// The overall state of a slot, from its current save.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SlotState {
    /// The current save verified.
    Healthy,
    /// The current save is damaged.
    Damaged,
    /// The current save is missing (backups or snapshots remain).
    Missing,
    /// Written by a newer version.
    NewerVersion,
    /// Could not be read.
    Unreadable,
    /// Encrypted, and the key given does not open it.
    Locked,
}

impl SlotState {
    /// From the state of the current save.
    pub fn of(primary: FileState) -> SlotState {
        match primary {
            FileState::Valid => SlotState::Healthy,
            FileState::Missing => SlotState::Missing,
            FileState::Corrupt => SlotState::Damaged,
            FileState::NewerVersion => SlotState::NewerVersion,
            FileState::Unreadable => SlotState::Unreadable,
            FileState::Locked => SlotState::Locked,
        }
    }

    /// Label for tables.
    pub fn label(self) -> &'static str {
        match self {
            SlotState::Healthy => "ok",
            SlotState::Damaged => "DAMAGED",
            SlotState::Missing => "MISSING",
            SlotState::NewerVersion => "newer version",
            SlotState::Unreadable => "UNREADABLE",
            SlotState::Locked => "LOCKED (key)",
        }
    }

    /// Colour of the label.
    pub fn tone(self) -> Tone {
        match self {
            SlotState::Healthy => Tone::Good,
            SlotState::NewerVersion | SlotState::Locked => Tone::Warn,
            _ => Tone::Bad,
        }
    }
}

/// One slot as `list` shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotReport {
    /// Slot number.
    pub slot: u32,
    /// State of the current save.
    pub state: SlotState,
    /// From the current save's metadata, else the newest valid backup's.
    pub pilot_callsign: Option<String>,
    /// Campaign.
    pub campaign: Option<String>,
    /// Mission.
    pub mission: Option<String>,
    /// Play time in seconds.
    pub play_time_seconds: Option<f64>,
    /// How many times the slot was saved.
    pub save_count: Option<u64>,
    /// When the slot was first saved.
    pub created_at: Option<DateTime<Utc>>,
    /// When the shown metadata's save was written.
    pub modified_at: Option<DateTime<Utc>>,
    /// Size of the current save file in bytes.
    pub size: Option<u64>,
    /// Bytes of the current save and its backups together.
    pub total_size: u64,
    /// The current save.
    pub primary: FileReport,
    /// One entry per configured backup level, missing ones included.
    pub backups: Vec<FileReport>,
    /// Number of snapshot files.
    pub snapshot_count: usize,
    /// An interrupted write (`.tmp`) is waiting next to the current save.
    pub interrupted_write: bool,
}

impl SlotReport {
    /// Converts a core slot summary.
    pub fn new(info: &SlotInfo) -> SlotReport {
        let primary = FileReport::new(info.slot, &info.primary);
        let backups: Vec<FileReport> = info
            .backups
            .iter()
            .map(|b| FileReport::new(info.slot, b))
            .collect();
        let meta = info.metadata();
        SlotReport {
            slot: info.slot,
            state: SlotState::of(primary.state),
            pilot_callsign: meta.map(|m| m.pilot_callsign.clone()),
            campaign: meta.map(|m| m.campaign.clone()),
            mission: meta.map(|m| m.mission.clone()),
            play_time_seconds: meta.map(|m| m.play_time_seconds),
            save_count: meta.map(|m| m.save_count),
            created_at: meta.and_then(|m| m.created_at),
            modified_at: meta.and_then(|m| m.modified_at),
            size: primary.size,
            total_size: primary.size.unwrap_or(0)
                + backups.iter().filter_map(|b| b.size).sum::<u64>(),
            primary,
            backups,
            snapshot_count: info.snapshot_count,
            interrupted_write: info.has_interrupted_write,
        }
    }
}

/// A path as text (lossy for non-UTF-8 names, which our layout never makes).
pub fn display_path(path: &Path) -> String {
    path.display().to_string()
}
