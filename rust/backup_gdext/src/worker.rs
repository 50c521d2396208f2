//! Long work off the main thread. A job runs on its own thread against the
//! shared `BackupFlow` and sends messages back through a channel; the
//! coordinator drains the channel in `_process` and emits signals there, on
//! the main thread (a Node may not emit from another thread). Results stay
//! the core's types until they are delivered.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread;

use backup_core::{DueTasks, ExportResult, HealthReport, ImportResult};

use crate::failure::{Failure, Outcome};

/// Which long operation a message belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// `perform_health_check_async`.
    HealthCheck,
    /// `export_backup_async`.
    Export,
    /// `import_backup_async`.
    Import,
    /// The schedule's due tasks (`run_due_tasks`).
    DueTasks,
}

impl Job {
    /// The name `operation_progress` and failure messages use.
    pub fn name(self) -> &'static str {
        match self {
            Job::HealthCheck => "health_check",
            Job::Export => "export",
            Job::Import => "import",
            Job::DueTasks => "scheduled_tasks",
        }
    }
}

/// What a finished job produced.
#[derive(Debug)]
pub enum Done {
    /// A health check ran (or failed with the core's error).
    HealthCheck(Result<HealthReport, backup_core::Error>),
    /// An export ran.
    Export(ExportResult),
    /// An import ran.
    Import(ImportResult),
    /// The schedule's due tasks ran.
    DueTasks(Box<DueTasks>),
}

/// What a job reports.
#[derive(Debug)]
pub enum Message {
    /// `done` of `total` items processed.
    Progress {
        /// The job.
        job: Job,
        /// Items done.
        done: usize,
        /// Items in all.
        total: usize,
    },
    /// The job's result, or why it did not produce one (a panic).
    Finished {
        /// The job.
        job: Job,
        /// Its result.
        result: Outcome<Done>,
    },
}

/// Runs jobs on threads and collects their messages.
pub struct Worker {
    tx: Sender<Message>,
    rx: Receiver<Message>,
    running: usize,
}

impl Default for Worker {
    fn default() -> Self {
        let (tx, rx) = channel();
        Worker { tx, rx, running: 0 }
    }
}

impl Worker {
    /// Starts `work` on a new thread. A panic in the job is caught and
    /// reported as a failure, never propagated.
    pub fn spawn(
        &mut self,
        job: Job,
        work: impl FnOnce(&Sender<Message>) -> Done + Send + 'static,
    ) -> Outcome<()> {
        let tx = self.tx.clone();
        thread::Builder::new()
            .name(format!("backup_system {job:?}"))
            .spawn(move || {
                let result = catch_unwind(AssertUnwindSafe(|| work(&tx)))
                    .map_err(|_| Failure::Worker(format!("{job:?} job panicked")));
                // The receiver is gone when the node was freed; nothing to tell then.
                let _ = tx.send(Message::Finished { job, result });
            })
            .map_err(|e| Failure::Worker(format!("could not start a worker thread: {e}")))?;
        self.running += 1;
        Ok(())
    }

    /// Messages that arrived since the last call.
    pub fn drain(&mut self) -> Vec<Message> {
        let messages: Vec<Message> = self.rx.try_iter().collect();
        self.running -= messages
            .iter()
            .filter(|m| matches!(m, Message::Finished { .. }))
            .count()
            .min(self.running);
        messages
    }

    /// Whether a job is still running.
    pub fn is_busy(&self) -> bool {
        self.running > 0
    }
}
