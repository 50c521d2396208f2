//! `SaveGameManager`: the engine singleton games call to save and load.

use std::collections::BTreeMap;
use std::sync::Arc;

use backup_core::{plan_migration, MigrationPlan};
use backup_core::{SlotStore, SnapshotKind, SnapshotRequest, StartupAction, StoreOptions};
use godot::classes::{Engine, ProjectSettings, SceneTree};
use godot::prelude::*;

use crate::convert::{self, OptDict};
use crate::failure::{self, ErrorLog, Failure, Outcome};
use crate::save_types::{DecodeError, Form, SaveTypes};

const CLASS: &str = "SaveGameManager";

/// Crash-safe save slots for your game, reachable from any script as
/// `SaveGameManager.method()`.
///
/// Each slot holds one Dictionary of game data (encoded with `var_to_bytes`,
/// so objects are never stored or decoded) and an `info` Dictionary shown in
/// slot lists (`pilot_callsign`, `campaign`, `mission`, `play_time_seconds`,
/// anything else under `extra`). Every save is atomic and keeps rolling
/// backups (3 by default); corruption is detected by checksums and repaired
/// from the newest valid copy.
///
/// Failures never raise: methods return `false` or a Dictionary with
/// `success: false` and `error_message`, push an error to the log, and
/// `get_last_error()` holds the message.
#[derive(GodotClass)]
#[class(init, singleton, base = Object)]
pub struct SaveGameManager {
    base: Base<Object>,
    /// Folder holding the slots (`user://saves` by default). Changing it
    /// closes the current folder; the new one is opened on next use.
    #[var(set)]
    #[init(val = GString::from("user://saves"))]
    save_root: GString,
    /// Number of slots; valid slot numbers are `0 .. slot_count - 1`.
    #[var(set)]
    #[init(val = 10)]
    slot_count: i64,
    /// Rolling backups kept per slot (level 0 is the newest).
    #[var(set)]
    #[init(val = 3)]
    backup_levels: i64,
    /// Most files kept in the save folder's `quarantine/` (damaged files
    /// moved aside for support); the oldest go first. 0 keeps only the newest.
    #[var(set)]
    #[init(val = 50)]
    quarantine_max_files: i64,
    /// Most bytes kept in `quarantine/` (256 MiB by default); the newest
    /// file is kept whatever its size.
    #[var(set)]
    #[init(val = 256 << 20)]
    quarantine_max_bytes: i64,
    /// Your game's data schema version, written into every save. Loading a
    /// slot saved at an older version runs the registered migrations; a slot
    /// from a newer version is refused and left untouched.
    #[var]
    game_schema_version: i64,
    /// Compression of new saves: OFF, FAST (zstd 1) or SMALL (zstd 9).
    /// Saves in any format keep loading. Takes effect on the next operation.
    #[export(enum = (OFF = 0, FAST = 1, SMALL = 2))]
    pub(crate) compression: i64,
    /// 32-byte key sealing new saves (XChaCha20-Poly1305); empty: no
    /// encryption (or the passphrase, see `set_encryption_passphrase`).
    /// Plain saves keep loading; use `rekey` to change a key in use.
    #[export]
    pub(crate) encryption_key: PackedByteArray,
    /// Mixes `OS.get_unique_id()` into the key: saves then open on this
    /// installation only (off by default: it breaks moving saves).
    #[export]
    pub(crate) bind_to_installation: bool,
    /// Refuse unencrypted saves and exports as modified files (a player
    /// could otherwise put a plain save in place of an encrypted one). Turn
    /// on once every save is encrypted (after `rekey`), or from day one.
    #[export]
    pub(crate) require_encryption: bool,
    passphrase_key: Option<backup_core::SaveKey>,
    passphrase_generation: u64,
    opened_security: crate::save_manager_security::SecurityState,
    store: Option<Arc<SlotStore>>,
    /// Bumped each time the store is closed, so that holders of the old one
    /// (coordinators) let go of it before it is opened again.
    store_generation: u64,
    migrations: BTreeMap<u32, Callable>,
    /// Whether `clear_migrations` is connected to the scene tree's end.
    exit_hooked: bool,
    #[init(val = ErrorLog::new(CLASS))]
    errors: ErrorLog,
    /// What start-up recovery did when the folder was opened, until the
    /// first save or load result carries it (`startup_actions`).
    startup_unreported: Vec<StartupAction>,
    /// Saves and loads of `save_slot_async` / `load_slot_async` (see
    /// `save_manager_async.rs`).
    pub(crate) queued: crate::save_manager_async::QueuedSaves,
    /// Custom Resource types allowed in saves (`save_manager_types.rs`).
    save_types: SaveTypes,
}

#[godot_api]
impl SaveGameManager {
    /// A slot was found corrupt (on load or validation). `error_details`
    /// says what failed; `repair_save_slot()` restores the newest valid copy.
    #[signal]
    fn corruption_detected(save_slot: i64, error_details: GString);
    /// `create_save_backup()` copied the slot into backup level `backup_index`.
    #[signal]
    fn backup_created(save_slot: i64, backup_index: i64);
    /// A backup level was restored over the slot.
    #[signal]
    fn backup_restored(save_slot: i64, backup_index: i64);
    /// A snapshot was restored over the slot.
    #[signal]
    fn snapshot_restored(save_slot: i64, snapshot_id: GString);
    /// A slot was repaired; `recovery_method` says from which copy.
    #[signal]
    fn slot_repaired(save_slot: i64, recovery_method: GString);
    /// A save finished (`error_message` is empty on success).
    #[signal]
    pub(crate) fn save_completed(save_slot: i64, success: bool, error_message: GString);
    /// A load finished (`error_message` is empty on success).
    #[signal]
    pub(crate) fn load_completed(save_slot: i64, success: bool, error_message: GString);
    /// A slot and its backups were deleted.
    #[signal]
    fn slot_deleted(save_slot: i64);
    /// Loaded data was migrated from an older schema version.
    #[signal]
    fn data_migrated(save_slot: i64, from_version: i64, to_version: i64);
    /// A `save_slot_async` request finished (after `save_completed`):
    /// `status` is `written`, `superseded` (a newer save of the slot was
    /// written instead) or `failed`.
    #[signal]
    pub(crate) fn save_request_completed(
        request_id: i64,
        save_slot: i64,
        status: GString,
        error_message: GString,
    );
    /// A `load_slot_async` request finished (after `load_completed`);
    /// `result` has the keys of `load_slot()` plus `request_id`.
    #[signal]
    pub(crate) fn load_request_completed(request_id: i64, save_slot: i64, result: VarDictionary);

    /// Sets the save folder (a `user://` or absolute path) and closes the
    /// current one.
    #[func]
    pub fn set_save_root(&mut self, path: GString) {
        self.save_root = path;
        self.close_store();
    }

    /// Sets the number of slots (at least 1) and closes the current folder.
    #[func]
    pub fn set_slot_count(&mut self, count: i64) {
        self.slot_count = count;
        self.close_store();
    }

    /// Sets the rolling backup levels (0..=16) and closes the current folder.
    #[func]
    pub fn set_backup_levels(&mut self, levels: i64) {
        self.backup_levels = levels;
        self.close_store();
    }

    /// Sets how many files `quarantine/` keeps (at least 0) and closes the
    /// current folder.
    #[func]
    pub fn set_quarantine_max_files(&mut self, count: i64) {
        self.quarantine_max_files = count;
        self.close_store();
    }

    /// Sets how many bytes `quarantine/` keeps (at least 0) and closes the
    /// current folder.
    #[func]
    pub fn set_quarantine_max_bytes(&mut self, bytes: i64) {
        self.quarantine_max_bytes = bytes;
        self.close_store();
    }

    /// Saves `data` into `save_slot` atomically, rotating the previous save
    /// into the backups. `info` describes the save for slot lists. Returns
    /// `{success, save_slot, checksum, bytes_written, error_message, error_kind}`
    /// (`error_kind`: empty on success, else e.g. `authentication` for a
    /// save the key does not open, `corrupt`, `io`, `disk_full`).
    #[func]
    pub fn save_slot(
        &mut self,
        save_slot: i64,
        data: VarDictionary,
        #[opt(default = OptDict::default())] info: OptDict,
    ) -> VarDictionary {
        let base = vdict! { "save_slot" => save_slot, "checksum" => 0, "bytes_written" => 0 };
        let outcome = self.do_save(save_slot, &data, &info.0);
        let result = match outcome {
            Ok(receipt) => vdict! {
                "success" => true,
                "save_slot" => save_slot,
                "checksum" => i64::from(receipt.checksum),
                "bytes_written" => receipt.bytes_written as i64,
                "error_message" => "",
                "error_kind" => "",
            },
            Err(e) => failure::failed_with_kind(&e, base),
        };
        let result = self.attach_startup(result);
        let (ok, message) = convert::outcome_of(&result);
        self.signals()
            .save_completed()
            .emit(save_slot, ok, &message);
        result
    }

    /// Loads `save_slot`, migrating older schema versions first (a safety
    /// snapshot of the old save is kept). Returns `{success, save_slot, data,
    /// info, schema_version, migrated, migrated_from_version,
    /// safety_snapshot, error_message, error_kind}` (`error_kind`
    /// `authentication`: wrong key or modified file; nothing was changed).
    #[func]
    pub fn load_slot(&mut self, save_slot: i64) -> VarDictionary {
        let base = vdict! {
            "save_slot" => save_slot,
            "data" => &VarDictionary::new(),
            "info" => &VarDictionary::new(),
            "schema_version" => 0,
            "migrated" => false,
            "migrated_from_version" => -1,
            "safety_snapshot" => "",
        };
        let result = match self.do_load(save_slot) {
            Ok(loaded) => {
                let mut r = base;
                r.extend_dictionary(&loaded, true);
                r.set("success", true);
                r.set("error_message", "");
                r.set("error_kind", "");
                r
            }
            Err(e) => failure::failed_with_kind(&e, base),
        };
        let result = self.attach_startup(result);
        let (ok, message) = convert::outcome_of(&result);
        self.signals()
            .load_completed()
            .emit(save_slot, ok, &message);
        result
    }

    /// What start-up recovery did when the save folder was opened
    /// (interrupted writes finished, kept in quarantine or left alone), one
    /// Dictionary per action: `{action, description, ...}`. Opens the folder
    /// if needed. Each action is also pushed as a warning when it happens,
    /// and the first save or load result carries them as `startup_actions`.
    #[func]
    pub fn get_startup_actions(&mut self) -> Array<VarDictionary> {
        let r = self.shared_store();
        let Some(store) = self.report(r) else {
            return Array::new();
        };
        store
            .startup_actions()
            .iter()
            .map(startup_to_dict)
            .collect()
    }

    /// Whether `save_slot` holds a save (valid or not).
    #[func]
    pub fn has_slot(&mut self, save_slot: i64) -> bool {
        let r = self.with_store(|s| {
            let slot = s.check_slot(save_slot)?;
            Ok(s.used_slots()?.contains(&slot))
        });
        self.report(r).unwrap_or(false)
    }

    /// Deletes a slot with its backups and snapshots.
    #[func]
    pub fn delete_slot(&mut self, save_slot: i64) -> bool {
        let r = self.with_store(|s| s.delete_slot(s.check_slot(save_slot)?, true));
        let ok = self.report(r).is_some();
        if ok {
            self.signals().slot_deleted().emit(save_slot);
        }
        ok
    }

    /// Slot numbers that hold a save, ascending.
    #[func]
    pub fn get_used_slots(&mut self) -> PackedInt64Array {
        let r = self.with_store(|s| s.used_slots());
        let slots = self.report(r).unwrap_or_default();
        slots.into_iter().map(i64::from).collect()
    }

    /// The lowest empty slot, or -1 when all are used.
    #[func]
    pub fn get_first_free_slot(&mut self) -> i64 {
        let r = self.with_store(|s| s.first_free_slot());
        match self.report(r) {
            Some(Some(slot)) => i64::from(slot),
            _ => -1,
        }
    }

    /// Verified details of one slot: `{save_slot, exists, healthy, status,
    /// error_details, size_bytes, checksum, backup_count, valid_backups,
    /// has_backups, snapshot_count, has_interrupted_write, backups,
    /// pilot_callsign, campaign, mission, play_time_seconds, schema_version,
    /// created_at, modified_at, save_count, extra}`. Empty on failure.
    #[func]
    pub fn get_slot_info(&mut self, save_slot: i64) -> VarDictionary {
        let r = self.with_store(|s| s.slot_info(s.check_slot(save_slot)?));
        self.report(r)
            .map(|info| convert::slot_info_to_dict(&info))
            .unwrap_or_default()
    }

    /// `get_slot_info()` of every used slot.
    #[func]
    pub fn list_slots(&mut self) -> Array<VarDictionary> {
        let r = self.with_store(|s| s.list_slots());
        let mut out = Array::new();
        for info in self.report(r).unwrap_or_default() {
            out.push(&convert::slot_info_to_dict(&info));
        }
        out
    }

    /// Verifies a slot; emits `corruption_detected` when its save is
    /// corrupt. Returns `{valid, save_slot, status, error_details,
    /// valid_backups, backup_count}`.
    #[func]
    pub fn validate_save_slot(&mut self, save_slot: i64) -> VarDictionary {
        let r = self.with_store(|s| s.slot_info(s.check_slot(save_slot)?));
        let Some(info) = self.report(r) else {
            return vdict! {
                "valid" => false, "save_slot" => save_slot, "status" => "error",
                "error_details" => &self.errors.last(), "valid_backups" => 0, "backup_count" => 0,
            };
        };
        let (status, details) = convert::status_of(&info.primary);
        if matches!(status, "corrupt" | "unreadable") {
            self.emit_corruption(save_slot, &details);
        }
        vdict! {
            "valid" => info.is_healthy(),
            "save_slot" => save_slot,
            "status" => status,
            "error_details" => details.as_str(),
            "valid_backups" => info.valid_backups() as i64,
            "backup_count" => info.existing_backups() as i64,
        }
    }

    /// Copies the slot's save into backup level 0 (older levels shift down).
    #[func]
    pub fn create_save_backup(&mut self, save_slot: i64) -> bool {
        let r = self.with_store(|s| s.create_backup(s.check_slot(save_slot)?));
        let ok = self.report(r).is_some();
        if ok {
            self.signals().backup_created().emit(save_slot, 0);
        }
        ok
    }

    /// Restores backup level `backup_index` (0 = newest) over the slot; the
    /// save it replaces is kept as a snapshot.
    #[func]
    pub fn restore_save_backup(&mut self, save_slot: i64, backup_index: i64) -> bool {
        let r = self.with_store(|s| {
            s.restore_backup(s.check_slot(save_slot)?, s.check_level(backup_index)?)
        });
        let ok = self.report(r).is_some();
        if ok {
            self.signals()
                .backup_restored()
                .emit(save_slot, backup_index);
        }
        ok
    }

    /// Every snapshot of a slot, oldest first: `[{snapshot_id, name,
    /// description, kind (manual/automated/pre_restore/safety), trigger,
    /// context, created_at, valid, status, error_details, size_bytes,
    /// written_at, pilot_callsign}]`. Empty on failure.
    #[func]
    pub fn list_snapshots(&mut self, save_slot: i64) -> Array<VarDictionary> {
        let r = self.with_store(|s| s.list_snapshots(s.check_slot(save_slot)?));
        let mut out = Array::new();
        for check in self.report(r).unwrap_or_default() {
            out.push(&convert::snapshot_to_dict(&check));
        }
        out
    }

    /// Restores a snapshot (by `snapshot_id` from `list_snapshots`) over the
    /// slot; the save it replaces is kept as a "Before restore" snapshot.
    /// Emits `snapshot_restored(save_slot, snapshot_id)`.
    #[func]
    pub fn restore_snapshot(&mut self, save_slot: i64, snapshot_id: GString) -> bool {
        let id = snapshot_id.to_string();
        let r = self.with_store(|s| s.restore_snapshot(s.check_slot(save_slot)?, &id));
        let ok = self.report(r).is_some();
        if ok {
            self.signals()
                .snapshot_restored()
                .emit(save_slot, &snapshot_id);
        }
        ok
    }

    /// Deletes one snapshot of a slot.
    #[func]
    pub fn delete_snapshot(&mut self, save_slot: i64, snapshot_id: GString) -> bool {
        let id = snapshot_id.to_string();
        let r = self.with_store(|s| s.delete_snapshot(s.check_slot(save_slot)?, &id));
        self.report(r).is_some()
    }

    /// Repairs a slot from its newest valid copy (interrupted write, backup
    /// or snapshot). True when the slot is healthy afterwards.
    #[func]
    pub fn repair_save_slot(&mut self, save_slot: i64) -> bool {
        let r = self.with_store(|s| s.repair(s.check_slot(save_slot)?));
        match self.report(r) {
            Some(outcome) => {
                let method = outcome.source.describe();
                self.signals()
                    .slot_repaired()
                    .emit(save_slot, method.as_str());
                true
            }
            None => false,
        }
    }

    /// Removes leftover temporary files, quarantines corrupt backups and
    /// removes the oldest quarantined files beyond `quarantine_max_files` /
    /// `quarantine_max_bytes`. Returns `{success, removed_temp, promoted,
    /// quarantined, removed_extra_backups, pruned_quarantine, error_message}`
    /// (counts).
    #[func]
    pub fn cleanup_saves(&mut self) -> VarDictionary {
        let base = vdict! {
            "removed_temp" => 0, "promoted" => 0, "quarantined" => 0, "removed_extra_backups" => 0,
            "pruned_quarantine" => 0,
        };
        match self.with_store(|s| s.cleanup()) {
            Ok(c) => vdict! {
                "success" => true,
                "removed_temp" => c.removed_temp.len() as i64,
                "promoted" => c.promoted.len() as i64,
                "quarantined" => c.quarantined.len() as i64,
                "removed_extra_backups" => c.removed_extra_backups.len() as i64,
                "pruned_quarantine" => c.pruned_quarantine.len() as i64,
                "error_message" => "",
            },
            Err(e) => {
                self.errors.record(&e);
                failure::failed_result(&e, base)
            }
        }
    }

    /// Operation counters: one entry per operation (`save`, `load`,
    /// `backup`, ...) with `{count, failures, bytes, average_ms, max_ms}`,
    /// plus `total_operations` and `total_failures`.
    #[func]
    pub fn get_save_stats(&mut self) -> VarDictionary {
        let r = self.with_store(|s| Ok(s.stats()));
        self.report(r)
            .map(|stats| convert::stats_to_dict(&stats))
            .unwrap_or_default()
    }

    /// Registers the migration that turns data of schema version
    /// `from_version` into `from_version + 1`: a Callable taking the data
    /// Dictionary and returning the migrated Dictionary.
    #[func]
    pub fn register_migration(&mut self, from_version: i64, migration: Callable) -> bool {
        let Ok(version) = u32::try_from(from_version) else {
            self.errors.record(&format!(
                "schema version {from_version} is out of range (0..={})",
                u32::MAX
            ));
            return false;
        };
        if !migration.is_valid() {
            self.errors.record(&"migration Callable is not valid");
            return false;
        }
        self.migrations.insert(version, migration);
        self.release_migrations_at_exit();
        true
    }

    /// Forgets every registered migration.
    #[func]
    pub fn clear_migrations(&mut self) {
        self.migrations.clear();
    }

    /// The message of the most recent failure (empty if none yet).
    #[func]
    pub fn get_last_error(&self) -> GString {
        self.errors.last()
    }

    /// Absolute path of the save folder.
    #[func]
    pub fn get_save_root_absolute(&self) -> GString {
        ProjectSettings::singleton().globalize_path(&self.save_root)
    }
}

impl SaveGameManager {
    /// Migrations are usually script lambdas. This singleton outlives the
    /// script languages (it is freed when the extension unloads, after
    /// GDScript shut down), and freeing a lambda then corrupts the heap; so
    /// the Callables are dropped when the scene tree ends.
    fn release_migrations_at_exit(&mut self) {
        if !self.exit_hooked {
            self.exit_hooked = self.call_when_tree_ends("clear_migrations");
        }
    }

    /// Connects this singleton's method `method` to the root's
    /// `tree_exiting`; false when there is no scene tree (yet).
    pub(crate) fn call_when_tree_ends(&self, method: &str) -> bool {
        let Some(main_loop) = Engine::singleton().get_main_loop() else {
            return false;
        };
        let Ok(tree) = main_loop.try_cast::<SceneTree>() else {
            return false;
        };
        let Some(mut root) = tree.get_root() else {
            return false;
        };
        root.connect("tree_exiting", &self.to_gd().callable(method));
        true
    }

    fn close_store(&mut self) {
        // Queued saves go to the folder they were requested for.
        self.queued.close();
        self.store = None;
        self.store_generation += 1;
    }

    /// Changes each time the store is closed (configuration changed).
    pub fn store_generation(&self) -> u64 {
        self.store_generation
    }

    /// The shared store, opened on first use, once every save queued by
    /// `save_slot_async` is on disk: whatever the caller does next sees
    /// them. Other classes of the addon (the coordinator, worker threads)
    /// share it through this `Arc`.
    pub fn shared_store(&mut self) -> Outcome<Arc<SlotStore>> {
        self.queued.wait_for_all();
        self.open_store()
    }

    /// The shared store, opened on first use, without waiting for queued saves.
    pub(crate) fn open_store(&mut self) -> Outcome<Arc<SlotStore>> {
        if let Some(store) = &self.store {
            if self.opened_security == self.security_state() {
                return Ok(Arc::clone(store));
            }
            // Compression or key changed: reopen with the new ones.
            self.close_store();
        }
        let slot_count = u32::try_from(self.slot_count)
            .ok()
            .filter(|c| *c >= 1)
            .ok_or_else(|| {
                Failure::Refused(format!("slot_count {} must be at least 1", self.slot_count))
            })?;
        let backup_levels = u32::try_from(self.backup_levels)
            .ok()
            .filter(|l| *l <= 16)
            .ok_or_else(|| {
                Failure::Refused(format!(
                    "backup_levels {} must be 0..=16",
                    self.backup_levels
                ))
            })?;
        let quarantine = backup_core::QuarantineLimits {
            max_files: usize::try_from(self.quarantine_max_files).map_err(|_| {
                Failure::Refused(format!(
                    "quarantine_max_files {} must be at least 0",
                    self.quarantine_max_files
                ))
            })?,
            max_bytes: u64::try_from(self.quarantine_max_bytes).map_err(|_| {
                Failure::Refused(format!(
                    "quarantine_max_bytes {} must be at least 0",
                    self.quarantine_max_bytes
                ))
            })?,
        };
        let root = self.get_save_root_absolute().to_string();
        if root.is_empty() {
            return Err(Failure::Refused("save_root is empty".into()));
        }
        let options = self.security_options(StoreOptions {
            slot_count,
            backup_levels,
            quarantine,
            ..StoreOptions::default()
        })?;
        self.opened_security = self.security_state();
        let store = SlotStore::open(root, options)?;
        for action in store.startup_actions() {
            failure::push_warning(
                CLASS,
                &format!("opening the save folder {}", action.describe()),
            );
        }
        self.startup_unreported = store.startup_actions().to_vec();
        let store = Arc::new(store);
        self.store = Some(Arc::clone(&store));
        Ok(store)
    }

    /// The registered custom Resource types.
    pub fn save_types(&self) -> &SaveTypes {
        &self.save_types
    }

    pub(crate) fn save_types_mut(&mut self) -> &mut SaveTypes {
        &mut self.save_types
    }

    pub(crate) fn passphrase_key(&self) -> Option<backup_core::SaveKey> {
        self.passphrase_key.clone()
    }

    pub(crate) fn passphrase_generation(&self) -> u64 {
        self.passphrase_generation
    }

    pub(crate) fn set_passphrase_key(&mut self, key: Option<backup_core::SaveKey>) {
        self.passphrase_key = key;
        self.passphrase_generation += 1;
    }

    /// The schema version as the core's type.
    pub fn schema_version(&self) -> Outcome<u32> {
        u32::try_from(self.game_schema_version).map_err(|_| {
            Failure::Refused(format!(
                "game_schema_version {} must be 0..={}",
                self.game_schema_version,
                u32::MAX
            ))
        })
    }

    fn with_store<T>(
        &mut self,
        f: impl FnOnce(&SlotStore) -> backup_core::Result<T>,
    ) -> Outcome<T> {
        let store = self.shared_store()?;
        Ok(f(&store)?)
    }

    /// Records and logs a failure; `None` tells the caller to return its
    /// failure value.
    fn report<T>(&mut self, r: Outcome<T>) -> Option<T> {
        self.errors.check(r)
    }

    /// Adds `startup_actions` to the first result after the folder was
    /// opened, when start-up recovery did anything.
    fn attach_startup(&mut self, mut result: VarDictionary) -> VarDictionary {
        if !self.startup_unreported.is_empty() {
            let actions: Array<VarDictionary> = std::mem::take(&mut self.startup_unreported)
                .iter()
                .map(startup_to_dict)
                .collect();
            result.set("startup_actions", &actions);
        }
        result
    }

    /// Records and logs a failure (what `get_last_error()` returns next).
    pub(crate) fn fail(&mut self, error: &impl std::fmt::Display) {
        self.errors.record(error);
    }

    fn emit_corruption(&mut self, save_slot: i64, details: &str) {
        self.signals()
            .corruption_detected()
            .emit(save_slot, details);
    }

    fn do_save(
        &mut self,
        save_slot: i64,
        data: &VarDictionary,
        info: &VarDictionary,
    ) -> Outcome<backup_core::SaveReceipt> {
        let result = (|| {
            let version = self.schema_version()?;
            let store = self.shared_store()?;
            let slot = store.check_slot(save_slot)?;
            let bytes = self.encode_for_save(data, info).map_err(Failure::Refused)?;
            let meta = convert::metadata_from_info(info, version);
            Ok(store.save(slot, &bytes, &meta)?)
        })();
        if let Err(e) = &result {
            self.errors.record(e);
        }
        result
    }

    /// Loads, decodes and migrates; the Ok Dictionary holds the keys that
    /// differ from the failure defaults.
    pub(crate) fn do_load(&mut self, save_slot: i64) -> Outcome<VarDictionary> {
        let result = self.load_inner(save_slot);
        if let Err(e) = &result {
            if e.is_corruption() {
                self.emit_corruption(save_slot, &e.to_string());
            }
            self.errors.record(e);
        }
        result
    }

    fn load_inner(&mut self, save_slot: i64) -> Outcome<VarDictionary> {
        let current = self.schema_version()?;
        let store = self.shared_store()?;
        let slot = store.check_slot(save_slot)?;
        let loaded = store.load(slot)?;
        let stored = loaded.metadata.game_schema_version;
        let registered: Vec<u32> = self.migrations.keys().copied().collect();
        let plan = plan_migration(stored, current, &registered)?;
        // Migrations see Resources in plain form (Dictionaries).
        let form = match plan {
            MigrationPlan::Current => Form::Resources,
            MigrationPlan::Steps(_) => Form::Plain,
        };
        let data = self
            .decode_payload(&loaded.payload, form)
            .map_err(decode_failure)?;
        let MigrationPlan::Steps(steps) = plan else {
            return Ok(vdict! {
                "data" => &data,
                "info" => &convert::metadata_to_dict(&loaded.metadata),
                "schema_version" => i64::from(stored),
            });
        };
        // Keep the old save before anything is rewritten.
        let request = SnapshotRequest {
            name: format!("before schema migration {stored} -> {current}"),
            description: String::new(),
            kind: SnapshotKind::Safety,
            context: serde_json::Value::Null,
        };
        let snapshot = store
            .create_snapshot(slot, &request)
            .map_err(|source| Failure::During {
                what: "could not keep a backup before migrating",
                source,
            })?;
        let callables: Vec<(u32, Callable)> = steps
            .iter()
            .filter_map(|v| self.migrations.get(v).map(|c| (*v, c.clone())))
            .collect();
        let mut migrated = data;
        let first = steps.first().copied().unwrap_or(stored);
        for (version, callable) in callables {
            // Migrations are game code and may call back into this singleton.
            let out = {
                let _reentrant = self.base_mut();
                callable.call(&[migrated.to_variant()])
            };
            migrated = out.try_to::<VarDictionary>().map_err(|_| {
                Failure::Refused(format!(
                    "migration from schema version {version} did not return a Dictionary (got {}); the save was left as it was",
                    out.get_type().ord()
                ))
            })?;
        }
        let mut meta = loaded.metadata.clone();
        meta.game_schema_version = current;
        let bytes = self
            .encode_migrated(&migrated, first)
            .map_err(|m| Failure::Refused(format!("{m}; the save was left as it was")))?;
        let migrated = self.decode_payload(&bytes, Form::Resources).map_err(|e| {
            Failure::Refused(format!(
                "migrated data could not be read back: {}; the save was left as it was",
                e.message
            ))
        })?;
        let receipt = store
            .save(slot, &bytes, &meta)
            .map_err(|source| Failure::During {
                what: "migrated data could not be saved",
                source,
            })?;
        self.signals()
            .data_migrated()
            .emit(save_slot, i64::from(stored), i64::from(current));
        Ok(vdict! {
            "data" => &migrated,
            "info" => &convert::metadata_to_dict(&receipt.metadata),
            "schema_version" => i64::from(current),
            "migrated" => true,
            "migrated_from_version" => i64::from(stored),
            "safety_snapshot" => snapshot.id.as_str(),
        })
    }
}

/// One start-up action for GDScript: its serialised fields plus a sentence.
fn startup_to_dict(action: &StartupAction) -> VarDictionary {
    let mut dict = convert::to_dict(action);
    dict.set("description", action.describe().as_str());
    dict
}

/// A stored payload that could not be decoded: damage (corruption signals)
/// or a type this game did not register (a configuration problem).
pub(crate) fn decode_failure(e: DecodeError) -> Failure {
    if e.damaged {
        Failure::BadData(e.message)
    } else {
        Failure::Refused(e.message)
    }
}
