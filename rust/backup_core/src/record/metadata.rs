//! What a save says about itself: who, where in the campaign, when. Stored in
//! the record's metadata section, covered by its checksum.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Metadata of a save slot. The game fills the descriptive fields; the store
/// fills the timestamps and the save counter.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SlotMetadata {
    /// The pilot's callsign (player name).
    pub pilot_callsign: String,
    /// The campaign the pilot is playing.
    pub campaign: String,
    /// The current or last mission.
    pub mission: String,
    /// Total play time in seconds.
    pub play_time_seconds: f64,
    /// The game's own schema version of the payload (for game-side migrations).
    pub game_schema_version: u32,
    /// When the slot was first saved (set by the store).
    pub created_at: Option<DateTime<Utc>>,
    /// When this copy was written (set by the store).
    pub modified_at: Option<DateTime<Utc>>,
    /// How many times the slot has been saved (set by the store).
    pub save_count: u64,
    /// Present on snapshot files: what the snapshot is.
    pub snapshot: Option<SnapshotInfo>,
    /// Anything else the game wants to show in a slot list.
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Why a snapshot exists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "trigger")]
pub enum SnapshotKind {
    /// Asked for by the player; never removed by retention.
    Manual,
    /// Made by a trigger (the trigger's name); subject to retention.
    Automated(String),
    /// Taken automatically before a restore overwrote the slot.
    PreRestore,
    /// Taken before a migration or an import replaced the slot.
    Safety,
}

impl SnapshotKind {
    /// Whether retention may remove this snapshot.
    pub fn is_automated(&self) -> bool {
        matches!(self, SnapshotKind::Automated(_))
    }
}

/// Identity and description of a snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SnapshotInfo {
    /// Sortable id, unique within the slot (also the file's stem).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Free text.
    #[serde(default)]
    pub description: String,
    /// Why it was made.
    pub kind: SnapshotKind,
    /// Context given by the trigger (mission name, achievement, ...).
    #[serde(default)]
    pub context: serde_json::Value,
    /// When it was made.
    pub created_at: DateTime<Utc>,
}
