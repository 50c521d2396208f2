## Runs last (its place in SUITES of run_suites.gd). SaveGameManager outlives GDScript at
## shutdown, so migration lambdas it holds must be released when the scene
## tree ends; freeing them later corrupts the heap (seen as an abort at exit,
## which the runner reports as "Godot exited abnormally").
extends "res://tests/test_case.gd"

func test_migrations_are_released_when_the_tree_ends() -> void:
	SaveGameManager.save_root = fresh_root("shutdown")
	SaveGameManager.game_schema_version = 1
	check(SaveGameManager.register_migration(0, func(d): return d), "registered")
	check(get_tree().root.is_connected("tree_exiting", Callable(SaveGameManager, "clear_migrations")),
		"clear_migrations runs when the tree ends")
	# The lambda stays registered on purpose: the run must still exit cleanly.
