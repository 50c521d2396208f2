//! Connections to the game: SaveGameManager's corruption signal and, when
//! they exist, the GameStateManager and SaveFlowCoordinator autoloads.

use godot::prelude::*;

use super::BackupFlowCoordinator;
use crate::save_manager::SaveGameManager;

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
