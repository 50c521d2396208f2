//! Export of a slot to a portable file and import of one, on the main
//! thread or on a worker thread.

use std::path::PathBuf;

use backup_core::{ExportResult, ImportResult};
use godot::classes::ProjectSettings;
use godot::prelude::*;

use super::BackupFlowCoordinator;
use crate::convert;
use crate::worker::{Done, Job};

#[godot_api(secondary)]
impl BackupFlowCoordinator {
    /// Writes the slot's save to one portable file (`user://` paths work).
    /// Returns `{success, export_path, file_size, save_slot, error_message}`.
    #[func]
    pub fn export_backup(
        &mut self,
        save_slot: i64,
        export_path: GString,
        #[opt(default = true)] include_metadata: bool,
    ) -> VarDictionary {
        let flow = match self.flow_or_fail() {
            Ok(flow) => flow,
            Err(e) => {
                let failed = ExportResult::failed(save_slot, export_path.to_string(), &e);
                return convert::to_dict(&failed);
            }
        };
        let context = vdict! { "save_slot" => save_slot, "export_path" => &export_path };
        self.signals()
            .backup_flow_started()
            .emit("export_backup", &context);
        let mut result = flow.export_backup(save_slot, &globalize(&export_path), include_metadata);
        result.export_path = export_path.to_string();
        let dict = convert::to_dict(&result);
        self.finish_run(
            "export_backup",
            result.success,
            &result.error_message,
            &dict,
        );
        dict
    }

    /// Imports an export file into `target_slot` (-1: first free slot); the
    /// file is verified before anything is written. Returns `{success,
    /// imported_slot, pilot_name, error_message, ...}`.
    #[func]
    pub fn import_backup(
        &mut self,
        import_path: GString,
        #[opt(default = -1)] target_slot: i64,
    ) -> VarDictionary {
        let flow = match self.flow_or_fail() {
            Ok(flow) => flow,
            Err(e) => return convert::to_dict(&ImportResult::failed(&e)),
        };
        let context = vdict! { "import_path" => &import_path, "target_slot" => target_slot };
        self.signals()
            .backup_flow_started()
            .emit("import_backup", &context);
        let result = flow.import_backup(&globalize(&import_path), target_slot);
        let dict = convert::to_dict(&result);
        self.finish_run(
            "import_backup",
            result.success,
            &result.error_message,
            &dict,
        );
        dict
    }

    /// `export_backup` on a worker thread; `export_completed(result)` follows
    /// on the main thread. False when it could not start.
    #[func]
    pub fn export_backup_async(
        &mut self,
        save_slot: i64,
        export_path: GString,
        #[opt(default = true)] include_metadata: bool,
    ) -> bool {
        let Ok(flow) = self.flow_or_fail() else {
            return false;
        };
        let path = globalize(&export_path);
        let shown = export_path.to_string();
        let started = self.worker.spawn(Job::Export, move |_| {
            let mut result = flow.export_backup(save_slot, &path, include_metadata);
            result.export_path = shown;
            Done::Export(result)
        });
        self.started(started)
    }

    /// `import_backup` on a worker thread; `import_completed(result)` follows
    /// on the main thread. False when it could not start.
    #[func]
    pub fn import_backup_async(
        &mut self,
        import_path: GString,
        #[opt(default = -1)] target_slot: i64,
    ) -> bool {
        let Ok(flow) = self.flow_or_fail() else {
            return false;
        };
        let path = globalize(&import_path);
        let started = self.worker.spawn(Job::Import, move |_| {
            Done::Import(flow.import_backup(&path, target_slot))
        });
        self.started(started)
    }
}

/// The file system path of a `res://`/`user://` or absolute path.
fn globalize(path: &GString) -> PathBuf {
    PathBuf::from(
        ProjectSettings::singleton()
            .globalize_path(path)
            .to_string(),
    )
}
