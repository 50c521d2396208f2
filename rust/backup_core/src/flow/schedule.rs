//! When automated backups and health checks run: the configuration of the
//! spec, the persisted last-run times, and the rules that decide whether a
//! trigger runs now.
//!
//! Rules, checked in this order by [`evaluate_trigger`]:
//! 1. `MANUAL` always runs: the player asked for it.
//! 2. Every other trigger needs `enable_automated_backups`.
//! 3. Event triggers (mission complete, campaign milestone, achievement, game
//!    shutdown, critical progress) also need `enable_event_backups`.
//! 4. `TIMER_INTERVAL` runs only when `backup_schedule_hours` have passed since
//!    the last scheduled backup (one minute early is accepted, so that a game
//!    timer firing a little early is not skipped). The time survives restarts:
//!    it lives in the state file of the save root.
//! 5. An event trigger that already ran less than `event_cooldown_seconds` ago
//!    is skipped (ten achievements in a row make one backup), except
//!    `GAME_SHUTDOWN` and `CRITICAL_PROGRESS`, which always run.
//!
//! All times come from the injected [`Clock`](crate::Clock); nothing sleeps.

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::flow::health::HealthSummary;
use crate::flow::triggers::BackupTrigger;
use crate::store::SlotStore;

/// File name of the flow's state in the save root.
pub const FLOW_STATE_FILE: &str = "backup_flow_state.json";
/// Largest state file read back; anything bigger is treated as damaged.
const MAX_STATE_BYTES: u64 = 1 << 20;
/// Health reports kept in the history.
pub const HEALTH_HISTORY_LEN: usize = 50;
/// How early a timer may fire and still count as due.
const TIMER_TOLERANCE_SECONDS: i64 = 60;

/// The spec's configuration options, with its defaults.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BackupConfig {
    /// Enable automated backup system.
    pub enable_automated_backups: bool,
    /// Hours between scheduled backups (at least 1).
    pub backup_schedule_hours: u32,
    /// Automated snapshots kept per slot (at least 1); the store's daily and
    /// weekly rules are kept on top.
    pub max_automated_backups: u32,
    /// Enable event-triggered backups.
    pub enable_event_backups: bool,
    /// Enable backup health checks.
    pub enable_health_monitoring: bool,
    /// Hours between health checks (at least 1).
    pub health_check_interval_hours: u32,
    /// An event trigger that ran less than this many seconds ago is skipped.
    pub event_cooldown_seconds: u32,
    /// Largest export file accepted by an import.
    pub max_import_bytes: u64,
}

impl Default for BackupConfig {
    fn default() -> Self {
        BackupConfig {
            enable_automated_backups: true,
            backup_schedule_hours: 24,
            max_automated_backups: 30,
            enable_event_backups: true,
            enable_health_monitoring: true,
            health_check_interval_hours: 72,
            event_cooldown_seconds: 60,
            max_import_bytes: 64 << 20,
        }
    }
}

impl BackupConfig {
    /// Refuses values that would make the schedule meaningless.
    pub fn validate(&self) -> Result<()> {
        let positive = [
            ("backup_schedule_hours", self.backup_schedule_hours),
            ("max_automated_backups", self.max_automated_backups),
            (
                "health_check_interval_hours",
                self.health_check_interval_hours,
            ),
        ];
        for (name, value) in positive {
            if value == 0 {
                return Err(Error::InvalidArgument(format!("{name} must be at least 1")));
            }
        }
        if self.max_import_bytes == 0 {
            return Err(Error::InvalidArgument(
                "max_import_bytes must be at least 1".into(),
            ));
        }
        Ok(())
    }
}

/// Converts a GDScript int into a positive `u32` setting.
pub fn positive_setting(name: &str, value: i64) -> Result<u32> {
    match u32::try_from(value) {
        Ok(v) if v >= 1 => Ok(v),
        _ => Err(Error::InvalidArgument(format!(
            "{name} must be between 1 and {}, got {value}",
            u32::MAX
        ))),
    }
}

/// What the flow remembers between game sessions.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FlowState {
    /// Version of this file's layout.
    pub version: u32,
    /// Last automated backup of any trigger.
    pub last_automated_backup: Option<DateTime<Utc>>,
    /// Last run of each trigger, by snake_case key.
    pub last_by_trigger: BTreeMap<String, DateTime<Utc>>,
    /// Last health check.
    pub last_health_check: Option<DateTime<Utc>>,
    /// Summaries of past health checks, oldest first.
    pub health_history: Vec<HealthSummary>,
}

impl FlowState {
    /// When `trigger` last ran.
    pub fn last_run(&self, trigger: BackupTrigger) -> Option<DateTime<Utc>> {
        self.last_by_trigger.get(trigger.key()).copied()
    }

    /// Notes that `trigger` ran at `at`.
    pub fn record_run(&mut self, trigger: BackupTrigger, at: DateTime<Utc>) {
        self.last_by_trigger.insert(trigger.key().to_owned(), at);
        if trigger != BackupTrigger::Manual {
            self.last_automated_backup = Some(at);
        }
    }

    /// Appends a health summary, keeping the newest [`HEALTH_HISTORY_LEN`].
    pub fn push_health(&mut self, summary: HealthSummary, at: DateTime<Utc>) {
        self.last_health_check = Some(at);
        self.health_history.push(summary);
        let excess = self.health_history.len().saturating_sub(HEALTH_HISTORY_LEN);
        self.health_history.drain(..excess);
    }
}

/// Why a trigger did not run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum SkipReason {
    /// `enable_automated_backups` is off.
    AutomatedBackupsDisabled,
    /// `enable_event_backups` is off.
    EventBackupsDisabled,
    /// The schedule interval has not passed yet.
    NotDue {
        /// When the next scheduled backup is due.
        next_due: DateTime<Utc>,
    },
    /// The same event ran moments ago.
    Cooldown {
        /// When the trigger may run again.
        retry_after: DateTime<Utc>,
    },
}

impl SkipReason {
    /// A sentence for logs and UIs.
    pub fn describe(&self) -> String {
        match self {
            SkipReason::AutomatedBackupsDisabled => "automated backups are disabled".into(),
            SkipReason::EventBackupsDisabled => "event-triggered backups are disabled".into(),
            SkipReason::NotDue { next_due } => {
                format!(
                    "the scheduled backup is not due until {}",
                    next_due.to_rfc3339()
                )
            }
            SkipReason::Cooldown { retry_after } => format!(
                "the same event was backed up moments ago; next possible at {}",
                retry_after.to_rfc3339()
            ),
        }
    }
}

/// The verdict on a trigger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriggerDecision {
    /// Make the backup now.
    Run,
    /// Do not; here is why.
    Skip(SkipReason),
}

/// Decides whether `trigger` runs at `now` (rules in the module docs).
pub fn evaluate_trigger(
    config: &BackupConfig,
    state: &FlowState,
    trigger: BackupTrigger,
    now: DateTime<Utc>,
) -> TriggerDecision {
    if trigger == BackupTrigger::Manual {
        return TriggerDecision::Run;
    }
    if !config.enable_automated_backups {
        return TriggerDecision::Skip(SkipReason::AutomatedBackupsDisabled);
    }
    if trigger == BackupTrigger::TimerInterval {
        return match next_scheduled_backup(config, state) {
            Some(next_due) if now < next_due - Duration::seconds(TIMER_TOLERANCE_SECONDS) => {
                TriggerDecision::Skip(SkipReason::NotDue { next_due })
            }
            _ => TriggerDecision::Run,
        };
    }
    if !config.enable_event_backups {
        return TriggerDecision::Skip(SkipReason::EventBackupsDisabled);
    }
    let always = matches!(
        trigger,
        BackupTrigger::GameShutdown | BackupTrigger::CriticalProgress
    );
    if let (false, Some(last)) = (always, state.last_run(trigger)) {
        let retry_after = last + Duration::seconds(config.event_cooldown_seconds.into());
        if now < retry_after && now >= last {
            return TriggerDecision::Skip(SkipReason::Cooldown { retry_after });
        }
    }
    TriggerDecision::Run
}

/// When the next scheduled backup is due (`None`: never ran, so due now).
pub fn next_scheduled_backup(config: &BackupConfig, state: &FlowState) -> Option<DateTime<Utc>> {
    state
        .last_run(BackupTrigger::TimerInterval)
        .map(|last| last + Duration::hours(config.backup_schedule_hours.into()))
}

/// Whether a health check is due at `now`.
pub fn health_check_due(config: &BackupConfig, state: &FlowState, now: DateTime<Utc>) -> bool {
    config.enable_health_monitoring
        && state.last_health_check.is_none_or(|last| {
            now >= last + Duration::hours(config.health_check_interval_hours.into())
                - Duration::seconds(TIMER_TOLERANCE_SECONDS)
        })
}

/// Path of the state file of a store.
pub fn state_path(store: &SlotStore) -> PathBuf {
    store.root().join(FLOW_STATE_FILE)
}

/// Loads the state file. A missing file gives the default state; a damaged
/// one is moved to quarantine (kept as evidence) and reported as a warning.
pub fn load_state(store: &SlotStore) -> Result<(FlowState, Option<String>)> {
    let path = state_path(store);
    let parsed = match store.storage.read_limited(&path, MAX_STATE_BYTES) {
        Ok(Some((_, Some(bytes)))) => {
            serde_json::from_slice::<FlowState>(&bytes).map_err(|e| e.to_string())
        }
        Ok(Some((stat, None))) => Err(format!("{} bytes is larger than expected", stat.len)),
        Ok(None) => return Ok((FlowState::default(), None)),
        // A FIFO, device, directory or link where the state file belongs:
        // not ours to move; start afresh and say why.
        Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => {
            return Ok((
                FlowState::default(),
                Some(format!(
                    "backup schedule state cannot be read ({e}); starting afresh"
                )),
            ))
        }
        Err(e) => return Err(Error::io("read", &path, e)),
    };
    match parsed {
        Ok(state) => Ok((state, None)),
        Err(reason) => {
            let warning = if store.options().read_only {
                format!("backup schedule state is damaged ({reason}); starting afresh")
            } else {
                let moved = store.quarantine(&path)?;
                format!(
                    "backup schedule state was damaged ({reason}); moved to {} and started afresh",
                    moved.display()
                )
            };
            Ok((FlowState::default(), Some(warning)))
        }
    }
}

/// Writes the state file atomically (temporary file, rename). It is not
/// flushed: losing the last update in a power cut costs at most one extra
/// scheduled backup or one health report in the trend, while flushing would
/// add two fsyncs to every trigger and health check.
pub fn save_state(store: &SlotStore, state: &FlowState) -> Result<()> {
    store.writable()?;
    let mut state = state.clone();
    state.version = 1;
    let json = serde_json::to_vec_pretty(&state)?;
    store.commit_unsynced(&state_path(store), &[&json])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::clock::Clock;
    use crate::ManualClock;

    fn at(clock: &ManualClock) -> DateTime<Utc> {
        clock.now()
    }

    #[test]
    fn defaults_match_the_spec() {
        let c = BackupConfig::default();
        assert!(c.enable_automated_backups);
        assert_eq!(c.backup_schedule_hours, 24);
        assert_eq!(c.max_automated_backups, 30);
        assert!(c.enable_event_backups);
        assert!(c.enable_health_monitoring);
        assert_eq!(c.health_check_interval_hours, 72);
        assert!(c.validate().is_ok());
        let bad = BackupConfig {
            backup_schedule_hours: 0,
            ..c
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn timer_runs_when_due_and_not_before() {
        let clock = ManualClock::fixed();
        let config = BackupConfig {
            backup_schedule_hours: 12,
            ..BackupConfig::default()
        };
        let mut state = FlowState::default();
        let t = BackupTrigger::TimerInterval;
        assert_eq!(
            evaluate_trigger(&config, &state, t, at(&clock)),
            TriggerDecision::Run
        );
        state.record_run(t, at(&clock));
        clock.advance(Duration::hours(11));
        assert!(matches!(
            evaluate_trigger(&config, &state, t, at(&clock)),
            TriggerDecision::Skip(SkipReason::NotDue { .. })
        ));
        clock.advance(Duration::minutes(59) + Duration::seconds(30));
        assert_eq!(
            evaluate_trigger(&config, &state, t, at(&clock)),
            TriggerDecision::Run
        );
    }

    #[test]
    fn switches_and_cooldown_apply_per_trigger() {
        let clock = ManualClock::fixed();
        let mut config = BackupConfig::default();
        let mut state = FlowState::default();
        let now = at(&clock);
        state.record_run(BackupTrigger::AchievementEarned, now);
        state.record_run(BackupTrigger::GameShutdown, now);
        let d = |c: &BackupConfig, s: &FlowState, t| evaluate_trigger(c, s, t, now);
        assert!(matches!(
            d(&config, &state, BackupTrigger::AchievementEarned),
            TriggerDecision::Skip(SkipReason::Cooldown { .. })
        ));
        assert_eq!(
            d(&config, &state, BackupTrigger::GameShutdown),
            TriggerDecision::Run
        );
        assert_eq!(
            d(&config, &state, BackupTrigger::MissionComplete),
            TriggerDecision::Run
        );
        config.enable_event_backups = false;
        assert_eq!(
            d(&config, &state, BackupTrigger::MissionComplete),
            TriggerDecision::Skip(SkipReason::EventBackupsDisabled)
        );
        assert_eq!(
            d(&config, &state, BackupTrigger::TimerInterval),
            TriggerDecision::Run
        );
        config.enable_automated_backups = false;
        assert_eq!(
            d(&config, &state, BackupTrigger::TimerInterval),
            TriggerDecision::Skip(SkipReason::AutomatedBackupsDisabled)
        );
        assert_eq!(
            d(&config, &state, BackupTrigger::Manual),
            TriggerDecision::Run
        );
    }

    #[test]
    fn health_checks_follow_their_interval() {
        let clock = ManualClock::fixed();
        let mut config = BackupConfig::default();
        let mut state = FlowState::default();
        assert!(health_check_due(&config, &state, at(&clock)));
        state.last_health_check = Some(at(&clock));
        clock.advance(Duration::hours(71));
        assert!(!health_check_due(&config, &state, at(&clock)));
        clock.advance(Duration::hours(1));
        assert!(health_check_due(&config, &state, at(&clock)));
        config.enable_health_monitoring = false;
        assert!(!health_check_due(&config, &state, at(&clock)));
    }

    #[test]
    fn settings_from_gdscript_ints_are_checked() {
        assert_eq!(positive_setting("h", 12).unwrap(), 12);
        for bad in [0, -1, i64::MAX] {
            assert!(positive_setting("h", bad).is_err());
        }
    }
}
