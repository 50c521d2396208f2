//! Authenticated encryption of the payload: XChaCha20-Poly1305 with a fresh
//! random 192-bit nonce per write; the record's header and metadata are the
//! associated data, so neither can be changed without the record failing to
//! open.
//!
//! A sealed body is `[key kind: 1][salt: 16][nonce: 24][ciphertext][tag: 16]`.
//! The key kind and salt say how to get the key (a raw key, or a passphrase
//! stretched with this salt); they are appended to the associated data, so
//! they are bound by the tag too (a raw key does not use the salt).

use chacha20poly1305::aead::rand_core::RngCore;
use chacha20poly1305::aead::{AeadInPlace, KeyInit, OsRng};
use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};

use super::keys::{KeyKind, Keyring, SaveKey, SALT_LEN};

const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
/// Bytes a sealed body adds to its plaintext.
pub const OVERHEAD: usize = 1 + SALT_LEN + NONCE_LEN + TAG_LEN;

/// Why a sealed body did not open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum OpenFailure {
    /// No key is set.
    #[error("it is encrypted and no key is set")]
    NoKey,
    /// No key opened it: a wrong key, or the record was modified.
    #[error("wrong key or modified file")]
    WrongKeyOrModified,
    /// Not encrypted, but the store requires encrypted records (a plain
    /// file put in place of an encrypted one).
    #[error("wrong key or modified file (not encrypted, and this game requires encryption)")]
    NotEncrypted,
}

/// Seals `plain` under `key`, binding `ad`.
pub fn seal(key: &SaveKey, ad: &[u8], plain: &[u8]) -> std::io::Result<Vec<u8>> {
    let kind = key.kind();
    let salt = key.write_salt();
    let cipher_key = key
        .cipher_key(kind, &salt)
        .ok_or_else(|| std::io::Error::other("could not derive the encryption key"))?;
    let mut nonce = [0u8; NONCE_LEN];
    OsRng
        .try_fill_bytes(&mut nonce)
        .map_err(|e| std::io::Error::other(format!("no random numbers for a nonce: {e}")))?;
    let mut body = Vec::with_capacity(plain.len() + OVERHEAD);
    body.push(kind as u8);
    body.extend_from_slice(&salt);
    body.extend_from_slice(&nonce);
    let start = body.len();
    body.extend_from_slice(plain);
    let ad = [ad, &body[..1 + SALT_LEN]].concat();
    let cipher = XChaCha20Poly1305::new(cipher_key.as_ref().into());
    let tag = cipher
        .encrypt_in_place_detached(XNonce::from_slice(&nonce), &ad, &mut body[start..])
        .map_err(|_| std::io::Error::other("payload too large to encrypt"))?;
    body.extend_from_slice(&tag);
    Ok(body)
}

/// Opens a sealed body with the first key of `keys` that authenticates it.
pub fn open(keys: &Keyring, ad: &[u8], body: &[u8]) -> Result<Vec<u8>, OpenFailure> {
    if keys.is_empty() {
        return Err(OpenFailure::NoKey);
    }
    if body.len() < OVERHEAD {
        return Err(OpenFailure::WrongKeyOrModified);
    }
    let kind = match body[0] {
        0 => KeyKind::Raw,
        1 => KeyKind::Passphrase,
        _ => return Err(OpenFailure::WrongKeyOrModified),
    };
    let salt: [u8; SALT_LEN] = body[1..1 + SALT_LEN].try_into().unwrap_or_default();
    let nonce = XNonce::from_slice(&body[1 + SALT_LEN..1 + SALT_LEN + NONCE_LEN]);
    let ciphertext = &body[1 + SALT_LEN + NONCE_LEN..body.len() - TAG_LEN];
    let tag = Tag::from_slice(&body[body.len() - TAG_LEN..]);
    let ad = [ad, &body[..1 + SALT_LEN]].concat();
    for key in keys.readers() {
        let Some(cipher_key) = key.cipher_key(kind, &salt) else {
            continue;
        };
        let cipher = XChaCha20Poly1305::new(cipher_key.as_ref().into());
        let mut plain = ciphertext.to_vec();
        if cipher
            .decrypt_in_place_detached(nonce, &ad, &mut plain, tag)
            .is_ok()
        {
            return Ok(plain);
        }
    }
    Err(OpenFailure::WrongKeyOrModified)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn opens_with_its_key_only_and_binds_the_associated_data() {
        let key = SaveKey::from_bytes(&[3; 32]).unwrap();
        let keys = Keyring::with_key(key.clone());
        let a = seal(&key, b"header", b"secret game state").unwrap();
        let b = seal(&key, b"header", b"secret game state").unwrap();
        assert_ne!(a, b, "a fresh nonce per write");
        assert_eq!(a.len(), 17 + OVERHEAD);
        assert!(!a.windows(6).any(|w| w == b"secret"));
        assert_eq!(open(&keys, b"header", &a).unwrap(), b"secret game state");
        assert_eq!(
            open(&keys, b"HEADER", &a),
            Err(OpenFailure::WrongKeyOrModified)
        );
        let other = Keyring::with_key(SaveKey::from_bytes(&[4; 32]).unwrap());
        assert_eq!(
            open(&other, b"header", &a),
            Err(OpenFailure::WrongKeyOrModified)
        );
        assert_eq!(
            open(&Keyring::default(), b"header", &a),
            Err(OpenFailure::NoKey)
        );
        let both = Keyring {
            current: other.current.clone(),
            previous: vec![key],
        };
        assert!(
            open(&both, b"header", &a).is_ok(),
            "previous keys still open"
        );
    }
}
