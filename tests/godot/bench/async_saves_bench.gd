## Benchmark of save_slot_async, run by hand (not part of the suite):
##   scripts/build.sh --no-run   # once
##   godot4 --headless --path godot_project --script res://tests/bench/async_saves_bench.gd
## Prints same-run figures and ratios:
## 1. main-thread time of save_slot_async with a ~1 MiB state vs var_to_bytes
##    of the same state alone (target <= 1.2x), and vs save_slot;
## 2. longest frame while the sample autosaves 20 times in a row (one per
##    frame; target within a 60 Hz frame, 16.7 ms), and the same with the
##    1 MiB state, async vs synchronous;
## 3. 200 saves of 64 KiB over 10 slots: async (queued, then flushed) vs sync.
extends SceneTree

const ROUNDS := 15

func _initialize() -> void:
	_run.call_deferred()

func _state(target_bytes: int) -> Dictionary:
	var entities := []
	var blob := PackedByteArray()
	blob.resize(target_bytes / 2)
	for i in blob.size():
		blob[i] = i % 251
	var size := 0
	var i := 0
	while size < target_bytes / 2:
		entities.append({"id": i, "name": "entity_%d" % i, "pos": Vector3(i, i * 2, i * 3), "hp": 100 - i % 100, "tags": ["a", "b"]})
		size += 120
		i += 1
	return {"entities": entities, "blob": blob, "mission": "Patrol Alpha"}

func _median(values: Array) -> float:
	values.sort()
	return values[values.size() / 2]

func _root(tag: String) -> String:
	var root := "user://bench/%s_%d" % [tag, Time.get_ticks_usec()]
	DirAccess.make_dir_recursive_absolute(root)
	return root

func _run() -> void:
	SaveGameManager.save_root = _root("main_thread")
	SaveGameManager.slot_count = 10
	var state := _state(1 << 20)
	var encoded := var_to_bytes(state).size()
	print("state: %d bytes encoded" % encoded)

	# 1. Main-thread time per call.
	var t_bytes := []
	var t_async := []
	var t_sync := []
	for r in ROUNDS:
		var t0 := Time.get_ticks_usec()
		var b := var_to_bytes(state)
		t_bytes.append(Time.get_ticks_usec() - t0)
		t0 = Time.get_ticks_usec()
		SaveGameManager.save_slot_async(r % 10, state)
		t_async.append(Time.get_ticks_usec() - t0)
		SaveGameManager.flush(-1)  # not measured: the queue starts empty each round
		t0 = Time.get_ticks_usec()
		SaveGameManager.save_slot(r % 10, state)
		t_sync.append(Time.get_ticks_usec() - t0)
		b.clear()
	var mb := _median(t_bytes)
	var ma := _median(t_async)
	var ms := _median(t_sync)
	print("main thread, median of %d: var_to_bytes %.2f ms, save_slot_async %.2f ms (%.2fx var_to_bytes, target <= 1.2x), save_slot %.2f ms (async is %.1fx faster)" % [
		ROUNDS, mb / 1000.0, ma / 1000.0, ma / mb, ms / 1000.0, ms / ma])

	# 2. Longest frame while autosaving 20 times in a row, one per frame.
	SaveGameManager.save_root = _root("autosave")
	var flow: Node = root.get_node("SaveFlowCoordinator")  # the sample's autoload
	flow.new_pilot("Bench")
	var sample := await _frames(func(_i): flow.autosave_current_game("autosave"))
	var big_async := await _frames(func(i): SaveGameManager.save_slot_async(1 + i % 3, state))
	var big_sync := await _frames(func(i): SaveGameManager.save_slot(1 + i % 3, state))
	print("longest frame over 20 autosaves (one per frame): sample pilot async %.2f ms; 1 MiB async %.2f ms vs 1 MiB save_slot %.2f ms (60 Hz frame: 16.7 ms)" % [
		sample / 1000.0, big_async / 1000.0, big_sync / 1000.0])

	# 3. Throughput: 200 saves of 64 KiB over 10 slots.
	var small_blob := PackedByteArray()
	small_blob.resize(64 * 1024)
	var small := {"blob": small_blob}
	SaveGameManager.save_root = _root("throughput_sync")
	var t0 := Time.get_ticks_usec()
	for i in 200:
		small["n"] = i
		SaveGameManager.save_slot(i % 10, small)
	var sync_us := Time.get_ticks_usec() - t0
	SaveGameManager.save_root = _root("throughput_async")
	var statuses := {}
	var count := func(_id, _slot, status, _msg): statuses[status] = statuses.get(status, 0) + 1
	SaveGameManager.save_request_completed.connect(count)
	t0 = Time.get_ticks_usec()
	for i in 200:
		small["n"] = i
		SaveGameManager.save_slot_async(i % 10, small)
	var queued_us := Time.get_ticks_usec() - t0
	SaveGameManager.flush(-1)
	var async_us := Time.get_ticks_usec() - t0
	SaveGameManager.save_request_completed.disconnect(count)
	print("200 saves of 64 KiB over 10 slots: sync %.1f ms; async %.1f ms until all durable (%.2fx sync; %.1f ms on the main thread to queue), outcomes %s" % [
		sync_us / 1000.0, async_us / 1000.0, float(async_us) / sync_us, queued_us / 1000.0, str(statuses)])
	quit()

## Runs `action(i)` once per frame for 20 frames, waits until the saves are
## written, and returns the longest frame (µs) of that period.
func _frames(action: Callable) -> int:
	SaveGameManager.flush(-1)
	await process_frame
	var longest := 0
	var last := Time.get_ticks_usec()
	var i := 0
	while i < 20 or SaveGameManager.has_pending_saves():
		if i < 20:
			action.call(i)
		i += 1
		await process_frame
		var now := Time.get_ticks_usec()
		longest = max(longest, now - last)
		last = now
	return longest
