## A pilot: who is flying and what they have earned. Saved directly inside a
## save slot (SaveFlowCoordinator registers the type with
## SaveGameManager.register_save_type): only the @export properties are
## stored, and loading creates the Resource from this script, never from a
## path in the file. to_dict()/from_dict() remain for the plain-Dictionary way
## and for saves written by the earlier sample.
class_name PlayerProfile
extends Resource

## The pilot's callsign, shown in the slot list and in backups.
@export var callsign: String = ""
## Save slot this pilot lives in (-1 until first saved).
@export var save_slot: int = -1
## Total seconds spent in missions.
@export var play_time_seconds: float = 0.0
## Missions flown to completion.
@export var missions_flown: int = 0
## Kills over the whole career.
@export var total_kills: int = 0
## Medals earned, by name.
@export var medals: PackedStringArray = PackedStringArray()
## Unix time the pilot was created.
@export var created_at: int = 0


## The profile as plain data for SaveGameManager.save_slot().
func to_dict() -> Dictionary:
	return {
		"callsign": callsign,
		"save_slot": save_slot,
		"play_time_seconds": play_time_seconds,
		"missions_flown": missions_flown,
		"total_kills": total_kills,
		"medals": Array(medals),
		"created_at": created_at,
	}


## Rebuilds a profile from to_dict() output. Missing or mistyped fields keep
## their defaults: a save written by an older game still loads.
static func from_dict(data: Dictionary) -> PlayerProfile:
	var p := PlayerProfile.new()
	p.callsign = str(data.get("callsign", ""))
	p.save_slot = _int(data.get("save_slot"), -1)
	p.play_time_seconds = _float(data.get("play_time_seconds"), 0.0)
	p.missions_flown = _int(data.get("missions_flown"), 0)
	p.total_kills = _int(data.get("total_kills"), 0)
	var medal_list = data.get("medals", [])
	if medal_list is Array or medal_list is PackedStringArray:
		# Build locally and assign: packed arrays are values, so appending
		# through another object's property would change a copy.
		var names := PackedStringArray()
		for m in medal_list:
			names.append(str(m))
		p.medals = names
	p.created_at = _int(data.get("created_at"), 0)
	return p


static func _int(value, fallback: int) -> int:
	if value is int or value is float:
		return int(value)
	return fallback


static func _float(value, fallback: float) -> float:
	if value is int or value is float:
		return float(value)
	return fallback
