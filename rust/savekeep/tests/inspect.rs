//! The read-only commands (list, verify, snapshots list, where) run as a
//! real process against healthy and damaged folders.

mod common;

use common::{newer_version_record, savekeep, Fixture};
use predicates::prelude::*;
use predicates::str::contains;

#[test]
fn verify_healthy_folder_exits_0() {
    let f = Fixture::healthy();
    f.cmd()
        .arg("verify")
        .assert()
        .code(0)
        .stdout(contains("no problems found"))
        .stdout(contains("6 files checked: 6 valid, 0 damaged"))
        // Progress goes to stderr only on a terminal; here stderr is a pipe.
        .stderr(predicate::str::is_empty());

    let (code, json) = f.json(&["verify"]);
    assert_eq!(code, 0);
    assert_eq!(json["command"], "verify");
    assert_eq!(json["healthy"], true);
    assert_eq!(json["summary"]["files_checked"], 6);
    assert_eq!(json["summary"]["valid"], 6);
    assert_eq!(json["problems"].as_array().unwrap().len(), 0);
    let files = json["files"].as_array().unwrap();
    assert!(files.iter().all(|f| f["state"] == "valid"));
    assert!(files
        .iter()
        .any(|f| f["slot"] == 2 && f["role"] == "backup" && f["level"] == 1));
    assert_eq!(files[0]["checksum"].as_str().unwrap().len(), 8);
}

#[test]
fn verify_reports_a_corrupted_primary_with_advice_and_exit_1() {
    let f = Fixture::healthy();
    f.flip_byte("slot_1.sav");
    f.cmd()
        .arg("verify")
        .assert()
        .code(1)
        .stdout(contains("DAMAGED"))
        .stdout(contains("data checksum mismatch"))
        .stdout(contains("savekeep repair 1"))
        .stdout(contains("damaged files found"));

    let (code, json) = f.json(&["verify"]);
    assert_eq!(code, 1);
    assert_eq!(json["healthy"], false);
    assert_eq!(json["summary"]["corrupt"], 1);
    let problems = json["problems"].as_array().unwrap();
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0]["slot"], 1);
    assert_eq!(problems[0]["severity"], "error");
    assert!(problems[0]["path"]
        .as_str()
        .unwrap()
        .ends_with("slot_1.sav"));
    assert!(problems[0]["advice"]
        .as_str()
        .unwrap()
        .contains("savekeep repair 1"));
}

#[test]
fn verify_reports_truncated_files_and_damaged_backups() {
    let f = Fixture::healthy();
    f.truncate("slot_2.sav", 20);
    f.flip_byte("slot_1.sav.bak1");
    let (code, json) = f.json(&["verify"]);
    assert_eq!(code, 1);
    assert_eq!(json["summary"]["corrupt"], 2);
    let files = json["files"].as_array().unwrap();
    let truncated = files
        .iter()
        .find(|f| f["slot"] == 2 && f["role"] == "primary")
        .unwrap();
    assert_eq!(truncated["state"], "corrupt");
    assert!(truncated["reason"].as_str().unwrap().contains("truncated"));
    assert_eq!(truncated["size"], 20);
    let backup = files
        .iter()
        .find(|f| f["slot"] == 1 && f["level"] == 1)
        .unwrap();
    assert_eq!(backup["state"], "corrupt");
    let advice: Vec<&str> = json["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["advice"].as_str().unwrap())
        .collect();
    assert!(advice.iter().any(|a| a.contains("rotate it out")));
}

#[test]
fn verify_reports_a_missing_current_save() {
    let f = Fixture::healthy();
    std::fs::remove_file(f.path("slot_1.sav")).unwrap();
    let (code, json) = f.json(&["verify"]);
    assert_eq!(code, 1);
    assert_eq!(json["summary"]["missing_current"], 1);
    let problem = &json["problems"][0];
    assert!(problem["problem"].as_str().unwrap().contains("missing"));
    assert!(problem["advice"]
        .as_str()
        .unwrap()
        .contains("savekeep repair 1"));
}

#[test]
fn verify_says_when_no_valid_copy_is_left() {
    let f = Fixture::new();
    f.save_times(3, "Goose", 1);
    f.flip_byte("slot_3.sav");
    let (code, json) = f.json(&["verify"]);
    assert_eq!(code, 1);
    assert!(json["problems"][0]["advice"]
        .as_str()
        .unwrap()
        .contains("no valid copy"));
}

#[test]
fn foreign_files_are_listed_but_do_not_fail_verify() {
    let f = Fixture::healthy();
    f.write("notes.txt", b"my notes");
    f.write("slot_01.sav", b"not ours either");
    f.write("slot_42.sav", b"beyond the slot count");
    f.write("screenshots/shot.png", b"\x89PNG");
    let (code, json) = f.json(&["verify"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["summary"]["foreign"], 4);
    let foreign: Vec<String> = json["foreign"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    assert!(foreign.iter().any(|p| p.ends_with("notes.txt")));
    assert!(foreign.iter().any(|p| p.ends_with("slot_42.sav")));
    f.cmd()
        .arg("verify")
        .assert()
        .code(0)
        .stdout(contains("ignored:"))
        .stdout(contains("beyond the 10 slots configured"));
    // With more slots configured, slot 42 is a save: and it is not valid.
    f.cmd().args(["--slots", "50", "verify"]).assert().code(1);
}

#[test]
fn a_foreign_file_under_a_save_name_is_damage() {
    let f = Fixture::healthy();
    f.write("slot_2.sav", b"\x89PNG\r\n\x1a\n a picture, not a save");
    let (code, json) = f.json(&["verify"]);
    assert_eq!(code, 1);
    let file = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["slot"] == 2 && f["role"] == "primary")
        .unwrap()
        .clone();
    assert_eq!(file["state"], "corrupt");
    assert!(file["reason"].as_str().unwrap().contains("not a save file"));
}

#[test]
fn a_save_from_a_newer_game_is_reported_as_such() {
    let f = Fixture::healthy();
    f.write("slot_2.sav", &newer_version_record(b"future"));
    let (code, json) = f.json(&["verify"]);
    assert_eq!(code, 1);
    assert_eq!(json["summary"]["newer_version"], 1);
    assert_eq!(json["summary"]["corrupt"], 0);
    assert!(json["problems"][0]["advice"]
        .as_str()
        .unwrap()
        .contains("update the game"));
    let (_, list) = f.json(&["list"]);
    assert_eq!(list["slots"][1]["state"], "newer_version");
}

#[test]
fn interrupted_writes_are_warnings() {
    let f = Fixture::healthy();
    f.write("slot_1.sav.tmp", b"half a save");
    let (code, json) = f.json(&["verify"]);
    assert_eq!(code, 0);
    assert_eq!(json["summary"]["interrupted_writes"], 1);
    assert_eq!(json["problems"][0]["severity"], "warning");
    let (_, list) = f.json(&["list"]);
    assert_eq!(list["slots"][0]["interrupted_write"], true);
}

#[test]
fn verify_checks_snapshots_too() {
    let f = Fixture::healthy();
    let id = f
        .store()
        .create_snapshot(1, &backup_core::SnapshotRequest::manual("Before boss", ""))
        .unwrap()
        .id;
    let name = format!("snapshots/slot_1/{id}.snap");
    let (code, json) = f.json(&["verify"]);
    assert_eq!((code, json["summary"]["valid"].as_u64()), (0, Some(7)));
    f.flip_byte(&name);
    let (code, json) = f.json(&["verify"]);
    assert_eq!(code, 1);
    let snap = json["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["role"] == "snapshot")
        .unwrap()
        .clone();
    assert_eq!(snap["snapshot_id"], id.as_str());
    assert_eq!(snap["state"], "corrupt");
}

#[test]
fn list_shows_slots_metadata_and_backup_states() {
    let f = Fixture::healthy();
    f.flip_byte("slot_2.sav.bak0");
    f.cmd()
        .arg("list")
        .assert()
        .code(0)
        .stdout(contains("Maverick"))
        .stdout(contains("Iceman"))
        .stdout(contains("Hermes"))
        .stdout(contains("1h 30m"))
        .stdout(contains("| ok ok -"))
        .stdout(contains("| DAMAGED ok -"))
        // No colour when stdout is not a terminal.
        .stdout(contains("\x1b[").not());

    let (code, json) = f.json(&["list"]);
    assert_eq!(code, 0);
    let slots = json["slots"].as_array().unwrap();
    assert_eq!(slots.len(), 2);
    assert_eq!(slots[0]["slot"], 1);
    assert_eq!(slots[0]["state"], "healthy");
    assert_eq!(slots[0]["pilot_callsign"], "Maverick");
    assert_eq!(slots[0]["save_count"], 3);
    assert_eq!(slots[0]["backups"].as_array().unwrap().len(), 3);
    assert_eq!(slots[1]["backups"][0]["state"], "corrupt");
    assert_eq!(slots[1]["backups"][2]["state"], "missing");
    assert!(slots[0]["modified_at"].as_str().unwrap().contains('T'));
}

#[test]
fn list_of_damaged_slot_keeps_exit_0_and_shows_state() {
    let f = Fixture::healthy();
    f.truncate("slot_1.sav", 10);
    f.cmd()
        .arg("list")
        .assert()
        .code(0)
        .stdout(contains("DAMAGED"))
        // Metadata comes from the newest valid backup.
        .stdout(contains("Maverick"));
}

#[test]
fn colour_is_used_only_when_asked_or_on_a_terminal() {
    let f = Fixture::healthy();
    f.cmd()
        .args(["--color", "always", "verify"])
        .assert()
        .code(0)
        .stdout(contains("\x1b[32m"));
    f.cmd()
        .args(["--color", "never", "verify"])
        .assert()
        .stdout(contains("\x1b[").not());
}

#[test]
fn missing_root_is_an_error_with_a_hint() {
    let f = Fixture::new();
    let missing = f.path("nope");
    savekeep()
        .arg("--root")
        .arg(&missing)
        .arg("verify")
        .assert()
        .code(2)
        .stderr(contains("save root not found"))
        .stderr(contains("savekeep where"));
    let output = savekeep()
        .arg("--root")
        .arg(&missing)
        .args(["--json", "list"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["error"]["kind"], "not_found");
    assert_eq!(json["exit_code"], 2);
    assert!(
        !missing.exists(),
        "a read-only command never creates the folder"
    );
}

#[test]
fn read_only_commands_work_while_the_game_holds_the_folder() {
    let f = Fixture::healthy();
    let _game = f.store();
    f.cmd().arg("verify").assert().code(0);
    f.cmd().arg("list").assert().code(0);
    f.cmd().args(["snapshots", "list"]).assert().code(0);
}

#[test]
fn usage_errors_exit_2_and_help_has_examples() {
    savekeep().arg("repair").assert().code(2);
    savekeep().arg("frobnicate").assert().code(2);
    savekeep()
        .args(["--root", ".", "repair", "x"])
        .assert()
        .code(2);
    savekeep()
        .arg("--help")
        .assert()
        .code(0)
        .stdout(contains("Examples:"))
        .stdout(contains("Exit codes:"))
        .stdout(contains("savekeep repair 2"));
    savekeep()
        .args(["repair", "--help"])
        .assert()
        .code(0)
        .stdout(contains("--yes"));
}

#[test]
fn where_prints_the_godot_user_folder_of_the_app() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = savekeep();
    cmd.env("HOME", home.path())
        .env("APPDATA", home.path())
        .env_remove("XDG_DATA_HOME")
        .current_dir(home.path())
        .args(["--app", "Wing Commander", "--json", "where"]);
    let output = cmd.output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let root = json["root"].as_str().unwrap();
    assert_eq!(json["source"], "godot_default");
    assert_eq!(json["app"], "Wing Commander");
    assert_eq!(json["exists"], false);
    let expected = if cfg!(windows) {
        home.path().join(r"Godot\app_userdata\Wing Commander\saves")
    } else if cfg!(target_os = "macos") {
        home.path()
            .join("Library/Application Support/Godot/app_userdata/Wing Commander/saves")
    } else {
        home.path()
            .join(".local/share/godot/app_userdata/Wing Commander/saves")
    };
    assert_eq!(std::path::Path::new(root), expected);
}

#[cfg(target_os = "linux")]
#[test]
fn where_follows_xdg_env_and_project_godot() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("project.godot"),
        "[application]\nconfig/name=\"Privateer\"\n",
    )
    .unwrap();
    savekeep()
        .env("XDG_DATA_HOME", "/xdg")
        .current_dir(dir.path())
        .arg("where")
        .assert()
        .code(0)
        .stdout(contains("/xdg/godot/app_userdata/Privateer/saves"));
    savekeep()
        .env("XDG_DATA_HOME", "/xdg")
        .env("SAVEKEEP_APP", "Armada")
        .current_dir(dir.path())
        .arg("where")
        .assert()
        .stdout(contains("/xdg/godot/app_userdata/Armada/saves"));
    // No flag, no env, no project.godot: say what to pass.
    let empty = tempfile::tempdir().unwrap();
    savekeep()
        .current_dir(empty.path())
        .arg("where")
        .assert()
        .code(2)
        .stderr(contains("--app NAME"));
}

#[test]
fn a_file_that_cannot_be_read_exits_2_unless_damage_was_found() {
    let f = Fixture::healthy();
    // A folder where a backup file should be: present, but not readable as a file.
    std::fs::create_dir(f.path("slot_1.sav.bak1.tmp")).unwrap();
    std::fs::remove_file(f.path("slot_1.sav.bak1")).unwrap();
    std::fs::rename(f.path("slot_1.sav.bak1.tmp"), f.path("slot_1.sav.bak1")).unwrap();
    let (code, json) = f.json(&["verify"]);
    assert_eq!(code, 2, "{json}");
    assert_eq!(json["summary"]["unreadable"], 1);
    assert_eq!(json["healthy"], false);
    f.flip_byte("slot_2.sav");
    let (code, _) = f.json(&["verify"]);
    assert_eq!(code, 1, "damage outranks unreadable files");
}

#[test]
fn the_default_folder_under_a_non_ascii_user_name_is_found_and_read() {
    // A player whose account name is not ASCII: %APPDATA% (HOME elsewhere)
    // holds it, and savekeep must find, print and read that folder.
    let dir = tempfile::tempdir().unwrap();
    let home = dir.path().join("Jürgen Ñúñez");
    let appdata = home.join("AppData").join("Roaming");
    std::fs::create_dir_all(&appdata).unwrap();
    let run = |args: &[&str]| {
        let output = savekeep()
            .env("HOME", &home)
            .env("APPDATA", &appdata)
            .env_remove("XDG_DATA_HOME")
            .current_dir(dir.path())
            .args(["--app", "Größe Flotte", "--json"])
            .args(args)
            .output()
            .unwrap();
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        (output.status.code(), json)
    };
    let (code, json) = run(&["where"]);
    assert_eq!(code, Some(0), "{json}");
    let root = std::path::PathBuf::from(json["root"].as_str().unwrap());
    let data_dir = if cfg!(windows) { &appdata } else { &home };
    assert!(root.starts_with(data_dir), "{root:?} under {data_dir:?}");
    assert!(root.ends_with("Größe Flotte/saves"), "{root:?}");

    let store = backup_core::SlotStore::open(&root, backup_core::StoreOptions::default()).unwrap();
    store.save(3, b"state", &common::meta("Jürgen")).unwrap();
    drop(store);
    let (code, json) = run(&["list"]);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["slots"][0]["slot"], 3);
    assert_eq!(json["slots"][0]["pilot_callsign"], "Jürgen");
    let (code, json) = run(&["verify"]);
    assert_eq!(code, Some(0), "{json}");
    assert_eq!(json["healthy"], true);
}
