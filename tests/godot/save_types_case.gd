## Helpers shared by the save-type suites (test_save_types.gd and the
## version-gated test_save_types_4_4.gd): a fresh folder per test, the
## fixture types of tests/godot/fixtures/save_types/, save and load checks.
extends "res://tests/test_case.gd"

const MARKER_PATH := "user://save_types_marker.txt"

func _reset(tag: String) -> void:
	SaveGameManager.save_root = fresh_root("types_" + tag)
	SaveGameManager.slot_count = 10
	SaveGameManager.backup_levels = 3
	SaveGameManager.game_schema_version = 0
	SaveGameManager.clear_migrations()
	SaveGameManager.clear_save_types()

func after_all() -> void:
	# The sample's autoload registered its types at start-up; later suites use them.
	SaveGameManager.clear_save_types()
	SaveGameManager.register_save_type([PlayerProfile, CampaignState])
	SaveGameManager.clear_migrations()

## Byte-exact comparison (NaN, typed containers, int vs float all count).
func _same(a, b) -> bool:
	# NodePath's binary form can differ for equal paths (Godot caches parts of
	# it); its type and text are what a game gets back.
	if a is NodePath:
		return b is NodePath and str(a) == str(b)
	return var_to_bytes(a) == var_to_bytes(b)

func _item(item_name: String, count: int) -> SaveTypesItem:
	var it := SaveTypesItem.new()
	it.name = item_name
	it.count = count
	return it

func _register_fixtures() -> void:
	check(SaveGameManager.register_save_type([SaveTypesItem, SaveTypesInventory, "SaveTypesChain"]), "register fixtures: %s" % SaveGameManager.get_last_error())

func _saved_ok(slot: int, data: Dictionary, info: Dictionary = {}) -> bool:
	var r := SaveGameManager.save_slot(slot, data, info)
	return check(r.success, "save: %s" % r.error_message)

func _loaded(slot: int) -> Dictionary:
	var r := SaveGameManager.load_slot(slot)
	check(r.success, "load: %s" % r.error_message)
	return r.get("data", {})
