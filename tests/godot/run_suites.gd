## Runs the tests/godot suites headless, in the order of SUITES:
##   godot --headless --path godot_project --script res://tests/run_suites.gd
## A test_*.gd file missing from SUITES fails the run (nothing is skipped
## silently); GODOT_SUITE=name runs only the suites whose file name contains
## `name`, still in SUITES order. Each suite is a Node added to the tree;
## each method named test_* runs in declaration order (awaited, so tests may wait for signals). Structured
## lines go to stderr (unbuffered, in order with Godot's own error lines) for
## scripts/godot_tests.sh to read.
extends SceneTree

const SUITE_DIR := "res://tests"

## Every suite, in the order they run. A new suite goes before
## test_shutdown.gd, which is last on purpose: it leaves a migration lambda
## registered, so the exit that follows proves the lambda is released.
const SUITES: Array[String] = [
	"test_coordinator_api.gd",
	"test_coordinator_flow.gd",
	"test_sample_game.gd",
	"test_sample_scenes.gd",
	"test_save_game_manager.gd",
	"test_spec_examples.gd",
	"test_threading.gd",
	"test_hostile_folder.gd",
	"test_async_saves.gd",
	"test_save_types.gd",
	"test_save_types_4_4.gd",
	"test_security.gd",
	"test_shutdown.gd",
]

## Suites that need a newer Godot than the oldest supported one (4.2):
## file -> [major, minor, what they need]. On an older Godot they are never
## loaded (they would not parse) and are reported as skipped with the reason.
## (A test that cannot run on this system calls `skip(reason)` itself.)
const MINIMUM_GODOT := {
	"test_save_types_4_4.gd": [4, 4, "typed Dictionaries"],
}

func _initialize() -> void:
	_run.call_deferred()

func _run() -> void:
	Engine.set_meta("initial_save_root", SaveGameManager.save_root)
	var only := OS.get_environment("GODOT_SUITE")
	var passed := 0
	var failed := 0
	for file in DirAccess.get_files_at(SUITE_DIR):
		if file.begins_with("test_") and file.ends_with(".gd") and file != "test_case.gd" \
				and not SUITES.has(file):
			printerr("@@FAIL %s: suite is not listed in SUITES of run_suites.gd, so it never runs" % file)
			failed += 1
	var files: Array[String] = []
	for file in SUITES:
		if only == "" or file.contains(only):
			files.append(file)
	var version := Engine.get_version_info()
	for file in files:
		if MINIMUM_GODOT.has(file):
			var need: Array = MINIMUM_GODOT[file]
			if version.major < need[0] or (version.major == need[0] and version.minor < need[1]):
				printerr("@@SKIP %s: needs Godot %d.%d (%s); this is %s" % [file, need[0], need[1], need[2], version.string])
				continue
		var path := "%s/%s" % [SUITE_DIR, file]
		var script: GDScript = load(path)
		if script == null or not script.can_instantiate():
			printerr("@@FAIL %s: suite could not be loaded (parse error?)" % file)
			failed += 1
			continue
		var suite: Node = script.new()
		suite.name = file.get_basename()
		root.add_child(suite)
		if suite.has_method("before_all"):
			await suite.before_all()
		for method in script.get_script_method_list():
			var test_name: String = method.name
			if not test_name.begins_with("test_"):
				continue
			suite.current_test = test_name
			suite.failures.clear()
			suite.skip_reason = ""
			printerr("@@RUN %s::%s" % [file, test_name])
			await suite.call(test_name)
			if suite.failures.is_empty() and suite.skip_reason != "":
				printerr("@@SKIP %s::%s: %s" % [file, test_name, suite.skip_reason])
			elif suite.failures.is_empty():
				passed += 1
				printerr("@@PASS %s::%s" % [file, test_name])
			else:
				failed += 1
				for failure in suite.failures:
					printerr("@@FAIL %s" % failure)
		if suite.has_method("after_all"):
			await suite.after_all()
		suite.queue_free()
		await process_frame
	printerr("@@DONE %d %d" % [passed, failed])
	quit(0 if failed == 0 else 1)
