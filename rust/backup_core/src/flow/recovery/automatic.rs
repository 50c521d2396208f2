//! Automatic recovery: the strategies of the module docs, tried in order.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::record::layout::Layout;
use crate::store::RecoverySource;
use crate::store::SlotStore;

/// What automatic recovery did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryAttempt {
    /// Whether the slot now holds a valid save.
    pub success: bool,
    /// `already_healthy`, `rolling_backup`, `older_rolling_backup`, `snapshot`
    /// or `interrupted_write` (empty on failure).
    pub recovery_method: String,
    /// Why it failed (empty on success).
    pub error_message: String,
    /// The slot.
    pub save_slot: i64,
    /// Level restored from, for rolling backups.
    pub backup_level: Option<u32>,
    /// Snapshot restored from, for snapshots.
    pub snapshot_id: Option<String>,
    /// File name in quarantine of the damaged primary, if it was moved.
    pub quarantined_file: Option<String>,
    /// Strategies tried and why each failed, in order.
    pub attempts: Vec<String>,
}

/// Restores a slot whose primary is missing or damaged (strategies in the
/// module docs). When every strategy fails the attempt says so in
/// `error_message`; `Err` is kept for a read-only store, a primary written by
/// a newer version (never overwritten) and I/O errors.
pub fn attempt_automatic_recovery(store: &SlotStore, slot: u32) -> Result<RecoveryAttempt> {
    store.writable()?;
    let mut attempt = RecoveryAttempt {
        success: false,
        recovery_method: String::new(),
        error_message: String::new(),
        save_slot: slot.into(),
        backup_level: None,
        snapshot_id: None,
        quarantined_file: None,
        attempts: Vec::new(),
    };
    let _guard = store.lock_writes();
    let primary = store.layout().primary(slot);
    if !store.primary_needs_repair(slot)? {
        attempt.success = true;
        attempt.recovery_method = "already_healthy".into();
        return Ok(attempt);
    }
    for candidate in store.recovery_candidates(slot)? {
        let method = match &candidate.source {
            RecoverySource::Backup(0) => "rolling_backup",
            RecoverySource::Backup(_) => "older_rolling_backup",
            RecoverySource::Snapshot(_) => "snapshot",
            RecoverySource::InterruptedWrite => "interrupted_write",
            RecoverySource::AlreadyHealthy => continue,
        };
        match store.restore_from(slot, &candidate.path, candidate.source.clone()) {
            Ok(outcome) => {
                attempt.success = true;
                attempt.recovery_method = method.into();
                match candidate.source {
                    RecoverySource::Backup(level) => attempt.backup_level = Some(level),
                    RecoverySource::Snapshot(id) => attempt.snapshot_id = Some(id),
                    _ => {}
                }
                attempt.quarantined_file = outcome
                    .quarantined
                    .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()));
                return Ok(attempt);
            }
            Err(e) => attempt
                .attempts
                .push(format!("{} failed: {e}", candidate.source.describe())),
        }
    }
    let temp = Layout::temp_for(&primary);
    if store.exists(&temp)? {
        attempt
            .attempts
            .push("the interrupted save is incomplete".into());
    }
    attempt.error_message = Error::NoValidCopy { slot }.to_string();
    if !attempt.attempts.is_empty() {
        attempt.error_message = format!(
            "{} ({})",
            attempt.error_message,
            attempt.attempts.join("; ")
        );
    }
    Ok(attempt)
}
