## BackupFlowCoordinator behaviour: every spec method, its Dictionary keys,
## its signals, configuration, integration points and bad input.
extends "res://tests/test_case.gd"

const HEALTH_KEYS := ["check_time", "total_backups", "healthy_backups", "corrupted_backups",
	"suspicious_backups", "backup_details", "recommendations", "overall_health", "trend"]
const SLOT_HEALTH_KEYS := ["save_slot", "backup_count", "healthy_count", "corrupted_count",
	"suspicious_count", "backup_details"]
const WIZARD_KEYS := ["scenario", "title", "steps", "analysis", "success", "error_message"]
const ANALYSIS_KEYS := ["scenario", "context", "available_backups", "recovery_options",
	"recommended_action", "data_loss_risk", "affected_slots"]
const ATTEMPT_KEYS := ["success", "recovery_method", "error_message", "save_slot", "backup_level",
	"snapshot_id", "quarantined_file", "attempts"]
const EXPORT_KEYS := ["success", "export_path", "file_size", "save_slot", "error_message"]
const IMPORT_KEYS := ["success", "imported_slot", "pilot_name", "error_message", "replaced_existing", "safety_snapshot"]
const STATUS_KEYS := ["automated_backups_enabled", "last_automated_backup", "save_slots",
	"event_backups_enabled", "health_monitoring_enabled", "backup_schedule_hours",
	"next_scheduled_backup", "last_health_check", "operation_active"]
const SLOT_STATUS_KEYS := ["slot_number", "pilot_callsign", "has_backups", "backup_count",
	"save_valid", "snapshot_count", "last_saved"]
const SCHEDULE_KEYS := ["enable_automated_backups", "backup_schedule_hours", "max_automated_backups",
	"enable_event_backups", "enable_health_monitoring", "health_check_interval_hours", "next_scheduled_backup"]
const RUN_KEYS := ["success", "operation_type", "trigger", "trigger_reason", "context", "skipped",
	"skip_reason", "snapshots", "failed_slots", "removed_by_retention", "error_message"]

func test_manual_backup_snapshots_and_signals() -> void:
	var c = new_coordinator("manual")
	save_pilot(1, "Maverick")
	check_eq(c.create_manual_backup("Pre-Mission Backup", "Before attempting difficult mission"), true, "manual backup")
	check_eq(signal_names(), ["backup_flow_started", "backup_flow_completed"], "signals")
	check_eq(signal_log[0][1], ["manual_backup", {"backup_name": "Pre-Mission Backup", "description": "Before attempting difficult mission"}], "started args")
	var done: Array = signal_log[1][1]
	check_eq(done[0], "manual_backup", "completed type")
	check_eq(done[1], true, "completed success")
	check_keys(done[2], RUN_KEYS, "run result")
	check_eq(done[2].snapshots.size(), 1, "one snapshot")
	check_eq(SaveGameManager.get_slot_info(1).snapshot_count, 1, "snapshot on disk")
	c.free()

func test_manual_backup_without_saves_fails_clearly() -> void:
	var c = new_coordinator("manual_empty")
	expect_errors_begin()
	check_eq(c.create_manual_backup("Nothing"), false, "nothing to back up")
	expect_errors_end()
	check(c.get_last_error() != "", "error recorded")
	c.free()

func test_automated_backup_emits_trigger_and_respects_switches() -> void:
	var c = new_coordinator("auto")
	save_pilot(2, "Iceman")
	var ok: bool = c.trigger_automated_backup(BackupFlowCoordinator.BackupTrigger.MISSION_COMPLETE, {"mission_name": "Destroy the Lucifer"})
	check_eq(ok, true, "automated backup made")
	check_eq(signal_names(), ["automated_backup_triggered", "backup_flow_started", "backup_flow_completed"], "signals")
	check_eq(signal_log[0][1], ["mission_complete", {"mission_name": "Destroy the Lucifer"}], "trigger args")
	check_eq(signal_log[2][1][0], "event_triggered", "operation type")
	check_eq(signal_log[2][1][2].trigger_reason, "mission_complete", "reason in result")
	signal_log.clear()
	c.enable_event_backups = false
	check_eq(signal_names(), ["backup_schedule_updated"], "property setter reports the schedule")
	check_keys(signal_log[0][1][0], SCHEDULE_KEYS, "schedule config")
	check_eq(signal_log[0][1][0].enable_event_backups, false, "events off in schedule")
	signal_log.clear()
	check_eq(c.trigger_automated_backup(BackupFlowCoordinator.BackupTrigger.ACHIEVEMENT_EARNED), false, "event backups disabled")
	check(not signal_names().has("automated_backup_triggered"), "no trigger signal when skipped")
	c.free()

func test_health_check_report_keys_and_signal() -> void:
	var c = new_coordinator("health")
	save_pilot(0, "Goose")
	save_pilot(0, "Goose")
	save_pilot(3, "Viper")
	corrupt_primary(3)
	var report: Dictionary = c.perform_health_check()
	check_keys(report, HEALTH_KEYS, "health report")
	check(report.total_backups >= 3, "files counted")
	check(report.corrupted_backups >= 1, "corruption found")
	check(report.overall_health in ["critical", "poor", "warning", "good", "excellent"], "overall: %s" % report.overall_health)
	check(report.recommendations.size() > 0, "recommendations")
	for slot in report.backup_details:
		check_keys(slot, SLOT_HEALTH_KEYS, "per-slot details")
	check_eq(signal_names(), ["health_check_completed"], "signal")
	check_eq(signal_log[0][1][0], report, "signal carries the report")
	c.free()

func test_recovery_wizard_and_automatic_recovery() -> void:
	var c = new_coordinator("recovery")
	save_pilot(1, "Maverick")
	save_pilot(1, "Maverick", {"credits": 200})
	corrupt_primary(1)
	var wizard: Dictionary = c.start_recovery_wizard(BackupFlowCoordinator.RecoveryScenario.CORRUPTED_SAVE,
		{"save_slot": 1, "error_details": "Checksum validation failed"})
	check_keys(wizard, WIZARD_KEYS, "wizard")
	check_eq(wizard.success, true, "wizard ok")
	check_eq(wizard.scenario, BackupFlowCoordinator.RecoveryScenario.CORRUPTED_SAVE, "scenario")
	check(wizard.title != "", "title")
	check(wizard.steps.size() > 0, "steps")
	for step in wizard.steps:
		check_keys(step, ["title", "description", "action"], "step")
	check_keys(wizard.analysis, ANALYSIS_KEYS, "analysis")
	check(wizard.analysis.data_loss_risk in ["low", "medium", "high"], "risk")
	check_eq(signal_names(), ["recovery_wizard_initiated"], "signal")
	check_eq(signal_log[0][1][0], 0, "scenario argument")
	check_eq(signal_log[0][1][1], wizard.analysis, "analysis argument")
	signal_log.clear()
	var result: Dictionary = c.attempt_automatic_recovery(1)
	check_keys(result, ATTEMPT_KEYS, "recovery result")
	check_eq(result.success, true, "recovered: %s" % result.error_message)
	check(result.recovery_method != "", "method named")
	check_eq(signal_names(), ["backup_flow_started", "backup_flow_completed"], "recovery signals")
	check_eq(SaveGameManager.load_slot(1).success, true, "slot loads again")
	c.free()

func test_corruption_detected_starts_the_wizard() -> void:
	var c = new_coordinator("corruption_signal")
	save_pilot(4, "Jester")
	corrupt_primary(4)
	expect_errors_begin()
	SaveGameManager.load_slot(4)
	expect_errors_end()
	var wizard_events := signal_log.filter(func(e): return e[0] == "recovery_wizard_initiated")
	check_eq(wizard_events.size(), 1, "wizard initiated from corruption_detected")
	if wizard_events.size() == 1:
		check_eq(wizard_events[0][1][0], BackupFlowCoordinator.RecoveryScenario.CORRUPTED_SAVE, "scenario")
		check_eq(wizard_events[0][1][1].context.save_slot, 4, "slot in context")
	c.free()

func test_export_and_import_round_trip() -> void:
	var c = new_coordinator("transfer")
	save_pilot(1, "Maverick", {"credits": 4242})
	var path := "user://test_saves/export_%d.json" % Time.get_ticks_usec()
	var exported: Dictionary = c.export_backup(1, path, true)
	check_keys(exported, EXPORT_KEYS, "export result")
	check_eq(exported.success, true, "exported: %s" % exported.error_message)
	check_eq(exported.export_path, path, "path as given")
	check_eq(exported.file_size, FileAccess.get_file_as_bytes(path).size(), "file size")
	var imported: Dictionary = c.import_backup(path, 2)
	check_keys(imported, IMPORT_KEYS, "import result")
	check_eq(imported.success, true, "imported: %s" % imported.error_message)
	check_eq(imported.imported_slot, 2, "slot")
	check_eq(imported.pilot_name, "Maverick", "pilot name")
	check_eq(SaveGameManager.load_slot(2).data, {"credits": 4242}, "data travelled intact")
	var free_slot: Dictionary = c.import_backup(path)
	check_eq(free_slot.imported_slot, 0, "default target is the first free slot")
	check_eq(signal_names().count("backup_flow_completed"), 3, "completion signals")
	c.free()

func test_status_stats_and_operation_context() -> void:
	var c = new_coordinator("status")
	save_pilot(0, "Goose")
	c.create_manual_backup("one")
	var status: Dictionary = c.get_backup_status()
	check_keys(status, STATUS_KEYS, "status")
	check_eq(status.automated_backups_enabled, true, "enabled by default")
	check_eq(status.save_slots.size(), 1, "one slot")
	check_keys(status.save_slots[0], SLOT_STATUS_KEYS, "slot status")
	check_eq(status.save_slots[0].slot_number, 0, "slot number")
	check_eq(status.save_slots[0].pilot_callsign, "Goose", "callsign")
	check_eq(status.save_slots[0].has_backups, true, "has backups")
	var stats: Dictionary = c.get_backup_performance_stats()
	check_keys(stats, ["operations", "total", "flow"], "performance stats")
	check_eq(stats.flow.manual_backups, 1, "manual backup counted")
	check_eq(c.is_backup_operation_active(), false, "idle")
	check_eq(c.get_current_operation_context(), {}, "no context when idle")
	c.free()

func test_handlers_may_call_back_into_the_coordinator() -> void:
	var c = new_coordinator("context")
	save_pilot(0, "Goose")
	var seen := []
	c.backup_flow_started.connect(func(_t, _ctx): seen.append(c.get_current_operation_context()))
	c.backup_flow_completed.connect(func(_t, _s, _ctx): seen.append(c.get_backup_status().save_slots.size()))
	check_eq(c.create_manual_backup("x"), true, "backup made")
	# A synchronous operation holds the operation slot only inside the core
	# call, so its signals see the coordinator idle.
	check_eq(seen, [{}, 1], "both handlers ran and called back")
	c.free()

func test_configuration_methods_emit_schedule_updates() -> void:
	var c = new_coordinator("config")
	c.set_automated_backups_enabled(true)
	c.set_backup_schedule_hours(12)
	c.set_health_monitoring_enabled(false)
	check_eq(signal_names(), ["backup_schedule_updated", "backup_schedule_updated", "backup_schedule_updated"], "one update per call")
	var last: Dictionary = signal_log[2][1][0]
	check_eq(last.backup_schedule_hours, 12, "hours")
	check_eq(last.enable_health_monitoring, false, "health off")
	check_eq(c.backup_schedule_hours, 12, "property follows the method")
	check_eq(c.get_backup_status().backup_schedule_hours, 12, "status follows")
	c.free()

func test_game_state_and_save_flow_integration() -> void:
	# The sample project has both autoloads (the coordinator connects to
	# whatever is at /root); a bare project gets the stand-ins.
	var root := get_tree().root
	var gsm: Node = root.get_node_or_null("GameStateManager")
	var sfc: Node = root.get_node_or_null("SaveFlowCoordinator")
	var stand_ins: Array[Node] = []
	if gsm == null:
		gsm = Node.new()
		gsm.name = "GameStateManager"
		gsm.set_script(load("res://tests/fixtures/game_state_manager.gd"))
		root.add_child(gsm)
		stand_ins.append(gsm)
	if sfc == null:
		sfc = Node.new()
		sfc.name = "SaveFlowCoordinator"
		sfc.set_script(load("res://tests/fixtures/save_flow_coordinator.gd"))
		root.add_child(sfc)
		stand_ins.append(sfc)
	var c = new_coordinator("integration")
	save_pilot(0, "Goose")
	# The sample's state machine takes only real transitions (the stand-in
	# takes any); the states on the way trigger nothing.
	for state in ["BRIEFING", "MISSION"]:
		if gsm.GameState.has(state):
			gsm.change_state(gsm.GameState[state])
	signal_log.clear()
	gsm.change_state(gsm.GameState.MISSION_COMPLETE)
	var triggered := signal_log.filter(func(e): return e[0] == "automated_backup_triggered").map(func(e): return e[1][0])
	check_eq(triggered, ["mission_complete"], "state change to MISSION_COMPLETE")
	signal_log.clear()
	sfc.save_flow_completed.emit("quick_save", true, {})
	sfc.save_flow_completed.emit("campaign_checkpoint", false, {})
	check(not signal_names().has("automated_backup_triggered"), "other or failed save flows do not trigger")
	sfc.save_flow_completed.emit("campaign_checkpoint", true, {})
	triggered = signal_log.filter(func(e): return e[0] == "automated_backup_triggered").map(func(e): return e[1][0])
	check_eq(triggered, ["critical_progress"], "campaign checkpoint")
	signal_log.clear()
	gsm.change_state(gsm.GameState.SHUTDOWN)
	triggered = signal_log.filter(func(e): return e[0] == "automated_backup_triggered").map(func(e): return e[1])
	check_eq(triggered.size(), 1, "shutdown backup")
	if triggered.size() == 1:
		check_eq(triggered[0][0], "game_shutdown", "shutdown reason")
		check_eq(triggered[0][1].previous_state, gsm.GameState.MISSION_COMPLETE, "previous state in context")
	c.free()
	if gsm.has_method("reset_to_main_menu"):
		gsm.reset_to_main_menu()
	for node in stand_ins:
		node.queue_free()

func test_bad_input_enum_values_and_slots() -> void:
	var c = new_coordinator("bad")
	save_pilot(0, "Goose")
	expect_errors_begin()
	check_eq(c.trigger_automated_backup(99), false, "trigger 99")
	check_eq(c.trigger_automated_backup(-1, {}), false, "trigger -1")
	var w: Dictionary = c.start_recovery_wizard(42)
	check_keys(w, WIZARD_KEYS, "failed wizard keys")
	check_eq(w.success, false, "scenario 42 refused")
	var r: Dictionary = c.attempt_automatic_recovery(77)
	check_keys(r, ATTEMPT_KEYS, "failed recovery keys")
	check_eq(r.success, false, "slot 77 refused")
	var e: Dictionary = c.export_backup(-3, "user://test_saves/never.json")
	check_keys(e, EXPORT_KEYS, "failed export keys")
	check_eq(e.success, false, "slot -3 refused")
	check_eq(c.export_backup(5, "user://test_saves/empty.json").success, false, "empty slot cannot be exported")
	var i: Dictionary = c.import_backup("user://test_saves/does_not_exist.json", 1)
	check_keys(i, IMPORT_KEYS, "failed import keys")
	check_eq(i.success, false, "missing file")
	check(i.error_message != "", "import says why")
	check_eq(c.import_backup("user://test_saves/does_not_exist.json", 500).success, false, "slot 500")
	c.set_backup_schedule_hours(0)
	c.set_backup_schedule_hours(-12)
	c.max_automated_backups = 0
	expect_errors_end()
	check_eq(c.backup_schedule_hours, 24, "bad hours refused, old value kept")
	check_eq(c.max_automated_backups, 30, "bad max refused")
	c.free()

func test_bad_input_garbage_import_file_is_refused() -> void:
	var c = new_coordinator("garbage")
	save_pilot(1, "Goose", {"keep": true})
	var path := "user://test_saves/garbage_%d.json" % Time.get_ticks_usec()
	var f := FileAccess.open(path, FileAccess.WRITE)
	f.store_string("{\"format\": \"not ours\", \"payload\": 12}")
	f.close()
	expect_errors_begin()
	var r: Dictionary = c.import_backup(path, 1)
	expect_errors_end()
	check_eq(r.success, false, "garbage refused")
	check_eq(SaveGameManager.load_slot(1).data, {"keep": true}, "existing save untouched")
	c.free()

func test_bad_input_wrong_types() -> void:
	var c = new_coordinator("types")
	expect_errors_begin()
	var r = c.callv("trigger_automated_backup", ["MISSION_COMPLETE", {}])
	check(r == null or r == false, "string trigger refused")
	r = c.callv("start_recovery_wizard", [0, "not a dictionary"])
	check(r == null or (r is Dictionary and not r.get("success", false)), "string context refused")
	r = c.callv("export_backup", ["one", "user://x.json"])
	check(r == null or (r is Dictionary and not r.success), "string slot refused")
	expect_errors_end()
	c.free()

func test_manager_reconfiguration_while_a_coordinator_holds_the_folder() -> void:
	var c = new_coordinator("reconfigure")
	save_pilot(0, "Goose")
	check_eq(c.get_backup_status().save_slots.size(), 1, "coordinator uses the folder")
	# Same folder, new options: the store is reopened while the coordinator
	# still holds the old one; it must let go instead of locking the folder.
	SaveGameManager.slot_count = 20
	check_eq(c.get_backup_status().save_slots.size(), 1, "coordinator follows the reopened folder")
	check_eq(SaveGameManager.save_slot(15, {"x": 1}).success, true, "slot 15 valid after reconfiguration")
	check_eq(c.get_backup_status().save_slots.size(), 2, "both slots seen")
	SaveGameManager.slot_count = 10
	c.free()
