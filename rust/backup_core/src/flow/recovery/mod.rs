//! Recovery assistance: what is on disk for the slots in trouble, what can
//! be done, how much could be lost, the wizard steps for each scenario of the
//! spec, and automatic recovery.
//!
//! # Scope of an analysis
//! A context with `"save_slot": n` limits the analysis to slot `n` (checked
//! against the store's slot count). Without it, every used slot is looked at
//! and the scenario decides which are affected: corrupted/missing saves and
//! total loss look at slots whose primary cannot be loaded; pilot and campaign
//! corruption (detected by the game inside a save that passes its checksum)
//! look at every slot, optionally filtered by `pilot_callsign` / `campaign`.
//!
//! # Data-loss risk
//! * **high**: an affected slot has no valid copy to recover from.
//! * **medium**: the newest valid copy is more than 24 hours old, or it is the
//!   only valid copy. (The game cannot tell how much play went into a lost save,
//!   so a long pause between sessions also reads as medium.)
//! * **low**: otherwise, or when nothing is affected.
//!
//! # Automatic recovery
//! [`attempt_automatic_recovery`] tries, in order: the newest valid rolling
//! backup, older levels, the newest valid snapshot (then older ones), and a
//! complete interrupted write. The damaged primary is moved to quarantine and
//! a different valid primary is kept as a pre-restore snapshot: nothing is
//! deleted.

mod automatic;
mod wizard;

pub use automatic::{attempt_automatic_recovery, RecoveryAttempt};
pub use wizard::{wizard, RecoveryWizard, WizardStep};

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::flow::triggers::RecoveryScenario;
use crate::record::layout::Layout;
use crate::store::SlotStore;
use crate::store::{Candidate, RecoverySource};
use crate::store::{CopyRole, FileCheck, FileStatus};

const FRESH_COPY_HOURS: i64 = 24;
/// Snapshot restore options offered per slot (newest first).
const SNAPSHOT_OPTIONS: usize = 5;

/// Risk assessment of an analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DataLossRisk {
    /// A recent copy exists and it is not the only one.
    Low,
    /// The best copy is old, or the only one.
    Medium,
    /// Nothing to recover from.
    High,
}

impl DataLossRisk {
    /// `low`, `medium` or `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            DataLossRisk::Low => "low",
            DataLossRisk::Medium => "medium",
            DataLossRisk::High => "high",
        }
    }
}

/// One valid copy a slot can be recovered from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AvailableBackup {
    /// The slot it belongs to.
    pub save_slot: u32,
    /// `rolling_backup`, `snapshot` or `interrupted_write`.
    pub source: &'static str,
    /// Rolling backup level, for rolling backups.
    pub backup_level: Option<u32>,
    /// Snapshot id, for snapshots.
    pub snapshot_id: Option<String>,
    /// Snapshot display name, for snapshots.
    pub name: String,
    /// When the save it holds was written (Unix seconds).
    pub written_at: Option<i64>,
    /// Its age in seconds at the time of the analysis.
    pub age_seconds: Option<i64>,
    /// Pilot callsign in its metadata.
    pub pilot_callsign: String,
    /// Campaign in its metadata.
    pub campaign: String,
    /// Mission in its metadata.
    pub mission: String,
    /// Size on disk.
    pub size: u64,
}

/// One thing the player (or the wizard) can do.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryOption {
    /// Machine key: `automatic_recovery`, `restore_backup`, `restore_snapshot`,
    /// `complete_interrupted_save`, `import_backup`, `start_new_game`,
    /// `update_game`, `reset_settings`, `verify_saves`, `no_action_needed`.
    pub action: &'static str,
    /// The slot it applies to, if any.
    pub save_slot: Option<u32>,
    /// Rolling backup level to restore, for `restore_backup`.
    pub backup_level: Option<u32>,
    /// Snapshot id to restore, for `restore_snapshot`.
    pub snapshot_id: Option<String>,
    /// A sentence for the player.
    pub description: String,
}

/// The spec's recovery analysis.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryAnalysis {
    /// Recovery scenario.
    pub scenario: RecoveryScenario,
    /// The context given by the caller, unchanged.
    pub context: Value,
    /// Valid copies of the affected slots, best first per slot.
    pub available_backups: Vec<AvailableBackup>,
    /// What can be done.
    pub recovery_options: Vec<RecoveryOption>,
    /// The `action` key of the recommended option.
    pub recommended_action: &'static str,
    /// `low`, `medium` or `high`.
    pub data_loss_risk: DataLossRisk,
    /// Slots the analysis considers affected (additive to the spec).
    pub affected_slots: Vec<u32>,
}

/// How a slot stands.
struct SlotSituation {
    slot: u32,
    primary: FileCheck,
    candidates: Vec<(Candidate, FileCheck)>,
}

impl SlotSituation {
    fn primary_ok(&self) -> bool {
        self.primary.is_valid()
    }

    fn primary_newer(&self) -> bool {
        matches!(
            self.primary.status,
            FileStatus::Corrupt {
                newer_version: true,
                ..
            }
        )
    }
}

/// Every valid copy of a slot other than its primary, in the order automatic
/// recovery tries them (the order of [`SlotStore::recovery_candidates`]),
/// each verified once.
fn valid_copies(store: &SlotStore, slot: u32) -> Result<Vec<(Candidate, FileCheck)>> {
    let mut out = Vec::new();
    let mut push = |source: RecoverySource, check: FileCheck| {
        if check.is_valid() {
            let candidate = Candidate {
                source,
                path: check.path.clone(),
                written_at: check.written_at(),
            };
            out.push((candidate, check));
        }
    };
    for level in 0..store.options().backup_levels {
        let path = store.layout().backup(slot, level);
        push(
            RecoverySource::Backup(level),
            store.check_file(path, CopyRole::Backup(level)),
        );
    }
    for check in store.list_snapshots(slot)?.into_iter().rev() {
        if let CopyRole::Snapshot(id) = &check.role {
            push(RecoverySource::Snapshot(id.clone()), check);
        }
    }
    let temp = Layout::temp_for(&store.layout().primary(slot));
    push(
        RecoverySource::InterruptedWrite,
        store.check_file(temp, CopyRole::Primary),
    );
    Ok(out)
}

fn context_slot(store: &SlotStore, context: &Value) -> Result<Option<u32>> {
    match context.get("save_slot") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => match n.as_i64() {
            Some(slot) => store.check_slot(slot).map(Some),
            None => Err(Error::InvalidArgument(format!(
                "context.save_slot must be an integer, got {n}"
            ))),
        },
        Some(other) => Err(Error::InvalidArgument(format!(
            "context.save_slot must be an integer, got {other}"
        ))),
    }
}

fn context_text<'a>(context: &'a Value, key: &str) -> Option<&'a str> {
    context
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
}

/// Analyses a scenario against what is on disk.
pub fn analyze(
    store: &SlotStore,
    scenario: RecoveryScenario,
    context: Value,
    now: DateTime<Utc>,
) -> Result<RecoveryAnalysis> {
    let requested = context_slot(store, &context)?;
    let explicit = requested.is_some();
    let slots = match requested {
        Some(slot) => vec![slot],
        None => store.used_slots()?,
    };
    // Only the primaries are read for every slot; copies are verified for
    // the affected slots alone.
    let situations = slots.into_iter().map(|slot| SlotSituation {
        slot,
        primary: store.check_file(store.layout().primary(slot), CopyRole::Primary),
        candidates: Vec::new(),
    });
    use RecoveryScenario as S;
    let pilot = context_text(&context, "pilot_callsign");
    let campaign = context_text(&context, "campaign");
    let is_affected = |s: &SlotSituation| match scenario {
        S::CorruptedSave | S::MissingSave | S::CompleteDataLoss => explicit || !s.primary_ok(),
        S::PilotDataLoss => {
            explicit
                || !s.primary_ok()
                || pilot
                    .is_some_and(|p| s.primary.metadata().is_some_and(|m| m.pilot_callsign == p))
        }
        S::CampaignCorruption => {
            explicit
                || !s.primary_ok()
                || campaign.is_some_and(|c| s.primary.metadata().is_some_and(|m| m.campaign == c))
        }
        S::SettingsReset => !s.primary_ok(),
    };
    let mut affected: Vec<SlotSituation> = situations.filter(|s| is_affected(s)).collect();
    for s in &mut affected {
        s.candidates = valid_copies(store, s.slot)?;
    }
    let usable = |s: &SlotSituation| -> Vec<(Candidate, FileCheck)> {
        s.candidates
            .iter()
            .filter(|(_, c)| {
                let m = c.metadata();
                let pilot_ok = scenario != S::PilotDataLoss
                    || pilot.is_none_or(|p| m.is_some_and(|m| m.pilot_callsign == p));
                let campaign_ok = scenario != S::CampaignCorruption
                    || campaign.is_none_or(|x| m.is_some_and(|m| m.campaign == x));
                pilot_ok && campaign_ok
            })
            .cloned()
            .collect()
    };

    let mut available = Vec::new();
    let mut options = Vec::new();
    let mut risk = DataLossRisk::Low;
    let mut any_recoverable = false;
    for s in &affected {
        let copies = usable(s);
        let slot = s.slot;
        for (candidate, check) in &copies {
            available.push(available_backup(slot, candidate, check, now));
        }
        risk = risk.max(slot_risk(&copies, now));
        if s.primary_newer() {
            options.push(option(
                "update_game",
                Some(slot),
                format!("Slot {slot} was saved by a newer version of the game: update the game to load it."),
            ));
        }
        if !copies.is_empty() {
            any_recoverable = true;
            let restores_primary = matches!(
                scenario,
                S::CorruptedSave | S::MissingSave | S::CompleteDataLoss
            ) || !s.primary_ok();
            if restores_primary && !s.primary_newer() {
                options.push(option(
                    "automatic_recovery",
                    Some(slot),
                    format!("Restore slot {slot} from its newest valid copy automatically."),
                ));
            }
            let mut snapshots = 0;
            for (candidate, check) in &copies {
                let age = describe_age(check.written_at(), now);
                match &candidate.source {
                    RecoverySource::Backup(level) => options.push(RecoveryOption {
                        backup_level: Some(*level),
                        ..option(
                            "restore_backup",
                            Some(slot),
                            format!("Restore slot {slot} from rolling backup {level} ({age})."),
                        )
                    }),
                    RecoverySource::Snapshot(id) if snapshots < SNAPSHOT_OPTIONS => {
                        snapshots += 1;
                        let name = check
                            .metadata()
                            .and_then(|m| m.snapshot.as_ref())
                            .map(|i| i.name.clone())
                            .unwrap_or_default();
                        options.push(RecoveryOption {
                            snapshot_id: Some(id.clone()),
                            ..option(
                                "restore_snapshot",
                                Some(slot),
                                format!("Restore slot {slot} from snapshot \"{name}\" ({age})."),
                            )
                        });
                    }
                    RecoverySource::InterruptedWrite => options.push(option(
                        "complete_interrupted_save",
                        Some(slot),
                        format!("Finish slot {slot}'s interrupted save ({age})."),
                    )),
                    _ => {}
                }
            }
        }
        options.push(option(
            "import_backup",
            Some(slot),
            format!("Import an exported backup file into slot {slot}."),
        ));
        if matches!(scenario, S::MissingSave | S::CompleteDataLoss) && copies.is_empty() {
            options.push(option(
                "start_new_game",
                Some(slot),
                format!("Start a new game in slot {slot}."),
            ));
        }
    }
    if scenario == S::SettingsReset {
        options.insert(
            0,
            option(
                "reset_settings",
                None,
                "Reset the game's settings to their defaults; saved games are not touched.".into(),
            ),
        );
        options.push(option(
            "verify_saves",
            None,
            "Run a health check to confirm the saved games are intact.".into(),
        ));
    }
    let recommended_action = if scenario == S::SettingsReset {
        "reset_settings"
    } else if affected.is_empty() {
        "no_action_needed"
    } else if affected.iter().all(|s| s.primary_newer()) {
        "update_game"
    } else if !any_recoverable {
        "import_backup"
    } else if matches!(scenario, S::PilotDataLoss | S::CampaignCorruption)
        && affected.iter().all(|s| s.primary_ok())
    {
        // The save verifies but the game found its content broken: go back
        // one version rather than "recovering" the same bytes.
        if options.iter().any(|o| o.action == "restore_backup") {
            "restore_backup"
        } else {
            "restore_snapshot"
        }
    } else {
        "automatic_recovery"
    };
    if affected.is_empty() && scenario != S::SettingsReset {
        options.push(option(
            "no_action_needed",
            None,
            "Every save concerned verifies; nothing needs recovering.".into(),
        ));
    }
    Ok(RecoveryAnalysis {
        scenario,
        context,
        available_backups: available,
        recovery_options: options,
        recommended_action,
        data_loss_risk: risk,
        affected_slots: affected.iter().map(|s| s.slot).collect(),
    })
}

fn option(action: &'static str, save_slot: Option<u32>, description: String) -> RecoveryOption {
    RecoveryOption {
        action,
        save_slot,
        backup_level: None,
        snapshot_id: None,
        description,
    }
}

fn slot_risk(copies: &[(Candidate, FileCheck)], now: DateTime<Utc>) -> DataLossRisk {
    let newest = copies.iter().filter_map(|(_, c)| c.written_at()).max();
    match (copies.len(), newest) {
        (0, _) => DataLossRisk::High,
        (1, _) | (_, None) => DataLossRisk::Medium,
        (_, Some(at)) if now - at > Duration::hours(FRESH_COPY_HOURS) => DataLossRisk::Medium,
        _ => DataLossRisk::Low,
    }
}

fn available_backup(
    slot: u32,
    candidate: &Candidate,
    check: &FileCheck,
    now: DateTime<Utc>,
) -> AvailableBackup {
    let meta = check.metadata().cloned().unwrap_or_default();
    let (source, backup_level, snapshot_id) = match &candidate.source {
        RecoverySource::Backup(level) => ("rolling_backup", Some(*level), None),
        RecoverySource::Snapshot(id) => ("snapshot", None, Some(id.clone())),
        _ => ("interrupted_write", None, None),
    };
    let written = check.written_at();
    AvailableBackup {
        save_slot: slot,
        source,
        backup_level,
        snapshot_id,
        name: meta.snapshot.map(|s| s.name).unwrap_or_default(),
        written_at: written.map(|t| t.timestamp()),
        age_seconds: written.map(|t| (now - t).num_seconds()),
        pilot_callsign: meta.pilot_callsign,
        campaign: meta.campaign,
        mission: meta.mission,
        size: check.size.unwrap_or(0),
    }
}

fn describe_age(written: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(written) = written else {
        return "age unknown".into();
    };
    let age = now - written;
    if age < Duration::zero() {
        "dated in the future".into()
    } else if age < Duration::hours(1) {
        format!("{} minutes old", age.num_minutes())
    } else if age < Duration::days(2) {
        format!("{} hours old", age.num_hours())
    } else {
        format!("{} days old", age.num_days())
    }
}
