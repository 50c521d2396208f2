//! Recovery through `BackupFlow`: analyses and wizards for every scenario,
//! data-loss risk, and each automatic recovery strategy on damaged disks.

mod flow_support;

use std::fs;

use backup_core::Layout;
use backup_core::{DataLossRisk, RecoveryScenario, SnapshotRequest};
use chrono::Duration;
use flow_support::{corrupt, keys, meta, write_record, Env};
use serde_json::json;

fn payload_of(env: &Env, slot: u32) -> Vec<u8> {
    env.store().load(slot).unwrap().payload
}

fn quarantine_count(env: &Env) -> usize {
    fs::read_dir(env.root().join("quarantine"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[test]
fn every_scenario_has_a_wizard_with_the_spec_structure() {
    let env = Env::new();
    for i in 0..3u8 {
        env.save(1, "Maverick", &[i; 64]);
    }
    corrupt(&env.primary(1));
    let mut titles = Vec::new();
    for &scenario in RecoveryScenario::ALL {
        let wizard = env
            .flow
            .start_recovery_wizard(scenario, json!({"save_slot": 1, "error_details": "x"}))
            .unwrap();
        let value = serde_json::to_value(&wizard).unwrap();
        assert_eq!(keys(&value), ["analysis", "scenario", "steps", "title"]);
        assert_eq!(value["scenario"], scenario.ordinal());
        for key in [
            "available_backups",
            "context",
            "data_loss_risk",
            "recommended_action",
            "recovery_options",
            "scenario",
        ] {
            assert!(value["analysis"].get(key).is_some(), "{scenario:?}: {key}");
        }
        assert_eq!(value["analysis"]["context"]["error_details"], "x");
        assert!(wizard.steps.len() >= 3, "{scenario:?}");
        for step in &wizard.steps {
            let step = serde_json::to_value(step).unwrap();
            assert_eq!(keys(&step), ["action", "description", "title"]);
            for key in ["action", "description", "title"] {
                assert!(
                    !step[key].as_str().unwrap().is_empty(),
                    "{scenario:?} {key}"
                );
            }
        }
        titles.push(wizard.title);
    }
    titles.sort();
    titles.dedup();
    assert_eq!(titles.len(), 6, "one title per scenario");
}

#[test]
fn corrupted_save_analysis_lists_the_valid_copies_and_recommends_automatic_recovery() {
    let env = Env::new();
    for i in 0..4u8 {
        env.save(2, "Maverick", &[i; 64]);
    }
    corrupt(&env.primary(2));
    corrupt(&env.backup(2, 2));
    let analysis = env
        .flow
        .analyze_recovery(RecoveryScenario::CorruptedSave, json!({}))
        .unwrap();
    assert_eq!(analysis.affected_slots, [2]);
    let levels: Vec<_> = analysis
        .available_backups
        .iter()
        .map(|b| b.backup_level)
        .collect();
    assert_eq!(levels, [Some(0), Some(1)]);
    assert_eq!(analysis.recommended_action, "automatic_recovery");
    assert_eq!(analysis.data_loss_risk, DataLossRisk::Low);
    assert!(analysis
        .recovery_options
        .iter()
        .any(|o| o.action == "restore_backup" && o.backup_level == Some(1)));
    let wizard = env
        .flow
        .start_recovery_wizard(RecoveryScenario::CorruptedSave, json!({}))
        .unwrap();
    assert_eq!(wizard.title, "Recover a Corrupted Save");
    let actions: Vec<_> = wizard.steps.iter().map(|s| s.action).collect();
    assert!(actions.contains(&"keep_evidence"));
    assert!(actions.contains(&"automatic_recovery"));
    assert_eq!(*actions.last().unwrap(), "create_backup");
}

#[test]
fn risk_is_medium_for_a_single_or_old_copy_and_high_for_none() {
    let env = Env::new();
    env.save(1, "Maverick", b"one");
    env.save(1, "Maverick", b"two");
    corrupt(&env.primary(1));
    let one_copy = env
        .flow
        .analyze_recovery(RecoveryScenario::CorruptedSave, json!({"save_slot": 1}))
        .unwrap();
    assert_eq!(one_copy.data_loss_risk, DataLossRisk::Medium);

    env.save(3, "Goose", b"a");
    env.save(3, "Goose", b"b");
    env.save(3, "Goose", b"c");
    fs::remove_file(env.primary(3)).unwrap();
    let fresh = env
        .flow
        .analyze_recovery(RecoveryScenario::MissingSave, json!({"save_slot": 3}))
        .unwrap();
    assert_eq!(fresh.data_loss_risk, DataLossRisk::Low);
    env.clock.advance(Duration::hours(25));
    let stale = env
        .flow
        .analyze_recovery(RecoveryScenario::MissingSave, json!({"save_slot": 3}))
        .unwrap();
    assert_eq!(stale.data_loss_risk, DataLossRisk::Medium);
    assert!(stale.available_backups[0].age_seconds.unwrap() > 25 * 3600);

    let nothing = env
        .flow
        .analyze_recovery(RecoveryScenario::MissingSave, json!({"save_slot": 6}))
        .unwrap();
    assert_eq!(nothing.data_loss_risk, DataLossRisk::High);
    assert_eq!(nothing.recommended_action, "import_backup");
    let actions: Vec<_> = nothing.recovery_options.iter().map(|o| o.action).collect();
    assert_eq!(actions, ["import_backup", "start_new_game"]);
}

#[test]
fn complete_data_loss_covers_every_damaged_slot() {
    let env = Env::new();
    for slot in [0, 4, 8] {
        env.save(slot, "Maverick", b"a");
        env.save(slot, "Maverick", b"b");
        corrupt(&env.primary(slot));
    }
    corrupt(&env.backup(8, 0));
    let wizard = env
        .flow
        .start_recovery_wizard(RecoveryScenario::CompleteDataLoss, json!({}))
        .unwrap();
    let analysis = &wizard.analysis;
    assert_eq!(analysis.affected_slots, [0, 4, 8]);
    assert_eq!(analysis.available_backups.len(), 2);
    assert_eq!(
        analysis.data_loss_risk,
        DataLossRisk::High,
        "slot 8 has nothing"
    );
    assert_eq!(analysis.recommended_action, "automatic_recovery");
    assert!(analysis
        .recovery_options
        .iter()
        .any(|o| o.action == "start_new_game" && o.save_slot == Some(8)));
    assert!(wizard.steps.iter().any(|s| s.action == "start_new_game"));
}

#[test]
fn pilot_and_campaign_scenarios_go_back_to_an_earlier_matching_copy() {
    let env = Env::new();
    env.save(1, "Maverick", b"good pilot");
    env.save(1, "Maverick", b"good pilot 2");
    let mut broken = meta("");
    broken.campaign = "Hermes".into();
    env.store().save(1, b"pilot gone", &broken).unwrap();
    let analysis = env
        .flow
        .analyze_recovery(
            RecoveryScenario::PilotDataLoss,
            json!({"pilot_callsign": "Maverick", "save_slot": 1}),
        )
        .unwrap();
    assert_eq!(analysis.recommended_action, "restore_backup");
    assert!(analysis
        .available_backups
        .iter()
        .all(|b| b.pilot_callsign == "Maverick"));
    assert_eq!(analysis.available_backups.len(), 2);
    assert!(
        analysis
            .recovery_options
            .iter()
            .all(|o| o.action != "automatic_recovery"),
        "the primary verifies"
    );
    let wizard = env
        .flow
        .start_recovery_wizard(RecoveryScenario::PilotDataLoss, json!({"save_slot": 1}))
        .unwrap();
    assert_eq!(wizard.title, "Recover Pilot Data");
    assert!(wizard.steps.iter().any(|s| s.action == "restore_backup"));

    let mut other = meta("Maverick");
    other.campaign = "Other".into();
    env.store().save(1, b"campaign broken", &other).unwrap();
    let campaign = env
        .flow
        .analyze_recovery(
            RecoveryScenario::CampaignCorruption,
            json!({"campaign": "Hermes", "save_slot": 1}),
        )
        .unwrap();
    assert!(campaign
        .available_backups
        .iter()
        .all(|b| b.campaign == "Hermes"));
    assert_eq!(campaign.available_backups.len(), 3);
    assert_eq!(campaign.recommended_action, "restore_backup");
}

#[test]
fn settings_reset_leaves_saves_alone() {
    let env = Env::new();
    env.save(1, "Maverick", b"state");
    let wizard = env
        .flow
        .start_recovery_wizard(RecoveryScenario::SettingsReset, json!({}))
        .unwrap();
    assert_eq!(wizard.analysis.recommended_action, "reset_settings");
    assert_eq!(wizard.analysis.data_loss_risk, DataLossRisk::Low);
    assert!(wizard.analysis.affected_slots.is_empty());
    let actions: Vec<_> = wizard.steps.iter().map(|s| s.action).collect();
    assert_eq!(actions, ["review", "reset_settings", "verify_saves"]);
}

#[test]
fn healthy_saves_need_no_action_and_bad_contexts_are_refused() {
    let env = Env::new();
    env.save(1, "Maverick", b"state");
    let analysis = env
        .flow
        .analyze_recovery(RecoveryScenario::CorruptedSave, json!({}))
        .unwrap();
    assert_eq!(analysis.recommended_action, "no_action_needed");
    assert_eq!(analysis.data_loss_risk, DataLossRisk::Low);
    for bad in [
        json!({"save_slot": 10}),
        json!({"save_slot": -1}),
        json!({"save_slot": "1"}),
    ] {
        assert!(env
            .flow
            .start_recovery_wizard(RecoveryScenario::CorruptedSave, bad)
            .is_err());
    }
}

#[test]
fn strategy_one_restores_the_newest_rolling_backup_and_quarantines_the_damage() {
    let env = Env::new();
    for i in 0..4u8 {
        env.save(1, "Maverick", &[i; 32]);
    }
    corrupt(&env.primary(1));
    let damaged = fs::read(env.primary(1)).unwrap();
    let attempt = env.flow.attempt_automatic_recovery(1);
    assert!(attempt.success, "{attempt:?}");
    assert_eq!(attempt.recovery_method, "rolling_backup");
    assert_eq!(attempt.backup_level, Some(0));
    assert!(attempt.error_message.is_empty());
    assert_eq!(payload_of(&env, 1), [2; 32]);
    let kept = env
        .root()
        .join("quarantine")
        .join(attempt.quarantined_file.unwrap());
    assert_eq!(
        fs::read(kept).unwrap(),
        damaged,
        "the damaged file is kept as it was"
    );
    assert_eq!(quarantine_count(&env), 1);
    let stats = env.flow.performance_stats().flow;
    assert_eq!(
        (stats.recoveries_attempted, stats.recoveries_succeeded),
        (1, 1)
    );
}

#[test]
fn strategy_two_falls_back_to_older_levels() {
    let env = Env::new();
    for i in 0..4u8 {
        env.save(1, "Maverick", &[i; 32]);
    }
    corrupt(&env.primary(1));
    corrupt(&env.backup(1, 0));
    let attempt = env.flow.attempt_automatic_recovery(1);
    assert_eq!(attempt.recovery_method, "older_rolling_backup");
    assert_eq!(attempt.backup_level, Some(1));
    assert_eq!(payload_of(&env, 1), [1; 32]);
    assert!(
        env.backup(1, 0).exists(),
        "a damaged backup is left for cleanup, not deleted"
    );
}

#[test]
fn strategy_three_uses_the_newest_valid_snapshot() {
    let env = Env::new();
    env.save(1, "Maverick", b"older");
    env.store()
        .create_snapshot(1, &SnapshotRequest::manual("old", ""))
        .unwrap();
    env.save(1, "Maverick", b"newer");
    env.clock.advance(Duration::minutes(1));
    let newest = env
        .store()
        .create_snapshot(1, &SnapshotRequest::manual("new", ""))
        .unwrap();
    corrupt(&env.primary(1));
    corrupt(&env.backup(1, 0));
    let attempt = env.flow.attempt_automatic_recovery(1);
    assert_eq!(attempt.recovery_method, "snapshot");
    assert_eq!(attempt.snapshot_id.as_deref(), Some(newest.id.as_str()));
    assert_eq!(payload_of(&env, 1), b"newer");
}

#[test]
fn strategy_four_completes_an_interrupted_write() {
    let env = Env::new();
    let temp = Layout::temp_for(&env.primary(5));
    write_record(&temp, &meta("Iceman"), b"almost lost");
    let attempt = env.flow.attempt_automatic_recovery(5);
    assert_eq!(attempt.recovery_method, "interrupted_write", "{attempt:?}");
    assert_eq!(payload_of(&env, 5), b"almost lost");
    assert_eq!(
        env.store().load(5).unwrap().metadata.pilot_callsign,
        "Iceman"
    );
    assert!(!temp.exists());
}

#[test]
fn with_nothing_valid_recovery_fails_clearly_and_keeps_every_file() {
    let env = Env::new();
    env.save(1, "Maverick", b"a");
    env.save(1, "Maverick", b"b");
    corrupt(&env.primary(1));
    corrupt(&env.backup(1, 0));
    let temp = Layout::temp_for(&env.primary(1));
    fs::write(&temp, b"BKSV torn").unwrap();
    let before = flow_support::tree(env.root());
    let attempt = env.flow.attempt_automatic_recovery(1);
    assert!(!attempt.success);
    assert!(attempt.recovery_method.is_empty());
    assert!(
        attempt.error_message.contains("no valid copy"),
        "{}",
        attempt.error_message
    );
    assert!(
        attempt.error_message.contains("incomplete"),
        "{}",
        attempt.error_message
    );
    assert_eq!(
        flow_support::tree(env.root()),
        before,
        "nothing moved or deleted"
    );
    let stats = env.flow.performance_stats().flow;
    assert_eq!(
        (stats.recoveries_attempted, stats.recoveries_succeeded),
        (1, 0)
    );
}

#[test]
fn healthy_newer_and_invalid_slots() {
    let env = Env::new();
    env.save(1, "Maverick", b"fine");
    let attempt = env.flow.attempt_automatic_recovery(1);
    assert!(attempt.success);
    assert_eq!(attempt.recovery_method, "already_healthy");

    let mut bytes = fs::read(env.primary(1)).unwrap();
    bytes[4..6].copy_from_slice(&9u16.to_le_bytes());
    let crc = crc32fast::hash(&bytes[..28]);
    bytes[28..32].copy_from_slice(&crc.to_le_bytes());
    fs::write(env.primary(1), &bytes).unwrap();
    env.save(2, "Goose", b"x");
    let attempt = env.flow.attempt_automatic_recovery(1);
    assert!(!attempt.success);
    assert!(
        attempt.error_message.contains("newer"),
        "{}",
        attempt.error_message
    );
    assert_eq!(fs::read(env.primary(1)).unwrap(), bytes);

    for bad in [-1, 10, i64::MAX] {
        let attempt = env.flow.attempt_automatic_recovery(bad);
        assert!(!attempt.success);
        assert!(attempt.error_message.contains("out of range"));
    }
}
