//! The spec's three enums, registered as class enums of
//! `BackupFlowCoordinator` so that GDScript can write
//! `BackupFlowCoordinator.BackupTrigger.MISSION_COMPLETE`.
//!
//! gdext has no public macro for class enums yet (godot-rust/gdext#890);
//! `godot::register::private::constant` is what its own tests use. The names
//! and ordinals come from backup_core, the single source of the order.

use backup_core::{BackupOperation, BackupTrigger, RecoveryScenario};
use godot::obj::GodotClass;
use godot::prelude::*;
use godot::register::private::constant::{ConstantKind, ExportConstant, IntegerConstant};

use super::BackupFlowCoordinator;

/// (enum name, variant names in ordinal order) of every class enum.
pub fn class_enums() -> [(&'static str, Vec<&'static str>); 3] {
    [
        (
            "BackupOperation",
            BackupOperation::ALL.iter().map(|v| v.name()).collect(),
        ),
        (
            "RecoveryScenario",
            RecoveryScenario::ALL.iter().map(|v| v.name()).collect(),
        ),
        (
            "BackupTrigger",
            BackupTrigger::ALL.iter().map(|v| v.name()).collect(),
        ),
    ]
}

/// Registers the enums in ClassDB under `BackupFlowCoordinator`.
pub fn register() {
    for (name, variants) in class_enums() {
        let enumerators = variants
            .iter()
            .enumerate()
            .map(|(ordinal, variant)| IntegerConstant::new(variant, ordinal as i64))
            .collect();
        ExportConstant::new(
            BackupFlowCoordinator::class_id(),
            ConstantKind::Enum {
                name: StringName::from(name),
                enumerators,
            },
        )
        .register();
    }
}

/// The variant names of one enum, in ordinal order (what `.keys()` gives for
/// a GDScript enum); empty for an unknown enum name.
pub fn keys_of(enum_name: &str) -> PackedStringArray {
    class_enums()
        .into_iter()
        .find(|(name, _)| *name == enum_name)
        .map(|(_, variants)| variants.iter().map(|v| GString::from(*v)).collect())
        .unwrap_or_default()
}

/// An `int` argument typed as one of the class enums in ClassDB (class name
/// `BackupFlowCoordinator.<Enum>`, `CLASS_IS_ENUM`), so the editor and
/// GDScript see e.g. `scenario: BackupFlowCoordinator.RecoveryScenario`.
/// Any int converts; the coordinator checks the range itself and answers an
/// unknown value with a failure instead of a conversion error.
macro_rules! enum_arg {
    ($(#[$doc:meta])* $name:ident, $core:ty, $godot_name:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name(pub i64);

        impl godot::meta::GodotConvert for $name {
            type Via = i64;

            fn godot_shape() -> godot::meta::shape::GodotShape {
                let enumerators: Vec<godot::meta::shape::EnumeratorShape> = <$core>::ALL
                    .iter()
                    .map(|v| godot::meta::shape::EnumeratorShape::new_int(v.name(), v.ordinal()))
                    .collect();
                godot::meta::shape::GodotShape::Enum {
                    variant_type: VariantType::INT,
                    enumerators: enumerators.into(),
                    godot_name: Some($godot_name.into()),
                    is_bitfield: false,
                }
            }
        }

        impl godot::meta::ToGodot for $name {
            type Pass = godot::meta::conv::ByValue;

            fn to_godot(&self) -> i64 {
                self.0
            }
        }

        impl godot::meta::FromGodot for $name {
            fn try_from_godot(via: i64) -> Result<Self, godot::meta::error::ConvertError> {
                Ok($name(via))
            }
        }
    };
}

enum_arg!(
    /// A `BackupFlowCoordinator.BackupTrigger` argument.
    TriggerArg,
    BackupTrigger,
    "BackupFlowCoordinator.BackupTrigger"
);
enum_arg!(
    /// A `BackupFlowCoordinator.RecoveryScenario` argument.
    ScenarioArg,
    RecoveryScenario,
    "BackupFlowCoordinator.RecoveryScenario"
);

/// The enum names for GDScript, which refuses `.keys()` on native enums.
#[godot_api(secondary)]
impl BackupFlowCoordinator {
    /// The names of a class enum (`"BackupTrigger"`, `"RecoveryScenario"`,
    /// `"BackupOperation"`) in ordinal order, like `.keys()` of a GDScript
    /// enum: `BackupFlowCoordinator.enum_keys("RecoveryScenario")[scenario]`.
    #[func]
    pub fn enum_keys(enum_name: GString) -> PackedStringArray {
        keys_of(&enum_name.to_string())
    }

    /// `BackupTrigger` names in ordinal order.
    #[func]
    pub fn backup_trigger_keys() -> PackedStringArray {
        keys_of("BackupTrigger")
    }

    /// `RecoveryScenario` names in ordinal order.
    #[func]
    pub fn recovery_scenario_keys() -> PackedStringArray {
        keys_of("RecoveryScenario")
    }

    /// `BackupOperation` names in ordinal order.
    #[func]
    pub fn backup_operation_keys() -> PackedStringArray {
        keys_of("BackupOperation")
    }
}
