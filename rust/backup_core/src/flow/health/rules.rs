//! The rules of the module docs: file verdicts, the overall level and the
//! recommendations.

use chrono::{DateTime, Duration, Utc};

use super::*;
use crate::record::envelope::CURRENT_VERSION;
use crate::store::{CopyRole, FileCheck, FileStatus};

const FUTURE_TOLERANCE_MINUTES: i64 = 5;
const SIZE_ANOMALY_MIN_MEDIAN: u64 = 1024;
const STALE_SNAPSHOT_DAYS: i64 = 7;

/// What the overall verdict and the recommendations need to know of a slot.
pub(super) struct SlotFacts {
    slot: u32,
    primary_present: bool,
    primary_loadable: bool,
    primary_newer: bool,
    /// Files no configured key opens (wrong key or modified).
    locked: usize,
    primary_locked: bool,
    valid_copies: usize,
    valid_backups: usize,
    valid_snapshots: usize,
    corrupted_backups: usize,
    older_format: usize,
    future: usize,
    other_suspicious: usize,
    newest_valid_copy: Option<DateTime<Utc>>,
    primary_written: Option<DateTime<Utc>>,
    newest_snapshot: Option<DateTime<Utc>>,
}

pub(super) fn assess_slot(
    slot: u32,
    files: &[&FileCheck],
    now: DateTime<Utc>,
) -> (SlotHealth, SlotFacts) {
    let mut lens: Vec<u64> = files
        .iter()
        .filter_map(|c| match &c.status {
            FileStatus::Valid { payload_len, .. } => Some(*payload_len),
            _ => None,
        })
        .collect();
    lens.sort_unstable();
    let median = lens.get(lens.len() / 2).copied().unwrap_or(0);
    let primary = files.iter().find(|c| c.role == CopyRole::Primary);
    let pilot = primary
        .and_then(|c| c.metadata())
        .map(|m| m.pilot_callsign.clone());
    let mut facts = SlotFacts {
        slot,
        primary_present: primary.is_some(),
        primary_loadable: primary.is_some_and(|c| c.is_valid()),
        primary_newer: false,
        locked: 0,
        primary_locked: false,
        valid_copies: 0,
        valid_backups: 0,
        valid_snapshots: 0,
        corrupted_backups: 0,
        older_format: 0,
        future: 0,
        other_suspicious: 0,
        newest_valid_copy: None,
        primary_written: primary
            .filter(|c| c.is_valid())
            .and_then(|c| c.written_at()),
        newest_snapshot: None,
    };
    let mut details = SlotHealth {
        save_slot: slot,
        backup_count: files.len(),
        healthy_count: 0,
        corrupted_count: 0,
        suspicious_count: 0,
        backup_details: Vec::with_capacity(files.len()),
    };
    // Newer-level timestamp seen so far while walking primary, bak0, bak1...
    let mut newer_time = primary.and_then(|c| c.metadata().and_then(|m| m.modified_at));
    for check in files {
        let mut issues = Vec::new();
        let mut status = FileHealthStatus::Healthy;
        match &check.status {
            FileStatus::Valid {
                version,
                payload_len,
                metadata,
                ..
            } => {
                facts.valid_copies += 1;
                match check.role {
                    CopyRole::Backup(_) => facts.valid_backups += 1,
                    CopyRole::Snapshot(_) => {
                        facts.valid_snapshots += 1;
                        facts.newest_snapshot = facts.newest_snapshot.max(check.written_at());
                    }
                    CopyRole::Primary => {}
                }
                let written = check.written_at();
                facts.newest_valid_copy = facts.newest_valid_copy.max(written);
                if *version < CURRENT_VERSION {
                    facts.older_format += 1;
                    issues.push(format!(
                        "older format version {version} (upgraded on the next save)"
                    ));
                }
                if written.is_some_and(|w| w > now + Duration::minutes(FUTURE_TOLERANCE_MINUTES)) {
                    facts.future += 1;
                    issues.push("timestamp lies in the future (check the system clock)".into());
                }
                let mut other = false;
                if *payload_len == 0 {
                    other = true;
                    issues.push("the saved game state is empty".into());
                } else if median >= SIZE_ANOMALY_MIN_MEDIAN
                    && payload_len.saturating_mul(4) < median
                {
                    other = true;
                    issues.push(format!(
                        "much smaller than the slot's other copies ({payload_len} bytes, typical {median})"
                    ));
                }
                if let Some(pilot) = &pilot {
                    if &metadata.pilot_callsign != pilot && check.role != CopyRole::Primary {
                        other = true;
                        issues.push(format!(
                            "belongs to pilot \"{}\", the slot's pilot is \"{pilot}\"",
                            metadata.pilot_callsign
                        ));
                    }
                }
                if let CopyRole::Backup(_) = check.role {
                    let own = metadata.modified_at;
                    if let (Some(own), Some(newer)) = (own, newer_time) {
                        if own > newer {
                            other = true;
                            issues.push(
                                "newer than a more recent backup level (files were copied or the clock jumped)"
                                    .into(),
                            );
                        }
                    }
                    newer_time = own.or(newer_time);
                }
                if other {
                    facts.other_suspicious += 1;
                }
                if !issues.is_empty() {
                    status = FileHealthStatus::Suspicious;
                }
            }
            FileStatus::Corrupt {
                reason,
                newer_version: true,
            } => {
                status = FileHealthStatus::Suspicious;
                issues.push(format!("written by a newer game version ({reason})"));
                if check.role == CopyRole::Primary {
                    facts.primary_newer = true;
                }
            }
            FileStatus::Corrupt { reason, .. } => {
                status = FileHealthStatus::Corrupted;
                issues.push(reason.clone());
            }
            // Not damage: a wrong key (or a deliberate edit). Reported,
            // never counted as corrupt, so nothing offers to replace it.
            FileStatus::Locked { reason, .. } => {
                status = FileHealthStatus::Suspicious;
                issues.push(format!("cannot decrypt: {reason}"));
                facts.locked += 1;
                if check.role == CopyRole::Primary {
                    facts.primary_locked = true;
                }
            }
            FileStatus::Unreadable { reason } => {
                status = FileHealthStatus::Corrupted;
                issues.push(format!("cannot be read: {reason}"));
            }
            // Removed between listing and checking (a save rotating files).
            FileStatus::Missing => {
                details.backup_count -= 1;
                continue;
            }
        }
        match status {
            FileHealthStatus::Healthy => details.healthy_count += 1,
            FileHealthStatus::Corrupted => {
                details.corrupted_count += 1;
                if check.role != CopyRole::Primary {
                    facts.corrupted_backups += 1;
                }
            }
            FileHealthStatus::Suspicious => details.suspicious_count += 1,
        }
        details
            .backup_details
            .push(file_health(check, status, issues));
    }
    (details, facts)
}

fn file_health(check: &FileCheck, status: FileHealthStatus, issues: Vec<String>) -> FileHealth {
    let (kind, backup_level, snapshot_id) = match &check.role {
        CopyRole::Primary => ("primary", None, None),
        CopyRole::Backup(level) => ("backup", Some(*level), None),
        CopyRole::Snapshot(id) => ("snapshot", None, Some(id.clone())),
    };
    FileHealth {
        file: check
            .path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        kind,
        backup_level,
        snapshot_id,
        size: check.size.unwrap_or(0),
        written_at: check.written_at().map(|t| t.timestamp()),
        status,
        issues,
    }
}

pub(super) fn overall(report: &HealthReport, facts: &[SlotFacts]) -> HealthLevel {
    let total = report.total_backups;
    let corrupted = report.corrupted_backups;
    if total == 0 {
        return HealthLevel::Good;
    }
    if facts.iter().any(|f| f.valid_copies == 0) || corrupted * 2 > total {
        return HealthLevel::Critical;
    }
    if facts.iter().any(|f| !f.primary_loadable) || corrupted * 4 >= total {
        return HealthLevel::Poor;
    }
    if corrupted > 0 || report.suspicious_backups > 0 {
        return HealthLevel::Warning;
    }
    if facts
        .iter()
        .all(|f| f.valid_backups > 0 && f.valid_snapshots > 0)
    {
        HealthLevel::Excellent
    } else {
        HealthLevel::Good
    }
}

pub(super) fn recommendations(report: &HealthReport, facts: &[SlotFacts]) -> Vec<String> {
    let mut out = Vec::new();
    if report.total_backups == 0 {
        out.push("No saves found yet: there is nothing to protect until the game saves.".into());
        return out;
    }
    for f in facts {
        let slot = f.slot;
        if f.primary_locked || (f.valid_copies == 0 && f.locked > 0) {
            out.push(format!(
                "Slot {slot}: {} file(s) cannot be decrypted (wrong key or modified files). Check the key the game uses; nothing was changed, and nothing is repaired or moved until they open.",
                f.locked
            ));
        } else if f.valid_copies == 0 {
            out.push(format!(
                "Slot {slot}: no valid copy is left. Import an exported backup if you have one; the damaged files are kept in quarantine for support."
            ));
        } else if f.primary_newer {
            out.push(format!(
                "Slot {slot}: the save was written by a newer version of the game. Update the game before loading it; do not overwrite it."
            ));
        } else if !f.primary_loadable {
            let what = if f.primary_present {
                "is corrupted"
            } else {
                "is missing"
            };
            let when = f
                .newest_valid_copy
                .map(|t| {
                    format!(
                        " (newest valid copy from {})",
                        t.format("%Y-%m-%d %H:%M UTC")
                    )
                })
                .unwrap_or_default();
            out.push(format!(
                "Slot {slot}: the current save {what}. Run automatic recovery to restore the newest valid backup{when}."
            ));
        }
    }
    for f in facts {
        let slot = f.slot;
        if f.corrupted_backups > 0 {
            out.push(format!(
                "Slot {slot}: {} damaged backup file(s). Run cleanup to move them to quarantine, then create a fresh backup.",
                f.corrupted_backups
            ));
        }
        if f.future > 0 {
            out.push(format!(
                "Slot {slot}: {} file(s) are dated in the future. Check the computer's date and time.",
                f.future
            ));
        }
        if f.older_format > 0 {
            out.push(format!(
                "Slot {slot}: {} file(s) use an older save format. Load and save the slot once to upgrade it.",
                f.older_format
            ));
        }
        if f.other_suspicious > 0 {
            out.push(format!(
                "Slot {slot}: {} file(s) look unusual (see details). Check them before restoring from them.",
                f.other_suspicious
            ));
        }
        if let (Some(current), Some(snapshot)) = (f.primary_written, f.newest_snapshot) {
            let gap = current - snapshot;
            if gap > Duration::days(STALE_SNAPSHOT_DAYS) {
                out.push(format!(
                    "Slot {slot}: the newest snapshot is {} days older than the current save. Create a manual backup.",
                    gap.num_days()
                ));
            }
        }
        if f.valid_copies > 0 && f.valid_backups == 0 && f.valid_snapshots == 0 {
            out.push(format!(
                "Slot {slot}: the current save is the only copy. Create a manual backup."
            ));
        } else if f.primary_loadable && f.valid_snapshots == 0 {
            out.push(format!(
                "Slot {slot}: no snapshot beyond the rolling backups. Create a manual backup or enable automated backups."
            ));
        }
    }
    out
}
