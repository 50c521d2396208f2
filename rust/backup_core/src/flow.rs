//! [`BackupFlow`]: everything the spec's `BackupFlowCoordinator` does, as
//! plain Rust. The Godot class holds one and only translates: each method
//! returns a struct whose serde field names are the keys of the spec's
//! Dictionary (extra keys are additive).
//!
//! # What a backup snapshots
//! `create_manual_backup` and automated backups snapshot:
//! 1. the slot named by `context["save_slot"]`, if given;
//! 2. else the *active slot* the game set with [`BackupFlow::set_active_slot`]
//!    (the slot being played);
//! 3. else every used slot.
//!
//! A slot whose current save is missing or damaged cannot be snapshotted; it is
//! listed in `failed_slots` and the run reports `success == false`, so that a
//! damaged save is never hidden behind a "backup succeeded".
//!
//! Manual snapshots are never removed by retention. Automated snapshots carry
//! their trigger and context in the snapshot metadata (`context` =
//! `{"trigger": "MISSION_COMPLETE", "operation": "event_triggered",
//! "context": {...}}`) and are trimmed per slot to `max_automated_backups`
//! (plus the store's daily/weekly rules), never removing the last valid copy.
//!
//! # One operation at a time
//! Backups, recovery, export and import take the flow's operation slot; a
//! second one while the first runs fails with [`Error::Busy`] (reported as
//! `error_message`). Refusing is better than queueing here: the caller learns
//! at once, and a queued backup would snapshot a later state than the one the
//! event was about. Health checks and the read-only queries do not take the
//! slot: they never block the game.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{json, Value};

use crate::clock::Clock;
use crate::error::{Error, FormatError, Result};
use crate::health::{self, HealthReport, HealthSummary};
use crate::layout::Layout;
use crate::metadata::SnapshotKind;
use crate::recovery::{self, RecoveryAnalysis, RecoveryAttempt, RecoveryWizard};
use crate::retention::RetentionPolicy;
use crate::schedule::{self, BackupConfig, FlowState, TriggerDecision};
use crate::slot_store::{lock, SlotStore};
use crate::snapshots::SnapshotRequest;
use crate::stats::{OpKind, OpStats};
use crate::transfer;
use crate::triggers::{BackupOperation, BackupTrigger, RecoveryScenario};

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

/// Holds the flow's operation slot; dropping it frees the slot.
#[derive(Debug)]
pub struct OperationGuard<'a> {
    flow: &'a BackupFlow,
}

impl Drop for OperationGuard<'_> {
    fn drop(&mut self) {
        *lock(&self.flow.active) = None;
    }
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
    fn new(operation: BackupOperation, trigger: Option<BackupTrigger>, context: Value) -> Self {
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

    fn fail(mut self, error: &Error) -> Self {
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

/// The backup flow over one store.
#[derive(Debug)]
pub struct BackupFlow {
    store: Arc<SlotStore>,
    clock: Arc<dyn Clock>,
    config: Mutex<BackupConfig>,
    state: Mutex<FlowState>,
    active: Mutex<Option<OperationContext>>,
    active_slot: Mutex<Option<u32>>,
    counters: Mutex<FlowCounters>,
    state_warning: Option<String>,
}

impl BackupFlow {
    /// A flow over `store` (using the store's clock), loading the persisted
    /// schedule state from the save root.
    pub fn new(store: Arc<SlotStore>, config: BackupConfig) -> Result<Self> {
        config.validate()?;
        let (state, state_warning) = schedule::load_state(&store)?;
        Ok(BackupFlow {
            clock: store.clock().clone(),
            store,
            config: Mutex::new(config),
            state: Mutex::new(state),
            active: Mutex::new(None),
            active_slot: Mutex::new(None),
            counters: Mutex::new(FlowCounters::default()),
            state_warning,
        })
    }

    /// The store underneath.
    pub fn store(&self) -> &Arc<SlotStore> {
        &self.store
    }

    /// Set when the persisted state was damaged and has been reset.
    pub fn state_warning(&self) -> Option<&str> {
        self.state_warning.as_deref()
    }

    // ----- configuration -----

    /// The current configuration.
    pub fn config(&self) -> BackupConfig {
        lock(&self.config).clone()
    }

    /// Replaces the whole configuration (validated).
    pub fn set_config(&self, config: BackupConfig) -> Result<ScheduleConfig> {
        config.validate()?;
        *lock(&self.config) = config;
        Ok(self.schedule_config())
    }

    fn update(&self, f: impl FnOnce(&mut BackupConfig)) -> ScheduleConfig {
        f(&mut lock(&self.config));
        self.schedule_config()
    }

    /// Turns automated backups on or off.
    pub fn set_automated_backups_enabled(&self, enabled: bool) -> ScheduleConfig {
        self.update(|c| c.enable_automated_backups = enabled)
    }

    /// Turns event-triggered backups on or off.
    pub fn set_event_backups_enabled(&self, enabled: bool) -> ScheduleConfig {
        self.update(|c| c.enable_event_backups = enabled)
    }

    /// Turns health monitoring on or off.
    pub fn set_health_monitoring_enabled(&self, enabled: bool) -> ScheduleConfig {
        self.update(|c| c.enable_health_monitoring = enabled)
    }

    /// Sets the hours between scheduled backups (at least 1).
    pub fn set_backup_schedule_hours(&self, hours: i64) -> Result<ScheduleConfig> {
        let hours = schedule::positive_setting("backup_schedule_hours", hours)?;
        Ok(self.update(|c| c.backup_schedule_hours = hours))
    }

    /// Sets how many automated snapshots are kept per slot (at least 1).
    pub fn set_max_automated_backups(&self, count: i64) -> Result<ScheduleConfig> {
        let count = schedule::positive_setting("max_automated_backups", count)?;
        Ok(self.update(|c| c.max_automated_backups = count))
    }

    /// Sets the hours between health checks (at least 1).
    pub fn set_health_check_interval_hours(&self, hours: i64) -> Result<ScheduleConfig> {
        let hours = schedule::positive_setting("health_check_interval_hours", hours)?;
        Ok(self.update(|c| c.health_check_interval_hours = hours))
    }

    /// The schedule, for the `backup_schedule_updated` signal.
    pub fn schedule_config(&self) -> ScheduleConfig {
        let c = self.config();
        let next = schedule::next_scheduled_backup(&c, &lock(&self.state));
        ScheduleConfig {
            enable_automated_backups: c.enable_automated_backups,
            backup_schedule_hours: c.backup_schedule_hours,
            max_automated_backups: c.max_automated_backups,
            enable_event_backups: c.enable_event_backups,
            enable_health_monitoring: c.enable_health_monitoring,
            health_check_interval_hours: c.health_check_interval_hours,
            next_scheduled_backup: unix_or_zero(next),
        }
    }

    /// Sets the slot being played (`None`: back up every used slot).
    pub fn set_active_slot(&self, slot: Option<i64>) -> Result<()> {
        let slot = slot.map(|s| self.store.check_slot(s)).transpose()?;
        *lock(&self.active_slot) = slot;
        Ok(())
    }

    /// The slot being played, if the game set one.
    pub fn active_slot(&self) -> Option<u32> {
        *lock(&self.active_slot)
    }

    // ----- operation slot -----

    /// Takes the operation slot, or fails with [`Error::Busy`].
    pub fn begin_operation(
        &self,
        operation: BackupOperation,
        context: Value,
    ) -> Result<OperationGuard<'_>> {
        let mut active = lock(&self.active);
        if let Some(running) = active.as_ref() {
            lock(&self.counters).busy_rejections += 1;
            return Err(Error::Busy(format!(
                "{} is running (started at {}); {} was refused",
                running.operation_type,
                running.started_at,
                operation.key()
            )));
        }
        *active = Some(OperationContext {
            operation,
            operation_type: operation.key(),
            started_at: self.clock.now().timestamp(),
            context,
        });
        Ok(OperationGuard { flow: self })
    }

    /// Whether an operation is running.
    pub fn is_backup_operation_active(&self) -> bool {
        lock(&self.active).is_some()
    }

    /// The running operation, if any.
    pub fn current_operation_context(&self) -> Option<OperationContext> {
        lock(&self.active).clone()
    }

    // ----- backups -----

    /// The schedule's verdict on `trigger` now.
    pub fn evaluate_trigger(&self, trigger: BackupTrigger) -> TriggerDecision {
        let now = self.clock.now();
        let config = lock(&self.config);
        let state = lock(&self.state);
        schedule::evaluate_trigger(&config, &state, trigger, now)
    }

    /// Snapshots the target slots as a manual (never auto-removed) backup.
    pub fn create_manual_backup(&self, name: &str, description: &str) -> BackupRun {
        self.manual(name, description, Value::Null, None)
    }

    fn manual(
        &self,
        name: &str,
        description: &str,
        context: Value,
        trigger: Option<BackupTrigger>,
    ) -> BackupRun {
        let op = BackupOperation::ManualBackup;
        let run = BackupRun::new(op, trigger, context.clone());
        let name = if name.trim().is_empty() {
            "Manual backup"
        } else {
            name
        };
        let request = SnapshotRequest {
            name: name.to_owned(),
            description: description.to_owned(),
            kind: SnapshotKind::Manual,
            context: context.clone(),
        };
        let run = self.run_backup(op, run, &request, None);
        let mut counters = lock(&self.counters);
        if run.success {
            counters.manual_backups += 1;
        } else {
            counters.failed_backups += 1;
        }
        run
    }

    /// Runs an automated backup for `trigger` if the schedule rules allow it.
    /// `MANUAL` makes a manual snapshot named by `context["backup_name"]`.
    pub fn trigger_automated_backup(&self, trigger: BackupTrigger, context: Value) -> BackupRun {
        let now = self.clock.now();
        if let TriggerDecision::Skip(reason) = self.evaluate_trigger(trigger) {
            lock(&self.counters).skipped_triggers += 1;
            let mut run = BackupRun::new(trigger.operation(), Some(trigger), context);
            run.skipped = true;
            run.skip_reason = reason.describe();
            return run;
        }
        if trigger == BackupTrigger::Manual {
            let text = |k: &str| {
                context
                    .get(k)
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .to_owned()
            };
            let (name, description) = (text("backup_name"), text("description"));
            let run = self.manual(&name, &description, context, Some(trigger));
            if run.success {
                self.record_trigger(trigger, now);
            }
            return run;
        }
        let op = trigger.operation();
        let run = BackupRun::new(op, Some(trigger), context.clone());
        let request = SnapshotRequest {
            name: format!("Automatic: {}", trigger.key().replace('_', " ")),
            description: String::new(),
            kind: SnapshotKind::Automated(trigger.key().to_owned()),
            context: json!({
                "trigger": trigger.name(),
                "operation": op.key(),
                "context": context,
            }),
        };
        let policy = RetentionPolicy {
            keep_last: self.config().max_automated_backups as usize,
            ..self.store.options().retention
        };
        let run = self.run_backup(op, run, &request, Some(policy));
        if !run.snapshots.is_empty() {
            self.record_trigger(trigger, now);
        }
        let mut counters = lock(&self.counters);
        if run.success {
            counters.automated_backups += 1;
        } else {
            counters.failed_backups += 1;
        }
        run
    }

    fn record_trigger(&self, trigger: BackupTrigger, at: DateTime<Utc>) {
        let mut state = lock(&self.state);
        state.record_run(trigger, at);
        self.persist(&state);
    }

    fn persist(&self, state: &FlowState) {
        if self.store.options().read_only {
            return;
        }
        if schedule::save_state(&self.store, state).is_err() {
            lock(&self.counters).state_write_failures += 1;
        }
    }

    fn target_slots(&self, context: &Value) -> Result<Vec<u32>> {
        match context.get("save_slot") {
            None | Some(Value::Null) => {}
            Some(v) => {
                let slot = v.as_i64().ok_or_else(|| {
                    Error::InvalidArgument(format!("context.save_slot must be an integer, got {v}"))
                })?;
                return Ok(vec![self.store.check_slot(slot)?]);
            }
        }
        if let Some(slot) = self.active_slot() {
            return Ok(vec![slot]);
        }
        let slots = self.store.used_slots()?;
        if slots.is_empty() {
            return Err(Error::InvalidArgument(
                "nothing to back up: no slot has a save yet".into(),
            ));
        }
        Ok(slots)
    }

    fn run_backup(
        &self,
        op: BackupOperation,
        mut run: BackupRun,
        request: &SnapshotRequest,
        retention: Option<RetentionPolicy>,
    ) -> BackupRun {
        let _guard = match self.begin_operation(op, run.context.clone()) {
            Ok(guard) => guard,
            Err(e) => return run.fail(&e),
        };
        if let Err(e) = self.store.writable() {
            return run.fail(&e);
        }
        let slots = match self.target_slots(&run.context) {
            Ok(slots) => slots,
            Err(e) => return run.fail(&e),
        };
        for slot in slots {
            let start = Instant::now();
            let result = {
                let _writes = self.store.lock_writes();
                self.store.snapshot_locked(slot, request).and_then(|info| {
                    let removed = match retention {
                        Some(policy) => self.retention_locked(slot, &policy)?,
                        None => Vec::new(),
                    };
                    Ok((info, removed))
                })
            };
            self.store
                .record_stat(OpKind::Snapshot, start.elapsed(), 0, result.is_ok());
            match result {
                Ok((info, removed)) => {
                    run.snapshots.push(SnapshotRef {
                        save_slot: slot,
                        snapshot_id: info.id,
                    });
                    run.removed_by_retention
                        .extend(removed.into_iter().map(|id| SnapshotRef {
                            save_slot: slot,
                            snapshot_id: id,
                        }));
                }
                Err(e) => run.failed_slots.push(SlotFailure {
                    save_slot: slot,
                    error_message: e.to_string(),
                }),
            }
        }
        run.success = !run.snapshots.is_empty() && run.failed_slots.is_empty();
        if !run.failed_slots.is_empty() {
            run.error_message = run
                .failed_slots
                .iter()
                .map(|f| format!("slot {}: {}", f.save_slot, f.error_message))
                .collect::<Vec<_>>()
                .join("; ");
        }
        run
    }

    /// Trims a slot's automated snapshots. Callers hold the store's write lock.
    fn retention_locked(&self, slot: u32, policy: &RetentionPolicy) -> Result<Vec<String>> {
        let snapshots = self.store.list_snapshots(slot)?;
        let info = self.store.slot_info(slot)?;
        let other_copies = info.primary.is_valid() || info.valid_backups() > 0;
        let doomed = policy.select_removals(&snapshots, other_copies);
        for id in &doomed {
            let path = self.store.layout().snapshot(slot, id);
            self.store
                .storage
                .remove(&path)
                .map_err(|e| Error::io("remove", &path, e))?;
        }
        if !doomed.is_empty() {
            self.store
                .sync_dir(&self.store.layout().snapshot_dir(slot))?;
        }
        Ok(doomed)
    }

    /// Runs whatever is due: the scheduled backup (when some slot has a
    /// save) and the health check. Call it from a timer; it never sleeps.
    pub fn run_due_tasks(&self) -> DueTasks {
        let mut due = DueTasks {
            scheduled_backup: None,
            health_report: None,
            health_error: String::new(),
        };
        let has_saves = self.store.used_slots().is_ok_and(|s| !s.is_empty());
        if has_saves && self.evaluate_trigger(BackupTrigger::TimerInterval) == TriggerDecision::Run
        {
            due.scheduled_backup =
                Some(self.trigger_automated_backup(BackupTrigger::TimerInterval, Value::Null));
        }
        let health_due = {
            let config = lock(&self.config);
            let state = lock(&self.state);
            schedule::health_check_due(&config, &state, self.clock.now())
        };
        if health_due {
            match self.perform_health_check() {
                Ok(report) => due.health_report = Some(report),
                Err(e) => due.health_error = e.to_string(),
            }
        }
        due
    }

    // ----- health -----

    /// Checks every file (see [`crate::health`]) and records the result in
    /// the persisted history.
    pub fn perform_health_check(&self) -> Result<HealthReport> {
        self.perform_health_check_with_progress(&mut |_, _| {})
    }

    /// Like [`Self::perform_health_check`], calling `progress(done, total)`
    /// after each file. Safe to run on another thread (`BackupFlow` is `Sync`).
    pub fn perform_health_check_with_progress(
        &self,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<HealthReport> {
        let now = self.clock.now();
        let previous = lock(&self.state).health_history.last().cloned();
        let start = Instant::now();
        let result = health::check_health(&self.store, now, previous.as_ref(), progress);
        let elapsed = start.elapsed();
        self.store
            .record_stat(OpKind::HealthCheck, elapsed, 0, result.is_ok());
        let report = result?;
        {
            let mut counters = lock(&self.counters);
            counters.health_checks += 1;
            counters.last_health_check_micros =
                u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        }
        let mut state = lock(&self.state);
        state.push_health(report.summary(), now);
        self.persist(&state);
        Ok(report)
    }

    /// Summaries of past health checks, oldest first.
    pub fn health_history(&self) -> Vec<HealthSummary> {
        lock(&self.state).health_history.clone()
    }

    // ----- recovery -----

    /// Analyses a recovery scenario against what is on disk.
    pub fn analyze_recovery(
        &self,
        scenario: RecoveryScenario,
        context: Value,
    ) -> Result<RecoveryAnalysis> {
        recovery::analyze(&self.store, scenario, context, self.clock.now())
    }

    /// The spec's wizard for a scenario.
    pub fn start_recovery_wizard(
        &self,
        scenario: RecoveryScenario,
        context: Value,
    ) -> Result<RecoveryWizard> {
        Ok(recovery::wizard(self.analyze_recovery(scenario, context)?))
    }

    /// Restores a damaged or missing slot from its best valid copy.
    pub fn attempt_automatic_recovery(&self, save_slot: i64) -> RecoveryAttempt {
        let failed = |message: String| RecoveryAttempt {
            success: false,
            recovery_method: String::new(),
            error_message: message,
            save_slot,
            backup_level: None,
            snapshot_id: None,
            quarantined_file: None,
            attempts: Vec::new(),
        };
        lock(&self.counters).recoveries_attempted += 1;
        let slot = match self.store.check_slot(save_slot) {
            Ok(slot) => slot,
            Err(e) => return failed(e.to_string()),
        };
        let _guard = match self.begin_operation(
            BackupOperation::EmergencyBackup,
            json!({ "save_slot": save_slot, "action": "automatic_recovery" }),
        ) {
            Ok(guard) => guard,
            Err(e) => return failed(e.to_string()),
        };
        let start = Instant::now();
        let attempt = match recovery::attempt_automatic_recovery(&self.store, slot) {
            Ok(attempt) => attempt,
            Err(e) => failed(e.to_string()),
        };
        self.store
            .record_stat(OpKind::Repair, start.elapsed(), 0, attempt.success);
        if attempt.success {
            lock(&self.counters).recoveries_succeeded += 1;
        }
        attempt
    }

    // ----- export / import -----

    /// Writes the slot's current save to one portable JSON file at `path`.
    pub fn export_backup(
        &self,
        save_slot: i64,
        path: &Path,
        include_metadata: bool,
    ) -> ExportResult {
        let mut result = ExportResult {
            success: false,
            export_path: path.display().to_string(),
            file_size: 0,
            save_slot,
            error_message: String::new(),
        };
        let start = Instant::now();
        let outcome = self.export_inner(save_slot, path, include_metadata);
        self.store.record_stat(
            OpKind::Export,
            start.elapsed(),
            *outcome.as_ref().unwrap_or(&0),
            outcome.is_ok(),
        );
        match outcome {
            Ok(size) => {
                result.success = true;
                result.file_size = size;
                lock(&self.counters).exports += 1;
            }
            Err(e) => result.error_message = e.to_string(),
        }
        result
    }

    fn export_inner(&self, save_slot: i64, path: &Path, include_metadata: bool) -> Result<u64> {
        let slot = self.store.check_slot(save_slot)?;
        let _guard = self.begin_operation(
            BackupOperation::ExportBackup,
            json!({ "save_slot": save_slot, "export_path": path.display().to_string() }),
        )?;
        let primary = self.store.layout().primary(slot);
        let record = self.store.read_record(&primary).map_err(|e| match e {
            Error::Corrupt { path, reason } => Error::InvalidArgument(format!(
                "slot {slot}'s current save is damaged ({reason}, {}); run automatic recovery before exporting",
                path.display()
            )),
            other => other,
        })?;
        let meta = self.store.parse_metadata(&primary, &record)?;
        let file = transfer::build_export(
            slot,
            record.payload(),
            include_metadata.then_some(&meta),
            self.clock.now(),
        );
        let json = serde_json::to_vec_pretty(&file)?;
        let tmp = Layout::temp_for(path);
        let storage = &self.store.storage;
        storage
            .write_file(&tmp, &[&json], self.store.options().durability.sync_files())
            .map_err(|e| {
                let _ = storage.remove(&tmp);
                Error::io("write", &tmp, e)
            })?;
        storage.rename(&tmp, path).map_err(|e| {
            let _ = storage.remove(&tmp);
            Error::io("rename into place", path, e)
        })?;
        Ok(json.len() as u64)
    }

    /// Imports an export file into `target_slot` (-1: the first free slot).
    /// The file is verified completely before anything is written; a save
    /// already in the slot is kept as a safety snapshot and as backup level 0.
    pub fn import_backup(&self, path: &Path, target_slot: i64) -> ImportResult {
        let mut result = ImportResult {
            success: false,
            imported_slot: -1,
            pilot_name: String::new(),
            error_message: String::new(),
            replaced_existing: false,
            safety_snapshot: None,
        };
        let start = Instant::now();
        let outcome = self.import_inner(path, target_slot, &mut result);
        self.store
            .record_stat(OpKind::Import, start.elapsed(), 0, outcome.is_ok());
        let mut counters = lock(&self.counters);
        match outcome {
            Ok(()) => {
                result.success = true;
                counters.imports += 1;
            }
            Err(e) => {
                result.imported_slot = -1;
                result.error_message = e.to_string();
                counters.imports_rejected += 1;
            }
        }
        result
    }

    fn import_inner(&self, path: &Path, target_slot: i64, result: &mut ImportResult) -> Result<()> {
        self.store.writable()?;
        if target_slot < -1 {
            self.store.check_slot(target_slot)?;
        }
        let _guard = self.begin_operation(
            BackupOperation::ImportBackup,
            json!({ "import_path": path.display().to_string(), "target_slot": target_slot }),
        )?;
        let limit = self.config().max_import_bytes;
        let bytes = transfer::read_bounded(path, limit)?;
        let imported = transfer::parse_export(&bytes, self.store.options().max_payload_bytes)?;
        let slot = if target_slot == -1 {
            self.store.first_free_slot()?.ok_or_else(|| {
                Error::Import("every slot is in use; choose a slot to replace".into())
            })?
        } else {
            self.store.check_slot(target_slot)?
        };
        let _writes = self.store.lock_writes();
        let primary = self.store.layout().primary(slot);
        match self.store.read_record(&primary) {
            Ok(_) => {
                result.replaced_existing = true;
                let source = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let request = SnapshotRequest {
                    name: "Before import".into(),
                    description: format!("Save replaced by an import from {source}"),
                    kind: SnapshotKind::Safety,
                    context: json!({ "import_file": source }),
                };
                result.safety_snapshot = Some(self.store.snapshot_locked(slot, &request)?.id);
            }
            Err(Error::NotFound { .. }) => {}
            Err(
                e @ Error::Corrupt {
                    reason: FormatError::UnsupportedVersion { .. },
                    ..
                },
            ) => return Err(e),
            // A damaged save is quarantined by the save below.
            Err(Error::Corrupt { .. }) => result.replaced_existing = true,
            Err(e) => return Err(e),
        }
        let receipt = self
            .store
            .save_locked(slot, &imported.payload, &imported.metadata)?;
        result.imported_slot = slot.into();
        result.pilot_name = receipt.metadata.pilot_callsign;
        Ok(())
    }

    // ----- status -----

    /// The spec's `get_backup_status`.
    pub fn get_backup_status(&self) -> Result<BackupStatus> {
        let config = self.config();
        let (last_auto, last_health, next) = {
            let state = lock(&self.state);
            (
                state.last_automated_backup,
                state.last_health_check,
                schedule::next_scheduled_backup(&config, &state),
            )
        };
        let mut save_slots = Vec::new();
        for info in self.store.list_slots()? {
            let backup_count = info.valid_backups() + info.snapshot_count;
            save_slots.push(SlotStatus {
                slot_number: info.slot,
                pilot_callsign: info
                    .metadata()
                    .map(|m| m.pilot_callsign.clone())
                    .unwrap_or_default(),
                has_backups: backup_count > 0,
                backup_count,
                save_valid: info.primary.is_valid(),
                snapshot_count: info.snapshot_count,
                last_saved: unix_or_zero(info.primary.written_at()),
            });
        }
        Ok(BackupStatus {
            automated_backups_enabled: config.enable_automated_backups,
            last_automated_backup: unix_or_zero(last_auto),
            save_slots,
            event_backups_enabled: config.enable_event_backups,
            health_monitoring_enabled: config.enable_health_monitoring,
            backup_schedule_hours: config.backup_schedule_hours,
            next_scheduled_backup: unix_or_zero(next),
            last_health_check: unix_or_zero(last_health),
            operation_active: self.is_backup_operation_active(),
        })
    }

    /// The spec's `get_backup_performance_stats`.
    pub fn performance_stats(&self) -> PerformanceStats {
        let stats = self.store.stats();
        PerformanceStats {
            operations: stats.iter().map(|(k, v)| (k.name(), v.into())).collect(),
            total: stats.total().into(),
            flow: *lock(&self.counters),
        }
    }
}

fn unix_or_zero(t: Option<DateTime<Utc>>) -> i64 {
    t.map_or(0, |t| t.timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_flow_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<BackupFlow>();
        assert_send_sync::<HealthReport>();
        assert_send_sync::<RecoveryWizard>();
    }
}
