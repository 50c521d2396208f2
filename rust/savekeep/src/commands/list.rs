//! `savekeep list`: one line per used slot with its metadata and the state
//! of every backup level.

use comfy_table::{Cell, CellAlignment, ColumnConstraint, Width};
use serde::Serialize;

use crate::context::Ctx;
use crate::exit::{CliResult, EXIT_OK};
use crate::output::{self, Done, Tone, Ui};
use crate::report::{display_path, FileState, SlotReport};

/// JSON body of `list`.
#[derive(Debug, Serialize)]
pub struct ListReport {
    /// The save folder.
    pub root: String,
    /// Used slots, ascending.
    pub slots: Vec<SlotReport>,
}

/// Runs `list`. Read-only: works while the game runs. Always exits 0 when
/// the folder could be read; `verify` is the command whose exit code
/// reflects damage.
pub fn run(ctx: &Ctx) -> CliResult<Done> {
    let store = ctx.open_read_only()?;
    let slots: Vec<SlotReport> = store.list_slots()?.iter().map(SlotReport::new).collect();
    let report = ListReport {
        root: display_path(store.root()),
        slots,
    };
    let human = render(&report, &ctx.ui);
    Ok(Done::new(&report, human, EXIT_OK))
}

fn render(report: &ListReport, ui: &Ui) -> String {
    if report.slots.is_empty() {
        return format!("No saves in {}\n", report.root);
    }
    let mut table = ui.table(&[
        "Slot",
        "Callsign",
        "Campaign / mission",
        "Played",
        "Size",
        "Saved at",
        "State",
        "Backups",
        "Snaps",
    ]);
    for slot in &report.slots {
        let text = |v: &Option<String>| v.clone().filter(|s| !s.is_empty()).unwrap_or("-".into());
        let mut state = slot.state.label().to_owned();
        if slot.interrupted_write {
            state.push_str(" (interrupted write)");
        }
        table.add_row(vec![
            ui.cell(slot.slot, Tone::Dim),
            Cell::new(text(&slot.pilot_callsign)),
            Cell::new(format!(
                "{} / {}",
                text(&slot.campaign),
                text(&slot.mission)
            )),
            Cell::new(slot.play_time_seconds.map_or("-".into(), output::play_time)),
            Cell::new(slot.size.map_or("-".into(), output::bytes)),
            Cell::new(output::time(slot.modified_at)),
            ui.cell(state, slot.state.tone()),
            ui.cell(backup_states(slot), backups_tone(slot)),
            Cell::new(slot.snapshot_count),
        ]);
    }
    ui.keep_whole(&mut table, &[0, 3, 4, 6, 7, 8]);
    for column in [1, 2, 5] {
        if let Some(c) = table.column_mut(column) {
            c.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(10)));
        }
    }
    for column in [0, 3, 4, 8] {
        if let Some(c) = table.column_mut(column) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    format!("Save folder: {}\n{table}\n", report.root)
}

/// `ok DAMAGED -`: the state of every level, newest first (`-` = none).
fn backup_states(slot: &SlotReport) -> String {
    if slot.backups.is_empty() {
        return "-".into();
    }
    slot.backups
        .iter()
        .map(|b| match b.state {
            FileState::Missing => "-",
            state => state.label(),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn backups_tone(slot: &SlotReport) -> Tone {
    let states: Vec<FileState> = slot.backups.iter().map(|b| b.state).collect();
    if states
        .iter()
        .any(|s| matches!(s, FileState::Corrupt | FileState::Unreadable))
    {
        Tone::Bad
    } else if states.contains(&FileState::Valid) {
        Tone::Good
    } else {
        Tone::Warn
    }
}
