//! Putting a slot back together: manual backups, restore from any level,
//! repair (newest valid copy wins), quarantine, start-up recovery, cleanup.
//! Nothing here deletes a file that could be the only copy of a save: corrupt
//! files are moved to `quarantine/`, and the current save is kept as a
//! snapshot before a restore overwrites it.

use std::path::{Path, PathBuf};

use super::slot_store::SlotStore;
use super::stats::OpKind;
use super::types::CopyRole;
use super::types::SnapshotRequest;
use super::types::{
    BackupOutcome, Candidate, CleanupReport, RecoverySource, RestoreOutcome, StartupAction,
};
use crate::error::{Error, FormatError, Result};
use crate::record::layout::{FileRole, Layout, TEMP_SUFFIX};
use crate::record::metadata::SnapshotKind;

impl SlotStore {
    /// Copies the primary into backup level 0, shifting older levels down.
    pub fn create_backup(&self, slot: u32) -> Result<BackupOutcome> {
        self.timed(OpKind::Backup, || {
            self.writable()?;
            self.check_slot(slot.into())?;
            if self.options.backup_levels == 0 {
                return Err(Error::InvalidArgument(
                    "no backup levels are configured".into(),
                ));
            }
            let _guard = self.lock_writes();
            let record = self.read_record(&self.layout.primary(slot))?;
            let level0 = self.layout.backup(slot, 0);
            if let Ok(existing) = self.read_record(&level0) {
                if existing.as_bytes() == record.as_bytes() {
                    return Ok((0, BackupOutcome::AlreadyCurrent));
                }
            }
            self.shift_backups(slot)?;
            self.commit(&level0, &[record.as_bytes()])?;
            Ok((record.as_bytes().len() as u64, BackupOutcome::Created))
        })
    }

    /// Restores backup `level` (0 = newest) over the primary. The current
    /// primary is kept as a snapshot if valid, or quarantined if corrupt.
    pub fn restore_backup(&self, slot: u32, level: u32) -> Result<RestoreOutcome> {
        self.timed(OpKind::Restore, || {
            self.writable()?;
            self.check_slot(slot.into())?;
            self.check_level(level.into())?;
            let _guard = self.lock_writes();
            let path = self.layout.backup(slot, level);
            let outcome = self.restore_from(slot, &path, RecoverySource::Backup(level))?;
            Ok((0, outcome))
        })
    }

    /// Repairs a slot whose primary is missing or corrupt: the newest valid
    /// copy (interrupted write, backup or snapshot) wins. The corrupt primary
    /// is quarantined. A primary written by a newer game version is refused.
    pub fn repair(&self, slot: u32) -> Result<RestoreOutcome> {
        self.timed(OpKind::Repair, || {
            self.writable()?;
            self.check_slot(slot.into())?;
            let _guard = self.lock_writes();
            if !self.primary_needs_repair(slot)? {
                let outcome = RestoreOutcome {
                    source: RecoverySource::AlreadyHealthy,
                    quarantined: None,
                    safety_snapshot: None,
                };
                return Ok((0, outcome));
            }
            let Some(best) = self.best_candidate(slot)? else {
                // Copies no key opens are not "no copy": a wrong key must
                // not read as data loss.
                return Err(self
                    .locked_copy(slot)?
                    .unwrap_or(Error::NoValidCopy { slot }));
            };
            let outcome = self.restore_from(slot, &best.path, best.source)?;
            Ok((0, outcome))
        })
    }

    /// Whether a slot's primary is missing or corrupt (and so may be
    /// replaced by a recovery). A primary written by a newer format version
    /// is an error: it is the player's data, only this build cannot read it.
    pub(crate) fn primary_needs_repair(&self, slot: u32) -> Result<bool> {
        match self.read_record(&self.layout.primary(slot)) {
            Ok(_) => Ok(false),
            Err(
                e @ Error::Corrupt {
                    reason: FormatError::UnsupportedVersion { .. },
                    ..
                },
            ) => Err(e),
            Err(Error::Corrupt { .. } | Error::NotFound { .. }) => Ok(true),
            Err(e) => Err(e),
        }
    }

    /// Every verified copy of a slot other than its primary, in order of
    /// preference: backup levels from newest, snapshots from newest, then an
    /// interrupted write.
    pub fn recovery_candidates(&self, slot: u32) -> Result<Vec<Candidate>> {
        let mut out = Vec::new();
        for level in 0..self.options.backup_levels {
            let check = self.check_file(self.layout.backup(slot, level), CopyRole::Backup(level));
            if check.is_valid() {
                out.push(Candidate {
                    source: RecoverySource::Backup(level),
                    written_at: check.written_at(),
                    path: check.path,
                });
            }
        }
        let mut snapshots = self.list_snapshots(slot)?;
        snapshots.reverse();
        for check in snapshots.into_iter().filter(|c| c.is_valid()) {
            if let CopyRole::Snapshot(id) = &check.role {
                out.push(Candidate {
                    source: RecoverySource::Snapshot(id.clone()),
                    written_at: check.written_at(),
                    path: check.path.clone(),
                });
            }
        }
        let temp = Layout::temp_for(&self.layout.primary(slot));
        let check = self.check_file(temp, CopyRole::Primary);
        if check.is_valid() {
            out.push(Candidate {
                source: RecoverySource::InterruptedWrite,
                written_at: check.written_at(),
                path: check.path,
            });
        }
        Ok(out)
    }

    /// The copy repair restores: the newest valid one; on a tie, the earlier
    /// in [`recovery_candidates`](Self::recovery_candidates)' order.
    fn best_candidate(&self, slot: u32) -> Result<Option<Candidate>> {
        Ok(self
            .recovery_candidates(slot)?
            .into_iter()
            .enumerate()
            .max_by_key(|(i, c)| (c.written_at, std::cmp::Reverse(*i)))
            .map(|(_, c)| c))
    }

    /// Restores from a verified copy. Callers hold the write lock.
    pub(crate) fn restore_from(
        &self,
        slot: u32,
        source: &Path,
        kind: RecoverySource,
    ) -> Result<RestoreOutcome> {
        let record = self.read_record(source)?;
        let mut meta = self.parse_metadata(source, &record)?;
        meta.snapshot = None;
        // The restored copy is the slot's newest commit: stamp it so. Repair
        // ranks copies by this time, and a restored save that kept its old
        // stamp would lose to the copies it was chosen over (the pre-restore
        // snapshot, newer backups) once it is rotated into the backups.
        meta.modified_at = Some(self.clock.now());
        let primary = self.layout.primary(slot);
        let mut outcome = RestoreOutcome {
            source: kind.clone(),
            quarantined: None,
            safety_snapshot: None,
        };
        match self.read_record(&primary) {
            Ok(current) if current.payload() == record.payload() => {}
            Ok(_) => {
                let request = SnapshotRequest {
                    name: "Before restore".into(),
                    description: format!("Save replaced when it was {}", kind.describe()),
                    kind: SnapshotKind::PreRestore,
                    context: serde_json::Value::Null,
                };
                outcome.safety_snapshot = Some(self.snapshot_locked(slot, &request)?.id);
            }
            Err(Error::NotFound { .. }) => {}
            Err(Error::Corrupt { .. }) => outcome.quarantined = Some(self.quarantine(&primary)?),
            Err(e) => return Err(e),
        }
        if kind == RecoverySource::InterruptedWrite {
            self.storage
                .rename(source, &primary)
                .map_err(|e| Error::io("rename into place", &primary, e))?;
            self.sync_dir(self.layout.root())?;
        } else {
            let meta_json = serde_json::to_vec(&meta)?;
            let (prefix, body) = self.encode_record(&meta_json, record.payload())?;
            self.commit(&primary, &[&prefix, &body])?;
        }
        self.forget(slot);
        Ok(outcome)
    }

    /// Moves a file into `quarantine/` under a unique, timestamped name.
    pub(crate) fn quarantine(&self, path: &Path) -> Result<PathBuf> {
        let dir = self.layout.quarantine_dir();
        self.storage
            .create_dir_all(&dir)
            .map_err(|e| Error::io("create", &dir, e))?;
        let stem = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file")
            .to_owned();
        let stamp = self.clock.now().format("%Y%m%dT%H%M%S%3fZ");
        let mut target = dir.join(format!("{stem}.{stamp}"));
        let mut n = 1;
        while self.exists(&target)? {
            target = dir.join(format!("{stem}.{stamp}.{n}"));
            n += 1;
        }
        self.storage
            .rename(path, &target)
            .map_err(|e| Error::io("quarantine", path, e))?;
        self.sync_dir(&dir)?;
        self.sync_dir(path.parent().unwrap_or(self.layout.root()))?;
        Ok(target)
    }

    /// Settles one leftover `.tmp` in the root: promotes a complete write
    /// whose primary is gone, otherwise removes it. Callers hold the write lock.
    fn settle_temp(&self, name: &str) -> Result<Option<StartupAction>> {
        let temp = self.layout.root().join(name);
        let target_name = name.strip_suffix(TEMP_SUFFIX).unwrap_or(name);
        if let Some(FileRole::Primary(slot)) = Layout::role_of(target_name) {
            if slot < self.options.slot_count {
                let primary = self.layout.primary(slot);
                match self.read_record(&primary) {
                    Ok(_) => {}
                    Err(Error::Corrupt {
                        reason: FormatError::UnsupportedVersion { .. },
                        ..
                    }) => {}
                    // A primary no key opens: the temp may be the newest
                    // save under that key. Leave both as they are.
                    Err(Error::Authentication { .. }) => return Ok(None),
                    Err(_) => return self.settle_orphaned_slot(slot, &temp, &primary),
                }
            }
        }
        self.storage
            .remove(&temp)
            .map_err(|e| Error::io("remove", &temp, e))?;
        Ok(Some(StartupAction::DiscardedTemp { path: temp }))
    }

    fn settle_orphaned_slot(
        &self,
        slot: u32,
        temp: &Path,
        primary: &Path,
    ) -> Result<Option<StartupAction>> {
        let temp_record = self.read_record(temp);
        if matches!(temp_record, Err(Error::Authentication { .. })) {
            return Ok(None);
        }
        if temp_record.is_ok() {
            if self.exists(primary)? {
                self.quarantine(primary)?;
            }
            self.storage
                .rename(temp, primary)
                .map_err(|e| Error::io("rename into place", primary, e))?;
            self.forget(slot);
            return Ok(Some(StartupAction::PromotedInterruptedWrite { slot }));
        }
        self.storage
            .remove(temp)
            .map_err(|e| Error::io("remove", temp, e))?;
        // The interrupted save may have moved the primary to level 0 already,
        // or an interrupted repair may have quarantined it. Choose as repair
        // does (newest valid copy), so that a crash in the middle of a repair
        // does not end with a different copy than the repair would have.
        if let Some(best) = self.best_candidate(slot)? {
            self.restore_from(slot, &best.path, best.source.clone())?;
            return Ok(Some(match best.source {
                RecoverySource::Snapshot(id) => StartupAction::RestoredFromSnapshot { slot, id },
                RecoverySource::Backup(level) => StartupAction::RestoredFromBackup { slot, level },
                // The temporary file was removed above, so no candidate can
                // be an interrupted write; report it as a backup restore
                // rather than panic.
                RecoverySource::InterruptedWrite | RecoverySource::AlreadyHealthy => {
                    StartupAction::PromotedInterruptedWrite { slot }
                }
            }));
        }
        Ok(Some(StartupAction::DiscardedTemp {
            path: temp.to_path_buf(),
        }))
    }

    /// An authentication error for the first copy of `slot` that no
    /// configured key opens, if any.
    pub(crate) fn locked_copy(&self, slot: u32) -> Result<Option<Error>> {
        let mut paths: Vec<PathBuf> = (0..self.options.backup_levels)
            .map(|level| self.layout.backup(slot, level))
            .collect();
        paths.extend(self.list_snapshots(slot)?.into_iter().map(|c| c.path));
        for path in paths {
            if let Err(e @ Error::Authentication { .. }) = self.read_record(&path) {
                return Ok(Some(e));
            }
        }
        Ok(None)
    }

    pub(crate) fn recover_interrupted_writes(&self) -> Result<Vec<StartupAction>> {
        let _guard = self.lock_writes();
        let root = self.layout.root();
        let names = self
            .storage
            .list(root)
            .map_err(|e| Error::io("list", root, e))?;
        let mut actions = Vec::new();
        for name in names.iter().filter(|n| n.ends_with(TEMP_SUFFIX)) {
            actions.extend(self.settle_temp(name)?);
        }
        if !actions.is_empty() {
            self.sync_dir(root)?;
        }
        Ok(actions)
    }

    /// Removes leftovers of interrupted writes, quarantines corrupt backups and
    /// snapshots, and removes backups beyond the configured number of levels.
    /// Files written by a newer version are left alone.
    pub fn cleanup(&self) -> Result<CleanupReport> {
        self.timed(OpKind::Cleanup, || {
            self.writable()?;
            let _guard = self.lock_writes();
            let mut report = CleanupReport::default();
            let root = self.layout.root().to_path_buf();
            let names = self
                .storage
                .list(&root)
                .map_err(|e| Error::io("list", &root, e))?;
            for name in &names {
                match Layout::role_of(name) {
                    Some(FileRole::Temp) => match self.settle_temp(name)? {
                        Some(StartupAction::PromotedInterruptedWrite { slot }) => {
                            report.promoted.push(slot)
                        }
                        Some(StartupAction::DiscardedTemp { path }) => {
                            report.removed_temp.push(path)
                        }
                        _ => {}
                    },
                    Some(FileRole::Backup(slot, level)) => {
                        let path = root.join(name);
                        if slot >= self.options.slot_count {
                            continue;
                        }
                        if level >= self.options.backup_levels {
                            self.storage
                                .remove(&path)
                                .map_err(|e| Error::io("remove", &path, e))?;
                            report.removed_extra_backups.push(path);
                        } else if self.is_plainly_corrupt(&path) {
                            report.quarantined.push(self.quarantine(&path)?);
                        }
                    }
                    _ => {}
                }
            }
            for slot in self.used_slots()? {
                let dir = self.layout.snapshot_dir(slot);
                if !self.exists(&dir)? {
                    continue;
                }
                for name in self
                    .storage
                    .list(&dir)
                    .map_err(|e| Error::io("list", &dir, e))?
                {
                    let path = dir.join(&name);
                    if name.ends_with(TEMP_SUFFIX) {
                        self.storage
                            .remove(&path)
                            .map_err(|e| Error::io("remove", &path, e))?;
                        report.removed_temp.push(path);
                    } else if Layout::snapshot_id_of(&name).is_some()
                        && self.is_plainly_corrupt(&path)
                    {
                        report.quarantined.push(self.quarantine(&path)?);
                    }
                }
                self.sync_dir(&dir)?;
            }
            self.sync_dir(&root)?;
            Ok((0, report))
        })
    }

    /// Corrupt, and not merely written by a newer version.
    fn is_plainly_corrupt(&self, path: &Path) -> bool {
        matches!(
            self.read_record(path),
            Err(Error::Corrupt { reason, .. }) if !matches!(reason, FormatError::UnsupportedVersion { .. })
        )
    }
}
