//! The coordinator's worker-thread jobs: starting the schedule's due tasks
//! and turning finished jobs into signals on the main thread.

use std::fmt::Display;

use backup_core::{BackupTrigger, DueTasks, ExportResult, HealthCheckFailure, ImportResult};
use godot::prelude::*;
use serde::Serialize;

use super::BackupFlowCoordinator;
use crate::convert;
use crate::failure::Outcome;
use crate::worker::{Done, Job, Message};

impl BackupFlowCoordinator {
    /// Starts the schedule's due tasks on a worker thread, unless work is running.
    pub(super) fn start_due_tasks(&mut self) {
        if !(self.enable_automated_backups || self.enable_health_monitoring)
            || self.worker.is_busy()
        {
            return;
        }
        let Ok(flow) = self.flow() else {
            return; // Reported when the game uses the store; not every minute.
        };
        if flow.is_backup_operation_active() {
            return;
        }
        let started = self.worker.spawn(Job::DueTasks, move |_| {
            Done::DueTasks(Box::new(flow.run_due_tasks()))
        });
        self.started(started);
    }

    /// Emits the signals of finished worker jobs (main thread).
    pub(super) fn deliver_worker_messages(&mut self) {
        for message in self.worker.drain() {
            match message {
                Message::Progress { job, done, total } => {
                    self.signals()
                        .operation_progress()
                        .emit(job.name(), done as i64, total as i64);
                }
                Message::Finished { job, result } => self.deliver_result(job, result),
            }
        }
    }

    fn deliver_result(&mut self, job: Job, result: Outcome<Done>) {
        match result {
            Ok(Done::HealthCheck(Ok(report))) => {
                self.signals()
                    .health_check_completed()
                    .emit(&convert::to_dict(&report));
            }
            Ok(Done::HealthCheck(Err(e))) => self.health_check_failed(&e),
            Ok(Done::Export(result)) => {
                self.transfer_done(job, &result, result.success, &result.error_message)
            }
            Ok(Done::Import(result)) => {
                self.transfer_done(job, &result, result.success, &result.error_message)
            }
            Ok(Done::DueTasks(due)) => self.deliver_due_tasks(&due),
            // The job panicked: report it in the shape of the result it
            // would have had (a panicked export knows neither slot nor path).
            Err(e) => match job {
                Job::HealthCheck => self.health_check_failed(&e),
                Job::Export => {
                    let failed = ExportResult::failed(-1, "", &e);
                    self.transfer_done(job, &failed, false, &failed.error_message);
                }
                Job::Import => {
                    let failed = ImportResult::failed(&e);
                    self.transfer_done(job, &failed, false, &failed.error_message);
                }
                Job::DueTasks => self.errors.record(&format!("{} failed: {e}", job.name())),
            },
        }
    }

    fn health_check_failed(&mut self, error: &impl Display) {
        self.errors
            .record(&format!("{} failed: {error}", Job::HealthCheck.name()));
        self.signals()
            .health_check_completed()
            .emit(&convert::to_dict(&HealthCheckFailure::new(error)));
    }

    /// An export or import finished: `backup_flow_completed`, then
    /// `export_completed` or `import_completed`, with the same result.
    fn transfer_done(&mut self, job: Job, result: &impl Serialize, success: bool, error: &str) {
        let dict = convert::to_dict(result);
        if job == Job::Export {
            self.finish_run("export_backup", success, error, &dict);
            self.signals().export_completed().emit(&dict);
        } else {
            self.finish_run("import_backup", success, error, &dict);
            self.signals().import_completed().emit(&dict);
        }
    }

    fn deliver_due_tasks(&mut self, due: &DueTasks) {
        if let Some(run) = due.scheduled_backup.as_ref().filter(|r| !r.skipped) {
            self.signals()
                .automated_backup_triggered()
                .emit(BackupTrigger::TimerInterval.key(), &VarDictionary::new());
            self.finish_run(
                "scheduled_backup",
                run.success,
                &run.error_message,
                &convert::to_dict(run),
            );
        }
        if let Some(report) = &due.health_report {
            self.signals()
                .health_check_completed()
                .emit(&convert::to_dict(report));
        }
        if !due.health_error.is_empty() {
            self.errors.record(&format!(
                "scheduled health check failed: {}",
                due.health_error
            ));
        }
    }
}
