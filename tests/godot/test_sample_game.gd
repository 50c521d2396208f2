## The sample game's own code: PlayerProfile and CampaignState resources,
## the GameStateManager state machine and the SaveFlowCoordinator save flow.
extends "res://tests/test_case.gd"

var _flows: Array = []


func before_all() -> void:
	GameStateManager.quit_on_shutdown = false
	SaveFlowCoordinator.save_flow_completed.connect(_on_flow)


func after_all() -> void:
	SaveFlowCoordinator.save_flow_completed.disconnect(_on_flow)
	SaveFlowCoordinator.clear_current_pilot()
	GameStateManager.reset_to_main_menu()


func _on_flow(op: String, success: bool, context: Dictionary) -> void:
	_flows.append([op, success, context])


func _fresh() -> void:
	SaveGameManager.save_root = fresh_root("sample_game")
	SaveGameManager.slot_count = 10
	SaveGameManager.backup_levels = 3
	SaveGameManager.game_schema_version = 0
	SaveGameManager.clear_migrations()
	SaveFlowCoordinator.clear_current_pilot()
	GameStateManager.reset_to_main_menu()
	_flows.clear()


func test_player_profile_round_trips_through_a_dictionary() -> void:
	var p := PlayerProfile.new()
	p.callsign = "Maverick"
	p.save_slot = 4
	p.play_time_seconds = 1234.5
	p.missions_flown = 7
	p.total_kills = 21
	p.medals = PackedStringArray(["Bronze Star", "Act 1 Ribbon"])
	p.created_at = 1700000000
	var back := PlayerProfile.from_dict(p.to_dict())
	check_eq(back.to_dict(), p.to_dict(), "round trip")
	check_eq(back.medals, p.medals, "medals")
	# Saves pass through var_to_bytes and JSON; both must leave plain data.
	check_eq(typeof(p.to_dict()["medals"]), TYPE_ARRAY, "medals stored as a plain Array")


func test_player_profile_from_bad_data_keeps_defaults() -> void:
	var p := PlayerProfile.from_dict({"callsign": 42, "missions_flown": "many", "medals": "x", "save_slot": null})
	check_eq(p.callsign, "42")
	check_eq(p.missions_flown, 0, "mistyped count")
	check_eq(p.medals.size(), 0, "mistyped medals")
	check_eq(p.save_slot, -1, "missing slot")
	check_eq(PlayerProfile.from_dict({}).to_dict(), PlayerProfile.new().to_dict(), "empty dict gives a default profile")


func test_campaign_advances_marks_milestones_and_ends() -> void:
	var c := CampaignState.new()
	check_eq(c.current_mission(), "Training Run")
	var first := c.complete_current_mission(500)
	check_eq(first["mission"], "Training Run")
	check_eq(first["milestone"], false, "first mission")
	c.complete_current_mission(600)
	var third := c.complete_current_mission(700)
	check_eq(third["mission"], "Destroy the Lucifer")
	check_eq(third["milestone"], true, "third mission closes act 1")
	check_eq(c.mission_scores["Destroy the Lucifer"], 700)
	while not c.is_complete():
		c.complete_current_mission(1)
	check_eq(c.current_mission(), "Campaign complete")
	check_eq(c.complete_current_mission(1), {}, "nothing left to fly")
	var back := CampaignState.from_dict(c.to_dict())
	check_eq(back.to_dict(), c.to_dict(), "round trip")


func test_campaign_from_bad_data_is_clamped() -> void:
	var c := CampaignState.from_dict({"current_mission_index": 999, "completed_missions": 5, "mission_scores": []})
	check_eq(c.current_mission_index, CampaignState.MISSIONS.size(), "index clamped to the end")
	check_eq(c.completed_missions.size(), 0)
	check_eq(c.mission_scores, {})
	check_eq(CampaignState.from_dict({"current_mission_index": -3}).current_mission_index, 0, "negative index")


func test_state_machine_emits_changes_and_refuses_bad_transitions() -> void:
	_fresh()
	var seen: Array = []
	var refused: Array = []
	var on_change := func(old_state, new_state): seen.append([old_state, new_state])
	var on_refuse := func(from_state, to_state): refused.append([from_state, to_state])
	GameStateManager.state_changed.connect(on_change)
	GameStateManager.state_change_refused.connect(on_refuse)
	var S = GameStateManager.GameState
	check(not GameStateManager.change_state(S.MISSION), "MAIN_MENU -> MISSION skips the briefing")
	check_eq(GameStateManager.current_state, S.MAIN_MENU)
	check_eq(refused, [[S.MAIN_MENU, S.MISSION]])
	check(GameStateManager.change_state(S.BRIEFING))
	check(GameStateManager.change_state(S.MISSION))
	check(GameStateManager.change_state(S.MISSION_COMPLETE))
	check(GameStateManager.change_state(S.CAMPAIGN_MILESTONE))
	check_eq(seen, [[S.MAIN_MENU, S.BRIEFING], [S.BRIEFING, S.MISSION], [S.MISSION, S.MISSION_COMPLETE], [S.MISSION_COMPLETE, S.CAMPAIGN_MILESTONE]])
	check_eq(GameStateManager.state_name(GameStateManager.current_state), "CAMPAIGN_MILESTONE")
	GameStateManager.state_changed.disconnect(on_change)
	GameStateManager.state_change_refused.disconnect(on_refuse)
	GameStateManager.reset_to_main_menu()


func test_shutdown_is_final_and_reached_once() -> void:
	_fresh()
	var S = GameStateManager.GameState
	var shutdowns := [0]
	var on_change := func(_old, new_state):
		if new_state == S.SHUTDOWN:
			shutdowns[0] += 1
	GameStateManager.state_changed.connect(on_change)
	GameStateManager.change_state(S.BRIEFING)
	GameStateManager.request_shutdown()
	GameStateManager.request_shutdown()
	check_eq(GameStateManager.current_state, S.SHUTDOWN)
	check_eq(shutdowns[0], 1, "second request is a no-op")
	check(not GameStateManager.change_state(S.MAIN_MENU), "nothing leaves SHUTDOWN by a transition")
	GameStateManager.state_changed.disconnect(on_change)
	GameStateManager.reset_to_main_menu()
	check_eq(GameStateManager.current_state, S.MAIN_MENU)


func test_window_close_goes_through_the_shutdown_path() -> void:
	_fresh()
	check(not get_tree().is_auto_accept_quit(), "the close button does not quit directly")
	GameStateManager.notification(NOTIFICATION_WM_CLOSE_REQUEST)
	check_eq(GameStateManager.current_state, GameStateManager.GameState.SHUTDOWN)
	GameStateManager.reset_to_main_menu()


func test_new_pilot_saves_and_continue_loads_it_back() -> void:
	_fresh()
	var slot := SaveFlowCoordinator.new_pilot("  Maverick ")
	check_eq(slot, 0, "first free slot")
	check_eq(SaveFlowCoordinator._get_current_pilot_profile().callsign, "Maverick", "callsign trimmed")
	check_eq(_flows.size(), 1)
	check_eq(_flows[0][0], "new_pilot")
	check_eq(_flows[0][1], true)
	check_eq(_flows[0][2]["pilot_callsign"], "Maverick")
	var info: Dictionary = SaveGameManager.get_slot_info(0)
	check_eq(info["pilot_callsign"], "Maverick", "slot metadata")
	check_eq(info["campaign"], "Vega Campaign")
	check_eq(info["mission"], "Training Run")
	check_eq(SaveFlowCoordinator.new_pilot("Iceman"), 1, "second pilot in the next slot")
	SaveFlowCoordinator.clear_current_pilot()
	check(SaveFlowCoordinator.continue_pilot(0), "continue slot 0")
	check_eq(SaveFlowCoordinator.current_profile.callsign, "Maverick")
	check_eq(SaveFlowCoordinator.current_profile.save_slot, 0)
	check_eq(SaveFlowCoordinator.get_current_save_slot(), 0)


func test_record_mission_saves_mission_complete_and_checkpoints() -> void:
	_fresh()
	SaveFlowCoordinator.new_pilot("Goose")
	_flows.clear()
	for i in 3:
		var r := SaveFlowCoordinator.record_mission(100 * (i + 1), 2, 60.0)
		check_eq(r["saved"], true, "mission %d saved" % i)
	# Mission saves are autosaves (save_slot_async): flush writes them and
	# delivers their completions, which end the save flows.
	check(SaveGameManager.flush(-1), "autosaves written")
	var ops := _flows.map(func(f): return f[0])
	check_eq(ops, ["mission_complete", "mission_complete", "mission_complete", "campaign_checkpoint"], "checkpoint after the act's last mission")
	check(_flows.all(func(f): return f[1]), "every save succeeded")
	SaveFlowCoordinator.clear_current_pilot()
	check(SaveFlowCoordinator.continue_pilot(0))
	var p := SaveFlowCoordinator.current_profile
	check_eq(p.missions_flown, 3)
	check_eq(p.total_kills, 6)
	check_eq(p.medals, PackedStringArray(["Act 1 Ribbon"]))
	check_eq(SaveFlowCoordinator.current_campaign.current_mission(), "Convoy Escort")
	check_eq(SaveGameManager.get_slot_info(0)["mission"], "Convoy Escort", "slot list metadata follows")


func test_save_flow_failures_are_reported_not_thrown() -> void:
	_fresh()
	check_eq(SaveFlowCoordinator.new_pilot("   "), -1, "empty callsign refused")
	check_eq(SaveFlowCoordinator.last_error, "a callsign is required")
	check(not SaveFlowCoordinator.save_current_game(), "nothing to save without a pilot")
	check_eq(_flows.size(), 2)
	check(_flows.all(func(f): return not f[1] and f[2].has("error_message")), "failures carry a message")
	# A slot that holds another program's data is refused, and the current
	# pilot stays as it was.
	SaveGameManager.save_slot(3, {"something": "else"}, {})
	SaveFlowCoordinator.new_pilot("Viper")
	check(not SaveFlowCoordinator.continue_pilot(3), "foreign data refused")
	check_eq(SaveFlowCoordinator.current_profile.callsign, "Viper", "current pilot kept")
	expect_errors_begin()
	check(not SaveFlowCoordinator.continue_pilot(7), "empty slot")
	expect_errors_end()
	check(SaveFlowCoordinator.last_error != "", "error message kept")
