//! The compressed and encrypted record reader on arbitrary bytes: it must
//! never panic nor expand beyond the limit, and whatever it accepts must
//! decode to exactly the length the header declares. The first byte picks
//! the key ring (none, the key, a wrong key); the rest is the record, so
//! the fuzzer can also start from records it sealed itself (second half).
#![no_main]

use backup_core::envelope::{self, EncodeOptions};
use backup_core::{Compression, Keyring, SaveKey};
use libfuzzer_sys::fuzz_target;

const LIMIT: u64 = 1 << 20;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else {
        return;
    };
    let key = SaveKey::from_bytes(&[0x11; 32]).unwrap();
    let keys = match selector % 3 {
        0 => Keyring::default(),
        1 => Keyring::with_key(key.clone()),
        _ => Keyring::with_key(SaveKey::from_bytes(&[0x22; 32]).unwrap()),
    };
    if let Ok(record) = envelope::open(rest.to_vec(), LIMIT, &keys) {
        assert_eq!(record.payload().len() as u64, record.plain_len);
        assert!(record.plain_len <= LIMIT);
    }
    // Round trip of the input as a payload, in every format.
    let compression = Compression::ALL[usize::from(selector >> 2) % 3];
    let sealing = (selector & 2 != 0).then_some(&key);
    let options = EncodeOptions {
        compression,
        key: sealing,
    };
    let (prefix, body) = envelope::encode_record(b"{}", rest, options).unwrap();
    let bytes = [prefix, body.into_owned()].concat();
    let opened = envelope::open(bytes, u64::MAX, &Keyring::with_key(key)).unwrap();
    assert_eq!(opened.payload(), rest);
});
