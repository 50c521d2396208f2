//! Backups: a manual backup, an automated one for a trigger, and which slot
//! they cover.

use backup_core::{BackupTrigger, TriggerDecision};
use godot::prelude::*;
use serde_json::Value;

use super::{BackupFlowCoordinator, TriggerArg};
use crate::convert::{self, OptDict};

#[godot_api(secondary)]
impl BackupFlowCoordinator {
    /// Snapshots the active slot (or every used slot) as a manual backup,
    /// never removed by retention. True when every targeted slot was saved.
    #[func]
    pub fn create_manual_backup(
        &mut self,
        backup_name: GString,
        #[opt(default = "")] description: GString,
    ) -> bool {
        let Ok(flow) = self.flow_or_fail() else {
            return false;
        };
        let context = vdict! { "backup_name" => &backup_name, "description" => &description };
        self.signals()
            .backup_flow_started()
            .emit("manual_backup", &context);
        let run = flow.create_manual_backup(&backup_name.to_string(), &description.to_string());
        self.finish_run(
            run.operation_type,
            run.success,
            &run.error_message,
            &convert::to_dict(&run),
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
        let trigger = BackupTrigger::from_ordinal(trigger.0).map_err(Into::into);
        let Some(trigger) = self.errors.check(trigger) else {
            return false;
        };
        let Ok(flow) = self.flow_or_fail() else {
            return false;
        };
        let context_json = Value::Object(convert::dict_to_json(&context.0));
        if flow.evaluate_trigger(trigger) == TriggerDecision::Run {
            self.signals()
                .automated_backup_triggered()
                .emit(trigger.key(), &context.0);
            self.signals()
                .backup_flow_started()
                .emit(trigger.operation().key(), &context.0);
        }
        let run = flow.trigger_automated_backup(trigger, context_json);
        if !run.skipped {
            self.finish_run(
                run.operation_type,
                run.success,
                &run.error_message,
                &convert::to_dict(&run),
            );
        }
        run.success
    }

    /// Tells the coordinator which slot is being played (backups then cover
    /// only it); -1 backs up every used slot.
    #[func]
    pub fn set_active_slot(&mut self, save_slot: i64) -> bool {
        let Ok(flow) = self.flow_or_fail() else {
            return false;
        };
        let slot = (save_slot >= 0).then_some(save_slot);
        let set = flow.set_active_slot(slot).map_err(Into::into);
        self.errors.check(set).is_some()
    }
}
