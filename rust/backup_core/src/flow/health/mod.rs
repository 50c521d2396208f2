//! Health checks: every save file of the root verified and classified, the
//! spec's report, recommendations a player can act on, and a trend against
//! the previous check.
//!
//! # What is checked
//! Every file that holds a copy of a slot: the primary, each rolling backup
//! and each snapshot. `total_backups` counts all of them, so that the sum of
//! the per-slot `backup_count`s equals the total. Interrupted writes (`.tmp`)
//! are not counted: they are either a save in progress or settled at start-up.
//! The quarantine folder is not counted either (those files are set aside).
//!
//! # File verdicts
//! * **corrupted**: the file fails verification (bad magic, truncated,
//!   checksum mismatch, unreadable metadata) or cannot be read at all.
//! * **suspicious**: the file verifies but something about it is off:
//!   - it was written by a *newer* format version (intact, but this game cannot
//!     load it);
//!   - it is in an *older* format version (it will be upgraded on the next save);
//!   - its timestamp lies more than 5 minutes in the future (clock trouble);
//!   - its payload is empty, or less than a quarter of the median payload of
//!     the slot's valid copies when that median is at least 1 KiB (a truncated
//!     game state written with a valid checksum);
//!   - it names a different pilot than the slot's primary (a copied file);
//!   - a rolling backup is newer than the level before it or the primary.
//! * **healthy**: everything else.
//!
//! Stale backups are reported as a recommendation, not as a file verdict (an
//! old snapshot is intact): when a slot's current save is more than 7 days
//! newer than its newest snapshot, the player is told to make a fresh one.
//!
//! # Overall health (first rule that matches)
//! * **critical**: a used slot has no loadable copy at all, or more than half
//!   of all files are corrupted.
//! * **poor**: a slot's primary cannot be loaded (missing, corrupted, or newer
//!   format) but a valid copy exists, or at least a quarter of all files are
//!   corrupted.
//! * **warning**: any corrupted or suspicious file.
//! * **good**: every file healthy, but some slot has no valid rolling backup or
//!   no snapshot (one more failure away from trouble), or there are no saves yet.
//! * **excellent**: every file healthy and every slot has a valid rolling
//!   backup and a valid snapshot.
//!
//! # Trend
//! Against the previous report: a better level is *improving*, a worse one
//! *degrading*; at the same level a lower share of corrupted plus suspicious
//! files is improving, a higher share degrading; otherwise (or with no
//! history) *stable*.

mod rules;

use rules::{assess_slot, overall, recommendations};

use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::record::layout::{FileRole, Layout};
use crate::store::SlotStore;
use crate::store::{CopyRole, FileCheck};

/// The overall verdict, worst first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthLevel {
    /// Data is at risk right now.
    Critical,
    /// A save cannot be loaded but can be recovered.
    Poor,
    /// Some files need attention.
    Warning,
    /// Everything verifies; redundancy could be better.
    Good,
    /// Everything verifies and every slot has backups and snapshots.
    Excellent,
}

impl HealthLevel {
    /// The spec's string (`critical` .. `excellent`).
    pub fn as_str(self) -> &'static str {
        match self {
            HealthLevel::Critical => "critical",
            HealthLevel::Poor => "poor",
            HealthLevel::Warning => "warning",
            HealthLevel::Good => "good",
            HealthLevel::Excellent => "excellent",
        }
    }
}

/// How health moved since the previous check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HealthTrend {
    /// Better than last time.
    Improving,
    /// Same as last time (or no history yet).
    Stable,
    /// Worse than last time.
    Degrading,
}

/// The verdict on one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FileHealthStatus {
    /// Verifies and nothing is off.
    Healthy,
    /// Fails verification or cannot be read.
    Corrupted,
    /// Verifies but something is off (see `issues`).
    Suspicious,
}

/// One file in the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FileHealth {
    /// File name (relative to its folder; never a full path from the disk).
    pub file: String,
    /// `primary`, `backup` or `snapshot`.
    pub kind: &'static str,
    /// Rolling backup level, for backups.
    pub backup_level: Option<u32>,
    /// Snapshot id, for snapshots.
    pub snapshot_id: Option<String>,
    /// Size on disk in bytes.
    pub size: u64,
    /// When the copy was written (Unix seconds), if known.
    pub written_at: Option<i64>,
    /// The verdict.
    pub status: FileHealthStatus,
    /// What is wrong or odd, one sentence each.
    pub issues: Vec<String>,
}

/// The spec's per-slot details.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotHealth {
    /// Save slot number.
    pub save_slot: u32,
    /// Files holding a copy of this slot.
    pub backup_count: usize,
    /// Healthy files.
    pub healthy_count: usize,
    /// Corrupted files.
    pub corrupted_count: usize,
    /// Suspicious files.
    pub suspicious_count: usize,
    /// One entry per file.
    pub backup_details: Vec<FileHealth>,
}

/// The spec's health report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthReport {
    /// Unix timestamp of the check.
    pub check_time: i64,
    /// Files found.
    pub total_backups: usize,
    /// Healthy files.
    pub healthy_backups: usize,
    /// Corrupted files.
    pub corrupted_backups: usize,
    /// Suspicious files.
    pub suspicious_backups: usize,
    /// Per-slot details.
    pub backup_details: Vec<SlotHealth>,
    /// What the player can do, most urgent first.
    pub recommendations: Vec<String>,
    /// `critical`, `poor`, `warning`, `good` or `excellent`.
    pub overall_health: HealthLevel,
    /// Movement since the previous check (not in the spec; additive).
    pub trend: HealthTrend,
}

impl HealthReport {
    /// The summary kept in the history.
    pub fn summary(&self) -> HealthSummary {
        HealthSummary {
            check_time: self.check_time,
            total_backups: self.total_backups,
            healthy_backups: self.healthy_backups,
            corrupted_backups: self.corrupted_backups,
            suspicious_backups: self.suspicious_backups,
            overall_health: self.overall_health,
        }
    }
}

/// One past report, as kept in the persisted history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HealthSummary {
    /// Unix timestamp of the check.
    pub check_time: i64,
    /// Files found.
    pub total_backups: usize,
    /// Healthy files.
    pub healthy_backups: usize,
    /// Corrupted files.
    pub corrupted_backups: usize,
    /// Suspicious files.
    pub suspicious_backups: usize,
    /// The overall verdict.
    pub overall_health: HealthLevel,
}

impl HealthSummary {
    fn problem_share(&self) -> f64 {
        if self.total_backups == 0 {
            return 0.0;
        }
        (self.corrupted_backups + self.suspicious_backups) as f64 / self.total_backups as f64
    }
}

/// The trend from `previous` to `current`.
pub fn trend(previous: Option<&HealthSummary>, current: &HealthSummary) -> HealthTrend {
    let Some(previous) = previous else {
        return HealthTrend::Stable;
    };
    match current.overall_health.cmp(&previous.overall_health) {
        std::cmp::Ordering::Greater => HealthTrend::Improving,
        std::cmp::Ordering::Less => HealthTrend::Degrading,
        std::cmp::Ordering::Equal => {
            let (now, before) = (current.problem_share(), previous.problem_share());
            if now < before - 1e-9 {
                HealthTrend::Improving
            } else if now > before + 1e-9 {
                HealthTrend::Degrading
            } else {
                HealthTrend::Stable
            }
        }
    }
}

/// A file to check, found by listing the root.
struct Pending {
    slot: u32,
    path: PathBuf,
    role: CopyRole,
}

/// Checks every file of the root. `progress` is called with (files done,
/// files total) after each file, starting with (0, total).
pub fn check_health(
    store: &SlotStore,
    now: DateTime<Utc>,
    previous: Option<&HealthSummary>,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<HealthReport> {
    let slots = store.used_slots()?;
    let pending = list_files(store, &slots)?;
    let total = pending.len();
    progress(0, total);
    let mut checks: Vec<(u32, FileCheck)> = Vec::with_capacity(total);
    for (i, file) in pending.into_iter().enumerate() {
        checks.push((file.slot, store.check_file(file.path, file.role)));
        progress(i + 1, total);
    }
    let mut report = HealthReport {
        check_time: now.timestamp(),
        total_backups: 0,
        healthy_backups: 0,
        corrupted_backups: 0,
        suspicious_backups: 0,
        backup_details: Vec::new(),
        recommendations: Vec::new(),
        overall_health: HealthLevel::Good,
        trend: HealthTrend::Stable,
    };
    let mut facts = Vec::new();
    for slot in slots {
        let files: Vec<&FileCheck> = checks
            .iter()
            .filter(|(s, _)| *s == slot)
            .map(|(_, c)| c)
            .collect();
        let (details, slot_facts) = assess_slot(slot, &files, now);
        report.total_backups += details.backup_count;
        report.healthy_backups += details.healthy_count;
        report.corrupted_backups += details.corrupted_count;
        report.suspicious_backups += details.suspicious_count;
        report.backup_details.push(details);
        facts.push(slot_facts);
    }
    report.overall_health = overall(&report, &facts);
    report.recommendations = recommendations(&report, &facts);
    report.trend = trend(previous, &report.summary());
    if report.trend == HealthTrend::Degrading {
        report.recommendations.push(
            "Backup health is worse than at the previous check; run the recovery wizard for the slots listed above."
                .into(),
        );
    }
    Ok(report)
}

fn list_files(store: &SlotStore, slots: &[u32]) -> Result<Vec<Pending>> {
    let root = store.root();
    let names = store
        .storage
        .list(root)
        .map_err(|e| Error::io("list", root, e))?;
    let mut out = Vec::new();
    for &slot in slots {
        let primary = store.layout().primary(slot);
        if store.exists(&primary)? {
            out.push(Pending {
                slot,
                path: primary,
                role: CopyRole::Primary,
            });
        }
        let mut levels: Vec<u32> = names
            .iter()
            .filter_map(|n| match Layout::role_of(n) {
                Some(FileRole::Backup(s, level)) if s == slot => Some(level),
                _ => None,
            })
            .collect();
        levels.sort_unstable();
        for level in levels {
            out.push(Pending {
                slot,
                path: store.layout().backup(slot, level),
                role: CopyRole::Backup(level),
            });
        }
        for id in store.snapshot_ids(slot)? {
            out.push(Pending {
                slot,
                path: store.layout().snapshot(slot, &id),
                role: CopyRole::Snapshot(id),
            });
        }
    }
    Ok(out)
}
