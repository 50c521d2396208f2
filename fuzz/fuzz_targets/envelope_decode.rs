//! The record reader on arbitrary bytes: it must never panic or allocate
//! beyond the limit, and whatever it accepts must carry a matching checksum
//! and, for the current version, re-encode to the same bytes (apart from the
//! reserved field at offset 10, which the header CRC covers but the reader
//! does not interpret).
#![no_main]

use backup_core::envelope::{self, CURRENT_VERSION};
use libfuzzer_sys::fuzz_target;

const LIMIT: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    if let Ok(record) = envelope::decode(data.to_vec(), LIMIT) {
        assert_eq!(
            record.checksum,
            envelope::checksum(record.meta(), record.payload())
        );
        assert!(record.version <= CURRENT_VERSION);
        assert!(data.len() as u64 <= LIMIT);
        if record.version == CURRENT_VERSION && record.flags == 0 {
            let again = envelope::encode(record.meta(), record.payload());
            assert_eq!(again.len(), data.len());
            assert_eq!(again[..10], data[..10]);
            assert_eq!(again[12..28], data[12..28]);
            assert_eq!(again[32..], data[32..]);
        }
    }
});
