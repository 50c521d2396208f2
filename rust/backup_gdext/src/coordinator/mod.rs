//! `BackupFlowCoordinator`: the spec's Node, translating to and from
//! `backup_core::BackupFlow`. No backup rule lives here. One file per topic:
//!
//! | file | GDScript-visible part |
//! |---|---|
//! | `mod.rs` | the class, its exported properties and their setters, every signal (gdext wants these in the primary `#[godot_api]` block) |
//! | `backups.rs` | `create_manual_backup`, `trigger_automated_backup`, `set_active_slot` |
//! | `recovery.rs` | `start_recovery_wizard`, `attempt_automatic_recovery` |
//! | `transfer.rs` | `export_backup`, `import_backup` and their `_async` variants |
//! | `status.rs` | health checks, `get_backup_status`, operation context, performance stats, `get_last_error` |
//! | `enums.rs` | the class enums `BackupTrigger`, `RecoveryScenario`, `BackupOperation` and their `*_keys()` |
//! | `integration.rs` | connections to `SaveGameManager`, `GameStateManager`, `SaveFlowCoordinator` and their handlers |
//! | `jobs.rs` | worker-thread jobs: due tasks, and signals of finished jobs |

use std::sync::Arc;

use backup_core::{BackupConfig, BackupFlow};
use godot::classes::{INode, Node};
use godot::prelude::*;

use crate::convert;
use crate::failure::{ErrorLog, Outcome};
use crate::save_manager::SaveGameManager;
use crate::worker::Worker;

mod backups;
pub mod enums;
mod integration;
mod jobs;
mod recovery;
mod status;
mod transfer;

pub use enums::{ScenarioArg, TriggerArg};

const CLASS: &str = "BackupFlowCoordinator";

/// Backup automation and recovery assistance over `SaveGameManager`.
///
/// Add it to the scene tree (or as an autoload). It runs scheduled backups
/// and health checks from its process loop against the wall clock (last run
/// times are kept in the save folder), backs up on game events, and answers
/// `SaveGameManager.corruption_detected` with a recovery analysis
/// (`recovery_wizard_initiated`). When autoloads named `GameStateManager`
/// (signal `state_changed(old, new)` with a `GameState` enum) and
/// `SaveFlowCoordinator` (signal `save_flow_completed(operation_type,
/// success, context)`) exist, it connects to them.
///
/// The spec's methods are synchronous and return its Dictionaries; the
/// `*_async` variants run on a worker thread and report through signals
/// emitted on the main thread. Failures never raise: `false` or
/// `success: false` with `error_message`, and an error in the log.
///
/// GDScript refuses `.keys()` on native enums: use `enum_keys("BackupTrigger")`
/// (or `backup_trigger_keys()`, `recovery_scenario_keys()`,
/// `backup_operation_keys()`).
#[derive(GodotClass)]
#[class(init, base = Node)]
pub struct BackupFlowCoordinator {
    base: Base<Node>,
    /// Enable automated backup system (scheduled and event backups).
    #[export_group(name = "Automated Backups")]
    #[export]
    #[var(set = set_automated_backups_enabled)]
    #[init(val = true)]
    enable_automated_backups: bool,
    /// Hours between scheduled backups.
    #[export(range = (1.0, 720.0, 1.0, or_greater, suffix = "h"))]
    #[var(set = set_backup_schedule_hours)]
    #[init(val = 24)]
    backup_schedule_hours: i64,
    /// Maximum automated backups to retain per slot (manual ones are kept).
    #[export(range = (1.0, 365.0, 1.0, or_greater))]
    #[var(set = set_max_automated_backups)]
    #[init(val = 30)]
    max_automated_backups: i64,
    /// Enable event-triggered backups (mission complete, milestones, ...).
    #[export]
    #[var(set = set_event_backups_enabled)]
    #[init(val = true)]
    enable_event_backups: bool,
    /// Enable backup health checks.
    #[export_group(name = "Health Monitoring")]
    #[export]
    #[var(set = set_health_monitoring_enabled)]
    #[init(val = true)]
    enable_health_monitoring: bool,
    /// Hours between health checks.
    #[export(range = (1.0, 2160.0, 1.0, or_greater, suffix = "h"))]
    #[var(set = set_health_check_interval_hours)]
    #[init(val = 72)]
    health_check_interval_hours: i64,
    /// How often the process loop asks whether a scheduled task is due.
    #[export_group(name = "Advanced")]
    #[export(range = (1.0, 3600.0, 1.0, or_greater, suffix = "s"))]
    #[init(val = 60.0)]
    schedule_check_seconds: f64,
    /// Connect to SaveGameManager, GameStateManager and SaveFlowCoordinator
    /// when entering the tree.
    #[export]
    #[init(val = true)]
    auto_connect: bool,
    flow: Option<Arc<BackupFlow>>,
    flow_generation: u64,
    worker: Worker,
    since_check: f64,
    #[init(val = ErrorLog::new(CLASS))]
    errors: ErrorLog,
}

#[godot_api]
impl INode for BackupFlowCoordinator {
    fn ready(&mut self) {
        // First schedule check a few seconds after start, then every interval.
        self.since_check = (self.schedule_check_seconds - 5.0).max(0.0);
        if self.auto_connect {
            self.connect_integrations();
        }
    }

    fn process(&mut self, delta: f64) {
        self.deliver_worker_messages();
        self.since_check += delta;
        if self.since_check >= self.schedule_check_seconds {
            self.since_check = 0.0;
            self.start_due_tasks();
        }
    }
}

#[godot_api]
impl BackupFlowCoordinator {
    /// An operation (`manual_backup`, `event_triggered`, `export_backup`, ...) started.
    #[signal]
    fn backup_flow_started(operation_type: GString, context: VarDictionary);
    /// An operation finished; `context` is its full result Dictionary.
    #[signal]
    fn backup_flow_completed(operation_type: GString, success: bool, context: VarDictionary);
    /// An automated backup is about to run for `trigger_reason` (`mission_complete`, ...).
    #[signal]
    fn automated_backup_triggered(trigger_reason: GString, backup_context: VarDictionary);
    /// A recovery wizard was prepared; `scenario` is a `RecoveryScenario`.
    #[signal]
    fn recovery_wizard_initiated(scenario: ScenarioArg, analysis: VarDictionary);
    /// A health check finished (the report of `perform_health_check`).
    #[signal]
    fn health_check_completed(report: VarDictionary);
    /// The schedule configuration changed.
    #[signal]
    fn backup_schedule_updated(schedule_config: VarDictionary);
    /// Progress of a worker-thread operation (`health_check`, `export`, `import`).
    #[signal]
    fn operation_progress(operation_type: GString, done: i64, total: i64);
    /// `export_backup_async` finished (the result of `export_backup`).
    #[signal]
    fn export_completed(result: VarDictionary);
    /// `import_backup_async` finished (the result of `import_backup`).
    #[signal]
    fn import_completed(result: VarDictionary);

    // The property setters stay here: `#[var(set = ...)]` cannot name a
    // `#[func]` of a secondary block.

    /// Turns automated backups on or off (the `enable_automated_backups` setter).
    #[func]
    pub fn set_automated_backups_enabled(&mut self, enabled: bool) {
        self.enable_automated_backups = enabled;
        self.apply_config();
    }

    /// Sets the hours between scheduled backups (at least 1; the
    /// `backup_schedule_hours` setter). Invalid values are refused.
    #[func]
    pub fn set_backup_schedule_hours(&mut self, hours: i64) {
        if self.check_positive("backup_schedule_hours", hours) {
            self.backup_schedule_hours = hours;
            self.apply_config();
        }
    }

    /// Turns health monitoring on or off (the `enable_health_monitoring` setter).
    #[func]
    pub fn set_health_monitoring_enabled(&mut self, enabled: bool) {
        self.enable_health_monitoring = enabled;
        self.apply_config();
    }

    /// Turns event-triggered backups on or off (the `enable_event_backups` setter).
    #[func]
    pub fn set_event_backups_enabled(&mut self, enabled: bool) {
        self.enable_event_backups = enabled;
        self.apply_config();
    }

    /// Sets how many automated backups are kept per slot (at least 1).
    #[func]
    pub fn set_max_automated_backups(&mut self, count: i64) {
        if self.check_positive("max_automated_backups", count) {
            self.max_automated_backups = count;
            self.apply_config();
        }
    }

    /// Sets the hours between health checks (at least 1).
    #[func]
    pub fn set_health_check_interval_hours(&mut self, hours: i64) {
        if self.check_positive("health_check_interval_hours", hours) {
            self.health_check_interval_hours = hours;
            self.apply_config();
        }
    }
}

impl BackupFlowCoordinator {
    /// The flow over SaveGameManager's current store; rebuilt when the
    /// manager's save folder changed.
    fn flow(&mut self) -> Outcome<Arc<BackupFlow>> {
        let mut manager = SaveGameManager::singleton();
        let generation = manager.bind().store_generation();
        if generation != self.flow_generation {
            // The manager closed its store; ours must go before it reopens
            // the same folder (one writer per folder).
            self.flow = None;
            self.flow_generation = generation;
        }
        let store = manager.bind_mut().shared_store()?;
        if let Some(flow) = &self.flow {
            if Arc::ptr_eq(flow.store(), &store) {
                return Ok(Arc::clone(flow));
            }
        }
        let flow = Arc::new(BackupFlow::new(store, self.config())?);
        if let Some(warning) = flow.state_warning() {
            godot::global::push_warning(&[format!("{CLASS}: {warning}").to_variant()]);
        }
        self.flow = Some(Arc::clone(&flow));
        Ok(flow)
    }

    /// The flow, or the failure that kept it from opening (already
    /// recorded: callers only build their failure value from it).
    fn flow_or_fail(&mut self) -> Outcome<Arc<BackupFlow>> {
        let flow = self.flow();
        if let Err(e) = &flow {
            self.errors.record(e);
        }
        flow
    }

    fn config(&self) -> BackupConfig {
        let defaults = BackupConfig::default();
        let hours = |v: i64, d: u32| u32::try_from(v).ok().filter(|h| *h >= 1).unwrap_or(d);
        BackupConfig {
            enable_automated_backups: self.enable_automated_backups,
            backup_schedule_hours: hours(
                self.backup_schedule_hours,
                defaults.backup_schedule_hours,
            ),
            max_automated_backups: hours(
                self.max_automated_backups,
                defaults.max_automated_backups,
            ),
            enable_event_backups: self.enable_event_backups,
            enable_health_monitoring: self.enable_health_monitoring,
            health_check_interval_hours: hours(
                self.health_check_interval_hours,
                defaults.health_check_interval_hours,
            ),
            ..defaults
        }
    }

    fn check_positive(&mut self, name: &str, value: i64) -> bool {
        let checked = backup_core::positive_setting(name, value).map_err(Into::into);
        self.errors.check(checked).is_some()
    }

    /// Pushes the properties into the flow and emits `backup_schedule_updated`.
    /// Outside the tree (a scene being loaded sets its properties) the values
    /// are only kept; the flow takes them when it is created.
    fn apply_config(&mut self) {
        if !self.base().is_inside_tree() {
            return;
        }
        let config = self.config();
        let applied = self
            .flow()
            .and_then(|flow| flow.set_config(config).map_err(Into::into));
        if let Some(schedule) = self.errors.check(applied) {
            self.signals()
                .backup_schedule_updated()
                .emit(&convert::to_dict(&schedule));
        }
    }

    /// Reports a finished operation: `backup_flow_completed` with its
    /// result, and the error in the log when it failed.
    fn finish_run(
        &mut self,
        operation_type: &str,
        success: bool,
        error: &str,
        result: &VarDictionary,
    ) {
        if !success {
            self.errors
                .record(&format!("{operation_type} failed: {error}"));
        }
        self.signals()
            .backup_flow_completed()
            .emit(operation_type, success, result);
    }

    /// Records whether a worker job started; true when it did.
    fn started(&mut self, r: Outcome<()>) -> bool {
        self.errors.check(r).is_some()
    }
}
