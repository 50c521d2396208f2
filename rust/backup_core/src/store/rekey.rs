//! Changing the key: every primary, rolling backup and snapshot of every
//! slot is opened with the store's keys and rewritten under the new one
//! (or unencrypted), each with the store's atomic write (temporary file,
//! flush, rename, directory flush), so a crash leaves every file whole under
//! either the old or the new key. Reopen with `Keyring { current: new,
//! previous: [old] }` after a crash and run `rekey` again to finish.

use std::path::PathBuf;

use serde::Serialize;

use super::slot_store::SlotStore;
use super::stats::OpKind;
use crate::error::{Error, Result};
use crate::record::envelope::{self, EncodeOptions};
use crate::record::keys::SaveKey;

/// What [`SlotStore::rekey`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct RekeyReport {
    /// Files rewritten under the new key.
    pub rewritten: Vec<PathBuf>,
    /// Damaged files left as they are (repair's business, not rekey's).
    pub skipped_damaged: Vec<PathBuf>,
}

impl SlotStore {
    /// Rewrites every record of the folder sealed with `new_key` (`None`:
    /// unencrypted), in the configured compression. Every file is opened
    /// first: if one cannot be opened with the store's keys (nor `new_key`),
    /// nothing is written and the authentication error is returned. The
    /// store keeps its own keys: reopen it with the new key afterwards.
    pub fn rekey(&self, new_key: Option<&SaveKey>) -> Result<RekeyReport> {
        self.timed(OpKind::Backup, || {
            self.writable()?;
            let _guard = self.lock_writes();
            let mut keys = self.options.keys.clone();
            keys.previous.extend(new_key.cloned());
            let files = self.record_files()?;
            let mut report = RekeyReport::default();
            let mut todo = Vec::new();
            for path in files {
                match self.read_record_with(&path, &keys) {
                    Ok(_) => todo.push(path),
                    Err(Error::NotFound { .. }) => {}
                    Err(Error::Corrupt { .. }) => report.skipped_damaged.push(path),
                    Err(e) => return Err(e),
                }
            }
            let options = EncodeOptions {
                compression: self.options.compression,
                key: new_key,
            };
            let mut bytes = 0;
            for path in todo {
                let record = self.read_record_with(&path, &keys)?;
                let (prefix, body) =
                    envelope::encode_record(record.meta(), record.payload(), options)
                        .map_err(|e| Error::io("encode", &path, e))?;
                self.commit(&path, &[&prefix, &body])?;
                bytes += (prefix.len() + body.len()) as u64;
                report.rewritten.push(path);
            }
            for slot in 0..self.options.slot_count {
                self.forget(slot);
            }
            Ok((bytes, report))
        })
    }

    /// Every primary, backup and snapshot file of the used slots.
    fn record_files(&self) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for slot in self.used_slots()? {
            out.push(self.layout.primary(slot));
            out.extend(self.existing_backup_paths(slot)?);
            out.extend(self.list_snapshots(slot)?.into_iter().map(|c| c.path));
        }
        Ok(out)
    }
}
