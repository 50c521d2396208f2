## The backup panel: manual backups, the backups of the selected slot,
## restore, export/import, the health check and the schedule settings, all
## through a BackupFlowCoordinator (and SaveGameManager for per-slot detail).
##
## The layout is backup_panel.tscn, styled by theme.tres: move, restyle or
## regroup its nodes in the editor freely. The script reaches them by their
## unique names (%Name), and tests drive them by the same names.
class_name BackupPanel
extends PanelContainer

## The player asked for the recovery wizard of `save_slot`.
signal wizard_requested(save_slot: int)
## An action finished; `message` is what the status label shows.
signal action_finished(action: String, success: bool, message: String)
## A health check started by the panel finished and its report is shown.
signal health_check_finished(report: Dictionary)

## The coordinator the panel works through (set it, or call attach()).
var coordinator: BackupFlowCoordinator
## Slot whose backups are listed (-1: none selected).
var selected_slot := -1:
	set(value):
		selected_slot = value
		if is_node_ready():
			refresh_backups()
## The last health report shown.
var last_report: Dictionary = {}

# What each selectable item of backup_list restores, in item order:
# {"level": int} for a rolling backup, {"snapshot_id": String} for a snapshot.
var _listed: Array[Dictionary] = []
# True while a health check started by the panel runs on the worker thread.
var _checking := false

@onready var backup_name_edit: LineEdit = %BackupNameEdit
@onready var backup_description_edit: LineEdit = %BackupDescriptionEdit
@onready var create_backup_button: Button = %CreateBackupButton
@onready var backup_list: ItemList = %BackupList
@onready var restore_button: Button = %RestoreButton
@onready var export_button: Button = %ExportButton
@onready var import_button: Button = %ImportButton
@onready var export_dialog: FileDialog = %ExportDialog
@onready var import_dialog: FileDialog = %ImportDialog
@onready var health_check_button: Button = %HealthCheckButton
@onready var health_progress: ProgressBar = %HealthCheckProgress
@onready var health_score: ProgressBar = %HealthScore
@onready var health_summary: Label = %HealthSummary
@onready var recommendations_list: ItemList = %Recommendations
@onready var automated_check: CheckBox = %AutomatedBackupsCheck
@onready var event_backups_check: CheckBox = %EventBackupsCheck
@onready var health_monitoring_check: CheckBox = %HealthMonitoringCheck
@onready var schedule_hours_spin: SpinBox = %ScheduleHoursSpin
@onready var max_automated_spin: SpinBox = %MaxAutomatedSpin
@onready var schedule_label: Label = %ScheduleLabel
@onready var open_wizard_button: Button = %OpenWizardButton
@onready var status_label: Label = %BackupStatusLabel


func _ready() -> void:
	if coordinator:
		attach(coordinator)
	else:
		refresh_backups()


## Connects the panel to `c` (safe to call again with the same one).
func attach(c: BackupFlowCoordinator) -> void:
	coordinator = c
	if not is_node_ready():
		return
	if not c.health_check_completed.is_connected(_on_health_check_completed):
		c.health_check_completed.connect(_on_health_check_completed)
		c.backup_schedule_updated.connect(_on_schedule_updated)
		c.backup_flow_completed.connect(_on_flow_completed)
		c.operation_progress.connect(_on_operation_progress)
	_load_schedule()
	refresh_backups()


## Creates a manual backup named by the name field (with the description).
func create_manual_backup() -> bool:
	var backup_name := backup_name_edit.text.strip_edges()
	if backup_name.is_empty():
		backup_name = "Manual backup %s" % Time.get_datetime_string_from_system(false, true)
	var ok: bool = coordinator.create_manual_backup(backup_name, backup_description_edit.text.strip_edges())
	_finish("manual_backup", ok, ("Backup \"%s\" created" % backup_name) if ok else "Backup failed: %s" % _last_error())
	if ok:
		backup_name_edit.text = ""
		backup_description_edit.text = ""
	refresh_backups()
	return ok


## Rebuilds the list of backups of selected_slot: its rolling backup levels
## (with their state), then its snapshots (manual, automated and the copies
## kept before a restore), newest first.
func refresh_backups() -> void:
	backup_list.clear()
	_listed.clear()
	restore_button.disabled = true
	export_button.disabled = selected_slot < 0
	if selected_slot < 0:
		backup_list.add_item("Select a pilot slot to see its backups")
		backup_list.set_item_disabled(0, true)
		return
	var info: Dictionary = SaveGameManager.get_slot_info(selected_slot)
	for b in info.get("backups", []):
		if not b.get("exists", false):
			continue
		var when := Time.get_datetime_string_from_unix_time(int(b.get("written_at", 0)), true)
		backup_list.add_item("Level %d  %s  %d bytes  [%s]" % [int(b["backup_index"]), when, int(b.get("size_bytes", 0)), _state(b)])
		_listed.append({"level": int(b["backup_index"])})
	var snapshots: Array = SaveGameManager.list_snapshots(selected_slot)
	snapshots.reverse()
	for snap in snapshots:
		var when := Time.get_datetime_string_from_unix_time(int(snap.get("created_at", 0)), true)
		var label := str(snap.get("name", "")) if str(snap.get("name", "")) != "" else str(snap.get("snapshot_id", ""))
		backup_list.add_item("Snapshot  %s  %s (%s)  [%s]" % [when, label, str(snap.get("kind", "")).replace("_", " "), _state(snap)])
		_listed.append({"snapshot_id": str(snap.get("snapshot_id", ""))})
	if _listed.is_empty():
		backup_list.add_item("No backups yet: save twice, or create a backup")
		backup_list.set_item_disabled(backup_list.item_count - 1, true)
	else:
		backup_list.select(0)
		restore_button.disabled = false


## Restores the backup or snapshot selected in the list over selected_slot.
func restore_selected() -> bool:
	var selected := backup_list.get_selected_items()
	if selected_slot < 0 or selected.is_empty() or selected[0] >= _listed.size():
		_finish("restore", false, "Select a backup to restore")
		return false
	var entry: Dictionary = _listed[selected[0]]
	var ok: bool
	var source: String
	if entry.has("level"):
		ok = SaveGameManager.restore_save_backup(selected_slot, entry["level"])
		source = "backup level %d" % entry["level"]
	else:
		ok = SaveGameManager.restore_snapshot(selected_slot, entry["snapshot_id"])
		source = "snapshot %s" % entry["snapshot_id"]
	_finish("restore", ok, ("Slot %d restored from %s" % [selected_slot, source]) if ok else "Restore failed: %s" % SaveGameManager.get_last_error())
	refresh_backups()
	return ok


func _state(entry: Dictionary) -> String:
	return "OK" if entry.get("valid", false) else str(entry.get("status", "bad")).to_upper()


## Exports selected_slot to `path`.
func export_to(path: String) -> Dictionary:
	var r: Dictionary = coordinator.export_backup(selected_slot, path, true)
	var ok: bool = r.get("success", false)
	_finish("export", ok, ("Exported slot %d to %s (%d bytes)" % [selected_slot, r.get("export_path", path), int(r.get("file_size", 0))]) if ok else "Export failed: %s" % r.get("error_message", "?"))
	return r


## Imports the backup file at `path` into selected_slot (or the slot the
## coordinator picks when none is selected).
func import_from(path: String) -> Dictionary:
	var r: Dictionary = coordinator.import_backup(path, selected_slot)
	var ok: bool = r.get("success", false)
	_finish("import", ok, ("Imported %s into slot %d" % [r.get("pilot_name", "backup"), int(r.get("imported_slot", -1))]) if ok else "Import failed: %s" % r.get("error_message", "?"))
	refresh_backups()
	return r


## Starts the health check on the coordinator's worker thread: the progress
## bar follows operation_progress, and health_check_completed brings the
## report (then health_check_finished). Returns false when a check could not
## start (one is already running).
func run_health_check() -> bool:
	if _checking:
		return false
	health_progress.value = 0
	health_summary.text = "Checking backups..."
	health_check_button.disabled = true
	_checking = coordinator.perform_health_check_async()
	if not _checking:
		health_check_button.disabled = false
		health_summary.text = "Health check could not start: %s" % coordinator.get_last_error()
	return _checking


## Shows a health report: summary line, health score bar, recommendations.
func show_report(report: Dictionary) -> void:
	last_report = report
	health_progress.value = 100
	var total := int(report.get("total_backups", 0))
	var healthy := int(report.get("healthy_backups", 0))
	health_score.value = 100.0 * healthy / total if total > 0 else 0.0
	health_summary.text = "Overall health: %s\n%d backups: %d healthy, %d corrupted, %d suspicious" % [
		report.get("overall_health", "unknown"), total, healthy,
		int(report.get("corrupted_backups", 0)), int(report.get("suspicious_backups", 0))]
	recommendations_list.clear()
	for r in report.get("recommendations", []):
		recommendations_list.add_item(str(r))
	if recommendations_list.item_count == 0:
		recommendations_list.add_item("No recommendations: all good")


## Applies the schedule controls to the coordinator.
func apply_schedule() -> void:
	# Read every control first: each setter emits backup_schedule_updated,
	# which reloads the controls from the coordinator.
	var automated := automated_check.button_pressed
	var hours := int(schedule_hours_spin.value)
	var monitoring := health_monitoring_check.button_pressed
	var events := event_backups_check.button_pressed
	var keep := int(max_automated_spin.value)
	coordinator.set_automated_backups_enabled(automated)
	coordinator.set_backup_schedule_hours(hours)
	coordinator.set_health_monitoring_enabled(monitoring)
	coordinator.enable_event_backups = events
	coordinator.max_automated_backups = keep
	_load_schedule()


func _load_schedule() -> void:
	automated_check.set_pressed_no_signal(coordinator.enable_automated_backups)
	event_backups_check.set_pressed_no_signal(coordinator.enable_event_backups)
	health_monitoring_check.set_pressed_no_signal(coordinator.enable_health_monitoring)
	schedule_hours_spin.set_value_no_signal(coordinator.backup_schedule_hours)
	max_automated_spin.set_value_no_signal(coordinator.max_automated_backups)
	_show_schedule()


func _show_schedule() -> void:
	var status: Dictionary = coordinator.get_backup_status()
	var last := int(status.get("last_automated_backup", 0))
	schedule_label.text = "Automated backups: %s, every %d h, keep %d\nLast automated backup: %s" % [
		"on" if coordinator.enable_automated_backups else "off", coordinator.backup_schedule_hours,
		coordinator.max_automated_backups,
		Time.get_datetime_string_from_unix_time(last, true) if last > 0 else "never"]


func _on_health_check_completed(report: Dictionary) -> void:
	show_report(report)
	if _checking:
		_checking = false
		health_check_button.disabled = false
		health_check_finished.emit(report)


func _on_operation_progress(operation_type: String, done: int, total: int) -> void:
	if operation_type == "health_check" and total > 0:
		health_progress.value = 100.0 * done / total


func _on_schedule_updated(_schedule_config: Dictionary) -> void:
	_load_schedule()


func _on_flow_completed(_operation_type: String, _success: bool, _context: Dictionary) -> void:
	refresh_backups()
	_show_schedule()


func _last_error() -> String:
	var ctx: Dictionary = coordinator.get_current_operation_context()
	return str(ctx.get("error_message", SaveGameManager.get_last_error()))


func _finish(action: String, ok: bool, message: String) -> void:
	status_label.text = message
	action_finished.emit(action, ok, message)


func _on_export_pressed() -> void:
	export_dialog.popup_centered_ratio(0.6)


func _on_import_pressed() -> void:
	import_dialog.popup_centered_ratio(0.6)


func _on_open_wizard_pressed() -> void:
	wizard_requested.emit(selected_slot)
