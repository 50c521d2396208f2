//! Save slots on disk: atomic saves with rolling backups.
//!
//! A save writes the new record to `slot_<n>.sav.tmp` (flushed), shifts the
//! rolling backups down one level (`bak1 -> bak2`, `bak0 -> bak1`,
//! `sav -> bak0`), renames the temporary file over the primary and flushes the
//! directory. At every instant the newest acknowledged save exists in a
//! complete, checksummed file: as the primary, as `bak0` while the rename is
//! in flight, and the new one as the `.tmp`, which start-up recovery promotes.
//! See `docs/crash-safety.md` for the argument step by step.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use chrono::{DateTime, Utc};

use super::stats::{OpKind, Stats};
use super::types::{LoadedSlot, SaveReceipt, StartupAction, StoreOptions};
use crate::error::{Error, FormatError, Result};
use crate::record::clock::{Clock, SystemClock};
use crate::record::confine::Confined;
use crate::record::durability::Durability;
use crate::record::envelope::{self, EncodeOptions, OpenError, Record};
use crate::record::keys::Keyring;
use crate::record::layout::Layout;
use crate::record::metadata::SlotMetadata;
use crate::record::seal::OpenFailure;
use crate::record::storage::{LockGuard, StdStorage, Storage};

/// What the store knows about a primary it wrote or verified itself, so that
/// a save does not have to read the previous save back. The file's size and
/// modification time tell whether anyone touched it since.
#[derive(Debug, Clone)]
pub(crate) struct KnownPrimary {
    pub created_at: Option<DateTime<Utc>>,
    pub save_count: u64,
    pub stat: Option<crate::record::storage::FileStat>,
}

/// State of a primary before it is replaced.
pub(crate) enum PriorPrimary {
    Missing,
    Valid(KnownPrimary),
    Corrupt,
}

/// A save root: slots, rolling backups, snapshots, quarantine.
#[derive(Debug)]
pub struct SlotStore {
    pub(crate) layout: Layout,
    pub(crate) options: StoreOptions,
    pub(crate) storage: Arc<dyn Storage>,
    pub(crate) clock: Arc<dyn Clock>,
    stats: Mutex<Stats>,
    write_lock: Mutex<()>,
    known: Mutex<HashMap<u32, KnownPrimary>>,
    /// While a cleanup runs: the quarantined files pruned so far (moves
    /// made by the cleanup prune too, and the cleanup reports them all).
    pub(crate) pruned_during_cleanup: Mutex<Option<Vec<PathBuf>>>,
    pub(crate) startup: Vec<StartupAction>,
    _process_lock: Option<LockGuard>,
}

impl SlotStore {
    /// Opens (creating if needed) the save root on the real file system,
    /// takes the writer lock and recovers interrupted writes.
    pub fn open(root: impl Into<PathBuf>, options: StoreOptions) -> Result<Self> {
        Self::open_with(root, options, Arc::new(StdStorage), Arc::new(SystemClock))
    }

    /// Opens the save root through the given storage and clock.
    pub fn open_with(
        root: impl Into<PathBuf>,
        options: StoreOptions,
        storage: Arc<dyn Storage>,
        clock: Arc<dyn Clock>,
    ) -> Result<Self> {
        if options.slot_count == 0 {
            return Err(Error::InvalidArgument(
                "slot_count must be at least 1".into(),
            ));
        }
        let layout = Layout::new(root);
        let root = layout.root().to_path_buf();
        let storage: Arc<dyn Storage> = Arc::new(Confined::new(storage, &root));
        match storage
            .stat(&root)
            .map_err(|e| Error::io("inspect", &root, e))?
        {
            Some(stat) if !stat.is_dir => return Err(Error::RootNotDirectory(root)),
            Some(_) => {}
            None if options.read_only => {
                return Err(Error::NotFound {
                    what: "save root",
                    path: root,
                })
            }
            None => create_root(storage.as_ref(), &root, options.durability)?,
        }
        let process_lock = if options.read_only {
            None
        } else {
            let lock_path = layout.lock_file();
            match storage.try_lock(&lock_path) {
                Ok(Some(guard)) => Some(guard),
                Ok(None) => return Err(Error::RootInUse(root)),
                Err(e) => return Err(Error::io("lock", lock_path, e)),
            }
        };
        let mut store = SlotStore {
            layout,
            options,
            storage,
            clock,
            stats: Mutex::new(Stats::default()),
            write_lock: Mutex::new(()),
            known: Mutex::new(HashMap::new()),
            pruned_during_cleanup: Mutex::new(None),
            startup: Vec::new(),
            _process_lock: process_lock,
        };
        if !store.options.read_only {
            store.startup = store.recover_interrupted_writes()?;
        }
        Ok(store)
    }

    /// The save root.
    pub fn root(&self) -> &Path {
        self.layout.root()
    }

    /// The file layout of the root.
    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// The options the store was opened with.
    pub fn options(&self) -> &StoreOptions {
        &self.options
    }

    /// The store's clock.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// What start-up recovery did when the store was opened.
    pub fn startup_actions(&self) -> &[StartupAction] {
        &self.startup
    }

    /// A copy of the operation counters.
    pub fn stats(&self) -> Stats {
        lock(&self.stats).clone()
    }

    /// Adds an operation done outside the store (health check, export, ...)
    /// to the counters.
    pub fn record_stat(&self, kind: OpKind, elapsed: std::time::Duration, bytes: u64, ok: bool) {
        lock(&self.stats).record(kind, elapsed, bytes, ok);
    }

    /// Checks a slot number coming from outside (GDScript ints are i64).
    pub fn check_slot(&self, slot: i64) -> Result<u32> {
        match u32::try_from(slot) {
            Ok(s) if s < self.options.slot_count => Ok(s),
            _ => Err(Error::InvalidSlot {
                slot,
                max: self.options.slot_count - 1,
            }),
        }
    }

    /// Checks a backup level coming from outside (0 = newest).
    pub fn check_level(&self, level: i64) -> Result<u32> {
        match u32::try_from(level) {
            Ok(l) if l < self.options.backup_levels => Ok(l),
            _ => Err(Error::InvalidBackupLevel {
                level,
                max: self.options.backup_levels.saturating_sub(1),
            }),
        }
    }

    /// Saves `payload` into `slot`, rotating the previous save into the
    /// rolling backups. Returns only once the save is durable as configured.
    pub fn save(&self, slot: u32, payload: &[u8], metadata: &SlotMetadata) -> Result<SaveReceipt> {
        self.timed(OpKind::Save, || {
            self.writable()?;
            self.check_slot(slot.into())?;
            self.check_payload_size(payload.len())?;
            let _guard = lock(&self.write_lock);
            let receipt = self.save_locked(slot, payload, metadata)?;
            Ok((receipt.bytes_written, receipt))
        })
    }

    /// Loads and verifies the primary copy of a slot. A slot in an older
    /// format is migrated (the old file is kept as backup level 0).
    pub fn load(&self, slot: u32) -> Result<LoadedSlot> {
        self.timed(OpKind::Load, || {
            self.check_slot(slot.into())?;
            let record = self.read_record(&self.layout.primary(slot))?;
            let metadata = self.parse_metadata(&self.layout.primary(slot), &record)?;
            let version = record.version;
            let checksum = record.checksum;
            let payload = record.into_payload();
            if version < envelope::CURRENT_VERSION && !self.options.read_only {
                let _guard = lock(&self.write_lock);
                let receipt = self.save_locked(slot, &payload, &metadata)?;
                let bytes = payload.len() as u64;
                return Ok((
                    bytes,
                    LoadedSlot {
                        payload,
                        metadata: receipt.metadata,
                        checksum: receipt.checksum,
                        migrated_from_version: Some(version),
                    },
                ));
            }
            self.remember(slot, &metadata);
            Ok((
                payload.len() as u64,
                LoadedSlot {
                    payload,
                    metadata,
                    checksum,
                    migrated_from_version: None,
                },
            ))
        })
    }

    /// Deletes a slot's primary, rolling backups and interrupted writes, and
    /// its snapshots when `with_snapshots` is set. Backups go first and the
    /// primary last, so an interrupted delete never looks like an interrupted save.
    pub fn delete_slot(&self, slot: u32, with_snapshots: bool) -> Result<()> {
        self.timed(OpKind::Delete, || {
            self.writable()?;
            self.check_slot(slot.into())?;
            let _guard = lock(&self.write_lock);
            let primary = self.layout.primary(slot);
            let mut victims: Vec<PathBuf> = self.existing_backup_paths(slot)?;
            victims.push(Layout::temp_for(&primary));
            victims.push(primary);
            for path in victims {
                self.remove_if_exists(&path)?;
            }
            if with_snapshots {
                for check in self.list_snapshots(slot)? {
                    self.remove_if_exists(&check.path)?;
                }
            }
            self.forget(slot);
            self.sync_dir(self.layout.root())?;
            Ok((0, ()))
        })
    }

    // ----- internals shared with repair and snapshots -----

    pub(crate) fn save_locked(
        &self,
        slot: u32,
        payload: &[u8],
        metadata: &SlotMetadata,
    ) -> Result<SaveReceipt> {
        let primary = self.layout.primary(slot);
        let prior = self.prior_primary(slot)?;
        let now = self.clock.now();
        let mut meta = metadata.clone();
        meta.snapshot = None;
        meta.modified_at = Some(now);
        match &prior {
            PriorPrimary::Valid(known) => {
                meta.created_at = known.created_at.or(meta.created_at).or(Some(now));
                meta.save_count = known.save_count + 1;
            }
            _ => {
                meta.created_at = meta.created_at.or(Some(now));
                meta.save_count += 1;
            }
        }
        let meta_json = serde_json::to_vec(&meta)?;
        let (prefix, body) = self.encode_record(&meta_json, payload)?;
        let checksum = envelope::checksum(&meta_json, &body);
        let tmp = Layout::temp_for(&primary);
        self.write_temp(&tmp, &[&prefix, &body])?;
        let rotated = match prior {
            PriorPrimary::Valid(_) => self.rotate_backups(slot),
            PriorPrimary::Corrupt => self.quarantine(&primary).map(|_| false),
            PriorPrimary::Missing => Ok(false),
        };
        let rotated = match rotated {
            Ok(rotated) => rotated,
            Err(e) => {
                let _ = self.storage.remove(&tmp);
                return Err(e);
            }
        };
        if let Err(e) = self.storage.rename(&tmp, &primary) {
            // Put the previous save back where a loader looks first.
            if rotated {
                let _ = self.storage.rename(&self.layout.backup(slot, 0), &primary);
            }
            let _ = self.storage.remove(&tmp);
            self.forget(slot);
            return Err(Error::io("rename into place", &primary, e));
        }
        self.sync_dir(self.layout.root())?;
        self.remember(slot, &meta);
        Ok(SaveReceipt {
            slot,
            checksum,
            bytes_written: (prefix.len() + body.len()) as u64,
            metadata: meta,
        })
    }

    /// Shifts backups one level down and moves the primary to level 0.
    /// Returns whether the primary was moved.
    pub(crate) fn rotate_backups(&self, slot: u32) -> Result<bool> {
        if self.options.backup_levels == 0 {
            return Ok(false);
        }
        self.shift_backups(slot)?;
        let primary = self.layout.primary(slot);
        self.storage
            .rename(&primary, &self.layout.backup(slot, 0))
            .map_err(|e| Error::io("rotate primary", &primary, e))?;
        Ok(true)
    }

    /// Moves every backup one level down (the oldest falls off), leaving
    /// level 0 free.
    pub(crate) fn shift_backups(&self, slot: u32) -> Result<()> {
        for level in (0..self.options.backup_levels.saturating_sub(1)).rev() {
            let from = self.layout.backup(slot, level);
            if self.exists(&from)? {
                let to = self.layout.backup(slot, level + 1);
                self.storage
                    .rename(&from, &to)
                    .map_err(|e| Error::io("rotate backup", &from, e))?;
            }
        }
        Ok(())
    }

    fn prior_primary(&self, slot: u32) -> Result<PriorPrimary> {
        let path = self.layout.primary(slot);
        let known = lock(&self.known).get(&slot).cloned();
        if let Some(known) = known {
            let stat = self
                .storage
                .stat(&path)
                .map_err(|e| Error::io("inspect", &path, e))?;
            if stat.is_some() && stat == known.stat {
                return Ok(PriorPrimary::Valid(known));
            }
        }
        match self.read_record(&path) {
            Ok(record) => {
                let meta = self.parse_metadata(&path, &record).unwrap_or_default();
                Ok(PriorPrimary::Valid(KnownPrimary {
                    created_at: meta.created_at,
                    save_count: meta.save_count,
                    stat: None,
                }))
            }
            Err(Error::NotFound { .. }) => Ok(PriorPrimary::Missing),
            Err(Error::Corrupt {
                reason: reason @ FormatError::UnsupportedVersion { .. },
                path,
            }) => Err(Error::Corrupt { path, reason }),
            Err(Error::Corrupt { .. }) => Ok(PriorPrimary::Corrupt),
            Err(e) => Err(e),
        }
    }

    /// Writes a record to `target` atomically: temporary file, flush, rename,
    /// directory flush.
    pub(crate) fn commit(&self, target: &Path, parts: &[&[u8]]) -> Result<()> {
        let tmp = Layout::temp_for(target);
        self.write_temp(&tmp, parts)?;
        if let Err(e) = self.storage.rename(&tmp, target) {
            let _ = self.storage.remove(&tmp);
            return Err(Error::io("rename into place", target, e));
        }
        self.sync_dir(target.parent().unwrap_or(self.layout.root()))
    }

    /// Writes a file atomically (temporary file, rename) without flushing:
    /// for bookkeeping that is cheap to lose in a power cut (schedule times,
    /// health history), where two flushes per update would cost more than
    /// the data is worth. A crash of the game still never leaves it torn.
    pub(crate) fn commit_unsynced(&self, target: &Path, parts: &[&[u8]]) -> Result<()> {
        let tmp = Layout::temp_for(target);
        self.storage.write_file(&tmp, parts, false).map_err(|e| {
            let _ = self.storage.remove(&tmp);
            Error::io("write", &tmp, e)
        })?;
        self.storage.rename(&tmp, target).map_err(|e| {
            let _ = self.storage.remove(&tmp);
            Error::io("rename into place", target, e)
        })
    }

    fn write_temp(&self, tmp: &Path, parts: &[&[u8]]) -> Result<()> {
        let sync = self.options.durability.sync_files();
        self.storage.write_file(tmp, parts, sync).map_err(|e| {
            let _ = self.storage.remove(tmp);
            Error::io("write", tmp, e)
        })
    }

    pub(crate) fn sync_dir(&self, dir: &Path) -> Result<()> {
        if self.options.durability.sync_dirs() {
            self.storage
                .sync_dir(dir)
                .map_err(|e| Error::io("flush directory", dir, e))?;
        }
        Ok(())
    }

    /// Reads and verifies one record file.
    pub(crate) fn read_record(&self, path: &Path) -> Result<Record> {
        self.read_record_and_stat(path).1
    }

    /// Reads and verifies one record file, also returning its stat when the
    /// file could be opened (health checks report sizes and times).
    pub(crate) fn read_record_and_stat(
        &self,
        path: &Path,
    ) -> (Option<crate::record::storage::FileStat>, Result<Record>) {
        self.read_with(path, &self.options.keys)
    }

    /// Reads and verifies one record file, opening it with `keys`.
    pub(crate) fn read_record_with(&self, path: &Path, keys: &Keyring) -> Result<Record> {
        self.read_with(path, keys).1
    }

    fn read_with(
        &self,
        path: &Path,
        keys: &Keyring,
    ) -> (Option<crate::record::storage::FileStat>, Result<Record>) {
        let limit = self.record_limit();
        match self.storage.read_limited(path, limit) {
            Err(e) => (None, Err(Error::io("read", path, e))),
            Ok(None) => (
                None,
                Err(Error::NotFound {
                    what: "save file",
                    path: path.to_path_buf(),
                }),
            ),
            Ok(Some((stat, None))) => (
                Some(stat),
                Err(Error::Corrupt {
                    path: path.to_path_buf(),
                    reason: FormatError::TooLarge {
                        declared: stat.len,
                        limit,
                    },
                }),
            ),
            Ok(Some((stat, Some(bytes)))) => (
                Some(stat),
                envelope::open(bytes, limit, keys)
                    .and_then(|record| {
                        if self.options.require_encryption && !record.is_encrypted() {
                            Err(OpenError::Authentication(OpenFailure::NotEncrypted))
                        } else {
                            Ok(record)
                        }
                    })
                    .map_err(|e| match e {
                        OpenError::Corrupt(reason) => Error::Corrupt {
                            path: path.to_path_buf(),
                            reason,
                        },
                        OpenError::Authentication(reason) => Error::Authentication {
                            path: path.to_path_buf(),
                            reason,
                        },
                    }),
            ),
        }
    }

    /// Encodes a record in the configured format (compressed and/or sealed):
    /// the prefix (header and metadata) and the payload section.
    pub(crate) fn encode_record<'p>(
        &self,
        meta_json: &[u8],
        payload: &'p [u8],
    ) -> Result<(Vec<u8>, std::borrow::Cow<'p, [u8]>)> {
        let options = EncodeOptions {
            compression: self.options.compression,
            key: self.options.keys.current.as_ref(),
        };
        envelope::encode_record(meta_json, payload, options)
            .map_err(|e| Error::io("encode", self.layout.root(), e))
    }

    pub(crate) fn parse_metadata(&self, path: &Path, record: &Record) -> Result<SlotMetadata> {
        if record.meta().is_empty() {
            return Ok(SlotMetadata::default());
        }
        serde_json::from_slice(record.meta()).map_err(|e| Error::Corrupt {
            path: path.to_path_buf(),
            reason: FormatError::BadMetadata(e.to_string()),
        })
    }

    fn record_limit(&self) -> u64 {
        // Header and metadata on top of the largest payload.
        self.options.max_payload_bytes.saturating_add(1 << 20)
    }

    fn check_payload_size(&self, len: usize) -> Result<()> {
        let size = len as u64;
        if size > self.options.max_payload_bytes {
            return Err(Error::TooLarge {
                size,
                limit: self.options.max_payload_bytes,
            });
        }
        Ok(())
    }

    pub(crate) fn writable(&self) -> Result<()> {
        if self.options.read_only {
            Err(Error::ReadOnly)
        } else {
            Ok(())
        }
    }

    pub(crate) fn exists(&self, path: &Path) -> Result<bool> {
        self.storage
            .stat(path)
            .map(|s| s.is_some())
            .map_err(|e| Error::io("inspect", path, e))
    }

    /// Whether a folder of the store exists and may be listed: one that is,
    /// or lies under, a symbolic link is not followed, so for reading it holds
    /// nothing (writing there fails with an error naming the link).
    pub(crate) fn listable_dir(&self, dir: &Path) -> Result<bool> {
        match self.storage.stat(dir) {
            Ok(stat) => Ok(stat.is_some()),
            Err(e) if e.kind() == std::io::ErrorKind::InvalidInput => Ok(false),
            Err(e) => Err(Error::io("inspect", dir, e)),
        }
    }

    pub(crate) fn remove_if_exists(&self, path: &Path) -> Result<()> {
        if self.exists(path)? {
            self.storage
                .remove(path)
                .map_err(|e| Error::io("remove", path, e))?;
        }
        Ok(())
    }

    /// Paths of every existing rolling backup of a slot, including levels
    /// beyond the configured count (left by an older configuration).
    pub(crate) fn existing_backup_paths(&self, slot: u32) -> Result<Vec<PathBuf>> {
        let names = self
            .storage
            .list(self.layout.root())
            .map_err(|e| Error::io("list", self.layout.root(), e))?;
        Ok(names
            .iter()
            .filter(|n| matches!(Layout::role_of(n), Some(crate::record::layout::FileRole::Backup(s, _)) if s == slot))
            .map(|n| self.layout.root().join(n))
            .collect())
    }

    pub(crate) fn lock_writes(&self) -> MutexGuard<'_, ()> {
        lock(&self.write_lock)
    }

    pub(crate) fn remember(&self, slot: u32, meta: &SlotMetadata) {
        let stat = self.storage.stat(&self.layout.primary(slot)).ok().flatten();
        lock(&self.known).insert(
            slot,
            KnownPrimary {
                created_at: meta.created_at,
                save_count: meta.save_count,
                stat,
            },
        );
    }

    pub(crate) fn forget(&self, slot: u32) {
        lock(&self.known).remove(&slot);
    }

    /// Runs an operation and records it in the stats. `f` returns the bytes
    /// it moved alongside its result.
    pub(crate) fn timed<T>(&self, kind: OpKind, f: impl FnOnce() -> Result<(u64, T)>) -> Result<T> {
        let start = Instant::now();
        let result = f();
        let (bytes, ok) = match &result {
            Ok((bytes, _)) => (*bytes, true),
            Err(_) => (0, false),
        };
        lock(&self.stats).record(kind, start.elapsed(), bytes, ok);
        result.map(|(_, value)| value)
    }
}

/// Locks a mutex, recovering from poisoning: our critical sections leave the
/// protected data consistent even if a caller panicked.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

/// Creates a missing save root and, under [`Durability::Full`], flushes the
/// parent of every directory it created: a new directory's name is durable
/// only once its parent is flushed, and without that a power cut could take
/// the whole root away with every save acknowledged in it.
fn create_root(storage: &dyn Storage, root: &Path, durability: Durability) -> Result<()> {
    let mut created = Vec::new();
    let mut dir = root;
    while storage
        .stat(dir)
        .map_err(|e| Error::io("inspect", dir, e))?
        .is_none()
    {
        created.push(dir.to_path_buf());
        match dir.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => dir = parent,
            _ => break,
        }
    }
    storage
        .create_dir_all(root)
        .map_err(|e| Error::io("create", root, e))?;
    if durability.sync_dirs() {
        // Outermost first, so each flushed parent already holds its child.
        for dir in created.iter().rev() {
            let parent = match dir.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            storage
                .sync_dir(parent)
                .map_err(|e| Error::io("flush directory", parent, e))?;
        }
    }
    Ok(())
}
