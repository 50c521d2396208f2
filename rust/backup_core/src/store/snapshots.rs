//! Named snapshots beyond the rolling backups: manual ones made by the
//! player, automated ones made by triggers (kept under a retention policy),
//! and safety copies taken before a restore or an import replaces a slot.

use chrono::Utc;

use super::slot_store::SlotStore;
use super::stats::OpKind;
use super::types::SnapshotRequest;
use super::types::{CopyRole, FileCheck};
use super::types::{RecoverySource, RestoreOutcome};
use crate::error::{Error, Result};
use crate::record::layout::{is_safe_id, Layout};
use crate::record::metadata::SnapshotInfo;

impl SlotStore {
    /// Copies the slot's current (verified) save into a new snapshot. An
    /// automated snapshot then applies the retention policy to the slot.
    pub fn create_snapshot(&self, slot: u32, request: &SnapshotRequest) -> Result<SnapshotInfo> {
        self.timed(OpKind::Snapshot, || {
            self.writable()?;
            self.check_slot(slot.into())?;
            if request.name.trim().is_empty() {
                return Err(Error::InvalidArgument("a snapshot needs a name".into()));
            }
            let _guard = self.lock_writes();
            let info = self.snapshot_locked(slot, request)?;
            if request.kind.is_automated() {
                self.apply_retention_locked(slot)?;
            }
            Ok((0, info))
        })
    }

    /// Verifies every snapshot of a slot, oldest first.
    pub fn list_snapshots(&self, slot: u32) -> Result<Vec<FileCheck>> {
        Ok(self
            .snapshot_ids(slot)?
            .into_iter()
            .map(|id| {
                let path = self.layout.snapshot(slot, &id);
                self.check_file(path, CopyRole::Snapshot(id))
            })
            .collect())
    }

    /// Restores a snapshot over the primary (the current save is kept as a
    /// pre-restore snapshot, or quarantined if corrupt).
    pub fn restore_snapshot(&self, slot: u32, id: &str) -> Result<RestoreOutcome> {
        self.timed(OpKind::Restore, || {
            self.writable()?;
            self.check_slot(slot.into())?;
            let path = self.snapshot_path(slot, id)?;
            let _guard = self.lock_writes();
            let outcome =
                self.restore_from(slot, &path, RecoverySource::Snapshot(id.to_owned()))?;
            Ok((0, outcome))
        })
    }

    /// Deletes one snapshot.
    pub fn delete_snapshot(&self, slot: u32, id: &str) -> Result<()> {
        self.timed(OpKind::Delete, || {
            self.writable()?;
            self.check_slot(slot.into())?;
            let path = self.snapshot_path(slot, id)?;
            let _guard = self.lock_writes();
            self.storage
                .remove(&path)
                .map_err(|e| Error::io("remove", &path, e))?;
            self.sync_dir(&self.layout.snapshot_dir(slot))?;
            Ok((0, ()))
        })
    }

    /// Applies the retention policy to a slot's automated snapshots and
    /// returns the ids removed. The last valid copy of a slot is never removed.
    pub fn apply_retention(&self, slot: u32) -> Result<Vec<String>> {
        self.writable()?;
        self.check_slot(slot.into())?;
        let _guard = self.lock_writes();
        self.apply_retention_locked(slot)
    }

    pub(crate) fn snapshot_ids(&self, slot: u32) -> Result<Vec<String>> {
        let dir = self.layout.snapshot_dir(slot);
        if !self.listable_dir(&dir)? {
            return Ok(Vec::new());
        }
        let names = self
            .storage
            .list(&dir)
            .map_err(|e| Error::io("list", &dir, e))?;
        let mut ids: Vec<String> = names
            .iter()
            .filter_map(|n| Layout::snapshot_id_of(n))
            .map(str::to_owned)
            .collect();
        ids.sort();
        Ok(ids)
    }

    fn snapshot_path(&self, slot: u32, id: &str) -> Result<std::path::PathBuf> {
        if !is_safe_id(id) {
            return Err(Error::SnapshotNotFound(id.to_owned()));
        }
        let path = self.layout.snapshot(slot, id);
        if !self.exists(&path)? {
            return Err(Error::SnapshotNotFound(id.to_owned()));
        }
        Ok(path)
    }

    /// Writes a snapshot of the current primary. Callers hold the write lock.
    pub(crate) fn snapshot_locked(
        &self,
        slot: u32,
        request: &SnapshotRequest,
    ) -> Result<SnapshotInfo> {
        let primary = self.layout.primary(slot);
        let record = self.read_record(&primary)?;
        let mut meta = self.parse_metadata(&primary, &record)?;
        let now = self.clock.now();
        let dir = self.layout.snapshot_dir(slot);
        let fresh_dir = !self.exists(&dir)?;
        self.storage
            .create_dir_all(&dir)
            .map_err(|e| Error::io("create", &dir, e))?;
        if fresh_dir {
            self.sync_dir(&self.layout.root().join("snapshots"))?;
            self.sync_dir(self.layout.root())?;
        }
        let stamp = now.with_timezone(&Utc).format("%Y%m%dT%H%M%S%3fZ");
        let mut n = 0u32;
        let id = loop {
            let id = format!("{stamp}-{n:04}");
            if !self.exists(&self.layout.snapshot(slot, &id))? {
                break id;
            }
            n += 1;
        };
        let info = SnapshotInfo {
            id: id.clone(),
            name: request.name.clone(),
            description: request.description.clone(),
            kind: request.kind.clone(),
            context: request.context.clone(),
            created_at: now,
        };
        meta.snapshot = Some(info.clone());
        let meta_json = serde_json::to_vec(&meta)?;
        let (prefix, body) = self.encode_record(&meta_json, record.payload())?;
        self.commit(&self.layout.snapshot(slot, &id), &[&prefix, &body])?;
        Ok(info)
    }

    fn apply_retention_locked(&self, slot: u32) -> Result<Vec<String>> {
        let snapshots = self.list_snapshots(slot)?;
        let info = self.slot_info(slot)?;
        let other_copies = info.primary.is_valid() || info.valid_backups() > 0;
        let doomed = self
            .options
            .retention
            .select_removals(&snapshots, other_copies);
        let dir = self.layout.snapshot_dir(slot);
        for id in &doomed {
            let path = self.layout.snapshot(slot, id);
            self.storage
                .remove(&path)
                .map_err(|e| Error::io("remove", &path, e))?;
        }
        if !doomed.is_empty() {
            self.sync_dir(&dir)?;
        }
        Ok(doomed)
    }
}
