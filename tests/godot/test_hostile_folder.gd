## A save folder the game does not control: what start-up recovery did
## reaches the game, links, FIFOs and directories where files belong are
## refused without hanging, exports never replace a non-regular file or
## device, and a save from a newer game is never restored over. FIFOs are
## made with mkfifo (Linux, macOS); Windows has none, and its symbolic links
## need Developer Mode (Wine 8 cannot make them): those parts are skipped
## there, with the reason.
extends "res://tests/test_case.gd"

func _root_abs() -> String:
	return SaveGameManager.get_save_root_absolute()

func _reset(tag: String) -> void:
	SaveGameManager.save_root = fresh_root(tag)
	SaveGameManager.slot_count = 10
	SaveGameManager.backup_levels = 3
	SaveGameManager.game_schema_version = 0
	SaveGameManager.clear_migrations()

## Closes the folder, so that the next call opens it again (as a new session).
func _reopen() -> void:
	SaveGameManager.save_root = SaveGameManager.save_root

func _read(path: String) -> PackedByteArray:
	return FileAccess.get_file_as_bytes(path)

func _write(path: String, bytes: PackedByteArray) -> void:
	var f := FileAccess.open(path, FileAccess.WRITE)
	f.store_buffer(bytes)
	f.close()

func _crc32(bytes: PackedByteArray) -> int:
	var crc := 0xFFFFFFFF
	for b in bytes:
		crc = crc ^ b
		for _i in 8:
			if crc & 1:
				crc = (crc >> 1) ^ 0xEDB88320
			else:
				crc = crc >> 1
	return crc ^ 0xFFFFFFFF

## The same record, claiming a newer format version (header CRC fixed up).
func _newer_format(record: PackedByteArray) -> PackedByteArray:
	var bytes := record.duplicate()
	bytes.encode_u16(4, bytes.decode_u16(4) + 1)
	bytes.encode_u32(28, _crc32(bytes.slice(0, 28)))
	return bytes

func test_a_complete_write_found_at_start_up_reaches_the_game() -> void:
	_reset("hostile_startup")
	check(SaveGameManager.save_slot(0, {"n": 1}, {"pilot_callsign": "Viper"}).success, "saved")
	_reopen()
	var root := _root_abs()
	# A 12-slot build crashed while saving slot 11; a foreign notes.tmp next to it.
	_write(root.path_join("slot_11.sav.tmp"), _read(root.path_join("slot_0.sav")))
	_write(root.path_join("notes.tmp"), "player notes".to_utf8_buffer())
	DirAccess.make_dir_absolute(root.path_join("x.tmp"))
	var loaded := SaveGameManager.load_slot(0)
	check(loaded.success, "load works: %s" % loaded.get("error_message", ""))
	var actions: Array = loaded.get("startup_actions", [])
	check_eq(actions.size(), 1, "one start-up action in the first result")
	if actions.size() == 1:
		check_eq(actions[0].get("action"), "promoted_interrupted_write", "action")
		check_eq(actions[0].get("slot"), 11, "slot beyond the slot count")
		check(str(actions[0].get("description")).contains("slot 11"), "described")
	check_eq(SaveGameManager.get_startup_actions().size(), 1, "get_startup_actions")
	check(not SaveGameManager.load_slot(0).has("startup_actions"), "only the first result")
	check(FileAccess.file_exists(root.path_join("slot_11.sav")), "slot 11 finished")
	check_eq(_read(root.path_join("notes.tmp")).get_string_from_utf8(), "player notes", "notes.tmp untouched")
	check(DirAccess.dir_exists_absolute(root.path_join("x.tmp")), "x.tmp untouched")
	check(SaveGameManager.save_slot(1, {"n": 2}).success, "a foreign x.tmp fails no writer")

## A symbolic link at `link` to `target`: DirAccess.create_link (bound from
## Godot 4.3 on, called by name so that the suite parses on 4.2), else `ln -s`.
func _make_link(target: String, link: String) -> Error:
	var dir := DirAccess.open(link.get_base_dir())
	if dir.has_method("create_link"):
		return dir.call("create_link", target, link)
	if on_windows():
		return ERR_UNAVAILABLE
	return OK if OS.execute("ln", ["-s", target, link]) == 0 else FAILED

func test_a_symlinked_quarantine_is_refused() -> void:
	_reset("hostile_link")
	check(SaveGameManager.save_slot(0, {"n": 1}).success, "saved")
	check(SaveGameManager.save_slot(0, {"n": 2}).success, "saved again")
	var root := _root_abs()
	var elsewhere := ProjectSettings.globalize_path(fresh_root("hostile_elsewhere"))
	var made := _make_link(elsewhere, root.path_join("quarantine"))
	if made != OK and on_windows():
		skip("no symbolic link could be made (%s): Windows needs Developer Mode or an administrator, Wine 8 has no support" % error_string(made))
		return
	check_eq(made, OK, "link made")
	if on_windows() and not DirAccess.open(root).call("is_link", root.path_join("quarantine")):
		# Wine 8 makes a Unix link that Windows programs see as a plain
		# folder (no reparse point): nothing on the Windows side can tell.
		skip("the link was made but Windows reports no reparse point on it (Wine 8), so no program can see it as a link")
		return
	var bytes := _read(root.path_join("slot_0.sav"))
	bytes[bytes.size() - 2] ^= 0x5A
	_write(root.path_join("slot_0.sav"), bytes)
	expect_errors_begin()
	var repaired := SaveGameManager.repair_save_slot(0)
	expect_errors_end()
	check(not repaired, "repair refused")
	check(SaveGameManager.get_last_error().contains("symbolic link"), SaveGameManager.get_last_error())
	check(SaveGameManager.get_last_error().contains("quarantine"), "names the path")
	check_eq(DirAccess.get_files_at(elsewhere).size(), 0, "nothing written through the link")
	check_eq(_read(root.path_join("slot_0.sav")), bytes, "damaged save left as it was")

func test_a_directory_where_a_slot_file_belongs_is_refused() -> void:
	_reset("hostile_dir")
	check(SaveGameManager.save_slot(0, {"n": 1}).success, "saved")
	var root := _root_abs()
	DirAccess.make_dir_absolute(root.path_join("slot_3.sav"))
	var slots: Array = SaveGameManager.list_slots()
	check(slots.size() >= 1, "list_slots returned")
	expect_errors_begin()
	var loaded := SaveGameManager.load_slot(3)
	var saved := SaveGameManager.save_slot(3, {"n": 3})
	expect_errors_end()
	check(not loaded.success, "a directory is not a save")
	check(str(loaded.error_message).contains("slot_3.sav"), str(loaded.error_message))
	check(not saved.success, "no save replaces a directory: %s" % str(saved))
	check(DirAccess.dir_exists_absolute(root.path_join("slot_3.sav")), "the directory is left alone")
	check(SaveGameManager.load_slot(0).success, "the other slot still loads")

func test_a_fifo_slot_file_does_not_hang() -> void:
	if on_windows():
		skip("Windows has no FIFOs in the file system")
		return
	_reset("hostile_fifo")
	check(SaveGameManager.save_slot(0, {"n": 1}).success, "saved")
	var root := _root_abs()
	check_eq(OS.execute("mkfifo", [root.path_join("slot_3.sav")]), 0, "fifo made")
	var slots: Array = SaveGameManager.list_slots()
	check(slots.size() >= 1, "list_slots returned")
	expect_errors_begin()
	var loaded := SaveGameManager.load_slot(3)
	expect_errors_end()
	check(not loaded.success, "a FIFO is not a save")
	check(str(loaded.error_message).contains("FIFO"), str(loaded.error_message))

func test_export_to_a_non_regular_target_is_refused() -> void:
	var c = new_coordinator("hostile_export")
	check(SaveGameManager.save_slot(1, {"n": 1}).success, "saved")
	var outside := ProjectSettings.globalize_path(fresh_root("hostile_export_out"))
	var directory := outside.path_join("folder.json")
	DirAccess.make_dir_absolute(directory)
	# A device: /dev/full on Linux and macOS, NUL on Windows.
	var device := "NUL" if on_windows() else "/dev/full"
	expect_errors_begin()
	var to_device: Dictionary = c.export_backup(1, device, true)
	var to_directory: Dictionary = c.export_backup(1, directory, true)
	var into_root: Dictionary = c.export_backup(1, _root_abs().path_join("slot_7.sav"), true)
	expect_errors_end()
	check(not to_device.success and str(to_device.error_message).contains("not a regular file"), str(to_device))
	check(not to_directory.success and str(to_directory.error_message).contains("not a regular file"), str(to_directory))
	check(DirAccess.dir_exists_absolute(directory), "the directory is left alone")
	check(not into_root.success and str(into_root.error_message).contains("inside the save folder"), str(into_root))
	check(not FileAccess.file_exists(_root_abs().path_join("slot_7.sav")), "no phantom slot")
	var ok: Dictionary = c.export_backup(1, outside.path_join("ok.json"), true)
	check(ok.success, str(ok))
	if on_windows():
		skip("Windows has no FIFOs: the export to a FIFO was not tried")
		return
	var fifo := outside.path_join("pipe.json")
	check_eq(OS.execute("mkfifo", [fifo]), 0, "fifo made")
	expect_errors_begin()
	var to_fifo: Dictionary = c.export_backup(1, fifo, true)
	expect_errors_end()
	check(not to_fifo.success and str(to_fifo.error_message).contains("not a regular file"), str(to_fifo))

func test_restore_over_a_newer_format_save_is_refused() -> void:
	_reset("hostile_newer")
	check(SaveGameManager.save_slot(0, {"n": 1}).success, "saved")
	check(SaveGameManager.save_slot(0, {"n": 2}).success, "saved again")
	var primary := _root_abs().path_join("slot_0.sav")
	var newer := _newer_format(_read(primary))
	_write(primary, newer)
	expect_errors_begin()
	var restored := SaveGameManager.restore_save_backup(0, 0)
	expect_errors_end()
	check(not restored, "restore refused")
	check(SaveGameManager.get_last_error().contains("newer"), SaveGameManager.get_last_error())
	check_eq(_read(primary), newer, "the newer game's save is untouched")
	check(not DirAccess.dir_exists_absolute(_root_abs().path_join("quarantine")), "nothing quarantined")
