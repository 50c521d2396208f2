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

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    fn finished(worker: &mut Worker) -> Vec<Message> {
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut seen = Vec::new();
        while worker.is_busy() && Instant::now() < deadline {
            seen.extend(worker.drain());
            thread::sleep(Duration::from_millis(5));
        }
        seen
    }

    #[test]
    fn a_job_reports_progress_then_its_result_and_the_worker_is_idle_again() {
        let mut worker = Worker::default();
        worker
            .spawn(Job::Import, |tx| {
                let _ = tx.send(Message::Progress {
                    job: Job::Import,
                    done: 1,
                    total: 2,
                });
                Done::Import(ImportResult::failed(&"refused"))
            })
            .unwrap();
        assert!(worker.is_busy());
        let messages = finished(&mut worker);
        assert!(!worker.is_busy());
        assert!(matches!(
            messages[0],
            Message::Progress {
                job: Job::Import,
                done: 1,
                total: 2
            }
        ));
        match &messages[1] {
            Message::Finished {
                job: Job::Import,
                result: Ok(Done::Import(r)),
            } => assert_eq!(r.error_message, "refused"),
            other => panic!("unexpected message {other:?}"),
        }
    }

    #[test]
    fn a_panicking_job_becomes_a_worker_failure() {
        let mut worker = Worker::default();
        worker
            .spawn(Job::Export, |_| panic!("job blew up"))
            .unwrap();
        let messages = finished(&mut worker);
        assert!(!worker.is_busy());
        match messages.as_slice() {
            [Message::Finished {
                job: Job::Export,
                result: Err(Failure::Worker(message)),
            }] => assert_eq!(message, "Export job panicked"),
            other => panic!("unexpected messages {other:?}"),
        }
    }
}
