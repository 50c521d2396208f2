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

/// A play time for humans.
pub fn play_time(seconds: f64) -> String {
    if !seconds.is_finite() || seconds <= 0.0 {
        return "-".into();
    }
    let total = seconds as u64;
    format!("{}h {:02}m", total / 3600, (total % 3600) / 60)
}
