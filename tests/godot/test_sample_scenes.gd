## The sample game's scenes, driven the way a player drives them: buttons
## are pressed through their `pressed` signals, and the checks read what the
## labels, lists and progress bars show.
extends "res://tests/test_case.gd"

const MainScene := preload("res://scenes/main.tscn")
const WizardScene := preload("res://scenes/recovery_wizard.tscn")

var main: Control
var reasons: Array[String] = []
var flows: Array = []


func before_all() -> void:
	GameStateManager.quit_on_shutdown = false


func after_all() -> void:
	await _close_main()
	SaveFlowCoordinator.clear_current_pilot()
	GameStateManager.reset_to_main_menu()


## A fresh save folder and a fresh main scene.
func _open_main(tag: String) -> void:
	await _close_main()
	SaveGameManager.save_root = fresh_root(tag)
	SaveGameManager.slot_count = 10
	SaveGameManager.backup_levels = 3
	SaveGameManager.game_schema_version = 0
	SaveGameManager.clear_migrations()
	SaveFlowCoordinator.clear_current_pilot()
	GameStateManager.reset_to_main_menu()
	main = MainScene.instantiate()
	add_child(main)
	await get_tree().process_frame
	reasons.clear()
	flows.clear()
	main.coordinator.automated_backup_triggered.connect(func(reason, _ctx): reasons.append(str(reason).to_lower()))
	main.coordinator.backup_flow_completed.connect(func(op, ok, ctx): flows.append([op, ok, ctx]))


func _close_main() -> void:
	if main != null:
		# queue_free and a frame: the test may still be running inside a
		# signal the scene (or its coordinator) is emitting.
		main.queue_free()
		main = null
		await get_tree().process_frame


func _press(path: String) -> void:
	var b: BaseButton = main.get_node(path)
	check(not b.disabled, "%s is enabled" % path)
	b.pressed.emit()


func _row_text(slot: int) -> String:
	for row in main.slot_list.item_count:
		if main.slot_list.get_item_text(row).begins_with("Slot %d " % slot):
			return main.slot_list.get_item_text(row)
	return ""


func _new_pilot(callsign: String) -> int:
	main.callsign_edit.text = callsign
	_press("%NewPilotButton")
	return SaveFlowCoordinator.current_save_slot


func _items(list: ItemList) -> Array[String]:
	var out: Array[String] = []
	for i in list.item_count:
		out.append(list.get_item_text(i))
	return out


func test_main_scene_starts_empty_with_buttons_disabled() -> void:
	await _open_main("scene_empty")
	check_eq(main.slot_list.item_count, 1)
	check(main.slot_list.is_item_disabled(0), "placeholder row")
	check(main.continue_button.disabled, "continue needs a selection")
	check(main.fly_button.disabled, "fly needs a pilot")
	check(main.save_button.disabled, "save needs a pilot")
	check_eq(main.pilot_label.text, "No pilot selected")
	check(main.get_node("BackupFlowCoordinator") is BackupFlowCoordinator, "coordinator node in the scene")


func test_new_pilot_appears_in_the_slot_list_with_a_health_badge() -> void:
	await _open_main("scene_new")
	check_eq(_new_pilot("Maverick"), 0)
	var row := _row_text(0)
	check(row.contains("Maverick"), "callsign in row: " + row)
	check(row.contains("Vega Campaign / Training Run"), "campaign and mission in row: " + row)
	check(row.ends_with("[OK]"), "health badge: " + row)
	check(not row.contains("saved never"), "last saved time shown: " + row)
	check_eq(main.selected_slot(), 0, "new pilot selected")
	check(main.pilot_label.text.begins_with("Maverick (slot 0)"), main.pilot_label.text)
	check(main.status_label.text.contains("created in slot 0"), main.status_label.text)
	_new_pilot("Iceman")
	check(_row_text(1).contains("Iceman"), "second pilot listed")
	main.callsign_edit.text = ""
	_press("%NewPilotButton")
	check(main.status_label.text.contains("a callsign is required"), main.status_label.text)


func test_fly_mission_advances_the_campaign_and_fires_event_backups() -> void:
	await _open_main("scene_fly")
	_new_pilot("Goose")
	var states: Array = []
	var on_state := func(_old, new_state): states.append(GameStateManager.state_name(new_state))
	GameStateManager.state_changed.connect(on_state)
	for i in 3:
		_press("%FlyMissionButton")
	GameStateManager.state_changed.disconnect(on_state)
	# The mission autosaves' flows end when their completions arrive.
	check(SaveGameManager.flush(-1), "autosaves written")
	check_eq(states.slice(0, 5), ["BRIEFING", "MISSION", "MISSION_COMPLETE", "DEBRIEFING", "MAIN_MENU"], "first mission's states")
	check(states.has("CAMPAIGN_MILESTONE"), "third mission closes act 1")
	check(main.pilot_label.text.contains("next mission Convoy Escort, 3 missions, 9 kills, medals: Act 1 Ribbon"), main.pilot_label.text)
	check(_row_text(0).contains("Vega Campaign / Convoy Escort"), _row_text(0))
	check(main.status_label.text.contains("campaign milestone"), main.status_label.text)
	# The coordinator made its event backups: mission complete on the state
	# change, critical progress on the save flow's mission_complete and
	# campaign_checkpoint saves.
	check(reasons.any(func(r): return r.contains("mission_complete")), "mission complete backup: %s" % str(reasons))
	check(reasons.any(func(r): return r.contains("critical_progress")), "critical progress backup: %s" % str(reasons))
	check(reasons.any(func(r): return r.contains("campaign_milestone")), "milestone backup: %s" % str(reasons))
	check(flows.size() > 0 and flows.all(func(f): return f[1]), "backup flows succeeded: %s" % str(flows))


func test_manual_backup_with_name_and_description_is_listed() -> void:
	await _open_main("scene_manual")
	_new_pilot("Viper")
	var panel: Control = main.backup_panel
	check_eq(panel.selected_slot, 0, "panel follows the slot selection")
	var before := _items(panel.backup_list)
	panel.backup_name_edit.text = "Pre-Mission Backup"
	panel.backup_description_edit.text = "Before attempting difficult mission"
	flows.clear()
	_press("%BackupPanel/%CreateBackupButton")
	check_eq(panel.status_label.text, "Backup \"Pre-Mission Backup\" created")
	check_eq(panel.backup_name_edit.text, "", "fields cleared")
	check(flows.any(func(f): return f[1]), "backup_flow_completed(success) emitted: %s" % str(flows))
	var after := _items(panel.backup_list)
	check(after != before, "backup list changed: %s -> %s" % [str(before), str(after)])
	var status: Dictionary = main.coordinator.get_backup_status()
	var slot0: Array = status.get("save_slots", []).filter(func(s): return int(s.get("slot_number", -1)) == 0)
	check(slot0.size() == 1 and slot0[0].get("has_backups", false), "status of slot 0 has backups: %s" % str(status.get("save_slots")))


func test_manual_backup_is_listed_and_restored_from_the_panel() -> void:
	await _open_main("scene_snapshot_restore")
	_new_pilot("Jester")
	var panel: Control = main.backup_panel
	var before_mission: Dictionary = SaveGameManager.load_slot(0)
	panel.backup_name_edit.text = "Before the strike"
	_press("%BackupPanel/%CreateBackupButton")
	_press("%FlyMissionButton")
	check(var_to_str(SaveGameManager.load_slot(0)["data"]) != var_to_str(before_mission["data"]), "the mission changed the save")
	panel.refresh_backups()
	var items := _items(panel.backup_list)
	var index := -1
	for i in items.size():
		if items[i].begins_with("Snapshot") and items[i].contains("Before the strike (manual)"):
			index = i
	check(index >= 0, "manual snapshot listed: %s" % str(items))
	if index < 0:
		return
	check(items[index].ends_with("[OK]"), items[index])
	panel.backup_list.select(index)
	_press("%BackupPanel/%RestoreButton")
	check(panel.status_label.text.begins_with("Slot 0 restored from snapshot"), panel.status_label.text)
	# The data holds Resources (new instances each load): compare their contents.
	check_eq(var_to_str(SaveGameManager.load_slot(0)["data"]), var_to_str(before_mission["data"]), "the snapshot's save is back")
	var after := _items(panel.backup_list)
	check(after.any(func(t): return t.contains("(pre restore)")), "the replaced save is kept and listed: %s" % str(after))


func test_restore_puts_back_the_previous_save() -> void:
	await _open_main("scene_restore")
	_new_pilot("Hollywood")
	_press("%FlyMissionButton")
	check(_row_text(0).contains("Patrol Alpha"), _row_text(0))
	var panel: Control = main.backup_panel
	panel.refresh_backups()
	var levels := _items(panel.backup_list).filter(func(t): return t.begins_with("Level "))
	check(levels.size() >= 1, "rolling backups listed: %s" % str(_items(panel.backup_list)))
	check(levels.all(func(t): return t.ends_with("[OK]")), str(levels))
	check(not panel.restore_button.disabled, "restore enabled with a backup selected")
	# Level 0 holds the save before the mission's last save; restoring it
	# must bring back what the slot held before.
	var newest_before: Dictionary = SaveGameManager.load_slot(0)
	panel.backup_list.select(0)
	_press("%BackupPanel/%RestoreButton")
	check(panel.status_label.text.begins_with("Slot 0 restored from backup level 0"), panel.status_label.text)
	var restored: Dictionary = SaveGameManager.load_slot(0)
	check(restored["success"])
	check(var_to_str(restored["data"]) != var_to_str(newest_before["data"]), "slot content went back")
	main.refresh_slots()
	check(_row_text(0).ends_with("[OK]"), _row_text(0))


func test_export_and_import_through_the_file_dialogs() -> void:
	await _open_main("scene_transfer")
	_new_pilot("Jester")
	var panel: Control = main.backup_panel
	var path := fresh_root("export").path_join("jester.json")
	panel.export_dialog.file_selected.emit(path)
	check(panel.status_label.text.begins_with("Exported slot 0 to "), panel.status_label.text)
	check(FileAccess.file_exists(path), "export file written")
	# Import into the next free slot: the panel passes the selected slot, so
	# select nothing first.
	panel.selected_slot = -1
	panel.import_dialog.file_selected.emit(path)
	check(panel.status_label.text.begins_with("Imported "), panel.status_label.text)
	main.refresh_slots()
	var rows := _items(main.slot_list).filter(func(t): return t.contains("Jester"))
	check_eq(rows.size(), 2, "original and imported copy: %s" % str(_items(main.slot_list)))
	# A file that is not an export is refused with a message, and nothing
	# new appears in the list.
	var junk := fresh_root("junk").path_join("junk.json")
	var f := FileAccess.open(junk, FileAccess.WRITE)
	f.store_string("{\"not\": \"a backup\"}")
	f.close()
	expect_errors_begin()
	panel.import_dialog.file_selected.emit(junk)
	expect_errors_end()
	check(panel.status_label.text.begins_with("Import failed: "), panel.status_label.text)
	main.refresh_slots()
	check_eq(_items(main.slot_list).filter(func(t): return t.contains("Jester")).size(), 2, "junk import added nothing")


func _health_check() -> Dictionary:
	var panel: Control = main.backup_panel
	_press("%BackupPanel/%HealthCheckButton")
	check(panel.health_check_button.disabled, "button disabled while the check runs")
	var report: Dictionary = await panel.health_check_finished
	return report


func test_health_check_fills_progress_report_and_recommendations() -> void:
	await _open_main("scene_health")
	_new_pilot("Stinger")
	main.save_game()
	main.save_game()
	var panel: Control = main.backup_panel
	var progress: Array = []
	main.coordinator.operation_progress.connect(func(op, done, total): progress.append([op, done, total]))
	var healthy := await _health_check()
	check(progress.any(func(p): return p[0] == "health_check" and p[2] > 0), "progress reported: %s" % str(progress))
	check_eq(panel.health_progress.value, 100.0, "progress bar complete")
	check(not panel.health_check_button.disabled, "button enabled again")
	check(panel.health_summary.text.begins_with("Overall health: "), panel.health_summary.text)
	check(panel.recommendations_list.item_count >= 1, "recommendations shown")
	check_eq(int(healthy.get("corrupted_backups", -1)), 0, "nothing corrupt yet")
	check_eq(panel.health_score.value, 100.0, "every backup healthy")
	# Damage a rolling backup: the next check must see it.
	var bak := SaveGameManager.get_save_root_absolute().path_join("slot_0.sav.bak0")
	var bytes := FileAccess.get_file_as_bytes(bak)
	check(bytes.size() > 0, "backup level 0 exists")
	bytes[bytes.size() >> 1] ^= 0xFF
	var f := FileAccess.open(bak, FileAccess.WRITE)
	f.store_buffer(bytes)
	f.close()
	var damaged := await _health_check()
	check(int(damaged.get("corrupted_backups", 0)) >= 1, "corrupted backup counted: %s" % str(damaged))
	check(panel.health_score.value < 100.0, "health score dropped to %s" % panel.health_score.value)
	check(panel.health_summary.text.contains("%d corrupted" % int(damaged.get("corrupted_backups", 0))), panel.health_summary.text)
	check(_items(panel.recommendations_list) != ["No recommendations: all good"], "a recommendation for the damage")


func test_schedule_settings_reach_the_coordinator() -> void:
	await _open_main("scene_schedule")
	var panel: Control = main.backup_panel
	var c: BackupFlowCoordinator = main.coordinator
	check_eq(panel.automated_check.button_pressed, c.enable_automated_backups, "controls start from the coordinator")
	check_eq(int(panel.schedule_hours_spin.value), c.backup_schedule_hours)
	var updates: Array = []
	c.backup_schedule_updated.connect(func(cfg): updates.append(cfg))
	panel.automated_check.button_pressed = false
	panel.schedule_hours_spin.value = 12
	panel.max_automated_spin.value = 5
	panel.event_backups_check.button_pressed = false
	_press("%BackupPanel/%ApplyScheduleButton")
	check_eq(c.enable_automated_backups, false)
	check_eq(c.backup_schedule_hours, 12)
	check_eq(c.max_automated_backups, 5)
	check_eq(c.enable_event_backups, false)
	check_eq(c.get_backup_status().get("automated_backups_enabled"), false, "status agrees")
	check(updates.size() >= 1, "backup_schedule_updated emitted")
	check(panel.schedule_label.text.begins_with("Automated backups: off, every 12 h, keep 5"), panel.schedule_label.text)
	c.set_automated_backups_enabled(true)
	c.set_backup_schedule_hours(24)
	c.enable_event_backups = true


func test_break_a_save_damages_the_slot_each_way() -> void:
	await _open_main("scene_break")
	var expected := {SaveBreaker.Damage.FLIP_BYTES: "[DAMAGED]", SaveBreaker.Damage.TRUNCATE: "[DAMAGED]", SaveBreaker.Damage.DELETE: "[MISSING]"}
	var slot := 0
	for damage in expected:
		_new_pilot("Wolf%d" % slot)
		main.save_game()
		main.select_slot(slot)
		main.break_mode.select(main.break_mode.get_item_index(damage))
		_press("%BreakSaveButton")
		check(main.status_label.text.begins_with("Slot %d damaged (%s)" % [slot, SaveBreaker.DAMAGE_NAMES[damage]]), main.status_label.text)
		check(_row_text(slot).ends_with(expected[damage]), "%s: %s" % [SaveBreaker.DAMAGE_NAMES[damage], _row_text(slot)])
		check(SaveFlowCoordinator.current_profile == null, "the broken pilot is no longer current")
		slot += 1
	check_eq(SaveBreaker.break_slot(9, SaveBreaker.Damage.DELETE).begins_with("slot 9 has no save file"), true, "empty slot reported")


func test_wizard_walks_a_corrupted_slot_back_to_health() -> void:
	await _open_main("scene_wizard")
	_new_pilot("Maverick")
	_press("%FlyMissionButton")
	SaveGameManager.flush(-1)  # the mission's autosave flows end before the save is broken
	main.save_game()
	main.select_slot(0)
	main.break_mode.select(main.break_mode.get_item_index(SaveBreaker.Damage.FLIP_BYTES))
	_press("%BreakSaveButton")
	check(_row_text(0).ends_with("[DAMAGED]"), _row_text(0))
	_press("%BackupPanel/%OpenWizardButton")
	var w: Control = main.wizard
	if not check(w != null, "wizard opened from the panel"):
		return
	check(w.title_label.text != "" and w.title_label.text != "Recovery wizard", "scenario title: " + w.title_label.text)
	check(w.analysis_label.text.contains("Recommended action: "), w.analysis_label.text)
	check(w.analysis_label.text.contains("Data-loss risk: low") or w.analysis_label.text.contains("Data-loss risk: medium"), w.analysis_label.text)
	check(w.backups_list.item_count >= 1, "available backups listed")
	check(_items(w.backups_list).all(func(t): return t.begins_with("Slot 0: ")), str(_items(w.backups_list)))
	check(w.option_picker.get_item_text(w.option_picker.selected).ends_with("(recommended)"), "recommended option preselected")
	var total: int = w.steps().size()
	check(total >= 2, "several steps: %d" % total)
	check_eq(w.step_counter.text, "Step 1 of %d" % total)
	check(w.back_button.disabled, "no Back on the first step")
	check(w.run_button.disabled, "Run waits for the last step")
	var first_title: String = w.step_title.text
	w.next_button.pressed.emit()
	check_eq(w.step_counter.text, "Step 2 of %d" % total)
	check(w.step_title.text != first_title, "step 2 shows its own title")
	w.back_button.pressed.emit()
	check_eq(w.step_title.text, first_title, "Back returns to step 1")
	for i in total - 1:
		w.next_button.pressed.emit()
	check_eq(w.step_counter.text, "Step %d of %d" % [total, total])
	check(w.next_button.disabled, "no Next on the last step")
	check(not w.run_button.disabled, "Run enabled on the last step")
	check_eq(w.progress_bar.value, 0.0, "nothing run yet")
	w.run_button.pressed.emit()
	var outcome: Array = await w.recovery_finished
	check_eq(outcome[0], true, "recovery succeeded: %s" % str(outcome[1]))
	check_eq(w.progress_bar.value, 100.0, "progress complete")
	check(w.outcome_label.text.begins_with("Recovery succeeded: "), w.outcome_label.text)
	check_eq(outcome[1].get("slot_healthy"), true, "slot verified after recovery")
	check(_row_text(0).ends_with("[OK]"), "badge back to OK: " + _row_text(0))
	w.close_button.pressed.emit()
	await get_tree().process_frame
	check(main.wizard == null, "wizard closed")
	main.select_slot(0)
	_press("%ContinueButton")
	check_eq(SaveFlowCoordinator.current_profile.callsign, "Maverick", "pilot playable again")


func test_wizard_opens_on_recovery_wizard_initiated_for_a_missing_save() -> void:
	await _open_main("scene_missing")
	_new_pilot("Iceman")
	main.save_game()
	main.select_slot(0)
	main.break_mode.select(main.break_mode.get_item_index(SaveBreaker.Damage.DELETE))
	_press("%BreakSaveButton")
	check(_row_text(0).ends_with("[MISSING]"), _row_text(0))
	# Whoever starts a wizard on the coordinator (here the test, in the game
	# the coordinator itself on corruption) makes the main scene open it.
	main.coordinator.start_recovery_wizard(BackupFlowCoordinator.RecoveryScenario.MISSING_SAVE, {"save_slot": 0})
	var w: Control = main.wizard
	if not check(w != null, "wizard opened on recovery_wizard_initiated"):
		return
	check(Array(main.notifications).any(func(n): return n.begins_with("Recovery needed (MISSING_SAVE)")), str(main.notifications))
	check_eq(w.config.get("scenario"), BackupFlowCoordinator.RecoveryScenario.MISSING_SAVE)
	while not w.next_button.disabled:
		w.next_button.pressed.emit()
	w.run_button.pressed.emit()
	var outcome: Array = await w.recovery_finished
	check_eq(outcome[0], true, "missing save recovered: %s" % str(outcome[1]))
	check(_row_text(0).ends_with("[OK]"), _row_text(0))


func test_continue_on_a_damaged_slot_opens_the_wizard() -> void:
	await _open_main("scene_continue")
	_new_pilot("Phoenix")
	main.save_game()
	main.select_slot(0)
	main.break_mode.select(main.break_mode.get_item_index(SaveBreaker.Damage.TRUNCATE))
	_press("%BreakSaveButton")
	# Loading fails (an error in the log), SaveGameManager reports the
	# corruption, the coordinator analyses it and the scene opens the wizard.
	expect_errors_begin()
	_press("%ContinueButton")
	expect_errors_end()
	check(main.status_label.text.begins_with("Could not load slot 0: "), main.status_label.text)
	check(Array(main.notifications).any(func(n): return n.begins_with("Slot 0 is damaged: ")), str(main.notifications))
	var w: Control = main.wizard
	if not check(w != null, "wizard opened on corruption"):
		return
	check(w.analysis_label.text.contains("Available backups: "), w.analysis_label.text)
	while not w.next_button.disabled:
		w.next_button.pressed.emit()
	w.run_button.pressed.emit()
	var outcome: Array = await w.recovery_finished
	check_eq(outcome[0], true, "recovered: %s" % str(outcome[1]))
	main.select_slot(0)
	_press("%ContinueButton")
	check_eq(SaveFlowCoordinator.current_profile.callsign, "Phoenix", "pilot playable again")


func test_wizard_without_backups_says_so() -> void:
	await _open_main("scene_nobackup")
	# A single save has no rolling backup yet; deleting it leaves nothing.
	_new_pilot("Lonely")
	main.select_slot(0)
	main.break_mode.select(main.break_mode.get_item_index(SaveBreaker.Damage.DELETE))
	_press("%BreakSaveButton")
	var w: Control = main.open_wizard_for_slot(0)
	check(w.analysis_label.text.contains("Data-loss risk: high"), w.analysis_label.text)
	check(w.analysis_label.text.contains("Available backups: 0"), w.analysis_label.text)
	check_eq(w.backups_list.item_count, 0)


func test_wizard_scene_alone_shows_a_given_configuration() -> void:
	# The wizard is usable without the main scene: hand it a configuration.
	var w: Control = WizardScene.instantiate()
	add_child(w)
	await get_tree().process_frame
	w.show_config({
		"title": "Recover Slot 2",
		"steps": [{"title": "Review", "description": "Look"}, {"title": "Restore", "description": "Do it"}],
		"analysis": {"recommended_action": "no_action_needed", "data_loss_risk": "low", "available_backups": [],
			"recovery_options": [{"action": "no_action_needed", "description": "Nothing to do"}], "context": {}},
	})
	check_eq(w.title_label.text, "Recover Slot 2")
	check_eq(w.analysis_label.text, "Recommended action: No Action Needed\nData-loss risk: low\nAvailable backups: 0")
	check_eq(w.option_picker.get_item_text(0), "Nothing to do (recommended)")
	w.next_button.pressed.emit()
	check_eq(w.step_title.text, "Restore")
	w.run_button.pressed.emit()
	var outcome: Array = await w.recovery_finished
	check_eq(outcome[0], true)
	check_eq(w.outcome_label.text, "Recovery succeeded: nothing needed recovering")
	# Options the player does elsewhere are shown, but cannot be run here.
	w.show_config({
		"title": "Recover Slot 3",
		"steps": [{"title": "Import", "description": "From a file"}],
		"analysis": {"recommended_action": "import_backup", "data_loss_risk": "high", "available_backups": [],
			"recovery_options": [{"action": "import_backup", "description": "Import a backup file"},
				{"action": "start_new_game", "description": "Start over"}], "context": {"save_slot": 3}},
	})
	check_eq(w.option_picker.get_item_text(0), "Import a backup file (outside the wizard)")
	check(w.option_picker.is_item_disabled(0) and w.option_picker.is_item_disabled(1), "neither can run here")
	check(w.run_button.disabled, "nothing to run")
	check_eq(w.progress_bar.value, 0.0, "progress reset for the new configuration")
	# Still inside the wizard's recovery_finished emission: free it later.
	w.queue_free()
	await get_tree().process_frame


func test_wizard_restores_a_chosen_snapshot() -> void:
	await _open_main("scene_wizard_snapshot")
	_new_pilot("Rooster")
	var before_mission: Dictionary = SaveGameManager.load_slot(0)
	main.backup_panel.backup_name_edit.text = "Before the strike"
	_press("%BackupPanel/%CreateBackupButton")
	var manual: Array = SaveGameManager.list_snapshots(0).filter(func(s): return s.get("name") == "Before the strike")
	if not check_eq(manual.size(), 1, "manual snapshot made: %s" % str(SaveGameManager.list_snapshots(0))):
		return
	var snapshot_id := str(manual[0]["snapshot_id"])
	_press("%FlyMissionButton")
	SaveGameManager.flush(-1)  # the mission's autosave flows end before the save is broken
	main.select_slot(0)
	main.break_mode.select(main.break_mode.get_item_index(SaveBreaker.Damage.FLIP_BYTES))
	_press("%BreakSaveButton")
	var w: RecoveryWizard = main.open_wizard_for_slot(0)
	var index := -1
	for i in w.option_picker.item_count:
		if w.option_picker.get_item_text(i).contains("snapshot \"Before the strike\""):
			index = i
	if not check(index >= 0, "snapshot restore offered: %s" % str(range(w.option_picker.item_count).map(func(i): return w.option_picker.get_item_text(i)))):
		return
	check(not w.option_picker.is_item_disabled(index), "snapshot restore runs in the wizard")
	w.option_picker.select(index)
	w.option_picker.item_selected.emit(index)
	var restored: Array = []
	var on_restored := func(slot, id): restored.append([slot, id])
	SaveGameManager.snapshot_restored.connect(on_restored)
	while not w.next_button.disabled:
		w.next_button.pressed.emit()
	w.run_button.pressed.emit()
	var outcome: Array = await w.recovery_finished
	SaveGameManager.snapshot_restored.disconnect(on_restored)
	check_eq(outcome[0], true, "snapshot restored: %s" % str(outcome[1]))
	check_eq(outcome[1].get("action"), "restore_snapshot")
	check_eq(restored, [[0, snapshot_id]], "the chosen snapshot, not another copy")
	check_eq(outcome[1].get("slot_healthy"), true, "slot verified after recovery")
	check_eq(var_to_str(SaveGameManager.load_slot(0).get("data")), var_to_str(before_mission["data"]), "the snapshot's save is back")
	check(_row_text(0).ends_with("[OK]"), _row_text(0))


func test_slot_badges_take_their_colours_from_the_theme() -> void:
	await _open_main("scene_colours")
	_new_pilot("Merlin")
	main.save_game()
	_new_pilot("Sundown")
	main.select_slot(1)
	main.break_mode.select(main.break_mode.get_item_index(SaveBreaker.Damage.TRUNCATE))
	_press("%BreakSaveButton")
	var theme: Theme = main.theme
	check(theme != null and theme.has_color("healthy_font_color", "SlotList") and theme.has_color("damaged_font_color", "SlotList"), "badge colours defined in the theme")
	var healthy := theme.get_color("healthy_font_color", "SlotList")
	var damaged := theme.get_color("damaged_font_color", "SlotList")
	check(healthy != damaged, "two colours")
	check_eq(main.slot_list.get_item_custom_fg_color(0), healthy, _row_text(0))
	check_eq(main.slot_list.get_item_custom_fg_color(1), damaged, _row_text(1))


func test_scenes_are_laid_out_in_tscn_files_and_themed_once() -> void:
	# What the scripts reach by %Name must be in the scene files (so a game
	# developer sees and restyles it in the editor), every scene's root
	# carries the one theme, and no node overrides the theme.
	var theme := load("res://scenes/theme.tres")
	var expected := {
		"res://scenes/main.tscn": ["SlotList", "CallsignEdit", "NewPilotButton", "ContinueButton", "SaveButton",
			"FlyMissionButton", "PilotLabel", "StatusLabel", "BreakMode", "BreakSaveButton", "QuitButton", "BackupPanel"],
		"res://scenes/backup_panel.tscn": ["BackupNameEdit", "BackupDescriptionEdit", "CreateBackupButton", "BackupList",
			"RestoreButton", "ExportButton", "ImportButton", "OpenWizardButton", "ExportDialog", "ImportDialog",
			"HealthCheckButton", "HealthCheckProgress", "HealthScore", "HealthSummary", "Recommendations",
			"AutomatedBackupsCheck", "EventBackupsCheck", "HealthMonitoringCheck", "ScheduleHoursSpin",
			"MaxAutomatedSpin", "ApplyScheduleButton", "ScheduleLabel", "BackupStatusLabel"],
		"res://scenes/recovery_wizard.tscn": ["ScenarioTitle", "AnalysisLabel", "AvailableBackups", "RecoveryOptionPicker",
			"StepCounter", "StepTitle", "StepDescription", "BackButton", "NextButton", "RunButton", "CloseButton",
			"RecoveryProgress", "OutcomeLabel"],
	}
	var class_of := {"res://scenes/main.tscn": "MainScreen", "res://scenes/backup_panel.tscn": "BackupPanel",
		"res://scenes/recovery_wizard.tscn": "RecoveryWizard"}
	var classes := {}
	for c in ProjectSettings.get_global_class_list():
		classes[str(c["class"])] = str(c["path"])
	for path in expected:
		var state := (load(path) as PackedScene).get_state()
		var unique: Array[String] = []
		for i in state.get_node_count():
			for p in state.get_node_property_count(i):
				var prop := str(state.get_node_property_name(i, p))
				var value = state.get_node_property_value(i, p)
				if prop == "unique_name_in_owner" and value == true:
					unique.append(str(state.get_node_name(i)))
				elif prop == "theme":
					check(i == 0 and value == theme, "%s: theme.tres on the root only (node %s)" % [path, state.get_node_path(i)])
				elif prop == "script" and i == 0:
					check_eq(classes.get(class_of[path], ""), (value as Script).resource_path, "%s: class_name %s" % [path, class_of[path]])
				check(not prop.begins_with("theme_override_"), "%s: %s overrides %s" % [path, state.get_node_path(i), prop])
		var missing: Array = expected[path].filter(func(n): return not n in unique)
		check(missing.is_empty(), "%s: unique nodes missing from the scene file: %s" % [path, str(missing)])
		var root_theme = null
		for p in state.get_node_property_count(0):
			if state.get_node_property_name(0, p) == &"theme":
				root_theme = state.get_node_property_value(0, p)
		check(root_theme == theme, "%s: root Control uses theme.tres" % path)


func test_quit_button_writes_the_shutdown_backup_before_quitting() -> void:
	await _open_main("scene_quit")
	_new_pilot("Hondo")
	var finished := [false]
	GameStateManager.shutdown_completed.connect(func(): finished[0] = true, CONNECT_ONE_SHOT)
	_press("%QuitButton")
	check_eq(GameStateManager.current_state, GameStateManager.GameState.SHUTDOWN)
	check(finished[0], "shutdown path completed")
	check(reasons.any(func(r): return r.contains("game_shutdown")), "GAME_SHUTDOWN backup: %s" % str(reasons))
	check(flows.any(func(f): return f[1]), "the backup succeeded: %s" % str(flows))
	GameStateManager.reset_to_main_menu()
