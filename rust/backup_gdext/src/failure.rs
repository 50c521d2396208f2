//! How a failure reaches Godot: a message in the Godot error log
//! (`push_error`), and a value the script can test (`false`, or a result
//! Dictionary with `success: false` and `error_message`; save, load and
//! rekey results also carry `error_kind`).

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
/// under `error_message`, plus the keys the operation always carries.
pub fn failed_result(message: &str, mut always: VarDictionary) -> VarDictionary {
    always.set("success", false);
    always.set("error_message", message);
    always
}

/// Sets `error_kind` on a result: empty on success; on failure the kind of
/// the core error last passed to [`describe`] (`authentication`, `corrupt`,
/// `not_found`, ...), or `error` when none was.
pub fn with_kind(mut result: VarDictionary) -> VarDictionary {
    let ok = result.get("success").is_some_and(|v| v.booleanize());
    let kind = LAST_KIND.with(|k| k.take());
    result.set("error_kind", if ok { "" } else { kind.unwrap_or("error") });
    result
}
