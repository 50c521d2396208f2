//! The export-file parser on arbitrary bytes: it must never panic, never
//! overflow the stack, and accept only payloads that match their declared
//! size and checksum and stay within the payload limit.
#![no_main]

use backup_core::parse_export;
use libfuzzer_sys::fuzz_target;

const LIMIT: u64 = 1 << 16;

fuzz_target!(|data: &[u8]| {
    if let Ok(imported) = parse_export(data, LIMIT) {
        assert!(imported.payload.len() as u64 <= LIMIT);
        assert!(imported.metadata.play_time_seconds.is_finite());
        assert!(imported.metadata.play_time_seconds >= 0.0);
        // Read the declared size and CRC back independently of the crate's
        // typed parser and check that what was accepted matches them.
        let value: serde_json::Value = serde_json::from_slice(data).expect("accepted input is JSON");
        assert_eq!(
            value["payload_crc32"].as_u64(),
            Some(u64::from(crc32fast::hash(&imported.payload)))
        );
        assert_eq!(
            value["payload_size"].as_u64(),
            Some(imported.payload.len() as u64)
        );
    }
});
