## Game data beyond plain Dictionaries: every Variant type round-trips,
## objects are refused with their path, registered Resources are saved and
## loaded safely (tests/godot/fixtures/save_types/ holds the scripts).
extends "res://tests/save_types_case.gd"

## One value of every Variant type a game stores.
func _every_type() -> Dictionary:
	var typed_ints: Array[int] = [1, -2, 9223372036854775807]
	var typed_names: Array[StringName] = [&"a", &"b"]
	var typed_vectors: Array[Vector3] = [Vector3(1, 2, 3)]
	var d := {
		"nil": null, "bool": true, "int_max": 9223372036854775807, "int_min": (-9223372036854775807 - 1),
		"float": 0.1, "nan": NAN, "inf": INF, "neg_inf": -INF, "neg_zero": -0.0,
		"string": "héllo\nworld", "string_name": &"StringName", "node_path": NodePath("Root/Child:position:x"),
		"vector2": Vector2(1.5, -2.25), "vector2i": Vector2i(-3, 4), "rect2": Rect2(1, 2, 3, 4),
		"rect2i": Rect2i(1, 2, 3, 4), "vector3": Vector3(1, 2, 3), "vector3i": Vector3i(1, 2, 3),
		"transform2d": Transform2D(0.5, Vector2(3, 4)), "vector4": Vector4(1, 2, 3, 4),
		"vector4i": Vector4i(1, 2, 3, 4), "plane": Plane(Vector3.UP, 2.0),
		"quaternion": Quaternion(Vector3.UP, 0.5), "aabb": AABB(Vector3(1, 2, 3), Vector3(4, 5, 6)),
		"basis": Basis(Vector3.UP, 1.0), "transform3d": Transform3D(Basis(Vector3.UP, 1.0), Vector3(7, 8, 9)),
		"projection": Projection.create_perspective(60.0, 1.5, 0.1, 100.0), "color": Color(0.1, 0.2, 0.3, 0.4),
		"bytes": PackedByteArray([0, 1, 255]), "int32s": PackedInt32Array([-1, 2147483647]),
		"int64s": PackedInt64Array([(-9223372036854775807 - 1), 5]), "float32s": PackedFloat32Array([0.5, NAN]),
		"float64s": PackedFloat64Array([0.1, INF]), "strings": PackedStringArray(["a", ""]),
		"vector2s": PackedVector2Array([Vector2(1, 2)]), "vector3s": PackedVector3Array([Vector3(1, 2, 3)]),
		"colors": PackedColorArray([Color.RED]),
		"typed_ints": typed_ints, "typed_names": typed_names, "typed_vectors": typed_vectors,
		"nested": {"list": [1, [2, {"deep": [3.5, {"k": &"v"}]}]], 7: "int key", Vector2i(1, 1): "vector key"},
	}
	# Types newer than Godot 4.2 are made from text, so that this file parses
	# on every supported version.
	if godot_at_least(4, 3):
		d["vector4s"] = str_to_var("PackedVector4Array(1, 2, 3, 4, -1.5, 0, 1e30, 7)")
	if godot_at_least(4, 4):
		d["typed_dict"] = str_to_var("Dictionary[String, int]({\"a\": 1, \"b\": 2})")
		d["typed_vector_dict"] = str_to_var("Dictionary[StringName, Vector2i]({&\"spawn\": Vector2i(3, 4)})")
	return d

## Saves `data`, which must be refused; checks the message names `words`
## and that the previous save of the slot is untouched.
func _refused(data: Dictionary, words: Array, info: Dictionary = {}) -> void:
	var before := SaveGameManager.get_slot_info(1)
	expect_errors_begin()
	var r := SaveGameManager.save_slot(1, data, info)
	expect_errors_end()
	# (data is not printed: it may contain itself)
	check_eq(r.success, false, "refused (%s)" % words[0])
	for w in words:
		check(str(r.error_message).contains(w), "message %s names %s" % [r.error_message, w])
	check_eq(SaveGameManager.get_last_error(), r.error_message, "last error")
	var after := SaveGameManager.get_slot_info(1)
	check_eq(after.save_count, before.save_count, "no save was written")
	check_eq(after.checksum, before.checksum, "previous save untouched")

func test_every_variant_type_round_trips_exactly() -> void:
	_reset("every_type")
	var data := _every_type()
	if godot_at_least(4, 3):
		check_eq(typeof(data["vector4s"]), 38, "PackedVector4Array (type 38) made from text")
	if godot_at_least(4, 4):
		check(data["typed_dict"].is_typed() and data["typed_vector_dict"].is_typed(), "typed Dictionaries made from text")
	if _saved_ok(1, data):
		var back := _loaded(1)
		check_eq(back.keys().size(), data.keys().size(), "same keys")
		for k in data:
			check(_same(back.get(k), data[k]), "%s round-trips exactly: %s vs %s" % [k, var_to_str(back.get(k)), var_to_str(data[k])])
	# The same values next to a registered Resource go through the typed tree.
	_register_fixtures()
	var with_item := _every_type()
	with_item["item"] = _item("Sword", 1)
	with_item["items_in_list"] = [1, _item("Shield", 2), {"deep": _every_type()}]
	if _saved_ok(2, with_item):
		var back := _loaded(2)
		for k in data:
			check(_same(back.get(k), data[k]), "%s round-trips exactly beside a Resource" % k)
		check(back["item"] is SaveTypesItem and back["item"].name == "Sword", "the Resource came back")
		var deep: Dictionary = back["items_in_list"][2]["deep"]
		for k in data:
			check(_same(deep.get(k), data[k]), "%s round-trips exactly inside a container with a Resource" % k)

func test_objects_callables_signals_and_rids_are_refused_with_their_path() -> void:
	_reset("refused")
	_saved_ok(1, {"credits": 5})
	_refused({"obj": RefCounted.new(), "n": 1}, ["data.obj is an Object (RefCounted)", "convert it to a Dictionary"])
	_refused({"inventory": {"items": [1, 2, 3, Resource.new()]}}, ["data.inventory.items[3] is a Resource (Resource); register its type or convert it to a Dictionary"])
	_refused({"inventory": {"items": [_item("x", 1)]}}, ["data.inventory.items[0] is a Resource (SaveTypesItem); register its type"])
	var node := Node2D.new()
	_refused({"scores": {"Patrol Alpha": [node]}}, ["data.scores[\"Patrol Alpha\"][0] is an Object (Node2D)"])
	node.free()
	_refused({"map": {Resource.new(): 1}}, ["data.map{key #0} is a Resource"])
	_refused({"on_hit": func(): pass}, ["data.on_hit is a Callable"])
	_refused({"sig": tree_exiting}, ["data.sig is a Signal"])
	_refused({"handle": RID()}, ["data.handle is an RID"])
	var typed: Array[Resource] = [Resource.new()]
	_refused({"typed": typed}, ["data.typed[0] is a Resource"])
	_refused({"ok": 1}, ["info.portrait is a Resource", "only plain data"], {"pilot_callsign": "X", "portrait": Resource.new()})
	_refused({"ok": 1}, ["info.extra[0] is a Callable"], {"extra": [func(): pass]})
	var loop := []
	loop.append(loop)
	_refused({"loop": loop}, ["nested deeper than"])
	loop.clear()
	check_eq(_loaded(1), {"credits": 5}, "the previous save still loads")

func test_registered_resources_round_trip_nested_shared_and_typed() -> void:
	_reset("registered")
	_register_fixtures()
	check_eq(SaveGameManager.get_save_types(), PackedStringArray(["SaveTypesItem", "SaveTypesInventory", "SaveTypesChain"]), "registered names")
	var inv := SaveTypesInventory.new()
	inv.owner_name = "Maverick"
	var sword := _item("Sword", 1)
	sword.payload = {"runes": PackedStringArray(["fire"]), "edge": Vector2(1, 2)}
	sword.runtime_only = 99
	var shield := _item("Shield", 2)
	var default_item := SaveTypesItem.new()
	inv.items = [sword, shield, sword, default_item]
	inv.best = shield
	inv.tags = [&"starter", &"heavy"]
	inv.by_slot = {1: sword, "spare": [shield]}
	if not _saved_ok(1, {"inventory": inv, "loose": [shield], "empty": SaveTypesInventory.new()}):
		return
	var back := _loaded(1)
	var empty = back.get("empty")
	if check(empty is SaveTypesInventory, "an empty Inventory"):
		check(empty.best == null, "a null Resource property stays null")
		check_eq(empty.items.size(), 0, "empty typed array")
		check(empty.items.get_typed_script() == SaveTypesItem, "empty items stays Array[SaveTypesItem]")
	var b = back.get("inventory")
	if not check(b is SaveTypesInventory, "an Inventory instance: %s" % var_to_str(back)):
		return
	check(b != inv, "a new instance, not the saved one")
	check_eq(b.owner_name, "Maverick")
	check_eq(b.items.size(), 4, "items")
	check(b.items.get_typed_script() == SaveTypesItem, "items stays Array[SaveTypesItem]")
	check_eq(b.items[0].name, "Sword")
	check(_same(b.items[0].payload, sword.payload), "untyped property keeps its value")
	check_eq(b.items[0].runtime_only, 7, "non-stored property has its default")
	check_eq(b.items[3].weight, 1.5, "defaults round-trip")
	check_eq(b.tags, inv.tags, "typed StringName array")
	check(b.tags.get_typed_builtin() == TYPE_STRING_NAME, "tags stays Array[StringName]")
	# Shared references stay shared: one instance wherever it was reachable.
	check(is_same(b.items[0], b.items[2]), "the same sword twice in the list is one instance")
	check(is_same(b.best, b.items[1]), "best is the shield of the list")
	check(is_same(b.by_slot[1], b.items[0]), "shared through an untyped Dictionary")
	check(is_same(b.by_slot["spare"][0], b.best), "shared through a nested Array")
	check(is_same(back["loose"][0], b.best), "shared across the data Dictionary")

func test_cycles_unknown_types_and_wrong_property_types_are_refused() -> void:
	_reset("bad_resources")
	_register_fixtures()
	_saved_ok(1, {"credits": 5})
	var a := SaveTypesChain.new()
	var b := SaveTypesChain.new()
	a.next = b
	b.next = a
	_refused({"chain": a}, ["data.chain.next.next is a Resource (SaveTypesChain) that contains itself"])
	b.next = null
	_refused({"x": {"@save_type": "SaveTypesMarker", "note": "hi"}}, ["data.x names type \"SaveTypesMarker\"", "not registered"])
	_refused({"x": {"@save_type": "SaveTypesItem", "count": "many"}}, ["data.x.count holds String but SaveTypesItem.count is declared int"])
	check(not FileAccess.file_exists(MARKER_PATH), "no marker")
	check_eq(_loaded(1), {"credits": 5}, "previous save untouched")

func test_plain_form_fills_defaults_and_skips_removed_properties() -> void:
	_reset("plain_form")
	_register_fixtures()
	# A Resource may also be given in its plain form; properties the script
	# does not declare (renamed or removed in a newer version) are skipped on
	# load, declared ones missing from the save keep their defaults.
	if _saved_ok(1, {"it": {"@save_type": "SaveTypesItem", "name": "Old", "old_label": "gone", "count": 3}}):
		var it = _loaded(1)["it"]
		check(it is SaveTypesItem, "instance")
		check_eq(it.name, "Old")
		check_eq(it.count, 3)
		check_eq(it.weight, 1.5, "missing property keeps its default")
		check(not "old_label" in it, "unknown property is not set")

func test_register_save_type_refuses_what_it_cannot_register() -> void:
	_reset("register")
	expect_errors_begin()
	check_eq(SaveGameManager.register_save_type("NoSuchClass"), false, "unknown name")
	check(SaveGameManager.get_last_error().contains("NoSuchClass is not a global class"), SaveGameManager.get_last_error())
	check_eq(SaveGameManager.register_save_type(SaveTypesNotAResource), false, "not a Resource")
	check(SaveGameManager.get_last_error().contains("not Resource"), SaveGameManager.get_last_error())
	check_eq(SaveGameManager.register_save_type(["SaveTypesItem", "res://evil.gd"]), false, "path instead of name")
	check_eq(SaveGameManager.register_save_type(SaveTypesItem.new()), false, "an instance")
	check_eq(SaveGameManager.register_save_type(42), false, "a number")
	expect_errors_end()
	check_eq(SaveGameManager.get_save_types(), PackedStringArray(), "nothing registered by a refused call")

## Bytes of a save naming SaveTypesBenign, with that name replaced by
## `replacement` (same length, so the rest of the file stays well-formed).
func _hostile_bytes(replacement: String) -> PackedByteArray:
	var enc := SaveGameManager.encode_save_data({"x": _benign()})
	check(enc.success, enc.error_message)
	var text: PackedByteArray = enc.bytes
	var find := "SaveTypesBenign".to_ascii_buffer()
	var swap := replacement.to_ascii_buffer()
	check_eq(find.size(), swap.size(), "same length")
	var hits := 0
	for i in range(text.size() - find.size() + 1):
		if text.slice(i, i + find.size()) == find:
			for j in swap.size():
				text[i + j] = swap[j]
			hits += 1
	check_eq(hits, 1, "the type name appears once")
	return text

func _benign() -> SaveTypesBenign:
	var b := SaveTypesBenign.new()
	b.note = "hello"
	return b

func test_hostile_saves_never_create_unregistered_types() -> void:
	_reset("hostile")
	DirAccess.remove_absolute(ProjectSettings.globalize_path(MARKER_PATH))
	check(SaveGameManager.register_save_type("SaveTypesBenign"), "register benign")
	var ok := SaveGameManager.decode_save_data(_hostile_bytes("SaveTypesBenign"))
	check(ok.success and ok.data.x.note == "hello", "the untouched bytes decode: %s" % ok.error_message)
	expect_errors_begin()
	var marker := SaveGameManager.decode_save_data(_hostile_bytes("SaveTypesMarker"))
	var path := SaveGameManager.decode_save_data(_hostile_bytes("res://x/evil.gd"))
	var garbage := SaveGameManager.decode_save_data(PackedByteArray([0xFF, 0x42, 0x53, 0x54, 0x52, 0x45, 0x45, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F]))
	expect_errors_end()
	check_eq(marker.success, false, "unregistered type refused")
	check(str(marker.error_message).contains("\"SaveTypesMarker\" is not registered"), marker.error_message)
	check_eq(path.success, false, "script path refused")
	check(str(path.error_message).contains("not a valid identifier"), path.error_message)
	check_eq(garbage.success, false, "garbage refused")
	check(not FileAccess.file_exists(MARKER_PATH), "SaveTypesMarker._init never ran")
	# Through a slot: saved while registered, loaded after the game stopped
	# registering the type.
	_saved_ok(1, {"x": _benign()})
	SaveGameManager.clear_save_types()
	var corrupt := []
	var on_corrupt := func(slot, details): corrupt.append([slot, details])
	SaveGameManager.corruption_detected.connect(on_corrupt)
	expect_errors_begin()
	var r := SaveGameManager.load_slot(1)
	expect_errors_end()
	SaveGameManager.corruption_detected.disconnect(on_corrupt)
	check_eq(r.success, false, "a slot naming an unregistered type is refused")
	check(str(r.error_message).contains("not registered"), r.error_message)
	check_eq(corrupt, [], "an unregistered type is not reported as corruption (a backup would not help)")
	check(not FileAccess.file_exists(MARKER_PATH), "no marker after load_slot")

func test_migrations_receive_and_return_the_plain_form() -> void:
	_reset("migration")
	_register_fixtures()
	_saved_ok(1, {"it": _item("Sword", 2)})
	SaveGameManager.game_schema_version = 1
	var seen := []
	# Version 1 renamed the item to upper case and doubled its count.
	SaveGameManager.register_migration(0, func(d):
		seen.append(d.duplicate(true))
		d["it"]["name"] = str(d["it"]["name"]).to_upper()
		d["it"]["count"] = d["it"]["count"] * 2
		return d)
	var r := SaveGameManager.load_slot(1)
	check(r.success and r.migrated, "migrated: %s" % r.error_message)
	check_eq(seen.size(), 1, "migration ran once")
	if seen.size() == 1:
		check_eq(seen[0]["it"], {"@save_type": "SaveTypesItem", "name": "Sword", "count": 2, "weight": 1.5, "payload": {}}, "plain form")
	var it = r.data.get("it")
	check(it is SaveTypesItem, "the result holds instances again")
	if it is SaveTypesItem:
		check_eq(it.name, "SWORD")
		check_eq(it.count, 4)
	check(_loaded(1)["it"].name == "SWORD", "the migrated save was written")

func test_a_migration_returning_objects_is_refused_and_the_save_kept() -> void:
	_reset("migration_objects")
	_register_fixtures()
	_saved_ok(1, {"n": 1})
	SaveGameManager.game_schema_version = 1
	SaveGameManager.register_migration(0, func(d):
		d["it"] = SaveTypesItem.new()
		return d)
	expect_errors_begin()
	var r := SaveGameManager.load_slot(1)
	expect_errors_end()
	check_eq(r.success, false, "refused")
	check(str(r.error_message).contains("data (returned by the migration from schema version 0).it is a Resource (SaveTypesItem)"), r.error_message)
	check_eq(SaveGameManager.get_slot_info(1).schema_version, 0, "the save was left at its version")
