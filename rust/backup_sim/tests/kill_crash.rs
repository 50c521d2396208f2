//! Crash test with real processes: a writer saves increasing sequence numbers
//! into several slots and acknowledges each completed save on stdout; it is
//! killed with SIGKILL at random (seeded) moments, and after every kill the
//! store is reopened (start-up recovery runs) and every slot must load a whole
//! save holding at least its last acknowledged sequence number.
//!
//! A process kill keeps the page cache, so this holds with durability `off`
//! as well as `full`; power loss is the simulator's job (`power_loss.rs`).
//!
//! Kills per durability: 300 by default; `BACKUP_SIM_SOAK=1` makes it 10,000,
//! `BACKUP_SIM_KILLS=<n>` sets it, `BACKUP_SIM_SEED=<n>` changes the seed.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use backup_core::{Durability, SlotStore, StoreOptions};
use backup_sim::payload;

const SLOTS: u32 = 4;

fn kills() -> usize {
    if let Some(n) = std::env::var("BACKUP_SIM_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return n;
    }
    if std::env::var_os("BACKUP_SIM_SOAK").is_some_and(|v| v != "0") {
        10_000
    } else {
        300
    }
}

fn seed() -> u64 {
    std::env::var("BACKUP_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

/// Whether the worker ended by our kill rather than on its own: killed by a
/// signal on Unix; on Windows `Child::kill` is `TerminateProcess` with exit
/// code 1, and a worker failing on its own would also have written to stderr.
fn killed(status: std::process::ExitStatus) -> bool {
    if cfg!(windows) {
        status.code() == Some(1)
    } else {
        status.code().is_none()
    }
}

struct Tally {
    kills: usize,
    acks: usize,
    kills_before_ready: usize,
    kills_with_unacked_data: usize,
}

/// Starts a worker. Under Wine, CreateProcess now and then fails after some
/// hundreds of quick starts ("Internal error", os error 1359): that is the
/// harness failing, not the store, so a start is retried a few times before
/// the test gives up.
fn spawn_with_retries(worker: &mut Command, round: usize) -> std::process::Child {
    let mut attempt = 1;
    loop {
        match worker.spawn() {
            Ok(child) => return child,
            Err(e) if attempt < 5 => {
                eprintln!("round {round}: worker did not start (attempt {attempt}): {e}; retrying");
                std::thread::sleep(Duration::from_millis(200 * attempt as u64));
                attempt += 1;
            }
            Err(e) => panic!("round {round}: worker did not start after {attempt} attempts: {e}"),
        }
    }
}

/// How the worker process saves: `write-loop` (synchronous saves) or
/// `queue-loop` (through a WriteQueue: saves are queued and acknowledged when
/// their completion arrives, so several may be in the air at a kill).
fn kill_loop(durability: Durability, name: &str, command: &str, seed: u64, secured: bool) -> Tally {
    // Flushed saves take longer: give them a longer window between kills.
    let max_delay_micros = match durability {
        Durability::Off => 20_000,
        _ => 40_000,
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("saves");
    let mut options = StoreOptions {
        durability,
        slot_count: SLOTS,
        ..StoreOptions::default()
    };
    if secured {
        options = backup_sim::secured(options);
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut acked: BTreeMap<u32, u64> = BTreeMap::new();
    let mut next_seq = 1u64;
    let mut tally = Tally {
        kills: 0,
        acks: 0,
        kills_before_ready: 0,
        kills_with_unacked_data: 0,
    };
    for round in 0..kills() {
        let mut worker = Command::new(env!("CARGO_BIN_EXE_store_worker"));
        worker
            .args([
                command,
                root.to_str().unwrap(),
                name,
                &SLOTS.to_string(),
                &next_seq.to_string(),
                &rng.u64(..).to_string(),
            ])
            .env("BACKUP_SIM_SECURED", if secured { "1" } else { "0" })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut child = spawn_with_retries(&mut worker, round);
        let mut out = BufReader::new(child.stdout.take().unwrap());
        // One kill in ten lands while the worker opens the store (start-up
        // recovery of the previous kill's leftovers); the rest while it saves.
        let mut text = String::new();
        if rng.u32(..10) == 0 {
            std::thread::sleep(Duration::from_micros(rng.u64(..3_000)));
            tally.kills_before_ready += 1;
        } else {
            out.read_line(&mut text).unwrap();
            if text.trim() != "READY" {
                let mut errors = String::new();
                let _ = child.wait();
                let _ = child.stderr.take().unwrap().read_to_string(&mut errors);
                panic!("round {round}: worker did not start: {text:?} {errors}");
            }
            text.clear();
            // Let a random number of saves complete first, so that kills land
            // among saves however slow the machine is (a loaded machine made
            // purely time-based kills land before the first save), then wait
            // a random moment into the next one.
            let wait_for_acks = rng.u32(..4);
            let mut seen = 0;
            while seen < wait_for_acks {
                let mut line = String::new();
                if out.read_line(&mut line).unwrap() == 0 {
                    break;
                }
                seen += u32::from(line.starts_with("ACK "));
                text.push_str(&line);
            }
            std::thread::sleep(Duration::from_micros(rng.u64(..max_delay_micros)));
        }
        child.kill().unwrap(); // SIGKILL; TerminateProcess on Windows
        let status = child.wait().unwrap();
        out.read_to_string(&mut text).unwrap();
        let mut errors = String::new();
        child
            .stderr
            .take()
            .unwrap()
            .read_to_string(&mut errors)
            .unwrap();
        assert!(
            killed(status) && errors.is_empty(),
            "round {round}: worker failed on its own ({status}): {errors}"
        );
        let mut last = next_seq - 1;
        let mut queued = 0;
        // A kill may cut the last line short: only whole lines count.
        let whole = if text.ends_with('\n') {
            &text[..]
        } else {
            &text[..text.rfind('\n').map_or(0, |i| i + 1)]
        };
        for line in whole.lines() {
            let (tag, rest) = line.split_once(' ').unwrap_or((line, ""));
            let mut parts = rest.split(' ').map(|p| p.parse::<u64>());
            let (Some(Ok(slot)), Some(Ok(seq))) = (parts.next(), parts.next()) else {
                continue;
            };
            match tag {
                "ACK" => {
                    let slot = slot as u32;
                    let newest = acked.entry(slot).or_insert(seq);
                    *newest = (*newest).max(seq);
                    last = last.max(seq);
                    tally.acks += 1;
                }
                "Q" => queued = queued.max(seq),
                _ => {}
            }
        }
        // The newest save that may have reached the disk: the one in flight
        // (`last + 1`) for synchronous saves, the newest queued one (or the
        // one about to be announced) for queued saves.
        let in_flight = (last + 1).max(queued + 1);
        next_seq = in_flight + 1;

        let store = SlotStore::open(&root, options.clone())
            .unwrap_or_else(|e| panic!("round {round}: store did not reopen: {e}"));
        for (&slot, &seq) in &acked {
            let loaded = store.load(slot).unwrap_or_else(|e| {
                panic!("round {round}: slot {slot} (acknowledged {seq}) does not load: {e}")
            });
            let value = payload::decode(slot, &loaded.payload)
                .unwrap_or_else(|e| panic!("round {round}: slot {slot}: {e}"));
            assert!(
                value >= seq && value <= in_flight,
                "round {round}: slot {slot} holds {value}, acknowledged {seq}, in flight {in_flight}"
            );
            if value > seq {
                tally.kills_with_unacked_data += 1;
            }
        }
        tally.kills += 1;
    }
    tally
}

fn check(durability: Durability, name: &str, command: &str, seed: u64, secured: bool) {
    let start = Instant::now();
    let tally = kill_loop(durability, name, command, seed, secured);
    eprintln!(
        "kill_crash {command} {name}{}: {} SIGKILLs ({} while opening), {} acknowledged saves, {} slots \
         held a newer unacknowledged save, {:.1?}",
        if secured {
            ", compressed+encrypted"
        } else {
            ""
        },
        tally.kills,
        tally.kills_before_ready,
        tally.acks,
        tally.kills_with_unacked_data,
        start.elapsed()
    );
    assert_eq!(tally.kills, kills());
    // A sanity check that kills land among saves, not only between runs.
    assert!(
        tally.acks >= tally.kills / 2,
        "only {} saves acknowledged in {} kills",
        tally.acks,
        tally.kills
    );
}

/// One test for both durabilities, run one after the other: a test running in
/// parallel in this process could fork while our store is open and keep a
/// duplicate of its lock descriptor until it execs, making our next writer
/// see the root as in use.
#[test]
fn sigkill_never_loses_an_acknowledged_save() {
    check(Durability::Full, "full", "write-loop", seed() + 1, false);
    check(Durability::Off, "off", "write-loop", seed() + 2, false);
    // Queued saves: every save whose completion arrived survives.
    check(Durability::Full, "full", "queue-loop", seed() + 3, false);
    // The same with every record compressed and sealed.
    check(Durability::Full, "full", "write-loop", seed() + 4, true);
}
