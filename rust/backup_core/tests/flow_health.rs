//! Health checks through `BackupFlow`: every level, every suspicious rule,
//! the report's keys, history and trend, progress and threads.

mod flow_support;

use std::fs;
use std::sync::{Arc, Mutex};

use backup_core::envelope;
use backup_core::{BackupConfig, HealthLevel, HealthTrend};
use backup_core::{FileHealthStatus, HealthReport};
use chrono::Duration;
use flow_support::{corrupt, keys, meta, write_record, Env};

/// A slot with a primary, three rolling backups and a manual snapshot.
fn rich_slot(env: &Env, slot: u32) {
    for i in 0..4u8 {
        env.save(slot, "Maverick", &[i; 2048]);
    }
    env.flow.set_active_slot(Some(slot.into())).unwrap();
    assert!(env.flow.create_manual_backup("safe", "").success);
    env.flow.set_active_slot(None).unwrap();
}

fn check(env: &Env) -> HealthReport {
    env.flow.perform_health_check().unwrap()
}

fn issues(report: &HealthReport) -> Vec<String> {
    report
        .backup_details
        .iter()
        .flat_map(|s| s.backup_details.iter())
        .flat_map(|f| f.issues.clone())
        .collect()
}

#[test]
fn report_has_exactly_the_spec_keys() {
    let env = Env::new();
    rich_slot(&env, 1);
    let report = serde_json::to_value(check(&env)).unwrap();
    assert_eq!(
        keys(&report),
        [
            "backup_details",
            "check_time",
            "corrupted_backups",
            "healthy_backups",
            "overall_health",
            "recommendations",
            "suspicious_backups",
            "total_backups",
            "trend"
        ]
    );
    assert_eq!(
        keys(&report["backup_details"][0]),
        [
            "backup_count",
            "backup_details",
            "corrupted_count",
            "healthy_count",
            "save_slot",
            "suspicious_count"
        ]
    );
    assert_eq!(report["overall_health"], "excellent");
    assert_eq!(
        report["check_time"],
        env.flow.store().clock().now().timestamp()
    );
    let file = &report["backup_details"][0]["backup_details"][0];
    assert_eq!(file["kind"], "primary");
    assert_eq!(file["status"], "healthy");
}

#[test]
fn excellent_when_every_slot_has_backups_and_a_snapshot() {
    let env = Env::new();
    rich_slot(&env, 1);
    rich_slot(&env, 4);
    let report = check(&env);
    assert_eq!(report.overall_health, HealthLevel::Excellent);
    assert_eq!(report.total_backups, 10);
    assert_eq!(report.healthy_backups, 10);
    assert_eq!(report.backup_details[1].save_slot, 4);
    assert_eq!(report.backup_details[1].backup_count, 5);
    assert!(
        report.recommendations.is_empty(),
        "{:?}",
        report.recommendations
    );
}

#[test]
fn good_when_healthy_but_thin_or_empty() {
    let env = Env::new();
    let empty = check(&env);
    assert_eq!(empty.overall_health, HealthLevel::Good);
    assert_eq!(empty.total_backups, 0);
    assert!(empty.recommendations[0].contains("No saves"));

    env.save(2, "Goose", b"only copy");
    let report = check(&env);
    assert_eq!(report.overall_health, HealthLevel::Good);
    assert!(report
        .recommendations
        .iter()
        .any(|r| r.contains("Slot 2") && r.contains("only copy")));
}

#[test]
fn warning_for_one_corrupted_backup_among_healthy_files() {
    let env = Env::new();
    rich_slot(&env, 1);
    corrupt(&env.backup(1, 2));
    let report = check(&env);
    assert_eq!(report.overall_health, HealthLevel::Warning);
    assert_eq!(report.corrupted_backups, 1);
    assert_eq!(report.healthy_backups, 4);
    let slot = &report.backup_details[0];
    assert_eq!(slot.corrupted_count, 1);
    let bad = slot
        .backup_details
        .iter()
        .find(|f| f.status == FileHealthStatus::Corrupted)
        .unwrap();
    assert_eq!(bad.backup_level, Some(2));
    assert!(bad.issues[0].contains("checksum"), "{:?}", bad.issues);
    assert!(report
        .recommendations
        .iter()
        .any(|r| r.contains("damaged backup") && r.contains("cleanup")));
}

#[test]
fn poor_when_a_primary_is_damaged_but_recoverable() {
    let env = Env::new();
    rich_slot(&env, 1);
    corrupt(&env.primary(1));
    let report = check(&env);
    assert_eq!(report.overall_health, HealthLevel::Poor);
    assert!(report.recommendations[0].contains("Slot 1: the current save is corrupted"));
    assert!(report.recommendations[0].contains("automatic recovery"));

    fs::remove_file(env.primary(1)).unwrap();
    let report = check(&env);
    assert_eq!(report.overall_health, HealthLevel::Poor);
    assert!(report.recommendations[0].contains("is missing"));
}

#[test]
fn poor_when_a_quarter_of_the_files_are_corrupted() {
    let env = Env::new();
    rich_slot(&env, 1);
    rich_slot(&env, 2);
    corrupt(&env.backup(1, 0));
    corrupt(&env.backup(1, 1));
    corrupt(&env.backup(2, 2));
    let report = check(&env);
    assert_eq!(report.corrupted_backups, 3);
    assert_eq!(report.total_backups, 10);
    assert_eq!(report.overall_health, HealthLevel::Poor);
}

#[test]
fn critical_when_a_slot_has_no_valid_copy_left() {
    let env = Env::new();
    rich_slot(&env, 1);
    for i in 0..2u8 {
        env.save(3, "Goose", &[i; 100]);
    }
    corrupt(&env.primary(3));
    corrupt(&env.backup(3, 0));
    let report = check(&env);
    assert_eq!(report.overall_health, HealthLevel::Critical);
    assert!(report.recommendations[0].contains("Slot 3: no valid copy is left"));
}

#[test]
fn critical_when_most_files_are_corrupted() {
    let env = Env::new();
    rich_slot(&env, 1);
    for level in 0..3 {
        corrupt(&env.backup(1, level));
    }
    let report = check(&env);
    assert_eq!(report.corrupted_backups, 3);
    assert_eq!(report.overall_health, HealthLevel::Critical);
}

#[test]
fn future_timestamps_are_suspicious() {
    let env = Env::new();
    rich_slot(&env, 1);
    env.clock.advance(Duration::hours(2));
    env.save(1, "Maverick", &[9; 2048]);
    env.clock.advance(Duration::hours(-3));
    let report = check(&env);
    assert_eq!(report.overall_health, HealthLevel::Warning);
    assert!(report.suspicious_backups >= 1);
    assert!(issues(&report).iter().any(|i| i.contains("future")));
    assert!(report
        .recommendations
        .iter()
        .any(|r| r.contains("date and time")));
}

#[test]
fn an_older_format_is_suspicious() {
    let env = Env::new();
    rich_slot(&env, 1);
    fs::write(env.backup(1, 2), envelope::encode_legacy_v1(&[7; 2048])).unwrap();
    let report = check(&env);
    assert_eq!(report.suspicious_backups, 1);
    assert_eq!(report.overall_health, HealthLevel::Warning);
    assert!(issues(&report)
        .iter()
        .any(|i| i.contains("older format version 1")));
    assert!(report.recommendations.iter().any(|r| r.contains("upgrade")));
}

#[test]
fn size_anomalies_empty_payloads_and_foreign_pilots_are_suspicious() {
    let env = Env::new();
    rich_slot(&env, 1);
    let mut m = meta("Maverick");
    m.modified_at = Some(env.flow.store().clock().now() - Duration::hours(5));
    write_record(&env.backup(1, 1), &m, &[1; 10]);
    write_record(&env.backup(1, 2), &m, b"");
    let mut stranger = meta("Viper");
    stranger.modified_at = m.modified_at.map(|t| t - Duration::hours(1));
    let level0 = env.backup(1, 0);
    write_record(&level0, &stranger, &[3; 2048]);
    let report = check(&env);
    let all = issues(&report);
    assert!(all.iter().any(|i| i.contains("much smaller")), "{all:?}");
    assert!(all.iter().any(|i| i.contains("empty")), "{all:?}");
    assert!(all.iter().any(|i| i.contains("pilot \"Viper\"")), "{all:?}");
    assert_eq!(report.suspicious_backups, 3);
    assert_eq!(report.overall_health, HealthLevel::Warning);
}

#[test]
fn a_stale_snapshot_earns_a_recommendation_not_a_verdict() {
    let env = Env::new();
    rich_slot(&env, 1);
    env.clock.advance(Duration::days(6));
    env.save(1, "Maverick", &[5; 2048]);
    let fresh = check(&env);
    assert!(
        fresh.recommendations.is_empty(),
        "{:?}",
        fresh.recommendations
    );
    env.clock.advance(Duration::days(2));
    env.save(1, "Maverick", &[6; 2048]);
    let stale = check(&env);
    assert_eq!(stale.overall_health, HealthLevel::Excellent);
    assert_eq!(stale.suspicious_backups, 0);
    assert!(
        stale
            .recommendations
            .iter()
            .any(|r| r.contains("Slot 1: the newest snapshot is 8 days older")),
        "{:?}",
        stale.recommendations
    );
}

#[test]
fn out_of_order_backups_are_suspicious() {
    let env = Env::new();
    rich_slot(&env, 1);
    let mut m = meta("Maverick");
    m.modified_at = Some(env.flow.store().clock().now() + Duration::minutes(1));
    write_record(&env.backup(1, 2), &m, &[2; 2048]);
    let report = check(&env);
    assert!(issues(&report)
        .iter()
        .any(|i| i.contains("newer than a more recent")));
    assert_eq!(report.overall_health, HealthLevel::Warning);
}

#[test]
fn a_primary_from_a_newer_game_is_suspicious_and_makes_health_poor() {
    let env = Env::new();
    rich_slot(&env, 1);
    let mut bytes = fs::read(env.primary(1)).unwrap();
    bytes[4..6].copy_from_slice(&3u16.to_le_bytes());
    let crc = crc32fast::hash(&bytes[..28]);
    bytes[28..32].copy_from_slice(&crc.to_le_bytes());
    fs::write(env.primary(1), &bytes).unwrap();
    let report = check(&env);
    assert_eq!(report.corrupted_backups, 0);
    assert_eq!(report.suspicious_backups, 1);
    assert_eq!(report.overall_health, HealthLevel::Poor);
    assert!(report.recommendations[0].contains("newer version of the game"));
    assert_eq!(fs::read(env.primary(1)).unwrap(), bytes, "left untouched");
}

#[test]
fn history_persists_and_gives_a_trend() {
    let mut env = Env::new();
    rich_slot(&env, 1);
    let first = check(&env);
    assert_eq!(first.trend, HealthTrend::Stable);
    corrupt(&env.backup(1, 1));
    env.clock.advance(Duration::hours(1));
    let worse = check(&env);
    assert_eq!(worse.trend, HealthTrend::Degrading);
    assert!(worse
        .recommendations
        .iter()
        .any(|r| r.contains("worse than at the previous check")));

    env.reopen(BackupConfig::default());
    let history = env.flow.health_history();
    assert_eq!(history.len(), 2);
    assert_eq!(history[1].overall_health, HealthLevel::Warning);

    fs::write(env.backup(1, 2), envelope::encode_legacy_v1(&[7; 2048])).unwrap();
    let same_level_more_damage = check(&env);
    assert_eq!(same_level_more_damage.overall_health, HealthLevel::Warning);
    assert_eq!(same_level_more_damage.trend, HealthTrend::Degrading);
    env.flow.store().cleanup().unwrap();
    let better = check(&env);
    assert_eq!(better.trend, HealthTrend::Improving);
    let again = check(&env);
    assert_eq!(again.trend, HealthTrend::Stable);
    assert_eq!(env.flow.health_history().len(), 5);
    assert!(env.flow.get_backup_status().unwrap().last_health_check > 0);
}

#[test]
fn progress_counts_every_file_and_the_check_runs_on_another_thread() {
    let env = Env::new();
    rich_slot(&env, 1);
    rich_slot(&env, 7);
    let seen = Arc::new(Mutex::new(Vec::new()));
    let flow = env.flow.clone();
    let sink = seen.clone();
    let report = std::thread::spawn(move || {
        flow.perform_health_check_with_progress(&mut |done, total| {
            sink.lock().unwrap().push((done, total))
        })
    })
    .join()
    .unwrap()
    .unwrap();
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), report.total_backups + 1);
    for (i, (done, total)) in seen.iter().enumerate() {
        assert_eq!(*done, i);
        assert_eq!(*total, 10);
    }
}
