## Renders the recovery wizard in the middle of a recovery and saves a PNG.
## Needs a renderer (not --headless), e.g. on a machine without a display:
##   xvfb-run -a godot4 --rendering-driver opengl3 --path godot_project \
##       --script res://tools/wizard_screenshot.gd -- ../docs/wizard.png
## Works in a throwaway save folder, so real saves are never touched.
extends SceneTree


func _initialize() -> void:
	_shoot.call_deferred()


func _shoot() -> void:
	var args := OS.get_cmdline_user_args()
	var out := args[0] if args.size() > 0 else "user://wizard.png"
	if out.is_relative_path():
		out = ProjectSettings.globalize_path("res://").path_join(out).simplify_path()
	var save_flow: Node = root.get_node("SaveFlowCoordinator")
	var game_state: Node = root.get_node("GameStateManager")
	game_state.quit_on_shutdown = false
	var sgm := Engine.get_singleton("SaveGameManager")
	sgm.save_root = "user://screenshot_saves_%d" % Time.get_ticks_usec()
	var main: Control = load("res://scenes/main.tscn").instantiate()
	root.add_child(main)
	await process_frame
	main.callsign_edit.text = "Maverick"
	main.new_pilot()
	main.fly_mission()
	main.fly_mission()
	main.save_game()
	main.select_slot(0)
	main.break_mode.select(0)
	main.break_selected_save()
	var wizard: Control = main.open_wizard_for_slot(0)
	wizard.next_button.pressed.emit()
	for i in 10:
		await process_frame
	var image := root.get_texture().get_image()
	var err := image.save_png(out)
	print("wizard screenshot: %s (%dx%d) %s" % [out, image.get_width(), image.get_height(), error_string(err)])
	quit(0 if err == OK else 1)
