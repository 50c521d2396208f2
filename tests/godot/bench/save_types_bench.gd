## Benchmark, run by hand (not a suite: its name does not start with test_):
##   godot4 --headless --path godot_project --script res://tests/bench/save_types_bench.gd
## (after scripts/godot_tests.sh has built the addon and linked tests/).
## Save + load of the sample's state (PlayerProfile + CampaignState) three
## ways, in the same run: as registered Resources through save_slot, as
## to_dict() Dictionaries through save_slot, and as .tres files through
## ResourceSaver/ResourceLoader (no fsync there, unlike save_slot). Prints
## microseconds per save+load and the ratios to the Dictionary path.
extends SceneTree

const ROUNDS := 200

func _initialize() -> void:
	_run.call_deferred()

func _state() -> Array:
	var p := PlayerProfile.new()
	p.callsign = "Maverick"
	p.save_slot = 1
	p.play_time_seconds = 12345.5
	p.created_at = 1700000000
	var c := CampaignState.new()
	for i in CampaignState.MISSIONS.size() - 1:
		var r := c.complete_current_mission(100 * (i + 1))
		p.missions_flown += 1
		p.total_kills += 3
		if r.milestone:
			var medals := p.medals
			medals.append("Act %d Ribbon" % (int(i / 3.0) + 1))
			p.medals = medals
	return [p, c]

func _resources(p: PlayerProfile, c: CampaignState) -> bool:
	var r := SaveGameManager.save_slot(1, {"format": "bench", "profile": p, "campaign": c})
	var l := SaveGameManager.load_slot(1)
	return r.success and l.success and l.data.profile is PlayerProfile and l.data.campaign.completed_missions == c.completed_missions

func _dictionaries(p: PlayerProfile, c: CampaignState) -> bool:
	var r := SaveGameManager.save_slot(2, {"format": "bench", "profile": p.to_dict(), "campaign": c.to_dict()})
	var l := SaveGameManager.load_slot(2)
	var back_p := PlayerProfile.from_dict(l.data.profile)
	var back_c := CampaignState.from_dict(l.data.campaign)
	return r.success and l.success and back_p.callsign == p.callsign and back_c.completed_missions == c.completed_missions

func _tres(p: PlayerProfile, c: CampaignState, dir: String) -> bool:
	var ok := ResourceSaver.save(p, dir.path_join("profile.tres")) == OK
	ok = ResourceSaver.save(c, dir.path_join("campaign.tres")) == OK and ok
	var back_p: PlayerProfile = ResourceLoader.load(dir.path_join("profile.tres"), "", ResourceLoader.CACHE_MODE_IGNORE)
	var back_c: CampaignState = ResourceLoader.load(dir.path_join("campaign.tres"), "", ResourceLoader.CACHE_MODE_IGNORE)
	return ok and back_p.callsign == p.callsign and back_c.completed_missions == c.completed_missions

func _time(way: Callable) -> float:
	var start := Time.get_ticks_usec()
	for i in ROUNDS:
		if not way.call():
			push_error("benchmark round failed")
			return -1.0
	return float(Time.get_ticks_usec() - start) / ROUNDS

func _run() -> void:
	var root := "user://bench_save_types_%d" % Time.get_ticks_usec()
	DirAccess.make_dir_recursive_absolute(root)
	SaveGameManager.save_root = root
	SaveGameManager.clear_save_types()
	SaveGameManager.register_save_type([PlayerProfile, CampaignState])
	var state := _state()
	var p: PlayerProfile = state[0]
	var c: CampaignState = state[1]
	var ways := {
		"resources": _resources.bind(p, c),
		"dictionaries": _dictionaries.bind(p, c),
		"tres": _tres.bind(p, c, root),
	}
	for way in ways.values():
		way.call()   # warm-up
	var best := {}
	# Three passes, interleaved; the best of each way counts (least noise).
	for pass_index in 3:
		for name in ways:
			var t := _time(ways[name])
			best[name] = t if not best.has(name) else minf(best[name], t)
	var sizes: int = SaveGameManager.get_slot_info(1).size_bytes
	print("save+load of the sample state, %d rounds, best of 3 (us per save+load):" % ROUNDS)
	print("  registered Resources via save_slot : %8.1f  (slot file %d bytes)" % [best.resources, sizes])
	print("  to_dict() Dictionaries via save_slot: %8.1f  (slot file %d bytes)" % [best.dictionaries, SaveGameManager.get_slot_info(2).size_bytes])
	print("  ResourceSaver/Loader .tres (2 files): %8.1f" % best.tres)
	print("ratio resources/dictionaries = %.2f (target <= 1.5)" % (best.resources / best.dictionaries))
	print("ratio tres/dictionaries      = %.2f" % (best.tres / best.dictionaries))
	quit(0)
