//! The result structs of [`BackupFlow`](super::BackupFlow): their serde field
//! names are the keys of the spec's Dictionaries (extra keys are additive).

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::error::Error;
use crate::flow::health::HealthReport;
use crate::flow::triggers::{BackupOperation, BackupTrigger};
use crate::store::OpStats;

/// The operation in progress (the spec's `get_current_operation_context`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperationContext {
    /// The operation (ordinal of `BackupOperation`).
    pub operation: BackupOperation,
    /// Its snake_case name (`manual_backup`, ...), as in the spec's signals.
    pub operation_type: &'static str,
    /// When it started (Unix seconds).
    pub started_at: i64,
    /// The caller's context.
    pub context: Value,
}

/// A snapshot made or removed by a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SnapshotRef {
    /// The slot.
    pub save_slot: u32,
    /// The snapshot's id.
    pub snapshot_id: String,
}

/// A slot a run could not back up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SlotFailure {
    /// The slot.
    pub save_slot: u32,
    /// Why.
    pub error_message: String,
}

/// Result of a manual or automated backup (the spec's `bool`, with details).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupRun {
    /// Every targeted slot was snapshotted (and at least one was).
    pub success: bool,
    /// `manual_backup`, `scheduled_backup` or `event_triggered`.
    pub operation_type: &'static str,
    /// The trigger (ordinal), for automated runs.
    pub trigger: Option<BackupTrigger>,
    /// The trigger's snake_case key (`mission_complete`), or `manual`.
    pub trigger_reason: &'static str,
    /// The caller's context.
    pub context: Value,
    /// The trigger's rules said not to run now.
    pub skipped: bool,
    /// Why it was skipped (empty otherwise).
    pub skip_reason: String,
    /// Snapshots made.
    pub snapshots: Vec<SnapshotRef>,
    /// Slots that could not be backed up.
    pub failed_slots: Vec<SlotFailure>,
    /// Automated snapshots removed by retention.
    pub removed_by_retention: Vec<SnapshotRef>,
    /// What went wrong (empty on success).
    pub error_message: String,
}

impl BackupRun {
    pub(super) fn new(
        operation: BackupOperation,
        trigger: Option<BackupTrigger>,
        context: Value,
    ) -> Self {
        BackupRun {
            success: false,
            operation_type: operation.key(),
            trigger,
            trigger_reason: trigger.map_or("manual", BackupTrigger::key),
            context,
            skipped: false,
            skip_reason: String::new(),
            snapshots: Vec::new(),
            failed_slots: Vec::new(),
            removed_by_retention: Vec::new(),
            error_message: String::new(),
        }
    }

    pub(super) fn fail(mut self, error: &Error) -> Self {
        self.success = false;
        self.error_message = error.to_string();
        self
    }
}

/// Result of `export_backup`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExportResult {
    /// Whether the file was written.
    pub success: bool,
    /// The path written, as given.
    pub export_path: String,
    /// Size of the file in bytes.
    pub file_size: u64,
    /// The slot exported.
    pub save_slot: i64,
    /// Why it failed (empty on success).
    pub error_message: String,
}

/// Result of `import_backup`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportResult {
    /// Whether the slot now holds the imported save.
    pub success: bool,
    /// The slot written (-1 on failure).
    pub imported_slot: i64,
    /// Pilot callsign of the imported save.
    pub pilot_name: String,
    /// Why it was refused (empty on success).
    pub error_message: String,
    /// Whether the slot held a save before (kept as a snapshot and backup 0).
    pub replaced_existing: bool,
    /// Id of the safety snapshot of the previous save, if one was taken.
    pub safety_snapshot: Option<String>,
}

/// One slot in `get_backup_status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SlotStatus {
    /// Slot number.
    pub slot_number: u32,
    /// Pilot callsign (from the primary or the newest valid backup).
    pub pilot_callsign: String,
    /// Whether any valid backup level or snapshot exists.
    pub has_backups: bool,
    /// Valid backup levels plus snapshots.
    pub backup_count: usize,
    /// Whether the current save verifies.
    pub save_valid: bool,
    /// Snapshots of the slot.
    pub snapshot_count: usize,
    /// When the current save was written (Unix seconds, 0 if unknown).
    pub last_saved: i64,
}

/// The spec's `get_backup_status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupStatus {
    /// `enable_automated_backups`.
    pub automated_backups_enabled: bool,
    /// Last automated backup (Unix seconds, 0 if never).
    pub last_automated_backup: i64,
    /// Used slots.
    pub save_slots: Vec<SlotStatus>,
    /// `enable_event_backups`.
    pub event_backups_enabled: bool,
    /// `enable_health_monitoring`.
    pub health_monitoring_enabled: bool,
    /// Hours between scheduled backups.
    pub backup_schedule_hours: u32,
    /// When the next scheduled backup is due (Unix seconds, 0 = now).
    pub next_scheduled_backup: i64,
    /// Last health check (Unix seconds, 0 if never).
    pub last_health_check: i64,
    /// Whether an operation is running.
    pub operation_active: bool,
}

/// The schedule as the `backup_schedule_updated` signal reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScheduleConfig {
    /// `enable_automated_backups`.
    pub enable_automated_backups: bool,
    /// `backup_schedule_hours`.
    pub backup_schedule_hours: u32,
    /// `max_automated_backups`.
    pub max_automated_backups: u32,
    /// `enable_event_backups`.
    pub enable_event_backups: bool,
    /// `enable_health_monitoring`.
    pub enable_health_monitoring: bool,
    /// `health_check_interval_hours`.
    pub health_check_interval_hours: u32,
    /// When the next scheduled backup is due (Unix seconds, 0 = now).
    pub next_scheduled_backup: i64,
}

/// Counters of one operation kind, for `get_backup_performance_stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct OperationStats {
    /// Operations run.
    pub count: u64,
    /// Operations that failed.
    pub failures: u64,
    /// Bytes moved by successful ones.
    pub bytes: u64,
    /// Mean duration, microseconds.
    pub average_micros: u64,
    /// Longest duration, microseconds.
    pub max_micros: u64,
    /// Sum of durations, microseconds.
    pub total_micros: u64,
}

impl From<OpStats> for OperationStats {
    fn from(s: OpStats) -> Self {
        OperationStats {
            count: s.count,
            failures: s.failures,
            bytes: s.bytes,
            average_micros: s.average_micros(),
            max_micros: s.max_micros,
            total_micros: s.total_micros,
        }
    }
}

/// Counters of the flow itself.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FlowCounters {
    /// Manual backups that succeeded.
    pub manual_backups: u64,
    /// Automated backups that succeeded.
    pub automated_backups: u64,
    /// Triggers skipped by the schedule rules.
    pub skipped_triggers: u64,
    /// Runs that failed.
    pub failed_backups: u64,
    /// Requests refused because another operation was running.
    pub busy_rejections: u64,
    /// Health checks run.
    pub health_checks: u64,
    /// Duration of the last health check, microseconds.
    pub last_health_check_micros: u64,
    /// Automatic recoveries attempted.
    pub recoveries_attempted: u64,
    /// Automatic recoveries that left a valid save.
    pub recoveries_succeeded: u64,
    /// Exports written.
    pub exports: u64,
    /// Imports written.
    pub imports: u64,
    /// Imports refused.
    pub imports_rejected: u64,
    /// Failures to persist the schedule state.
    pub state_write_failures: u64,
}

/// The spec's `get_backup_performance_stats`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PerformanceStats {
    /// Store operations by kind (`save`, `snapshot`, `health_check`, ...).
    pub operations: BTreeMap<&'static str, OperationStats>,
    /// Totals over all kinds.
    pub total: OperationStats,
    /// The flow's own counters.
    pub flow: FlowCounters,
}

/// What `run_due_tasks` did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DueTasks {
    /// The scheduled backup, if it was due.
    pub scheduled_backup: Option<BackupRun>,
    /// The health report, if a check was due.
    pub health_report: Option<HealthReport>,
    /// Why a due health check failed (empty otherwise).
    pub health_error: String,
}
