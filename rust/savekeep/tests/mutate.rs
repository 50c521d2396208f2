//! The commands that change a folder (repair, restore, snapshots create and
//! prune) run as a real process: confirmation, evidence kept, the writer
//! lock respected.

mod common;

use backup_core::SnapshotRequest;
use common::{newer_version_record, Fixture};
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn repair_asks_and_does_nothing_when_declined() {
    let f = Fixture::healthy();
    f.flip_byte("slot_1.sav");
    let damaged = f.read("slot_1.sav");
    for answer in ["n\n", "\n", "maybe\n", ""] {
        f.cmd()
            .args(["repair", "1"])
            .write_stdin(answer)
            .assert()
            .code(1)
            .stderr(contains("Repair slot 1? [y/N]"))
            .stderr(contains("restored from backup level 0"))
            .stdout(contains("Nothing was changed."));
        assert_eq!(f.read("slot_1.sav"), damaged, "answer {answer:?}");
        assert!(f.quarantined().is_empty());
    }
    let (code, json) = {
        let output = f
            .cmd()
            .args(["--json", "repair", "1"])
            .write_stdin("no\n")
            .output()
            .unwrap();
        (
            output.status.code().unwrap(),
            serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap(),
        )
    };
    assert_eq!(code, 1);
    assert_eq!(json["result"], "declined");
    assert_eq!(json["source"]["kind"], "backup");
    assert_eq!(json["source"]["level"], 0);
}

#[test]
fn repair_confirmed_restores_the_newest_valid_copy_and_keeps_the_damaged_file() {
    let f = Fixture::healthy();
    f.flip_byte("slot_1.sav");
    let damaged = f.read("slot_1.sav");
    f.cmd()
        .args(["repair", "1"])
        .write_stdin("y\n")
        .assert()
        .code(0)
        .stdout(contains("Slot 1: restored from backup level 0."))
        .stdout(contains("quarantine"));
    // Backup level 0 held the second save.
    assert_eq!(f.payload(1), "Maverick save 2");
    let quarantined = f.quarantined();
    assert_eq!(quarantined.len(), 1);
    assert!(quarantined[0].starts_with("slot_1.sav."));
    assert_eq!(f.read(&format!("quarantine/{}", quarantined[0])), damaged);
    f.cmd().arg("verify").assert().code(0);
}

#[test]
fn repair_never_prunes_the_quarantine_the_game_keeps() {
    // The game may keep more than the store's default of 50 quarantined
    // files; savekeep does not know its limits and deletes none of them.
    let f = Fixture::healthy();
    std::fs::create_dir_all(f.path("quarantine")).unwrap();
    for i in 0..60 {
        f.write(
            &format!("quarantine/slot_0.sav.20260101T0000{:02}000Z", i),
            b"old evidence",
        );
    }
    f.flip_byte("slot_1.sav");
    f.cmd().args(["repair", "1", "--yes"]).assert().code(0);
    assert_eq!(f.quarantined().len(), 61);
}

#[test]
fn repair_with_yes_does_not_read_stdin_and_reports_json() {
    let f = Fixture::healthy();
    std::fs::remove_file(f.path("slot_2.sav")).unwrap();
    let (code, json) = f.json(&["repair", "2", "--yes"]);
    assert_eq!(code, 0);
    assert_eq!(json["command"], "repair");
    assert_eq!(json["slot"], 2);
    assert_eq!(json["result"], "repaired");
    assert_eq!(json["source"]["kind"], "backup");
    assert_eq!(json["quarantined"], serde_json::Value::Null);
    assert_eq!(f.payload(2), "Iceman save 2");
}

#[test]
fn repair_of_a_healthy_slot_changes_nothing() {
    let f = Fixture::healthy();
    let before = f.read("slot_1.sav");
    f.cmd()
        .args(["repair", "1"])
        .assert()
        .code(0)
        .stdout(contains("healthy: nothing to repair"))
        .stderr(contains("[y/N]").not());
    assert_eq!(f.read("slot_1.sav"), before);
}

#[test]
fn repair_without_any_valid_copy_fails_with_exit_1_and_moves_nothing() {
    let f = Fixture::new();
    f.save_times(3, "Goose", 1);
    f.truncate("slot_3.sav", 40);
    let damaged = f.read("slot_3.sav");
    f.cmd()
        .args(["repair", "3", "--yes"])
        .assert()
        .code(1)
        .stderr(contains("no valid copy left"))
        .stderr(contains("contact support"));
    assert_eq!(f.read("slot_3.sav"), damaged);
    let (code, json) = f.json(&["repair", "3", "--yes"]);
    assert_eq!(code, 1);
    assert_eq!(json["error"]["kind"], "no_valid_copy");
}

#[test]
fn repair_refuses_a_save_from_a_newer_game() {
    let f = Fixture::healthy();
    let newer = newer_version_record(b"from the future");
    f.write("slot_2.sav", &newer);
    f.cmd()
        .args(["repair", "2", "--yes"])
        .assert()
        .code(1)
        .stderr(contains("newer"));
    assert_eq!(f.read("slot_2.sav"), newer);
}

#[test]
fn mutating_commands_report_a_folder_in_use() {
    let f = Fixture::healthy();
    f.flip_byte("slot_1.sav");
    let game = f.store();
    f.cmd()
        .args(["repair", "1", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("in use by another process"))
        .stderr(contains("close it and run the command again"));
    let (code, json) = f.json(&["restore", "1", "0"]);
    assert_eq!(code, 2);
    assert_eq!(json["error"]["kind"], "root_in_use");
    f.cmd().args(["snapshots", "create", "2"]).assert().code(2);
    // Verify still works, and still sees the damage.
    f.cmd().arg("verify").assert().code(1);
    drop(game);
    // Once the game is gone, the repair goes through (retrying the short
    // window in which a process spawned by a parallel test still holds a
    // copy of the released lock).
    let mut code = None;
    for _ in 0..200 {
        code = f
            .cmd()
            .args(["repair", "1", "--yes"])
            .output()
            .unwrap()
            .status
            .code();
        if code != Some(2) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(code, Some(0));
    assert_eq!(f.payload(1), "Maverick save 2");
}

#[test]
fn restore_puts_a_backup_level_back_and_keeps_the_replaced_save() {
    let f = Fixture::healthy();
    let (code, json) = f.json(&["restore", "1", "1"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["result"], "restored");
    assert_eq!(json["source"]["level"], 1);
    let snapshot = json["safety_snapshot"].as_str().unwrap().to_owned();
    assert_eq!(f.payload(1), "Maverick save 1");
    let (_, list) = f.json(&["snapshots", "list", "1"]);
    let snaps = list["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 1);
    assert_eq!(snaps[0]["id"], snapshot.as_str());
    assert_eq!(snaps[0]["kind"], "pre_restore");
}

#[test]
fn restore_rejects_bad_levels_and_damaged_backups() {
    let f = Fixture::healthy();
    f.cmd()
        .args(["restore", "1", "7"])
        .assert()
        .code(2)
        .stderr(contains("backup level 7 does not exist"));
    f.cmd()
        .args(["restore", "1", "2"])
        .assert()
        .code(2)
        .stderr(contains("not found"));
    f.flip_byte("slot_1.sav.bak0");
    let before = f.read("slot_1.sav");
    f.cmd().args(["restore", "1", "0"]).assert().code(1);
    assert_eq!(f.read("slot_1.sav"), before);
    f.cmd()
        .args(["restore", "12", "0"])
        .assert()
        .code(2)
        .stderr(contains("--slots"));
}

#[test]
fn snapshots_create_list_and_prune_follow_retention() {
    let f = Fixture::healthy();
    f.cmd()
        .args(["snapshots", "create", "1", "--name", "Before boss"])
        .assert()
        .code(0)
        .stdout(contains("\"Before boss\" created"));
    {
        let store = f.store();
        for n in 0..4 {
            store
                .create_snapshot(
                    1,
                    &SnapshotRequest::automated("mission_complete", serde_json::json!(n)),
                )
                .unwrap();
        }
    }
    let (_, list) = f.json(&["snapshots", "list"]);
    let snaps = list["snapshots"].as_array().unwrap();
    assert_eq!(snaps.len(), 5);
    assert_eq!(snaps[0]["kind"], "manual");
    assert_eq!(snaps[0]["name"], "Before boss");
    assert_eq!(snaps[1]["kind"], "automated");
    assert_eq!(snaps[1]["trigger"], "mission_complete");
    let automated: Vec<String> = snaps[1..]
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_owned())
        .collect();

    let (code, dry) = f.json(&["snapshots", "prune", "--keep-last", "1", "--dry-run"]);
    assert_eq!(code, 0);
    assert_eq!(dry["dry_run"], true);
    assert_eq!(dry["policy"]["keep_last"], 1);
    let would: Vec<&str> = dry["removed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        would,
        automated[..3]
            .iter()
            .rev()
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    let (_, still) = f.json(&["snapshots", "list", "1"]);
    assert_eq!(
        still["snapshots"].as_array().unwrap().len(),
        5,
        "dry run removes nothing"
    );

    f.cmd()
        .args(["snapshots", "prune", "--keep-last", "1"])
        .assert()
        .code(0)
        .stdout(contains("3 snapshot(s) removed"));
    let (_, after) = f.json(&["snapshots", "list", "1"]);
    let left: Vec<&str> = after["snapshots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(left, ["manual", "automated"]);
    assert_eq!(after["snapshots"][1]["id"], automated[3].as_str());
}

#[test]
fn snapshot_of_a_damaged_slot_is_refused() {
    let f = Fixture::healthy();
    f.flip_byte("slot_2.sav");
    f.cmd()
        .args(["snapshots", "create", "2"])
        .assert()
        .code(1)
        .stderr(contains("corrupt"));
    assert!(
        !f.path("snapshots/slot_2").exists()
            || std::fs::read_dir(f.path("snapshots/slot_2"))
                .unwrap()
                .next()
                .is_none()
    );
}

#[test]
fn mutating_commands_never_create_a_missing_folder() {
    let f = Fixture::new();
    let missing = f.path("typo");
    common::savekeep()
        .arg("--root")
        .arg(&missing)
        .args(["repair", "1", "--yes"])
        .assert()
        .code(2)
        .stderr(contains("save root not found"));
    assert!(!missing.exists());
}

#[test]
fn repair_asks_before_settling_and_then_reports_what_opening_the_folder_settled() {
    let f = Fixture::healthy();
    // A complete save that was interrupted before its rename, next to a
    // damaged primary.
    std::fs::copy(f.path("slot_1.sav"), f.path("slot_1.sav.tmp")).unwrap();
    f.flip_byte("slot_1.sav");
    let tmp_bytes = std::fs::read(f.path("slot_1.sav.tmp")).unwrap();
    // Without --yes and without an answer: the plan is shown, nothing changes.
    f.cmd()
        .args(["repair", "1"])
        .assert()
        .code(1)
        .stderr(contains("Interrupted writes will be settled first"))
        .stderr(contains("slot_1.sav.tmp"))
        .stdout(contains("Nothing was changed"));
    assert_eq!(std::fs::read(f.path("slot_1.sav.tmp")).unwrap(), tmp_bytes);
    assert!(f.quarantined().is_empty());

    let (code, json) = f.json(&["repair", "1", "--yes"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["result"], "already_healthy");
    let actions = json["startup_actions"].as_array().unwrap();
    assert_eq!(actions[0]["action"], "quarantined_damaged", "{json}");
    assert_eq!(actions[1]["action"], "promoted_interrupted_write");
    assert_eq!(actions[1]["slot"], 1);
    assert_eq!(f.payload(1), "Maverick save 3");
    assert_eq!(f.quarantined().len(), 1, "the damaged primary is kept");

    std::fs::copy(f.path("slot_1.sav"), f.path("slot_1.sav.tmp")).unwrap();
    f.flip_byte("slot_1.sav");
    f.cmd()
        .args(["repair", "1", "--yes"])
        .assert()
        .code(0)
        .stdout(contains("completed an interrupted save of slot 1"))
        .stdout(contains("already healthy"));
}
