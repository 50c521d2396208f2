//! Which game events start an automated backup, as the spec's
//! "Integration Points" describe them. The engine layer only forwards the
//! event's name; the rule lives here so every front end applies the same one.

use crate::flow::triggers::BackupTrigger;

/// The trigger for a GameStateManager transition into the state named
/// `new_state` (its GDScript enum key), if that state asks for a backup.
pub fn trigger_for_game_state(new_state: &str) -> Option<BackupTrigger> {
    match new_state {
        "MISSION_COMPLETE" => Some(BackupTrigger::MissionComplete),
        "SHUTDOWN" => Some(BackupTrigger::GameShutdown),
        _ => None,
    }
}

/// The trigger for a successful SaveFlowCoordinator operation, if that
/// operation asks for a backup (`mission_complete`, `campaign_checkpoint`).
pub fn trigger_for_save_flow(operation_type: &str, success: bool) -> Option<BackupTrigger> {
    match operation_type {
        "mission_complete" | "campaign_checkpoint" if success => {
            Some(BackupTrigger::CriticalProgress)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn game_states_map_to_their_triggers() {
        assert_eq!(
            trigger_for_game_state("MISSION_COMPLETE"),
            Some(BackupTrigger::MissionComplete)
        );
        assert_eq!(
            trigger_for_game_state("SHUTDOWN"),
            Some(BackupTrigger::GameShutdown)
        );
        assert_eq!(trigger_for_game_state("MAIN_MENU"), None);
    }

    #[test]
    fn only_successful_progress_saves_trigger() {
        assert_eq!(
            trigger_for_save_flow("campaign_checkpoint", true),
            Some(BackupTrigger::CriticalProgress)
        );
        assert_eq!(
            trigger_for_save_flow("mission_complete", true),
            Some(BackupTrigger::CriticalProgress)
        );
        assert_eq!(trigger_for_save_flow("mission_complete", false), None);
        assert_eq!(trigger_for_save_flow("quick_save", true), None);
    }
}
