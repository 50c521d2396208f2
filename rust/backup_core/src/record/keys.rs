//! Encryption keys: a raw 32-byte key or a passphrase stretched with
//! Argon2id, optionally bound to one installation.
//!
//! Key bytes never leave this module except into the cipher: `Debug` prints
//! only the kind of key, the bytes are zeroed when the last clone is dropped,
//! and nothing here writes to disk. A passphrase key draws one random salt
//! when it is made; every record it seals carries that salt (salts are not
//! secret), so each record can be opened on its own, on any machine, and one
//! derivation per salt is cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use argon2::{Algorithm, Argon2, Params, Version};
use blake2::digest::{consts::U32, Mac};
use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::OsRng;
use zeroize::Zeroizing;

use crate::error::{Error, Result};

/// Length of a raw key in bytes.
pub const KEY_LEN: usize = 32;
/// Length of a passphrase salt in bytes.
pub const SALT_LEN: usize = 16;

type KeyBytes = Zeroizing<[u8; KEY_LEN]>;

/// How a record's key was made; stored in the sealed body (one byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyKind {
    Raw = 0,
    Passphrase = 1,
}

enum Source {
    Raw(KeyBytes),
    Passphrase {
        phrase: Zeroizing<Vec<u8>>,
        write_salt: [u8; SALT_LEN],
        derived: Mutex<HashMap<[u8; SALT_LEN], KeyBytes>>,
    },
}

struct Inner {
    source: Source,
    /// Installation id mixed into the key, when bound.
    binding: Option<Zeroizing<Vec<u8>>>,
}

/// A key that seals and opens save records. Cheap to clone.
#[derive(Clone)]
pub struct SaveKey(Arc<Inner>);

impl std::fmt::Debug for SaveKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.0.source {
            Source::Raw(_) => "raw",
            Source::Passphrase { .. } => "passphrase",
        };
        let bound = if self.0.binding.is_some() {
            ", bound to this installation"
        } else {
            ""
        };
        write!(f, "SaveKey({kind}{bound}, bytes hidden)")
    }
}

impl PartialEq for SaveKey {
    /// Two handles are equal when they are clones of one key.
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl SaveKey {
    /// A key of exactly 32 bytes (e.g. from a key file or the game's binary).
    pub fn from_bytes(bytes: &[u8]) -> Result<SaveKey> {
        let key: [u8; KEY_LEN] = bytes.try_into().map_err(|_| {
            Error::InvalidArgument(format!(
                "an encryption key must be exactly {KEY_LEN} bytes (got {})",
                bytes.len()
            ))
        })?;
        Ok(SaveKey::new(Source::Raw(Zeroizing::new(key))))
    }

    /// A key derived from a passphrase with Argon2id (19 MiB, 2 passes).
    pub fn from_passphrase(passphrase: &str) -> Result<SaveKey> {
        if passphrase.is_empty() {
            return Err(Error::InvalidArgument("the passphrase is empty".into()));
        }
        let mut write_salt = [0u8; SALT_LEN];
        OsRng
            .try_fill_bytes(&mut write_salt)
            .map_err(|e| Error::InvalidArgument(format!("no random numbers available: {e}")))?;
        Ok(SaveKey::new(Source::Passphrase {
            phrase: Zeroizing::new(passphrase.as_bytes().to_vec()),
            write_salt,
            derived: Mutex::new(HashMap::new()),
        }))
    }

    /// The same key mixed with an installation id (Godot's
    /// `OS.get_unique_id()`): records it seals open only where the id is the same.
    pub fn bound_to_installation(&self, installation_id: &str) -> Result<SaveKey> {
        if installation_id.is_empty() {
            return Err(Error::InvalidArgument(
                "this platform gives no installation id to bind the key to".into(),
            ));
        }
        let source = match &self.0.source {
            Source::Raw(k) => Source::Raw(k.clone()),
            Source::Passphrase {
                phrase, write_salt, ..
            } => Source::Passphrase {
                phrase: phrase.clone(),
                write_salt: *write_salt,
                derived: Mutex::new(HashMap::new()),
            },
        };
        Ok(SaveKey(Arc::new(Inner {
            source,
            binding: Some(Zeroizing::new(installation_id.as_bytes().to_vec())),
        })))
    }

    /// Whether the key is bound to an installation.
    pub fn is_bound(&self) -> bool {
        self.0.binding.is_some()
    }

    fn new(source: Source) -> SaveKey {
        SaveKey(Arc::new(Inner {
            source,
            binding: None,
        }))
    }

    pub(crate) fn kind(&self) -> KeyKind {
        match self.0.source {
            Source::Raw(_) => KeyKind::Raw,
            Source::Passphrase { .. } => KeyKind::Passphrase,
        }
    }

    /// The salt new records carry (zeros for a raw key).
    pub(crate) fn write_salt(&self) -> [u8; SALT_LEN] {
        match &self.0.source {
            Source::Raw(_) => [0; SALT_LEN],
            Source::Passphrase { write_salt, .. } => *write_salt,
        }
    }

    /// The cipher key for a record of `kind` with `salt`; `None` when this
    /// key is of another kind (it cannot have sealed that record).
    pub(crate) fn cipher_key(&self, kind: KeyKind, salt: &[u8; SALT_LEN]) -> Option<KeyBytes> {
        let base = match (&self.0.source, kind) {
            (Source::Raw(k), KeyKind::Raw) => k.clone(),
            (
                Source::Passphrase {
                    phrase, derived, ..
                },
                KeyKind::Passphrase,
            ) => {
                let mut cache = derived.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(k) = cache.get(salt) {
                    k.clone()
                } else {
                    let k = derive(phrase, salt)?;
                    cache.insert(*salt, k.clone());
                    k
                }
            }
            _ => return None,
        };
        Some(match &self.0.binding {
            None => base,
            Some(id) => bind(&base, id),
        })
    }
}

fn derive(phrase: &[u8], salt: &[u8; SALT_LEN]) -> Option<KeyBytes> {
    let params = Params::new(19 * 1024, 2, 1, Some(KEY_LEN)).ok()?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    argon.hash_password_into(phrase, salt, out.as_mut()).ok()?;
    Some(out)
}

fn bind(key: &[u8; KEY_LEN], installation: &[u8]) -> KeyBytes {
    let mut mac = <blake2::Blake2bMac<U32> as Mac>::new_from_slice(key)
        .expect("a 32-byte key is a valid BLAKE2b key");
    mac.update(b"backup_system installation binding v1\0");
    mac.update(installation);
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    out.copy_from_slice(&mac.finalize().into_bytes());
    out
}

/// The keys a store seals with and opens with: the current key (new records)
/// and previous keys still accepted when reading (an interrupted `rekey`
/// leaves records under both).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Keyring {
    /// Seals new records; `None` writes unencrypted records.
    pub current: Option<SaveKey>,
    /// Also tried when opening a record.
    pub previous: Vec<SaveKey>,
}

impl Keyring {
    /// A keyring with one key.
    pub fn with_key(key: SaveKey) -> Keyring {
        Keyring {
            current: Some(key),
            previous: Vec::new(),
        }
    }

    /// Every key to try when opening, current first.
    pub(crate) fn readers(&self) -> impl Iterator<Item = &SaveKey> {
        self.current.iter().chain(self.previous.iter())
    }

    /// Whether any key is set.
    pub fn is_empty(&self) -> bool {
        self.current.is_none() && self.previous.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_keys_must_be_32_bytes_and_debug_hides_them() {
        assert!(SaveKey::from_bytes(&[1; 31]).is_err());
        assert!(SaveKey::from_bytes(&[1; 33]).is_err());
        let key = SaveKey::from_bytes(&[0xAB; 32]).unwrap();
        let shown = format!("{key:?} {:?}", Keyring::with_key(key.clone()));
        assert!(!shown.to_lowercase().contains("ab, "), "{shown}");
        assert!(!shown.contains("171"), "{shown}");
        assert!(shown.contains("raw"));
    }

    #[test]
    fn binding_and_salt_change_the_key() {
        let key = SaveKey::from_bytes(&[7; 32]).unwrap();
        let plain = key.cipher_key(KeyKind::Raw, &[0; 16]).unwrap();
        let bound = key.bound_to_installation("machine-a").unwrap();
        let other = key.bound_to_installation("machine-b").unwrap();
        let a = bound.cipher_key(KeyKind::Raw, &[0; 16]).unwrap();
        let b = other.cipher_key(KeyKind::Raw, &[0; 16]).unwrap();
        assert_ne!(*plain, *a);
        assert_ne!(*a, *b);
        assert!(key.cipher_key(KeyKind::Passphrase, &[0; 16]).is_none());
        assert!(key.bound_to_installation("").is_err());

        let pass = SaveKey::from_passphrase("correct horse").unwrap();
        let salt = pass.write_salt();
        let k1 = pass.cipher_key(KeyKind::Passphrase, &salt).unwrap();
        let k2 = pass.cipher_key(KeyKind::Passphrase, &[9; 16]).unwrap();
        assert_ne!(*k1, *k2);
        let again = SaveKey::from_passphrase("correct horse").unwrap();
        assert_ne!(again.write_salt(), salt, "each key draws a fresh salt");
        assert_eq!(*again.cipher_key(KeyKind::Passphrase, &salt).unwrap(), *k1);
        assert!(SaveKey::from_passphrase("").is_err());
    }
}
