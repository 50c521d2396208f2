//! Self-describing payloads: each names its slot and value and has a length
//! derived from both, so a checker can tell a whole, correct payload from a
//! torn one, another slot's one or garbage without keeping copies.

use std::path::Path;

use backup_core::{envelope, Storage};

/// The value held by a record file (as the store writes them) on `disk`, if
/// it is a valid record holding a whole payload of `slot`.
pub fn record_value(disk: &dyn Storage, path: &Path, slot: u32) -> Option<u64> {
    let bytes = disk.read(path).ok()?;
    // Opens plain records and, with the simulations' test key, sealed ones.
    let record = envelope::open(bytes, u64::MAX, &crate::test_keys()).ok()?;
    decode(slot, record.payload()).ok()
}

/// The payload saving `value` into `slot`, `size` bytes long (at least the
/// length of its header line).
pub fn encode(slot: u32, value: u64, size: usize) -> Vec<u8> {
    let mut out = format!("slot {slot} value {value} size {size}\n").into_bytes();
    let mut x = value.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ u64::from(slot);
    while out.len() < size {
        // xorshift filler, so that a zero-filled or shifted tail never matches.
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push(b'a' + (x % 26) as u8);
    }
    out
}

/// The value a payload holds for `slot`, or why it is not a whole payload of
/// that slot.
pub fn decode(slot: u32, bytes: &[u8]) -> Result<u64, String> {
    let line_end = bytes
        .iter()
        .position(|&b| b == b'\n')
        .ok_or("payload has no header line")?;
    let line = std::str::from_utf8(&bytes[..line_end]).map_err(|_| "header is not UTF-8")?;
    let fields: Vec<&str> = line.split(' ').collect();
    let [tag_slot, s, tag_value, v, tag_size, n] = fields[..] else {
        return Err(format!("malformed header {line:?}"));
    };
    if (tag_slot, tag_value, tag_size) != ("slot", "value", "size") {
        return Err(format!("malformed header {line:?}"));
    }
    let s: u32 = s.parse().map_err(|_| format!("bad slot in {line:?}"))?;
    let v: u64 = v.parse().map_err(|_| format!("bad value in {line:?}"))?;
    let n: usize = n.parse().map_err(|_| format!("bad size in {line:?}"))?;
    if s != slot {
        return Err(format!("payload of slot {s} found in slot {slot}"));
    }
    if encode(s, v, n) != bytes {
        return Err(format!("payload of value {v} is not intact"));
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_damage() {
        let p = encode(2, 77, 300);
        assert_eq!(p.len(), 300);
        assert_eq!(decode(2, &p), Ok(77));
        assert!(decode(3, &p).is_err());
        let mut torn = p.clone();
        torn[299] = 0;
        assert!(decode(2, &torn).is_err());
        assert!(decode(2, &p[..150]).is_err());
        assert!(decode(2, b"").is_err());
    }
}
