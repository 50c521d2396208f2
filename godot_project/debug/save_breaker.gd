## Debug helper behind the "Break a save" button: damages a slot's file on
## disk the way real failures do, so the corruption detection and the
## recovery wizard can be tried. Only the primary save file is touched; its
## rolling backups are left alone, so there is something to recover from.
class_name SaveBreaker
extends RefCounted

enum Damage { FLIP_BYTES, TRUNCATE, DELETE }

const DAMAGE_NAMES := ["Flip bytes", "Truncate", "Delete file"]


## Absolute path of the primary save file of `slot`.
static func slot_path(slot: int) -> String:
	return SaveGameManager.get_save_root_absolute().path_join("slot_%d.sav" % slot)


## Applies `damage` to the save file of `slot`. Returns "" on success, or
## what went wrong.
static func break_slot(slot: int, damage: Damage) -> String:
	var path := slot_path(slot)
	if not FileAccess.file_exists(path):
		return "slot %d has no save file at %s" % [slot, path]
	match damage:
		Damage.DELETE:
			var err := DirAccess.remove_absolute(path)
			return "" if err == OK else "could not delete %s: %s" % [path, error_string(err)]
		Damage.TRUNCATE:
			var bytes := FileAccess.get_file_as_bytes(path)
			return _write(path, bytes.slice(0, bytes.size() >> 1))
		Damage.FLIP_BYTES:
			var bytes := FileAccess.get_file_as_bytes(path)
			if bytes.is_empty():
				return "%s is empty" % path
			# Flip bytes both in the header and in the payload, so that either
			# checksum catches it.
			for offset in [bytes.size() >> 1, bytes.size() - 1, mini(8, bytes.size() - 1)]:
				bytes[offset] = bytes[offset] ^ 0xFF
			return _write(path, bytes)
	return "unknown damage %d" % damage


static func _write(path: String, bytes: PackedByteArray) -> String:
	var f := FileAccess.open(path, FileAccess.WRITE)
	if f == null:
		return "could not write %s: %s" % [path, error_string(FileAccess.get_open_error())]
	f.store_buffer(bytes)
	f.close()
	return ""
