//! Operation counters: how often, how long, how many bytes, how many failures.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;

/// The kinds of operation that are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    /// `SlotStore::save`: a slot written (with backup rotation).
    Save,
    /// `SlotStore::load`: a slot read and verified.
    Load,
    /// A rolling backup created by copying the current save.
    Backup,
    /// A backup level or snapshot restored over a slot.
    Restore,
    /// A slot repaired from its newest valid copy.
    Repair,
    /// `SlotStore::slot_info`: a slot's primary and backups verified.
    Validate,
    /// A named, automated or safety snapshot written.
    Snapshot,
    /// Leftover temporary files removed and corrupt copies quarantined.
    Cleanup,
    /// A slot (with its backups and snapshots) or one snapshot deleted.
    Delete,
    /// A health check over every save, backup and snapshot.
    HealthCheck,
    /// A slot exported to a portable file.
    Export,
    /// A portable file imported into a slot.
    Import,
}

impl OpKind {
    /// The snake_case name used in reports.
    pub fn name(self) -> &'static str {
        match self {
            OpKind::Save => "save",
            OpKind::Load => "load",
            OpKind::Backup => "backup",
            OpKind::Restore => "restore",
            OpKind::Repair => "repair",
            OpKind::Validate => "validate",
            OpKind::Snapshot => "snapshot",
            OpKind::Cleanup => "cleanup",
            OpKind::Delete => "delete",
            OpKind::HealthCheck => "health_check",
            OpKind::Export => "export",
            OpKind::Import => "import",
        }
    }
}

/// Counters for one kind of operation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct OpStats {
    /// Operations attempted.
    pub count: u64,
    /// Operations that returned an error.
    pub failures: u64,
    /// Payload bytes written or read by successful operations.
    pub bytes: u64,
    /// Sum of durations, microseconds.
    pub total_micros: u64,
    /// Longest duration, microseconds.
    pub max_micros: u64,
}

impl OpStats {
    /// Mean duration in microseconds (0 when nothing ran).
    pub fn average_micros(&self) -> u64 {
        self.total_micros.checked_div(self.count).unwrap_or(0)
    }
}

/// Counters per operation kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    ops: BTreeMap<OpKind, OpStats>,
}

impl Stats {
    /// Records one operation.
    pub fn record(&mut self, kind: OpKind, elapsed: Duration, bytes: u64, ok: bool) {
        let entry = self.ops.entry(kind).or_default();
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        entry.count += 1;
        entry.total_micros = entry.total_micros.saturating_add(micros);
        entry.max_micros = entry.max_micros.max(micros);
        if ok {
            entry.bytes = entry.bytes.saturating_add(bytes);
        } else {
            entry.failures += 1;
        }
    }

    /// Counters of one kind (zeros when it never ran).
    pub fn get(&self, kind: OpKind) -> OpStats {
        self.ops.get(&kind).copied().unwrap_or_default()
    }

    /// Every kind that ran, in a stable order.
    pub fn iter(&self) -> impl Iterator<Item = (OpKind, OpStats)> + '_ {
        self.ops.iter().map(|(k, v)| (*k, *v))
    }

    /// Totals over all kinds.
    pub fn total(&self) -> OpStats {
        self.ops.values().fold(OpStats::default(), |mut acc, s| {
            acc.count += s.count;
            acc.failures += s.failures;
            acc.bytes = acc.bytes.saturating_add(s.bytes);
            acc.total_micros = acc.total_micros.saturating_add(s.total_micros);
            acc.max_micros = acc.max_micros.max(s.max_micros);
            acc
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_counts_bytes_failures_and_durations() {
        let mut stats = Stats::default();
        stats.record(OpKind::Save, Duration::from_micros(100), 10, true);
        stats.record(OpKind::Save, Duration::from_micros(300), 20, false);
        let save = stats.get(OpKind::Save);
        assert_eq!(save.count, 2);
        assert_eq!(save.failures, 1);
        assert_eq!(save.bytes, 10);
        assert_eq!(save.max_micros, 300);
        assert_eq!(save.average_micros(), 200);
        assert_eq!(stats.get(OpKind::Load), OpStats::default());
        assert_eq!(stats.total().count, 2);
    }
}
