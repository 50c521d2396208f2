//! Connections to the game: SaveGameManager's corruption signal and, when
//! they exist, the GameStateManager and SaveFlowCoordinator autoloads, with
//! the handlers of their signals (registered funcs: the connections name them).

use backup_core::{trigger_for_game_state, trigger_for_save_flow, RecoveryScenario};
use godot::classes::Time;
use godot::prelude::*;

use super::{BackupFlowCoordinator, ScenarioArg, TriggerArg};
use crate::convert::OptDict;
use crate::save_manager::SaveGameManager;

#[godot_api(secondary)]
impl BackupFlowCoordinator {
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
    pub(super) fn connect_integrations(&mut self) {
        let this = self.to_gd();
        let mut sgm = SaveGameManager::singleton();
        let on_corruption = this.callable("_on_corruption_detected");
        if !sgm.is_connected("corruption_detected", &on_corruption) {
            sgm.connect("corruption_detected", &on_corruption);
        }
        if !self.base().is_inside_tree() {
            return;
        }
        let tree = self.base().get_tree();
        let Some(root) = tree.get_root() else {
            return;
        };
        if let Some(mut gsm) = root.get_node_or_null("GameStateManager") {
            for signal in ["state_changed", "game_state_changed"] {
                if gsm.has_signal(signal) {
                    gsm.connect(signal, &this.callable("_on_game_state_changed"));
                    break;
                }
            }
        }
        if let Some(mut sfc) = root.get_node_or_null("SaveFlowCoordinator") {
            if sfc.has_signal("save_flow_completed") {
                sfc.connect(
                    "save_flow_completed",
                    &this.callable("_on_save_flow_completed"),
                );
            }
        }
    }

    /// The GameStateManager enum key of `state` (an int of its `GameState`
    /// enum, read from the autoload's script constants), or the text of a
    /// String/StringName state.
    pub(super) fn game_state_name(&self, state: &Variant) -> Option<String> {
        if let Ok(text) = state.try_to::<GString>() {
            return Some(text.to_string());
        }
        let value = state.try_to::<i64>().ok()?;
        if !self.base().is_inside_tree() {
            return None;
        }
        let tree = self.base().get_tree();
        let gsm = tree.get_root()?.get_node_or_null("GameStateManager")?;
        let script = gsm
            .get_script()?
            .try_cast::<godot::classes::Script>()
            .ok()?;
        let constants = script.get_script_constant_map();
        let states = constants.get("GameState")?.try_to::<VarDictionary>().ok()?;
        states
            .iter_shared()
            .find(|(_, v)| v.try_to::<i64>().ok() == Some(value))
            .map(|(k, _)| k.stringify().to_string())
    }
}
