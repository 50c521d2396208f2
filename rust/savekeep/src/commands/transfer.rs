//! `savekeep export` and `savekeep import`, through backup_core's
//! `BackupFlow` (the same code the game's export/import buttons run).

use std::path::Path;
use std::sync::Arc;

use backup_core::{parse_export, read_bounded, BackupConfig, BackupFlow, CopyRole};
use serde::Serialize;

use crate::context::Ctx;
use crate::exit::{CliError, CliResult, EXIT_OK};
use crate::output::{self, Done, Tone};
use crate::report::{display_path, FileReport, FileState};

/// JSON body of `export`.
#[derive(Debug, Serialize)]
pub struct ExportOutput {
    /// The save folder.
    pub root: String,
    /// The slot exported.
    pub slot: u32,
    /// The file written.
    pub file: String,
    /// Its size in bytes.
    pub file_size: u64,
    /// Pilot callsign of the exported save.
    pub pilot_callsign: String,
}

/// JSON body of `import`.
#[derive(Debug, Serialize)]
pub struct ImportOutput {
    /// The save folder.
    pub root: String,
    /// The file read.
    pub file: String,
    /// The slot written.
    pub slot: i64,
    /// Pilot callsign of the imported save.
    pub pilot_callsign: String,
    /// Whether the slot held a save before.
    pub replaced_existing: bool,
    /// Snapshot id keeping the save that was replaced.
    pub safety_snapshot: Option<String>,
}

/// Runs `export SLOT FILE [--force]`. Read-only on the save folder.
pub fn run_export(ctx: &Ctx, slot: i64, file: &Path, force: bool) -> CliResult<Done> {
    let store = Arc::new(ctx.open_read_only()?);
    let slot = store.check_slot(slot)?;
    if file.exists() && !force {
        return Err(CliError::Usage(format!(
            "{} already exists; pass --force to replace it",
            file.display()
        )));
    }
    // Say precisely why a slot cannot be exported, with the right exit code,
    // before handing over to the flow.
    let primary = FileReport::new(
        slot,
        &store.check_file(store.layout().primary(slot), CopyRole::Primary),
    );
    match primary.state {
        FileState::Valid => {}
        FileState::Missing => {
            return Err(backup_core::Error::NotFound {
                what: "save file",
                path: store.layout().primary(slot),
            }
            .into())
        }
        FileState::Corrupt => {
            return Err(CliError::Damaged(format!(
                "slot {slot}'s current save is damaged ({}); run `savekeep repair {slot}` first",
                primary.reason.unwrap_or_default()
            )))
        }
        FileState::NewerVersion | FileState::Unreadable | FileState::Locked => {
            return Err(CliError::Refused {
                kind: "export_failed",
                message: format!(
                    "slot {slot}'s current save cannot be read by this build: {}",
                    primary.reason.unwrap_or_default()
                ),
            })
        }
    }
    let root = display_path(store.root());
    let flow = BackupFlow::new(store, BackupConfig::default())?;
    let result = flow.export_backup(slot.into(), file, true);
    if !result.success {
        return Err(CliError::Refused {
            kind: "export_failed",
            message: result.error_message,
        });
    }
    let pilot_callsign = flow
        .store()
        .slot_info(slot)
        .ok()
        .and_then(|i| i.metadata().map(|m| m.pilot_callsign.clone()))
        .unwrap_or_default();
    let output = ExportOutput {
        root,
        slot,
        file: display_path(file),
        file_size: result.file_size,
        pilot_callsign,
    };
    let human = format!(
        "{}\n",
        ctx.ui.paint(
            &format!(
                "Slot {slot} exported to {} ({}).",
                output.file,
                output::bytes(output.file_size)
            ),
            Tone::Good
        )
    );
    Ok(Done::new(&output, human, EXIT_OK))
}

/// Runs `import FILE [--slot N]`. Takes the writer lock; creates the save
/// folder when it does not exist yet (a fresh install).
pub fn run_import(ctx: &Ctx, file: &Path, slot: Option<i64>) -> CliResult<Done> {
    if let Some(slot) = slot {
        ctx.check_slot(slot)?;
    }
    if !ctx.location.root.exists() {
        // A fresh install, or a mistyped --root: check the file completely
        // before the folder (and its lock file) is created, so that a
        // failing import creates nothing.
        let checked = read_bounded(file, BackupConfig::default().max_import_bytes)
            .and_then(|bytes| parse_export(&bytes, ctx.options.max_payload_bytes));
        if let Err(e) = checked {
            return Err(CliError::Refused {
                kind: "import_rejected",
                message: format!("{e}; nothing was written"),
            });
        }
    }
    let store = Arc::new(ctx.open_writer_creating()?);
    let root = display_path(store.root());
    let flow = BackupFlow::new(store, BackupConfig::default())?;
    let result = flow.import_backup(file, slot.unwrap_or(-1));
    if !result.success {
        return Err(CliError::Refused {
            kind: "import_rejected",
            message: format!("{}; nothing was written", result.error_message),
        });
    }
    let output = ImportOutput {
        root,
        file: display_path(file),
        slot: result.imported_slot,
        pilot_callsign: result.pilot_name,
        replaced_existing: result.replaced_existing,
        safety_snapshot: result.safety_snapshot,
    };
    let mut human = ctx.ui.paint(
        &format!(
            "Imported {} into slot {} (pilot {}).",
            output.file, output.slot, output.pilot_callsign
        ),
        Tone::Good,
    );
    human.push('\n');
    if let Some(id) = &output.safety_snapshot {
        human.push_str(&format!(
            "The save it replaced was kept as snapshot {id} and as backup level 0.\n"
        ));
    }
    Ok(Done::new(&output, human, EXIT_OK))
}
