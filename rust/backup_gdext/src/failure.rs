//! How a failure reaches Godot: a message in the Godot error log
//! (`push_error`), and a value the script can test (`false`, or a result
//! Dictionary with `success: false` and `error_message`).

use godot::prelude::*;

/// Logs `message` through Godot's `push_error` (shown in the debugger and on
/// stderr), prefixed with the class that failed.
pub fn push_error(class: &str, message: &str) {
    godot::global::push_error(&[format!("{class}: {message}").to_variant()]);
}

/// Logs a warning in Godot's style: `Class: message`.
pub fn push_warning(class: &str, message: &str) {
    godot::global::push_warning(&[format!("{class}: {message}").to_variant()]);
}

/// A result Dictionary for a failed operation: `success: false`, the message
/// under `error_message`, plus the keys the operation always carries.
pub fn failed_result(message: &str, mut always: VarDictionary) -> VarDictionary {
    always.set("success", false);
    always.set("error_message", message);
    always
}
