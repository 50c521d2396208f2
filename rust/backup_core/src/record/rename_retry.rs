//! Renaming onto or away from a file that another program holds open.
//!
//! On Windows, antivirus scanners, cloud-sync clients, backup tools and
//! editors open files for a moment without `FILE_SHARE_DELETE`; while one
//! does, a rename onto or away from that file fails with
//! `ERROR_ACCESS_DENIED` or `ERROR_SHARING_VIOLATION`. Such holds last from
//! milliseconds to about a second, so the rename is retried with a short
//! backoff before it gives up with an error that says what happened. A
//! rename either happens whole or not at all, so retrying never leaves a
//! half-renamed save: the old file stays in place until the one that
//! replaces it has arrived.

use std::fmt;
use std::io;
use std::path::Path;
use std::thread;
use std::time::Duration;

/// Pauses between attempts: 9 attempts over about 1.3 s in all, long
/// enough for a scanner to let go, short enough for a save to still feel
/// like a save when the file stays held.
const BACKOFF: [Duration; 8] = [
    Duration::from_millis(5),
    Duration::from_millis(10),
    Duration::from_millis(20),
    Duration::from_millis(40),
    Duration::from_millis(80),
    Duration::from_millis(160),
    Duration::from_millis(320),
    Duration::from_millis(640),
];

/// `std::fs::rename`, retried while the failure says another program holds
/// one of the files open.
pub(crate) fn rename(from: &Path, to: &Path) -> io::Result<()> {
    retry(
        || std::fs::rename(from, to),
        held_open,
        &BACKOFF,
        thread::sleep,
    )
}

/// Whether an error means "another program has the file open" (Windows
/// sharing rules). Unix renames never fail that way.
fn held_open(error: &io::Error) -> bool {
    // ERROR_ACCESS_DENIED, ERROR_SHARING_VIOLATION, ERROR_LOCK_VIOLATION.
    cfg!(windows) && matches!(error.raw_os_error(), Some(5 | 32 | 33))
}

/// Runs `attempt` until it succeeds, fails with an error `transient` does not
/// accept, or the pauses in `backoff` are used up; the last transient error
/// is then wrapped in [`HeldOpen`], keeping its kind.
fn retry(
    mut attempt: impl FnMut() -> io::Result<()>,
    transient: impl Fn(&io::Error) -> bool,
    backoff: &[Duration],
    mut sleep: impl FnMut(Duration),
) -> io::Result<()> {
    let mut waited = Duration::ZERO;
    let mut pauses = backoff.iter();
    loop {
        match attempt() {
            Ok(()) => return Ok(()),
            Err(e) if !transient(&e) => return Err(e),
            Err(e) => match pauses.next() {
                Some(&pause) => {
                    sleep(pause);
                    waited += pause;
                }
                None => {
                    return Err(io::Error::new(
                        e.kind(),
                        HeldOpen {
                            attempts: backoff.len() + 1,
                            waited,
                            source: e,
                        },
                    ))
                }
            },
        }
    }
}

/// A rename that kept failing because another program held the file.
#[derive(Debug)]
struct HeldOpen {
    attempts: usize,
    waited: Duration,
    source: io::Error,
}

impl fmt::Display for HeldOpen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the file is in use by another program (an antivirus scanner, a cloud-sync client or \
             an editor) or is read-only; gave up after {} attempts over {} ms ({}); \
             the file it was to replace is untouched; try again",
            self.attempts,
            self.waited.as_millis(),
            self.source
        )
    }
}

impl std::error::Error for HeldOpen {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.source)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::{Cell, RefCell};

    use super::*;

    fn busy() -> io::Error {
        io::Error::new(io::ErrorKind::PermissionDenied, "busy")
    }

    fn is_busy(e: &io::Error) -> bool {
        e.to_string() == "busy"
    }

    #[test]
    fn succeeds_once_the_holder_lets_go() {
        let calls = Cell::new(0);
        let slept = RefCell::new(Vec::new());
        let result = retry(
            || {
                calls.set(calls.get() + 1);
                if calls.get() < 4 {
                    Err(busy())
                } else {
                    Ok(())
                }
            },
            is_busy,
            &BACKOFF,
            |d| slept.borrow_mut().push(d),
        );
        assert!(result.is_ok());
        assert_eq!(calls.get(), 4);
        assert_eq!(*slept.borrow(), BACKOFF[..3].to_vec());
    }

    #[test]
    fn gives_up_with_a_clear_error_of_the_same_kind() {
        let calls = Cell::new(0);
        let slept = RefCell::new(Vec::new());
        let err = retry(
            || {
                calls.set(calls.get() + 1);
                Err(busy())
            },
            is_busy,
            &BACKOFF,
            |d| slept.borrow_mut().push(d),
        )
        .unwrap_err();
        assert_eq!(calls.get(), BACKOFF.len() + 1);
        assert_eq!(*slept.borrow(), BACKOFF.to_vec());
        assert_eq!(err.kind(), io::ErrorKind::PermissionDenied);
        let text = err.to_string();
        assert!(text.contains("in use by another program"), "{text}");
        assert!(text.contains("9 attempts over 1275 ms"), "{text}");
        assert!(text.contains("(busy)"), "the cause is kept: {text}");
    }

    #[test]
    fn other_errors_are_returned_at_once() {
        let calls = Cell::new(0);
        let err = retry(
            || {
                calls.set(calls.get() + 1);
                Err(io::Error::from(io::ErrorKind::NotFound))
            },
            is_busy,
            &BACKOFF,
            |_| panic!("no pause for an error that is not transient"),
        )
        .unwrap_err();
        assert_eq!(calls.get(), 1);
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
    }

    #[test]
    fn only_windows_sharing_errors_count_as_held_open() {
        let denied = io::Error::from_raw_os_error(if cfg!(windows) { 5 } else { 13 });
        assert_eq!(held_open(&denied), cfg!(windows));
        assert!(!held_open(&io::Error::from(io::ErrorKind::NotFound)));
        assert!(!held_open(&io::Error::from_raw_os_error(2)));
    }
}
