//! The wizard of each scenario: a title and steps built from the analysis.

use serde::Serialize;

use super::RecoveryAnalysis;
use crate::flow::triggers::RecoveryScenario;

/// One wizard step.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WizardStep {
    /// Short title.
    pub title: String,
    /// What happens and why.
    pub description: String,
    /// Machine key of what the step does (same vocabulary as options, plus
    /// `review`, `keep_evidence`, `verify` and `create_backup`).
    pub action: &'static str,
}

/// The spec's wizard configuration.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryWizard {
    /// Recovery scenario.
    pub scenario: RecoveryScenario,
    /// User-friendly title.
    pub title: String,
    /// Steps in order.
    pub steps: Vec<WizardStep>,
    /// The analysis the steps are based on.
    pub analysis: RecoveryAnalysis,
}

/// Builds the wizard of a scenario from its analysis.
pub fn wizard(analysis: RecoveryAnalysis) -> RecoveryWizard {
    use RecoveryScenario as S;
    let scenario = analysis.scenario;
    let title = match scenario {
        S::CorruptedSave => "Recover a Corrupted Save",
        S::MissingSave => "Recover a Missing Save",
        S::PilotDataLoss => "Recover Pilot Data",
        S::CampaignCorruption => "Recover Campaign Progress",
        S::SettingsReset => "Restore Game Settings",
        S::CompleteDataLoss => "Recover From Total Data Loss",
    }
    .to_owned();
    let slots = slot_list(&analysis.affected_slots);
    let copies = analysis.available_backups.len();
    let mut steps = Vec::new();
    let review = match scenario {
        S::CorruptedSave => {
            format!("{slots} failed verification. {copies} valid copies were found.")
        }
        S::MissingSave => format!("{slots} has no save file. {copies} valid copies were found."),
        S::PilotDataLoss => {
            format!("The pilot profile in {slots} is damaged. {copies} earlier copies were found.")
        }
        S::CampaignCorruption => {
            format!("The campaign state in {slots} is damaged. {copies} earlier copies were found.")
        }
        S::SettingsReset => {
            "The game's settings were lost. Saved games are stored separately and are checked too."
                .into()
        }
        S::CompleteDataLoss => {
            format!("Every save is affected ({slots}). {copies} valid copies were found.")
        }
    };
    steps.push(step("Review the situation", review, "review"));
    if analysis.recommended_action == "no_action_needed" {
        steps.push(step(
            "Nothing to recover",
            "Every save concerned verifies. Run a health check if you still see problems.".into(),
            "verify",
        ));
        return RecoveryWizard {
            scenario,
            title,
            steps,
            analysis,
        };
    }
    if scenario == S::SettingsReset {
        steps.push(step(
            "Reset settings",
            "Settings go back to their defaults; adjust them again in the options menu.".into(),
            "reset_settings",
        ));
        steps.push(step(
            "Check saved games",
            "A health check confirms that the saved games were not affected.".into(),
            "verify_saves",
        ));
        if !analysis.affected_slots.is_empty() {
            steps.push(step(
                "Repair damaged saves",
                format!("{slots} also needs recovery: restore the newest valid copy."),
                "automatic_recovery",
            ));
        }
        return RecoveryWizard {
            scenario,
            title,
            steps,
            analysis,
        };
    }
    if matches!(
        scenario,
        S::CorruptedSave | S::CompleteDataLoss | S::PilotDataLoss | S::CampaignCorruption
    ) {
        steps.push(step(
            "Keep the damaged files",
            "Damaged files are moved to the quarantine folder, never deleted, so nothing is lost if you need support.".into(),
            "keep_evidence",
        ));
    }
    let best = analysis.available_backups.first();
    let best_text = best
        .map(|b| match (&b.snapshot_id, b.backup_level) {
            (Some(_), _) => format!("snapshot \"{}\"", b.name),
            (None, Some(level)) => format!("rolling backup {level}"),
            _ => "the interrupted save".into(),
        })
        .unwrap_or_default();
    match analysis.recommended_action {
        "update_game" => steps.push(step(
            "Update the game",
            "The save was written by a newer version of the game. Install the update; the save is left untouched.".into(),
            "update_game",
        )),
        "import_backup" => steps.push(step(
            "Import an exported backup",
            "No valid copy is left on this computer. If you exported a backup before, import it now.".into(),
            "import_backup",
        )),
        "restore_backup" | "restore_snapshot" => steps.push(step(
            "Go back to an earlier copy",
            format!("Restore {best_text}. The current save is kept as a snapshot first, so you can return to it."),
            analysis.recommended_action,
        )),
        _ => steps.push(step(
            "Restore automatically",
            format!("Restore the newest valid copy ({best_text}); older copies are tried if it fails."),
            "automatic_recovery",
        )),
    }
    if analysis.recommended_action != "import_backup" {
        steps.push(step(
            "Or choose another copy",
            "Pick a specific backup or snapshot from the list, or import an exported backup."
                .into(),
            "choose_backup",
        ));
    }
    if matches!(scenario, S::MissingSave | S::CompleteDataLoss) {
        steps.push(step(
            "Start over if needed",
            "If no copy can be recovered, start a new game in the empty slot.".into(),
            "start_new_game",
        ));
    }
    steps.push(step(
        "Verify the result",
        "Load the slot and check pilot, campaign and mission before playing on.".into(),
        "verify",
    ));
    steps.push(step(
        "Make a fresh backup",
        "Create a manual backup of the recovered save.".into(),
        "create_backup",
    ));
    RecoveryWizard {
        scenario,
        title,
        steps,
        analysis,
    }
}

fn step(title: &str, description: String, action: &'static str) -> WizardStep {
    WizardStep {
        title: title.into(),
        description,
        action,
    }
}

fn slot_list(slots: &[u32]) -> String {
    match slots {
        [] => "No save".into(),
        [one] => format!("Slot {one}"),
        many => format!(
            "Slots {}",
            many.iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}
