//! backup_gdext: the Godot 4 face of backup_core.
//!
//! Registers two classes:
//! - [`SaveGameManager`](save_manager::SaveGameManager), an engine singleton
//!   (`SaveGameManager.save_slot(...)` from any script): save slots holding a
//!   game Dictionary, rolling backups, repair, validation, schema migrations.
//! - `BackupFlowCoordinator` (a `Node`): scheduling, health checks, recovery
//!   wizards, export and import, as the package spec describes.
//!
//! Everything that could live without Godot lives in backup_core; this crate
//! converts values ([`convert`]), turns errors into Godot-style failures
//! ([`failure`]) and moves long work off the main thread.

use godot::init::InitStage;
use godot::prelude::*;

pub mod convert;
pub mod coordinator;
pub mod enums;
pub mod failure;
pub mod save_manager;
pub mod save_manager_security;
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
}

/// Registers the enums of classes that need them.
fn register_class_enums() {
    enums::register();
}
