//! How a failure reaches Godot: a message in the Godot error log
//! (`push_error`), and a value the script can test (`false`, or a result
//! Dictionary with `success: false`, `error_message` and `error_kind`).

use std::cell::Cell;

use godot::prelude::*;

thread_local! {
    /// Kind of the last core error turned into a message on this thread,
    /// taken by the next `failed_result`.
    static LAST_KIND: Cell<Option<&'static str>> = const { Cell::new(None) };
}

/// Logs `message` through Godot's `push_error` (shown in the debugger and on
/// stderr), prefixed with the class that failed.
pub fn push_error(class: &str, message: &str) {
    godot::global::push_error(&[format!("{class}: {message}").to_variant()]);
}

/// The message of a core error, remembering its kind (`authentication`,
/// `corrupt`, ...) for the result Dictionary built next.
pub fn describe(error: &backup_core::Error) -> String {
    LAST_KIND.with(|k| k.set(Some(error.kind())));
    error.to_string()
}

/// A result Dictionary for a failed operation: `success: false`, the message
/// under `error_message`, its kind under `error_kind` (`error` when no core
/// error said more), plus the keys the operation always carries.
pub fn failed_result(message: &str, mut always: VarDictionary) -> VarDictionary {
    always.set("success", false);
    always.set("error_message", message);
    let kind = LAST_KIND.with(|k| k.take()).unwrap_or("error");
    always.set("error_kind", kind);
    always
}
