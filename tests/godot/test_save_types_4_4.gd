## Typed Dictionaries (Godot 4.4+) in registered Resources. run_suites.gd
## runs this suite only on Godot 4.4 or newer and reports it as skipped on
## older versions (they cannot parse the fixture's typed Dictionaries).
extends "res://tests/save_types_case.gd"

func test_typed_dictionaries_of_resources_round_trip() -> void:
	_reset("typed_dict")
	_register_fixtures()
	check(SaveGameManager.register_save_type("SaveTypesLedger"), "register by name")
	var ledger := SaveTypesLedger.new()
	ledger.by_name = {"sword": _item("Sword", 1)}
	ledger.totals = {&"gold": 10}
	if _saved_ok(1, {"ledger": ledger}):
		var b = _loaded(1)["ledger"]
		check(b is SaveTypesLedger, "ledger")
		check_eq(b.by_name["sword"].name, "Sword")
		check(b.by_name.get_typed_value_script() == SaveTypesItem, "value type kept")
		check_eq(b.totals, ledger.totals, "typed StringName->int dictionary")
