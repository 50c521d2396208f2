//! Manual and automated backups through `BackupFlow`: triggers, switches,
//! schedule across sessions, cooldown, conflict prevention, retention, status.

mod flow_support;

use std::fs;

use backup_core::BackupRun;
use backup_core::FLOW_STATE_FILE;
use backup_core::{BackupConfig, BackupOperation, BackupTrigger, SnapshotKind, TriggerDecision};
use chrono::Duration;
use flow_support::{corrupt, keys, Env};
use serde_json::json;

fn snapshot_kinds(env: &Env, slot: u32) -> Vec<(SnapshotKind, serde_json::Value)> {
    env.store()
        .list_snapshots(slot)
        .unwrap()
        .iter()
        .map(|c| {
            let info = c.metadata().unwrap().snapshot.clone().unwrap();
            (info.kind, info.context)
        })
        .collect()
}

#[test]
fn every_trigger_makes_a_snapshot_carrying_its_context() {
    for &trigger in BackupTrigger::ALL {
        let env = Env::new();
        env.save(1, "Maverick", b"state");
        let run = env
            .flow
            .trigger_automated_backup(trigger, json!({"mission_name": "Destroy the Lucifer"}));
        assert!(run.success, "{trigger:?}: {run:?}");
        assert_eq!(run.trigger, Some(trigger));
        assert_eq!(run.trigger_reason, trigger.key());
        assert_eq!(run.operation_type, trigger.operation().key());
        assert_eq!(run.snapshots.len(), 1);
        let kinds = snapshot_kinds(&env, 1);
        assert_eq!(kinds.len(), 1, "{trigger:?}");
        let (kind, context) = &kinds[0];
        if trigger == BackupTrigger::Manual {
            assert_eq!(*kind, SnapshotKind::Manual);
            assert_eq!(context["mission_name"], "Destroy the Lucifer");
        } else {
            assert_eq!(*kind, SnapshotKind::Automated(trigger.key().into()));
            assert_eq!(context["trigger"], trigger.name());
            assert_eq!(context["operation"], trigger.operation().key());
            assert_eq!(context["context"]["mission_name"], "Destroy the Lucifer");
        }
        let restored = env
            .store()
            .restore_snapshot(1, &run.snapshots[0].snapshot_id)
            .unwrap();
        assert!(
            restored.safety_snapshot.is_none(),
            "same payload, nothing replaced"
        );
    }
}

#[test]
fn manual_backup_snapshots_the_active_slot_or_every_used_slot() {
    let env = Env::new();
    env.save(0, "Iceman", b"zero");
    env.save(3, "Goose", b"three");
    let run = env
        .flow
        .create_manual_backup("Pre-Mission Backup", "Before a hard mission");
    assert!(run.success, "{run:?}");
    let slots: Vec<u32> = run.snapshots.iter().map(|s| s.save_slot).collect();
    assert_eq!(slots, [0, 3]);
    let info = env.store().list_snapshots(3).unwrap()[0]
        .metadata()
        .unwrap()
        .snapshot
        .clone()
        .unwrap();
    assert_eq!(info.name, "Pre-Mission Backup");
    assert_eq!(info.description, "Before a hard mission");
    assert_eq!(info.kind, SnapshotKind::Manual);

    env.flow.set_active_slot(Some(3)).unwrap();
    let run = env.flow.create_manual_backup("Only three", "");
    assert_eq!(run.snapshots.len(), 1);
    assert_eq!(run.snapshots[0].save_slot, 3);
    assert_eq!(env.store().list_snapshots(0).unwrap().len(), 1);
    assert!(env.flow.set_active_slot(Some(10)).is_err());
    assert!(env.flow.set_active_slot(Some(-1)).is_err());
    assert_eq!(env.flow.active_slot(), Some(3));
}

#[test]
fn a_context_slot_overrides_and_is_checked() {
    let env = Env::new();
    env.save(0, "Iceman", b"zero");
    env.save(4, "Goose", b"four");
    let run = env
        .flow
        .trigger_automated_backup(BackupTrigger::MissionComplete, json!({"save_slot": 4}));
    assert!(run.success);
    assert_eq!(run.snapshots[0].save_slot, 4);
    assert!(env.store().list_snapshots(0).unwrap().is_empty());
    let run = env
        .flow
        .trigger_automated_backup(BackupTrigger::GameShutdown, json!({"save_slot": 42}));
    assert!(!run.success);
    assert!(
        run.error_message.contains("out of range"),
        "{}",
        run.error_message
    );
    let run = env
        .flow
        .trigger_automated_backup(BackupTrigger::GameShutdown, json!({"save_slot": "one"}));
    assert!(
        run.error_message.contains("integer"),
        "{}",
        run.error_message
    );
}

#[test]
fn nothing_saved_means_nothing_to_back_up() {
    let env = Env::new();
    let run = env.flow.create_manual_backup("x", "");
    assert!(!run.success);
    assert!(
        run.error_message.contains("no slot has a save"),
        "{}",
        run.error_message
    );
    assert_eq!(env.flow.performance_stats().flow.failed_backups, 1);
}

#[test]
fn a_damaged_slot_is_reported_not_hidden() {
    let env = Env::new();
    env.save(1, "Maverick", b"good");
    env.save(2, "Goose", b"soon broken");
    corrupt(&env.primary(2));
    let run = env.flow.create_manual_backup("Both", "");
    assert!(!run.success);
    assert_eq!(run.snapshots.len(), 1);
    assert_eq!(run.snapshots[0].save_slot, 1);
    assert_eq!(run.failed_slots.len(), 1);
    assert_eq!(run.failed_slots[0].save_slot, 2);
    assert!(
        run.error_message.contains("slot 2"),
        "{}",
        run.error_message
    );
}

#[test]
fn switches_skip_automated_and_event_backups_but_never_manual_ones() {
    let env = Env::new();
    env.save(1, "Maverick", b"state");
    env.flow.set_event_backups_enabled(false);
    let run = env
        .flow
        .trigger_automated_backup(BackupTrigger::AchievementEarned, json!({}));
    assert!(run.skipped && !run.success);
    assert!(run.skip_reason.contains("event"), "{}", run.skip_reason);
    let run = env
        .flow
        .trigger_automated_backup(BackupTrigger::TimerInterval, json!({}));
    assert!(run.success, "timer is not an event");

    let schedule = env.flow.set_automated_backups_enabled(false);
    assert!(!schedule.enable_automated_backups);
    for &trigger in &BackupTrigger::ALL[1..] {
        let run = env.flow.trigger_automated_backup(trigger, json!({}));
        assert!(run.skipped, "{trigger:?}");
        assert!(run.skip_reason.contains("automated backups are disabled"));
    }
    let run = env
        .flow
        .trigger_automated_backup(BackupTrigger::Manual, json!({"backup_name": "Mine"}));
    assert!(run.success);
    assert_eq!(env.store().list_snapshots(1).unwrap().len(), 2);
    assert_eq!(env.flow.performance_stats().flow.skipped_triggers, 7);
}

#[test]
fn a_twelve_hour_schedule_spans_game_sessions() {
    let mut env = Env::new();
    env.save(1, "Maverick", b"state");
    let schedule = env.flow.set_backup_schedule_hours(12).unwrap();
    assert_eq!(schedule.backup_schedule_hours, 12);
    assert_eq!(schedule.next_scheduled_backup, 0, "never ran: due now");
    let first = env.flow.run_due_tasks();
    assert!(first.scheduled_backup.as_ref().unwrap().success);
    assert!(first.health_report.is_some(), "health check was due too");
    let started = env.flow.get_backup_status().unwrap().last_automated_backup;
    assert!(started > 0);

    env.clock.advance(Duration::hours(6));
    let config = BackupConfig {
        backup_schedule_hours: 12,
        ..BackupConfig::default()
    };
    env.reopen(config.clone());
    assert!(matches!(
        env.flow.evaluate_trigger(BackupTrigger::TimerInterval),
        TriggerDecision::Skip(_)
    ));
    let idle = env.flow.run_due_tasks();
    assert!(idle.scheduled_backup.is_none());
    assert!(idle.health_report.is_none(), "72 h have not passed");
    assert_eq!(
        env.flow.get_backup_status().unwrap().next_scheduled_backup,
        started + 12 * 3600
    );

    env.clock.advance(Duration::hours(6));
    env.reopen(config);
    let due = env.flow.run_due_tasks();
    assert!(due.scheduled_backup.unwrap().success);
    assert_eq!(
        env.flow.get_backup_status().unwrap().last_automated_backup,
        started + 12 * 3600
    );
}

#[test]
fn run_due_tasks_does_not_back_up_an_empty_root() {
    let env = Env::new();
    let due = env.flow.run_due_tasks();
    assert!(due.scheduled_backup.is_none());
    assert_eq!(due.health_report.unwrap().total_backups, 0);
}

#[test]
fn repeated_events_are_coalesced_except_shutdown_and_critical_progress() {
    let env = Env::new();
    env.save(1, "Maverick", b"state");
    let t = BackupTrigger::AchievementEarned;
    assert!(env.flow.trigger_automated_backup(t, json!({})).success);
    let again = env.flow.trigger_automated_backup(t, json!({}));
    assert!(again.skipped);
    assert!(
        again.skip_reason.contains("moments ago"),
        "{}",
        again.skip_reason
    );
    env.clock.advance(Duration::seconds(61));
    assert!(env.flow.trigger_automated_backup(t, json!({})).success);
    for always in [BackupTrigger::GameShutdown, BackupTrigger::CriticalProgress] {
        assert!(env.flow.trigger_automated_backup(always, json!({})).success);
        assert!(env.flow.trigger_automated_backup(always, json!({})).success);
    }
}

#[test]
fn one_operation_at_a_time() {
    let env = Env::new();
    env.save(1, "Maverick", b"state");
    assert!(!env.flow.is_backup_operation_active());
    assert!(env.flow.current_operation_context().is_none());
    let guard = env
        .flow
        .begin_operation(BackupOperation::ExportBackup, json!({"who": "test"}))
        .unwrap();
    assert!(env.flow.is_backup_operation_active());
    let ctx = env.flow.current_operation_context().unwrap();
    assert_eq!(ctx.operation, BackupOperation::ExportBackup);
    assert_eq!(ctx.operation_type, "export_backup");
    assert_eq!(ctx.context["who"], "test");

    let busy: BackupRun = env.flow.create_manual_backup("x", "");
    assert!(!busy.success);
    assert!(
        busy.error_message
            .contains("another backup operation is in progress"),
        "{}",
        busy.error_message
    );
    let auto = env
        .flow
        .trigger_automated_backup(BackupTrigger::MissionComplete, json!({}));
    assert!(auto.error_message.contains("in progress"));
    let rec = env.flow.attempt_automatic_recovery(1);
    assert!(rec.error_message.contains("in progress"));
    let export = env.flow.export_backup(1, &env.root().join("x.json"), true);
    assert!(export.error_message.contains("in progress"));
    assert!(env
        .flow
        .begin_operation(BackupOperation::ImportBackup, json!({}))
        .is_err());
    assert!(
        env.flow.perform_health_check().is_ok(),
        "health checks never block"
    );
    assert!(env.store().list_snapshots(1).unwrap().is_empty());
    assert_eq!(env.flow.performance_stats().flow.busy_rejections, 5);

    drop(guard);
    assert!(!env.flow.is_backup_operation_active());
    assert!(env.flow.create_manual_backup("x", "").success);
}

#[test]
fn busy_is_reported_across_threads() {
    let env = Env::new();
    env.save(1, "Maverick", b"state");
    let guard = env
        .flow
        .begin_operation(BackupOperation::ScheduledBackup, json!({}))
        .unwrap();
    let flow = env.flow.clone();
    let other = std::thread::spawn(move || flow.create_manual_backup("from a thread", ""))
        .join()
        .unwrap();
    assert!(
        other.error_message.contains("scheduled_backup is running"),
        "{}",
        other.error_message
    );
    drop(guard);
}

#[test]
fn retention_keeps_the_newest_automated_snapshots_and_every_manual_one() {
    let env = Env::new();
    env.save(1, "Maverick", b"state");
    env.flow.set_max_automated_backups(3).unwrap();
    assert!(env.flow.create_manual_backup("Keep me", "").success);
    let mut made = Vec::new();
    let mut removed = Vec::new();
    for i in 0..6 {
        env.clock.advance(Duration::minutes(5));
        let run = env
            .flow
            .trigger_automated_backup(BackupTrigger::MissionComplete, json!({ "n": i }));
        assert!(run.success);
        made.push(run.snapshots[0].snapshot_id.clone());
        removed.extend(run.removed_by_retention.into_iter().map(|r| r.snapshot_id));
    }
    assert_eq!(removed, made[..3]);
    let kinds = snapshot_kinds(&env, 1);
    assert_eq!(kinds.len(), 4);
    assert_eq!(
        kinds
            .iter()
            .filter(|(k, _)| *k == SnapshotKind::Manual)
            .count(),
        1
    );
    let kept: Vec<i64> = kinds
        .iter()
        .filter(|(k, _)| k.is_automated())
        .map(|(_, c)| c["context"]["n"].as_i64().unwrap())
        .collect();
    assert_eq!(kept, [3, 4, 5]);
    assert!(env.flow.set_max_automated_backups(0).is_err());
}

#[test]
fn settings_are_validated() {
    let env = Env::new();
    for bad in [0, -1, i64::from(u32::MAX) + 1] {
        assert!(env.flow.set_backup_schedule_hours(bad).is_err());
        assert!(env.flow.set_health_check_interval_hours(bad).is_err());
    }
    assert_eq!(env.flow.config().backup_schedule_hours, 24);
    let s = env.flow.set_health_check_interval_hours(6).unwrap();
    assert_eq!(s.health_check_interval_hours, 6);
    let s = env.flow.set_health_monitoring_enabled(false);
    assert!(!s.enable_health_monitoring);
    assert!(env.flow.run_due_tasks().health_report.is_none());
    assert!(env
        .flow
        .set_config(BackupConfig {
            max_automated_backups: 0,
            ..BackupConfig::default()
        })
        .is_err());
}

#[test]
fn status_has_the_spec_keys_and_counts_backups() {
    let env = Env::new();
    env.save(2, "Maverick", b"v1");
    env.save(2, "Maverick", b"v2");
    env.save(2, "Maverick", b"v3");
    assert!(env.flow.create_manual_backup("m", "").success);
    env.save(5, "Goose", b"only");
    let status = env.flow.get_backup_status().unwrap();
    let value = serde_json::to_value(&status).unwrap();
    for key in [
        "automated_backups_enabled",
        "last_automated_backup",
        "save_slots",
    ] {
        assert!(value.get(key).is_some(), "{key}");
    }
    assert_eq!(value["automated_backups_enabled"], true);
    assert_eq!(value["last_automated_backup"], 0);
    let slot = &value["save_slots"][0];
    for key in [
        "slot_number",
        "pilot_callsign",
        "has_backups",
        "backup_count",
    ] {
        assert!(slot.get(key).is_some(), "{key}");
    }
    assert_eq!(slot["slot_number"], 2);
    assert_eq!(slot["pilot_callsign"], "Maverick");
    assert_eq!(slot["has_backups"], true);
    assert_eq!(
        slot["backup_count"], 3,
        "two rolling backups and one snapshot"
    );
    let other = &value["save_slots"][1];
    assert_eq!(other["slot_number"], 5);
    assert_eq!(other["has_backups"], false);
    assert_eq!(other["backup_count"], 0);
    assert_eq!(
        keys(&serde_json::to_value(env.flow.schedule_config()).unwrap()).len(),
        7
    );
}

#[test]
fn a_damaged_state_file_is_quarantined_and_the_schedule_starts_afresh() {
    let mut env = Env::new();
    env.save(1, "Maverick", b"state");
    assert!(
        env.flow
            .trigger_automated_backup(BackupTrigger::TimerInterval, json!({}))
            .success
    );
    let state_path = env.root().join(FLOW_STATE_FILE);
    let text = fs::read_to_string(&state_path).unwrap();
    assert!(text.contains("timer_interval"));
    fs::write(&state_path, "{ not json").unwrap();
    env.reopen(BackupConfig::default());
    let warning = env.flow.state_warning().unwrap();
    assert!(warning.contains("damaged"), "{warning}");
    assert!(!state_path.exists());
    let quarantined = fs::read_dir(env.root().join("quarantine")).unwrap().count();
    assert_eq!(quarantined, 1);
    assert_eq!(
        env.flow.get_backup_status().unwrap().last_automated_backup,
        0
    );
}

#[test]
fn performance_stats_count_flow_and_store_operations() {
    let env = Env::new();
    env.save(1, "Maverick", b"state");
    env.flow.create_manual_backup("m", "");
    env.flow
        .trigger_automated_backup(BackupTrigger::CampaignMilestone, json!({}));
    env.flow.perform_health_check().unwrap();
    let stats = env.flow.performance_stats();
    assert_eq!(stats.flow.manual_backups, 1);
    assert_eq!(stats.flow.automated_backups, 1);
    assert_eq!(stats.flow.health_checks, 1);
    assert_eq!(stats.operations["snapshot"].count, 2);
    assert_eq!(stats.operations["health_check"].count, 1);
    assert_eq!(stats.operations["save"].count, 1);
    assert!(stats.total.count >= 4);
}
