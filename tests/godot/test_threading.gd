## Long work runs on a worker thread; its signals arrive on the main thread.
extends "res://tests/test_case.gd"

var threads: Array = []

func _note_thread(_a = null, _b = null, _c = null) -> void:
	threads.append(OS.get_thread_caller_id())

func _all_on_main_thread() -> bool:
	var main := OS.get_main_thread_id()
	return not threads.is_empty() and threads.all(func(t): return t == main)

func test_async_health_check_reports_progress_and_result_on_main_thread() -> void:
	var c = new_coordinator("async_health")
	for i in 6:
		save_pilot(i, "Pilot%d" % i)
	threads.clear()
	c.health_check_completed.connect(_note_thread)
	c.operation_progress.connect(_note_thread)
	check_eq(c.perform_health_check_async(), true, "started")
	check_eq(c.is_backup_operation_active(), true, "a worker job counts as an active operation")
	check(not signal_names().has("health_check_completed"), "result is not delivered synchronously")
	var args := await wait_for_signal("health_check_completed")
	if args.size() == 1:
		check_eq(args[0].total_backups, 6, "report covers every file")
		check_eq(args[0].healthy_backups, 6, "all healthy")
	var progress := signal_log.filter(func(e): return e[0] == "operation_progress")
	check(progress.size() >= 1, "progress reported")
	if progress.size() >= 1:
		check_eq(progress[0][1][0], "health_check", "progress names the operation")
		check_eq(progress[-1][1][1], progress[-1][1][2], "last progress is complete")
	check(_all_on_main_thread(), "every signal on the main thread: %s vs main %d" % [str(threads), OS.get_main_thread_id()])
	check_eq(c.is_backup_operation_active(), false, "idle afterwards")
	c.free()

func test_async_export_and_import_on_main_thread() -> void:
	var c = new_coordinator("async_transfer")
	save_pilot(3, "Viper", {"big": PackedByteArray(range(200)).hex_encode()})
	threads.clear()
	c.export_completed.connect(_note_thread)
	c.import_completed.connect(_note_thread)
	c.backup_flow_completed.connect(_note_thread)
	var path := "user://test_saves/async_%d.json" % Time.get_ticks_usec()
	check_eq(c.export_backup_async(3, path), true, "export started")
	var exported := await wait_for_signal("export_completed")
	if exported.size() == 1:
		check_eq(exported[0].success, true, "exported: %s" % exported[0].error_message)
		check_eq(exported[0].export_path, path, "path as given")
	check_eq(c.import_backup_async(path, 7), true, "import started")
	var imported := await wait_for_signal("import_completed")
	if imported.size() == 1:
		check_eq(imported[0].success, true, "imported: %s" % imported[0].error_message)
		check_eq(imported[0].imported_slot, 7, "into slot 7")
		check_eq(imported[0].pilot_name, "Viper", "pilot")
	check_eq(SaveGameManager.load_slot(7).data, SaveGameManager.load_slot(3).data, "same data")
	check(_all_on_main_thread(), "every signal on the main thread")
	c.free()

func test_async_failure_is_reported_not_raised() -> void:
	var c = new_coordinator("async_fail")
	expect_errors_begin()
	check_eq(c.import_backup_async("user://test_saves/missing_%d.json" % Time.get_ticks_usec(), 1), true, "started")
	var imported := await wait_for_signal("import_completed")
	expect_errors_end()
	if imported.size() == 1:
		check_eq(imported[0].success, false, "missing file reported")
		check(imported[0].error_message != "", "with a message")
	c.free()

func test_process_loop_runs_due_schedule_on_a_worker_and_persists_it() -> void:
	var c = new_coordinator("schedule")
	save_pilot(2, "Iceman")
	threads.clear()
	c.automated_backup_triggered.connect(_note_thread)
	c.health_check_completed.connect(_note_thread)
	c.schedule_check_seconds = 1.0
	# Never ran in this save folder: the scheduled backup and the health
	# check are due at the first check.
	var triggered := await wait_for_signal("automated_backup_triggered")
	check_eq(triggered.size() > 0 and triggered[0] == "timer_interval", true, "timer backup: %s" % str(triggered))
	await wait_for_signal("health_check_completed")
	var completed := signal_log.filter(func(e): return e[0] == "backup_flow_completed")
	check_eq(completed.size(), 1, "one scheduled run")
	if completed.size() == 1:
		check_eq(completed[0][1][0], "scheduled_backup", "operation type")
		check_eq(completed[0][1][1], true, "succeeded")
	check(_all_on_main_thread(), "signals on the main thread")
	var root: String = SaveGameManager.save_root
	c.free()
	# A new coordinator over the same folder sees the persisted run times and
	# does not run the schedule again.
	SaveGameManager.save_root = root
	var again = ClassDB.instantiate("BackupFlowCoordinator")
	add_child(again)
	var status: Dictionary = again.get_backup_status()
	check(status.last_automated_backup > 0, "last run persisted")
	check(status.last_health_check > 0, "health check persisted")
	check(status.next_scheduled_backup > int(Time.get_unix_time_from_system()) + 23 * 3600, "next run a day later")
	again.free()
