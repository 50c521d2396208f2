## Autoload "SaveFlowCoordinator": the game's save/load flow for pilots.
##
## It owns the current pilot (PlayerProfile + CampaignState), saves both
## Resources directly through SaveGameManager (their types are registered with
## `register_save_type`, so they are stored as type name + @export properties
## and loading never runs a script named by the file), and reports every save
## through `save_flow_completed`. A BackupFlowCoordinator connects to that
## signal by itself (in its _ready) and, with enable_event_backups on, makes a
## CRITICAL_PROGRESS backup after each successful "mission_complete" and
## "campaign_checkpoint" save. It does not call `_get_current_pilot_profile()`:
## backups take the pilot's callsign from the slot's metadata, which
## save_current_game() writes.
extends Node

## A save or load flow began.
signal save_flow_started(operation_type: String, context: Dictionary)
## A save or load flow finished. `context` holds `save_slot`, `pilot_callsign`
## and, on failure, `error_message`.
signal save_flow_completed(operation_type: String, success: bool, context: Dictionary)
## The current pilot changed (null when none is selected).
signal pilot_changed(profile: PlayerProfile)
## An asynchronous autosave was queued (`request_id` from save_slot_async).
signal autosave_started(request_id: int)
## An asynchronous autosave reached the disk (or failed).
signal autosave_finished(request_id: int, success: bool)

## Identifies saves written by this game inside the slot data.
const SAVE_FORMAT := "backup_system_sample"

## Pilot being played, or null.
var current_profile: PlayerProfile = null
## Campaign of the current pilot, or null.
var current_campaign: CampaignState = null
## Slot of the current pilot, -1 when none.
var current_save_slot: int = -1
## Message of the last failed flow (empty when the last one succeeded).
var last_error: String = ""
## Autosaves queued and not finished: request id -> [operation_type, context].
var _autosaves := {}


func _ready() -> void:
	# Allows these two Resource types inside saved data (once per run).
	SaveGameManager.register_save_type([PlayerProfile, CampaignState])
	SaveGameManager.save_request_completed.connect(_on_save_request_completed)
	# The "saving..." indicator, over whatever scene is shown.
	add_child(preload("res://scenes/autosave_indicator.tscn").instantiate())


## The pilot being played (null before New/Continue). The spec's integration
## point for the current pilot; BackupFlowCoordinator itself reads the
## callsign from the slot's metadata instead.
func _get_current_pilot_profile() -> PlayerProfile:
	return current_profile


## Public alias of _get_current_pilot_profile().
func get_current_pilot_profile() -> PlayerProfile:
	return current_profile


## Slot of the pilot being played, -1 when none.
func _get_current_save_slot() -> int:
	return current_save_slot


## Public alias of _get_current_save_slot().
func get_current_save_slot() -> int:
	return current_save_slot


## Creates a pilot in the first free slot (or `slot` when >= 0) and saves it.
## Returns the slot, or -1 on failure (see last_error).
func new_pilot(callsign: String, slot: int = -1) -> int:
	callsign = callsign.strip_edges()
	if callsign.is_empty():
		return _fail("new_pilot", "a callsign is required", {})
	if slot < 0:
		slot = SaveGameManager.get_first_free_slot()
		if slot < 0:
			return _fail("new_pilot", "every save slot is in use", {"pilot_callsign": callsign})
	var profile := PlayerProfile.new()
	profile.callsign = callsign
	profile.save_slot = slot
	profile.created_at = int(Time.get_unix_time_from_system())
	_set_current(profile, CampaignState.new(), slot)
	return slot if save_current_game("new_pilot") else -1


## Loads the pilot in `slot` and makes it current. On failure (empty,
## corrupt, foreign data) the current pilot is left unchanged.
func continue_pilot(slot: int) -> bool:
	var context := {"save_slot": slot}
	save_flow_started.emit("load_game", context)
	var loaded: Dictionary = SaveGameManager.load_slot(slot)
	if not loaded.get("success", false):
		_fail("load_game", str(loaded.get("error_message", "load failed")), context)
		return false
	var data: Dictionary = loaded.get("data", {})
	var stored_profile = data.get("profile")
	var stored_campaign = data.get("campaign")
	if data.get("format", "") != SAVE_FORMAT or not (stored_profile is PlayerProfile or stored_profile is Dictionary):
		_fail("load_game", "slot %d does not hold a pilot of this game" % slot, context)
		return false
	# Saves of this version hold the Resources themselves; saves written by
	# the earlier sample hold their to_dict() form.
	var profile: PlayerProfile = stored_profile if stored_profile is PlayerProfile else PlayerProfile.from_dict(stored_profile)
	profile.save_slot = slot
	var campaign: CampaignState
	if stored_campaign is CampaignState:
		campaign = stored_campaign
		# Types are checked on load; values are the game's to check.
		campaign.current_mission_index = clampi(campaign.current_mission_index, 0, CampaignState.MISSIONS.size())
	else:
		campaign = CampaignState.from_dict(stored_campaign if stored_campaign is Dictionary else {})
	_set_current(profile, campaign, slot)
	last_error = ""
	context["pilot_callsign"] = profile.callsign
	save_flow_completed.emit("load_game", true, context)
	return true


## Saves the current pilot. `operation_type` names the flow in the signal
## ("manual_save", "mission_complete", "campaign_checkpoint", ...).
func save_current_game(operation_type: String = "manual_save") -> bool:
	if current_profile == null:
		_fail(operation_type, "no pilot selected", {})
		return false
	var context := {
		"save_slot": current_save_slot,
		"pilot_callsign": current_profile.callsign,
		"mission": current_campaign.current_mission(),
	}
	save_flow_started.emit(operation_type, context)
	var result: Dictionary = SaveGameManager.save_slot(current_save_slot, _save_data(), _save_info())
	if not result.get("success", false):
		_fail(operation_type, str(result.get("error_message", "save failed")), context)
		return false
	last_error = ""
	context["bytes_written"] = result.get("bytes_written", 0)
	save_flow_completed.emit(operation_type, true, context)
	return true


## Records a flown mission for the current pilot and saves it: as
## "mission_complete", then also as "campaign_checkpoint" when the mission
## closes an act. Returns the campaign's result Dictionary plus `saved`
## (empty when there is no pilot or the campaign is over).
func record_mission(score: int, kills: int, flight_seconds: float) -> Dictionary:
	if current_profile == null or current_campaign.is_complete():
		return {}
	var result := current_campaign.complete_current_mission(score)
	current_profile.missions_flown += 1
	current_profile.total_kills += kills
	current_profile.play_time_seconds += flight_seconds
	if result["milestone"]:
		# Packed arrays are values: append to a copy and assign it back.
		var medals := current_profile.medals
		var act := ceili(float(current_campaign.current_mission_index) / CampaignState.MILESTONE_EVERY)
		medals.append("Act %d Ribbon" % act)
		current_profile.medals = medals
	# Autosaves: queued, written off the main thread; save_flow_completed
	# follows when each reaches the disk.
	var saved := autosave_current_game("mission_complete") > 0
	if saved and result["milestone"]:
		saved = autosave_current_game("campaign_checkpoint") > 0
	result["saved"] = saved
	return result


## Saves the current pilot without waiting for the disk (save_slot_async).
## Returns the request id (-1 on failure); `save_flow_completed` is emitted
## when the save is written, and `autosave_started`/`autosave_finished`
## drive the "saving..." indicator.
func autosave_current_game(operation_type: String = "autosave") -> int:
	if current_profile == null:
		return _fail(operation_type, "no pilot selected", {})
	var context := {
		"save_slot": current_save_slot,
		"pilot_callsign": current_profile.callsign,
		"mission": current_campaign.current_mission(),
	}
	save_flow_started.emit(operation_type, context)
	var id := SaveGameManager.save_slot_async(current_save_slot, _save_data(), _save_info())
	if id < 0:
		return _fail(operation_type, SaveGameManager.get_last_error(), context)
	_autosaves[id] = [operation_type, context]
	autosave_started.emit(id)
	return id


func _on_save_request_completed(request_id: int, _save_slot: int, status: String, error_message: String) -> void:
	if not _autosaves.has(request_id):
		return
	var entry: Array = _autosaves[request_id]
	_autosaves.erase(request_id)
	var success := status != "failed"
	var context: Dictionary = entry[1].duplicate()
	if success:
		last_error = ""
		context["status"] = status
		save_flow_completed.emit(entry[0], true, context)
	else:
		_fail(entry[0], error_message, context)
	autosave_finished.emit(request_id, success)


func _save_data() -> Dictionary:
	return {
		"format": SAVE_FORMAT,
		"profile": current_profile,
		"campaign": current_campaign,
	}


func _save_info() -> Dictionary:
	return {
		"pilot_callsign": current_profile.callsign,
		"campaign": current_campaign.campaign_name,
		"mission": current_campaign.current_mission(),
		"play_time_seconds": current_profile.play_time_seconds,
		"missions_flown": current_profile.missions_flown,
	}


## Forgets the current pilot (back to the menu, or the slot was deleted).
func clear_current_pilot() -> void:
	_set_current(null, null, -1)


func _set_current(profile: PlayerProfile, campaign: CampaignState, slot: int) -> void:
	current_profile = profile
	current_campaign = campaign
	current_save_slot = slot
	pilot_changed.emit(profile)


func _fail(operation_type: String, message: String, context: Dictionary) -> int:
	last_error = message
	var ctx := context.duplicate()
	ctx["error_message"] = message
	save_flow_completed.emit(operation_type, false, ctx)
	return -1
