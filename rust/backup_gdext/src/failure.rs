//! How a failure reaches Godot, for both classes: errors stay typed
//! ([`Failure`], wrapping [`backup_core::Error`]) until a `#[func]` returns;
//! there [`ErrorLog::record`] puts the message in the Godot error log
//! (`push_error`) and in `get_last_error()`, and the script gets a value it
//! can test (`false`, or a result Dictionary with `success: false` and
//! `error_message`, built from the core's failed result types where the
//! operation has one).

use std::fmt::Display;

use godot::prelude::*;

/// Why an operation of a Godot class failed.
#[derive(Debug, thiserror::Error)]
pub enum Failure {
    /// An error of backup_core, as it came.
    #[error(transparent)]
    Core(#[from] backup_core::Error),
    /// A core error met while doing `what` (the message says both).
    #[error("{what}: {source}")]
    During {
        /// What was being done ("could not keep a backup before migrating").
        what: &'static str,
        /// The core's error.
        source: backup_core::Error,
    },
    /// A slot verified but its bytes are not game data written by
    /// `save_slot` (not a Dictionary): the data is damaged.
    #[error("{0}")]
    BadData(String),
    /// A value the Godot side refuses: a property out of range, an invalid
    /// Callable, a migration that returned something else than a Dictionary.
    #[error("{0}")]
    Refused(String),
    /// A worker thread could not start, or its job panicked.
    #[error("{0}")]
    Worker(String),
}

impl Failure {
    /// True when the failure means the slot's data is damaged (the signal
    /// `corruption_detected` is due).
    pub fn is_corruption(&self) -> bool {
        match self {
            Failure::Core(e) => e.is_corruption(),
            Failure::BadData(_) => true,
            _ => false,
        }
    }

    /// The kind of failure for a result's `error_kind`: the core's kind
    /// (`authentication` for a wrong key or modified file, `corrupt`, `io`,
    /// ...), `corrupt` for undecodable data, `refused`, or `worker`.
    pub fn kind(&self) -> &'static str {
        match self {
            Failure::Core(e) | Failure::During { source: e, .. } => e.kind(),
            Failure::BadData(_) => "corrupt",
            Failure::Refused(_) => "refused",
            Failure::Worker(_) => "worker",
        }
    }
}

/// Result of a class's internal operation.
pub type Outcome<T> = Result<T, Failure>;

/// The failure log of one class instance: what `get_last_error()` returns.
#[derive(Debug)]
pub struct ErrorLog {
    class: &'static str,
    last: GString,
}

impl ErrorLog {
    /// An empty log for `class` (the prefix of its messages).
    pub fn new(class: &'static str) -> Self {
        ErrorLog {
            class,
            last: GString::new(),
        }
    }

    /// Logs `error` through Godot's `push_error` (shown in the debugger and
    /// on stderr), prefixed with the class, and keeps it as the last error.
    pub fn record(&mut self, error: &impl Display) {
        let message = error.to_string();
        godot::global::push_error(&[format!("{}: {message}", self.class).to_variant()]);
        self.last = GString::from(message.as_str());
    }

    /// Records `r`'s error, if any; `None` tells the caller to return its
    /// failure value.
    pub fn check<T>(&mut self, r: Outcome<T>) -> Option<T> {
        r.map_err(|e| self.record(&e)).ok()
    }

    /// The message of the most recent failure (empty if none yet).
    pub fn last(&self) -> GString {
        self.last.clone()
    }
}

/// Logs a warning in Godot's style (`push_warning`): `Class: message`.
pub fn push_warning(class: &str, message: &str) {
    godot::global::push_warning(&[format!("{class}: {message}").to_variant()]);
}

/// [`failed_result`] plus `error_kind` ([`Failure::kind`]), for results
/// whose success form carries an empty `error_kind`.
pub fn failed_with_kind(error: &Failure, always: VarDictionary) -> VarDictionary {
    let mut result = failed_result(error, always);
    result.set("error_kind", error.kind());
    result
}

/// A result Dictionary of a failure: the keys the operation always carries
/// (`always`), `success: false` and `error` under `error_message`.
pub fn failed_result(error: &impl Display, mut always: VarDictionary) -> VarDictionary {
    always.set("success", false);
    always.set("error_message", error.to_string().as_str());
    always
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use backup_core::{Error, FormatError};

    use super::Failure;

    #[test]
    fn only_damaged_data_counts_as_corruption() {
        let corrupt = Error::Corrupt {
            path: PathBuf::from("slot_1.sav"),
            reason: FormatError::HeaderChecksum,
        };
        assert!(Failure::from(corrupt).is_corruption());
        assert!(Failure::from(Error::NoValidCopy { slot: 1 }).is_corruption());
        assert!(Failure::BadData("not a Dictionary".into()).is_corruption());
        assert!(!Failure::from(Error::InvalidSlot { slot: 12, max: 9 }).is_corruption());
        assert!(!Failure::Refused("slot_count 0 must be at least 1".into()).is_corruption());
        // A core error met while doing something else (keeping a safety
        // snapshot before a migration) is that step failing, not a damaged slot.
        let during = Failure::During {
            what: "could not keep a backup before migrating",
            source: Error::NoValidCopy { slot: 1 },
        };
        assert!(!during.is_corruption());
    }

    #[test]
    fn messages_are_the_core_text_or_say_what_was_being_done() {
        let core = Error::InvalidSlot { slot: 12, max: 9 };
        let text = core.to_string();
        assert_eq!(Failure::from(core).to_string(), text);
        let during = Failure::During {
            what: "migrated data could not be saved",
            source: Error::ReadOnly,
        };
        assert_eq!(
            during.to_string(),
            "migrated data could not be saved: the store was opened read-only"
        );
        assert_eq!(Failure::Refused("x".into()).to_string(), "x");
    }
}
