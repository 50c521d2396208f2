//! health, export and import run as a real process, over backup_core's flow.

mod common;

use std::sync::Arc;

use backup_core::{BackupConfig, BackupFlow};
use common::Fixture;
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn health_of_a_healthy_folder_exits_0_with_the_spec_report() {
    let f = Fixture::healthy();
    f.cmd()
        .arg("health")
        .assert()
        .code(0)
        .stdout(contains("Overall health: GOOD"))
        .stdout(contains("6 files: 6 healthy, 0 corrupted, 0 suspicious"))
        .stdout(contains("Recommendations:"))
        .stderr(predicate::str::is_empty());
    let (code, json) = f.json(&["health"]);
    assert_eq!(code, 0);
    let report = &json["report"];
    assert_eq!(report["total_backups"], 6);
    assert_eq!(report["healthy_backups"], 6);
    assert_eq!(report["corrupted_backups"], 0);
    assert_eq!(report["overall_health"], "good");
    assert_eq!(report["trend"], "stable");
    assert_eq!(report["backup_details"][0]["save_slot"], 1);
    assert!(!report["recommendations"].as_array().unwrap().is_empty());
    assert_eq!(json["previous"], serde_json::Value::Null);
}

#[test]
fn health_reports_corruption_with_exit_1_and_never_writes() {
    let f = Fixture::healthy();
    f.flip_byte("slot_2.sav");
    let _game = f.store();
    let (code, json) = f.json(&["health"]);
    assert_eq!(code, 1);
    assert_eq!(json["report"]["corrupted_backups"], 1);
    assert_eq!(json["report"]["overall_health"], "poor");
    assert!(json["report"]["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r.as_str().unwrap().contains("Slot 2")));
    f.cmd()
        .arg("health")
        .assert()
        .code(1)
        .stdout(contains("POOR"))
        .stdout(contains("slot_2.sav"));
    assert!(
        !f.path(backup_core::FLOW_STATE_FILE).exists(),
        "a read-only health check leaves the game's history alone"
    );
}

#[test]
fn health_trend_compares_with_the_games_last_check() {
    let f = Fixture::healthy();
    {
        let flow = BackupFlow::new(Arc::new(f.store()), BackupConfig::default()).unwrap();
        flow.perform_health_check().unwrap();
    }
    assert!(f.path(backup_core::FLOW_STATE_FILE).exists());
    f.flip_byte("slot_1.sav");
    let (code, json) = f.json(&["health"]);
    assert_eq!(code, 1);
    assert_eq!(json["previous"]["overall_health"], "good");
    assert_eq!(json["report"]["trend"], "degrading");
    f.cmd()
        .arg("health")
        .assert()
        .stdout(contains("trend degrading since the game's check"));
    // The game's state file is the store's, not a foreign file.
    let (_, verify) = f.json(&["verify"]);
    assert_eq!(verify["summary"]["foreign"], 0);
}

#[test]
fn export_then_import_moves_a_slot_to_another_folder() {
    let f = Fixture::healthy();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("slot2.json");
    let _game = f.store(); // export is read-only: works while the game runs
    let (code, json) = f.json(&["export", "2", file.to_str().unwrap()]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["slot"], 2);
    assert_eq!(json["pilot_callsign"], "Iceman");
    assert_eq!(
        json["file_size"].as_u64().unwrap(),
        std::fs::metadata(&file).unwrap().len()
    );

    let other = Fixture::new();
    let fresh = other.path("new/saves");
    let output = common::savekeep()
        .arg("--root")
        .arg(&fresh)
        .args(["--json", "import"])
        .arg(&file)
        .args(["--slot", "4"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["slot"], 4);
    assert_eq!(json["pilot_callsign"], "Iceman");
    assert_eq!(json["replaced_existing"], false);
    let store = backup_core::SlotStore::open(&fresh, backup_core::StoreOptions::default()).unwrap();
    assert_eq!(store.load(4).unwrap().payload, b"Iceman save 3");
}

#[test]
fn import_without_slot_takes_the_first_free_one_and_keeps_a_replaced_save() {
    let f = Fixture::healthy();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("s1.json");
    f.cmd().arg("export").arg("1").arg(&file).assert().code(0);
    f.cmd()
        .arg("import")
        .arg(&file)
        .assert()
        .code(0)
        .stdout(contains("into slot 0"));
    assert_eq!(f.payload(0), "Maverick save 3");
    let (code, json) = f.json(&["import", file.to_str().unwrap(), "--slot", "2"]);
    assert_eq!(code, 0);
    assert_eq!(json["replaced_existing"], true);
    let id = json["safety_snapshot"].as_str().unwrap().to_owned();
    assert_eq!(f.payload(2), "Maverick save 3");
    let (_, snaps) = f.json(&["snapshots", "list", "2"]);
    assert_eq!(snaps["snapshots"][0]["id"], id.as_str());
    assert_eq!(snaps["snapshots"][0]["kind"], "safety");
}

#[test]
fn damaged_or_foreign_import_files_are_refused_and_nothing_is_written() {
    let f = Fixture::healthy();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("s1.json");
    f.cmd().arg("export").arg("1").arg(&file).assert().code(0);
    let mut export: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    export["payload_crc32"] = serde_json::json!(export["payload_crc32"].as_u64().unwrap() ^ 1);
    let damaged = out.path().join("damaged.json");
    std::fs::write(&damaged, serde_json::to_vec(&export).unwrap()).unwrap();
    let foreign = out.path().join("notes.txt");
    std::fs::write(&foreign, "dear diary").unwrap();
    let truncated = out.path().join("truncated.json");
    let bytes = std::fs::read(&file).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();

    for (bad, reason) in [
        (&damaged, "checksum mismatch"),
        (&foreign, "not a valid export file"),
        (&truncated, "not a valid export file"),
    ] {
        f.cmd()
            .arg("import")
            .arg(bad)
            .args(["--slot", "5"])
            .assert()
            .code(2)
            .stderr(contains(reason))
            .stderr(contains("nothing was written"));
        let output = f
            .cmd()
            .args(["--json", "import"])
            .arg(bad)
            .args(["--slot", "5"])
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["error"]["kind"], "import_rejected");
        assert!(!f.path("slot_5.sav").exists());
    }
    f.cmd()
        .arg("import")
        .arg(out.path().join("absent.json"))
        .assert()
        .code(2);
}

#[test]
fn import_needs_the_game_closed() {
    let f = Fixture::healthy();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("s1.json");
    f.cmd().arg("export").arg("1").arg(&file).assert().code(0);
    let _game = f.store();
    let (code, json) = f.json(&["import", file.to_str().unwrap(), "--slot", "6"]);
    assert_eq!(code, 2);
    assert_eq!(json["error"]["kind"], "root_in_use");
    assert!(!f.path("slot_6.sav").exists());
}

#[test]
fn export_refuses_damaged_missing_slots_and_existing_files() {
    let f = Fixture::healthy();
    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("out.json");
    f.flip_byte("slot_1.sav");
    f.cmd()
        .arg("export")
        .arg("1")
        .arg(&file)
        .assert()
        .code(1)
        .stderr(contains("savekeep repair 1"));
    assert!(!file.exists());
    f.cmd()
        .arg("export")
        .arg("7")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(contains("not found"));
    assert!(!file.exists());

    std::fs::write(&file, "keep me").unwrap();
    f.cmd()
        .arg("export")
        .arg("2")
        .arg(&file)
        .assert()
        .code(2)
        .stderr(contains("--force"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "keep me");
    f.cmd()
        .arg("export")
        .arg("2")
        .arg(&file)
        .arg("--force")
        .assert()
        .code(0);
    assert!(std::fs::read_to_string(&file)
        .unwrap()
        .contains("backup_system.export"));
}
