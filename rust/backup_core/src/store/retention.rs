//! Which automated snapshots to keep: restic-style keep-last / keep-daily /
//! keep-weekly, never removing the last valid copy of a slot.

use std::collections::BTreeSet;

use chrono::Datelike;

use super::types::{CopyRole, FileCheck, RetentionPolicy};

impl RetentionPolicy {
    /// Ids of the snapshots to remove, given a slot's snapshots (any order) and
    /// whether the slot has a valid copy outside its automated snapshots.
    pub fn select_removals(&self, snapshots: &[FileCheck], other_valid_copy: bool) -> Vec<String> {
        // Valid automated snapshots, newest first. Corrupt ones are left to
        // cleanup, which quarantines them.
        let mut automated: Vec<(&str, chrono::DateTime<chrono::Utc>)> = snapshots
            .iter()
            .filter_map(|c| {
                let info = c.metadata()?.snapshot.as_ref()?;
                match (&c.role, info.kind.is_automated()) {
                    (CopyRole::Snapshot(id), true) => Some((id.as_str(), info.created_at)),
                    _ => None,
                }
            })
            .collect();
        automated.sort_by(|a, b| b.1.cmp(&a.1).then(b.0.cmp(a.0)));
        let manual_valid = snapshots.iter().any(|c| {
            c.metadata()
                .and_then(|m| m.snapshot.as_ref())
                .is_some_and(|s| !s.kind.is_automated())
        });

        let mut keep: BTreeSet<&str> = automated.iter().take(self.keep_last).map(|a| a.0).collect();
        let mut days = BTreeSet::new();
        let mut weeks = BTreeSet::new();
        for (id, at) in &automated {
            if days.len() < self.keep_daily && days.insert(at.date_naive()) {
                keep.insert(id);
            }
            let week = (at.iso_week().year(), at.iso_week().week());
            if weeks.len() < self.keep_weekly && weeks.insert(week) {
                keep.insert(id);
            }
        }
        if keep.is_empty() && !other_valid_copy && !manual_valid {
            if let Some((id, _)) = automated.first() {
                keep.insert(id);
            }
        }
        automated
            .iter()
            .filter(|(id, _)| !keep.contains(id))
            .map(|(id, _)| (*id).to_owned())
            .collect()
    }
}
