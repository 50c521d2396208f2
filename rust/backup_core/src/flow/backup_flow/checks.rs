//! Health checks and recovery assistance.

use std::time::Instant;

use serde_json::{json, Value};

use super::*;
use crate::error::Result;
use crate::flow::health::{self, HealthReport, HealthSummary};
use crate::flow::recovery::{self, RecoveryAnalysis, RecoveryAttempt, RecoveryWizard};
use crate::flow::triggers::{BackupOperation, RecoveryScenario};
use crate::store::slot_store::lock;
use crate::store::OpKind;

impl BackupFlow {
    /// Checks every file (see [`crate::flow::health`]) and records the result in
    /// the persisted history.
    pub fn perform_health_check(&self) -> Result<HealthReport> {
        self.perform_health_check_with_progress(&mut |_, _| {})
    }

    /// Like [`Self::perform_health_check`], calling `progress(done, total)`
    /// after each file. Safe to run on another thread (`BackupFlow` is `Sync`).
    pub fn perform_health_check_with_progress(
        &self,
        progress: &mut dyn FnMut(usize, usize),
    ) -> Result<HealthReport> {
        let now = self.clock.now();
        let previous = lock(&self.state).health_history.last().cloned();
        let start = Instant::now();
        let result = health::check_health(&self.store, now, previous.as_ref(), progress);
        let elapsed = start.elapsed();
        self.store
            .record_stat(OpKind::HealthCheck, elapsed, 0, result.is_ok());
        let report = result?;
        {
            let mut counters = lock(&self.counters);
            counters.health_checks += 1;
            counters.last_health_check_micros =
                u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        }
        let mut state = lock(&self.state);
        state.push_health(report.summary(), now);
        self.persist(&state);
        Ok(report)
    }

    /// Summaries of past health checks, oldest first.
    pub fn health_history(&self) -> Vec<HealthSummary> {
        lock(&self.state).health_history.clone()
    }

    /// Analyses a recovery scenario against what is on disk.
    pub fn analyze_recovery(
        &self,
        scenario: RecoveryScenario,
        context: Value,
    ) -> Result<RecoveryAnalysis> {
        recovery::analyze(&self.store, scenario, context, self.clock.now())
    }

    /// The spec's wizard for a scenario.
    pub fn start_recovery_wizard(
        &self,
        scenario: RecoveryScenario,
        context: Value,
    ) -> Result<RecoveryWizard> {
        Ok(recovery::wizard(self.analyze_recovery(scenario, context)?))
    }

    /// Restores a damaged or missing slot from its best valid copy.
    pub fn attempt_automatic_recovery(&self, save_slot: i64) -> RecoveryAttempt {
        lock(&self.counters).recoveries_attempted += 1;
        let slot = match self.store.check_slot(save_slot) {
            Ok(slot) => slot,
            Err(e) => return RecoveryAttempt::failed(save_slot, &e),
        };
        let _guard = match self.begin_operation(
            BackupOperation::EmergencyBackup,
            json!({ "save_slot": save_slot, "action": "automatic_recovery" }),
        ) {
            Ok(guard) => guard,
            Err(e) => return RecoveryAttempt::failed(save_slot, &e),
        };
        let start = Instant::now();
        let attempt = match recovery::attempt_automatic_recovery(&self.store, slot) {
            Ok(attempt) => attempt,
            Err(e) => RecoveryAttempt::failed(save_slot, &e),
        };
        self.store
            .record_stat(OpKind::Repair, start.elapsed(), 0, attempt.success);
        if attempt.success {
            lock(&self.counters).recoveries_succeeded += 1;
        }
        attempt
    }
}
