//! Long work off the main thread. A job runs on its own thread against the
//! shared `BackupFlow` and sends messages back through a channel; the
//! coordinator drains the channel in `_process` and emits signals there, on
//! the main thread (a Node may not emit from another thread).

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::thread;

use serde_json::Value;

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

/// What a job reports.
#[derive(Debug)]
pub enum Message {
    /// `done` of `total` items processed.
    Progress { job: Job, done: usize, total: usize },
    /// The job's result: a serialised core result, or an error message.
    Finished {
        job: Job,
        result: Result<Value, String>,
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
        work: impl FnOnce(&Sender<Message>) -> Result<Value, String> + Send + 'static,
    ) -> Result<(), String> {
        let tx = self.tx.clone();
        thread::Builder::new()
            .name(format!("backup_system {job:?}"))
            .spawn(move || {
                let result = catch_unwind(AssertUnwindSafe(|| work(&tx)))
                    .unwrap_or_else(|_| Err(format!("{job:?} job panicked")));
                // The receiver is gone when the node was freed; nothing to tell then.
                let _ = tx.send(Message::Finished { job, result });
            })
            .map_err(|e| format!("could not start a worker thread: {e}"))?;
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
