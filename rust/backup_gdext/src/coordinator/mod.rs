//! `BackupFlowCoordinator`: the spec's Node, translating to and from
//! `backup_core::BackupFlow`. No backup rule lives here.

use std::path::PathBuf;
use std::sync::Arc;

use backup_core::{trigger_for_game_state, trigger_for_save_flow};
use backup_core::{BackupConfig, TriggerDecision};
use backup_core::{BackupFlow, BackupTrigger, RecoveryScenario};
use godot::classes::{INode, Node, ProjectSettings, Time};
use godot::prelude::*;
use serde_json::Value;

use crate::convert::{self, OptDict};
use crate::enums::{self, ScenarioArg, TriggerArg};
use crate::failure;
use crate::save_manager::SaveGameManager;
use crate::worker::{Job, Message, Worker};

mod integration;
mod jobs;

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
    last_error: GString,
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

    // ----- core backup operations -----

    /// Snapshots the active slot (or every used slot) as a manual backup,
    /// never removed by retention. True when every targeted slot was saved.
    #[func]
    pub fn create_manual_backup(
        &mut self,
        backup_name: GString,
        #[opt(default = "")] description: GString,
    ) -> bool {
        let Some(flow) = self.flow_or_fail() else {
            return false;
        };
        let context = vdict! { "backup_name" => &backup_name, "description" => &description };
        self.emit(
            "backup_flow_started",
            &["manual_backup".to_variant(), context.to_variant()],
        );
        let run = flow.create_manual_backup(&backup_name.to_string(), &description.to_string());
        self.finish_run(
            run.operation_type,
            run.success,
            &run.error_message,
            convert::to_dict(&run),
        );
        run.success
    }

    /// Runs an automated backup for `trigger` (a `BackupTrigger`) unless the
    /// schedule rules skip it (disabled, cooldown). True when a backup was made.
    #[func]
    pub fn trigger_automated_backup(
        &mut self,
        trigger: TriggerArg,
        #[opt(default = OptDict::default())] context: OptDict,
    ) -> bool {
        let trigger = match BackupTrigger::from_ordinal(trigger.0) {
            Ok(t) => t,
            Err(e) => {
                self.fail(e.to_string());
                return false;
            }
        };
        let Some(flow) = self.flow_or_fail() else {
            return false;
        };
        let context_json = Value::Object(convert::dict_to_json(&context.0));
        let will_run = flow.evaluate_trigger(trigger) == TriggerDecision::Run;
        if will_run {
            self.emit(
                "automated_backup_triggered",
                &[trigger.key().to_variant(), context.0.to_variant()],
            );
            self.emit(
                "backup_flow_started",
                &[
                    trigger.operation().key().to_variant(),
                    context.0.to_variant(),
                ],
            );
        }
        let run = flow.trigger_automated_backup(trigger, context_json);
        if !run.skipped {
            self.finish_run(
                run.operation_type,
                run.success,
                &run.error_message,
                convert::to_dict(&run),
            );
        }
        run.success
    }

    /// Verifies every save, backup and snapshot; returns the spec's report
    /// and emits `health_check_completed`.
    #[func]
    pub fn perform_health_check(&mut self) -> VarDictionary {
        let Some(flow) = self.flow_or_fail() else {
            return self.failed_report();
        };
        match flow.perform_health_check() {
            Ok(report) => {
                let dict = convert::to_dict(&report);
                self.emit("health_check_completed", &[dict.to_variant()]);
                dict
            }
            Err(e) => {
                self.fail(e.to_string());
                self.failed_report()
            }
        }
    }

    /// Like `perform_health_check` on a worker thread: `operation_progress`
    /// while it runs, then `health_check_completed` on the main thread. False
    /// when it could not start.
    #[func]
    pub fn perform_health_check_async(&mut self) -> bool {
        let Some(flow) = self.flow_or_fail() else {
            return false;
        };
        let started = self.worker.spawn(Job::HealthCheck, move |tx| {
            let mut progress = |done: usize, total: usize| {
                let _ = tx.send(Message::Progress {
                    job: Job::HealthCheck,
                    done,
                    total,
                });
            };
            flow.perform_health_check_with_progress(&mut progress)
                .map_err(|e| e.to_string())
                .and_then(|r| serde_json::to_value(r).map_err(|e| e.to_string()))
        });
        self.started(started)
    }

    // ----- recovery -----

    /// Analyses `scenario` (a `RecoveryScenario`) with `context` (e.g.
    /// `save_slot`, `error_details`) and returns the wizard `{scenario,
    /// title, steps, analysis}`; emits `recovery_wizard_initiated`.
    #[func]
    pub fn start_recovery_wizard(
        &mut self,
        scenario: ScenarioArg,
        #[opt(default = OptDict::default())] context: OptDict,
    ) -> VarDictionary {
        let scenario = scenario.0;
        let empty = || {
            vdict! {
                "scenario" => scenario, "title" => "", "steps" => &VarArray::new(),
                "analysis" => &VarDictionary::new(),
            }
        };
        let scenario_enum = match RecoveryScenario::from_ordinal(scenario) {
            Ok(s) => s,
            Err(e) => {
                self.fail(e.to_string());
                return failure::failed_result(&e.to_string(), empty());
            }
        };
        let Some(flow) = self.flow_or_fail() else {
            return failure::failed_result(&self.last_error.to_string(), empty());
        };
        let context_json = Value::Object(convert::dict_to_json(&context.0));
        match flow.start_recovery_wizard(scenario_enum, context_json) {
            Ok(wizard) => {
                let mut dict = convert::to_dict(&wizard);
                dict.set("success", true);
                dict.set("error_message", "");
                let analysis = dict.get_or_nil("analysis");
                self.emit(
                    "recovery_wizard_initiated",
                    &[scenario.to_variant(), analysis],
                );
                dict
            }
            Err(e) => {
                self.fail(e.to_string());
                failure::failed_result(&e.to_string(), empty())
            }
        }
    }

    /// Restores a damaged or missing slot from its best valid copy. Returns
    /// `{success, recovery_method, error_message, save_slot, ...}`.
    #[func]
    pub fn attempt_automatic_recovery(&mut self, save_slot: i64) -> VarDictionary {
        let Some(flow) = self.flow_or_fail() else {
            return failure::failed_result(
                &self.last_error.to_string(),
                vdict! { "recovery_method" => "", "save_slot" => save_slot },
            );
        };
        let context = vdict! { "save_slot" => save_slot };
        self.emit(
            "backup_flow_started",
            &["emergency_backup".to_variant(), context.to_variant()],
        );
        let attempt = flow.attempt_automatic_recovery(save_slot);
        let dict = convert::to_dict(&attempt);
        self.finish_run(
            "emergency_backup",
            attempt.success,
            &attempt.error_message,
            dict.clone(),
        );
        dict
    }

    // ----- export / import -----

    /// Writes the slot's save to one portable file (`user://` paths work).
    /// Returns `{success, export_path, file_size, save_slot, error_message}`.
    #[func]
    pub fn export_backup(
        &mut self,
        save_slot: i64,
        export_path: GString,
        #[opt(default = true)] include_metadata: bool,
    ) -> VarDictionary {
        let Some(flow) = self.flow_or_fail() else {
            return failure::failed_result(
                &self.last_error.to_string(),
                export_defaults(save_slot, &export_path),
            );
        };
        let context = vdict! { "save_slot" => save_slot, "export_path" => &export_path };
        self.emit(
            "backup_flow_started",
            &["export_backup".to_variant(), context.to_variant()],
        );
        let mut result = flow.export_backup(save_slot, &globalize(&export_path), include_metadata);
        result.export_path = export_path.to_string();
        let dict = convert::to_dict(&result);
        self.finish_run(
            "export_backup",
            result.success,
            &result.error_message,
            dict.clone(),
        );
        dict
    }

    /// Imports an export file into `target_slot` (-1: first free slot); the
    /// file is verified before anything is written. Returns `{success,
    /// imported_slot, pilot_name, error_message, ...}`.
    #[func]
    pub fn import_backup(
        &mut self,
        import_path: GString,
        #[opt(default = -1)] target_slot: i64,
    ) -> VarDictionary {
        let Some(flow) = self.flow_or_fail() else {
            return failure::failed_result(&self.last_error.to_string(), import_defaults());
        };
        let context = vdict! { "import_path" => &import_path, "target_slot" => target_slot };
        self.emit(
            "backup_flow_started",
            &["import_backup".to_variant(), context.to_variant()],
        );
        let result = flow.import_backup(&globalize(&import_path), target_slot);
        let dict = convert::to_dict(&result);
        self.finish_run(
            "import_backup",
            result.success,
            &result.error_message,
            dict.clone(),
        );
        dict
    }

    /// `export_backup` on a worker thread; `export_completed(result)` follows
    /// on the main thread. False when it could not start.
    #[func]
    pub fn export_backup_async(
        &mut self,
        save_slot: i64,
        export_path: GString,
        #[opt(default = true)] include_metadata: bool,
    ) -> bool {
        let Some(flow) = self.flow_or_fail() else {
            return false;
        };
        let path = globalize(&export_path);
        let shown = export_path.to_string();
        let started = self.worker.spawn(Job::Export, move |_| {
            let mut result = flow.export_backup(save_slot, &path, include_metadata);
            result.export_path = shown;
            serde_json::to_value(result).map_err(|e| e.to_string())
        });
        self.started(started)
    }

    /// `import_backup` on a worker thread; `import_completed(result)` follows
    /// on the main thread. False when it could not start.
    #[func]
    pub fn import_backup_async(
        &mut self,
        import_path: GString,
        #[opt(default = -1)] target_slot: i64,
    ) -> bool {
        let Some(flow) = self.flow_or_fail() else {
            return false;
        };
        let path = globalize(&import_path);
        let started = self.worker.spawn(Job::Import, move |_| {
            serde_json::to_value(flow.import_backup(&path, target_slot)).map_err(|e| e.to_string())
        });
        self.started(started)
    }

    /// `{automated_backups_enabled, last_automated_backup, save_slots, ...}`;
    /// each of `save_slots` has `slot_number, pilot_callsign, has_backups,
    /// backup_count, ...`.
    #[func]
    pub fn get_backup_status(&mut self) -> VarDictionary {
        let Some(flow) = self.flow_or_fail() else {
            return VarDictionary::new();
        };
        match flow.get_backup_status() {
            Ok(status) => convert::to_dict(&status),
            Err(e) => {
                self.fail(e.to_string());
                VarDictionary::new()
            }
        }
    }

    // ----- configuration -----

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

    /// Tells the coordinator which slot is being played (backups then cover
    /// only it); -1 backs up every used slot.
    #[func]
    pub fn set_active_slot(&mut self, save_slot: i64) -> bool {
        let Some(flow) = self.flow_or_fail() else {
            return false;
        };
        let slot = (save_slot >= 0).then_some(save_slot);
        match flow.set_active_slot(slot) {
            Ok(()) => true,
            Err(e) => {
                self.fail(e.to_string());
                false
            }
        }
    }

    // ----- status monitoring -----

    /// Whether a backup, recovery, export or import is running.
    #[func]
    pub fn is_backup_operation_active(&mut self) -> bool {
        let busy = self.worker.is_busy();
        busy || self
            .flow
            .as_ref()
            .is_some_and(|f| f.is_backup_operation_active())
    }

    /// `{operation, operation_type, started_at, context}` of the running
    /// operation; empty when idle.
    #[func]
    pub fn get_current_operation_context(&mut self) -> VarDictionary {
        self.flow
            .as_ref()
            .and_then(|f| f.current_operation_context())
            .map(|c| convert::to_dict(&c))
            .unwrap_or_default()
    }

    /// `{operations, total, flow}`: store operations by kind with counts,
    /// failures, bytes and durations (microseconds), and the flow's counters.
    #[func]
    pub fn get_backup_performance_stats(&mut self) -> VarDictionary {
        let Some(flow) = self.flow_or_fail() else {
            return VarDictionary::new();
        };
        convert::to_dict(&flow.performance_stats())
    }

    /// The message of the most recent failure (empty if none yet).
    #[func]
    pub fn get_last_error(&self) -> GString {
        self.last_error.clone()
    }

    // ----- enum names (GDScript refuses `.keys()` on native enums) -----

    /// The names of a class enum (`"BackupTrigger"`, `"RecoveryScenario"`,
    /// `"BackupOperation"`) in ordinal order, like `.keys()` of a GDScript
    /// enum: `BackupFlowCoordinator.enum_keys("RecoveryScenario")[scenario]`.
    #[func]
    pub fn enum_keys(enum_name: GString) -> PackedStringArray {
        enums::keys_of(&enum_name.to_string())
    }

    /// `BackupTrigger` names in ordinal order.
    #[func]
    pub fn backup_trigger_keys() -> PackedStringArray {
        enums::keys_of("BackupTrigger")
    }

    /// `RecoveryScenario` names in ordinal order.
    #[func]
    pub fn recovery_scenario_keys() -> PackedStringArray {
        enums::keys_of("RecoveryScenario")
    }

    /// `BackupOperation` names in ordinal order.
    #[func]
    pub fn backup_operation_keys() -> PackedStringArray {
        enums::keys_of("BackupOperation")
    }

    // ----- integration handlers (connected in _ready) -----

    /// SaveGameManager found a corrupt slot: analyse and offer the wizard.
    #[func]
    fn _on_corruption_detected(&mut self, save_slot: i64, error_details: GString) {
        let context = vdict! {
            "save_slot" => save_slot,
            "error_details" => &error_details,
            "detection_time" => Time::singleton().get_unix_time_from_system(),
        };
        self.start_recovery_wizard(
            ScenarioArg(RecoveryScenario::CorruptedSave.ordinal()),
            OptDict(context),
        );
    }

    /// GameStateManager changed state.
    #[func]
    fn _on_game_state_changed(&mut self, old_state: Variant, new_state: Variant) {
        let Some(name) = self.game_state_name(&new_state) else {
            return;
        };
        if let Some(trigger) = trigger_for_game_state(&name) {
            let context = vdict! { "previous_state" => &old_state };
            self.trigger_automated_backup(TriggerArg(trigger.ordinal()), OptDict(context));
        }
    }

    /// SaveFlowCoordinator finished a save operation.
    #[func]
    fn _on_save_flow_completed(
        &mut self,
        operation_type: GString,
        success: bool,
        _context: Variant,
    ) {
        if let Some(trigger) = trigger_for_save_flow(&operation_type.to_string(), success) {
            let context = vdict! { "save_flow_operation" => &operation_type };
            self.trigger_automated_backup(TriggerArg(trigger.ordinal()), OptDict(context));
        }
    }
}

impl BackupFlowCoordinator {
    /// The flow over SaveGameManager's current store; rebuilt when the
    /// manager's save folder changed.
    fn flow(&mut self) -> Result<Arc<BackupFlow>, String> {
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
        let flow = Arc::new(BackupFlow::new(store, self.config()).map_err(|e| e.to_string())?);
        if let Some(warning) = flow.state_warning() {
            godot::global::push_warning(&[format!("{CLASS}: {warning}").to_variant()]);
        }
        self.flow = Some(Arc::clone(&flow));
        Ok(flow)
    }

    fn flow_or_fail(&mut self) -> Option<Arc<BackupFlow>> {
        match self.flow() {
            Ok(flow) => Some(flow),
            Err(message) => {
                self.fail(message);
                None
            }
        }
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
        match backup_core::positive_setting(name, value) {
            Ok(_) => true,
            Err(e) => {
                self.fail(e.to_string());
                false
            }
        }
    }

    /// Pushes the properties into the flow and emits `backup_schedule_updated`.
    /// Outside the tree (a scene being loaded sets its properties) the values
    /// are only kept; the flow takes them when it is created.
    fn apply_config(&mut self) {
        if !self.base().is_inside_tree() {
            return;
        }
        let config = self.config();
        let schedule = match self.flow() {
            Ok(flow) => match flow.set_config(config) {
                Ok(schedule) => convert::to_dict(&schedule),
                Err(e) => {
                    self.fail(e.to_string());
                    return;
                }
            },
            Err(message) => {
                self.fail(message);
                return;
            }
        };
        self.emit("backup_schedule_updated", &[schedule.to_variant()]);
    }

    fn finish_run(
        &mut self,
        operation_type: &str,
        success: bool,
        error: &str,
        result: VarDictionary,
    ) {
        if !success {
            self.fail(format!("{operation_type} failed: {error}"));
        }
        self.emit(
            "backup_flow_completed",
            &[
                operation_type.to_variant(),
                success.to_variant(),
                result.to_variant(),
            ],
        );
    }

    fn failed_report(&self) -> VarDictionary {
        failure::failed_result(
            &self.last_error.to_string(),
            vdict! {
                "check_time" => 0, "total_backups" => 0, "healthy_backups" => 0,
                "corrupted_backups" => 0, "suspicious_backups" => 0,
                "backup_details" => &VarArray::new(), "recommendations" => &VarArray::new(),
                "overall_health" => "unknown",
            },
        )
    }

    fn started(&mut self, r: Result<(), String>) -> bool {
        match r {
            Ok(()) => true,
            Err(message) => {
                self.fail(message);
                false
            }
        }
    }

    fn fail(&mut self, message: String) {
        failure::push_error(CLASS, &message);
        self.last_error = GString::from(message.as_str());
    }

    /// Emits through `base_mut()`, which lets handlers call back into this node.
    fn emit(&mut self, signal: &str, args: &[Variant]) {
        self.base_mut().emit_signal(signal, args);
    }
}

fn globalize(path: &GString) -> PathBuf {
    PathBuf::from(
        ProjectSettings::singleton()
            .globalize_path(path)
            .to_string(),
    )
}

fn export_defaults(save_slot: i64, path: &GString) -> VarDictionary {
    vdict! { "export_path" => path, "file_size" => 0, "save_slot" => save_slot }
}

fn import_defaults() -> VarDictionary {
    vdict! { "imported_slot" => -1, "pilot_name" => "", "replaced_existing" => false, "safety_snapshot" => &Variant::nil() }
}
