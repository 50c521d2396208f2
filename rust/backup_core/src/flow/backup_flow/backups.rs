//! Manual and automated backups, retention, and the timer entry point.

use std::time::Instant;

use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::*;
use crate::error::{Error, Result};
use crate::flow::schedule::{self, FlowState, TriggerDecision};
use crate::flow::triggers::{BackupOperation, BackupTrigger};
use crate::record::metadata::SnapshotKind;
use crate::store::slot_store::lock;
use crate::store::OpKind;
use crate::store::RetentionPolicy;
use crate::store::SnapshotRequest;

impl BackupFlow {
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

    pub(super) fn persist(&self, state: &FlowState) {
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
}
