//! Every conversion between Godot values and backup_core types lives here,
//! so that the Dictionary keys scripts see are defined in one place.

use backup_core::{CopyRole, FileCheck, FileStatus, SlotInfo, SlotMetadata, SnapshotKind, Stats};
use chrono::{DateTime, Utc};
use godot::prelude::*;
use serde_json::{Map, Number, Value};

/// Keys of the `info` Dictionary that map onto [`SlotMetadata`] fields; any
/// other key is kept in `extra`.
const INFO_FIELDS: [&str; 4] = ["pilot_callsign", "campaign", "mission", "play_time_seconds"];

/// Unix seconds of an optional time; 0 when unknown (what
/// `Time.get_datetime_string_from_unix_time` shows as 1970 and scripts can test).
pub fn unix(time: Option<DateTime<Utc>>) -> i64 {
    time.map(|t| t.timestamp()).unwrap_or(0)
}

/// Converts a plain Godot value to JSON. Values JSON cannot hold (vectors,
/// objects, ...) become their text form, so metadata never fails to encode.
pub fn variant_to_json(value: &Variant) -> Value {
    match value.get_type() {
        VariantType::NIL => Value::Null,
        VariantType::BOOL => Value::Bool(value.to::<bool>()),
        VariantType::INT => Value::from(value.to::<i64>()),
        VariantType::FLOAT => Number::from_f64(value.to::<f64>())
            .map(Value::Number)
            .unwrap_or(Value::Null),
        VariantType::STRING | VariantType::STRING_NAME | VariantType::NODE_PATH => {
            Value::String(value.stringify().to_string())
        }
        VariantType::ARRAY => Value::Array(
            value
                .to::<AnyArray>()
                .iter_shared()
                .map(|v| variant_to_json(&v))
                .collect(),
        ),
        VariantType::DICTIONARY => Value::Object(dict_to_json(&value.to::<VarDictionary>())),
        _ => Value::String(value.stringify().to_string()),
    }
}

/// Converts a Dictionary to a JSON object (keys by their text form).
pub fn dict_to_json(dict: &VarDictionary) -> Map<String, Value> {
    dict.iter_shared()
        .map(|(k, v)| (k.stringify().to_string(), variant_to_json(&v)))
        .collect()
}

/// Converts JSON back to a Godot value.
pub fn json_to_variant(value: &Value) -> Variant {
    match value {
        Value::Null => Variant::nil(),
        Value::Bool(b) => b.to_variant(),
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_variant(),
            None => n.as_f64().unwrap_or(0.0).to_variant(),
        },
        Value::String(s) => s.to_variant(),
        Value::Array(items) => {
            let mut array = VarArray::new();
            for item in items {
                array.push(&json_to_variant(item));
            }
            array.to_variant()
        }
        Value::Object(map) => json_map_to_dict(map).to_variant(),
    }
}

/// Converts a JSON object to a Dictionary.
pub fn json_map_to_dict(map: &Map<String, Value>) -> VarDictionary {
    let mut dict = VarDictionary::new();
    for (k, v) in map {
        dict.set(k.as_str(), &json_to_variant(v));
    }
    dict
}

/// Builds slot metadata from a script's `info` Dictionary: the known keys
/// (`pilot_callsign`, `campaign`, `mission`, `play_time_seconds`) fill their
/// fields, everything else goes to `extra`.
pub fn metadata_from_info(info: &VarDictionary, schema_version: u32) -> SlotMetadata {
    let text = |key: &str| {
        info.get(key)
            .map(|v| v.stringify().to_string())
            .unwrap_or_default()
    };
    let play_time = info
        .get("play_time_seconds")
        .and_then(|v| v.try_to::<f64>().ok())
        .filter(|t| t.is_finite() && *t >= 0.0)
        .unwrap_or(0.0);
    let extra = dict_to_json(info)
        .into_iter()
        .filter(|(k, _)| !INFO_FIELDS.contains(&k.as_str()))
        .collect();
    SlotMetadata {
        pilot_callsign: text("pilot_callsign"),
        campaign: text("campaign"),
        mission: text("mission"),
        play_time_seconds: play_time,
        game_schema_version: schema_version,
        extra,
        ..Default::default()
    }
}

/// The `info` Dictionary of a slot, as scripts read it back.
pub fn metadata_to_dict(meta: &SlotMetadata) -> VarDictionary {
    vdict! {
        "pilot_callsign" => meta.pilot_callsign.as_str(),
        "campaign" => meta.campaign.as_str(),
        "mission" => meta.mission.as_str(),
        "play_time_seconds" => meta.play_time_seconds,
        "schema_version" => i64::from(meta.game_schema_version),
        "created_at" => unix(meta.created_at),
        "modified_at" => unix(meta.modified_at),
        "save_count" => meta.save_count as i64,
        "extra" => &json_map_to_dict(&meta.extra),
    }
}

/// Short status word and details of one verified file.
pub fn status_of(check: &FileCheck) -> (&'static str, String) {
    match &check.status {
        FileStatus::Valid { .. } => ("valid", String::new()),
        FileStatus::Missing => ("missing", String::new()),
        FileStatus::Corrupt {
            reason,
            newer_version: true,
        } => ("newer_version", reason.clone()),
        FileStatus::Corrupt { reason, .. } => ("corrupt", reason.clone()),
        FileStatus::Unreadable { reason } => ("unreadable", reason.clone()),
        FileStatus::Locked { reason, .. } => ("locked", reason.clone()),
    }
}

/// One rolling backup of a slot.
pub fn backup_to_dict(index: usize, check: &FileCheck) -> VarDictionary {
    let (status, details) = status_of(check);
    vdict! {
        "backup_index" => index as i64,
        "exists" => check.exists(),
        "valid" => check.is_valid(),
        "status" => status,
        "error_details" => details.as_str(),
        "size_bytes" => check.size.unwrap_or(0) as i64,
        "written_at" => unix(check.written_at()),
    }
}

/// One snapshot of a slot (manual, automated or safety copy).
pub fn snapshot_to_dict(check: &FileCheck) -> VarDictionary {
    let (status, details) = status_of(check);
    let id = match &check.role {
        CopyRole::Snapshot(id) => id.as_str(),
        _ => "",
    };
    let info = check.metadata().and_then(|m| m.snapshot.as_ref());
    let (kind, trigger) = match info.map(|i| &i.kind) {
        Some(SnapshotKind::Manual) => ("manual", ""),
        Some(SnapshotKind::Automated(trigger)) => ("automated", trigger.as_str()),
        Some(SnapshotKind::PreRestore) => ("pre_restore", ""),
        Some(SnapshotKind::Safety) => ("safety", ""),
        None => ("unknown", ""),
    };
    let context = match info.map(|i| &i.context) {
        Some(serde_json::Value::Object(map)) => json_map_to_dict(map),
        _ => VarDictionary::new(),
    };
    vdict! {
        "snapshot_id" => id,
        "name" => info.map(|i| i.name.as_str()).unwrap_or(""),
        "description" => info.map(|i| i.description.as_str()).unwrap_or(""),
        "kind" => kind,
        "trigger" => trigger,
        "context" => &context,
        "created_at" => unix(info.map(|i| i.created_at)),
        "valid" => check.is_valid(),
        "status" => status,
        "error_details" => details.as_str(),
        "size_bytes" => check.size.unwrap_or(0) as i64,
        "written_at" => unix(check.written_at()),
        "pilot_callsign" => check.metadata().map(|m| m.pilot_callsign.as_str()).unwrap_or(""),
    }
}

/// What `SaveGameManager.get_slot_info()` returns.
pub fn slot_info_to_dict(info: &SlotInfo) -> VarDictionary {
    let (status, details) = status_of(&info.primary);
    let mut backups = VarArray::new();
    for (i, b) in info.backups.iter().enumerate() {
        backups.push(&backup_to_dict(i, b).to_variant());
    }
    let meta = info.metadata().cloned().unwrap_or_default();
    let mut dict = vdict! {
        "save_slot" => i64::from(info.slot),
        "exists" => info.primary.exists(),
        "healthy" => info.is_healthy(),
        "status" => status,
        "error_details" => details.as_str(),
        "size_bytes" => info.primary.size.unwrap_or(0) as i64,
        "checksum" => i64::from(info.primary.checksum().unwrap_or(0)),
        "backup_count" => info.existing_backups() as i64,
        "valid_backups" => info.valid_backups() as i64,
        "has_backups" => info.valid_backups() > 0,
        "snapshot_count" => info.snapshot_count as i64,
        "has_interrupted_write" => info.has_interrupted_write,
        "backups" => &backups,
    };
    dict.extend_dictionary(&metadata_to_dict(&meta), true);
    dict
}

/// Operation counters, keyed by operation name.
pub fn stats_to_dict(stats: &Stats) -> VarDictionary {
    let mut dict = VarDictionary::new();
    for (kind, op) in stats.iter() {
        dict.set(
            kind.name(),
            &vdict! {
                "count" => op.count as i64,
                "failures" => op.failures as i64,
                "bytes" => op.bytes as i64,
                "average_ms" => op.average_micros() as f64 / 1000.0,
                "max_ms" => op.max_micros as f64 / 1000.0,
            },
        );
    }
    let total = stats.total();
    dict.set("total_operations", total.count as i64);
    dict.set("total_failures", total.failures as i64);
    dict
}

/// A Dictionary parameter that may be left out by the caller (`context:
/// Dictionary = {}` in the spec). gdext only allows defaults of immutable
/// types; the default here is an empty, read-only Dictionary.
#[derive(Debug, Clone, Default)]
pub struct OptDict(pub VarDictionary);

impl godot::meta::GodotConvert for OptDict {
    type Via = VarDictionary;

    fn godot_shape() -> godot::meta::shape::GodotShape {
        <VarDictionary as godot::meta::GodotConvert>::godot_shape()
    }
}

impl godot::meta::ToGodot for OptDict {
    type Pass = godot::meta::conv::ByValue;

    fn to_godot(&self) -> VarDictionary {
        self.0.clone()
    }
}

impl godot::meta::FromGodot for OptDict {
    fn try_from_godot(via: VarDictionary) -> Result<Self, godot::meta::error::ConvertError> {
        Ok(OptDict(via))
    }
}

// SAFETY: the default instance is made read-only before it is shared, so no
// caller can mutate it; Godot's Dictionary reference count is atomic.
unsafe impl godot::meta::GodotImmutable for OptDict {
    fn into_runtime_immutable(self) -> Self {
        OptDict(self.0.into_read_only())
    }
}

/// Converts any core result (its serde field names are the spec's keys) to a
/// Dictionary. Every core result type serialises to a JSON object; anything
/// else (which would be a bug) becomes `{"value": ...}` instead of a panic.
pub fn to_dict<T: serde::Serialize>(value: &T) -> VarDictionary {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => json_map_to_dict(&map),
        Ok(other) => vdict! { "value" => &json_to_variant(&other) },
        Err(e) => vdict! { "error_message" => e.to_string().as_str() },
    }
}

/// `success` and `error_message` of a result Dictionary (false and empty
/// when absent), for the signal that reports it.
pub fn outcome_of(result: &VarDictionary) -> (bool, GString) {
    let ok = result
        .get("success")
        .and_then(|v| v.try_to::<bool>().ok())
        .unwrap_or(false);
    let message = result
        .get("error_message")
        .map(|v| v.stringify())
        .unwrap_or_default();
    (ok, message)
}
