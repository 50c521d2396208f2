//! Power-loss simulation: every crash point of a random sequence of saves,
//! backups, restores, repairs and snapshots with retention, every (or a
//! seeded sample of every) disk state a power cut may leave, the store
//! reopened on each. Soak: `BACKUP_SIM_SOAK=1` (longer sequences, more seeds,
//! more states per point); `BACKUP_SIM_SEED=<n>` shifts every seed.

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
            "{label}: {:?}/{:?} seed {}: {} crash points, {} states, {} slot loads, {} repairs, {} violations",
            config.durability,
            config.reorder,
            config.seed,
            report.crash_points,
            report.states,
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

fn configs(
    durability: Durability,
    reorder: Reorder,
    seeds: u64,
    seed_offset: u64,
) -> Vec<ExploreConfig> {
    let (steps, states_per_point, seeds) = if soak() {
        (150, 256, seeds * 10)
    } else {
        (60, 64, seeds)
    };
    (0..seeds)
        .map(|i| ExploreConfig {
            durability,
            reorder,
            seed: base_seed() + seed_offset + i,
            steps,
            states_per_point,
            slots: 3,
        })
        .collect()
}

#[test]
fn full_durability_never_loses_a_committed_save() {
    let mut all = configs(Durability::Full, Reorder::InOrder, 3, 100);
    all.extend(configs(Durability::Full, Reorder::AnyOrder, 3, 200));
    let report = run("full", &all);
    assert_eq!(report.violation_count, 0, "{:#?}", report.violations);
    assert!(report.states >= 10_000, "only {} states", report.states);
    assert!(report.repaired > 0, "any-order states must exercise repair");
}

#[test]
fn normal_and_off_never_return_wrong_data() {
    let mut all = configs(Durability::Normal, Reorder::AnyOrder, 1, 300);
    all.extend(configs(Durability::Off, Reorder::AnyOrder, 1, 400));
    let report = run("normal+off", &all);
    assert_eq!(report.violation_count, 0, "{:#?}", report.violations);
    assert!(report.states >= 2_000, "only {} states", report.states);
}
