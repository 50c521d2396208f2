//! The on-disk record: a fixed header, a metadata section, then the payload.
//!
//! Layout of the current version (2), all integers little-endian:
//!
//! | offset | size | field                                              |
//! |--------|------|----------------------------------------------------|
//! | 0      | 4    | magic `BKSV`                                       |
//! | 4      | 2    | format version                                     |
//! | 6      | 2    | header length (32 for version 2)                   |
//! | 8      | 2    | flags (none defined; unknown flags are refused)    |
//! | 10     | 2    | reserved, zero                                     |
//! | 12     | 4    | metadata length                                    |
//! | 16     | 8    | payload length                                     |
//! | 24     | 4    | CRC32 of metadata followed by payload              |
//! | 28     | 4    | CRC32 of bytes 0..28 of the header                 |
//!
//! From version 2 on, every header stores its own length at offset 6 and its
//! CRC in its last four bytes, so a reader can prove that a header claiming a
//! *newer* version is intact (and refuse it as "written by a newer game")
//! rather than mistaking a bit flip in the version field for a newer file.
//!
//! Version 1 (legacy, 24-byte header, no metadata section) is still read and is
//! migrated to version 2 the next time the slot is written.

use crate::error::FormatError;

/// The four bytes every record starts with.
pub const MAGIC: [u8; 4] = *b"BKSV";
/// The version this build writes.
pub const CURRENT_VERSION: u16 = 2;
/// Length of a version-2 header.
pub const HEADER_LEN: usize = 32;
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
    buffer: Vec<u8>,
    meta: std::ops::Range<usize>,
    payload: std::ops::Range<usize>,
}

impl Record {
    /// The metadata section (JSON written by the store; empty for version 1).
    pub fn meta(&self) -> &[u8] {
        &self.buffer[self.meta.clone()]
    }

    /// The game's payload bytes.
    pub fn payload(&self) -> &[u8] {
        &self.buffer[self.payload.clone()]
    }

    /// The whole record as it is stored.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buffer
    }

    /// Takes the payload out of the record without copying the allocation.
    pub fn into_payload(mut self) -> Vec<u8> {
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
    let mut out = Vec::with_capacity(HEADER_LEN + meta.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&CURRENT_VERSION.to_le_bytes());
    out.extend_from_slice(&(HEADER_LEN as u16).to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&0u16.to_le_bytes());
    out.extend_from_slice(&(meta.len() as u32).to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    out.extend_from_slice(&checksum(meta, payload).to_le_bytes());
    let header_crc = crc32fast::hash(&out[..HEADER_LEN - 4]);
    out.extend_from_slice(&header_crc.to_le_bytes());
    out.extend_from_slice(meta);
    out
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
    if header_len != HEADER_LEN {
        return Err(FormatError::HeaderChecksum);
    }
    let flags = read_u16(&bytes, 8).unwrap_or_default();
    if flags != 0 {
        return Err(FormatError::UnknownFlags(flags));
    }
    let meta_len = u64::from(read_u32(&bytes, 12).unwrap_or_default());
    let payload_len = read_u64(&bytes, 16).unwrap_or_default();
    let stored = read_u32(&bytes, 24).unwrap_or_default();
    let body_start = HEADER_LEN as u64;
    let declared = body_start
        .saturating_add(meta_len)
        .saturating_add(payload_len);
    check_length(declared, limit, &bytes)?;
    let meta = HEADER_LEN..HEADER_LEN + meta_len as usize;
    let payload = meta.end..declared as usize;
    let computed = checksum(&bytes[meta.clone()], &bytes[payload.clone()]);
    if computed != stored {
        return Err(FormatError::DataChecksum { stored, computed });
    }
    Ok(Record {
        version,
        checksum: stored,
        buffer: bytes,
        meta,
        payload,
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
        buffer: bytes,
        meta: LEGACY_V1_HEADER_LEN..LEGACY_V1_HEADER_LEN,
        payload,
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
