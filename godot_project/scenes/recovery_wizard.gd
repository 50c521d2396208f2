## The recovery wizard: shows a scenario's analysis, walks its steps with
## Next/Back, runs the chosen recovery with a progress bar and reports the
## outcome. Open it with open_wizard() (it asks the coordinator for the
## wizard configuration) or show_config() (a configuration you already have).
##
## The layout is recovery_wizard.tscn, styled by theme.tres: move, restyle or
## regroup its nodes in the editor freely. The script reaches them by their
## unique names (%Name), and tests drive them by the same names.
class_name RecoveryWizard
extends Control

## The recovery finished; `result` holds `success`, `action`, `save_slot`,
## `message` and, when the slot was checked afterwards, `slot_healthy`.
signal recovery_finished(success: bool, result: Dictionary)
## The player closed the wizard.
signal closed

## Recovery actions the wizard runs itself: every recovery the core's
## analysis offers. The other options (import a backup file, start a new
## game, update the game, reset settings) are listed but disabled: the player
## does them outside the wizard (the backup panel imports files).
const RUNNABLE_ACTIONS := ["automatic_recovery", "restore_backup", "restore_snapshot", "complete_interrupted_save", "verify_saves", "no_action_needed"]

## The coordinator whose analysis and recovery the wizard uses.
var coordinator: BackupFlowCoordinator
## The configuration being shown (start_recovery_wizard()'s result).
var config: Dictionary = {}
## Index of the step on screen.
var current_step := 0
## True while a recovery runs.
var running := false
## The last recovery's result (empty before Run).
var last_result: Dictionary = {}

# Recovery options in the order of option_picker's items.
var _options: Array = []

@onready var title_label: Label = %ScenarioTitle
@onready var analysis_label: Label = %AnalysisLabel
@onready var backups_list: ItemList = %AvailableBackups
@onready var option_picker: OptionButton = %RecoveryOptionPicker
@onready var step_counter: Label = %StepCounter
@onready var step_title: Label = %StepTitle
@onready var step_description: Label = %StepDescription
@onready var back_button: Button = %BackButton
@onready var next_button: Button = %NextButton
@onready var run_button: Button = %RunButton
@onready var close_button: Button = %CloseButton
@onready var progress_bar: ProgressBar = %RecoveryProgress
@onready var outcome_label: Label = %OutcomeLabel


func _ready() -> void:
	if not config.is_empty():
		_fill_options()
	_refresh()


## Asks the coordinator for the wizard of `scenario` and shows it. Returns
## false (and says why in the outcome label) when the coordinator refused.
func open_wizard(scenario: BackupFlowCoordinator.RecoveryScenario, context: Dictionary = {}) -> bool:
	var wizard_config: Dictionary = coordinator.start_recovery_wizard(scenario, context)
	if not wizard_config.get("success", false):
		show_config({})
		outcome_label.text = "The wizard could not analyse this situation: %s" % wizard_config.get("error_message", "no analysis returned")
		return false
	show_config(wizard_config)
	return true


## Shows a wizard configuration ({scenario, title, steps, analysis}).
func show_config(wizard_config: Dictionary) -> void:
	config = wizard_config
	current_step = 0
	last_result = {}
	if is_node_ready():
		_fill_options()
		progress_bar.value = 0
		outcome_label.text = ""
		_refresh()


## The analysis part of the configuration.
func analysis() -> Dictionary:
	var a = config.get("analysis", {})
	return a if a is Dictionary else {}


## The wizard's steps.
func steps() -> Array:
	var s = config.get("steps", [])
	return s if s is Array else []


## Shows the next step (no-op on the last one).
func next_step() -> void:
	if current_step < steps().size() - 1:
		current_step += 1
		_refresh()


## Shows the previous step (no-op on the first one).
func previous_step() -> void:
	if current_step > 0:
		current_step -= 1
		_refresh()


## The recovery option selected in the picker (empty when there is none).
func selected_option() -> Dictionary:
	var i := option_picker.selected
	if i < 0 or i >= _options.size():
		return {}
	return _options[i]


## Runs the selected option, moving the progress bar through its phases,
## then checks the slot. Emits recovery_finished and returns the result.
func run_recovery() -> Dictionary:
	if running:
		return {}
	running = true
	_refresh()
	var option := selected_option()
	var slot := _option_slot(option)
	progress_bar.value = 10
	outcome_label.text = "Recovering..."
	await get_tree().process_frame
	var result := _execute(option, slot)
	result["action"] = option.get("action", "")
	result["save_slot"] = slot
	progress_bar.value = 70
	await get_tree().process_frame
	if result.get("success", false) and slot >= 0:
		outcome_label.text = "Verifying slot %d..." % slot
		var check: Dictionary = SaveGameManager.validate_save_slot(slot)
		result["slot_healthy"] = check.get("valid", false)
		if not result["slot_healthy"]:
			result["success"] = false
			result["message"] = "%s, but slot %d still fails verification: %s" % [result.get("message", ""), slot, check.get("error_details", "")]
	progress_bar.value = 100
	last_result = result
	running = false
	outcome_label.text = ("Recovery succeeded: " if result.get("success", false) else "Recovery failed: ") + str(result.get("message", ""))
	_refresh()
	recovery_finished.emit(result.get("success", false), result)
	return result


func _execute(option: Dictionary, slot: int) -> Dictionary:
	var action: String = option.get("action", "")
	match action:
		"automatic_recovery":
			var r: Dictionary = coordinator.attempt_automatic_recovery(slot)
			return {"success": r.get("success", false), "message": str(r.get("recovery_method", "")) if r.get("success", false) else str(r.get("error_message", "automatic recovery failed"))}
		"restore_backup":
			var level := int(option.get("backup_level", 0))
			var ok: bool = SaveGameManager.restore_save_backup(slot, level)
			return {"success": ok, "message": ("restored backup level %d of slot %d" % [level, slot]) if ok else SaveGameManager.get_last_error()}
		"restore_snapshot":
			var snapshot_id := str(option.get("snapshot_id", ""))
			var restored: bool = SaveGameManager.restore_snapshot(slot, snapshot_id)
			return {"success": restored, "message": ("restored snapshot %s of slot %d" % [snapshot_id, slot]) if restored else SaveGameManager.get_last_error()}
		"complete_interrupted_save":
			var repaired: bool = SaveGameManager.repair_save_slot(slot)
			return {"success": repaired, "message": ("repaired slot %d" % slot) if repaired else SaveGameManager.get_last_error()}
		"verify_saves":
			var report: Dictionary = coordinator.perform_health_check()
			return {"success": not report.is_empty(), "message": "health check: %s" % report.get("overall_health", "unknown")}
		"no_action_needed":
			return {"success": true, "message": "nothing needed recovering"}
		"":
			return {"success": false, "message": "no recovery option to run"}
	# import_backup, start_new_game, update_game, reset_settings: the player
	# does these outside the wizard.
	return {"success": false, "message": str(option.get("description", "this option needs you: %s" % action))}


func _option_slot(option: Dictionary) -> int:
	var s = option.get("save_slot")
	if s is int or s is float:
		return int(s)
	var ctx = analysis().get("context", {})
	if ctx is Dictionary and (ctx.get("save_slot") is int or ctx.get("save_slot") is float):
		return int(ctx["save_slot"])
	var affected = analysis().get("affected_slots", [])
	if affected is Array and not affected.is_empty():
		return int(affected[0])
	return -1


func _fill_options() -> void:
	option_picker.clear()
	_options.clear()
	var recommended := str(analysis().get("recommended_action", ""))
	var pick := -1
	var first_runnable := -1
	for option in analysis().get("recovery_options", []):
		if not option is Dictionary:
			continue
		_options.append(option)
		var index := _options.size() - 1
		var runnable: bool = option.get("action", "") in RUNNABLE_ACTIONS
		var label := str(option.get("description", option.get("action", "")))
		if option.get("action", "") == recommended and pick < 0 and runnable:
			pick = index
			label += " (recommended)"
		if not runnable:
			label += " (outside the wizard)"
		option_picker.add_item(label)
		option_picker.set_item_disabled(index, not runnable)
		if runnable and first_runnable < 0:
			first_runnable = index
	if pick < 0:
		pick = first_runnable
	if pick >= 0:
		option_picker.select(pick)
	backups_list.clear()
	for b in analysis().get("available_backups", []):
		if b is Dictionary:
			backups_list.add_item(_describe_backup(b))


func _describe_backup(b: Dictionary) -> String:
	var what := str(b.get("source", "backup"))
	if b.get("backup_level") != null:
		what = "backup level %d" % int(b["backup_level"])
	elif str(b.get("name", "")) != "":
		what = "%s \"%s\"" % [what, b["name"]]
	var when := "unknown time"
	if b.get("written_at") is int and int(b["written_at"]) > 0:
		when = Time.get_datetime_string_from_unix_time(int(b["written_at"]), true)
	return "Slot %s: %s, %s, %s" % [b.get("save_slot", "?"), what, b.get("pilot_callsign", ""), when]


func _refresh() -> void:
	if not is_node_ready():
		return
	var a := analysis()
	title_label.text = str(config.get("title", "Recovery wizard"))
	if a.is_empty():
		analysis_label.text = "No analysis."
	else:
		analysis_label.text = "Recommended action: %s\nData-loss risk: %s\nAvailable backups: %d" % [
			str(a.get("recommended_action", "?")).capitalize(), a.get("data_loss_risk", "?"), (a.get("available_backups", []) as Array).size()]
	var all := steps()
	if all.is_empty():
		step_counter.text = "No steps"
		step_title.text = ""
		step_description.text = ""
	else:
		current_step = clampi(current_step, 0, all.size() - 1)
		var step: Dictionary = all[current_step]
		step_counter.text = "Step %d of %d" % [current_step + 1, all.size()]
		step_title.text = str(step.get("title", ""))
		step_description.text = str(step.get("description", ""))
	back_button.disabled = running or current_step == 0
	next_button.disabled = running or all.is_empty() or current_step >= all.size() - 1
	# Recovery runs from the last step, once the player has read them all.
	run_button.disabled = running or all.is_empty() or current_step < all.size() - 1 or option_picker.selected < 0 or option_picker.is_item_disabled(option_picker.selected)
	close_button.disabled = running


func _on_option_selected(_index: int) -> void:
	_refresh()


func _on_close() -> void:
	closed.emit()
	queue_free()
