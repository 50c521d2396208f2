## SaveGameManager compression and encryption: the inspector properties and
## their hints, key and passphrase from GDScript, save, load, rekey, a wrong
## key (its own error kind, no corruption signal, nothing on disk changed).
extends "res://tests/test_case.gd"

var events: Array = []

func before_all() -> void:
	for sig in ["corruption_detected", "load_completed", "save_completed"]:
		SaveGameManager.connect(sig, _record.bind(sig))

func after_all() -> void:
	_secure_off()

func _record(a = null, b = null, c = null, sig := "") -> void:
	var args := [a, b, c].filter(func(x): return x != null)
	var sig_name: String = args.pop_back() if sig == "" else sig
	events.append([sig_name, args])

func _secure_off() -> void:
	SaveGameManager.clear_encryption_key()
	SaveGameManager.compression = 0
	SaveGameManager.bind_to_installation = false
	SaveGameManager.require_encryption = false

func _reset(tag: String) -> void:
	_secure_off()
	SaveGameManager.save_root = fresh_root(tag)
	SaveGameManager.slot_count = 10
	SaveGameManager.backup_levels = 3
	events.clear()

func _key(byte: int) -> PackedByteArray:
	var k := PackedByteArray()
	k.resize(32)
	k.fill(byte)
	return k

func _folder() -> Dictionary:
	var out := {}
	var root := SaveGameManager.get_save_root_absolute()
	for name in DirAccess.get_files_at(root):
		if name.contains(".sav"):
			out[name] = FileAccess.get_file_as_bytes(root.path_join(name))
	return out

func test_inspector_properties_with_hints() -> void:
	var by_name := {}
	for p in SaveGameManager.get_property_list():
		by_name[p.name] = p
	for prop in ["compression", "encryption_key", "bind_to_installation", "require_encryption"]:
		if check(by_name.has(prop), "property %s" % prop):
			check(by_name[prop].usage & PROPERTY_USAGE_EDITOR, "%s shown in the inspector" % prop)
	if by_name.has("compression"):
		check_eq(by_name.compression.hint, PROPERTY_HINT_ENUM, "compression is an enum")
		check(by_name.compression.hint_string.contains("FAST"), "enum names: " + by_name.compression.hint_string)
	check_eq(by_name.encryption_key.type, TYPE_PACKED_BYTE_ARRAY, "key type")
	check_eq(SaveGameManager.compression, 0, "compression off by default")
	check_eq(SaveGameManager.bind_to_installation, false, "binding off by default")
	check_eq(SaveGameManager.compression_keys(), PackedStringArray(["off", "fast", "small"]), "names")

func test_save_load_rekey_and_wrong_key() -> void:
	_reset("security")
	SaveGameManager.compression = 1
	SaveGameManager.encryption_key = _key(7)
	check(SaveGameManager.has_encryption_key(), "key set")
	var data := {"credits": 4200, "secret": "the cake is a lie"}
	var saved := SaveGameManager.save_slot(1, data, {"pilot_callsign": "Maverick"})
	check(saved.success, "save: " + str(saved.error_message))
	check_eq(saved.error_kind, "", "no error kind on success")
	var on_disk := _printable(FileAccess.get_file_as_bytes(SaveGameManager.get_save_root_absolute().path_join("slot_1.sav")))
	check(on_disk.length() > 100, "the whole file was read")
	check(not on_disk.contains("the cake"), "payload is not readable on disk")
	check(on_disk.contains("Maverick"), "slot-list fields stay readable")
	var loaded := SaveGameManager.load_slot(1)
	check(loaded.success, "load: " + str(loaded.error_message))
	check_eq(loaded.data, data, "data round-trips")
	SaveGameManager.save_slot(1, {"credits": 1}, {"pilot_callsign": "Maverick"})

	var r := SaveGameManager.rekey(_key(9))
	check(r.success, "rekey: " + str(r.error_message))
	check(r.rewritten >= 2, "primary and backup rewritten: %s" % str(r))
	check_eq(SaveGameManager.encryption_key, _key(9), "the new key is in use")
	check_eq(SaveGameManager.load_slot(1).data, {"credits": 1}, "loads with the new key")

	var before := _folder()
	events.clear()
	SaveGameManager.encryption_key = _key(8)
	expect_errors_begin()
	var wrong := SaveGameManager.load_slot(1)
	var repaired := SaveGameManager.repair_save_slot(1)
	SaveGameManager.validate_save_slot(1)
	var cleaned := SaveGameManager.cleanup_saves()
	var bad_rekey := SaveGameManager.rekey(_key(1))
	expect_errors_end()
	check(not wrong.success, "wrong key fails")
	check_eq(wrong.error_kind, "authentication", "its own kind")
	check(str(wrong.error_message).begins_with("cannot decrypt: wrong key or modified file"), wrong.error_message)
	check(not bad_rekey.success and bad_rekey.error_kind == "authentication", "rekey refused: %s" % str(bad_rekey))
	var names := events.map(func(e): return e[0])
	check(not names.has("corruption_detected"), "a wrong key is not corruption: %s" % str(names))
	check(names.has("load_completed"), "load_completed reported the failure")
	check_eq(_folder(), before, "nothing on disk changed")
	var info := SaveGameManager.get_slot_info(1)
	check_eq(info.status, "locked", "slot info says locked")
	check_eq(info.pilot_callsign, "Maverick", "slot list readable without the key")
	check_eq(repaired, false, "repair refused")
	check(cleaned.success, "cleanup ran: %s" % str(cleaned))

	SaveGameManager.encryption_key = _key(9)
	check_eq(SaveGameManager.load_slot(1).data, {"credits": 1}, "right key: everything where it was")

func test_passphrase_and_plain_migration() -> void:
	_reset("passphrase")
	SaveGameManager.save_slot(2, {"v": 1}, {"pilot_callsign": "Old"})
	check(SaveGameManager.set_encryption_passphrase("open sesame"), "passphrase accepted")
	check_eq(SaveGameManager.load_slot(2).data, {"v": 1}, "plain save still loads")
	SaveGameManager.save_slot(2, {"v": 2}, {"pilot_callsign": "New"})
	check_eq(SaveGameManager.load_slot(2).data, {"v": 2}, "encrypted save loads")
	expect_errors_begin()
	check(not SaveGameManager.set_encryption_passphrase(""), "empty passphrase refused")
	SaveGameManager.clear_encryption_key()
	var locked := SaveGameManager.load_slot(2)
	expect_errors_end()
	check_eq(locked.error_kind, "authentication", "no key: authentication")

## The file's bytes as text, every byte kept (a NUL would end
## get_string_from_ascii() at the header), non-printable ones as ".".
func _printable(bytes: PackedByteArray) -> String:
	var text := PackedStringArray()
	for b in bytes:
		text.append(char(b) if b >= 32 and b < 127 else ".")
	return "".join(text)
