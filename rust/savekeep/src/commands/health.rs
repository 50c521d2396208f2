//! `savekeep health`: backup_core's health report (the one the game's
//! `perform_health_check()` returns), with the trend against the game's last
//! recorded check. Read-only: the check is not added to the game's history.

use std::sync::Arc;

use backup_core::{BackupConfig, BackupFlow, HealthLevel, HealthReport, HealthTrend};
use backup_core::{FileHealthStatus, HealthSummary};
use serde::Serialize;

use crate::commands::verify::progress_bar;
use crate::context::Ctx;
use crate::exit::{CliResult, EXIT_DAMAGED, EXIT_OK};
use crate::output::{self, Done, Tone, Ui};
use crate::report::display_path;

/// JSON body of `health`.
#[derive(Debug, Serialize)]
pub struct HealthOutput {
    /// The save folder.
    pub root: String,
    /// The report, with the keys of the addon's `perform_health_check()`.
    pub report: HealthReport,
    /// The game's last recorded check, which the trend compares against.
    pub previous: Option<HealthSummary>,
    /// Set when the game's recorded history could not be read.
    pub history_warning: Option<String>,
}

/// Runs `health`.
pub fn run(ctx: &Ctx) -> CliResult<Done> {
    let store = Arc::new(ctx.open_read_only()?);
    let root = display_path(store.root());
    let flow = BackupFlow::new(store, BackupConfig::default())?;
    let previous = flow.health_history().last().cloned();
    let bar = progress_bar(0);
    let report = flow.perform_health_check_with_progress(&mut |done, total| {
        bar.set_length(total as u64);
        bar.set_position(done as u64);
    })?;
    bar.finish_and_clear();
    let exit = if report.corrupted_backups > 0
        || matches!(
            report.overall_health,
            HealthLevel::Poor | HealthLevel::Critical
        ) {
        EXIT_DAMAGED
    } else {
        EXIT_OK
    };
    let output = HealthOutput {
        root,
        report,
        previous,
        history_warning: flow.state_warning().map(str::to_owned),
    };
    let human = render(&output, &ctx.ui);
    Ok(Done::new(&output, human, exit))
}

fn level_tone(level: HealthLevel) -> Tone {
    match level {
        HealthLevel::Excellent | HealthLevel::Good => Tone::Good,
        HealthLevel::Warning => Tone::Warn,
        HealthLevel::Poor | HealthLevel::Critical => Tone::Bad,
    }
}

fn render(output: &HealthOutput, ui: &Ui) -> String {
    let r = &output.report;
    let trend = match r.trend {
        HealthTrend::Improving => ui.paint("improving", Tone::Good),
        HealthTrend::Stable => "stable".to_owned(),
        HealthTrend::Degrading => ui.paint("degrading", Tone::Bad),
    };
    let since = match &output.previous {
        Some(p) => format!(
            " since the game's check of {} ({})",
            output::time(chrono::DateTime::from_timestamp(p.check_time, 0)),
            p.overall_health.as_str()
        ),
        None => " (no earlier check recorded)".into(),
    };
    let mut out = format!(
        "Save folder: {}\nOverall health: {}, trend {trend}{since}\n\
         {} files: {} healthy, {} corrupted, {} suspicious\n",
        output.root,
        ui.paint(
            &r.overall_health.as_str().to_uppercase(),
            level_tone(r.overall_health)
        ),
        r.total_backups,
        r.healthy_backups,
        r.corrupted_backups,
        r.suspicious_backups,
    );
    if !r.backup_details.is_empty() {
        let mut table = ui.table(&["Slot", "Files", "Healthy", "Corrupted", "Suspicious"]);
        for s in &r.backup_details {
            table.add_row(vec![
                ui.cell(s.save_slot, Tone::Dim),
                comfy_table::Cell::new(s.backup_count),
                ui.cell(s.healthy_count, Tone::Good),
                ui.cell(
                    s.corrupted_count,
                    if s.corrupted_count > 0 {
                        Tone::Bad
                    } else {
                        Tone::Dim
                    },
                ),
                ui.cell(
                    s.suspicious_count,
                    if s.suspicious_count > 0 {
                        Tone::Warn
                    } else {
                        Tone::Dim
                    },
                ),
            ]);
        }
        out.push_str(&format!("{table}\n"));
    }
    let flagged: Vec<_> = r
        .backup_details
        .iter()
        .flat_map(|s| s.backup_details.iter().map(move |f| (s.save_slot, f)))
        .filter(|(_, f)| f.status != FileHealthStatus::Healthy)
        .collect();
    if !flagged.is_empty() {
        let mut table = ui.table(&["Slot", "File", "Status", "Issues"]);
        for (slot, f) in flagged {
            let (label, tone) = match f.status {
                FileHealthStatus::Corrupted => ("corrupted", Tone::Bad),
                _ => ("suspicious", Tone::Warn),
            };
            table.add_row(vec![
                ui.cell(slot, Tone::Dim),
                comfy_table::Cell::new(&f.file),
                ui.cell(label, tone),
                comfy_table::Cell::new(f.issues.join("; ")),
            ]);
        }
        ui.keep_whole(&mut table, &[0, 1, 2]);
        out.push_str(&format!("{table}\n"));
    }
    if !r.recommendations.is_empty() {
        out.push_str("Recommendations:\n");
        for rec in &r.recommendations {
            out.push_str(&format!("  - {rec}\n"));
        }
    }
    if let Some(w) = &output.history_warning {
        out.push_str(&format!("{} {w}\n", ui.paint("warning:", Tone::Warn)));
    }
    out
}
