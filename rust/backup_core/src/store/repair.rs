//! Putting a slot back together: manual backups, restore from any level,
//! repair (newest valid copy wins), quarantine, start-up recovery, cleanup.
//! Nothing here deletes a file that could be the only copy of a save: corrupt
//! files are moved to `quarantine/`, and the current save is kept as a
//! snapshot before a restore overwrites it.

use std::path::{Path, PathBuf};

use super::slot_store::{lock, SlotStore};
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
            if let Some(newer) = self.newer_format_copy(slot)? {
                // The newest copy is from a newer game: an older one must not
                // take its place (the newer game can repair it).
                return Err(Error::Corrupt {
                    reason: self
                        .read_record(&newer)
                        .err()
                        .and_then(|e| match e {
                            Error::Corrupt { reason, .. } => Some(reason),
                            _ => None,
                        })
                        .unwrap_or(FormatError::BadMagic),
                    path: newer,
                });
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
            // The player's save from a newer game: never replaced by this build.
            Err(
                e @ Error::Corrupt {
                    reason: FormatError::UnsupportedVersion { .. },
                    ..
                },
            ) => return Err(e),
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

    /// Settles one leftover temporary file of the store (`slot_<n>.sav.tmp`
    /// or `slot_<n>.sav.bak<k>.tmp`, any slot number): never deletes a
    /// complete record, never replaces a newer-format file with an older
    /// one, and reports what it did. Callers hold the write lock.
    fn settle_temp(&self, name: &str) -> Result<Vec<StartupAction>> {
        let Some((role, target_name)) = Layout::temp_target(name) else {
            return Ok(Vec::new());
        };
        let root = self.layout.root();
        let temp = root.join(name);
        let target = root.join(target_name);
        let mut actions = self.settle_pair(&temp, &target)?;
        if let FileRole::Primary(slot) = role {
            let promoted = actions
                .iter()
                .any(|a| matches!(a, StartupAction::FinishedInterruptedWrite { .. }));
            for action in &mut actions {
                if let StartupAction::FinishedInterruptedWrite { .. } = action {
                    *action = StartupAction::PromotedInterruptedWrite { slot };
                    self.forget(slot);
                }
            }
            let temp_gone = !self.exists(&temp)?;
            if !promoted && temp_gone {
                actions.extend(self.settle_orphaned_slot(slot)?);
            }
        }
        Ok(actions)
    }

    /// Settles `temp`, an interrupted write meant to become `target`.
    pub(crate) fn settle_pair(&self, temp: &Path, target: &Path) -> Result<Vec<StartupAction>> {
        let left = |reason: String| {
            Ok(vec![StartupAction::LeftAlone {
                path: temp.to_path_buf(),
                reason,
            }])
        };
        if self.storage.is_link(temp).unwrap_or(true) {
            return left("it is a symbolic link, not a file the store wrote".into());
        }
        match self.read_record(temp) {
            // Complete: valid, or written by a newer version.
            Ok(_)
            | Err(Error::Corrupt {
                reason: FormatError::UnsupportedVersion { .. },
                ..
            }) => {}
            Err(Error::NotFound { .. }) => return Ok(Vec::new()),
            Err(Error::Corrupt {
                reason: FormatError::BadMagic,
                ..
            }) => {
                // Not one of our records at all, only our name: kept.
                let moved_to = self.quarantine(temp)?;
                return Ok(vec![StartupAction::QuarantinedTemp {
                    path: temp.to_path_buf(),
                    moved_to,
                }]);
            }
            Err(Error::Corrupt { reason, .. }) => {
                // Starts like our record but is torn: what a crash leaves of
                // a write that was never acknowledged.
                self.storage
                    .remove(temp)
                    .map_err(|e| Error::io("remove", temp, e))?;
                return Ok(vec![StartupAction::DiscardedTemp {
                    path: temp.to_path_buf(),
                    reason: format!("incomplete: {reason}"),
                }]);
            }
            Err(Error::Io { source, .. }) => return left(source.to_string()),
            Err(e) => return left(e.to_string()),
        }
        let mut actions = Vec::new();
        match self.read_record(target) {
            Err(Error::NotFound { .. }) => {}
            Err(Error::Corrupt { reason, .. })
                if !matches!(reason, FormatError::UnsupportedVersion { .. }) =>
            {
                let moved_to = self.quarantine(target)?;
                actions.push(StartupAction::QuarantinedDamaged {
                    path: target.to_path_buf(),
                    moved_to,
                });
            }
            Ok(_) | Err(Error::Corrupt { .. }) => {
                // The file it was meant to replace is complete (or written by
                // a newer version): the interrupted write was never
                // acknowledged. Identical: a spare copy; otherwise keep it.
                let limit = self.options.max_payload_bytes.saturating_add(1 << 20);
                let same = match (
                    self.storage.read_limited(temp, limit),
                    self.storage.read_limited(target, limit),
                ) {
                    (Ok(Some((_, Some(a)))), Ok(Some((_, Some(b))))) => a == b,
                    _ => false,
                };
                if same {
                    self.storage
                        .remove(temp)
                        .map_err(|e| Error::io("remove", temp, e))?;
                    actions.push(StartupAction::DiscardedTemp {
                        path: temp.to_path_buf(),
                        reason: format!("identical to {}", target.display()),
                    });
                } else {
                    let moved_to = self.quarantine(temp)?;
                    actions.push(StartupAction::QuarantinedTemp {
                        path: temp.to_path_buf(),
                        moved_to,
                    });
                }
                return Ok(actions);
            }
            Err(e) => {
                return left(format!("{} cannot be checked: {e}", target.display()));
            }
        }
        self.storage
            .rename(temp, target)
            .map_err(|e| Error::io("rename into place", target, e))?;
        actions.push(StartupAction::FinishedInterruptedWrite {
            path: target.to_path_buf(),
        });
        Ok(actions)
    }

    /// After an interrupted save or repair of `slot` whose own write was
    /// lost: when the primary is missing or damaged, puts back the copy
    /// repair would choose, unless a copy of the slot was written by a newer
    /// version (an older copy never replaces a newer-format one).
    fn settle_orphaned_slot(&self, slot: u32) -> Result<Vec<StartupAction>> {
        let primary = self.layout.primary(slot);
        match self.read_record(&primary) {
            Ok(_)
            | Err(Error::Corrupt {
                reason: FormatError::UnsupportedVersion { .. },
                ..
            }) => return Ok(Vec::new()),
            Err(Error::Corrupt { .. } | Error::NotFound { .. }) => {}
            Err(e) => {
                return Ok(vec![StartupAction::LeftAlone {
                    path: primary,
                    reason: e.to_string(),
                }])
            }
        }
        if let Some(newer) = self.newer_format_copy(slot)? {
            return Ok(vec![StartupAction::LeftAlone {
                path: primary,
                reason: format!(
                    "{} was written by a newer version; an older copy is not put in its place",
                    newer.display()
                ),
            }]);
        }
        // The interrupted save may have moved the primary to level 0 already,
        // or an interrupted repair may have quarantined it. Choose as repair
        // does (newest valid copy), so that a crash in the middle of a repair
        // does not end with a different copy than the repair would have.
        let Some(best) = self.best_candidate(slot)? else {
            return Ok(Vec::new());
        };
        let outcome = self.restore_from(slot, &best.path, best.source.clone())?;
        let mut actions = Vec::new();
        if let Some(moved_to) = outcome.quarantined {
            actions.push(StartupAction::QuarantinedDamaged {
                path: primary,
                moved_to,
            });
        }
        actions.push(match best.source {
            RecoverySource::Snapshot(id) => StartupAction::RestoredFromSnapshot { slot, id },
            RecoverySource::Backup(level) => StartupAction::RestoredFromBackup { slot, level },
            RecoverySource::InterruptedWrite | RecoverySource::AlreadyHealthy => {
                StartupAction::PromotedInterruptedWrite { slot }
            }
        });
        Ok(actions)
    }

    /// The newest copy of `slot` other than its primary (backup level 0 or
    /// the interrupted write), when it was written by a newer format version.
    pub(crate) fn newer_format_copy(&self, slot: u32) -> Result<Option<PathBuf>> {
        // The newest copies only: backup level 0 (the save before the lost
        // primary) and the interrupted write. A newer-format file deeper in
        // the backups or among the snapshots is older than a current-format
        // level 0 (the player went back to this build and saved again).
        let paths = [
            self.layout.backup(slot, 0),
            Layout::temp_for(&self.layout.primary(slot)),
        ];
        Ok(paths.into_iter().find(|path| {
            matches!(
                self.read_record(path),
                Err(Error::Corrupt {
                    reason: FormatError::UnsupportedVersion { .. },
                    ..
                })
            )
        }))
    }

    /// The interrupted writes start-up recovery would settle when the root
    /// is next opened as writer (works on a read-only store, changes
    /// nothing): tools show them before asking to go ahead.
    pub fn pending_recovery(&self) -> Result<Vec<PathBuf>> {
        let root = self.layout.root();
        let names = self
            .storage
            .list(root)
            .map_err(|e| Error::io("list", root, e))?;
        Ok(names
            .iter()
            .filter(|n| Layout::temp_target(n).is_some())
            .map(|n| root.join(n))
            .collect())
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
        for name in names.iter().filter(|n| Layout::temp_target(n).is_some()) {
            // One file that cannot be settled (a link where quarantine/
            // belongs, a read-only file) is reported and fails no writer.
            match self.settle_temp(name) {
                Ok(done) => actions.extend(done),
                Err(e) => actions.push(StartupAction::LeftAlone {
                    path: root.join(name),
                    reason: e.to_string(),
                }),
            }
        }
        if actions.iter().any(StartupAction::changed_files) {
            self.sync_dir(root)?;
        }
        Ok(actions)
    }

    /// Removes leftovers of interrupted writes, quarantines corrupt backups and
    /// snapshots, and removes backups beyond the configured number of levels.
    /// Files written by a newer version are left alone.
    /// Then removes the oldest quarantined files beyond the configured
    /// [`QuarantineLimits`](super::types::QuarantineLimits).
    pub fn cleanup(&self) -> Result<CleanupReport> {
        self.timed(OpKind::Cleanup, || {
            self.writable()?;
            let _guard = self.lock_writes();
            *lock(&self.pruned_during_cleanup) = Some(Vec::new());
            let outcome = self.cleanup_locked();
            let pruned = lock(&self.pruned_during_cleanup).take().unwrap_or_default();
            let mut report = outcome?;
            report.pruned_quarantine = pruned;
            Ok((0, report))
        })
    }

    /// [`cleanup`](Self::cleanup) under the write lock.
    fn cleanup_locked(&self) -> Result<CleanupReport> {
        let mut report = CleanupReport::default();
        let root = self.layout.root().to_path_buf();
        let names = self
            .storage
            .list(&root)
            .map_err(|e| Error::io("list", &root, e))?;
        for name in &names {
            match Layout::role_of(name) {
                Some(FileRole::Temp) => report.record(self.settle_temp(name)?),
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
                let snapshot_temp = name
                    .strip_suffix(TEMP_SUFFIX)
                    .filter(|n| Layout::snapshot_id_of(n).is_some());
                if let Some(target) = snapshot_temp {
                    report.record(self.settle_pair(&path, &dir.join(target))?);
                } else if Layout::snapshot_id_of(&name).is_some() && self.is_plainly_corrupt(&path)
                {
                    report.quarantined.push(self.quarantine(&path)?);
                }
            }
            self.sync_dir(&dir)?;
        }
        self.sync_dir(&root)?;
        self.prune_quarantine(None)?;
        Ok(report)
    }

    /// Corrupt, and not merely written by a newer version.
    fn is_plainly_corrupt(&self, path: &Path) -> bool {
        matches!(
            self.read_record(path),
            Err(Error::Corrupt { reason, .. }) if !matches!(reason, FormatError::UnsupportedVersion { .. })
        )
    }
}
