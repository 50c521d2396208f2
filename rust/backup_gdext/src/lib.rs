//! backup_gdext: the Godot 4 face of backup_core. Thin: values in and out,
//! signals, worker threads; every rule lives in backup_core.
//!
//! | file | serves | what it holds |
//! |---|---|---|
//! | `save_manager.rs` | `SaveGameManager` | the engine singleton over [`backup_core::SlotStore`]: save slots holding a game Dictionary, rolling backups, snapshots, repair, validation, schema migrations |
//! | `coordinator/` | `BackupFlowCoordinator` | the `Node` over [`backup_core::BackupFlow`], one file per topic (see [`coordinator`]): class, properties and signals in `mod.rs`; `backups`, `recovery`, `transfer`, `status`; its class enums in `enums.rs`; `integration` (autoload signals) and `jobs` (worker results) |
//! | `convert.rs` | both | every conversion between Godot values and core types |
//! | `failure.rs` | both | errors stay typed ([`failure::Failure`]) until a method returns; then `push_error`, `get_last_error()` and `success: false` |
//! | `worker.rs` | `BackupFlowCoordinator` | long jobs on threads, results delivered on the main thread |
//!
//! Signals are emitted typed (`self.signals().save_completed().emit(...)`).

use godot::init::InitStage;
use godot::prelude::*;

pub mod convert;
pub mod coordinator;
pub mod failure;
pub mod save_manager;
pub mod save_manager_async;
pub mod save_manager_security;
pub mod save_manager_types;
pub mod save_types;
pub mod variant_check;
pub mod worker;

struct BackupSystemExtension;

#[gdextension]
unsafe impl ExtensionLibrary for BackupSystemExtension {
    fn on_stage_init(stage: InitStage) {
        if stage == InitStage::Scene {
            // Class enums have no public macro in gdext yet (issue #890); they
            // are registered here, after the classes themselves.
            register_class_enums();
        }
    }

    fn on_stage_deinit(stage: InitStage) {
        if stage == InitStage::Scene {
            // Last resort for a game that ends without its scene tree
            // ending: saves still queued are written before the library goes.
            save_manager_async::finish_all_queues();
        }
    }
}

/// Registers the enums of classes that need them.
fn register_class_enums() {
    coordinator::enums::register();
}
