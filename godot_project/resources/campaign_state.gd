## Where a pilot stands in a campaign. Saved directly as a registered Resource
## (see PlayerProfile); to_dict()/from_dict() give the plain-Dictionary form.
class_name CampaignState
extends Resource

## Missions of the sample campaign, in order. Every third one is a milestone
## (end of an act), which the game treats as a campaign checkpoint.
const MISSIONS := [
	"Training Run", "Patrol Alpha", "Destroy the Lucifer",
	"Convoy Escort", "Nebula Ambush", "Deep Strike",
]
const MILESTONE_EVERY := 3

## Campaign display name.
@export var campaign_name: String = "Vega Campaign"
## Index into MISSIONS of the next mission to fly.
@export var current_mission_index: int = 0
## Names of completed missions, in order.
@export var completed_missions: PackedStringArray = PackedStringArray()
## Score per completed mission, keyed by mission name.
@export var mission_scores: Dictionary = {}


## Name of the next mission ("Campaign complete" when all are flown).
func current_mission() -> String:
	if is_complete():
		return "Campaign complete"
	return MISSIONS[current_mission_index]


## True when every mission has been flown.
func is_complete() -> bool:
	return current_mission_index >= MISSIONS.size()


## Records the current mission as completed with `score` and advances.
## Returns a Dictionary {mission, score, milestone, campaign_complete};
## empty when the campaign is already complete.
func complete_current_mission(score: int) -> Dictionary:
	if is_complete():
		return {}
	var mission := current_mission()
	completed_missions.append(mission)
	mission_scores[mission] = score
	current_mission_index += 1
	return {
		"mission": mission,
		"score": score,
		"milestone": current_mission_index % MILESTONE_EVERY == 0,
		"campaign_complete": is_complete(),
	}


## The campaign as plain data.
func to_dict() -> Dictionary:
	return {
		"campaign_name": campaign_name,
		"current_mission_index": current_mission_index,
		"completed_missions": Array(completed_missions),
		"mission_scores": mission_scores.duplicate(),
	}


## Rebuilds a campaign from to_dict() output; bad fields keep defaults and the
## mission index is clamped into range.
static func from_dict(data: Dictionary) -> CampaignState:
	var c := CampaignState.new()
	c.campaign_name = str(data.get("campaign_name", c.campaign_name))
	var index = data.get("current_mission_index", 0)
	if index is int or index is float:
		c.current_mission_index = clampi(int(index), 0, MISSIONS.size())
	var done = data.get("completed_missions", [])
	if done is Array or done is PackedStringArray:
		var names := PackedStringArray()
		for m in done:
			names.append(str(m))
		c.completed_missions = names
	var scores = data.get("mission_scores", {})
	if scores is Dictionary:
		c.mission_scores = scores.duplicate()
	return c
