//! `savekeep verify`: checks every file of the save folder, in the spirit of
//! `restic check`: says precisely what is wrong with which file, and what to
//! do about it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use backup_core::FLOW_STATE_FILE;
use backup_core::{CopyRole, FileCheck, SlotStore};
use backup_core::{FileRole, Layout, TEMP_SUFFIX};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;

use crate::context::Ctx;
use crate::exit::{CliError, CliResult, EXIT_DAMAGED, EXIT_ERROR, EXIT_OK};
use crate::output::{self, Done, Tone, Ui};
use crate::report::{display_path, FileReport, FileState};

/// Names in the save folder that belong to the store but are not slot files.
const STORE_ENTRIES: [&str; 4] = ["snapshots", "quarantine", ".lock", FLOW_STATE_FILE];

/// How serious a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Damaged or unverifiable data: makes `verify` exit non-zero.
    Error,
    /// Worth knowing; does not change the exit code.
    Warning,
}

/// A finding with advice.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// Slot concerned, if any.
    pub slot: Option<u32>,
    /// File concerned.
    pub path: String,
    /// How serious.
    pub severity: Severity,
    /// What is wrong.
    pub problem: String,
    /// What to do.
    pub advice: String,
}

/// A file in the save folder that is not one of the store's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignFile {
    /// Where it is.
    pub path: String,
    /// Why it is not counted as a save file.
    pub reason: String,
}

/// Counts over the whole folder.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Files verified (every present slot file, plus missing current saves).
    pub files_checked: usize,
    /// Files that verified.
    pub valid: usize,
    /// Damaged files.
    pub corrupt: usize,
    /// Used slots whose current save is missing.
    pub missing_current: usize,
    /// Files written by a newer format version.
    pub newer_version: usize,
    /// Files that could not be read.
    pub unreadable: usize,
    /// Encrypted files the given key (if any) does not open.
    pub locked: usize,
    /// Interrupted writes waiting next to a current save.
    pub interrupted_writes: usize,
    /// Files that are not the store's.
    pub foreign: usize,
    /// Files kept in quarantine/.
    pub quarantined: usize,
}

/// JSON body of `verify`.
#[derive(Debug, Serialize)]
pub struct VerifyReport {
    /// The save folder.
    pub root: String,
    /// True when no error-severity problem was found.
    pub healthy: bool,
    /// Counts.
    pub summary: Summary,
    /// Every file verified, by slot then role.
    pub files: Vec<FileReport>,
    /// Findings with advice.
    pub problems: Vec<Problem>,
    /// Files that are not the store's (ignored by the game).
    pub foreign: Vec<ForeignFile>,
}

impl VerifyReport {
    /// Exit code: damage first, then unreadable files, else success.
    pub fn exit_code(&self) -> u8 {
        let s = &self.summary;
        if s.corrupt + s.missing_current + s.newer_version > 0 {
            EXIT_DAMAGED
        } else if s.unreadable + s.locked > 0 {
            EXIT_ERROR
        } else {
            EXIT_OK
        }
    }
}

/// What is in the folder, before anything is verified.
#[derive(Debug, Default)]
struct Plan {
    files: BTreeMap<u32, Vec<(PathBuf, CopyRole)>>,
    interrupted: Vec<(u32, PathBuf)>,
    foreign: Vec<ForeignFile>,
    quarantined: usize,
}

/// Runs `verify`. Read-only: works while the game runs.
pub fn run(ctx: &Ctx) -> CliResult<Done> {
    let store = ctx.open_read_only()?;
    let report = verify(&store)?;
    let human = render(&report, &ctx.ui);
    let exit = report.exit_code();
    Ok(Done::new(&report, human, exit))
}

/// Verifies every file of the store's folder.
pub fn verify(store: &SlotStore) -> CliResult<VerifyReport> {
    let plan = plan(store)?;
    let total: usize = plan.files.values().map(Vec::len).sum();
    let progress = progress_bar(total as u64);
    let mut files = Vec::with_capacity(total);
    let mut by_slot: BTreeMap<u32, Vec<FileCheck>> = BTreeMap::new();
    for (slot, entries) in &plan.files {
        for (path, role) in entries {
            progress.set_message(crate::output::escape_terminal(&file_name(path), false));
            let check = store.check_file(path.clone(), role.clone());
            progress.inc(1);
            by_slot.entry(*slot).or_default().push(check);
        }
    }
    progress.finish_and_clear();

    let mut problems = Vec::new();
    let mut summary = Summary {
        foreign: plan.foreign.len(),
        quarantined: plan.quarantined,
        interrupted_writes: plan.interrupted.len(),
        ..Summary::default()
    };
    for (slot, checks) in &by_slot {
        let has_valid_other = checks
            .iter()
            .any(|c| c.is_valid() && c.role != CopyRole::Primary)
            || plan.interrupted.iter().any(|(s, p)| {
                s == slot && store.check_file(p.clone(), CopyRole::Primary).is_valid()
            });
        for check in checks {
            let file = FileReport::new(*slot, check);
            // Missing backup levels are normal (a young slot has none).
            if file.state == FileState::Missing && check.role != CopyRole::Primary {
                continue;
            }
            summary.files_checked += 1;
            match file.state {
                FileState::Valid => summary.valid += 1,
                FileState::Missing => summary.missing_current += 1,
                FileState::Corrupt => summary.corrupt += 1,
                FileState::NewerVersion => summary.newer_version += 1,
                FileState::Unreadable => summary.unreadable += 1,
                FileState::Locked => summary.locked += 1,
            }
            if let Some(problem) = problem_for(&file, has_valid_other) {
                problems.push(problem);
            }
            files.push(file);
        }
    }
    for (slot, path) in &plan.interrupted {
        problems.push(Problem {
            slot: Some(*slot),
            path: display_path(path),
            severity: Severity::Warning,
            problem: format!("slot {slot} has an interrupted save waiting"),
            advice: "the game finishes or discards it the next time it starts; \
                     if the current save is damaged, `savekeep repair` considers it too"
                .into(),
        });
    }
    let healthy = !problems.iter().any(|p| p.severity == Severity::Error);
    Ok(VerifyReport {
        root: display_path(store.root()),
        healthy,
        summary,
        files,
        problems,
        foreign: plan.foreign,
    })
}

fn problem_for(file: &FileReport, has_valid_other: bool) -> Option<Problem> {
    let slot = file.slot;
    let reason = file.reason.clone().unwrap_or_default();
    let what = match (file.role, file.level, &file.snapshot_id) {
        ("backup", Some(level), _) => format!("backup level {level} of slot {slot}"),
        ("snapshot", _, Some(id)) => format!("snapshot {id} of slot {slot}"),
        _ => format!("the current save of slot {slot}"),
    };
    let repair = if has_valid_other {
        format!(
            "run `savekeep repair {slot}`: it puts back the newest valid copy and moves \
             the damaged file to quarantine/"
        )
    } else {
        "no valid copy of this slot is left: keep the folder as it is and contact \
         support; do not delete anything"
            .into()
    };
    let (problem, advice) = match (file.state, file.role) {
        (FileState::Valid, _) => return None,
        (FileState::Missing, _) => (format!("{what} is missing"), repair),
        (FileState::Corrupt, "primary") => (format!("{what} is damaged: {reason}"), repair),
        (FileState::Corrupt, "backup") => (
            format!("{what} is damaged: {reason}"),
            "it is not used while newer copies are valid; the game's cleanup moves it to \
             quarantine/, and later saves rotate it out"
                .into(),
        ),
        (FileState::Corrupt, _) => (
            format!("{what} is damaged: {reason}"),
            "it cannot be restored; keep it for support or delete it".into(),
        ),
        (FileState::NewerVersion, _) => (
            format!("{what} was written by a newer version of the game: {reason}"),
            "the file is probably fine: update the game and savekeep before using it".into(),
        ),
        (FileState::Locked, _) => (
            format!("{what} cannot be decrypted: {reason}"),
            "the file is intact but encrypted: pass the game's key with --key-file or \
             SAVEKEEP_KEY. If the key is right, the file was modified; nothing repairs or \
             moves it"
                .into(),
        ),
        (FileState::Unreadable, _) => (
            format!("{what} could not be read: {reason}"),
            "check the file's permissions and the disk".into(),
        ),
    };
    Some(Problem {
        slot: Some(slot),
        path: file.path.clone(),
        severity: Severity::Error,
        problem,
        advice,
    })
}

/// Lists what is in the folder: the store's files per slot, interrupted
/// writes, and anything foreign.
fn plan(store: &SlotStore) -> CliResult<Plan> {
    let layout = store.layout();
    let options = store.options();
    let root = layout.root();
    let mut plan = Plan::default();
    for slot in store.used_slots()? {
        let mut entries = vec![(layout.primary(slot), CopyRole::Primary)];
        entries.extend(
            (0..options.backup_levels).map(|l| (layout.backup(slot, l), CopyRole::Backup(l))),
        );
        plan.files.insert(slot, entries);
    }
    for name in list_dir(root)? {
        let path = root.join(&name);
        match Layout::role_of(&name) {
            Some(FileRole::Primary(slot)) | Some(FileRole::Backup(slot, _))
                if slot >= options.slot_count =>
            {
                plan.foreign.push(ForeignFile {
                    path: display_path(&path),
                    reason: format!(
                        "belongs to slot {slot}, beyond the {} slots configured (see --slots)",
                        options.slot_count
                    ),
                });
            }
            Some(FileRole::Backup(slot, level)) if level >= options.backup_levels => {
                // A level left by an older configuration: verify it too.
                if let Some(entries) = plan.files.get_mut(&slot) {
                    entries.push((path, CopyRole::Backup(level)));
                }
            }
            Some(FileRole::Primary(_) | FileRole::Backup(..)) => {}
            Some(FileRole::Temp) => match (temp_slot(&name), Layout::temp_target(&name)) {
                (Some(slot), _) if slot < options.slot_count => plan.interrupted.push((slot, path)),
                (_, Some(_)) => plan.foreign.push(ForeignFile {
                    path: display_path(&path),
                    reason: format!(
                        "interrupted write beyond the {} slots configured (see --slots); opening the folder as writer finishes it or keeps it in quarantine/",
                        options.slot_count
                    ),
                }),
                (_, None) => plan.foreign.push(ForeignFile {
                    path: display_path(&path),
                    reason: "not a save file name; the game ignores it".into(),
                }),
            },
            None if STORE_ENTRIES.contains(&name.as_str()) => {}
            None => plan.foreign.push(ForeignFile {
                path: display_path(&path),
                reason: "not a save file name; the game ignores it".into(),
            }),
        }
    }
    plan_snapshots(store, &mut plan)?;
    let quarantine = layout.quarantine_dir();
    if quarantine.is_dir() && !is_link(&quarantine) {
        plan.quarantined = list_dir(&quarantine)?.len();
    }
    Ok(plan)
}

fn plan_snapshots(store: &SlotStore, plan: &mut Plan) -> CliResult<()> {
    let snapshots = store.root().join("snapshots");
    if is_link(&snapshots) {
        plan.foreign.push(ForeignFile {
            path: display_path(&snapshots),
            reason: "a symbolic link; links in the save folder are not followed".into(),
        });
        return Ok(());
    }
    if !snapshots.is_dir() {
        return Ok(());
    }
    for dir_name in list_dir(&snapshots)? {
        let dir = snapshots.join(&dir_name);
        let slot = match Layout::snapshot_slot_of(&dir_name) {
            Some(slot) if slot < store.options().slot_count && dir.is_dir() && !is_link(&dir) => {
                slot
            }
            _ => {
                plan.foreign.push(ForeignFile {
                    path: display_path(&dir),
                    reason: "not a snapshot folder of a configured slot".into(),
                });
                continue;
            }
        };
        for name in list_dir(&dir)? {
            let path = dir.join(&name);
            match Layout::snapshot_id_of(&name) {
                Some(id) => plan
                    .files
                    .entry(slot)
                    .or_default()
                    .push((path, CopyRole::Snapshot(id.to_owned()))),
                None => plan.foreign.push(ForeignFile {
                    path: display_path(&path),
                    reason: if name.ends_with(TEMP_SUFFIX) {
                        "leftover temporary file of an interrupted snapshot".into()
                    } else {
                        "not a snapshot file name".into()
                    },
                }),
            }
        }
    }
    Ok(())
}

fn is_link(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink())
}

/// The slot of `slot_<n>.sav.tmp`.
fn temp_slot(name: &str) -> Option<u32> {
    match Layout::role_of(name.strip_suffix(TEMP_SUFFIX)?)? {
        FileRole::Primary(slot) => Some(slot),
        _ => None,
    }
}

fn list_dir(dir: &Path) -> CliResult<Vec<String>> {
    let io = |source| CliError::Io {
        op: "list",
        path: dir.to_path_buf(),
        source,
    };
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        names.push(
            entry
                .map_err(io)?
                .file_name()
                .to_string_lossy()
                .into_owned(),
        );
    }
    names.sort();
    Ok(names)
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A progress bar on stderr; indicatif hides it when stderr is not a terminal.
pub fn progress_bar(total: u64) -> ProgressBar {
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template("{bar:30} {pos}/{len} files  {wide_msg}") {
        bar.set_style(style);
    }
    bar
}

fn render(report: &VerifyReport, ui: &Ui) -> String {
    let mut out = format!("Save folder: {}\n", report.root);
    if !report.files.is_empty() {
        let mut table = ui.table(&["Slot", "File", "Size", "Written", "State", "Detail"]);
        for file in &report.files {
            table.add_row(vec![
                ui.cell(file.slot, Tone::Dim),
                comfy_table::Cell::new(file.label()),
                comfy_table::Cell::new(file.size.map_or("-".into(), output::bytes)),
                comfy_table::Cell::new(output::time(file.written_at.or(file.modified))),
                ui.cell(file.state.label(), file.state.tone()),
                comfy_table::Cell::new(file.reason.clone().unwrap_or_default()),
            ]);
        }
        ui.keep_whole(&mut table, &[0, 1, 2, 3, 4]);
        out.push_str(&format!("{table}\n"));
    }
    for problem in &report.problems {
        let tag = match problem.severity {
            Severity::Error => ui.paint("error:", Tone::Bad),
            Severity::Warning => ui.paint("warning:", Tone::Warn),
        };
        out.push_str(&format!(
            "{tag} {}\n  file: {}\n  what to do: {}\n",
            problem.problem, problem.path, problem.advice
        ));
    }
    for foreign in &report.foreign {
        out.push_str(&format!(
            "{} {} ({})\n",
            ui.paint("ignored:", Tone::Dim),
            foreign.path,
            foreign.reason
        ));
    }
    let s = &report.summary;
    out.push_str(&format!(
        "{} files checked: {} valid, {} damaged, {} missing, {} newer version, {} unreadable, \
         {} locked; {} foreign, {} in quarantine\n",
        s.files_checked,
        s.valid,
        s.corrupt,
        s.missing_current,
        s.newer_version,
        s.unreadable,
        s.locked,
        s.foreign,
        s.quarantined
    ));
    out.push_str(&match report.exit_code() {
        EXIT_OK => ui.paint("no problems found", Tone::Good),
        EXIT_ERROR => ui.paint("some files could not be read", Tone::Bad),
        _ => ui.paint("damaged files found", Tone::Bad),
    });
    out.push('\n');
    out
}
