//! The on-disk record: a fixed header, a metadata section, then the payload.
//!
//! Layout of the current version (2), all integers little-endian:
//!
//! | offset | size | field                                              |
//! |--------|------|----------------------------------------------------|
//! | 0      | 4    | magic `BKSV`                                       |
//! | 4      | 2    | format version                                     |
//! | 6      | 2    | header length (32 for version 2)                   |
//! | 8      | 2    | flags (below; unknown flags are refused)           |
//! | 10     | 2    | reserved, zero                                     |
//! | 12     | 4    | metadata length                                    |
//! | 16     | 8    | payload length                                     |
//! | 24     | 4    | CRC32 of metadata followed by payload              |
//! | 28     | 4    | CRC32 of bytes 0..28 of the header                 |
//!
//! Flags: bit 0 ([`FLAG_COMPRESSED`]) the payload section is a zstd frame,
//! bit 1 ([`FLAG_ENCRYPTED`]) it is sealed with XChaCha20-Poly1305 (see
//! `seal`; compression, when both are set, happens before sealing). A record
//! with any flag has a 40-byte header: bytes 28..36 hold the length of the
//! payload once decoded (decompression never produces more), and the header
//! CRC moves to bytes 36..40. The payload length at offset 16 and the CRC at
//! offset 24 are then those of the stored (encoded) section, so damage is
//! told apart from tampering: a flipped bit fails a CRC (corrupt, repairable
//! from a backup), while an edit that fixes up the CRCs fails authentication.
//!
//! From version 2 on, every header stores its own length at offset 6 and its
//! CRC in its last four bytes, so a reader can prove that a header claiming a
//! *newer* version is intact (and refuse it as "written by a newer game")
//! rather than mistaking a bit flip in the version field for a newer file.
//!
//! Version 1 (legacy, 24-byte header, no metadata section) is still read and is
//! migrated to version 2 the next time the slot is written.

use crate::error::FormatError;

pub use super::encoding::{encode_record, open, EncodeOptions, OpenError};

/// The four bytes every record starts with.
pub const MAGIC: [u8; 4] = *b"BKSV";
/// The version this build writes.
pub const CURRENT_VERSION: u16 = 2;
/// Length of a version-2 header.
pub const HEADER_LEN: usize = 32;
/// Length of a version-2 header with flags (compressed or encrypted).
pub const EXTENDED_HEADER_LEN: usize = 40;
/// The payload section is compressed (zstd).
pub const FLAG_COMPRESSED: u16 = 1;
/// The payload section is sealed (XChaCha20-Poly1305).
pub const FLAG_ENCRYPTED: u16 = 2;
const KNOWN_FLAGS: u16 = FLAG_COMPRESSED | FLAG_ENCRYPTED;
const LEGACY_V1_HEADER_LEN: usize = 24;
/// Largest header a future version may declare before we call it garbage.
const MAX_HEADER_LEN: usize = 4096;

/// A decoded, verified record. The payload and metadata are slices of one
/// buffer so that decoding never copies the payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The format version the record was written with.
    pub version: u16,
    /// CRC32 over metadata and payload.
    pub checksum: u32,
    /// Header flags ([`FLAG_COMPRESSED`], [`FLAG_ENCRYPTED`]).
    pub flags: u16,
    /// Length of the payload once decoded.
    pub plain_len: u64,
    buffer: Vec<u8>,
    meta: std::ops::Range<usize>,
    payload: std::ops::Range<usize>,
    /// The decoded payload of a compressed or encrypted record, once opened.
    pub(crate) decoded: Option<Vec<u8>>,
}

impl Record {
    /// The metadata section (JSON written by the store; empty for version 1).
    pub fn meta(&self) -> &[u8] {
        &self.buffer[self.meta.clone()]
    }

    /// The game's payload bytes: the stored section of a plain record, the
    /// decoded bytes of an opened one. For a compressed or encrypted record
    /// that was only [`decode`]d (not opened) this is the stored section.
    pub fn payload(&self) -> &[u8] {
        match &self.decoded {
            Some(plain) => plain,
            None => &self.buffer[self.payload.clone()],
        }
    }

    /// The payload section as stored (compressed and/or sealed, or plain).
    pub fn body(&self) -> &[u8] {
        &self.buffer[self.payload.clone()]
    }

    /// Whether the payload section is sealed.
    pub fn is_encrypted(&self) -> bool {
        self.flags & FLAG_ENCRYPTED != 0
    }

    /// Whether the payload section is compressed.
    pub fn is_compressed(&self) -> bool {
        self.flags & FLAG_COMPRESSED != 0
    }

    /// What the seal binds: the header without its two CRCs, then the metadata.
    pub fn associated_data(&self) -> Vec<u8> {
        let header = &self.buffer[..self.meta.start];
        let mut fields = header[..24.min(header.len())].to_vec();
        if header.len() >= EXTENDED_HEADER_LEN {
            fields.extend_from_slice(&header[28..36]);
        }
        associated_data(&fields, self.meta())
    }

    /// The whole record as it is stored.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buffer
    }

    /// Takes the payload out of the record without copying the allocation.
    pub fn into_payload(mut self) -> Vec<u8> {
        if let Some(plain) = self.decoded.take() {
            return plain;
        }
        self.buffer.truncate(self.payload.end);
        self.buffer.drain(..self.payload.start);
        self.buffer
    }

    /// Whether the record must be rewritten in the current format.
    pub fn needs_migration(&self) -> bool {
        self.version < CURRENT_VERSION
    }
}

/// CRC32 of metadata followed by payload.
pub fn checksum(meta: &[u8], payload: &[u8]) -> u32 {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(meta);
    hasher.update(payload);
    hasher.finalize()
}

/// Encodes the header and metadata. Write the payload right after them; keeping
/// it separate avoids copying a large payload into a new buffer.
pub fn encode_prefix(meta: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = header_without_crcs(0, meta.len(), payload.len(), None);
    finish_prefix(&mut out, meta, payload);
    out
}

/// The header of an encoded record before its data and header CRCs: bytes
/// 0..24, and for flagged records the decoded length (bytes 28..36 once the
/// data CRC is inserted).
pub(crate) fn header_without_crcs(
    flags: u16,
    meta_len: usize,
    body_len: usize,
    plain_len: Option<u64>,
) -> Vec<u8> {
    let header_len = if flags == 0 {
        HEADER_LEN
    } else {
        EXTENDED_HEADER_LEN
    };
    let mut out = Vec::with_capacity(header_len + meta_len);
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&CURRENT_VERSION.to_le_bytes());
    out.extend_from_slice(&(header_len as u16).to_le_bytes());
    out.extend_from_slice(&flags.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(meta_len as u32).to_le_bytes());
    out.extend_from_slice(&(body_len as u64).to_le_bytes());
    if let Some(plain_len) = plain_len.filter(|_| flags != 0) {
        out.extend_from_slice(&plain_len.to_le_bytes());
    }
    out
}

/// Inserts the data CRC and appends the header CRC and the metadata.
pub(crate) fn finish_prefix(out: &mut Vec<u8>, meta: &[u8], body: &[u8]) {
    let crc = checksum(meta, body).to_le_bytes();
    out.splice(24..24, crc);
    let header_crc = crc32fast::hash(out);
    out.extend_from_slice(&header_crc.to_le_bytes());
    out.extend_from_slice(meta);
}

/// What a seal binds: the header's fields without its two CRCs (as
/// [`header_without_crcs`] makes them), then the metadata.
pub(crate) fn associated_data(fields: &[u8], meta: &[u8]) -> Vec<u8> {
    let mut ad = Vec::with_capacity(fields.len() + meta.len());
    ad.extend_from_slice(fields);
    ad.extend_from_slice(meta);
    ad
}

/// Encodes a whole record into one buffer.
pub fn encode(meta: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = encode_prefix(meta, payload);
    out.extend_from_slice(payload);
    out
}

/// Encodes a legacy version-1 record (no metadata). The store never writes
/// these; they exist so that tests and tools can build old-format fixtures.
pub fn encode_legacy_v1(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(LEGACY_V1_HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&1u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&crc32fast::hash(payload).to_le_bytes());
    let header_crc = crc32fast::hash(&out);
    out.extend_from_slice(&header_crc.to_le_bytes());
    out.extend_from_slice(payload);
    out
}

/// Decodes and verifies a record. `limit` bounds the total size a header may
/// declare, so that a hostile header cannot make the caller allocate.
pub fn decode(bytes: Vec<u8>, limit: u64) -> Result<Record, FormatError> {
    if bytes.is_empty() {
        return Err(FormatError::Empty);
    }
    if bytes.len() < MAGIC.len() || bytes[..MAGIC.len()] != MAGIC {
        if bytes.iter().all(|&b| b == 0) {
            return Err(FormatError::ZeroFilled {
                len: bytes.len() as u64,
            });
        }
        if bytes.len() < MAGIC.len() && MAGIC.starts_with(&bytes) {
            return Err(truncated(HEADER_LEN as u64, &bytes));
        }
        return Err(FormatError::BadMagic);
    }
    let Some(version) = read_u16(&bytes, 4) else {
        return Err(truncated(HEADER_LEN as u64, &bytes));
    };
    match version {
        0 => Err(FormatError::HeaderChecksum),
        1 => decode_v1(bytes, limit),
        _ => decode_v2_or_newer(bytes, version, limit),
    }
}

fn decode_v2_or_newer(bytes: Vec<u8>, version: u16, limit: u64) -> Result<Record, FormatError> {
    let Some(header_len) = read_u16(&bytes, 6).map(usize::from) else {
        return Err(truncated(HEADER_LEN as u64, &bytes));
    };
    if !(HEADER_LEN..=MAX_HEADER_LEN).contains(&header_len) {
        return Err(FormatError::HeaderChecksum);
    }
    if bytes.len() < header_len {
        return Err(truncated(header_len as u64, &bytes));
    }
    let stored_header_crc = read_u32(&bytes, header_len - 4).unwrap_or_default();
    if crc32fast::hash(&bytes[..header_len - 4]) != stored_header_crc {
        return Err(FormatError::HeaderChecksum);
    }
    if version > CURRENT_VERSION {
        return Err(FormatError::UnsupportedVersion {
            found: version,
            supported: CURRENT_VERSION,
        });
    }
    let flags = read_u16(&bytes, 8).unwrap_or_default();
    if flags & !KNOWN_FLAGS != 0 {
        return Err(FormatError::UnknownFlags(flags));
    }
    let expected_len = if flags == 0 {
        HEADER_LEN
    } else {
        EXTENDED_HEADER_LEN
    };
    if header_len != expected_len {
        return Err(FormatError::HeaderChecksum);
    }
    let meta_len = u64::from(read_u32(&bytes, 12).unwrap_or_default());
    let payload_len = read_u64(&bytes, 16).unwrap_or_default();
    let stored = read_u32(&bytes, 24).unwrap_or_default();
    let plain_len = if flags == 0 {
        payload_len
    } else {
        read_u64(&bytes, 28).unwrap_or_default()
    };
    if plain_len > limit {
        return Err(FormatError::TooLarge {
            declared: plain_len,
            limit,
        });
    }
    let body_start = header_len as u64;
    let declared = body_start
        .saturating_add(meta_len)
        .saturating_add(payload_len);
    check_length(declared, limit, &bytes)?;
    let meta = header_len..header_len + meta_len as usize;
    let payload = meta.end..declared as usize;
    let computed = checksum(&bytes[meta.clone()], &bytes[payload.clone()]);
    if computed != stored {
        return Err(FormatError::DataChecksum { stored, computed });
    }
    Ok(Record {
        version,
        checksum: stored,
        flags,
        plain_len,
        buffer: bytes,
        meta,
        payload,
        decoded: None,
    })
}

fn decode_v1(bytes: Vec<u8>, limit: u64) -> Result<Record, FormatError> {
    if bytes.len() < LEGACY_V1_HEADER_LEN {
        return Err(truncated(LEGACY_V1_HEADER_LEN as u64, &bytes));
    }
    let stored_header_crc = read_u32(&bytes, 20).unwrap_or_default();
    if crc32fast::hash(&bytes[..20]) != stored_header_crc {
        return Err(FormatError::HeaderChecksum);
    }
    let flags = read_u16(&bytes, 6).unwrap_or_default();
    if flags != 0 {
        return Err(FormatError::UnknownFlags(flags));
    }
    let payload_len = read_u64(&bytes, 8).unwrap_or_default();
    let stored = read_u32(&bytes, 16).unwrap_or_default();
    let declared = (LEGACY_V1_HEADER_LEN as u64).saturating_add(payload_len);
    check_length(declared, limit, &bytes)?;
    let payload = LEGACY_V1_HEADER_LEN..declared as usize;
    let computed = crc32fast::hash(&bytes[payload.clone()]);
    if computed != stored {
        return Err(FormatError::DataChecksum { stored, computed });
    }
    Ok(Record {
        version: 1,
        checksum: stored,
        flags: 0,
        plain_len: payload_len,
        buffer: bytes,
        meta: LEGACY_V1_HEADER_LEN..LEGACY_V1_HEADER_LEN,
        payload,
        decoded: None,
    })
}

fn check_length(declared: u64, limit: u64, bytes: &[u8]) -> Result<(), FormatError> {
    if declared > limit {
        return Err(FormatError::TooLarge { declared, limit });
    }
    let actual = bytes.len() as u64;
    if actual < declared {
        return Err(FormatError::Truncated {
            expected: declared,
            actual,
        });
    }
    if actual > declared {
        return Err(FormatError::TrailingBytes {
            extra: actual - declared,
        });
    }
    Ok(())
}

fn truncated(expected: u64, bytes: &[u8]) -> FormatError {
    FormatError::Truncated {
        expected,
        actual: bytes.len() as u64,
    }
}

fn read_u16(bytes: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(bytes.get(at..at + 2)?.try_into().ok()?))
}

fn read_u32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

fn read_u64(bytes: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(bytes.get(at..at + 8)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = 1 << 20;

    #[test]
    fn round_trip_keeps_meta_and_payload() {
        let rec = decode(encode(b"{\"a\":1}", b"payload"), LIMIT).unwrap();
        assert_eq!(rec.meta(), b"{\"a\":1}");
        assert_eq!(rec.payload(), b"payload");
        assert_eq!(rec.version, CURRENT_VERSION);
        assert!(!rec.needs_migration());
        assert_eq!(rec.into_payload(), b"payload".to_vec());
    }

    #[test]
    fn legacy_v1_is_read_and_flagged_for_migration() {
        let rec = decode(encode_legacy_v1(b"old data"), LIMIT).unwrap();
        assert_eq!(rec.version, 1);
        assert!(rec.needs_migration());
        assert!(rec.meta().is_empty());
        assert_eq!(rec.payload(), b"old data");
    }

    #[test]
    fn tells_apart_each_failure() {
        assert_eq!(decode(vec![], LIMIT), Err(FormatError::Empty));
        assert_eq!(
            decode(vec![0; 100], LIMIT),
            Err(FormatError::ZeroFilled { len: 100 })
        );
        assert_eq!(
            decode(b"PK\x03\x04 zip file".to_vec(), LIMIT),
            Err(FormatError::BadMagic)
        );
        let full = encode(b"", b"0123456789");
        assert!(matches!(
            decode(full[..full.len() - 1].to_vec(), LIMIT),
            Err(FormatError::Truncated { .. })
        ));
        let mut long = full.clone();
        long.push(7);
        assert_eq!(
            decode(long, LIMIT),
            Err(FormatError::TrailingBytes { extra: 1 })
        );
        let mut flipped = full.clone();
        *flipped.last_mut().unwrap() ^= 1;
        assert!(matches!(
            decode(flipped, LIMIT),
            Err(FormatError::DataChecksum { .. })
        ));
        assert!(matches!(
            decode(full, 5),
            Err(FormatError::TooLarge { limit: 5, .. })
        ));
    }

    #[test]
    fn intact_newer_header_is_unsupported_but_flipped_version_is_corrupt() {
        let mut newer = encode(b"", b"x");
        newer[4..6].copy_from_slice(&3u16.to_le_bytes());
        let crc = crc32fast::hash(&newer[..28]);
        newer[28..32].copy_from_slice(&crc.to_le_bytes());
        assert_eq!(
            decode(newer, LIMIT),
            Err(FormatError::UnsupportedVersion {
                found: 3,
                supported: 2
            })
        );
        let mut flipped = encode(b"", b"x");
        flipped[4] ^= 1;
        assert_eq!(decode(flipped, LIMIT), Err(FormatError::HeaderChecksum));
    }
}
