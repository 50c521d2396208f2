## Smoke test of the release package in a fresh project (scripts/package_test.sh):
## the classes load from the unpacked addon and a save round-trips. The save
## stays in user://package_smoke for the packaged savekeep to read.
extends SceneTree

var passed := 0
var failed := 0

func check(ok: bool, what: String) -> bool:
	if ok:
		passed += 1
	else:
		failed += 1
		printerr("SMOKE FAIL: " + what)
	return ok

func _initialize() -> void:
	var loaded_classes := true
	for cls in ["SaveGameManager", "BackupFlowCoordinator"]:
		loaded_classes = check(ClassDB.class_exists(cls), "class %s is registered" % cls) and loaded_classes
	if loaded_classes:
		_round_trip()
	print("package smoke: %d passed, %d failed" % [passed, failed])
	quit(0 if failed == 0 and passed > 0 else 1)

func _round_trip() -> void:
	var manager: Object = Engine.get_singleton("SaveGameManager")
	manager.save_root = "user://package_smoke"
	var data := {"credits": 1200, "name": "Jürgen"}
	var saved: Dictionary = manager.save_slot(1, data, {"pilot_callsign": "Maverick"})
	check(saved.success, "save_slot: %s" % saved.error_message)
	var loaded: Dictionary = manager.load_slot(1)
	if check(loaded.success, "load_slot: %s" % loaded.error_message):
		check(loaded.data == data, "the payload round-trips: %s" % loaded.data)
		check(loaded.info.pilot_callsign == "Maverick", "the metadata round-trips: %s" % loaded.info)
	var coordinator: Node = ClassDB.instantiate("BackupFlowCoordinator")
	if check(coordinator != null, "BackupFlowCoordinator instantiates"):
		root.add_child(coordinator)
		var report: Dictionary = coordinator.perform_health_check()
		check(not report.is_empty(), "perform_health_check answers")
		coordinator.free()
