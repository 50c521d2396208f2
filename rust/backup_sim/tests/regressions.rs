//! Regressions found by the power-loss simulator, pinned to the exact crash
//! they were found with. (The other two, about restore stamps and start-up
//! recovery's choice of copy, are in backup_core's own tests: they need no
//! simulated disk.)

use std::path::Path;
use std::sync::Arc;

use backup_core::{Durability, ManualClock, SlotMetadata, SlotStore, StoreOptions};
use backup_sim::{crash_states, payload, Reorder, SimStorage};

/// The save root was created but its parent never flushed: after a power cut
/// the whole root, with every acknowledged save in it, could be gone.
#[test]
fn a_power_cut_after_the_first_save_keeps_a_freshly_created_root() {
    for reorder in [Reorder::InOrder, Reorder::AnyOrder] {
        let disk = Arc::new(SimStorage::new());
        let root = Path::new("/home/player/.local/share/game/saves");
        let options = StoreOptions {
            durability: Durability::Full,
            ..StoreOptions::default()
        };
        let clock = Arc::new(ManualClock::fixed());
        let store =
            SlotStore::open_with(root, options.clone(), disk.clone(), clock.clone()).unwrap();
        store
            .save(0, &payload::encode(0, 1, 100), &SlotMetadata::default())
            .unwrap();
        let states = crash_states(
            &disk.image(),
            reorder,
            1_000,
            &mut fastrand::Rng::with_seed(1),
        );
        assert!(!states.is_empty());
        for (i, state) in states.into_iter().enumerate() {
            let crashed = Arc::new(SimStorage::from_image(state));
            let store = SlotStore::open_with(root, options.clone(), crashed, clock.clone())
                .unwrap_or_else(|e| panic!("{reorder:?} state {i}: {e}"));
            let loaded = store
                .load(0)
                .unwrap_or_else(|e| panic!("{reorder:?} state {i}: acknowledged save lost: {e}"));
            assert_eq!(payload::decode(0, &loaded.payload), Ok(1));
        }
    }
}
