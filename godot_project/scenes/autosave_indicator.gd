## A small "saving..." label in the corner while autosaves are on their way
## to the disk (SaveFlowCoordinator.autosave_started / autosave_finished).
## Restyle it in autosave_indicator.tscn.
class_name AutosaveIndicator
extends CanvasLayer

@onready var label: Label = %SavingLabel

## Autosaves started and not finished yet.
var pending: Dictionary = {}


func _ready() -> void:
	label.visible = false
	SaveFlowCoordinator.autosave_started.connect(_on_started)
	SaveFlowCoordinator.autosave_finished.connect(_on_finished)


## Whether the indicator is showing.
func is_showing() -> bool:
	return label.visible


func _on_started(request_id: int) -> void:
	pending[request_id] = true
	label.visible = true


func _on_finished(request_id: int, _success: bool) -> void:
	pending.erase(request_id)
	label.visible = not pending.is_empty()
