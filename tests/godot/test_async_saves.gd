## save_slot_async / load_slot_async: completions on the main thread, bursts
## coalescing to the newest save, reads that see queued saves, the flush when
## a game quits (three ways, in a child Godot process) and SIGKILL.
extends "res://tests/test_case.gd"

var saves: Array = []      # [slot, success, message, on_main_thread]
var requests: Array = []   # [request_id, slot, status, message]
var loads: Array = []      # [slot, success, message, on_main_thread]

func _on_main() -> bool:
	return OS.get_thread_caller_id() == OS.get_main_thread_id()

func _on_save(slot: int, ok: bool, message: String) -> void:
	saves.append([slot, ok, message, _on_main()])

func _on_request(id: int, slot: int, status: String, message: String) -> void:
	requests.append([id, slot, status, message])

func _on_load(slot: int, ok: bool, message: String) -> void:
	loads.append([slot, ok, message, _on_main()])

func before_all() -> void:
	SaveGameManager.save_completed.connect(_on_save)
	SaveGameManager.save_request_completed.connect(_on_request)
	SaveGameManager.load_completed.connect(_on_load)

func after_all() -> void:
	SaveGameManager.save_completed.disconnect(_on_save)
	SaveGameManager.save_request_completed.disconnect(_on_request)
	SaveGameManager.load_completed.disconnect(_on_load)

func _fresh(tag: String) -> void:
	# Requests of earlier tests complete (and signal) before the lists clear.
	SaveGameManager.flush(-1)
	SaveGameManager.save_root = fresh_root(tag)
	SaveGameManager.flush(-1)
	SaveGameManager.slot_count = 10
	SaveGameManager.backup_levels = 3
	SaveGameManager.game_schema_version = 0
	saves.clear()
	requests.clear()
	loads.clear()

## Processes frames until `list` has `count` entries (or fails after 20 s).
func _wait_for(list: Array, count: int, what: String) -> bool:
	var deadline := Time.get_ticks_msec() + 20000
	while list.size() < count and Time.get_ticks_msec() < deadline:
		await get_tree().process_frame
	return check(list.size() >= count, "timed out waiting for %s (%d of %d)" % [what, list.size(), count])

func test_completion_arrives_on_the_main_thread_with_slot_and_outcome() -> void:
	_fresh("async_signal")
	var id := SaveGameManager.save_slot_async(2, {"hp": 7}, {"pilot_callsign": "Ace"})
	check(id > 0, "a request id")
	check_eq(SaveGameManager.get_request_result(id).status, "pending", "before the next frame")
	check(saves.is_empty(), "no signal from inside the call")
	if not await _wait_for(saves, 1, "save_completed"):
		return
	check_eq(saves[0], [2, true, "", true], "slot, success, message, main thread")
	check_eq(requests, [[id, 2, "written", ""]], "save_request_completed")
	var result := SaveGameManager.get_request_result(id)
	check_keys(result, ["request_id", "kind", "save_slot", "status", "success", "error_message", "checksum", "bytes_written", "superseded_by"])
	check_eq(result.status, "written")
	check_eq(result.success, true)
	check(result.bytes_written > 0, "bytes written")
	var loaded := SaveGameManager.load_slot(2)
	check_eq(loaded.data, {"hp": 7}, "on disk")
	check_eq(loaded.info.pilot_callsign, "Ace", "info saved")

func test_a_failed_write_reaches_its_caller_and_keeps_the_previous_save() -> void:
	_fresh("async_fail")
	check(SaveGameManager.save_slot(5, {"v": "safe"}).success, "first save")
	saves.clear()  # save_slot emits save_completed too
	# Backup level 1 is a file and level 2 a non-empty directory: rotating
	# the backups fails on the worker thread whatever the user's rights
	# (tests may run as root).
	var dir := SaveGameManager.get_save_root_absolute()
	var level1 := dir.path_join("slot_5.sav.bak1")
	var level2 := dir.path_join("slot_5.sav.bak2")
	FileAccess.open(level1, FileAccess.WRITE).store_string("not a backup")
	DirAccess.make_dir_absolute(level2)
	FileAccess.open(level2.path_join("x"), FileAccess.WRITE).store_string("x")
	expect_errors_begin()
	var id := SaveGameManager.save_slot_async(5, {"v": "lost"})
	check(id > 0, "queued")
	await _wait_for(saves, 1, "save_completed")
	expect_errors_end()
	DirAccess.remove_absolute(level2.path_join("x"))
	DirAccess.remove_absolute(level2)
	DirAccess.remove_absolute(level1)
	if saves.size() >= 1:
		check_eq(saves[0][0], 5)
		check_eq(saves[0][1], false, "failure reported")
		check(saves[0][2].contains("slot_5.sav"), "message names the file: %s" % saves[0][2])
		check(saves[0][3], "on the main thread")
	check_eq(SaveGameManager.get_request_result(id).status, "failed")
	check_eq(SaveGameManager.load_slot(5).data, {"v": "safe"}, "previous save stands")

func test_bad_requests_are_refused_at_once() -> void:
	_fresh("async_bad")
	expect_errors_begin()
	check_eq(SaveGameManager.save_slot_async(10, {"v": 1}), -1, "slot out of range")
	check_eq(SaveGameManager.save_slot_async(-1, {"v": 1}), -1, "negative slot")
	check_eq(SaveGameManager.load_slot_async(99), -1, "load of a bad slot")
	expect_errors_end()
	check_eq(saves.size(), 2, "save_completed(false) for each refused save")
	if saves.size() == 2:
		check_eq(saves[0][0], 10)
		check_eq(saves[0][1], false)
		check(saves[0][2].contains("out of range"), saves[0][2])
	check_eq(loads.size(), 1, "load_completed(false) for the refused load")
	check_eq(SaveGameManager.get_request_result(987654321).status, "unknown")
	check_eq(SaveGameManager.has_pending_saves(), false)

func test_a_burst_to_one_slot_ends_with_the_newest_on_disk() -> void:
	_fresh("async_burst")
	var blob := PackedByteArray()
	blob.resize(128 * 1024)
	var ids: Array[int] = []
	for i in 30:
		ids.append(SaveGameManager.save_slot_async(1, {"value": i, "blob": blob}))
	check(SaveGameManager.has_pending_saves(), "pending right after queueing")
	if not await _wait_for(requests, 30, "30 completions"):
		return
	var statuses := {}
	for r in requests:
		statuses[r[0]] = r[2]
	check_eq(statuses[ids[-1]], "written", "the newest is written")
	var superseded := 0
	for id in ids:
		check(statuses[id] in ["written", "superseded"], "request %d: %s" % [id, statuses[id]])
		if statuses[id] == "superseded":
			superseded += 1
			check_eq(SaveGameManager.get_request_result(id).superseded_by > id, true, "superseded by a newer request")
	check(superseded > 0, "waiting saves coalesced")
	check(saves.all(func(s): return s[0] == 1 and s[1] and s[3]), "every save_completed: slot 1, success, main thread")
	check_eq(SaveGameManager.load_slot(1).data.value, 29, "newest on disk")
	check_eq(SaveGameManager.get_slot_info(1).save_count, 30 - superseded, "only written saves count")

func test_synchronous_reads_see_queued_saves() -> void:
	_fresh("async_reads")
	var blob := PackedByteArray()
	blob.resize(256 * 1024)
	SaveGameManager.save_slot_async(3, {"v": 1, "blob": blob}, {"pilot_callsign": "One"})
	SaveGameManager.save_slot_async(3, {"v": 2, "blob": blob}, {"pilot_callsign": "Two"})
	check_eq(SaveGameManager.load_slot(3).data.v, 2, "load_slot waits for queued saves")
	SaveGameManager.save_slot_async(4, {"v": 4})
	check(SaveGameManager.has_slot(4), "has_slot sees a queued first save")
	SaveGameManager.save_slot_async(4, {"v": 5}, {"pilot_callsign": "Five"})
	check_eq(SaveGameManager.get_slot_info(4).pilot_callsign, "Five", "get_slot_info")
	SaveGameManager.save_slot_async(6, {"v": 6})
	check(SaveGameManager.list_slots().any(func(s): return s.save_slot == 6), "list_slots")
	SaveGameManager.save_slot_async(6, {"v": 7})
	check(SaveGameManager.create_save_backup(6), "backup")
	check(SaveGameManager.restore_save_backup(6, 0), "restore")
	check_eq(SaveGameManager.load_slot(6).data.v, 7, "the backup held the queued save")
	var id := SaveGameManager.load_slot_async(3)
	SaveGameManager.save_slot_async(3, {"v": 3})
	var results: Array = []
	var on_load := func(rid, slot, result): results.append([rid, slot, result, _on_main()])
	SaveGameManager.load_request_completed.connect(on_load)
	await _wait_for(results, 1, "load_request_completed")
	SaveGameManager.load_request_completed.disconnect(on_load)
	if results.size() >= 1:
		check_eq(results[0][0], id)
		check_eq(results[0][1], 3)
		check_eq(results[0][2].success, true, str(results[0][2].error_message))
		check_eq(results[0][2].data.v, 2, "sees the saves queued before it, not the one after")
		check_eq(results[0][2].info.pilot_callsign, "Two")
		check(results[0][3], "on the main thread")
	check(loads.any(func(l): return l[0] == 3 and l[1] and l[3]), "load_completed(3, true) on the main thread")
	check_eq(SaveGameManager.get_request_result(id).status, "loaded")

func test_flush_writes_and_delivers_everything() -> void:
	_fresh("async_flush")
	var blob := PackedByteArray()
	blob.resize(256 * 1024)
	for i in 10:
		SaveGameManager.save_slot_async(i, {"v": i, "blob": blob})
	check(SaveGameManager.has_pending_saves(), "pending")
	check(SaveGameManager.flush(-1), "flush")
	check_eq(SaveGameManager.has_pending_saves(), false, "nothing pending after flush")
	check_eq(saves.size(), 10, "completions delivered by flush")
	check_eq(SaveGameManager.flush(0), true, "an empty queue flushes at once")

## Runs the child fixture; returns its pid (or -1).
func _spawn(mode: String, root_dir: String, note_path: String, extra: Array = [], first_value: int = 0) -> int:
	var project := ProjectSettings.globalize_path("res://")
	var args: Array = ["--headless", "--path", project, "--script", "res://tests/fixtures/async_child.gd"]
	args.append_array(extra)
	args.append_array(["--", mode, root_dir, note_path, str(first_value)])
	if on_windows():
		# No shell there: started directly, its output goes nowhere (Godot
		# starts children without inheriting the console).
		return OS.create_process(OS.get_executable_path(), PackedStringArray(args))
	var quoted_parts := PackedStringArray()
	for a in args:
		quoted_parts.append("'%s'" % str(a))
	var quoted := " ".join(quoted_parts)
	var log_path := note_path + ".log"
	# exec: the pid is Godot's own; its output goes to a log, not our stderr.
	var command := "exec '%s' %s >'%s' 2>&1" % [OS.get_executable_path(), quoted, log_path]
	return OS.create_process("/bin/sh", PackedStringArray(["-c", command]))

func _wait_exit(pid: int, seconds: float) -> bool:
	var deadline := Time.get_ticks_msec() + int(seconds * 1000.0)
	while OS.is_process_running(pid) and Time.get_ticks_msec() < deadline:
		await get_tree().create_timer(0.05).timeout
	return not OS.is_process_running(pid)

func _note_lines(path: String) -> PackedStringArray:
	var text := FileAccess.get_file_as_string(path)
	return text.split("\n", false)

## Opens `root_dir` in this process and returns slot -> saved value.
func _values_in(root_dir: String, slots: int) -> Dictionary:
	SaveGameManager.save_root = root_dir
	SaveGameManager.slot_count = slots
	var found := {}
	for slot in slots:
		if SaveGameManager.has_slot(slot):
			var r := SaveGameManager.load_slot(slot)
			found[slot] = r.data.get("value", -1) if r.success else -2
	return found

func test_a_quitting_game_writes_its_queued_saves_three_ways() -> void:
	for mode in ["quit", "close", "end"]:
		var dir := ProjectSettings.globalize_path(fresh_root("async_exit_" + mode))
		var note := dir.path_join("note.txt")
		var extra: Array = ["--quit-after", "2"] if mode == "end" else []
		var pid := _spawn(mode, dir.path_join("saves"), note, extra)
		if not check(pid > 0, "%s: child started" % mode):
			continue
		if not check(await _wait_exit(pid, 60.0), "%s: child exited" % mode):
			OS.kill(pid)
			continue
		var newest := {}
		var pending := ""
		for line in _note_lines(note):
			var parts := line.split(" ")
			if parts[0] == "NEWEST":
				newest[parts[1].to_int()] = parts[2].to_int()
			elif parts[0] == "PENDING":
				pending = parts[1]
		check_eq(pending, "true", "%s: saves were still pending when the game began to quit" % mode)
		check_eq(newest.size(), 4, "%s: child noted its saves (log: %s)" % [mode, FileAccess.get_file_as_string(note + ".log").right(400)])
		check_eq(_values_in(dir.path_join("saves"), 4), newest, "%s: every slot holds its newest save" % mode)
		# On Windows the child's output reaches our own log, which the runner reads.
		if not on_windows():
			var child_log := FileAccess.get_file_as_string(note + ".log")
			check(not child_log.contains("ERROR"), "%s: the child logged errors: %s" % [mode, child_log.right(600)])

func test_sigkill_loses_no_signalled_async_save() -> void:
	var rounds := 4
	var dir := ProjectSettings.globalize_path(fresh_root("async_kill"))
	var saves_dir := dir.path_join("saves")
	var acked := {}
	var total_acks := 0
	for r in rounds:
		var note := dir.path_join("note_%d.txt" % r)
		# Values grow from round to round, so "at least the signalled value" holds across rounds.
		var pid := _spawn("kill", saves_dir, note, [], r * 1000000)
		if not check(pid > 0, "child started"):
			return
		# Let some saves complete, then kill at a random moment.
		var deadline := Time.get_ticks_msec() + 30000
		var want := 3 + randi() % 10
		while _note_lines(note).size() < want and Time.get_ticks_msec() < deadline:
			await get_tree().create_timer(0.02).timeout
		await get_tree().create_timer(randf() * 0.05).timeout
		OS.kill(pid)
		await _wait_exit(pid, 10.0)
		var text := FileAccess.get_file_as_string(note)
		# Only whole lines: the kill may cut the last one short.
		var whole := text.substr(0, text.rfind("\n") + 1)
		for line in whole.split("\n", false):
			var parts := line.split(" ")
			if parts.size() == 3 and parts[0] == "ACK":
				var slot := parts[1].to_int()
				acked[slot] = maxi(acked.get(slot, -1), parts[2].to_int())
				total_acks += 1
		var found := _values_in(saves_dir, 4)
		for slot in acked:
			check(found.get(slot, -3) >= acked[slot], "round %d: slot %d holds %s, signalled %d" % [r, slot, found.get(slot), acked[slot]])
		# Release the folder before the next child opens it.
		SaveGameManager.save_root = fresh_root("async_kill_idle")
	check(total_acks >= rounds, "saves were signalled before the kills (%d)" % total_acks)

func test_the_sample_autosaves_after_a_mission_with_a_saving_indicator() -> void:
	_fresh("async_sample")
	SaveFlowCoordinator.clear_current_pilot()
	var indicator = SaveFlowCoordinator.get_node_or_null("AutosaveIndicator")
	if not check(indicator != null, "the autoload shows the indicator"):
		return
	check(SaveFlowCoordinator.new_pilot("Goose") >= 0, "pilot created")
	var flows: Array = []
	var on_flow := func(op, ok, _ctx): flows.append([op, ok])
	SaveFlowCoordinator.save_flow_completed.connect(on_flow)
	var result := SaveFlowCoordinator.record_mission(700, 4, 300.0)
	check_eq(result.get("saved"), true, "autosave queued")
	check(indicator.is_showing(), "saving... shows while the autosave is on its way")
	check(flows.is_empty(), "the flow ends when the save is written, not before")
	await _wait_for(flows, 1, "save_flow_completed")
	SaveFlowCoordinator.save_flow_completed.disconnect(on_flow)
	check_eq(flows, [["mission_complete", true]])
	check(not indicator.is_showing(), "the indicator clears on completion")
	check_eq(SaveGameManager.load_slot(0).data.profile.missions_flown, 1, "the mission is on disk")
	SaveFlowCoordinator.clear_current_pilot()
