//! Export and import through `BackupFlow`. Every hostile file is refused
//! with a clear message and leaves the save root byte-for-byte unchanged.

mod flow_support;

use std::fs;
use std::path::{Path, PathBuf};

use backup_core::{BackupConfig, SnapshotKind};
use backup_core::{EXPORT_FORMAT, EXPORT_FORMAT_VERSION};
use flow_support::{corrupt, fast_options, keys, tree, Env};
use serde_json::{json, Value};

fn exported(env: &Env, slot: i64, include_metadata: bool) -> (PathBuf, Value) {
    // Exports go outside the save folder (inside it they are refused), one
    // folder per test binary, one name per save folder.
    static EXPORTS: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let folder = env.root().file_name().unwrap().to_string_lossy();
    let path = EXPORTS
        .get_or_init(outside)
        .path()
        .join(format!("export_{folder}_{slot}.json"));
    let result = env.flow.export_backup(slot, &path, include_metadata);
    assert!(result.success, "{result:?}");
    let text = fs::read(&path).unwrap();
    assert_eq!(result.file_size, text.len() as u64);
    (path, serde_json::from_slice(&text).unwrap())
}

fn outside() -> tempfile::TempDir {
    tempfile::tempdir().unwrap()
}

fn write_json(dir: &Path, value: &Value) -> PathBuf {
    let path = dir.join("incoming.json");
    fs::write(&path, serde_json::to_vec(value).unwrap()).unwrap();
    path
}

/// Imports `path` into `target` and asserts it was refused with a message
/// containing `needle`, leaving the root untouched.
fn refused(env: &Env, path: &Path, target: i64, needle: &str) {
    let before = tree(env.root());
    let result = env.flow.import_backup(path, target);
    assert!(!result.success, "{result:?}");
    assert_eq!(result.imported_slot, -1);
    assert!(
        result.error_message.contains(needle),
        "expected {needle:?} in {:?}",
        result.error_message
    );
    assert_eq!(tree(env.root()), before, "a refused import wrote something");
}

fn sample_env() -> (Env, Value) {
    let env = Env::new();
    env.save(1, "Maverick", b"the game state \x00\x01\x02");
    let (_, value) = exported(&env, 1, true);
    (env, value)
}

#[test]
fn export_then_import_into_the_first_free_slot() {
    let env = Env::new();
    env.save(0, "Iceman", b"zero");
    env.save(1, "Maverick", b"the game state \x00\xff");
    let (path, value) = exported(&env, 1, true);
    assert_eq!(
        keys(&value),
        [
            "exported_at",
            "format",
            "format_version",
            "metadata",
            "payload_base64",
            "payload_crc32",
            "payload_size",
            "source_slot"
        ]
    );
    assert_eq!(value["format"], EXPORT_FORMAT);
    assert_eq!(value["metadata"]["pilot_callsign"], "Maverick");
    let result = env.flow.import_backup(&path, -1);
    assert!(result.success, "{result:?}");
    assert_eq!(result.imported_slot, 2);
    assert_eq!(result.pilot_name, "Maverick");
    assert!(!result.replaced_existing);
    let loaded = env.store().load(2).unwrap();
    assert_eq!(loaded.payload, b"the game state \x00\xff");
    assert_eq!(loaded.metadata.campaign, "Hermes");
    let stats = env.flow.performance_stats();
    assert_eq!((stats.flow.exports, stats.flow.imports), (1, 1));
    assert_eq!(stats.operations["import"].count, 1);
}

#[test]
fn export_without_metadata_imports_with_an_empty_pilot() {
    let env = Env::new();
    env.save(1, "Maverick", b"state");
    let (path, value) = exported(&env, 1, false);
    assert!(value["metadata"].is_null());
    let result = env.flow.import_backup(&path, 4);
    assert!(result.success);
    assert_eq!(result.imported_slot, 4);
    assert_eq!(result.pilot_name, "");
}

#[test]
fn importing_over_a_save_keeps_the_previous_one() {
    let env = Env::new();
    env.save(1, "Maverick", b"exported");
    let (path, _) = exported(&env, 1, true);
    env.save(3, "Goose", b"precious");
    let result = env.flow.import_backup(&path, 3);
    assert!(result.success, "{result:?}");
    assert!(result.replaced_existing);
    let id = result.safety_snapshot.unwrap();
    let snapshot = &env.store().list_snapshots(3).unwrap()[0];
    let info = snapshot.metadata().unwrap().snapshot.clone().unwrap();
    assert_eq!(info.id, id);
    assert_eq!(info.kind, SnapshotKind::Safety);
    assert_eq!(env.store().load(3).unwrap().payload, b"exported");
    env.store().restore_backup(3, 0).unwrap();
    assert_eq!(env.store().load(3).unwrap().payload, b"precious");
}

#[test]
fn importing_over_a_damaged_save_quarantines_it() {
    let env = Env::new();
    env.save(1, "Maverick", b"exported");
    let (path, _) = exported(&env, 1, true);
    env.save(3, "Goose", b"damaged");
    corrupt(&env.primary(3));
    let result = env.flow.import_backup(&path, 3);
    assert!(result.success && result.replaced_existing);
    assert!(result.safety_snapshot.is_none());
    assert_eq!(
        fs::read_dir(env.root().join("quarantine")).unwrap().count(),
        1
    );
}

#[test]
fn truncated_files_are_refused() {
    let (env, value) = sample_env();
    let text = serde_json::to_vec(&value).unwrap();
    let dir = outside();
    for cut in [0, 1, text.len() / 2, text.len() - 1] {
        let path = dir.path().join("cut.json");
        fs::write(&path, &text[..cut]).unwrap();
        refused(&env, &path, 5, "not a valid export file");
    }
}

#[test]
fn oversized_files_are_refused_before_reading() {
    let env = Env::with(
        BackupConfig {
            max_import_bytes: 200,
            ..BackupConfig::default()
        },
        fast_options(),
    );
    env.save(1, "Maverick", &[7; 1000]);
    let (path, _) = exported(&env, 1, true);
    refused(&env, &path, 5, "larger than the import limit of 200 bytes");

    // The default limit, against a sparse 65 MiB file (no disk space used).
    let env = Env::new();
    let dir = outside();
    let huge = dir.path().join("huge.json");
    fs::File::create(&huge).unwrap().set_len(65 << 20).unwrap();
    refused(&env, &huge, 5, "larger than the import limit");
}

#[test]
fn payloads_beyond_the_store_limit_are_refused() {
    let (env, mut value) = sample_env();
    let big = vec![1u8; 5000];
    use base64::Engine as _;
    value["payload_base64"] = json!(base64::engine::general_purpose::STANDARD.encode(&big));
    value["payload_size"] = json!(5000);
    value["payload_crc32"] = json!(crc32fast::hash(&big));
    let small = Env::with(
        BackupConfig::default(),
        backup_core::StoreOptions {
            max_payload_bytes: 4096,
            ..fast_options()
        },
    );
    let dir = outside();
    refused(
        &small,
        &write_json(dir.path(), &value),
        5,
        "exceeds the limit",
    );
    let ok = env.flow.import_backup(&write_json(dir.path(), &value), 5);
    assert!(ok.success, "within the default limit: {ok:?}");
}

#[test]
fn newer_and_invalid_versions_are_refused() {
    let (env, value) = sample_env();
    let dir = outside();
    let mut newer = value.clone();
    newer["format_version"] = json!(EXPORT_FORMAT_VERSION + 1);
    newer["a_field_from_the_future"] = json!(true);
    refused(
        &env,
        &write_json(dir.path(), &newer),
        5,
        "newer than this game supports",
    );
    for bad in [json!(0), json!(-1), json!("1"), json!(1.5), Value::Null] {
        let mut v = value.clone();
        v["format_version"] = bad;
        refused(&env, &write_json(dir.path(), &v), 5, "format_version");
    }
    let mut foreign = value.clone();
    foreign["format"] = json!("something.else");
    refused(
        &env,
        &write_json(dir.path(), &foreign),
        5,
        "not a backup export",
    );
}

#[test]
fn checksum_size_and_base64_errors_are_refused() {
    let (env, value) = sample_env();
    let dir = outside();
    let mut crc = value.clone();
    crc["payload_crc32"] = json!(value["payload_crc32"].as_u64().unwrap() ^ 1);
    refused(&env, &write_json(dir.path(), &crc), 5, "checksum mismatch");

    let mut flipped = value.clone();
    let text = value["payload_base64"].as_str().unwrap();
    let swapped = if text.starts_with('A') { "B" } else { "A" };
    flipped["payload_base64"] = json!(format!("{swapped}{}", &text[1..]));
    refused(
        &env,
        &write_json(dir.path(), &flipped),
        5,
        "checksum mismatch",
    );

    let mut size = value.clone();
    size["payload_size"] = json!(value["payload_size"].as_u64().unwrap() - 1);
    refused(&env, &write_json(dir.path(), &size), 5, "declares");

    let mut b64 = value.clone();
    b64["payload_base64"] = json!("!".repeat(40));
    refused(&env, &write_json(dir.path(), &b64), 5, "base64");
}

#[test]
fn wrong_types_unknown_fields_and_bad_metadata_are_refused() {
    let (env, value) = sample_env();
    let dir = outside();
    let cases: Vec<(&str, Value, &str)> = vec![
        ("payload_size", json!("12"), "invalid type"),
        ("payload_crc32", json!(-5), "invalid value"),
        ("source_slot", json!([1]), "invalid type"),
        ("exported_at", json!("yesterday"), "not a valid export file"),
        ("metadata", json!("Maverick"), "invalid type"),
        ("path", json!("/etc/passwd"), "unknown field"),
    ];
    for (key, bad, needle) in cases {
        let mut v = value.clone();
        v[key] = bad;
        refused(&env, &write_json(dir.path(), &v), 5, needle);
    }
    let mut v = value.clone();
    v["metadata"]["pilot_callsign"] = json!(42);
    refused(&env, &write_json(dir.path(), &v), 5, "invalid type");
    let mut v = value.clone();
    v["metadata"]["save_path"] = json!("../../x");
    refused(&env, &write_json(dir.path(), &v), 5, "unknown field");
    let mut v = value.clone();
    v["metadata"]["play_time_seconds"] = json!(-1.0);
    refused(&env, &write_json(dir.path(), &v), 5, "play_time_seconds");
    let mut v = value.clone();
    v["metadata"]["pilot_callsign"] = json!("x".repeat(5000));
    refused(&env, &write_json(dir.path(), &v), 5, "limit 4096");
    let mut v = value.clone();
    v.as_object_mut().unwrap().remove("payload_crc32");
    refused(&env, &write_json(dir.path(), &v), 5, "missing field");
    let dir2 = outside();
    let path = dir2.path().join("list.json");
    fs::write(&path, b"[1, 2, 3]").unwrap();
    refused(&env, &path, 5, "not a valid export file");
}

#[test]
fn deeply_nested_json_is_refused_without_overflowing_the_stack() {
    let (env, value) = sample_env();
    let dir = outside();
    let depth = 100_000;
    let nested = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    // Nested inside a field the strict parser accepts (metadata.extra) ...
    let mut text = serde_json::to_string(&value).unwrap();
    text = text.replacen(
        "\"extra\":{}",
        &format!("\"extra\":{{\"deep\":{nested}}}"),
        1,
    );
    assert!(text.contains("deep"), "the sample has an extra map");
    let path = dir.path().join("deep.json");
    fs::write(&path, &text).unwrap();
    refused(&env, &path, 5, "recursion limit");
    // ... in an unknown top-level field ...
    let text = format!("{{\"junk\":{nested}}}");
    fs::write(&path, &text).unwrap();
    refused(&env, &path, 5, "not a backup export");
    // ... and as the whole document.
    fs::write(&path, &nested).unwrap();
    refused(&env, &path, 5, "recursion limit");
    // Moderate nesting in extra is fine.
    let mut ok = value.clone();
    ok["metadata"]["extra"] = json!({"a": [[[{"b": 1}]]]});
    let result = env.flow.import_backup(&write_json(dir.path(), &ok), 5);
    assert!(result.success, "{result:?}");
    assert_eq!(
        env.store().load(5).unwrap().metadata.extra["a"][0][0][0]["b"],
        1
    );
}

#[test]
fn target_slots_out_of_range_are_refused() {
    let (env, value) = sample_env();
    let dir = outside();
    let path = write_json(dir.path(), &value);
    for bad in [10, 99, -2, i64::MIN, i64::MAX] {
        refused(&env, &path, bad, "out of range");
    }
    let mut from_slot = value.clone();
    from_slot["source_slot"] = json!(9);
    let result = env
        .flow
        .import_backup(&write_json(dir.path(), &from_slot), -1);
    assert_eq!(
        result.imported_slot, 0,
        "the file's slot is never the target"
    );
}

#[test]
fn a_full_store_and_a_missing_file_are_refused() {
    let env = Env::new();
    for slot in 0..10 {
        env.save(slot, "Maverick", b"x");
    }
    let (path, _) = exported(&env, 1, true);
    refused(&env, &path, -1, "every slot is in use");
    let missing = env.root().join("nope.json");
    refused(&env, &missing, 1, "file to import not found");
    refused(&env, &missing, 1, &missing.display().to_string());
    refused(&env, env.root(), 1, "");
}

#[test]
fn an_import_never_overwrites_a_save_from_a_newer_game() {
    let (env, value) = sample_env();
    env.save(4, "Goose", b"from the future");
    let mut bytes = fs::read(env.primary(4)).unwrap();
    bytes[4..6].copy_from_slice(&7u16.to_le_bytes());
    let crc = crc32fast::hash(&bytes[..28]);
    bytes[28..32].copy_from_slice(&crc.to_le_bytes());
    fs::write(env.primary(4), &bytes).unwrap();
    let dir = outside();
    refused(&env, &write_json(dir.path(), &value), 4, "newer");
}

#[test]
fn export_failures_are_reported() {
    let env = Env::new();
    env.save(1, "Maverick", b"state");
    let missing_dir = outside().path().join("no").join("such").join("dir.json");
    let r = env.flow.export_backup(1, &missing_dir, true);
    assert!(!r.success && r.error_message.contains("write"), "{r:?}");
    let r = env.flow.export_backup(2, &env.root().join("e.json"), true);
    assert!(!r.success && r.error_message.contains("not found"), "{r:?}");
    let r = env.flow.export_backup(11, &env.root().join("e.json"), true);
    assert!(r.error_message.contains("out of range"));
    corrupt(&env.primary(1));
    let r = env.flow.export_backup(1, &env.root().join("e.json"), true);
    assert!(r.error_message.contains("run automatic recovery"), "{r:?}");
    assert!(!env.root().join("e.json").exists());
    assert_eq!(
        r.export_path,
        env.root().join("e.json").display().to_string()
    );
}

#[test]
fn a_read_only_store_refuses_imports_and_backups_but_still_exports() {
    let (env, value) = sample_env();
    let options = backup_core::StoreOptions {
        read_only: true,
        ..fast_options()
    };
    let viewer = flow_support::open_flow(env.root(), &env.clock, BackupConfig::default(), options);
    let dir = outside();
    let before = tree(env.root());
    let result = viewer.import_backup(&write_json(dir.path(), &value), 5);
    assert!(result.error_message.contains("read-only"), "{result:?}");
    let run = viewer.create_manual_backup("x", "");
    assert!(run.error_message.contains("read-only"), "{run:?}");
    let attempt = viewer.attempt_automatic_recovery(1);
    assert!(attempt.error_message.contains("read-only"), "{attempt:?}");
    assert!(viewer.perform_health_check().is_ok());
    assert_eq!(tree(env.root()), before);
    let out = dir.path().join("copy.json");
    assert!(viewer.export_backup(1, &out, true).success);
}
