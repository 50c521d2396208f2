## Autoload "GameStateManager": the game's top-level state machine.
##
## A BackupFlowCoordinator connects to `state_changed` by itself (in its
## _ready) and, with enable_event_backups on, makes an automated backup on
## MISSION_COMPLETE (trigger MISSION_COMPLETE) and SHUTDOWN (GAME_SHUTDOWN).
## Other states make none: the sample's main scene asks for the
## CAMPAIGN_MILESTONE backup itself. Quitting goes through request_shutdown()
## (also on the window's close button), so the GAME_SHUTDOWN backup is written
## before the tree quits.
extends Node

enum GameState {
	MAIN_MENU,
	PILOT_SELECTION,
	BRIEFING,
	MISSION,
	MISSION_COMPLETE,
	CAMPAIGN_MILESTONE,
	DEBRIEFING,
	SHUTDOWN,
}

## Emitted after every accepted transition. Listeners run synchronously, so
## anything they write (a backup) is on disk before change_state() returns.
signal state_changed(old_state: GameState, new_state: GameState)
## A transition was refused (not allowed from the current state).
signal state_change_refused(from_state: GameState, to_state: GameState)
## request_shutdown() finished its SHUTDOWN transition and is about to quit.
signal shutdown_completed

## Allowed transitions. SHUTDOWN is reachable from every state.
const TRANSITIONS := {
	GameState.MAIN_MENU: [GameState.PILOT_SELECTION, GameState.BRIEFING],
	GameState.PILOT_SELECTION: [GameState.MAIN_MENU, GameState.BRIEFING],
	GameState.BRIEFING: [GameState.MISSION, GameState.MAIN_MENU],
	GameState.MISSION: [GameState.MISSION_COMPLETE, GameState.MAIN_MENU],
	GameState.MISSION_COMPLETE: [GameState.CAMPAIGN_MILESTONE, GameState.DEBRIEFING, GameState.MAIN_MENU],
	GameState.CAMPAIGN_MILESTONE: [GameState.DEBRIEFING, GameState.MAIN_MENU],
	GameState.DEBRIEFING: [GameState.MAIN_MENU, GameState.BRIEFING],
	GameState.SHUTDOWN: [],
}

## Current state.
var current_state: GameState = GameState.MAIN_MENU
## States entered so far, oldest first (bounded).
var state_history: Array[GameState] = [GameState.MAIN_MENU]
## When false, request_shutdown() stops after the SHUTDOWN transition instead
## of quitting the tree (tests and embedding use this).
var quit_on_shutdown := true

const HISTORY_LIMIT := 64


func _ready() -> void:
	# The close button must go through the clean-shutdown path.
	get_tree().set_auto_accept_quit(false)


func _notification(what: int) -> void:
	if what == NOTIFICATION_WM_CLOSE_REQUEST:
		request_shutdown()


## Moves to `new_state` if allowed from the current one. Returns false (and
## emits state_change_refused) otherwise.
func change_state(new_state: GameState) -> bool:
	if not can_change_to(new_state):
		state_change_refused.emit(current_state, new_state)
		return false
	var old_state := current_state
	current_state = new_state
	state_history.append(new_state)
	if state_history.size() > HISTORY_LIMIT:
		state_history.pop_front()
	state_changed.emit(old_state, new_state)
	return true


## Whether change_state(new_state) would be accepted now.
func can_change_to(new_state: GameState) -> bool:
	if current_state == GameState.SHUTDOWN:
		return false
	if new_state == GameState.SHUTDOWN:
		return true
	return new_state in TRANSITIONS.get(current_state, [])


## Clean shutdown: enter SHUTDOWN (the coordinator writes the GAME_SHUTDOWN
## backup while handling state_changed), then quit. Calling it twice is
## harmless.
func request_shutdown() -> void:
	if current_state == GameState.SHUTDOWN:
		return
	change_state(GameState.SHUTDOWN)
	shutdown_completed.emit()
	if quit_on_shutdown:
		get_tree().quit()


## Display name of a state ("MISSION_COMPLETE").
func state_name(state: GameState) -> String:
	return GameState.keys()[state]


## Back to MAIN_MENU from any state, for a new session in the same process
## (an aborted quit, tests).
func reset_to_main_menu() -> void:
	if current_state == GameState.MAIN_MENU:
		return
	var old_state := current_state
	current_state = GameState.MAIN_MENU
	state_history.append(current_state)
	state_changed.emit(old_state, current_state)
