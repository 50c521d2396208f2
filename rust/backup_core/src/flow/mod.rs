//! [`BackupFlow`]: everything the spec's `BackupFlowCoordinator` does, on top
//! of the store. `triggers` (the spec's enums), `schedule` (settings, when a
//! backup or health check is due, the persisted flow state), `health`
//! (reports and trends), `recovery` (analysis, wizards, automatic recovery),
//! `transfer` (the export file format), `integration` (game states and save
//! flows mapped to triggers) and `backup_flow` (the facade and its results).

pub(crate) mod backup_flow;
pub(crate) mod health;
pub(crate) mod integration;
pub(crate) mod recovery;
pub(crate) mod schedule;
pub(crate) mod transfer;
pub(crate) mod triggers;

pub use backup_flow::*;
pub use health::{
    check_health, trend, FileHealth, FileHealthStatus, HealthLevel, HealthReport, HealthSummary,
    HealthTrend, SlotHealth,
};
pub use integration::{trigger_for_game_state, trigger_for_save_flow};
pub use recovery::{
    analyze, attempt_automatic_recovery, wizard, AvailableBackup, DataLossRisk, RecoveryAnalysis,
    RecoveryAttempt, RecoveryOption, RecoveryWizard, WizardStep,
};
pub use schedule::{
    evaluate_trigger, health_check_due, load_state, next_scheduled_backup, positive_setting,
    save_state, state_path, BackupConfig, FlowState, SkipReason, TriggerDecision, FLOW_STATE_FILE,
    HEALTH_HISTORY_LEN,
};
pub use transfer::{
    build_export, check_export_target, parse_export, read_bounded, write_export_file, ExportFile,
    ExportMetadata, ImportedBackup, EXPORT_FORMAT, EXPORT_FORMAT_VERSION,
};
pub use triggers::{BackupOperation, BackupTrigger, RecoveryScenario};
