//! Store benchmarks, each against a raw baseline measured in the same run on
//! the same disk, interleaved so that noise hits both sides alike.
//!
//! Run: `cargo bench -p backup_core --bench store` (set BENCH_DIR to measure
//! another disk; default is a temporary directory under the target folder).
//!
//! 1. Save of a 1 MiB payload with 3-level rotation and full fsync, against
//!    write temp + fsync + rename + directory fsync of the same bytes.
//!    Target: ratio <= 1.25.
//! 2. Verification of 120 files of 1 MiB with a warm page cache, against a
//!    raw read + crc32fast of the same files. Target: throughput ratio >= 0.8.
//! 3. The write queue: the caller's time for `WriteQueue::save` of 1 MiB
//!    (copy of the bytes included, as the Godot layer does) against that copy
//!    alone and against a synchronous save; then 200 saves of 64 KiB over 10
//!    slots, queued then flushed, against the same saves made synchronously.

use std::fs::{self, File, OpenOptions};
use std::hint::black_box;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use std::sync::Arc;

use backup_core::{Durability, QueueOptions, SlotMetadata, SlotStore, StoreOptions, WriteQueue};

const MIB: usize = 1 << 20;

fn main() {
    let base = std::env::var_os("BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    fs::create_dir_all(&base).expect("bench dir");
    let dir = tempfile::tempdir_in(&base).expect("temp dir");
    println!("bench directory: {}", dir.path().display());
    bench_save(dir.path());
    bench_verify(dir.path());
    bench_queue(dir.path());
}

fn bench_queue(dir: &Path) {
    let rounds = 30;
    let options = StoreOptions {
        durability: Durability::Full,
        ..StoreOptions::default()
    };
    let store = Arc::new(SlotStore::open(dir.join("queue_store"), options).expect("open store"));
    let queue = WriteQueue::new(Arc::clone(&store), QueueOptions::default()).expect("queue");
    let payload: Vec<u8> = (0..MIB).map(|i| (i % 251) as u8).collect();
    let meta = SlotMetadata::default();
    let (mut copy, mut queued, mut sync) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..rounds {
        let slot = round % 10;
        let t = Instant::now();
        black_box(black_box(&payload[..]).to_vec());
        copy.push(t.elapsed());
        let t = Instant::now();
        queue
            .save(slot, black_box(&payload[..]).to_vec(), meta.clone())
            .unwrap();
        queued.push(t.elapsed());
        assert!(queue.flush(Duration::MAX));
        let t = Instant::now();
        store.save(slot, black_box(&payload), &meta).unwrap();
        sync.push(t.elapsed());
    }
    let (copy, queued, sync) = (median(copy), median(queued), median(sync));
    println!(
        "caller time, 1 MiB: queued save {:?}, copy of the bytes alone {:?} (ratio {:.2}), synchronous save {:?} ({:.0}x the queued one)",
        queued,
        copy,
        queued.as_secs_f64() / copy.as_secs_f64(),
        sync,
        sync.as_secs_f64() / queued.as_secs_f64()
    );

    queue.take_completions();
    let small: Vec<u8> = (0..64 << 10).map(|i| (i % 249) as u8).collect();
    let t = Instant::now();
    for i in 0..200u32 {
        store.save(i % 10, &small, &meta).unwrap();
    }
    let sync = t.elapsed();
    let t = Instant::now();
    for i in 0..200u32 {
        queue.save(i % 10, small.clone(), meta.clone()).unwrap();
    }
    let caller = t.elapsed();
    assert!(queue.flush(Duration::MAX));
    let queued = t.elapsed();
    let written = queue
        .take_completions()
        .iter()
        .filter(|c| c.outcome.name() == "written")
        .count();
    println!(
        "200 saves of 64 KiB over 10 slots: synchronous {:?}, queued {:?} until durable (ratio {:.2}; {:?} for the caller; {} of the 200 written, the rest coalesced)",
        sync,
        queued,
        queued.as_secs_f64() / sync.as_secs_f64(),
        caller,
        written
    );
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn bench_save(dir: &Path) {
    let rounds = 60;
    let payload: Vec<u8> = (0..MIB).map(|i| (i % 253) as u8).collect();
    let store_root = dir.join("save_store");
    let store = SlotStore::open(
        &store_root,
        StoreOptions {
            durability: Durability::Full,
            ..StoreOptions::default()
        },
    )
    .expect("open store");
    let meta = SlotMetadata {
        pilot_callsign: "Bench".into(),
        ..SlotMetadata::default()
    };
    let raw_dir = dir.join("save_raw");
    fs::create_dir_all(&raw_dir).unwrap();
    // Warm-up: fill the rotation so every measured save rotates 3 levels.
    for _ in 0..4 {
        store.save(0, &payload, &meta).unwrap();
        raw_save(&raw_dir, &payload);
    }
    let mut ours = Vec::with_capacity(rounds);
    let mut raw = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let t = Instant::now();
        store.save(0, black_box(&payload), &meta).unwrap();
        ours.push(t.elapsed());
        let t = Instant::now();
        raw_save(&raw_dir, black_box(&payload));
        raw.push(t.elapsed());
    }
    let (ours, raw) = (median(ours), median(raw));
    println!(
        "save 1 MiB, 3-level rotation, full fsync: ours {:?}, raw write+fsync+rename+dir fsync {:?}, ratio {:.3} (target <= 1.25)",
        ours,
        raw,
        ours.as_secs_f64() / raw.as_secs_f64()
    );
}

fn raw_save(dir: &Path, payload: &[u8]) {
    let tmp = dir.join("save.tmp");
    let target = dir.join("save.dat");
    let mut file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)
        .unwrap();
    file.write_all(payload).unwrap();
    file.sync_all().unwrap();
    fs::rename(&tmp, &target).unwrap();
    File::open(dir).unwrap().sync_all().unwrap();
}

fn bench_verify(dir: &Path) {
    let root = dir.join("verify_store");
    let slots = 30;
    let store = SlotStore::open(
        &root,
        StoreOptions {
            slot_count: slots,
            durability: Durability::Off,
            ..StoreOptions::default()
        },
    )
    .expect("open store");
    let meta = SlotMetadata::default();
    for slot in 0..slots {
        for round in 0..4u8 {
            let payload = vec![round.wrapping_add(slot as u8); MIB];
            store.save(slot, &payload, &meta).unwrap();
        }
    }
    let files: Vec<PathBuf> = fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("slot_")
        })
        .collect();
    assert_eq!(files.len(), 120, "30 slots x (primary + 3 backups)");
    let verify_ours = || {
        let mut valid = 0;
        for slot in 0..slots {
            let info = store.slot_info(slot).unwrap();
            valid += usize::from(info.primary.is_valid()) + info.valid_backups();
        }
        assert_eq!(valid, 120);
    };
    let verify_raw = || {
        let mut sum = 0u32;
        for path in &files {
            let bytes = fs::read(path).unwrap();
            sum ^= crc32fast::hash(&bytes);
        }
        black_box(sum);
    };
    verify_ours();
    verify_raw();
    let rounds = 15;
    let mut ours = Vec::new();
    let mut raw = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        verify_ours();
        ours.push(t.elapsed());
        let t = Instant::now();
        verify_raw();
        raw.push(t.elapsed());
    }
    let (ours, raw) = (median(ours), median(raw));
    println!(
        "verify 120 x 1 MiB (warm): ours {:?}, raw read+crc32 {:?}, throughput ratio {:.3} (target >= 0.8)",
        ours,
        raw,
        raw.as_secs_f64() / ours.as_secs_f64()
    );
}
