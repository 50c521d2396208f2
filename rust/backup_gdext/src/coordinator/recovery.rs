//! Recovery: the wizard of a scenario, and automatic recovery of a slot.

use backup_core::{RecoveryAttempt, RecoveryScenario, WizardFailure};
use godot::prelude::*;
use serde_json::Value;

use super::{BackupFlowCoordinator, ScenarioArg};
use crate::convert::{self, OptDict};
use crate::failure::Failure;

#[godot_api(secondary)]
impl BackupFlowCoordinator {
    /// Analyses `scenario` (a `RecoveryScenario`) with `context` (e.g.
    /// `save_slot`, `error_details`) and returns the wizard `{scenario,
    /// title, steps, analysis}`; emits `recovery_wizard_initiated`.
    #[func]
    pub fn start_recovery_wizard(
        &mut self,
        scenario: ScenarioArg,
        #[opt(default = OptDict::default())] context: OptDict,
    ) -> VarDictionary {
        match self.prepare_wizard(scenario.0, context) {
            Ok(wizard) => {
                let mut dict = convert::to_dict(&wizard);
                dict.set("success", true);
                dict.set("error_message", "");
                let analysis = dict
                    .get_or_nil("analysis")
                    .try_to::<VarDictionary>()
                    .unwrap_or_default();
                self.signals()
                    .recovery_wizard_initiated()
                    .emit(scenario, &analysis);
                dict
            }
            Err(e) => {
                self.errors.record(&e);
                convert::to_dict(&WizardFailure::new(scenario.0, &e))
            }
        }
    }

    /// Restores a damaged or missing slot from its best valid copy. Returns
    /// `{success, recovery_method, error_message, save_slot, ...}`.
    #[func]
    pub fn attempt_automatic_recovery(&mut self, save_slot: i64) -> VarDictionary {
        let flow = match self.flow_or_fail() {
            Ok(flow) => flow,
            Err(e) => return convert::to_dict(&RecoveryAttempt::failed(save_slot, &e)),
        };
        let context = vdict! { "save_slot" => save_slot };
        self.signals()
            .backup_flow_started()
            .emit("emergency_backup", &context);
        let attempt = flow.attempt_automatic_recovery(save_slot);
        let dict = convert::to_dict(&attempt);
        self.finish_run(
            "emergency_backup",
            attempt.success,
            &attempt.error_message,
            &dict,
        );
        dict
    }
}

impl BackupFlowCoordinator {
    fn prepare_wizard(
        &mut self,
        scenario: i64,
        context: OptDict,
    ) -> Result<backup_core::RecoveryWizard, Failure> {
        let scenario = RecoveryScenario::from_ordinal(scenario)?;
        let flow = self.flow()?;
        let context_json = Value::Object(convert::dict_to_json(&context.0));
        Ok(flow.start_recovery_wizard(scenario, context_json)?)
    }
}
