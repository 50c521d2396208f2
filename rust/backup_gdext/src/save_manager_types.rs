//! `SaveGameManager`'s custom Resource types: registering them, and the
//! encoding every save and load goes through (see `save_types` for the
//! stored form and `variant_check` for what is refused).

use godot::prelude::*;

use crate::failure;
use crate::save_manager::SaveGameManager;
use crate::save_types::{self, Accept, Form};
use crate::variant_check;

#[godot_api(secondary)]
impl SaveGameManager {
    /// Allows Resources of `type` inside saved data: a `class_name`d
    /// Resource script (`PlayerProfile`), its name (`"PlayerProfile"`), or
    /// an Array of either. They are stored as their type name and their
    /// storage properties (`@export`, `PROPERTY_USAGE_STORAGE`); loading
    /// creates them through the project's global class list only. Returns
    /// false (and registers none) when one of them is not a global Resource
    /// class.
    #[func]
    pub fn register_save_type(&mut self, save_type: Variant) -> bool {
        let result = self.save_types_mut().register(&save_type);
        match result {
            Ok(_) => {
                self.release_save_types_at_exit();
                true
            }
            Err(message) => {
                self.fail_types(message);
                false
            }
        }
    }

    /// Forgets every registered save type.
    #[func]
    pub fn clear_save_types(&mut self) {
        self.save_types_mut().clear();
    }

    /// Names of the registered save types, in registration order.
    #[func]
    pub fn get_save_types(&self) -> PackedStringArray {
        self.save_types()
            .names()
            .iter()
            .map(|n| GString::from(n.as_str()))
            .collect()
    }

    /// The bytes `save_slot` would store for `data` (for sending a save
    /// elsewhere): `{success, bytes, error_message}`.
    #[func]
    pub fn encode_save_data(&mut self, data: VarDictionary) -> VarDictionary {
        match save_types::encode(&data, "data", self.save_types(), Accept::Resources) {
            Ok(bytes) => vdict! {
                "success" => true,
                "bytes" => &PackedByteArray::from(bytes.as_slice()),
                "error_message" => "",
            },
            Err(message) => {
                self.fail_types(message.clone());
                failure::failed_result(&message, vdict! { "bytes" => &PackedByteArray::new() })
            }
        }
    }

    /// Decodes bytes from `encode_save_data` with the same checks as
    /// `load_slot`: `{success, data, error_message}`.
    #[func]
    pub fn decode_save_data(&mut self, bytes: PackedByteArray) -> VarDictionary {
        match save_types::decode(bytes.as_slice(), self.save_types(), Form::Resources) {
            Ok(data) => vdict! { "success" => true, "data" => &data, "error_message" => "" },
            Err(e) => {
                self.fail_types(e.message.clone());
                failure::failed_result(&e.message, vdict! { "data" => &VarDictionary::new() })
            }
        }
    }
}

impl SaveGameManager {
    /// The payload to store for a save: `info` must be plain data, `data`
    /// may hold registered Resources. Nothing is written when this fails.
    /// Async saves call this on the main thread and hand the bytes over.
    pub fn encode_for_save(
        &self,
        data: &VarDictionary,
        info: &VarDictionary,
    ) -> Result<Vec<u8>, String> {
        variant_check::check_storable(&info.to_variant(), "info")?;
        save_types::encode(data, "data", self.save_types(), Accept::Resources)
    }

    /// The payload to store for what a migration returned (plain form only).
    pub fn encode_migrated(&self, data: &VarDictionary, from: u32) -> Result<Vec<u8>, String> {
        let root = format!("data (returned by the migration from schema version {from})");
        save_types::encode(data, &root, self.save_types(), Accept::PlainForm)
    }

    /// Decodes a stored payload, with Resources as instances or (for
    /// migrations) in plain form.
    pub fn decode_payload(
        &self,
        payload: &[u8],
        form: Form,
    ) -> Result<VarDictionary, save_types::DecodeError> {
        save_types::decode(payload, self.save_types(), form)
    }

    fn fail_types(&mut self, message: String) {
        self.fail(&message);
    }

    /// Registered scripts are Resources the engine frees with the script
    /// languages; drop them when the scene tree ends, as migrations are.
    fn release_save_types_at_exit(&mut self) {
        if !self.save_types().exit_hooked {
            self.save_types_mut().exit_hooked = self.call_when_tree_ends("clear_save_types");
        }
    }
}
