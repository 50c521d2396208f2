//! `savekeep repair` and `savekeep restore`: putting a slot back together
//! through backup_core, which quarantines damaged files and snapshots a
//! replaced save instead of deleting anything.

use std::io::{BufRead, Write};

use backup_core::Candidate;
use backup_core::{RecoverySource, RestoreOutcome, StartupAction};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::context::Ctx;
use crate::exit::{CliError, CliResult, EXIT_DAMAGED, EXIT_OK};
use crate::output::{self, Done, Tone, Ui};
use crate::report::{display_path, FileReport, FileState};

/// Where the data of a repair or restore came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceReport {
    /// `already_healthy`, `backup`, `snapshot` or `interrupted_write`.
    pub kind: &'static str,
    /// Backup level, for `backup`.
    pub level: Option<u32>,
    /// Snapshot id, for `snapshot`.
    pub snapshot_id: Option<String>,
    /// Human description.
    pub description: String,
}

impl SourceReport {
    fn new(source: &RecoverySource) -> SourceReport {
        let (kind, level, snapshot_id) = match source {
            RecoverySource::AlreadyHealthy => ("already_healthy", None, None),
            RecoverySource::Backup(level) => ("backup", Some(*level), None),
            RecoverySource::Snapshot(id) => ("snapshot", None, Some(id.clone())),
            RecoverySource::InterruptedWrite => ("interrupted_write", None, None),
        };
        SourceReport {
            kind,
            level,
            snapshot_id,
            description: source.describe(),
        }
    }
}

/// JSON body of `repair` and `restore`.
#[derive(Debug, Serialize)]
pub struct RepairReport {
    /// The save folder.
    pub root: String,
    /// The slot.
    pub slot: u32,
    /// `repaired`, `restored`, `already_healthy`, `declined` or `no_valid_copy`.
    pub result: &'static str,
    /// The copy used (or that would have been used, when declined).
    pub source: Option<SourceReport>,
    /// When the save of that copy was written.
    pub source_written_at: Option<DateTime<Utc>>,
    /// Where the damaged current save was moved.
    pub quarantined: Option<String>,
    /// Snapshot id keeping the save that was replaced.
    pub safety_snapshot: Option<String>,
    /// What opening the store recovered (interrupted writes settled).
    pub startup_actions: Vec<StartupAction>,
}

/// Runs `repair SLOT [--yes]`. Looks first through a read-only store, so
/// that nothing changes (not even start-up recovery of interrupted writes)
/// before the plan was shown and the player said yes.
pub fn run_repair(ctx: &Ctx, slot: i64, yes: bool) -> CliResult<Done> {
    let preview = ctx.open_read_only()?;
    let slot = preview.check_slot(slot)?;
    let pending = preview.pending_recovery()?;
    let mut report = RepairReport {
        root: display_path(preview.root()),
        slot,
        result: "already_healthy",
        source: None,
        source_written_at: None,
        quarantined: None,
        safety_snapshot: None,
        startup_actions: Vec::new(),
    };
    let primary = FileReport::new(
        slot,
        &preview.check_file(
            preview.layout().primary(slot),
            backup_core::CopyRole::Primary,
        ),
    );
    if primary.state == FileState::Valid && pending.is_empty() {
        report.source = Some(SourceReport::new(&RecoverySource::AlreadyHealthy));
        let human = format!("Slot {slot} is healthy: nothing to repair.\n");
        return Ok(Done::new(&report, human, EXIT_OK));
    }
    if matches!(primary.state, FileState::NewerVersion | FileState::Locked) {
        // Written by a newer game, or a save the key does not open: refused
        // before anything is asked, as the core's repair refuses it.
        if let Err(e) = preview.load(slot) {
            return Err(e.into());
        }
    }
    let mut plan = String::new();
    if !pending.is_empty() {
        plan.push_str(
            "Interrupted writes will be settled first (a complete one is finished or kept in quarantine/, never deleted):\n",
        );
        for path in &pending {
            plan.push_str(&format!("  {}\n", display_path(path)));
        }
    }
    if primary.state != FileState::Valid {
        let best = best_candidate(preview.recovery_candidates(slot)?);
        match &best {
            None if pending.is_empty() => {
                return Err(backup_core::Error::NoValidCopy { slot }.into())
            }
            None => {}
            Some(best) => {
                report.source = Some(SourceReport::new(&best.source));
                report.source_written_at = best.written_at;
                plan.push_str(&format!(
                    "Slot {slot}: the current save is {}{}.\nIt will be {} (saved {}).\n{}",
                    primary.state.label().to_lowercase(),
                    primary
                        .reason
                        .as_deref()
                        .map(|r| format!(" ({r})"))
                        .unwrap_or_default(),
                    best.source.describe(),
                    output::time(best.written_at),
                    if primary.state == FileState::Missing {
                        String::new()
                    } else {
                        "The damaged file will be moved to quarantine/, not deleted.\n".into()
                    }
                ));
            }
        }
    }
    let damaged_exit = if primary.state == FileState::Valid {
        EXIT_OK
    } else {
        EXIT_DAMAGED
    };
    if !yes && !confirm(&format!("{plan}Repair slot {slot}? [y/N] "))? {
        report.result = "declined";
        let human = ctx.ui.paint("Nothing was changed.", Tone::Warn) + "\n";
        return Ok(Done::new(&report, human, damaged_exit));
    }
    drop(preview);
    let store = ctx.open_writer()?;
    report.startup_actions = store.startup_actions().to_vec();
    let outcome = store.repair(slot)?;
    fill(&mut report, &outcome, "repaired");
    let human = render_outcome(&report, &ctx.ui, if yes { Some(plan) } else { None });
    Ok(Done::new(&report, human, EXIT_OK))
}

/// Runs `restore SLOT LEVEL`.
pub fn run_restore(ctx: &Ctx, slot: i64, level: i64) -> CliResult<Done> {
    ctx.check_slot(slot)?;
    ctx.check_level(level)?;
    let store = ctx.open_writer()?;
    let slot = store.check_slot(slot)?;
    let level = store.check_level(level)?;
    let mut report = RepairReport {
        root: display_path(store.root()),
        slot,
        result: "restored",
        source: None,
        source_written_at: None,
        quarantined: None,
        safety_snapshot: None,
        startup_actions: store.startup_actions().to_vec(),
    };
    let check = store.check_file(
        store.layout().backup(slot, level),
        backup_core::CopyRole::Backup(level),
    );
    report.source_written_at = check.written_at();
    let outcome = store.restore_backup(slot, level)?;
    fill(&mut report, &outcome, "restored");
    let human = render_outcome(&report, &ctx.ui, None);
    Ok(Done::new(&report, human, EXIT_OK))
}

/// The copy `SlotStore::repair` will pick: the newest; on a tie the
/// earlier (preferred) candidate.
fn best_candidate(candidates: Vec<Candidate>) -> Option<Candidate> {
    candidates
        .into_iter()
        .enumerate()
        .max_by_key(|(i, c)| (c.written_at, std::cmp::Reverse(*i)))
        .map(|(_, c)| c)
}

fn fill(report: &mut RepairReport, outcome: &RestoreOutcome, result: &'static str) {
    report.result = if outcome.source == RecoverySource::AlreadyHealthy {
        "already_healthy"
    } else {
        result
    };
    report.source = Some(SourceReport::new(&outcome.source));
    report.quarantined = outcome.quarantined.as_deref().map(display_path);
    report.safety_snapshot = outcome.safety_snapshot.clone();
}

fn render_outcome(report: &RepairReport, ui: &Ui, plan: Option<String>) -> String {
    let mut out = plan.unwrap_or_default();
    let source = report
        .source
        .as_ref()
        .map(|s| s.description.clone())
        .unwrap_or_default();
    out.push_str(&ui.paint(&format!("Slot {}: {source}.", report.slot), Tone::Good));
    out.push('\n');
    if let Some(q) = &report.quarantined {
        out.push_str(&format!("The damaged save was kept as {q}\n"));
    }
    if let Some(id) = &report.safety_snapshot {
        out.push_str(&format!(
            "The save it replaced was kept as snapshot {id} (see `savekeep snapshots list {}`)\n",
            report.slot
        ));
    }
    out
}

/// Asks on stderr, reads one line from stdin. End of input means no.
fn confirm(question: &str) -> CliResult<bool> {
    let mut stderr = std::io::stderr();
    let io = |source| CliError::Io {
        op: "ask on",
        path: "the terminal".into(),
        source,
    };
    stderr
        .write_all(output::escape_terminal(question, false).as_bytes())
        .map_err(io)?;
    stderr.flush().map_err(io)?;
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(io)?;
    Ok(matches!(answer.trim().to_lowercase().as_str(), "y" | "yes"))
}
