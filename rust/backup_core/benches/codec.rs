//! Compression and encryption of saves, on game-like data.
//!
//! Run: `cargo bench -p backup_core --bench codec` (BENCH_DIR picks the disk).
//!
//! The two states are built the way Godot's `var_to_bytes` lays out a
//! Dictionary (4-byte type tags, length-prefixed padded strings, f32
//! Vector3s, packed arrays), seeded so every run sees the same bytes:
//! * a pilot/campaign state of about 1 MiB (profiles, mission logs with
//!   positions, scores and names), and
//! * a world state of about 10 MiB (packed Vector3 and float arrays of
//!   asteroid fields and ship tracks).
//!
//! 1. Codec choice (criterion): compress and decompress times of zstd 1,
//!    zstd 9 and lz4_flex on both states, with the compressed sizes as a
//!    fraction of plain (target <= 50% on the 1 MiB state).
//! 2. Save of the 1 MiB state compressed (fast) + encrypted vs plain, full
//!    durability, interleaved in one run: target ratio <= 1.3.
//! 3. Load of the same: target ratio <= 1.5.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use backup_core::{
    Compression, Durability, Keyring, SaveKey, SlotMetadata, SlotStore, StoreOptions,
};
use criterion::Criterion;

fn main() {
    let pilot = pilot_state(1 << 20);
    let world = world_state(10 << 20);
    // CODEC_BENCH=save skips the codec comparison.
    if std::env::var("CODEC_BENCH").as_deref() != Ok("save") {
        codec_choice(&pilot, &world);
    }
    let base = std::env::var_os("BENCH_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_TARGET_TMPDIR")));
    std::fs::create_dir_all(&base).expect("bench dir");
    let dir = tempfile::tempdir_in(&base).expect("temp dir");
    println!("bench directory: {}", dir.path().display());
    save_and_load(dir.path(), &pilot);
}

// ----- Godot var_to_bytes, the parts a save uses -----

struct Var(Vec<u8>);

impl Var {
    fn tag(&mut self, t: u32) {
        self.0.extend_from_slice(&t.to_le_bytes());
    }
    fn string(&mut self, s: &str) {
        self.tag(4);
        self.raw_string(s);
    }
    fn raw_string(&mut self, s: &str) {
        self.0.extend_from_slice(&(s.len() as u32).to_le_bytes());
        self.0.extend_from_slice(s.as_bytes());
        while !self.0.len().is_multiple_of(4) {
            self.0.push(0);
        }
    }
    fn int(&mut self, v: i64) {
        self.tag(2 | 1 << 16);
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn float(&mut self, v: f64) {
        self.tag(3 | 1 << 16);
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn vector3(&mut self, v: [f32; 3]) {
        self.tag(9);
        for c in v {
            self.0.extend_from_slice(&c.to_le_bytes());
        }
    }
    fn dict(&mut self, len: u32) {
        self.tag(27);
        self.0.extend_from_slice(&len.to_le_bytes());
    }
    fn packed_vector3(&mut self, vs: &[[f32; 3]]) {
        self.tag(36);
        self.0.extend_from_slice(&(vs.len() as u32).to_le_bytes());
        for v in vs {
            for c in v {
                self.0.extend_from_slice(&c.to_le_bytes());
            }
        }
    }
    fn packed_f32(&mut self, vs: &[f32]) {
        self.tag(32);
        self.0.extend_from_slice(&(vs.len() as u32).to_le_bytes());
        for v in vs {
            self.0.extend_from_slice(&v.to_le_bytes());
        }
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn unit(&mut self) -> f32 {
        (self.next() % 1_000_000) as f32 / 1_000_000.0
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() % items.len() as u64) as usize]
    }
}

const SHIPS: &[&str] = &[
    "GTF Ulysses",
    "GTF Apollo",
    "GTF Valkyrie",
    "GTB Medusa",
    "GTF Hercules",
];
const WEAPONS: &[&str] = &[
    "Subach HL-7",
    "Prometheus R",
    "ML-16 Laser",
    "Harpoon",
    "Tempest",
];
const MISSIONS: &[&str] = &[
    "Patrol Alpha",
    "Convoy Escort",
    "The Darkness",
    "First Strike",
    "Exodus",
];

/// Pilot profile and campaign progress: many small dictionaries.
fn pilot_state(target: usize) -> Vec<u8> {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut v = Var(Vec::with_capacity(target + 4096));
    let entries = (target / 330) as u32;
    v.dict(2 + entries);
    v.string("pilot_callsign");
    v.string("Maverick");
    v.string("campaign");
    v.string("Hermes");
    for i in 0..entries {
        v.string(&format!("mission_log_{i:05}"));
        v.dict(9);
        v.string("mission");
        v.string(rng.pick(MISSIONS));
        v.string("ship");
        v.string(rng.pick(SHIPS));
        v.string("primary_weapon");
        v.string(rng.pick(WEAPONS));
        v.string("kills");
        v.int((rng.next() % 12) as i64);
        v.string("score");
        v.int((rng.next() % 20_000) as i64);
        v.string("accuracy");
        v.float(f64::from((rng.unit() * 1000.0).round() / 1000.0));
        v.string("completed");
        v.int(i64::from(!rng.next().is_multiple_of(4)));
        v.string("last_position");
        v.vector3([
            (rng.unit() * 8000.0 - 4000.0).round(),
            (rng.unit() * 2000.0 - 1000.0).round(),
            (rng.unit() * 8000.0 - 4000.0).round(),
        ]);
        v.string("medals");
        v.string(if rng.next().is_multiple_of(5) {
            "Distinguished Flying Cross"
        } else {
            ""
        });
    }
    v.0
}

/// A world of asteroid fields and ship tracks: packed float arrays.
fn world_state(target: usize) -> Vec<u8> {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let mut v = Var(Vec::with_capacity(target + 4096));
    let fields = 16u32;
    v.dict(fields * 3);
    let per_field = target / fields as usize / 20;
    for f in 0..fields {
        let centre = [rng.unit() * 1e4, rng.unit() * 1e3, rng.unit() * 1e4];
        let positions: Vec<[f32; 3]> = (0..per_field)
            .map(|_| {
                [
                    centre[0] + (rng.unit() - 0.5) * 500.0,
                    centre[1] + (rng.unit() - 0.5) * 50.0,
                    centre[2] + (rng.unit() - 0.5) * 500.0,
                ]
            })
            .collect();
        v.string(&format!("field_{f}_positions"));
        v.packed_vector3(&positions);
        let mut p = centre;
        let track: Vec<[f32; 3]> = (0..per_field / 3)
            .map(|_| {
                p = [p[0] + rng.unit() - 0.5, p[1], p[2] + rng.unit() - 0.5];
                p
            })
            .collect();
        v.string(&format!("field_{f}_track"));
        v.packed_vector3(&track);
        let hp: Vec<f32> = (0..per_field * 2)
            .map(|_| {
                if rng.next().is_multiple_of(3) {
                    100.0
                } else {
                    (rng.unit() * 100.0).round()
                }
            })
            .collect();
        v.string(&format!("field_{f}_hit_points"));
        v.packed_f32(&hp);
    }
    v.0
}

// ----- 1. codec choice -----

fn codec_choice(pilot: &[u8], world: &[u8]) {
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(800))
        .configure_from_args();
    for (name, data) in [("pilot_1MiB", pilot), ("world_10MiB", world)] {
        let z1 = zstd::bulk::compress(data, 1).unwrap();
        let z9 = zstd::bulk::compress(data, 9).unwrap();
        let lz = lz4_flex::compress_prepend_size(data);
        let pct = |n: usize| 100.0 * n as f64 / data.len() as f64;
        println!(
            "size {name} ({} bytes): zstd-1 {:.1}%, zstd-9 {:.1}%, lz4_flex {:.1}% of plain (target <= 50% on the 1 MiB state)",
            data.len(),
            pct(z1.len()),
            pct(z9.len()),
            pct(lz.len())
        );
        let mut g = c.benchmark_group(name);
        g.throughput(criterion::Throughput::Bytes(data.len() as u64));
        g.bench_function("compress/zstd-1", |b| {
            b.iter(|| zstd::bulk::compress(black_box(data), 1).unwrap())
        });
        g.bench_function("compress/zstd-9", |b| {
            b.iter(|| zstd::bulk::compress(black_box(data), 9).unwrap())
        });
        g.bench_function("compress/lz4_flex", |b| {
            b.iter(|| lz4_flex::compress_prepend_size(black_box(data)))
        });
        g.bench_function("decompress/zstd-1", |b| {
            b.iter(|| zstd::bulk::decompress(black_box(&z1), data.len()).unwrap())
        });
        g.bench_function("decompress/lz4_flex", |b| {
            b.iter(|| lz4_flex::decompress_size_prepended(black_box(&lz)).unwrap())
        });
        g.finish();
    }
}

// ----- 2 and 3. save and load, secured vs plain -----

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn save_and_load(dir: &Path, payload: &[u8]) {
    let open = |name: &str, compression, keys| {
        SlotStore::open(
            dir.join(name),
            StoreOptions {
                durability: Durability::Full,
                compression,
                keys,
                ..StoreOptions::default()
            },
        )
        .expect("open store")
    };
    let plain = open("plain", Compression::Off, Keyring::default());
    let key = SaveKey::from_bytes(&[0x42; 32]).unwrap();
    let secured = open("secured", Compression::Fast, Keyring::with_key(key));
    let meta = SlotMetadata {
        pilot_callsign: "Bench".into(),
        ..SlotMetadata::default()
    };
    for _ in 0..4 {
        plain.save(0, payload, &meta).unwrap();
        secured.save(0, payload, &meta).unwrap();
    }
    let rounds = 40;
    let (mut p, mut s) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        plain.save(0, black_box(payload), &meta).unwrap();
        p.push(t.elapsed());
        let t = Instant::now();
        secured.save(0, black_box(payload), &meta).unwrap();
        s.push(t.elapsed());
    }
    let (p, s) = (median(p), median(s));
    let bytes = |store: &SlotStore| std::fs::metadata(store.layout().primary(0)).unwrap().len();
    println!(
        "save 1 MiB state, full durability: plain {p:?} ({} bytes on disk), compressed+encrypted {s:?} ({} bytes), ratio {:.3} (target <= 1.3)",
        bytes(&plain),
        bytes(&secured),
        s.as_secs_f64() / p.as_secs_f64()
    );
    let rounds = 200;
    let (mut p, mut s) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        black_box(plain.load(0).unwrap());
        p.push(t.elapsed());
        let t = Instant::now();
        black_box(secured.load(0).unwrap());
        s.push(t.elapsed());
    }
    let (p, s) = (median(p), median(s));
    println!(
        "load 1 MiB state (warm cache): plain {p:?}, compressed+encrypted {s:?}, ratio {:.3} (target <= 1.5)",
        s.as_secs_f64() / p.as_secs_f64()
    );
    // Where the load time goes: each half alone.
    let key = SaveKey::from_bytes(&[0x42; 32]).unwrap();
    let sealed = open("sealed", Compression::Off, Keyring::with_key(key));
    let packed = open("packed", Compression::Fast, Keyring::default());
    sealed.save(0, payload, &meta).unwrap();
    packed.save(0, payload, &meta).unwrap();
    let (mut e, mut c) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let t = Instant::now();
        black_box(sealed.load(0).unwrap());
        e.push(t.elapsed());
        let t = Instant::now();
        black_box(packed.load(0).unwrap());
        c.push(t.elapsed());
    }
    let (e, c) = (median(e), median(c));
    println!(
        "load 1 MiB state: encrypted only {e:?} (ratio {:.3}), compressed only {c:?} (ratio {:.3})",
        e.as_secs_f64() / p.as_secs_f64(),
        c.as_secs_f64() / p.as_secs_f64()
    );
}
