## Base of every suite: assertions that record failures with script and line.
## Suites extend this file by path (no class_name, so nothing leaks into the
## project's global class list).
extends Node

var failures: Array[String] = []
var current_test := ""
## Why the current test could not run here (set by `skip`); the runner
## reports it as skipped instead of passed.
var skip_reason := ""

## A fresh, empty save folder for this suite.
func fresh_root(tag: String) -> String:
	var root := "user://test_saves/%s_%d" % [tag, Time.get_ticks_usec()]
	DirAccess.make_dir_recursive_absolute(root)
	return root

func _where() -> String:
	# get_stack() needs a debug build; frame 0 is _where, 1 the assertion, 2 the test.
	var stack := get_stack()
	for frame in stack:
		if str(frame.source).ends_with("test_case.gd"):
			continue
		return "%s:%d" % [str(frame.source).get_file(), frame.line]
	return "%s:%s" % [str(get_script().resource_path).get_file(), current_test]

func fail(message: String) -> void:
	failures.append("%s: %s: %s" % [_where(), current_test, message])

func check(condition: bool, message: String = "condition is false") -> bool:
	if not condition:
		fail(message)
	return condition

func check_eq(actual, expected, message: String = "") -> bool:
	var same: bool = typeof(actual) == typeof(expected) and actual == expected
	if not same:
		fail("%s expected %s (%s), got %s (%s)" % [message, var_to_str(expected), type_string(typeof(expected)), var_to_str(actual), type_string(typeof(actual))])
	return same

## Checks that `dict` has exactly these keys (no more, no fewer).
func check_keys(dict: Dictionary, keys: Array, message: String = "") -> bool:
	var want := keys.duplicate()
	want.sort()
	var have := dict.keys()
	have.sort()
	if have != want:
		fail("%s keys differ: expected %s, got %s" % [message, str(want), str(have)])
		return false
	return true

## Marks the current test as not run on this system, with the reason (for
## example a file-system feature the platform lacks). The runner prints it
## as skipped, never as passed; whatever the test checked before still counts.
func skip(reason: String) -> void:
	skip_reason = reason

## True on Godot `major`.`minor` or newer.
func godot_at_least(major: int, minor: int) -> bool:
	var v := Engine.get_version_info()
	return v.major > major or (v.major == major and v.minor >= minor)

## True when running on Windows (natively or under Wine).
func on_windows() -> bool:
	return OS.get_name() == "Windows"

## Marks a block of calls that must log errors (push_error): the runner
## ignores error lines between these markers and fails when none appeared.
func expect_errors_begin() -> void:
	printerr("@@EXPECT_ERRORS_BEGIN %s" % current_test)

func expect_errors_end() -> void:
	printerr("@@EXPECT_ERRORS_END %s" % current_test)

## A coordinator in the tree, over a fresh SaveGameManager folder, with
## every signal recorded in `signal_log` as [name, args].
var signal_log: Array = []
var _coordinators: Array = []

func new_coordinator(tag: String) -> Node:
	SaveGameManager.save_root = fresh_root(tag)
	SaveGameManager.slot_count = 10
	SaveGameManager.backup_levels = 3
	SaveGameManager.game_schema_version = 0
	SaveGameManager.clear_migrations()
	# Coordinators of earlier tests would also answer SaveGameManager's signals.
	for old in _coordinators:
		if is_instance_valid(old):
			old.free()
	_coordinators.clear()
	signal_log.clear()
	var c = ClassDB.instantiate("BackupFlowCoordinator")
	add_child(c)
	_coordinators.append(c)
	for s in c.get_signal_list():
		var sig_name: String = s.name
		match s.args.size():
			1: c.connect(sig_name, func(a): signal_log.append([sig_name, [a]]))
			2: c.connect(sig_name, func(a, b): signal_log.append([sig_name, [a, b]]))
			3: c.connect(sig_name, func(a, b, d): signal_log.append([sig_name, [a, b, d]]))
	return c

func signal_names() -> Array:
	return signal_log.filter(func(e): return not e[0] in ["ready", "tree_entered", "child_entered_tree"]).map(func(e): return e[0])

func save_pilot(slot: int, callsign: String, data: Dictionary = {"credits": 100}) -> void:
	var r := SaveGameManager.save_slot(slot, data, {"pilot_callsign": callsign, "campaign": "Hermes"})
	check(r.success, "save slot %d: %s" % [slot, r.error_message])

func corrupt_primary(slot: int) -> void:
	var path := SaveGameManager.get_save_root_absolute().path_join("slot_%d.sav" % slot)
	var f := FileAccess.open(path, FileAccess.READ_WRITE)
	if check(f != null, "primary file exists at %s" % path):
		f.seek(f.get_length() - 3)
		f.store_8(0x5A)
		f.close()

## Waits (processing frames) until `signal_log` holds `name`; returns its
## arguments, or fails after `timeout` seconds.
func wait_for_signal(signal_name: String, timeout: float = 20.0) -> Array:
	var deadline := Time.get_ticks_msec() + int(timeout * 1000.0)
	while Time.get_ticks_msec() < deadline:
		for e in signal_log:
			if e[0] == signal_name:
				return e[1]
		await get_tree().process_frame
	fail("timed out after %.0f s waiting for signal %s" % [timeout, signal_name])
	return []
