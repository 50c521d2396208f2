//! How results reach the user: aligned tables, colour only on a terminal,
//! or one JSON document with a versioned envelope.

use chrono::{DateTime, Local, Utc};
use comfy_table::{presets, Cell, Color, ContentArrangement, Table};
use serde::Serialize;

/// Version of the JSON schema. Bumped only for incompatible changes; new
/// fields may be added without a bump.
pub const SCHEMA_VERSION: u32 = 1;

/// Narrowest terminal that tables are wrapped to fit.
const MIN_WRAP_WIDTH: u16 = 60;

/// What a finished command hands back to `main`.
#[derive(Debug)]
pub struct Done {
    /// The command's JSON body (put inside the envelope by `main`).
    pub json: serde_json::Value,
    /// The human rendering.
    pub human: String,
    /// Exit code.
    pub exit: u8,
}

impl Done {
    /// A result from a serialisable report.
    pub fn new(report: &impl Serialize, human: String, exit: u8) -> Done {
        Done {
            json: serde_json::to_value(report).unwrap_or_else(
                |e| serde_json::json!({ "error": { "kind": "json", "message": e.to_string() } }),
            ),
            human,
            exit,
        }
    }
}

/// The JSON envelope around every command's output.
#[derive(Debug, Serialize)]
pub struct Envelope<'a> {
    /// Always [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// Command name, e.g. `"verify"`, `"snapshots list"`.
    pub command: &'a str,
    /// Exit code the process ends with.
    pub exit_code: u8,
    /// The command's body.
    #[serde(flatten)]
    pub body: serde_json::Value,
}

/// The mood of a piece of text, mapped to a colour on a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Verified, done.
    Good,
    /// Worth a look.
    Warn,
    /// Damaged, failed.
    Bad,
    /// Less important.
    Dim,
}

impl Tone {
    fn ansi(self) -> &'static str {
        match self {
            Tone::Good => "\x1b[32m",
            Tone::Warn => "\x1b[33m",
            Tone::Bad => "\x1b[1;31m",
            Tone::Dim => "\x1b[2m",
        }
    }

    fn color(self) -> Color {
        match self {
            Tone::Good => Color::Green,
            Tone::Warn => Color::Yellow,
            Tone::Bad => Color::Red,
            Tone::Dim => Color::DarkGrey,
        }
    }
}

/// Rendering choices for human output.
#[derive(Debug, Clone, Copy)]
pub struct Ui {
    /// Use ANSI colours.
    pub color: bool,
    /// stdout is a terminal (box-drawing characters, width-aware tables).
    pub tty: bool,
}

impl Ui {
    /// A table with the given header, styled for where stdout goes.
    pub fn table(&self, header: &[&str]) -> Table {
        let mut table = Table::new();
        if self.tty {
            table.load_preset(presets::UTF8_FULL_CONDENSED);
            // Wrap to the terminal only when its width is known and usable:
            // a pseudo-terminal may report 0 columns.
            if table.width().is_some_and(|w| w >= MIN_WRAP_WIDTH) {
                table.set_content_arrangement(ContentArrangement::Dynamic);
            }
        } else {
            table
                .load_preset(presets::ASCII_FULL_CONDENSED)
                .force_no_tty();
        }
        if self.color {
            table.enforce_styling();
        }
        table.set_header(header.iter().copied());
        table
    }

    /// Keeps the given columns unwrapped when a table is fitted to the
    /// terminal: numbers, times and states are unreadable when split.
    pub fn keep_whole(&self, table: &mut Table, columns: &[usize]) {
        for &i in columns {
            if let Some(column) = table.column_mut(i) {
                column.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
            }
        }
    }

    /// A table cell in a tone (coloured only when colour is on).
    pub fn cell(&self, text: impl ToString, tone: Tone) -> Cell {
        let cell = Cell::new(text);
        if self.color {
            cell.fg(tone.color())
        } else {
            cell
        }
    }

    /// Text in a tone (ANSI-coloured only when colour is on).
    pub fn paint(&self, text: &str, tone: Tone) -> String {
        if self.color {
            format!("{}{text}\x1b[0m", tone.ansi())
        } else {
            text.to_owned()
        }
    }
}

/// A byte count for humans.
pub fn bytes(n: u64) -> String {
    indicatif::BinaryBytes(n).to_string()
}

/// A time for humans, in the local time zone.
pub fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".into())
}

/// Longest play time printed in hours and minutes (about 11 years): a
/// larger one is an edited file, printed as a bound rather than 16 digits.
const MAX_PLAY_HOURS: u64 = 99_999;

/// A play time for humans.
pub fn play_time(seconds: f64) -> String {
    if !seconds.is_finite() || seconds <= 0.0 {
        return "-".into();
    }
    if seconds >= (MAX_PLAY_HOURS + 1) as f64 * 3600.0 {
        return format!(">{MAX_PLAY_HOURS}h");
    }
    let total = seconds as u64;
    format!("{}h {:02}m", total / 3600, (total % 3600) / 60)
}

/// Whether a character must not reach a terminal raw: control characters
/// (C0 but the newline, DEL, C1) and the bidirectional and invisible
/// formatting characters that reorder or hide text (Trojan Source).
fn is_unsafe(c: char) -> bool {
    (c.is_control() && c != '\n')
        || matches!(
            c,
            '\u{061C}'
                | '\u{200B}'
                | '\u{200E}'
                | '\u{200F}'
                | '\u{2028}'..='\u{202E}'
                | '\u{2060}'..='\u{2069}'
                | '\u{FEFF}'
        )
}

/// The one escaping function of every human-readable output (stdout,
/// stderr, prompts): text from files (callsigns, campaign and mission names,
/// snapshot names, file names, the project name, error details) may hold
/// terminal escape sequences, carriage returns or bidi overrides. Each such
/// character is printed as `\x1b` or `\u{202e}`. With `keep_colors`, the
/// colour sequences savekeep itself adds (`ESC [ digits ; m`) stay: they
/// only change colours, while a title, cursor or clear-screen sequence
/// planted in a file is escaped. `--json` output is not passed through this
/// (serde_json escapes control characters itself).
pub fn escape_terminal(text: &str, keep_colors: bool) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c == '\x1b' && keep_colors {
            if let Some(len) = sgr_len(rest) {
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                continue;
            }
        }
        if is_unsafe(c) {
            let code = u32::from(c);
            if code < 0x100 {
                out.push_str(&format!("\\x{code:02x}"));
            } else {
                out.push_str(&format!("\\u{{{code:04x}}}"));
            }
        } else {
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// Length of a colour sequence (`ESC [ [0-9;]* m`) at the start of `text`.
fn sgr_len(text: &str) -> Option<usize> {
    let body = text.strip_prefix("\x1b[")?;
    let params = body
        .bytes()
        .take_while(|b| b.is_ascii_digit() || *b == b';')
        .count();
    (body.as_bytes().get(params) == Some(&b'm')).then_some(2 + params + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_bidi_but_not_newlines_or_own_colours() {
        let planted = "A\x1b]0;owned\x07\x1b[2J\rB\u{202e}C\u{2066}\x1b[31mD\n";
        let plain = escape_terminal(planted, false);
        assert_eq!(
            plain,
            "A\\x1b]0;owned\\x07\\x1b[2J\\x0dB\\u{202e}C\\u{2066}\\x1b[31mD\n"
        );
        let coloured = escape_terminal(planted, true);
        assert!(coloured.contains("\\x1b]0;owned") && coloured.contains("\\x1b[2J"));
        assert!(coloured.contains("\x1b[31mD"), "colour kept: {coloured:?}");
        assert_eq!(escape_terminal("Pilot Ünal 🚀", false), "Pilot Ünal 🚀");
    }

    #[test]
    fn absurd_play_times_are_bounded() {
        assert_eq!(play_time(1e308), ">99999h");
        assert_eq!(play_time(3600.0 * 2.0 + 60.0 * 5.0), "2h 05m");
        assert_eq!(play_time(f64::NAN), "-");
    }
}
