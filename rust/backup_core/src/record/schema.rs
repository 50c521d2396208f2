//! The game's own schema versions: which migrations turn a slot written by
//! an older game into the current shape, and when a slot must be refused.
//!
//! The engine layer runs the migrations (they are game code); this module
//! only decides the path, so that every front end refuses the same slots.

use crate::error::{Error, Result};

/// What loading a slot with schema version `stored` needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MigrationPlan {
    /// The slot is already at the current version.
    Current,
    /// Run the migration registered for each of these versions, in order;
    /// the step registered for `v` turns version `v` into `v + 1`.
    Steps(Vec<u32>),
}

/// Plans the migration of a slot saved at schema version `stored` to
/// `current`, given the versions that have a registered migration.
///
/// A slot written by a newer game (`stored > current`) is refused, and so is
/// a gap in the chain of migrations: loading must never hand the game data
/// in a shape it does not understand.
pub fn plan_migration(stored: u32, current: u32, registered: &[u32]) -> Result<MigrationPlan> {
    if stored > current {
        return Err(Error::NewerSchema { stored, current });
    }
    if stored == current {
        return Ok(MigrationPlan::Current);
    }
    let steps: Vec<u32> = (stored..current).collect();
    if let Some(missing) = steps.iter().find(|v| !registered.contains(v)) {
        return Err(Error::MissingMigration {
            from: *missing,
            stored,
            current,
        });
    }
    Ok(MigrationPlan::Steps(steps))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn current_version_needs_nothing() {
        assert_eq!(plan_migration(3, 3, &[]).unwrap(), MigrationPlan::Current);
    }

    #[test]
    fn older_version_runs_each_step_in_order() {
        assert_eq!(
            plan_migration(1, 4, &[3, 1, 2]).unwrap(),
            MigrationPlan::Steps(vec![1, 2, 3])
        );
    }

    #[test]
    fn newer_version_is_refused() {
        let err = plan_migration(5, 4, &[]).unwrap_err();
        assert!(matches!(
            err,
            Error::NewerSchema {
                stored: 5,
                current: 4
            }
        ));
        assert!(err.to_string().contains("newer"));
    }

    #[test]
    fn gap_in_chain_is_refused() {
        let err = plan_migration(1, 4, &[1, 3]).unwrap_err();
        assert!(matches!(err, Error::MissingMigration { from: 2, .. }));
    }
}
