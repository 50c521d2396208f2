//! Status: health checks, the backup status of every slot, the running
//! operation, performance counters and the last error.

use backup_core::HealthCheckFailure;
use godot::prelude::*;

use super::BackupFlowCoordinator;
use crate::convert;
use crate::worker::{Done, Job, Message};

#[godot_api(secondary)]
impl BackupFlowCoordinator {
    /// Verifies every save, backup and snapshot; returns the spec's report
    /// and emits `health_check_completed`.
    #[func]
    pub fn perform_health_check(&mut self) -> VarDictionary {
        let flow = match self.flow_or_fail() {
            Ok(flow) => flow,
            Err(e) => return convert::to_dict(&HealthCheckFailure::new(&e)),
        };
        match flow.perform_health_check() {
            Ok(report) => {
                let dict = convert::to_dict(&report);
                self.signals().health_check_completed().emit(&dict);
                dict
            }
            Err(e) => {
                self.errors.record(&e);
                convert::to_dict(&HealthCheckFailure::new(&e))
            }
        }
    }

    /// Like `perform_health_check` on a worker thread: `operation_progress`
    /// while it runs, then `health_check_completed` on the main thread. False
    /// when it could not start.
    #[func]
    pub fn perform_health_check_async(&mut self) -> bool {
        let Ok(flow) = self.flow_or_fail() else {
            return false;
        };
        let started = self.worker.spawn(Job::HealthCheck, move |tx| {
            let mut progress = |done: usize, total: usize| {
                let _ = tx.send(Message::Progress {
                    job: Job::HealthCheck,
                    done,
                    total,
                });
            };
            Done::HealthCheck(flow.perform_health_check_with_progress(&mut progress))
        });
        self.started(started)
    }

    /// `{automated_backups_enabled, last_automated_backup, save_slots, ...}`;
    /// each of `save_slots` has `slot_number, pilot_callsign, has_backups,
    /// backup_count, ...`.
    #[func]
    pub fn get_backup_status(&mut self) -> VarDictionary {
        let Ok(flow) = self.flow_or_fail() else {
            return VarDictionary::new();
        };
        let status = flow.get_backup_status().map_err(Into::into);
        self.errors
            .check(status)
            .map(|status| convert::to_dict(&status))
            .unwrap_or_default()
    }

    /// Whether a backup, recovery, export or import is running.
    #[func]
    pub fn is_backup_operation_active(&mut self) -> bool {
        let busy = self.worker.is_busy();
        busy || self
            .flow
            .as_ref()
            .is_some_and(|f| f.is_backup_operation_active())
    }

    /// `{operation, operation_type, started_at, context}` of the running
    /// operation; empty when idle.
    #[func]
    pub fn get_current_operation_context(&mut self) -> VarDictionary {
        self.flow
            .as_ref()
            .and_then(|f| f.current_operation_context())
            .map(|c| convert::to_dict(&c))
            .unwrap_or_default()
    }

    /// `{operations, total, flow}`: store operations by kind with counts,
    /// failures, bytes and durations (microseconds), and the flow's counters.
    #[func]
    pub fn get_backup_performance_stats(&mut self) -> VarDictionary {
        let Ok(flow) = self.flow_or_fail() else {
            return VarDictionary::new();
        };
        convert::to_dict(&flow.performance_stats())
    }

    /// The message of the most recent failure (empty if none yet).
    #[func]
    pub fn get_last_error(&self) -> GString {
        self.errors.last()
    }
}
