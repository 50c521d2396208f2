## Renders the sample's three scenes with some pilots, backups and a damaged
## save, and writes one PNG each into the folder given after `--`:
##   main.png          the main screen (scenes/main.tscn)
##   backup_panel.png  the backup panel (scenes/backup_panel.tscn) as the main
##                     screen shows it, after a health check
##   wizard.png        the recovery wizard (scenes/recovery_wizard.tscn) in
##                     the middle of a recovery
## Needs a renderer (not --headless), e.g. on a machine without a display:
##   cd godot_project && xvfb-run -a -s "-screen 0 1280x760x24" godot4 \
##       --rendering-driver opengl3 --path . --script res://tools/screenshots.gd -- ../docs
## Works in a throwaway save folder, so real saves are never touched.
extends SceneTree

var _failed := false


func _initialize() -> void:
	_shoot.call_deferred()


func _shoot() -> void:
	var args := OS.get_cmdline_user_args()
	var out_dir := args[0] if args.size() > 0 else "user://screenshots"
	if out_dir.is_relative_path():
		out_dir = ProjectSettings.globalize_path("res://").path_join(out_dir).simplify_path()
	DirAccess.make_dir_recursive_absolute(out_dir)
	var game_state: Node = root.get_node("GameStateManager")
	game_state.quit_on_shutdown = false
	var sgm := Engine.get_singleton("SaveGameManager")
	sgm.save_root = "user://screenshot_saves_%d" % Time.get_ticks_usec()
	# Loaded at run time, untyped: main.gd names the autoloads, which do not
	# exist yet when this script is compiled.
	var main: Control = load("res://scenes/main.tscn").instantiate()
	root.add_child(main)
	await process_frame

	# Three pilots: one with a campaign under way and a named backup, one
	# fresh, and one whose save gets damaged.
	_new_pilot(main, "Maverick")
	main.fly_mission()
	main.backup_panel.backup_name_edit.text = "Before the strike"
	main.backup_panel.backup_description_edit.text = "Before attempting Destroy the Lucifer"
	main.backup_panel.create_manual_backup()
	main.fly_mission()
	_new_pilot(main, "Iceman")
	main.fly_mission()
	main.save_game()
	main.select_slot(1)
	main.break_mode.select(main.break_mode.get_item_index(SaveBreaker.Damage.FLIP_BYTES))
	main.break_selected_save()
	_new_pilot(main, "Goose")
	main.select_slot(0)
	if main.backup_panel.run_health_check():
		await main.backup_panel.health_check_finished
	main.backup_panel.status_label.text = "Backup \"Before the strike\" created"
	await _settle()
	var screen := root.get_texture().get_image()
	_save(screen, out_dir.path_join("main.png"))
	var panel: Control = main.backup_panel
	_save(screen.get_region(Rect2i(panel.get_global_rect())), out_dir.path_join("backup_panel.png"))

	var wizard: Control = main.open_wizard_for_slot(1)
	wizard.next_button.pressed.emit()
	await _settle()
	_save(root.get_texture().get_image(), out_dir.path_join("wizard.png"))
	quit(1 if _failed else 0)


func _new_pilot(main: Control, callsign: String) -> void:
	main.callsign_edit.text = callsign
	if not main.new_pilot():
		push_error("could not create pilot %s: %s" % [callsign, main.status_label.text])
		_failed = true


func _settle() -> void:
	for i in 10:
		await process_frame


func _save(image: Image, path: String) -> void:
	var err := image.save_png(path)
	print("screenshot: %s (%dx%d) %s" % [path, image.get_width(), image.get_height(), error_string(err)])
	if err != OK:
		_failed = true
