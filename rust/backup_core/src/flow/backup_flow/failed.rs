//! The results of operations that could not run, with the same keys as the
//! results of those that did: what a front end (the Godot classes, a tool)
//! returns when it cannot even reach the flow, e.g. because the save folder
//! would not open. Each takes the error to report as any `Display`.

use std::fmt::Display;

use serde::Serialize;
use serde_json::{Map, Value};

use super::{ExportResult, ImportResult};
use crate::flow::health::SlotHealth;
use crate::flow::recovery::{RecoveryAttempt, WizardStep};

impl ExportResult {
    /// An export of `save_slot` to `export_path` that failed with `error`.
    pub fn failed(save_slot: i64, export_path: impl Into<String>, error: &impl Display) -> Self {
        ExportResult {
            success: false,
            export_path: export_path.into(),
            file_size: 0,
            save_slot,
            error_message: error.to_string(),
        }
    }
}

impl ImportResult {
    /// An import that failed with `error` (nothing was written).
    pub fn failed(error: &impl Display) -> Self {
        ImportResult {
            success: false,
            imported_slot: -1,
            pilot_name: String::new(),
            error_message: error.to_string(),
            replaced_existing: false,
            safety_snapshot: None,
        }
    }
}

impl RecoveryAttempt {
    /// A recovery of `save_slot` that failed with `error` before trying anything.
    pub fn failed(save_slot: i64, error: &impl Display) -> Self {
        RecoveryAttempt {
            success: false,
            recovery_method: String::new(),
            error_message: error.to_string(),
            save_slot,
            backup_level: None,
            snapshot_id: None,
            quarantined_file: None,
            attempts: Vec::new(),
        }
    }
}

/// The report of a health check that could not run: the counters of a
/// [`HealthReport`](crate::HealthReport) at zero, `overall_health: "unknown"`, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthCheckFailure {
    /// 0: no check happened.
    pub check_time: i64,
    /// 0.
    pub total_backups: usize,
    /// 0.
    pub healthy_backups: usize,
    /// 0.
    pub corrupted_backups: usize,
    /// 0.
    pub suspicious_backups: usize,
    /// Empty.
    pub backup_details: Vec<SlotHealth>,
    /// Empty.
    pub recommendations: Vec<String>,
    /// `unknown`.
    pub overall_health: &'static str,
    /// Always false.
    pub success: bool,
    /// Why the check could not run.
    pub error_message: String,
}

impl HealthCheckFailure {
    /// The failed report for `error`.
    pub fn new(error: &impl Display) -> Self {
        HealthCheckFailure {
            check_time: 0,
            total_backups: 0,
            healthy_backups: 0,
            corrupted_backups: 0,
            suspicious_backups: 0,
            backup_details: Vec::new(),
            recommendations: Vec::new(),
            overall_health: "unknown",
            success: false,
            error_message: error.to_string(),
        }
    }
}

/// A recovery wizard that could not be prepared: the keys of a
/// [`RecoveryWizard`](crate::RecoveryWizard) (empty title, steps and
/// analysis) plus `success: false` and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WizardFailure {
    /// The scenario asked for, as given (it may be out of range).
    pub scenario: i64,
    /// Empty.
    pub title: String,
    /// Empty.
    pub steps: Vec<WizardStep>,
    /// Empty.
    pub analysis: Map<String, Value>,
    /// Always false.
    pub success: bool,
    /// Why the wizard could not be prepared.
    pub error_message: String,
}

impl WizardFailure {
    /// The failed wizard of `scenario` for `error`.
    pub fn new(scenario: i64, error: &impl Display) -> Self {
        WizardFailure {
            scenario,
            title: String::new(),
            steps: Vec::new(),
            analysis: Map::new(),
            success: false,
            error_message: error.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Error;

    fn keys<T: Serialize>(value: &T) -> Vec<String> {
        match serde_json::to_value(value).unwrap() {
            Value::Object(map) => map.keys().cloned().collect(),
            other => panic!("not an object: {other}"),
        }
    }

    #[test]
    fn failed_results_carry_the_error_text_and_no_success() {
        let error = Error::InvalidSlot { slot: 12, max: 9 };
        let export = ExportResult::failed(12, "user://x.json", &error);
        assert!(!export.success);
        assert_eq!(export.error_message, error.to_string());
        assert_eq!((export.save_slot, export.file_size), (12, 0));
        assert_eq!(export.export_path, "user://x.json");
        let import = ImportResult::failed(&error);
        assert!(!import.success);
        assert_eq!(import.imported_slot, -1);
        assert_eq!(import.error_message, error.to_string());
        let attempt = RecoveryAttempt::failed(12, &"store closed");
        assert!(!attempt.success);
        assert_eq!(attempt.error_message, "store closed");
        assert_eq!(attempt.save_slot, 12);
        let report = HealthCheckFailure::new(&error);
        assert!(!report.success);
        assert_eq!(report.overall_health, "unknown");
        let wizard = WizardFailure::new(42, &error);
        assert!(!wizard.success);
        assert_eq!(wizard.scenario, 42);
    }

    #[test]
    fn failed_health_report_has_the_keys_of_a_report_minus_trend() {
        let mut want = vec![
            "check_time",
            "total_backups",
            "healthy_backups",
            "corrupted_backups",
            "suspicious_backups",
            "backup_details",
            "recommendations",
            "overall_health",
            "success",
            "error_message",
        ];
        want.sort_unstable();
        let mut have = keys(&HealthCheckFailure::new(&"x"));
        have.sort_unstable();
        assert_eq!(have, want);
    }

    #[test]
    fn failed_wizard_serialises_empty_parts() {
        let value = serde_json::to_value(WizardFailure::new(3, &"no store")).unwrap();
        assert_eq!(value["title"], "");
        assert_eq!(value["steps"], serde_json::json!([]));
        assert_eq!(value["analysis"], serde_json::json!({}));
        assert_eq!(value["error_message"], "no store");
    }
}
