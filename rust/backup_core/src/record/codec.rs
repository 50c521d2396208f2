//! Compression of the payload (zstd). Chosen by `benches/codec.rs` against
//! lz4_flex on game-like data: see `docs/encryption.md` for the numbers.
//!
//! Decompression is bounded by the plain length the record's header declares
//! (itself bounded by the store's payload limit), so a small hostile record
//! cannot expand into an allocation bomb.

use crate::error::FormatError;

/// How saves are compressed. `Off` writes the payload as it is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub enum Compression {
    /// No compression (the default).
    #[default]
    Off,
    /// zstd level 1: most of the size gain for little CPU.
    Fast,
    /// zstd level 9: smaller files, slower saves (loads stay fast).
    Small,
}

impl Compression {
    /// Every setting, in the order of their ordinals (the Godot enum).
    pub const ALL: [Compression; 3] = [Compression::Off, Compression::Fast, Compression::Small];

    /// The setting's name (`off`, `fast`, `small`).
    pub fn name(self) -> &'static str {
        match self {
            Compression::Off => "off",
            Compression::Fast => "fast",
            Compression::Small => "small",
        }
    }

    /// The setting with ordinal `n` (0 = off, 1 = fast, 2 = small).
    pub fn from_ordinal(n: i64) -> Option<Compression> {
        usize::try_from(n)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
    }

    /// The zstd level, `None` when off.
    pub fn level(self) -> Option<i32> {
        match self {
            Compression::Off => None,
            Compression::Fast => Some(1),
            Compression::Small => Some(9),
        }
    }
}

/// Compresses `plain` at `level`.
pub fn compress(plain: &[u8], level: i32) -> std::io::Result<Vec<u8>> {
    zstd::bulk::compress(plain, level)
}

/// Decompresses a body that must expand to exactly `plain_len` bytes. Never
/// allocates more than `plain_len`.
pub fn decompress(body: &[u8], plain_len: u64) -> Result<Vec<u8>, FormatError> {
    let capacity = usize::try_from(plain_len).map_err(|_| FormatError::TooLarge {
        declared: plain_len,
        limit: usize::MAX as u64,
    })?;
    let out = zstd::bulk::decompress(body, capacity)
        .map_err(|e| FormatError::Decompress(e.to_string()))?;
    if out.len() as u64 != plain_len {
        return Err(FormatError::Decompress(format!(
            "expanded to {} bytes, header says {plain_len}",
            out.len()
        )));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_a_wrong_length() {
        let plain: Vec<u8> = (0..10_000u32).flat_map(|i| (i % 7).to_le_bytes()).collect();
        let packed = compress(&plain, 1).unwrap();
        assert!(packed.len() < plain.len() / 4);
        assert_eq!(decompress(&packed, plain.len() as u64).unwrap(), plain);
        // A header that understates the size caps the output: refused.
        assert!(matches!(
            decompress(&packed, 100),
            Err(FormatError::Decompress(_))
        ));
        assert!(matches!(
            decompress(&packed, plain.len() as u64 + 1),
            Err(FormatError::Decompress(_))
        ));
        assert!(decompress(b"not zstd", 10).is_err());
    }

    #[test]
    fn ordinals_match_names() {
        for (i, c) in Compression::ALL.iter().enumerate() {
            assert_eq!(Compression::from_ordinal(i as i64), Some(*c));
        }
        assert_eq!(Compression::from_ordinal(3), None);
        assert_eq!(Compression::from_ordinal(-1), None);
        assert_eq!(Compression::Small.name(), "small");
    }
}
