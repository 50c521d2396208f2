//! The coordinator's worker-thread jobs: starting the schedule's due tasks
//! and turning finished jobs into signals on the main thread.

use backup_core::BackupTrigger;
use godot::prelude::*;
use serde_json::{json, Value};

use super::BackupFlowCoordinator;
use crate::convert;
use crate::worker::{Job, Message};

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
            serde_json::to_value(flow.run_due_tasks()).map_err(|e| e.to_string())
        });
        self.started(started);
    }

    /// Emits the signals of finished worker jobs (main thread).
    pub(super) fn deliver_worker_messages(&mut self) {
        for message in self.worker.drain() {
            match message {
                Message::Progress { job, done, total } => {
                    self.emit(
                        "operation_progress",
                        &[
                            job_name(job).to_variant(),
                            (done as i64).to_variant(),
                            (total as i64).to_variant(),
                        ],
                    );
                }
                Message::Finished { job, result } => self.deliver_result(job, result),
            }
        }
    }

    fn deliver_result(&mut self, job: Job, result: Result<Value, String>) {
        let value = match result {
            Ok(value) => value,
            Err(message) => {
                self.fail(format!("{} failed: {message}", job_name(job)));
                json!({ "success": false, "error_message": message })
            }
        };
        let dict = match convert::json_to_variant(&value).try_to::<VarDictionary>() {
            Ok(d) => d,
            Err(_) => VarDictionary::new(),
        };
        match job {
            Job::HealthCheck => {
                if dict.contains_key("error_message") {
                    self.emit(
                        "health_check_completed",
                        &[self.failed_report().to_variant()],
                    );
                } else {
                    self.emit("health_check_completed", &[dict.to_variant()]);
                }
            }
            Job::Export | Job::Import => {
                let success = dict
                    .get("success")
                    .and_then(|v| v.try_to::<bool>().ok())
                    .unwrap_or(false);
                let op = if job == Job::Export {
                    "export_backup"
                } else {
                    "import_backup"
                };
                let error = dict
                    .get("error_message")
                    .map(|v| v.stringify().to_string())
                    .unwrap_or_default();
                self.finish_run(op, success, &error, dict.clone());
                let signal = if job == Job::Export {
                    "export_completed"
                } else {
                    "import_completed"
                };
                self.emit(signal, &[dict.to_variant()]);
            }
            Job::DueTasks => self.deliver_due_tasks(&value),
        }
    }

    fn deliver_due_tasks(&mut self, value: &Value) {
        if let Some(run) = value.get("scheduled_backup").filter(|r| !r.is_null()) {
            let dict = convert::json_to_variant(run)
                .try_to::<VarDictionary>()
                .unwrap_or_default();
            if !run["skipped"].as_bool().unwrap_or(false) {
                self.emit(
                    "automated_backup_triggered",
                    &[
                        BackupTrigger::TimerInterval.key().to_variant(),
                        VarDictionary::new().to_variant(),
                    ],
                );
                let success = run["success"].as_bool().unwrap_or(false);
                let error = run["error_message"].as_str().unwrap_or("").to_string();
                self.finish_run("scheduled_backup", success, &error, dict);
            }
        }
        if let Some(report) = value.get("health_report").filter(|r| !r.is_null()) {
            let dict = convert::json_to_variant(report)
                .try_to::<VarDictionary>()
                .unwrap_or_default();
            self.emit("health_check_completed", &[dict.to_variant()]);
        }
        if let Some(error) = value["health_error"].as_str().filter(|e| !e.is_empty()) {
            self.fail(format!("scheduled health check failed: {error}"));
        }
    }
}

fn job_name(job: Job) -> &'static str {
    match job {
        Job::HealthCheck => "health_check",
        Job::Export => "export",
        Job::Import => "import",
        Job::DueTasks => "scheduled_tasks",
    }
}
