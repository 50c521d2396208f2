//! From payload to stored record and back: compress (`codec`), seal
//! (`seal`), wrap in the checksummed envelope; and on reading, verify the
//! envelope, open the seal, decompress. The one place that tells damage
//! (a CRC or the compressed stream fails: [`OpenError::Corrupt`]) from a
//! wrong key or a deliberate edit (the seal fails: [`OpenError::Authentication`]).

use super::codec::{self, Compression};
use super::envelope::{self, Record, FLAG_COMPRESSED, FLAG_ENCRYPTED};
use super::keys::{Keyring, SaveKey};
use super::seal::{self, OpenFailure};
use crate::error::FormatError;

/// How new records are written.
#[derive(Debug, Clone, Copy, Default)]
pub struct EncodeOptions<'a> {
    /// Compression of the payload.
    pub compression: Compression,
    /// Seals the payload when set.
    pub key: Option<&'a SaveKey>,
}

/// Why a stored record could not be opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpenError {
    /// Damaged: a checksum, the header or the compressed stream is wrong.
    Corrupt(FormatError),
    /// Intact, but no key opens it: a wrong (or no) key, or a modified file.
    Authentication(OpenFailure),
}

/// Encodes a record as a prefix (header and metadata) and the payload
/// section; a plain record borrows the payload instead of copying it.
pub fn encode_record<'p>(
    meta: &[u8],
    payload: &'p [u8],
    options: EncodeOptions<'_>,
) -> std::io::Result<(Vec<u8>, std::borrow::Cow<'p, [u8]>)> {
    let level = options.compression.level();
    if level.is_none() && options.key.is_none() {
        return Ok((envelope::encode_prefix(meta, payload), payload.into()));
    }
    let mut flags = 0;
    let mut body: std::borrow::Cow<'p, [u8]> = payload.into();
    if let Some(level) = level {
        flags |= FLAG_COMPRESSED;
        body = codec::compress(payload, level)?.into();
    }
    let sealed_len = body.len() + options.key.map_or(0, |_| seal::OVERHEAD);
    if options.key.is_some() {
        flags |= FLAG_ENCRYPTED;
    }
    let mut prefix =
        envelope::header_without_crcs(flags, meta.len(), sealed_len, Some(payload.len() as u64));
    if let Some(key) = options.key {
        let ad = envelope::associated_data(&prefix, meta);
        body = seal::seal(key, &ad, &body)?.into();
    }
    envelope::finish_prefix(&mut prefix, meta, &body);
    Ok((prefix, body))
}

/// Decodes, verifies and opens a stored record: the result's `payload()` is
/// the game's bytes.
pub fn open(bytes: Vec<u8>, limit: u64, keys: &Keyring) -> Result<Record, OpenError> {
    let mut record = envelope::decode(bytes, limit).map_err(OpenError::Corrupt)?;
    if record.flags == 0 {
        return Ok(record);
    }
    let opened = if record.is_encrypted() {
        Some(
            seal::open(keys, &record.associated_data(), record.body())
                .map_err(OpenError::Authentication)?,
        )
    } else {
        None
    };
    let plain = match (opened, record.is_compressed()) {
        (Some(opened), true) => {
            codec::decompress(&opened, record.plain_len).map_err(OpenError::Corrupt)?
        }
        (None, true) => {
            codec::decompress(record.body(), record.plain_len).map_err(OpenError::Corrupt)?
        }
        (Some(opened), false) => opened,
        (None, false) => record.body().to_vec(),
    };
    if plain.len() as u64 != record.plain_len {
        // Sealed (so authentic) yet the wrong length: only a writer bug or
        // a forged header could do this; treat as a modified file.
        return Err(OpenError::Authentication(OpenFailure::WrongKeyOrModified));
    }
    record.decoded = Some(plain);
    Ok(record)
}
