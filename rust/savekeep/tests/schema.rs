//! The JSON schema documented in the README, key by key: a change to it has
//! to be deliberate (and, if incompatible, bump `schema_version`).

mod common;

use std::collections::BTreeSet;

use common::Fixture;
use serde_json::Value;

const ENVELOPE: [&str; 3] = ["schema_version", "command", "exit_code"];
const FILE: [&str; 13] = [
    "slot",
    "role",
    "level",
    "snapshot_id",
    "path",
    "size",
    "modified",
    "written_at",
    "state",
    "reason",
    "checksum",
    "format_version",
    "payload_size",
];

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value}"))
        .keys()
        .cloned()
        .collect()
}

fn expect(value: &Value, body: &[&str]) {
    let want: BTreeSet<String> = ENVELOPE
        .iter()
        .chain(body)
        .map(|k| (*k).to_owned())
        .collect();
    assert_eq!(keys(value), want, "{value:#}");
}

fn exact(value: &Value, fields: &[&str]) {
    let want: BTreeSet<String> = fields.iter().map(|k| (*k).to_owned()).collect();
    assert_eq!(keys(value), want, "{value:#}");
}

#[test]
fn read_only_commands_match_the_documented_schema() {
    let f = Fixture::healthy();
    f.flip_byte("slot_1.sav.bak1");
    f.write("notes.txt", b"x");

    let (_, list) = f.json(&["list"]);
    expect(&list, &["root", "slots"]);
    exact(
        &list["slots"][0],
        &[
            "slot",
            "state",
            "pilot_callsign",
            "campaign",
            "mission",
            "play_time_seconds",
            "save_count",
            "created_at",
            "modified_at",
            "size",
            "total_size",
            "primary",
            "backups",
            "snapshot_count",
            "interrupted_write",
        ],
    );
    exact(&list["slots"][0]["primary"], &FILE);
    exact(&list["slots"][0]["backups"][2], &FILE);

    let (_, verify) = f.json(&["verify"]);
    expect(
        &verify,
        &["root", "healthy", "summary", "files", "problems", "foreign"],
    );
    exact(
        &verify["summary"],
        &[
            "files_checked",
            "valid",
            "corrupt",
            "missing_current",
            "newer_version",
            "unreadable",
            "locked",
            "interrupted_writes",
            "foreign",
            "quarantined",
        ],
    );
    exact(&verify["files"][0], &FILE);
    exact(
        &verify["problems"][0],
        &["slot", "path", "severity", "problem", "advice"],
    );
    exact(&verify["foreign"][0], &["path", "reason"]);

    let (_, health) = f.json(&["health"]);
    expect(&health, &["root", "report", "previous", "history_warning"]);
    exact(
        &health["report"],
        &[
            "check_time",
            "total_backups",
            "healthy_backups",
            "corrupted_backups",
            "suspicious_backups",
            "backup_details",
            "recommendations",
            "overall_health",
            "trend",
        ],
    );

    let (_, place) = f.json(&["where"]);
    expect(&place, &["root", "source", "app", "platform", "exists"]);
}

#[test]
fn changing_commands_match_the_documented_schema() {
    let f = Fixture::healthy();
    let repair_keys = [
        "root",
        "slot",
        "result",
        "source",
        "source_written_at",
        "quarantined",
        "safety_snapshot",
        "startup_actions",
    ];
    f.flip_byte("slot_1.sav");
    let (_, repair) = f.json(&["repair", "1", "--yes"]);
    expect(&repair, &repair_keys);
    exact(
        &repair["source"],
        &["kind", "level", "snapshot_id", "description"],
    );
    let (_, restore) = f.json(&["restore", "2", "1"]);
    expect(&restore, &repair_keys);

    let (_, created) = f.json(&["snapshots", "create", "2"]);
    // Every command that opened the folder as writer says what opening it
    // settled (start-up recovery), even when it then failed.
    expect(&created, &["root", "snapshot", "startup_actions"]);
    let snapshot_keys = [
        "slot",
        "id",
        "name",
        "kind",
        "trigger",
        "description",
        "created_at",
        "size",
        "state",
        "reason",
        "path",
    ];
    exact(&created["snapshot"], &snapshot_keys);
    let (_, list) = f.json(&["snapshots", "list"]);
    expect(&list, &["root", "snapshots"]);
    exact(&list["snapshots"][0], &snapshot_keys);
    let (_, prune) = f.json(&["snapshots", "prune", "--keep-last", "0"]);
    expect(
        &prune,
        &["root", "dry_run", "policy", "removed", "startup_actions"],
    );
    exact(
        &prune["policy"],
        &["keep_last", "keep_daily", "keep_weekly"],
    );

    let out = tempfile::tempdir().unwrap();
    let file = out.path().join("e.json");
    let (_, export) = f.json(&["export", "2", file.to_str().unwrap()]);
    expect(
        &export,
        &["root", "slot", "file", "file_size", "pilot_callsign"],
    );
    let (_, import) = f.json(&["import", file.to_str().unwrap()]);
    expect(
        &import,
        &[
            "root",
            "file",
            "slot",
            "pilot_callsign",
            "replaced_existing",
            "safety_snapshot",
            "startup_actions",
        ],
    );

    let (code, error) = f.json(&["restore", "1", "9"]);
    assert_eq!(code, 2);
    // Refused before the folder was opened: nothing to report about it.
    expect(&error, &["error"]);
    exact(&error["error"], &["kind", "message", "hint"]);
}
