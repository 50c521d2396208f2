//! A second process for the multi-process and SIGKILL tests. Not a product
//! binary: it exists so that tests can run the store in a real, separate
//! process (its own file descriptors and advisory lock) and kill it.
//!
//! ```text
//! store_worker hold <root> <value>     save <value> into slot 0, print LOCKED, hold the
//!                                      store open until stdin closes
//! store_worker try-open <root>         print OPENED or ROOT_IN_USE (exit 3)
//! store_worker read <root> <slot>      open read-only, print VALUE <v>
//! store_worker write-loop <root> <full|normal|off> <slots> <first-seq> <seed>
//!                                      print READY, then save seq, seq+1, ... into random
//!                                      slots, printing ACK <slot> <seq> after each save
//! store_worker queue-hold <root> <count>
//!                                      queue <count> saves (slot i % 4, value i) through a
//!                                      WriteQueue, print QUEUED, hold the store until stdin
//!                                      closes, queue <count> more (values count + i) and exit
//!                                      at once: dropping the queue writes them
//! store_worker queue-loop <root> <full|normal|off> <slots> <first-seq> <seed>
//!                                      like write-loop through a WriteQueue: print
//!                                      Q <slot> <seq> before queueing a save and
//!                                      ACK <slot> <seq> once it is written
//! ```

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use std::sync::Arc;
use std::time::Duration;

use backup_core::{
    Durability, Error, QueueOptions, QueueOutcome, SlotMetadata, SlotStore, StoreOptions,
    WriteQueue,
};
use backup_sim::payload;

/// Store options; `BACKUP_SIM_SECURED=1` turns compression and encryption on.
fn options(durability: Durability, slots: u32) -> StoreOptions {
    let options = StoreOptions {
        durability,
        slot_count: slots,
        ..StoreOptions::default()
    };
    if std::env::var_os("BACKUP_SIM_SECURED").is_some_and(|v| v == "1") {
        backup_sim::secured(options)
    } else {
        options
    }
}

fn say(line: &str) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{line}")?;
    out.flush()
}

fn arg<T: std::str::FromStr>(args: &[String], i: usize, what: &str) -> Result<T, String> {
    args.get(i)
        .ok_or_else(|| format!("missing {what}"))?
        .parse()
        .map_err(|_| format!("bad {what}: {:?}", args[i]))
}

fn run(args: &[String]) -> Result<ExitCode, String> {
    let command = args.first().map(String::as_str).unwrap_or("");
    let root: String = arg(args, 1, "root")?;
    match command {
        "hold" => {
            let value: u64 = arg(args, 2, "value")?;
            let store = SlotStore::open(&root, options(Durability::Off, 4))
                .map_err(|e| format!("open: {e}"))?;
            store
                .save(0, &payload::encode(0, value, 256), &SlotMetadata::default())
                .map_err(|e| format!("save: {e}"))?;
            say("LOCKED").map_err(|e| e.to_string())?;
            // Hold the store (and its lock) until the test closes our stdin.
            for line in io::stdin().lock().lines() {
                line.map_err(|e| e.to_string())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        "try-open" => match SlotStore::open(&root, options(Durability::Off, 4)) {
            Ok(_) => {
                say("OPENED").map_err(|e| e.to_string())?;
                Ok(ExitCode::SUCCESS)
            }
            Err(e @ Error::RootInUse(_)) => {
                say(&format!("ROOT_IN_USE {e}")).map_err(|e| e.to_string())?;
                Ok(ExitCode::from(3))
            }
            Err(e) => Err(format!("open: {e}")),
        },
        "read" => {
            let slot: u32 = arg(args, 2, "slot")?;
            let store = SlotStore::open(
                &root,
                StoreOptions {
                    read_only: true,
                    ..options(Durability::Off, 4)
                },
            )
            .map_err(|e| format!("open read-only: {e}"))?;
            let loaded = store.load(slot).map_err(|e| format!("load: {e}"))?;
            let value = payload::decode(slot, &loaded.payload)?;
            let refused = store
                .save(slot, b"x", &SlotMetadata::default())
                .is_err_and(|e| matches!(e, Error::ReadOnly));
            say(&format!("VALUE {value} WRITE_REFUSED {refused}")).map_err(|e| e.to_string())?;
            Ok(ExitCode::SUCCESS)
        }
        "queue-hold" => {
            let count: u64 = arg(args, 2, "count")?;
            let store = SlotStore::open(&root, options(Durability::Full, 4))
                .map_err(|e| format!("open: {e}"))?;
            let queue = WriteQueue::new(Arc::new(store), QueueOptions::default())
                .map_err(|e| format!("queue: {e}"))?;
            let queue_batch = |values: std::ops::Range<u64>| -> Result<(), String> {
                for value in values {
                    let slot = (value % 4) as u32;
                    queue
                        .save(
                            slot,
                            payload::encode(slot, value, 4096),
                            SlotMetadata::default(),
                        )
                        .map_err(|e| format!("queue save {value}: {e}"))?;
                }
                Ok(())
            };
            queue_batch(0..count)?;
            say("QUEUED").map_err(|e| e.to_string())?;
            for line in io::stdin().lock().lines() {
                line.map_err(|e| e.to_string())?;
            }
            queue_batch(count..2 * count)?;
            Ok(ExitCode::SUCCESS)
        }
        "queue-loop" => {
            let durability = durability_arg(args)?;
            let slots: u32 = arg(args, 3, "slots")?;
            let first: u64 = arg(args, 4, "first-seq")?;
            let seed: u64 = arg(args, 5, "seed")?;
            let store = SlotStore::open(&root, options(durability, slots))
                .map_err(|e| format!("open: {e}"))?;
            let queue = WriteQueue::new(Arc::new(store), QueueOptions::default())
                .map_err(|e| format!("queue: {e}"))?;
            say("READY").map_err(|e| e.to_string())?;
            let mut rng = fastrand::Rng::with_seed(seed);
            let mut values = std::collections::HashMap::new();
            for seq in first.. {
                let slot = rng.u32(..slots);
                let size = 64 + rng.usize(..16 * 1024);
                say(&format!("Q {slot} {seq}")).map_err(|e| e.to_string())?;
                let id = queue
                    .save(
                        slot,
                        payload::encode(slot, seq, size),
                        SlotMetadata::default(),
                    )
                    .map_err(|e| format!("queue save {seq}: {e}"))?;
                values.insert(id, seq);
                for done in queue.take_completions() {
                    let seq = values.remove(&done.id).unwrap_or(0);
                    match done.outcome {
                        QueueOutcome::Written(_) => {
                            say(&format!("ACK {} {seq}", done.slot)).map_err(|e| e.to_string())?
                        }
                        QueueOutcome::Superseded { .. } => {}
                        other => return Err(format!("save {seq}: {other:?}")),
                    }
                }
                std::thread::sleep(Duration::from_micros(rng.u64(..1_500)));
            }
            Ok(ExitCode::SUCCESS)
        }
        "write-loop" => {
            let durability = durability_arg(args)?;
            let slots: u32 = arg(args, 3, "slots")?;
            let first: u64 = arg(args, 4, "first-seq")?;
            let seed: u64 = arg(args, 5, "seed")?;
            let store = SlotStore::open(&root, options(durability, slots))
                .map_err(|e| format!("open: {e}"))?;
            say("READY").map_err(|e| e.to_string())?;
            let mut rng = fastrand::Rng::with_seed(seed);
            for seq in first.. {
                let slot = rng.u32(..slots);
                let size = 64 + rng.usize(..16 * 1024);
                store
                    .save(
                        slot,
                        &payload::encode(slot, seq, size),
                        &SlotMetadata::default(),
                    )
                    .map_err(|e| format!("save {seq}: {e}"))?;
                say(&format!("ACK {slot} {seq}")).map_err(|e| e.to_string())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        other => Err(format!("unknown command {other:?}")),
    }
}

fn durability_arg(args: &[String]) -> Result<Durability, String> {
    match arg::<String>(args, 2, "durability")?.as_str() {
        "full" => Ok(Durability::Full),
        "normal" => Ok(Durability::Normal),
        "off" => Ok(Durability::Off),
        other => Err(format!("unknown durability {other:?}")),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("store_worker: {message}");
            ExitCode::from(2)
        }
    }
}
