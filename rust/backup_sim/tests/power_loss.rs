//! Power-loss simulation: every crash point of a random sequence of saves,
//! backups, restores, repairs and snapshots with retention, every (or a
//! seeded sample of every) disk state a power cut may leave, the store
//! reopened on each (and one state in eight crashed again during its own
//! recovery). Soak: `BACKUP_SIM_SOAK=1` (10x seeds, 2.5x longer sequences,
//! 4x states per crash point); `BACKUP_SIM_SEED=<n>` shifts every seed.

use std::time::Instant;

use backup_core::Durability;
use backup_sim::{explore, ExploreConfig, ExploreReport, Reorder};

fn soak() -> bool {
    std::env::var_os("BACKUP_SIM_SOAK").is_some_and(|v| v != "0")
}

fn base_seed() -> u64 {
    std::env::var("BACKUP_SIM_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}

fn run(label: &str, configs: &[ExploreConfig]) -> ExploreReport {
    let mut total = ExploreReport::default();
    let start = Instant::now();
    for config in configs {
        let report = explore(config);
        eprintln!(
            "{label}: {:?}/{:?} seed {}: {} crash points, {} states ({} after a second cut during recovery), {} slot loads, {} repairs, {} violations",
            config.durability,
            config.reorder,
            config.seed,
            report.crash_points,
            report.states,
            report.nested_states,
            report.loaded,
            report.repaired,
            report.violation_count
        );
        total.absorb(report);
    }
    eprintln!(
        "{label}: {} crash states checked in {:.1?}, {} violations",
        total.states,
        start.elapsed(),
        total.violation_count
    );
    for v in &total.violations {
        eprintln!("  VIOLATION {v}");
    }
    total
}

/// `seeds` explorations of `steps` operations, at most `per_point` states per
/// crash point; soak mode runs ten times the seeds, 2.5 times the steps and
/// four times the states.
fn configs(
    durability: Durability,
    reorder: Reorder,
    seeds: u64,
    seed_offset: u64,
    steps: usize,
    per_point: usize,
) -> Vec<ExploreConfig> {
    let (steps, states_per_point, seeds) = if soak() {
        (steps * 5 / 2, per_point * 4, seeds * 10)
    } else {
        (steps, per_point, seeds)
    };
    (0..seeds)
        .map(|i| ExploreConfig {
            durability,
            reorder,
            seed: base_seed() + seed_offset + i,
            steps,
            states_per_point,
            slots: 3,
            queued_saves: false,
            secured: false,
        })
        .collect()
}

#[test]
fn full_durability_never_loses_a_committed_save() {
    let mut all = configs(Durability::Full, Reorder::InOrder, 3, 100, 60, 64);
    all.extend(configs(Durability::Full, Reorder::AnyOrder, 3, 200, 60, 64));
    let report = run("full", &all);
    assert_eq!(report.violation_count, 0, "{:#?}", report.violations);
    assert!(report.states >= 10_000, "only {} states", report.states);
    assert!(report.repaired > 0, "any-order states must exercise repair");
}

#[test]
fn saves_written_by_the_write_queue_are_as_durable_as_synchronous_ones() {
    let mut all = configs(Durability::Full, Reorder::InOrder, 1, 500, 60, 64);
    all.extend(configs(Durability::Full, Reorder::AnyOrder, 1, 600, 60, 64));
    for config in &mut all {
        config.queued_saves = true;
    }
    let report = run("queued", &all);
    assert_eq!(report.violation_count, 0, "{:#?}", report.violations);
    assert!(report.states >= 3_000, "only {} states", report.states);
}

#[test]
fn compressed_and_encrypted_full_durability_never_loses_a_committed_save() {
    let secure = |c: Vec<ExploreConfig>| {
        c.into_iter()
            .map(|c| ExploreConfig { secured: true, ..c })
            .collect::<Vec<_>>()
    };
    let mut all = secure(configs(Durability::Full, Reorder::InOrder, 2, 300, 60, 64));
    all.extend(secure(configs(
        Durability::Full,
        Reorder::AnyOrder,
        2,
        400,
        60,
        64,
    )));
    let report = run("full, compressed+encrypted", &all);
    assert_eq!(report.violation_count, 0, "{:#?}", report.violations);
    assert!(report.states >= 5_000, "only {} states", report.states);
    assert!(report.repaired > 0, "any-order states must exercise repair");
}

#[test]
fn normal_and_off_never_return_wrong_data() {
    // Without directory flushes the unflushed operations pile up across the
    // whole run, so every crash point has a huge number of states: sample
    // fewer per point.
    let mut all = configs(Durability::Normal, Reorder::AnyOrder, 1, 300, 40, 16);
    all.extend(configs(Durability::Off, Reorder::AnyOrder, 1, 400, 40, 16));
    let report = run("normal+off", &all);
    assert_eq!(report.violation_count, 0, "{:#?}", report.violations);
    assert!(report.states >= 2_000, "only {} states", report.states);
}
