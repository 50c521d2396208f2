## SaveGameManager: every method, signal and property, result keys, bad input.
extends "res://tests/test_case.gd"

const SLOT_INFO_KEYS := ["save_slot", "exists", "healthy", "status", "error_details", "size_bytes",
	"checksum", "backup_count", "valid_backups", "has_backups", "snapshot_count",
	"has_interrupted_write", "backups", "pilot_callsign", "campaign", "mission",
	"play_time_seconds", "schema_version", "created_at", "modified_at", "save_count", "extra"]
const SAVE_KEYS := ["success", "save_slot", "checksum", "bytes_written", "error_message", "error_kind"]
const LOAD_KEYS := ["success", "save_slot", "data", "info", "schema_version", "migrated",
	"migrated_from_version", "safety_snapshot", "error_message", "error_kind"]
const BACKUP_KEYS := ["backup_index", "exists", "valid", "status", "error_details", "size_bytes", "written_at"]

var events: Array = []

func before_all() -> void:
	for sig in ["corruption_detected", "backup_created", "backup_restored", "slot_repaired",
			"save_completed", "load_completed", "slot_deleted", "data_migrated", "snapshot_restored"]:
		SaveGameManager.connect(sig, _record.bind(sig))

func _record(a = null, b = null, c = null, sig := "") -> void:
	# bind() appends the signal name after the signal's own arguments.
	var args := [a, b, c].filter(func(x): return x != null)
	var sig_name: String = args.pop_back() if sig == "" else sig
	events.append([sig_name, args])

func _reset(tag: String) -> void:
	SaveGameManager.save_root = fresh_root(tag)
	SaveGameManager.slot_count = 10
	SaveGameManager.backup_levels = 3
	SaveGameManager.quarantine_max_files = 50
	SaveGameManager.quarantine_max_bytes = 256 << 20
	SaveGameManager.game_schema_version = 0
	SaveGameManager.clear_migrations()
	events.clear()

func _names() -> Array:
	return events.map(func(e): return e[0])

func _corrupt_primary(slot: int) -> void:
	var path := SaveGameManager.get_save_root_absolute().path_join("slot_%d.sav" % slot)
	var f := FileAccess.open(path, FileAccess.READ_WRITE)
	check(f != null, "primary file exists at %s" % path)
	if f:
		f.seek(f.get_length() - 3)
		f.store_8(0x5A)
		f.close()

func test_singleton_is_registered_with_expected_api() -> void:
	check(Engine.has_singleton("SaveGameManager"), "engine singleton registered")
	check(ClassDB.class_exists("SaveGameManager"), "class in ClassDB")
	for m in ["save_slot", "load_slot", "has_slot", "delete_slot", "get_used_slots",
			"get_first_free_slot", "get_slot_info", "list_slots", "validate_save_slot",
			"create_save_backup", "restore_save_backup", "repair_save_slot", "cleanup_saves",
			"get_save_stats", "register_migration", "clear_migrations", "get_last_error",
			"get_save_root_absolute", "set_save_root", "set_slot_count", "set_backup_levels",
			"list_snapshots", "restore_snapshot", "delete_snapshot"]:
		check(ClassDB.class_has_method("SaveGameManager", m), "method %s" % m)
	for s in ["corruption_detected", "backup_created", "backup_restored", "slot_repaired",
			"save_completed", "load_completed", "slot_deleted", "data_migrated", "snapshot_restored"]:
		check(ClassDB.class_has_signal("SaveGameManager", s), "signal %s" % s)
	var props := {}
	for p in ClassDB.class_get_property_list("SaveGameManager", true):
		props[p.name] = p.type
	check_eq(props.get("save_root"), TYPE_STRING, "save_root type")
	check_eq(props.get("slot_count"), TYPE_INT, "slot_count type")
	check_eq(props.get("backup_levels"), TYPE_INT, "backup_levels type")
	check_eq(props.get("game_schema_version"), TYPE_INT, "game_schema_version type")
	check_eq(props.get("quarantine_max_files"), TYPE_INT, "quarantine_max_files type")
	check_eq(props.get("quarantine_max_bytes"), TYPE_INT, "quarantine_max_bytes type")
	var sig_args := {}
	for s in ClassDB.class_get_signal_list("SaveGameManager", true):
		sig_args[s.name] = s.args.map(func(a): return [a.name, a.type])
	check_eq(sig_args.get("corruption_detected"), [["save_slot", TYPE_INT], ["error_details", TYPE_STRING]], "corruption_detected args")
	check_eq(sig_args.get("save_completed"), [["save_slot", TYPE_INT], ["success", TYPE_BOOL], ["error_message", TYPE_STRING]], "save_completed args")

func test_default_save_root_is_user_saves() -> void:
	# Recorded by run_suites.gd before any suite changed it (ClassDB cannot
	# report defaults of a singleton: it refuses to make a second instance).
	check_eq(Engine.get_meta("initial_save_root"), "user://saves", "default root")

func test_save_and_load_round_trip_with_info() -> void:
	_reset("roundtrip")
	var data := {"credits": 1200, "ships": ["Hermes", "Arrow"], "pos": Vector3(1, 2, 3), "nested": {"a": [1, 2.5]}}
	var info := {"pilot_callsign": "Maverick", "campaign": "Hermes", "mission": "Destroy the Lucifer", "play_time_seconds": 3600.5, "difficulty": "hard"}
	var saved := SaveGameManager.save_slot(1, data, info)
	check_keys(saved, SAVE_KEYS, "save result")
	check_eq(saved.success, true, "save success")
	check(saved.bytes_written > 0, "bytes written")
	check_eq(saved.error_message, "", "no error")
	var loaded := SaveGameManager.load_slot(1)
	check_keys(loaded, LOAD_KEYS, "load result")
	check_eq(loaded.success, true, "load success")
	check_eq(loaded.data, data, "data round trip")
	check_eq(loaded.info.pilot_callsign, "Maverick", "callsign")
	check_eq(loaded.info.mission, "Destroy the Lucifer", "mission")
	check_eq(loaded.info.play_time_seconds, 3600.5, "play time")
	check_eq(loaded.info.extra, {"difficulty": "hard"}, "extra info kept")
	check_eq(loaded.migrated, false, "not migrated")
	check_eq(_names(), ["save_completed", "load_completed"], "signals")
	check_eq(events[0][1], [1, true, ""], "save_completed args")

func test_info_is_optional_and_slots_are_listed() -> void:
	_reset("list")
	check_eq(SaveGameManager.get_first_free_slot(), 0, "first free when empty")
	check_eq(SaveGameManager.has_slot(2), false, "no slot yet")
	SaveGameManager.save_slot(2, {"x": 1})
	SaveGameManager.save_slot(0, {"x": 2}, {"pilot_callsign": "Ace"})
	check_eq(SaveGameManager.has_slot(2), true, "slot 2 used")
	check_eq(Array(SaveGameManager.get_used_slots()), [0, 2], "used slots")
	check_eq(SaveGameManager.get_first_free_slot(), 1, "first free")
	var slots := SaveGameManager.list_slots()
	check_eq(slots.size(), 2, "two slots listed")
	for s in slots:
		check_keys(s, SLOT_INFO_KEYS, "list_slots entry")
	check_eq(slots[0].pilot_callsign, "Ace", "info in listing")

func test_slot_info_keys_and_backups() -> void:
	_reset("info")
	for i in 4:
		SaveGameManager.save_slot(3, {"turn": i})
	var info := SaveGameManager.get_slot_info(3)
	check_keys(info, SLOT_INFO_KEYS, "slot info")
	check_eq(info.exists, true, "exists")
	check_eq(info.healthy, true, "healthy")
	check_eq(info.status, "valid", "status")
	check_eq(info.save_count, 4, "save count")
	check_eq(info.backup_count, 3, "three rolling backups")
	check_eq(info.has_backups, true, "has backups")
	check_eq(info.backups.size(), 3, "one entry per level")
	for b in info.backups:
		check_keys(b, BACKUP_KEYS, "backup entry")
	var empty := SaveGameManager.get_slot_info(7)
	check_eq(empty.exists, false, "empty slot does not exist")
	check_eq(empty.status, "missing", "missing status")

func test_backup_restore_and_repair_emit_signals() -> void:
	_reset("backup")
	SaveGameManager.save_slot(1, {"v": 1})
	check_eq(SaveGameManager.create_save_backup(1), true, "backup created")
	SaveGameManager.save_slot(1, {"v": 2})
	events.clear()
	check_eq(SaveGameManager.restore_save_backup(1, 0), true, "restore level 0")
	check_eq(SaveGameManager.load_slot(1).data, {"v": 1}, "restored data")
	_corrupt_primary(1)
	events.clear()
	expect_errors_begin()
	var loaded := SaveGameManager.load_slot(1)
	expect_errors_end()
	check_eq(loaded.success, false, "corrupt load fails")
	check(loaded.error_message.contains("corrupt") or loaded.error_message.contains("checksum"), "message names corruption: " + loaded.error_message)
	check(_names().has("corruption_detected"), "corruption_detected emitted")
	var v := SaveGameManager.validate_save_slot(1)
	check_keys(v, ["valid", "save_slot", "status", "error_details", "valid_backups", "backup_count"], "validate result")
	check_eq(v.valid, false, "invalid after corruption")
	check_eq(v.status, "corrupt", "corrupt status")
	check_eq(SaveGameManager.repair_save_slot(1), true, "repaired")
	check(_names().has("slot_repaired"), "slot_repaired emitted")
	check_eq(SaveGameManager.load_slot(1).success, true, "loads after repair")
	check_eq(SaveGameManager.validate_save_slot(1).valid, true, "valid after repair")

func test_signal_payloads_of_backup_operations() -> void:
	_reset("sigs")
	SaveGameManager.save_slot(4, {"v": 1})
	events.clear()
	SaveGameManager.create_save_backup(4)
	check_eq(events, [["backup_created", [4, 0]]], "backup_created(4, 0)")
	events.clear()
	SaveGameManager.restore_save_backup(4, 0)
	check_eq(events, [["backup_restored", [4, 0]]], "backup_restored(4, 0)")
	events.clear()
	check_eq(SaveGameManager.delete_slot(4), true, "deleted")
	check_eq(events, [["slot_deleted", [4]]], "slot_deleted(4)")
	check_eq(SaveGameManager.has_slot(4), false, "gone")

const SNAPSHOT_KEYS := ["snapshot_id", "name", "description", "kind", "trigger", "context",
	"created_at", "valid", "status", "error_details", "size_bytes", "written_at", "pilot_callsign"]

func test_snapshots_are_listed_restored_and_deleted() -> void:
	_reset("snapshots")
	SaveGameManager.save_slot(2, {"v": 1}, {"pilot_callsign": "Maverick"})
	SaveGameManager.save_slot(2, {"v": 2}, {"pilot_callsign": "Maverick"})
	check_eq(SaveGameManager.list_snapshots(2), [], "no snapshots yet")
	# Restoring level 0 keeps the replaced save ({"v": 2}) as a snapshot.
	check_eq(SaveGameManager.restore_save_backup(2, 0), true, "restore level 0")
	var snaps := SaveGameManager.list_snapshots(2)
	check_eq(snaps.size(), 1, "one pre-restore snapshot")
	if snaps.size() != 1:
		return
	var snap: Dictionary = snaps[0]
	check_keys(snap, SNAPSHOT_KEYS, "snapshot entry")
	check_eq(snap.kind, "pre_restore", "kind")
	check_eq(snap.valid, true, "valid")
	check_eq(snap.pilot_callsign, "Maverick", "callsign")
	check(snap.created_at > 0, "created_at set")
	events.clear()
	check_eq(SaveGameManager.restore_snapshot(2, snap.snapshot_id), true, "snapshot restored")
	check_eq(events, [["snapshot_restored", [2, snap.snapshot_id]]], "snapshot_restored(2, id)")
	check_eq(SaveGameManager.load_slot(2).data, {"v": 2}, "data of the snapshot")
	check_eq(SaveGameManager.list_snapshots(2).size(), 2, "the replaced save was kept too")
	check_eq(SaveGameManager.delete_snapshot(2, snap.snapshot_id), true, "deleted")
	check_eq(SaveGameManager.list_snapshots(2).size(), 1, "one left")

func test_snapshot_bad_input_fails_cleanly() -> void:
	_reset("snapshots_bad")
	SaveGameManager.save_slot(1, {"v": 1})
	expect_errors_begin()
	check_eq(SaveGameManager.restore_snapshot(1, "no-such-snapshot"), false, "unknown id")
	check(SaveGameManager.get_last_error().contains("not found"), "says not found: " + SaveGameManager.get_last_error())
	check_eq(SaveGameManager.restore_snapshot(1, "../slot_1.sav"), false, "path in id refused")
	check_eq(SaveGameManager.delete_snapshot(1, "../slot_1.sav"), false, "path in id refused for delete")
	check_eq(SaveGameManager.list_snapshots(99), [], "slot out of range")
	check_eq(SaveGameManager.restore_snapshot(-1, "x"), false, "negative slot")
	expect_errors_end()
	check_eq(SaveGameManager.load_slot(1).data, {"v": 1}, "save untouched")

func test_cleanup_and_stats_keys() -> void:
	_reset("stats")
	SaveGameManager.save_slot(0, {"a": 1})
	SaveGameManager.load_slot(0)
	var c := SaveGameManager.cleanup_saves()
	check_keys(c, ["success", "removed_temp", "promoted", "quarantined", "removed_extra_backups",
		"pruned_quarantine", "error_message"], "cleanup result")
	check_eq(c.success, true, "cleanup ok")
	var stats := SaveGameManager.get_save_stats()
	check(stats.has("save") and stats.has("load"), "per-operation entries")
	check_keys(stats.save, ["count", "failures", "bytes", "average_ms", "max_ms"], "op stats")
	check_eq(stats.save.count, 1, "one save counted")
	check(stats.total_operations >= 2, "total operations")

func _quarantined() -> PackedStringArray:
	return DirAccess.get_files_at(SaveGameManager.get_save_root_absolute().path_join("quarantine"))

func test_quarantine_keeps_the_newest_files_within_its_limits() -> void:
	_reset("quarantine_limits")
	check_eq(SaveGameManager.quarantine_max_files, 50, "default file limit")
	check_eq(SaveGameManager.quarantine_max_bytes, 256 << 20, "default byte limit")
	SaveGameManager.quarantine_max_files = 2
	SaveGameManager.save_slot(0, {"hp": 1})
	SaveGameManager.save_slot(0, {"hp": 2})
	for i in 4:
		_corrupt_primary(0)
		check_eq(SaveGameManager.repair_save_slot(0), true, "repair %d" % i)
		check(_quarantined().size() <= 2, "at most 2 kept after repair %d: %s" % [i, _quarantined()])
	var before := _quarantined()
	check_eq(before.size(), 2, "two newest kept")
	check_eq(SaveGameManager.load_slot(0).data, {"hp": 1}, "repaired from backup level 0 each time")
	# A lower limit applies at the next cleanup, which reports what it removed.
	SaveGameManager.quarantine_max_files = 1
	var c := SaveGameManager.cleanup_saves()
	check_eq(c.success, true, "cleanup ok")
	check_eq(c.pruned_quarantine, 1, "one pruned")
	var after := _quarantined()
	check_eq(after.size(), 1, "one left")
	before.sort()
	check_eq(after[0], before[1], "the newest stays")

func test_negative_quarantine_limits_are_refused_and_nothing_is_written() -> void:
	_reset("quarantine_bad")
	SaveGameManager.save_slot(0, {"hp": 1})
	SaveGameManager.quarantine_max_files = -1
	expect_errors_begin()
	var r := SaveGameManager.save_slot(0, {"hp": 2})
	expect_errors_end()
	check_eq(r.success, false, "refused")
	check(str(r.error_message).contains("quarantine_max_files"), "names the setting: %s" % r.error_message)
	SaveGameManager.quarantine_max_files = 50
	SaveGameManager.quarantine_max_bytes = -5
	expect_errors_begin()
	check_eq(SaveGameManager.cleanup_saves().success, false, "byte limit refused")
	expect_errors_end()
	check(SaveGameManager.get_last_error().contains("quarantine_max_bytes"), "names the byte setting")
	SaveGameManager.quarantine_max_bytes = 256 << 20
	check_eq(SaveGameManager.load_slot(0).data, {"hp": 1}, "earlier save untouched")

func test_schema_migration_keeps_backup_and_reports() -> void:
	_reset("schema")
	SaveGameManager.game_schema_version = 1
	SaveGameManager.save_slot(5, {"hp": 10})
	SaveGameManager.game_schema_version = 3
	check_eq(SaveGameManager.register_migration(1, func(d): d["shield"] = 5; return d), true, "register 1")
	check_eq(SaveGameManager.register_migration(2, func(d): d["hp"] = d["hp"] * 2; return d), true, "register 2")
	events.clear()
	var loaded := SaveGameManager.load_slot(5)
	check_eq(loaded.success, true, "migrated load ok")
	check_eq(loaded.data, {"hp": 20, "shield": 5}, "both steps ran in order")
	check_eq(loaded.migrated, true, "migrated flag")
	check_eq(loaded.migrated_from_version, 1, "from version")
	check_eq(loaded.schema_version, 3, "now at 3")
	check(loaded.safety_snapshot != "", "safety snapshot kept")
	check(_names().has("data_migrated"), "data_migrated emitted")
	check_eq(SaveGameManager.get_slot_info(5).snapshot_count, 1, "snapshot on disk")
	var again := SaveGameManager.load_slot(5)
	check_eq(again.migrated, false, "second load needs no migration")
	check_eq(again.data, {"hp": 20, "shield": 5}, "migrated data persisted")

func test_newer_schema_is_refused_and_left_untouched() -> void:
	_reset("newer")
	SaveGameManager.game_schema_version = 9
	SaveGameManager.save_slot(2, {"future": true})
	var before := SaveGameManager.get_slot_info(2)
	SaveGameManager.game_schema_version = 4
	expect_errors_begin()
	var loaded := SaveGameManager.load_slot(2)
	expect_errors_end()
	check_eq(loaded.success, false, "refused")
	check(loaded.error_message.contains("newer"), "clear message: " + loaded.error_message)
	var after := SaveGameManager.get_slot_info(2)
	check_eq(after.checksum, before.checksum, "slot untouched")
	check_eq(after.schema_version, 9, "still version 9")

func test_missing_migration_and_bad_migration_leave_save_intact() -> void:
	_reset("badmig")
	SaveGameManager.game_schema_version = 0
	SaveGameManager.save_slot(1, {"v": 0})
	var checksum: int = SaveGameManager.get_slot_info(1).checksum
	SaveGameManager.game_schema_version = 2
	SaveGameManager.register_migration(0, func(d): return d)
	expect_errors_begin()
	var missing := SaveGameManager.load_slot(1)
	expect_errors_end()
	check_eq(missing.success, false, "gap refused")
	check(missing.error_message.contains("no migration"), missing.error_message)
	SaveGameManager.register_migration(1, func(_d): return 42)
	expect_errors_begin()
	var bad := SaveGameManager.load_slot(1)
	expect_errors_end()
	check_eq(bad.success, false, "non-Dictionary migration result refused")
	check_eq(SaveGameManager.get_slot_info(1).checksum, checksum, "save intact")

func test_bad_input_out_of_range_slots() -> void:
	_reset("badslot")
	expect_errors_begin()
	var r := SaveGameManager.save_slot(10, {"a": 1})
	check_keys(r, SAVE_KEYS, "failed save keys")
	check_eq(r.success, false, "slot 10 refused")
	check(r.error_message.contains("out of range"), r.error_message)
	check_eq(SaveGameManager.load_slot(-1).success, false, "slot -1 refused")
	check_keys(SaveGameManager.load_slot(-1), LOAD_KEYS, "failed load keys")
	check_eq(SaveGameManager.create_save_backup(99), false, "backup 99")
	check_eq(SaveGameManager.restore_save_backup(1, 7), false, "level 7")
	check_eq(SaveGameManager.restore_save_backup(1, -1), false, "level -1")
	check_eq(SaveGameManager.repair_save_slot(1000000000000), false, "huge slot")
	check_eq(SaveGameManager.delete_slot(-5), false, "delete -5")
	check_eq(SaveGameManager.get_slot_info(11), {}, "info of bad slot is empty")
	check_eq(SaveGameManager.register_migration(-1, func(d): return d), false, "negative version")
	check_eq(SaveGameManager.register_migration(1, Callable()), false, "invalid callable")
	expect_errors_end()
	check(SaveGameManager.get_last_error() != "", "last error kept")

func test_bad_input_missing_files_and_empty_slots() -> void:
	_reset("missing")
	expect_errors_begin()
	var r := SaveGameManager.load_slot(3)
	check_eq(r.success, false, "empty slot load fails")
	check(r.error_message.contains("not found"), r.error_message)
	check_eq(SaveGameManager.create_save_backup(3), false, "nothing to back up")
	check_eq(SaveGameManager.restore_save_backup(3, 0), false, "no backup to restore")
	check_eq(SaveGameManager.repair_save_slot(3), false, "nothing to repair from")
	expect_errors_end()

func test_bad_input_wrong_types_from_gdscript() -> void:
	_reset("types")
	expect_errors_begin()
	var r = SaveGameManager.callv("save_slot", ["one", {"a": 1}])
	check(r == null or (r is Dictionary and r.success == false), "string slot rejected")
	r = SaveGameManager.callv("save_slot", [1, "not a dictionary"])
	check(r == null or (r is Dictionary and r.success == false), "string data rejected")
	r = SaveGameManager.callv("restore_save_backup", [1, "zero"])
	check(r == null or r == false, "string level rejected")
	expect_errors_end()
	check_eq(SaveGameManager.has_slot(1), false, "nothing written by bad calls")

func test_bad_configuration_is_reported() -> void:
	_reset("config")
	SaveGameManager.slot_count = 0
	expect_errors_begin()
	check_eq(SaveGameManager.save_slot(0, {}).success, false, "slot_count 0 refused")
	SaveGameManager.slot_count = 10
	SaveGameManager.game_schema_version = -3
	check_eq(SaveGameManager.save_slot(0, {}).success, false, "negative schema refused")
	expect_errors_end()
	SaveGameManager.game_schema_version = 0
	check_eq(SaveGameManager.save_slot(0, {}).success, true, "works again")

func test_migration_may_call_back_into_the_manager() -> void:
	_reset("reentrant")
	SaveGameManager.save_slot(6, {"n": 1})
	SaveGameManager.game_schema_version = 1
	var seen := []
	SaveGameManager.register_migration(0, func(d):
		seen.append(SaveGameManager.get_slot_info(6).schema_version)
		d["n"] += 1
		return d)
	var loaded := SaveGameManager.load_slot(6)
	check_eq(loaded.success, true, "migrated: %s" % loaded.error_message)
	check_eq(loaded.data, {"n": 2}, "migration applied")
	check_eq(seen, [0], "migration saw the unmigrated slot")
