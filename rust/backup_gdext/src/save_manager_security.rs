//! `SaveGameManager`'s compression and encryption: the passphrase and key
//! methods, `rekey`, and the store options they turn into. The exported
//! properties (`compression`, `encryption_key`, `bind_to_installation`) are
//! fields of the struct (gdext wants them there); this file reads them.

use backup_core::{Compression, Keyring, SaveKey, StoreOptions};
use godot::classes::Os;
use godot::prelude::*;

use crate::failure::{self, Failure, Outcome};
use crate::save_manager::SaveGameManager;

/// What the open store was configured with; a change reopens it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SecurityState {
    compression: i64,
    key: Vec<u8>,
    bind: bool,
    require: bool,
    passphrase_generation: u64,
}

#[godot_api(secondary)]
impl SaveGameManager {
    /// Derives the encryption key from a passphrase (Argon2id; the salt is
    /// stored in each save, so saves open anywhere with the passphrase).
    /// Replaces `encryption_key`. Returns false (and logs) on an empty passphrase.
    #[func]
    pub fn set_encryption_passphrase(&mut self, passphrase: GString) -> bool {
        match SaveKey::from_passphrase(&passphrase.to_string()) {
            Ok(key) => {
                self.encryption_key = PackedByteArray::new();
                self.set_passphrase_key(Some(key));
                true
            }
            Err(e) => {
                self.fail(&e);
                false
            }
        }
    }

    /// Removes the key and passphrase: new saves are written unencrypted;
    /// encrypted saves no longer open (and are left untouched).
    #[func]
    pub fn clear_encryption_key(&mut self) {
        self.encryption_key = PackedByteArray::new();
        self.set_passphrase_key(None);
    }

    /// Whether a key or passphrase is set.
    #[func]
    pub fn has_encryption_key(&self) -> bool {
        !self.encryption_key.is_empty() || self.passphrase_key().is_some()
    }

    /// Rewrites every save, backup and snapshot under `new_key` (32 bytes;
    /// an empty array decrypts), each file atomically, then makes it the
    /// key. Nothing is written when a file cannot be opened with the current
    /// key. Returns `{success, rewritten, skipped_damaged, error_kind, error_message}`.
    #[func]
    pub fn rekey(&mut self, new_key: PackedByteArray) -> VarDictionary {
        let key = if new_key.is_empty() {
            None
        } else {
            match SaveKey::from_bytes(new_key.as_slice()) {
                Ok(k) => Some(k),
                Err(e) => return self.rekey_failed(e),
            }
        };
        let outcome = self.rekey_to(key);
        if outcome.get("success").is_some_and(|v| v.booleanize()) {
            self.encryption_key = new_key;
            self.set_passphrase_key(None);
        }
        outcome
    }

    /// `rekey` to a key derived from `passphrase`.
    #[func]
    pub fn rekey_to_passphrase(&mut self, passphrase: GString) -> VarDictionary {
        let key = match SaveKey::from_passphrase(&passphrase.to_string()) {
            Ok(k) => k,
            Err(e) => return self.rekey_failed(e),
        };
        let outcome = self.rekey_to(Some(key.clone()));
        if outcome.get("success").is_some_and(|v| v.booleanize()) {
            self.encryption_key = PackedByteArray::new();
            self.set_passphrase_key(Some(key));
        }
        outcome
    }

    /// The compression settings' names, in ordinal order (`off`, `fast`, `small`).
    #[func]
    pub fn compression_keys() -> PackedStringArray {
        Compression::ALL
            .iter()
            .map(|c| GString::from(c.name()))
            .collect()
    }
}

impl SaveGameManager {
    fn rekey_to(&mut self, key: Option<SaveKey>) -> VarDictionary {
        let store = match self.shared_store() {
            Ok(s) => s,
            Err(e) => return self.rekey_failed(e),
        };
        let key = match key.map(|k| self.bound(k)).transpose() {
            Ok(k) => k,
            Err(e) => return self.rekey_failed(e),
        };
        match store.rekey(key.as_ref()) {
            Ok(report) => {
                let mut out = rekey_base();
                out.set("success", true);
                out.set("rewritten", report.rewritten.len() as i64);
                out.set("skipped_damaged", report.skipped_damaged.len() as i64);
                out.set("error_message", "");
                out.set("error_kind", "");
                out
            }
            Err(e) => self.rekey_failed(e),
        }
    }

    fn rekey_failed(&mut self, e: impl Into<Failure>) -> VarDictionary {
        let failure = e.into();
        self.fail(&failure);
        failure::failed_with_kind(&failure, rekey_base())
    }

    fn bound(&self, key: SaveKey) -> backup_core::Result<SaveKey> {
        if self.bind_to_installation {
            key.bound_to_installation(&Os::singleton().get_unique_id().to_string())
        } else {
            Ok(key)
        }
    }

    /// The configuration the store should be opened with now.
    pub(crate) fn security_state(&self) -> SecurityState {
        SecurityState {
            compression: self.compression,
            key: self.encryption_key.to_vec(),
            bind: self.bind_to_installation,
            require: self.require_encryption,
            passphrase_generation: self.passphrase_generation(),
        }
    }

    /// Compression and keys for a store opened now.
    pub(crate) fn security_options(&self, mut options: StoreOptions) -> Outcome<StoreOptions> {
        options.compression = Compression::from_ordinal(self.compression).ok_or_else(|| {
            Failure::Refused(format!(
                "compression {} is not one of 0 (off), 1 (fast), 2 (small)",
                self.compression
            ))
        })?;
        let key = if !self.encryption_key.is_empty() {
            Some(SaveKey::from_bytes(self.encryption_key.as_slice())?)
        } else {
            self.passphrase_key()
        };
        let key = key.map(|k| self.bound(k)).transpose()?;
        options.keys = Keyring {
            current: key,
            previous: Vec::new(),
        };
        options.require_encryption = self.require_encryption;
        Ok(options)
    }
}

fn rekey_base() -> VarDictionary {
    vdict! { "rewritten" => 0, "skipped_damaged" => 0 }
}
