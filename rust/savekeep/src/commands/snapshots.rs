//! `savekeep snapshots list|create|prune`.

use backup_core::{
    FileCheck, RetentionPolicy, SlotStore, SnapshotInfo, SnapshotKind, SnapshotRequest,
    StoreOptions,
};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::SnapshotsCommand;
use crate::context::Ctx;
use crate::exit::{CliResult, EXIT_OK};
use crate::output::{self, Done, Tone, Ui};
use crate::report::{display_path, FileReport, FileState};

/// One snapshot as listed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SnapshotReport {
    /// Slot.
    pub slot: u32,
    /// Id (sortable by time).
    pub id: String,
    /// Display name (unknown when the file is damaged).
    pub name: Option<String>,
    /// `manual`, `automated`, `pre_restore` or `safety`.
    pub kind: Option<&'static str>,
    /// For automated snapshots: the trigger.
    pub trigger: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// When it was made.
    pub created_at: Option<DateTime<Utc>>,
    /// Size on disk in bytes.
    pub size: Option<u64>,
    /// The verdict on the file.
    pub state: FileState,
    /// What is wrong, when it did not verify.
    pub reason: Option<String>,
    /// Where it is.
    pub path: String,
}

impl SnapshotReport {
    fn new(slot: u32, check: &FileCheck) -> SnapshotReport {
        let file = FileReport::new(slot, check);
        let info = check.metadata().and_then(|m| m.snapshot.as_ref());
        let mut report = SnapshotReport {
            slot,
            id: file.snapshot_id.clone().unwrap_or_default(),
            name: None,
            kind: None,
            trigger: None,
            description: None,
            created_at: None,
            size: file.size,
            state: file.state,
            reason: file.reason,
            path: file.path,
        };
        if let Some(info) = info {
            report.fill(info);
        }
        report
    }

    fn fill(&mut self, info: &SnapshotInfo) {
        let (kind, trigger) = kind_of(&info.kind);
        self.name = Some(info.name.clone());
        self.kind = Some(kind);
        self.trigger = trigger;
        self.description = Some(info.description.clone());
        self.created_at = Some(info.created_at);
    }
}

fn kind_of(kind: &SnapshotKind) -> (&'static str, Option<String>) {
    match kind {
        SnapshotKind::Manual => ("manual", None),
        SnapshotKind::Automated(trigger) => ("automated", Some(trigger.clone())),
        SnapshotKind::PreRestore => ("pre_restore", None),
        SnapshotKind::Safety => ("safety", None),
    }
}

/// JSON body of `snapshots list`.
#[derive(Debug, Serialize)]
pub struct SnapshotList {
    /// The save folder.
    pub root: String,
    /// Snapshots, by slot then oldest first.
    pub snapshots: Vec<SnapshotReport>,
}

/// JSON body of `snapshots create`.
#[derive(Debug, Serialize)]
pub struct SnapshotCreated {
    /// The save folder.
    pub root: String,
    /// The new snapshot.
    pub snapshot: SnapshotReport,
}

/// One snapshot chosen for removal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Pruned {
    /// Slot.
    pub slot: u32,
    /// Snapshot id.
    pub id: String,
}

/// JSON body of `snapshots prune`.
#[derive(Debug, Serialize)]
pub struct PruneReport {
    /// The save folder.
    pub root: String,
    /// Nothing was removed; `removed` lists what would be.
    pub dry_run: bool,
    /// The rules applied.
    pub policy: RetentionPolicy,
    /// Snapshots removed (or that would be).
    pub removed: Vec<Pruned>,
}

/// Runs a `snapshots` subcommand.
pub fn run(ctx: &Ctx, command: &SnapshotsCommand) -> CliResult<Done> {
    match command {
        SnapshotsCommand::List { slot } => list(ctx, *slot),
        SnapshotsCommand::Create {
            slot,
            name,
            description,
        } => create(ctx, *slot, name, description),
        SnapshotsCommand::Prune {
            slot,
            keep_last,
            keep_daily,
            keep_weekly,
            dry_run,
        } => {
            let policy = RetentionPolicy {
                keep_last: *keep_last,
                keep_daily: *keep_daily,
                keep_weekly: *keep_weekly,
            };
            prune(ctx, *slot, policy, *dry_run)
        }
    }
}

fn slots(store: &SlotStore, slot: Option<i64>) -> CliResult<Vec<u32>> {
    Ok(match slot {
        Some(slot) => vec![store.check_slot(slot)?],
        None => store.used_slots()?,
    })
}

fn list(ctx: &Ctx, slot: Option<i64>) -> CliResult<Done> {
    let store = ctx.open_read_only()?;
    let mut snapshots = Vec::new();
    for slot in slots(&store, slot)? {
        for check in store.list_snapshots(slot)? {
            snapshots.push(SnapshotReport::new(slot, &check));
        }
    }
    let report = SnapshotList {
        root: display_path(store.root()),
        snapshots,
    };
    let human = render_list(&report, &ctx.ui);
    Ok(Done::new(&report, human, EXIT_OK))
}

fn create(ctx: &Ctx, slot: i64, name: &str, description: &str) -> CliResult<Done> {
    ctx.check_slot(slot)?;
    let store = ctx.open_writer()?;
    let slot = store.check_slot(slot)?;
    let info = store.create_snapshot(slot, &SnapshotRequest::manual(name, description))?;
    let check = store.check_file(
        store.layout().snapshot(slot, &info.id),
        backup_core::CopyRole::Snapshot(info.id.clone()),
    );
    let mut snapshot = SnapshotReport::new(slot, &check);
    snapshot.fill(&info);
    let human = format!(
        "{}\n",
        ctx.ui.paint(
            &format!(
                "Slot {slot}: snapshot {} \"{}\" created.",
                info.id, info.name
            ),
            Tone::Good
        )
    );
    let report = SnapshotCreated {
        root: display_path(store.root()),
        snapshot,
    };
    Ok(Done::new(&report, human, EXIT_OK))
}

fn prune(ctx: &Ctx, slot: Option<i64>, policy: RetentionPolicy, dry_run: bool) -> CliResult<Done> {
    let mut removed = Vec::new();
    let root;
    if dry_run {
        let store = ctx.open_read_only()?;
        root = display_path(store.root());
        for slot in slots(&store, slot)? {
            let snapshots = store.list_snapshots(slot)?;
            let info = store.slot_info(slot)?;
            // The same rule the store applies: the last valid copy stays.
            let other_copies = info.primary.is_valid() || info.valid_backups() > 0;
            for id in policy.select_removals(&snapshots, other_copies) {
                removed.push(Pruned { slot, id });
            }
        }
    } else {
        if let Some(slot) = slot {
            ctx.check_slot(slot)?;
        }
        let options = StoreOptions {
            retention: policy,
            ..ctx.options.clone()
        };
        let store = ctx.open_writer_with(options)?;
        root = display_path(store.root());
        for slot in slots(&store, slot)? {
            for id in store.apply_retention(slot)? {
                removed.push(Pruned { slot, id });
            }
        }
    }
    let report = PruneReport {
        root,
        dry_run,
        policy,
        removed,
    };
    let human = render_prune(&report, &ctx.ui);
    Ok(Done::new(&report, human, EXIT_OK))
}

fn render_list(report: &SnapshotList, ui: &Ui) -> String {
    if report.snapshots.is_empty() {
        return format!("No snapshots in {}\n", report.root);
    }
    let mut table = ui.table(&["Slot", "Id", "Name", "Kind", "Created", "Size", "State"]);
    for s in &report.snapshots {
        let kind = match (&s.kind, &s.trigger) {
            (Some(kind), Some(trigger)) => format!("{kind} ({trigger})"),
            (Some(kind), None) => (*kind).to_owned(),
            _ => "-".into(),
        };
        let mut state = s.state.label().to_owned();
        if let Some(reason) = &s.reason {
            state = format!("{state}: {reason}");
        }
        table.add_row(vec![
            ui.cell(s.slot, Tone::Dim),
            comfy_table::Cell::new(&s.id),
            comfy_table::Cell::new(s.name.clone().unwrap_or("-".into())),
            comfy_table::Cell::new(kind),
            comfy_table::Cell::new(output::time(s.created_at)),
            comfy_table::Cell::new(s.size.map_or("-".into(), output::bytes)),
            ui.cell(state, s.state.tone()),
        ]);
    }
    format!("Save folder: {}\n{table}\n", report.root)
}

fn render_prune(report: &PruneReport, ui: &Ui) -> String {
    let verb = if report.dry_run {
        "would remove"
    } else {
        "removed"
    };
    let mut out = format!(
        "Retention: keep last {}, daily {}, weekly {} (manual snapshots are always kept)\n",
        report.policy.keep_last, report.policy.keep_daily, report.policy.keep_weekly
    );
    for p in &report.removed {
        out.push_str(&format!("{verb} slot {} snapshot {}\n", p.slot, p.id));
    }
    let total = format!("{} snapshot(s) {verb}", report.removed.len());
    out.push_str(&ui.paint(&total, Tone::Good));
    out.push('\n');
    out
}
