//! Looking at what is on disk without changing it: per-file verification,
//! per-slot summaries, the list of slots.

use std::collections::BTreeSet;
use std::path::PathBuf;

use super::slot_store::SlotStore;
use super::stats::OpKind;
use super::types::{CopyRole, FileCheck, FileStatus, SlotInfo};
use crate::error::{Error, FormatError, Result};
use crate::record::layout::{FileRole, Layout};

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
            Err(Error::Authentication { reason, .. }) => FileStatus::Locked {
                reason: reason.to_string(),
                unverified_metadata: self.unverified_metadata(&path).map(Box::new),
            },
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

    /// The readable metadata of a record, checked by its CRC only (not
    /// authenticated): what a slot list may show of a locked save.
    fn unverified_metadata(&self, path: &std::path::Path) -> Option<crate::record::SlotMetadata> {
        let limit = self.options.max_payload_bytes.saturating_add(1 << 20);
        let (_, bytes) = self.storage.read_limited(path, limit).ok()??;
        let record = crate::record::envelope::decode(bytes?, limit).ok()?;
        serde_json::from_slice(record.meta()).ok()
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
                        .strip_suffix(crate::record::layout::TEMP_SUFFIX)
                        .and_then(Layout::role_of)
                    {
                        slots.insert(s);
                    }
                }
                None => {}
            }
        }
        let snapshots_root = root.join("snapshots");
        if self.listable_dir(&snapshots_root)? {
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
