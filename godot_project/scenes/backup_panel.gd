## The backup panel: manual backups, the backups of the selected slot,
## restore, export/import, the health check and the schedule settings, all
## through a BackupFlowCoordinator (and SaveGameManager for per-slot detail).
##
## Controls carry stable names; tests drive them through their signals.
extends VBoxContainer

const UI := preload("res://scenes/ui.gd")

## The player asked for the recovery wizard of `save_slot`.
signal wizard_requested(save_slot: int)
## An action finished; `message` is what the status label shows.
signal action_finished(action: String, success: bool, message: String)
## A health check started by the panel finished and its report is shown.
signal health_check_finished(report: Dictionary)

## The coordinator the panel works through.
var coordinator: BackupFlowCoordinator
## Slot whose backups are listed (-1: none selected).
var selected_slot := -1:
	set(value):
		selected_slot = value
		if is_node_ready():
			refresh_backups()
## The last health report shown.
var last_report: Dictionary = {}

var backup_name_edit: LineEdit
var backup_description_edit: LineEdit
var create_backup_button: Button
var backup_list: ItemList
var restore_button: Button
var export_button: Button
var import_button: Button
var export_dialog: FileDialog
var import_dialog: FileDialog
var health_check_button: Button
var health_progress: ProgressBar
var health_score: ProgressBar
var health_summary: Label
var recommendations_list: ItemList
var automated_check: CheckBox
var event_backups_check: CheckBox
var health_monitoring_check: CheckBox
var schedule_hours_spin: SpinBox
var max_automated_spin: SpinBox
var schedule_label: Label
var open_wizard_button: Button
var status_label: Label

# What each selectable item of backup_list restores, in item order:
# {"level": int} for a rolling backup, {"snapshot_id": String} for a snapshot.
var _listed: Array[Dictionary] = []
# True while a health check started by the panel runs on the worker thread.
var _checking := false


func _ready() -> void:
	_build()
	if coordinator:
		attach(coordinator)


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


func _build() -> void:
	add_theme_constant_override("separation", 6)
	_heading("Backups")
	var manual := HBoxContainer.new()
	manual.name = "ManualBackup"
	add_child(manual)
	backup_name_edit = _line_edit(manual, "BackupNameEdit", "Backup name")
	backup_description_edit = _line_edit(manual, "BackupDescriptionEdit", "Description (optional)")
	create_backup_button = UI.button(manual, "CreateBackupButton", "Create backup", create_manual_backup)
	backup_list = ItemList.new()
	backup_list.name = "BackupList"
	backup_list.custom_minimum_size = Vector2(0, 100)
	add_child(backup_list)
	var actions := HBoxContainer.new()
	actions.name = "BackupActions"
	add_child(actions)
	restore_button = UI.button(actions, "RestoreButton", "Restore selected", restore_selected)
	export_button = UI.button(actions, "ExportButton", "Export...", func(): export_dialog.popup_centered_ratio(0.6))
	import_button = UI.button(actions, "ImportButton", "Import...", func(): import_dialog.popup_centered_ratio(0.6))
	open_wizard_button = UI.button(actions, "OpenWizardButton", "Recovery wizard...", func(): wizard_requested.emit(selected_slot))
	export_dialog = _file_dialog("ExportDialog", FileDialog.FILE_MODE_SAVE_FILE)
	export_dialog.file_selected.connect(export_to)
	import_dialog = _file_dialog("ImportDialog", FileDialog.FILE_MODE_OPEN_FILE)
	import_dialog.file_selected.connect(import_from)

	_heading("Health")
	health_check_button = UI.button(self, "HealthCheckButton", "Run health check", run_health_check)
	health_progress = _bar("HealthCheckProgress")
	health_score = _bar("HealthScore")
	health_score.tooltip_text = "Share of healthy backups"
	health_summary = Label.new()
	health_summary.name = "HealthSummary"
	add_child(health_summary)
	recommendations_list = ItemList.new()
	recommendations_list.name = "Recommendations"
	recommendations_list.custom_minimum_size = Vector2(0, 70)
	add_child(recommendations_list)

	_heading("Schedule")
	var schedule := GridContainer.new()
	schedule.name = "Schedule"
	schedule.columns = 2
	add_child(schedule)
	automated_check = _check(schedule, "AutomatedBackupsCheck", "Automated backups")
	event_backups_check = _check(schedule, "EventBackupsCheck", "Backups on game events")
	health_monitoring_check = _check(schedule, "HealthMonitoringCheck", "Health monitoring")
	schedule_hours_spin = _spin(schedule, "ScheduleHoursSpin", "h between backups", 1, 24 * 30)
	max_automated_spin = _spin(schedule, "MaxAutomatedSpin", "kept", 1, 500)
	UI.button(schedule, "ApplyScheduleButton", "Apply schedule", apply_schedule)
	schedule_label = Label.new()
	schedule_label.name = "ScheduleLabel"
	add_child(schedule_label)
	status_label = Label.new()
	status_label.name = "BackupStatusLabel"
	status_label.autowrap_mode = TextServer.AUTOWRAP_WORD_SMART
	add_child(status_label)


func _heading(text: String) -> void:
	var l := Label.new()
	l.name = text + "Heading"
	l.text = text
	l.add_theme_font_size_override("font_size", 18)
	add_child(l)


func _line_edit(parent: Node, node_name: String, placeholder: String) -> LineEdit:
	var e := LineEdit.new()
	e.name = node_name
	e.placeholder_text = placeholder
	e.size_flags_horizontal = Control.SIZE_EXPAND_FILL
	parent.add_child(e)
	return e


func _bar(node_name: String) -> ProgressBar:
	var p := ProgressBar.new()
	p.name = node_name
	p.custom_minimum_size = Vector2(0, 20)
	add_child(p)
	return p


func _check(parent: Node, node_name: String, text: String) -> CheckBox:
	var c := CheckBox.new()
	c.name = node_name
	c.text = text
	parent.add_child(c)
	return c


func _spin(parent: Node, node_name: String, suffix: String, lo: float, hi: float) -> SpinBox:
	var s := SpinBox.new()
	s.name = node_name
	s.min_value = lo
	s.max_value = hi
	s.suffix = suffix
	parent.add_child(s)
	return s


func _file_dialog(node_name: String, mode: FileDialog.FileMode) -> FileDialog:
	var d := FileDialog.new()
	d.name = node_name
	d.file_mode = mode
	d.access = FileDialog.ACCESS_FILESYSTEM
	d.filters = PackedStringArray(["*.json ; Backup export"])
	add_child(d)
	return d
