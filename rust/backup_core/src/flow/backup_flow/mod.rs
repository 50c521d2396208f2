//! [`BackupFlow`]: everything the spec's `BackupFlowCoordinator` does, as
//! plain Rust. The Godot class holds one and only translates: each method
//! returns a struct whose serde field names are the keys of the spec's
//! Dictionary (extra keys are additive).
//!
//! | GDScript (spec) | Rust | returns |
//! |---|---|---|
//! | `create_manual_backup(name, description) -> bool` | [`BackupFlow::create_manual_backup`] | [`BackupRun`] (`success`) |
//! | `trigger_automated_backup(trigger, context) -> bool` | [`BackupFlow::trigger_automated_backup`] | [`BackupRun`] (`success`, `skipped`) |
//! | `perform_health_check() -> Dictionary` | [`BackupFlow::perform_health_check`] (`_with_progress`) | [`HealthReport`](crate::flow::health::HealthReport) |
//! | `start_recovery_wizard(scenario, context)` | [`BackupFlow::start_recovery_wizard`] | [`RecoveryWizard`](crate::flow::recovery::RecoveryWizard) |
//! | `attempt_automatic_recovery(slot)` | [`BackupFlow::attempt_automatic_recovery`] | [`RecoveryAttempt`](crate::flow::recovery::RecoveryAttempt) |
//! | `export_backup(slot, path, include_metadata)` | [`BackupFlow::export_backup`] | [`ExportResult`] |
//! | `import_backup(path, target_slot = -1)` | [`BackupFlow::import_backup`] | [`ImportResult`] |
//! | `get_backup_status()` | [`BackupFlow::get_backup_status`] | [`BackupStatus`] |
//! | `set_automated_backups_enabled` / `set_backup_schedule_hours` / `set_health_monitoring_enabled` | same names | [`ScheduleConfig`] (the `backup_schedule_updated` payload) |
//! | `is_backup_operation_active()` / `get_current_operation_context()` | [`BackupFlow::is_backup_operation_active`] / [`BackupFlow::current_operation_context`] | `bool` / [`OperationContext`] (`None` = `{}`) |
//! | `get_backup_performance_stats()` | [`BackupFlow::performance_stats`] | [`PerformanceStats`] |
//!
//! Signals: `backup_flow_started/completed(operation_type, ...)` use
//! `BackupRun::operation_type` (or the operation's `key()`);
//! `automated_backup_triggered(trigger_reason, backup_context)` uses
//! `BackupRun::trigger_reason` and `context` of a run that was not skipped.
//! A game timer calls [`BackupFlow::run_due_tasks`] for the scheduled backup
//! and the periodic health check.
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

mod backups;
mod checks;
mod exchange;
mod failed;
mod results;

pub use failed::{HealthCheckFailure, WizardFailure};
pub use results::*;

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::flow::schedule::{self, BackupConfig, FlowState};
use crate::flow::triggers::BackupOperation;
use crate::record::clock::Clock;
use crate::store::slot_store::lock;
use crate::store::SlotStore;

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
    use crate::flow::health::HealthReport;
    use crate::flow::recovery::RecoveryWizard;

    #[test]
    fn the_flow_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<BackupFlow>();
        assert_send_sync::<HealthReport>();
        assert_send_sync::<RecoveryWizard>();
    }
}
