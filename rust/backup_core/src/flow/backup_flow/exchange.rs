//! Export to and import from portable files.

use std::path::Path;
use std::time::Instant;

use serde_json::json;

use super::*;
use crate::error::{Error, FormatError, Result};
use crate::flow::transfer;
use crate::flow::triggers::BackupOperation;
use crate::record::metadata::SnapshotKind;
use crate::store::slot_store::lock;
use crate::store::OpKind;
use crate::store::SnapshotRequest;

impl BackupFlow {
    /// Writes the slot's current save to one portable JSON file at `path`.
    pub fn export_backup(
        &self,
        save_slot: i64,
        path: &Path,
        include_metadata: bool,
    ) -> ExportResult {
        let mut result = ExportResult {
            success: false,
            export_path: path.display().to_string(),
            file_size: 0,
            save_slot,
            error_message: String::new(),
        };
        let start = Instant::now();
        let outcome = self.export_inner(save_slot, path, include_metadata);
        self.store.record_stat(
            OpKind::Export,
            start.elapsed(),
            *outcome.as_ref().unwrap_or(&0),
            outcome.is_ok(),
        );
        match outcome {
            Ok(size) => {
                result.success = true;
                result.file_size = size;
                lock(&self.counters).exports += 1;
            }
            Err(e) => result.error_message = e.to_string(),
        }
        result
    }

    fn export_inner(&self, save_slot: i64, path: &Path, include_metadata: bool) -> Result<u64> {
        let slot = self.store.check_slot(save_slot)?;
        let _guard = self.begin_operation(
            BackupOperation::ExportBackup,
            json!({ "save_slot": save_slot, "export_path": path.display().to_string() }),
        )?;
        let primary = self.store.layout().primary(slot);
        let record = self.store.read_record(&primary).map_err(|e| match e {
            Error::Corrupt { path, reason } => Error::InvalidArgument(format!(
                "slot {slot}'s current save is damaged ({reason}, {}); run automatic recovery before exporting",
                path.display()
            )),
            other => other,
        })?;
        let meta = self.store.parse_metadata(&primary, &record)?;
        let metadata = include_metadata.then_some(&meta);
        let file = match &self.store.options().keys.current {
            // An encrypted store's exports stay encrypted.
            Some(key) => transfer::build_sealed_export(
                slot,
                record.payload(),
                metadata,
                self.clock.now(),
                key,
            )?,
            None => transfer::build_export(slot, record.payload(), metadata, self.clock.now()),
        };
        let json = serde_json::to_vec_pretty(&file)?;
        transfer::write_export_file(
            path,
            self.store.root(),
            &json,
            self.store.options().durability.sync_files(),
        )?;
        Ok(json.len() as u64)
    }

    /// Imports an export file into `target_slot` (-1: the first free slot).
    /// The file is verified completely before anything is written; a save
    /// already in the slot is kept as a safety snapshot and as backup level 0.
    pub fn import_backup(&self, path: &Path, target_slot: i64) -> ImportResult {
        let mut result = ImportResult {
            success: false,
            imported_slot: -1,
            pilot_name: String::new(),
            error_message: String::new(),
            replaced_existing: false,
            safety_snapshot: None,
        };
        let start = Instant::now();
        let outcome = self.import_inner(path, target_slot, &mut result);
        self.store
            .record_stat(OpKind::Import, start.elapsed(), 0, outcome.is_ok());
        let mut counters = lock(&self.counters);
        match outcome {
            Ok(()) => {
                result.success = true;
                counters.imports += 1;
            }
            Err(e) => {
                result.imported_slot = -1;
                result.error_message = e.to_string();
                counters.imports_rejected += 1;
            }
        }
        result
    }

    fn import_inner(&self, path: &Path, target_slot: i64, result: &mut ImportResult) -> Result<()> {
        self.store.writable()?;
        let requested = match target_slot {
            -1 => None,
            slot => Some(self.store.check_slot(slot)?),
        };
        let _guard = self.begin_operation(
            BackupOperation::ImportBackup,
            json!({ "import_path": path.display().to_string(), "target_slot": target_slot }),
        )?;
        let limit = self.config().max_import_bytes;
        let bytes = transfer::read_bounded(path, limit)?;
        let mut imported = transfer::parse_export(&bytes, self.store.options().max_payload_bytes)?;
        if imported.sealed_associated_data.is_none() && self.store.options().require_encryption {
            return Err(Error::Authentication {
                path: path.to_path_buf(),
                reason: crate::record::OpenFailure::NotEncrypted,
            });
        }
        if let Some(ad) = imported.sealed_associated_data.take() {
            imported.payload =
                crate::record::seal::open(&self.store.options().keys, &ad, &imported.payload)
                    .map_err(|reason| Error::Authentication {
                        path: path.to_path_buf(),
                        reason,
                    })?;
        }
        let slot = match requested {
            Some(slot) => slot,
            None => self.store.first_free_slot()?.ok_or_else(|| {
                Error::Import("every slot is in use; choose a slot to replace".into())
            })?,
        };
        let _writes = self.store.lock_writes();
        let primary = self.store.layout().primary(slot);
        match self.store.read_record(&primary) {
            Ok(_) => {
                result.replaced_existing = true;
                let source = path
                    .file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let request = SnapshotRequest {
                    name: "Before import".into(),
                    description: format!("Save replaced by an import from {source}"),
                    kind: SnapshotKind::Safety,
                    context: json!({ "import_file": source }),
                };
                result.safety_snapshot = Some(self.store.snapshot_locked(slot, &request)?.id);
            }
            Err(Error::NotFound { .. }) => {}
            Err(
                e @ Error::Corrupt {
                    reason: FormatError::UnsupportedVersion { .. },
                    ..
                },
            ) => return Err(e),
            // Kept as evidence in quarantine rather than rotated into the
            // backups, where it would only push a valid level out.
            Err(Error::Corrupt { .. }) => {
                result.replaced_existing = true;
                self.store.quarantine(&primary)?;
                self.store.forget(slot);
            }
            Err(e) => return Err(e),
        }
        let receipt = self
            .store
            .save_locked(slot, &imported.payload, &imported.metadata)?;
        result.imported_slot = slot.into();
        result.pilot_name = receipt.metadata.pilot_callsign;
        Ok(())
    }
}
