//! savekeep against save folders it does not control: foreign and crafted
//! files, links, FIFOs, newer formats, planted terminal escapes. Each test
//! checks the exit code, the message, and that the folder is byte-for-byte
//! unchanged (names, types, bytes, link targets) or changed exactly as reported.
#![cfg(unix)]

mod common;
#[path = "../../backup_core/tests/folder_tree/mod.rs"]
mod folder_tree;

use std::fs;
use std::os::unix::fs::symlink;
use std::path::Path;
use std::time::Duration;

use backup_core::{envelope, Layout, SlotMetadata};
use common::{newer_version_record, savekeep, Fixture};
use folder_tree::{tree, Entry};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

fn mkfifo(path: &Path) {
    assert!(std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .unwrap()
        .success());
}

/// A healthy folder that was opened once as writer (its `.lock` exists).
fn folder() -> Fixture {
    let f = Fixture::healthy();
    drop(f.store());
    f
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

// ----- 1. start-up recovery -----

#[test]
fn a_writer_command_keeps_foreign_temps_finishes_slots_beyond_the_count_and_says_so() {
    let f = folder();
    let layout = Layout::new(f.root());
    f.write("notes.tmp", b"the player's notes");
    fs::create_dir(f.path("x.tmp")).unwrap();
    // A 12-slot game crashed while saving slot 11 (primary already moved to bak0).
    let newest = envelope::encode(b"{}", b"slot 11 newest");
    f.write(
        "slot_11.sav.bak0",
        &envelope::encode(b"{}", b"slot 11 older"),
    );
    f.write("slot_11.sav.tmp", &newest);
    let before = tree(f.root());
    let (code, json) = f.json(&["snapshots", "create", "1"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(
        json["startup_actions"],
        serde_json::json!([{"action": "promoted_interrupted_write", "slot": 11}])
    );
    let after = tree(f.root());
    assert_eq!(after["notes.tmp"], before["notes.tmp"]);
    assert_eq!(after["x.tmp"], Entry::Dir);
    assert_eq!(after["slot_11.sav"], Entry::File(newest));
    assert!(!after.contains_key("slot_11.sav.tmp"));
    assert!(layout.backup(11, 0).exists());

    // The text output says it too.
    f.write("slot_12.sav.tmp", &envelope::encode(b"{}", b"slot 12"));
    f.cmd()
        .args(["--color", "never", "snapshots", "create", "2"])
        .assert()
        .code(0)
        .stdout(contains(
            "Opening the folder completed an interrupted save of slot 12.",
        ));
}

#[test]
fn repair_without_yes_changes_nothing_at_all() {
    let f = folder();
    f.flip_byte("slot_1.sav");
    f.write("slot_13.sav.tmp", &envelope::encode(b"{}", b"slot 13"));
    f.write("slot_1.sav.tmp", b"BKSV torn");
    let before = tree(f.root());
    f.cmd()
        .args(["repair", "1"])
        .write_stdin("n\n")
        .assert()
        .code(1)
        .stderr(contains("slot_13.sav.tmp"))
        .stderr(contains("Repair slot 1? [y/N]"))
        .stdout(contains("Nothing was changed"));
    assert_eq!(tree(f.root()), before);
}

#[test]
fn a_failing_command_reports_what_opening_the_folder_did() {
    let f = folder();
    f.write("slot_2.sav.tmp", b"BKS");
    // Level 2 is valid, but this slot has no backup at level 2.
    f.write("slot_3.sav", &envelope::encode(b"{}", b"three"));
    let output = f
        .cmd()
        .args(["--json", "restore", "3", "2"])
        .output()
        .unwrap();
    assert_ne!(output.status.code(), Some(0));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["startup_actions"][0]["action"], "discarded_temp");
    assert!(String::from_utf8_lossy(&output.stderr).contains("removed the unfinished write"));
}

// ----- 2. links and special files -----

#[test]
fn a_symlinked_snapshots_folder_is_refused_naming_it() {
    let f = folder();
    let elsewhere = tempfile::tempdir().unwrap();
    symlink(elsewhere.path(), f.path("snapshots")).unwrap();
    let before = tree(f.root());
    f.cmd()
        .args(["snapshots", "create", "1"])
        .assert()
        .code(2)
        .stderr(contains("snapshots"))
        .stderr(contains("symbolic link"));
    assert_eq!(tree(f.root()), before);
    assert_eq!(fs::read_dir(elsewhere.path()).unwrap().count(), 0);
    // verify reports it as foreign rather than reading through it.
    f.cmd()
        .args(["verify"])
        .assert()
        .stdout(contains("symbolic link"));
}

#[test]
fn a_symlinked_lock_file_is_refused() {
    let f = folder();
    let elsewhere = tempfile::tempdir().unwrap();
    let planted = elsewhere.path().join("lock");
    fs::remove_file(f.path(".lock")).unwrap();
    symlink(&planted, f.path(".lock")).unwrap();
    let before = tree(f.root());
    f.cmd()
        .args(["restore", "1", "0"])
        .assert()
        .code(2)
        .stderr(contains(".lock"))
        .stderr(contains("symbolic link"));
    assert!(!planted.exists());
    assert_eq!(tree(f.root()), before);
}

#[test]
fn fifos_in_the_folder_and_as_inputs_never_hang() {
    let f = folder();
    fs::remove_file(f.path("slot_2.sav")).unwrap();
    mkfifo(&f.path("slot_2.sav"));
    mkfifo(&f.path("backup_flow_state.json"));
    let before = tree(f.root());
    for args in [
        &["list"][..],
        &["verify"],
        &["health"],
        &["snapshots", "list"],
    ] {
        let output = f
            .cmd()
            .args(args)
            .timeout(Duration::from_secs(20))
            .output()
            .unwrap();
        assert!(output.status.code().is_some(), "{args:?} did not finish");
    }
    f.cmd()
        .args(["list"])
        .timeout(Duration::from_secs(20))
        .assert()
        .stdout(contains("UNREADABLE").or(contains("unreadable")));
    f.cmd()
        .args(["verify"])
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2)
        .stdout(contains("FIFO"));
    let outside = tempfile::tempdir().unwrap();
    let pipe = outside.path().join("pilot.json");
    mkfifo(&pipe);
    f.cmd()
        .arg("import")
        .arg(&pipe)
        .timeout(Duration::from_secs(20))
        .assert()
        .failure()
        .stderr(contains("not a regular file"));
    assert_eq!(tree(f.root()), before);

    // A FIFO as project.godot: `where` finishes and says what it needs.
    let project = tempfile::tempdir().unwrap();
    mkfifo(&project.path().join("project.godot"));
    savekeep()
        .current_dir(project.path())
        .arg("where")
        .timeout(Duration::from_secs(20))
        .assert()
        .code(2);
}

// ----- 3. exports -----

#[test]
fn exports_refuse_links_devices_and_the_save_folder_even_with_force() {
    let f = folder();
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim.txt");
    fs::write(&victim, b"precious").unwrap();
    let link = outside.path().join("export.json");
    symlink(&victim, &link).unwrap();
    let before = tree(f.root());
    let outside_before = tree(outside.path());
    f.cmd()
        .arg("export")
        .arg("1")
        .arg(&link)
        .arg("--force")
        .assert()
        .code(2)
        .stderr(contains("symbolic link"));
    f.cmd()
        .args(["export", "1", "/dev/full", "--force"])
        .assert()
        .code(2)
        .stderr(contains("not a regular file"));
    assert!(!fs::metadata("/dev/full").unwrap().is_file());
    f.cmd()
        .arg("export")
        .arg("0")
        .arg(f.path("slot_7.sav"))
        .assert()
        .failure();
    f.cmd()
        .arg("export")
        .arg("1")
        .arg(f.path("slot_7.sav"))
        .assert()
        .code(2)
        .stderr(contains("inside the save folder"));
    assert_eq!(tree(f.root()), before);
    assert_eq!(tree(outside.path()), outside_before);
}

#[test]
fn concurrent_savekeep_exports_never_report_the_other_slots_data() {
    let f = folder();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("shared.json");
    for _ in 0..10 {
        let children: Vec<_> = [1u32, 2]
            .into_iter()
            .map(|slot| {
                let child = std::process::Command::new(assert_cmd::cargo::cargo_bin("savekeep"))
                    .arg("--root")
                    .arg(f.root())
                    .args(["export", &slot.to_string()])
                    .arg(&target)
                    .arg("--force")
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .spawn()
                    .unwrap();
                (slot, child)
            })
            .collect();
        let results: Vec<(u32, bool)> = children
            .into_iter()
            .map(|(slot, mut c)| (slot, c.wait().unwrap().success()))
            .collect();
        let on_disk: serde_json::Value =
            serde_json::from_slice(&fs::read(&target).unwrap()).expect("never torn");
        let slot = on_disk["source_slot"].as_u64().unwrap() as u32;
        assert!(
            results.contains(&(slot, true)),
            "{results:?} left slot {slot}"
        );
    }
}

// ----- 4. restore over a newer format -----

#[test]
fn restore_refuses_a_save_from_a_newer_game() {
    let f = folder();
    f.write("slot_1.sav", &newer_version_record(b"from the future"));
    let before = tree(f.root());
    f.cmd()
        .args(["restore", "1", "0"])
        .assert()
        .failure()
        .stderr(contains("newer"));
    f.cmd()
        .args(["repair", "1", "--yes"])
        .assert()
        .failure()
        .stderr(contains("newer"));
    assert_eq!(tree(f.root()), before);
}

// ----- 5. terminal output -----

const PLANTED: &str = "Mav\x1b]0;pwned\x07\x1b[2J\rerick\u{202e}kcin\u{2066}";

fn has_raw_controls(text: &str, allow_colors: bool) -> bool {
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\x1b' && allow_colors {
            let body = &rest[1..];
            let n = body.strip_prefix('[').map(|b| {
                b.bytes()
                    .take_while(|b| b.is_ascii_digit() || *b == b';')
                    .count()
            });
            if let Some(n) = n {
                if body.as_bytes().get(1 + n) == Some(&b'm') {
                    rest = &body[2 + n..];
                    continue;
                }
            }
        }
        if (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
        {
            return true;
        }
        rest = &rest[c.len_utf8()..];
    }
    false
}

#[test]
fn planted_escapes_and_bidi_never_reach_the_terminal_raw() {
    let f = Fixture::new();
    let store = f.store();
    let meta = SlotMetadata {
        pilot_callsign: PLANTED.into(),
        campaign: PLANTED.into(),
        mission: PLANTED.into(),
        play_time_seconds: 1e308,
        ..SlotMetadata::default()
    };
    store.save(1, b"data", &meta).unwrap();
    store
        .create_snapshot(1, &backup_core::SnapshotRequest::manual(PLANTED, PLANTED))
        .unwrap();
    drop(store);
    f.write(&format!("evil{PLANTED}.txt"), b"x");
    for color in ["never", "always"] {
        for args in [
            &["list"][..],
            &["verify"],
            &["health"],
            &["snapshots", "list"],
        ] {
            let output = f
                .cmd()
                .args(["--color", color])
                .args(args)
                .output()
                .unwrap();
            let out = stdout_of(&output);
            let err = String::from_utf8_lossy(&output.stderr).into_owned();
            assert!(
                !has_raw_controls(&out, color == "always"),
                "{args:?}: {out:?}"
            );
            assert!(
                !has_raw_controls(&err, color == "always"),
                "{args:?}: {err:?}"
            );
        }
    }
    let list = stdout_of(&f.cmd().args(["--color", "never", "list"]).output().unwrap());
    assert!(list.contains("\\x1b]0;pwned"), "{list}");
    assert!(list.contains(">99999h"), "{list}");
    // --json keeps the exact text (escaped by JSON itself).
    let (_, json) = f.json(&["list"]);
    assert_eq!(json["slots"][0]["pilot_callsign"], PLANTED);

    // The project name of `where`.
    let project = tempfile::tempdir().unwrap();
    fs::write(
        project.path().join("project.godot"),
        format!("[application]\nconfig/name=\"Game{}\"\n", "\x1b[2J\u{202e}"),
    )
    .unwrap();
    let output = savekeep()
        .current_dir(project.path())
        .args(["--color", "never", "where"])
        .output()
        .unwrap();
    assert!(!has_raw_controls(&stdout_of(&output), false), "{output:?}");
}

// ----- 6. failing commands create nothing -----

#[test]
fn a_failing_import_into_a_mistyped_root_creates_nothing() {
    let f = Fixture::new();
    let typo = f.path("sabes");
    let outside = tempfile::tempdir().unwrap();
    let bad = outside.path().join("bad.json");
    fs::write(&bad, b"{\"format\": \"nope\"}").unwrap();
    savekeep()
        .arg("--root")
        .arg(&typo)
        .arg("import")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(contains("nothing was written"));
    assert!(!typo.exists());
    savekeep()
        .arg("--root")
        .arg(&typo)
        .args(["import", "/no/such/file.json", "--slot", "3"])
        .assert()
        .failure();
    savekeep()
        .arg("--root")
        .arg(&typo)
        .arg("import")
        .arg(&bad)
        .args(["--slot", "42"])
        .assert()
        .failure()
        .stderr(contains("out of range"));
    assert!(!typo.exists());
}

#[test]
fn mistyped_arguments_fail_before_the_folder_is_opened() {
    let f = Fixture::healthy();
    // A folder copied from another machine: no lock file yet.
    let _ = fs::remove_file(f.path(".lock"));
    let before = tree(f.root());
    for args in [
        &["restore", "1", "9"][..],
        &["restore", "99", "0"],
        &["snapshots", "create", "42"],
        &["snapshots", "prune", "42", "--keep-last", "1"],
        &["repair", "77", "--yes"],
    ] {
        f.cmd()
            .args(args)
            .assert()
            .code(2)
            .stderr(contains("out of range").or(contains("does not exist")));
    }
    assert_eq!(tree(f.root()), before, "no lock file, nothing else");
}
