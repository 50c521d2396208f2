## Main menu of the sample game: the pilot slots, New/Continue/Save, a
## pretend "Fly mission", the backup panel, the recovery wizard and a debug
## "Break a save" button.
##
## The layout is main.tscn, styled by theme.tres (set on the root, inherited
## by the backup panel and the wizard): move, restyle or regroup its nodes in
## the editor freely. The script reaches them by their unique names (%Name),
## and tests drive them by the same names.
##
## The BackupFlowCoordinator is a child node of this scene, which is all a
## game needs to get automated backups: the coordinator finds SaveGameManager,
## GameStateManager and SaveFlowCoordinator by itself.
class_name MainScreen
extends Control

## The wizard opened (from the panel or on recovery_wizard_initiated).
signal wizard_opened(wizard: RecoveryWizard)

const WizardScene := preload("res://scenes/recovery_wizard.tscn")

## The open wizard, or null.
var wizard: RecoveryWizard = null
## Notifications shown for coordinator signals (newest last).
var notifications: PackedStringArray = []

# Slot number of every row of slot_list.
var _row_slots: Array[int] = []

@onready var coordinator: BackupFlowCoordinator = $BackupFlowCoordinator
@onready var slot_list: ItemList = %SlotList
@onready var callsign_edit: LineEdit = %CallsignEdit
@onready var new_button: Button = %NewPilotButton
@onready var continue_button: Button = %ContinueButton
@onready var save_button: Button = %SaveButton
@onready var fly_button: Button = %FlyMissionButton
@onready var pilot_label: Label = %PilotLabel
@onready var status_label: Label = %StatusLabel
@onready var break_mode: OptionButton = %BreakMode
@onready var break_button: Button = %BreakSaveButton
@onready var quit_button: Button = %QuitButton
@onready var backup_panel: BackupPanel = %BackupPanel


func _ready() -> void:
	for i in SaveBreaker.DAMAGE_NAMES.size():
		break_mode.add_item(SaveBreaker.DAMAGE_NAMES[i], i)
	backup_panel.attach(coordinator)
	_connect_game()
	refresh_slots()
	_show_pilot()


## Re-reads every slot from disk and rebuilds the list. Each row: slot,
## callsign, campaign and mission, last saved time, and a health badge.
func refresh_slots() -> void:
	var keep := selected_slot()
	slot_list.clear()
	_row_slots.clear()
	for slot in range(SaveGameManager.slot_count):
		var info: Dictionary = SaveGameManager.get_slot_info(slot)
		if info.is_empty():
			continue
		var present: bool = info.get("exists", false) or int(info.get("backup_count", 0)) > 0 or int(info.get("snapshot_count", 0)) > 0
		if not present:
			continue
		var badge := health_badge(info)
		var saved := int(info.get("modified_at", 0))
		var callsign := str(info.get("pilot_callsign", ""))
		var text := "Slot %d  %s  %s / %s  saved %s  [%s]" % [
			slot, callsign if callsign != "" else "(unknown pilot)",
			info.get("campaign", ""), info.get("mission", ""),
			Time.get_datetime_string_from_unix_time(saved, true) if saved > 0 else "never", badge]
		var row := slot_list.add_item(text)
		# Colours from the theme (SlotList type of theme.tres).
		slot_list.set_item_custom_fg_color(row, slot_list.get_theme_color("healthy_font_color" if badge == "OK" else "damaged_font_color"))
		slot_list.set_item_tooltip(row, str(info.get("error_details", "")))
		_row_slots.append(slot)
		if slot == keep:
			slot_list.select(row)
	if slot_list.item_count == 0:
		slot_list.add_item("No pilots yet: type a callsign and press New pilot")
		slot_list.set_item_disabled(0, true)
	_update_buttons()


## The health badge of a slot info Dictionary: OK, DAMAGED, MISSING,
## NEWER VERSION, or NO BACKUP (healthy, but nothing to fall back on).
static func health_badge(info: Dictionary) -> String:
	match str(info.get("status", "")):
		"corrupt", "unreadable":
			return "DAMAGED"
		"missing":
			return "MISSING"
		"newer_version":
			return "NEWER VERSION"
	if not info.get("healthy", false):
		return "DAMAGED"
	return "OK"


## Slot of the selected row, -1 when none.
func selected_slot() -> int:
	if slot_list == null:
		return -1
	var rows := slot_list.get_selected_items()
	if rows.is_empty() or rows[0] >= _row_slots.size():
		return -1
	return _row_slots[rows[0]]


## Selects the row of `slot` (false when it is not listed).
func select_slot(slot: int) -> bool:
	var row := _row_slots.find(slot)
	if row < 0:
		return false
	slot_list.select(row)
	_on_slot_selected(row)
	return true


## New pilot from the callsign field, in the first free slot.
func new_pilot() -> bool:
	var slot := SaveFlowCoordinator.new_pilot(callsign_edit.text)
	if slot < 0:
		_status("Could not create pilot: %s" % SaveFlowCoordinator.last_error)
		return false
	callsign_edit.text = ""
	refresh_slots()
	select_slot(slot)
	_status("Pilot %s created in slot %d" % [SaveFlowCoordinator.current_profile.callsign, slot])
	return true


## Continues the pilot of the selected slot.
func continue_pilot() -> bool:
	var slot := selected_slot()
	if slot < 0:
		_status("Select a pilot first")
		return false
	if not SaveFlowCoordinator.continue_pilot(slot):
		# SaveGameManager has emitted corruption_detected; the coordinator
		# answers with recovery_wizard_initiated, which opens the wizard.
		_status("Could not load slot %d: %s" % [slot, SaveFlowCoordinator.last_error])
		refresh_slots()
		return false
	_status("Welcome back, %s" % SaveFlowCoordinator.current_profile.callsign)
	_show_pilot()
	return true


## Saves the current pilot.
func save_game() -> bool:
	var ok := SaveFlowCoordinator.save_current_game("manual_save")
	_status("Saved" if ok else "Save failed: %s" % SaveFlowCoordinator.last_error)
	refresh_slots()
	return ok


## Flies the next mission of the current pilot: briefing, mission, mission
## complete (and campaign milestone at the end of an act), with the saves in
## between, then back to the main menu. Every step fires the events the
## coordinator makes backups for. Returns the mission result (empty when no
## pilot is selected or the campaign is over).
func fly_mission() -> Dictionary:
	if SaveFlowCoordinator.current_profile == null:
		_status("Select or create a pilot first")
		return {}
	if SaveFlowCoordinator.current_campaign.is_complete():
		_status("%s has completed the campaign" % SaveFlowCoordinator.current_profile.callsign)
		return {}
	GameStateManager.change_state(GameStateManager.GameState.BRIEFING)
	GameStateManager.change_state(GameStateManager.GameState.MISSION)
	var score := 600 + 100 * SaveFlowCoordinator.current_campaign.current_mission_index
	var result := SaveFlowCoordinator.record_mission(score, 3, 540.0)
	GameStateManager.change_state(GameStateManager.GameState.MISSION_COMPLETE)
	if result.get("milestone", false):
		GameStateManager.change_state(GameStateManager.GameState.CAMPAIGN_MILESTONE)
	GameStateManager.change_state(GameStateManager.GameState.DEBRIEFING)
	GameStateManager.change_state(GameStateManager.GameState.MAIN_MENU)
	_status("Mission \"%s\" complete, score %d%s" % [result["mission"], score, " - campaign milestone!" if result["milestone"] else ""])
	refresh_slots()
	_show_pilot()
	backup_panel.refresh_backups()
	return result


## Damages the selected slot's save on disk (debug). Returns "" or the error.
func break_selected_save() -> String:
	var slot := selected_slot()
	if slot < 0:
		_status("Select a slot to break")
		return "no slot selected"
	var damage := break_mode.get_selected_id() as SaveBreaker.Damage
	var err := SaveBreaker.break_slot(slot, damage)
	if slot == SaveFlowCoordinator.current_save_slot:
		SaveFlowCoordinator.clear_current_pilot()
		_show_pilot()
	_status(("Slot %d damaged (%s). Try Continue or the recovery wizard." % [slot, SaveBreaker.DAMAGE_NAMES[damage]]) if err.is_empty() else err)
	refresh_slots()
	return err


## Opens the wizard for `save_slot` (scenario from the slot's state), or
## returns the one already open.
func open_wizard_for_slot(save_slot: int) -> RecoveryWizard:
	var scenario := BackupFlowCoordinator.RecoveryScenario.CORRUPTED_SAVE
	if save_slot >= 0:
		var info: Dictionary = SaveGameManager.get_slot_info(save_slot)
		if info.get("status", "") == "missing":
			scenario = BackupFlowCoordinator.RecoveryScenario.MISSING_SAVE
	var context := {"save_slot": save_slot} if save_slot >= 0 else {}
	return open_wizard(scenario, context)


## Opens the recovery wizard of `scenario` (or returns the open one).
func open_wizard(scenario: BackupFlowCoordinator.RecoveryScenario, context: Dictionary) -> RecoveryWizard:
	if wizard != null:
		return wizard
	wizard = WizardScene.instantiate()
	wizard.coordinator = coordinator
	add_child(wizard)
	wizard.recovery_finished.connect(_on_recovery_finished)
	wizard.tree_exited.connect(func(): wizard = null)
	wizard.open_wizard(scenario, context)
	wizard_opened.emit(wizard)
	return wizard


func _connect_game() -> void:
	coordinator.backup_flow_started.connect(func(op, _ctx): _notify("Backup started: %s" % op))
	coordinator.backup_flow_completed.connect(_on_backup_flow_completed)
	coordinator.automated_backup_triggered.connect(func(reason, _ctx): _notify("Automated backup: %s" % reason))
	coordinator.recovery_wizard_initiated.connect(_on_recovery_wizard_initiated)
	coordinator.health_check_completed.connect(_on_health_check_completed)
	SaveGameManager.corruption_detected.connect(_on_corruption_detected)
	# Backups cover the slot being played (every used slot when none is).
	SaveFlowCoordinator.pilot_changed.connect(_on_pilot_changed)
	GameStateManager.state_changed.connect(_on_game_state_changed)
	_on_pilot_changed(SaveFlowCoordinator.current_profile)
	# The coordinator finds the autoloads in its _ready. Connect
	# here only what it has not connected itself, so nothing fires twice.
	_ensure_connected(GameStateManager.state_changed, "_on_game_state_changed")
	_ensure_connected(SaveFlowCoordinator.save_flow_completed, "_on_save_flow_completed")


func _ensure_connected(sig: Signal, method: String) -> void:
	for c in sig.get_connections():
		if (c["callable"] as Callable).get_object() == coordinator:
			return
	if coordinator.has_method(method):
		sig.connect(Callable(coordinator, method))


func _on_backup_flow_completed(operation_type: String, success: bool, _context: Dictionary) -> void:
	_notify(("Backup done: %s" if success else "Backup FAILED: %s") % operation_type)


func _on_recovery_wizard_initiated(scenario: BackupFlowCoordinator.RecoveryScenario, analysis: Dictionary) -> void:
	_notify("Recovery needed (%s): recommended %s, data-loss risk %s" % [
		# GDScript has no .keys() on native enums; the coordinator names them.
		BackupFlowCoordinator.recovery_scenario_keys()[scenario],
		analysis.get("recommended_action", "?"), analysis.get("data_loss_risk", "?")])
	if wizard == null:
		var ctx = analysis.get("context")
		var context: Dictionary = ctx if ctx is Dictionary else {}
		open_wizard(scenario, context)


func _on_game_state_changed(_old_state: int, new_state: int) -> void:
	# The coordinator backs up on MISSION_COMPLETE and SHUTDOWN by itself; a
	# game adds its own events with one call.
	if new_state == GameStateManager.GameState.CAMPAIGN_MILESTONE:
		coordinator.trigger_automated_backup(
			BackupFlowCoordinator.BackupTrigger.CAMPAIGN_MILESTONE,
			{"campaign": SaveFlowCoordinator.current_campaign.campaign_name,
			 "completed_missions": SaveFlowCoordinator.current_campaign.completed_missions.size()})


func _on_pilot_changed(_profile: PlayerProfile) -> void:
	coordinator.set_active_slot(SaveFlowCoordinator.current_save_slot)
	_show_pilot()


func _on_corruption_detected(save_slot: int, error_details: String) -> void:
	_notify("Slot %d is damaged: %s" % [save_slot, error_details])


func _on_health_check_completed(report: Dictionary) -> void:
	if report.get("overall_health", "") == "critical":
		_notify("Backup health critical - immediate attention required")
	elif int(report.get("corrupted_backups", 0)) > 0:
		_notify("Some backup issues detected - consider running the recovery wizard")


func _on_recovery_finished(_success: bool, _result: Dictionary) -> void:
	refresh_slots()
	backup_panel.refresh_backups()


func _on_slot_selected(row: int) -> void:
	backup_panel.selected_slot = _row_slots[row] if row < _row_slots.size() else -1
	_update_buttons()


func _show_pilot() -> void:
	var p: PlayerProfile = SaveFlowCoordinator.current_profile
	if p == null:
		pilot_label.text = "No pilot selected"
	else:
		var c: CampaignState = SaveFlowCoordinator.current_campaign
		pilot_label.text = "%s (slot %d): %s, next mission %s, %d missions, %d kills, medals: %s" % [
			p.callsign, p.save_slot, c.campaign_name, c.current_mission(), p.missions_flown,
			p.total_kills, ", ".join(p.medals) if p.medals.size() > 0 else "none"]
	_update_buttons()


func _update_buttons() -> void:
	if continue_button == null:
		return
	var has_pilot := SaveFlowCoordinator.current_profile != null
	continue_button.disabled = selected_slot() < 0
	break_button.disabled = selected_slot() < 0
	save_button.disabled = not has_pilot
	fly_button.disabled = not has_pilot


func _status(text: String) -> void:
	status_label.text = text


func _notify(text: String) -> void:
	notifications.append(text)
	if notifications.size() > 50:
		notifications.remove_at(0)
	print("[sample] ", text)


func _on_quit_pressed() -> void:
	GameStateManager.request_shutdown()
