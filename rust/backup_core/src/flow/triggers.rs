//! The three enums of the spec's `BackupFlowCoordinator`, in the spec's order.
//!
//! Their ordinals are part of the contract: GDScript sees them as
//! `BackupFlowCoordinator.BackupTrigger.MISSION_COMPLETE == 2`, so a variant
//! may never be reordered or removed. Each enum serialises as its ordinal (what
//! a GDScript Dictionary holds) and offers two names: the GDScript key
//! (`MISSION_COMPLETE`) and a snake_case key (`mission_complete`) used in
//! metadata, operation types and reports.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::{Error, Result};

macro_rules! spec_enum {
    (
        $(#[$doc:meta])*
        $name:ident {
            $( $(#[$vdoc:meta])* $variant:ident => $gd:literal, $key:literal; )+
        }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )+
        }

        impl $name {
            /// Every variant in ordinal order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The ordinal GDScript uses for this variant.
            pub fn ordinal(self) -> i64 {
                self as i64
            }

            /// The variant with ordinal `value`; any other value is refused.
            pub fn from_ordinal(value: i64) -> Result<Self> {
                usize::try_from(value)
                    .ok()
                    .and_then(|i| Self::ALL.get(i).copied())
                    .ok_or_else(|| {
                        Error::InvalidArgument(format!(
                            "{value} is not a valid {} (expected 0..={})",
                            stringify!($name),
                            Self::ALL.len() - 1
                        ))
                    })
            }

            /// The GDScript enum key (`MISSION_COMPLETE`).
            pub fn name(self) -> &'static str {
                match self { $($name::$variant => $gd,)+ }
            }

            /// The snake_case key (`mission_complete`).
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key,)+ }
            }

            /// The variant whose snake_case key or GDScript key is `text`.
            pub fn from_key(text: &str) -> Option<Self> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|v| v.key() == text || v.name() == text)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
                serializer.serialize_i64(self.ordinal())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
                let value = i64::deserialize(deserializer)?;
                Self::from_ordinal(value).map_err(serde::de::Error::custom)
            }
        }
    };
}

spec_enum! {
    /// Why an automated (or manual) backup is requested.
    BackupTrigger {
        /// Manual user request.
        Manual => "MANUAL", "manual";
        /// Regular timer intervals (`backup_schedule_hours`).
        TimerInterval => "TIMER_INTERVAL", "timer_interval";
        /// After mission completion.
        MissionComplete => "MISSION_COMPLETE", "mission_complete";
        /// Major campaign progress.
        CampaignMilestone => "CAMPAIGN_MILESTONE", "campaign_milestone";
        /// Significant achievement.
        AchievementEarned => "ACHIEVEMENT_EARNED", "achievement_earned";
        /// Clean shutdown backup.
        GameShutdown => "GAME_SHUTDOWN", "game_shutdown";
        /// Critical game progress points.
        CriticalProgress => "CRITICAL_PROGRESS", "critical_progress";
    }
}

spec_enum! {
    /// The kinds of operation the flow runs (one at a time).
    BackupOperation {
        /// User-initiated manual backup.
        ManualBackup => "MANUAL_BACKUP", "manual_backup";
        /// Timer-based automatic backup.
        ScheduledBackup => "SCHEDULED_BACKUP", "scheduled_backup";
        /// Game event triggered backup.
        EventTriggered => "EVENT_TRIGGERED", "event_triggered";
        /// System failure or corruption: automatic recovery and safety copies.
        EmergencyBackup => "EMERGENCY_BACKUP", "emergency_backup";
        /// Backup export for sharing.
        ExportBackup => "EXPORT_BACKUP", "export_backup";
        /// Backup import from external source.
        ImportBackup => "IMPORT_BACKUP", "import_backup";
    }
}

spec_enum! {
    /// The situations a recovery wizard guides the player through.
    RecoveryScenario {
        /// Save file corruption detected.
        CorruptedSave => "CORRUPTED_SAVE", "corrupted_save";
        /// Save file missing or deleted.
        MissingSave => "MISSING_SAVE", "missing_save";
        /// Pilot profile corruption.
        PilotDataLoss => "PILOT_DATA_LOSS", "pilot_data_loss";
        /// Campaign state corruption.
        CampaignCorruption => "CAMPAIGN_CORRUPTION", "campaign_corruption";
        /// Configuration data loss.
        SettingsReset => "SETTINGS_RESET", "settings_reset";
        /// Total data loss scenario.
        CompleteDataLoss => "COMPLETE_DATA_LOSS", "complete_data_loss";
    }
}

impl BackupTrigger {
    /// Whether the trigger is a game event (subject to `enable_event_backups`).
    pub fn is_event(self) -> bool {
        !matches!(self, BackupTrigger::Manual | BackupTrigger::TimerInterval)
    }

    /// The operation a backup made for this trigger counts as.
    pub fn operation(self) -> BackupOperation {
        match self {
            BackupTrigger::Manual => BackupOperation::ManualBackup,
            BackupTrigger::TimerInterval => BackupOperation::ScheduledBackup,
            _ => BackupOperation::EventTriggered,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinals_follow_the_spec_order() {
        let names: Vec<_> = BackupTrigger::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(
            names,
            [
                "MANUAL",
                "TIMER_INTERVAL",
                "MISSION_COMPLETE",
                "CAMPAIGN_MILESTONE",
                "ACHIEVEMENT_EARNED",
                "GAME_SHUTDOWN",
                "CRITICAL_PROGRESS"
            ]
        );
        let ops: Vec<_> = BackupOperation::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(
            ops,
            [
                "MANUAL_BACKUP",
                "SCHEDULED_BACKUP",
                "EVENT_TRIGGERED",
                "EMERGENCY_BACKUP",
                "EXPORT_BACKUP",
                "IMPORT_BACKUP"
            ]
        );
        let scenarios: Vec<_> = RecoveryScenario::ALL.iter().map(|t| t.name()).collect();
        assert_eq!(
            scenarios,
            [
                "CORRUPTED_SAVE",
                "MISSING_SAVE",
                "PILOT_DATA_LOSS",
                "CAMPAIGN_CORRUPTION",
                "SETTINGS_RESET",
                "COMPLETE_DATA_LOSS"
            ]
        );
        for (i, t) in BackupTrigger::ALL.iter().enumerate() {
            assert_eq!(t.ordinal(), i as i64);
            assert_eq!(BackupTrigger::from_ordinal(i as i64).unwrap(), *t);
            assert_eq!(BackupTrigger::from_key(t.key()), Some(*t));
            assert_eq!(BackupTrigger::from_key(t.name()), Some(*t));
        }
    }

    #[test]
    fn bad_ordinals_are_refused() {
        for bad in [-1, 7, i64::MAX, i64::MIN] {
            let err = BackupTrigger::from_ordinal(bad).unwrap_err();
            assert!(err.to_string().contains("BackupTrigger"), "{err}");
        }
        assert!(BackupOperation::from_ordinal(6).is_err());
        assert!(RecoveryScenario::from_ordinal(6).is_err());
        assert!(RecoveryScenario::from_ordinal(5).is_ok());
        assert_eq!(BackupTrigger::from_key("nope"), None);
    }

    #[test]
    fn serialises_as_ordinal_and_refuses_bad_ones() {
        let json = serde_json::to_string(&RecoveryScenario::SettingsReset).unwrap();
        assert_eq!(json, "4");
        let back: RecoveryScenario = serde_json::from_str("4").unwrap();
        assert_eq!(back, RecoveryScenario::SettingsReset);
        assert!(serde_json::from_str::<RecoveryScenario>("9").is_err());
        assert!(serde_json::from_str::<RecoveryScenario>("\"x\"").is_err());
    }
}
