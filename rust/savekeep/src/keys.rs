//! The save key for encrypted folders: from `--key-file PATH`, or the
//! `SAVEKEEP_KEY` (64 hex digits) or `SAVEKEEP_PASSPHRASE` environment
//! variables; never from an argument (the command line is visible to other
//! users through the process list and ends up in shell history). The key is
//! never printed.

use std::path::Path;

use backup_core::{Keyring, SaveKey};
use zeroize::Zeroizing;

use crate::exit::{CliError, CliResult};

/// The keyring the flags and environment give (empty: no key).
pub fn load(key_file: Option<&Path>) -> CliResult<Keyring> {
    let key = if let Some(path) = key_file {
        let bytes = Zeroizing::new(std::fs::read(path).map_err(|e| {
            CliError::Usage(format!("cannot read the key file {}: {e}", path.display()))
        })?);
        Some(parse_key(
            &bytes,
            &format!("the key file {}", path.display()),
        )?)
    } else if let Some(hex) = std::env::var_os("SAVEKEEP_KEY").filter(|v| !v.is_empty()) {
        let hex = Zeroizing::new(hex.to_string_lossy().into_owned());
        Some(parse_key(hex.as_bytes(), "SAVEKEEP_KEY")?)
    } else if let Some(phrase) = std::env::var_os("SAVEKEEP_PASSPHRASE").filter(|v| !v.is_empty()) {
        let phrase = Zeroizing::new(phrase.to_string_lossy().into_owned());
        Some(SaveKey::from_passphrase(&phrase)?)
    } else {
        None
    };
    Ok(key.map(Keyring::with_key).unwrap_or_default())
}

/// 32 raw bytes, or 64 hex digits (surrounding whitespace ignored).
fn parse_key(bytes: &[u8], source: &str) -> CliResult<SaveKey> {
    if bytes.len() == 32 {
        return Ok(SaveKey::from_bytes(bytes)?);
    }
    let text = bytes.trim_ascii();
    let bad = || CliError::Usage(format!("{source} must hold 32 raw bytes or 64 hex digits"));
    if text.len() != 64 {
        return Err(bad());
    }
    let mut key = Zeroizing::new([0u8; 32]);
    for (i, pair) in text.chunks(2).enumerate() {
        let digits = std::str::from_utf8(pair).map_err(|_| bad())?;
        key[i] = u8::from_str_radix(digits, 16).map_err(|_| bad())?;
    }
    Ok(SaveKey::from_bytes(key.as_ref())?)
}
