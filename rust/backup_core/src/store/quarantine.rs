//! `quarantine/`: where damaged files, and complete interrupted writes that
//! could not be put in place, are moved instead of being deleted. It is
//! bounded by [`QuarantineLimits`]: after each move, and at cleanup, the
//! oldest files the store put there beyond the limits are removed. The file
//! just moved is always kept, and files whose names the store did not give
//! (put there by a player or by support) are never touched.

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;

use super::slot_store::{lock, SlotStore};
use super::types::QuarantineLimits;
use crate::error::{Error, Result};

/// Format of the time stamp appended to a quarantined file's name.
const STAMP_FORMAT: &str = "%Y%m%dT%H%M%S%3fZ";

impl SlotStore {
    /// Moves a file into `quarantine/` under a unique, timestamped name,
    /// then keeps the folder within its limits.
    /// Callers hold the write lock.
    pub(crate) fn quarantine(&self, path: &Path) -> Result<PathBuf> {
        let dir = self.layout.quarantine_dir();
        self.storage
            .create_dir_all(&dir)
            .map_err(|e| Error::io("create", &dir, e))?;
        let stem = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file")
            .to_owned();
        let stamp = self.clock.now().format(STAMP_FORMAT);
        let mut target = dir.join(format!("{stem}.{stamp}"));
        let mut n = 1;
        while self.exists(&target)? {
            target = dir.join(format!("{stem}.{stamp}.{n}"));
            n += 1;
        }
        self.storage
            .rename(path, &target)
            .map_err(|e| Error::io("quarantine", path, e))?;
        self.sync_dir(&dir)?;
        self.sync_dir(path.parent().unwrap_or(self.layout.root()))?;
        self.prune_quarantine(Some(&target))?;
        Ok(target)
    }

    /// Removes the oldest quarantined files beyond the configured limits
    /// (never `keep`, never a file whose name the store did not give), and
    /// returns them. Callers hold the write lock.
    pub(crate) fn prune_quarantine(&self, keep: Option<&Path>) -> Result<Vec<PathBuf>> {
        let dir = self.layout.quarantine_dir();
        // A quarantine that is a link is never followed (nor pruned).
        if self.options.quarantine == QuarantineLimits::UNLIMITED || !self.listable_dir(&dir)? {
            return Ok(Vec::new());
        }
        let names = self
            .storage
            .list(&dir)
            .map_err(|e| Error::io("list", &dir, e))?;
        let mut entries = Vec::new();
        for name in names {
            let Some(order) = quarantine_order(&name) else {
                continue;
            };
            let path = dir.join(&name);
            // A link (the confined storage refuses to stat one), a folder or
            // a file that cannot be inspected is left alone: only regular
            // files the store moved there are removed.
            let Ok(Some(stat)) = self.storage.stat(&path) else {
                continue;
            };
            if stat.is_dir {
                continue;
            }
            let kept = keep == Some(path.as_path());
            entries.push(QuarantinedFile {
                path,
                order,
                len: stat.len,
                keep: kept,
            });
        }
        let removals = self.options.quarantine.select_removals(&mut entries);
        for path in &removals {
            self.storage
                .remove(path)
                .map_err(|e| Error::io("remove", path, e))?;
        }
        if !removals.is_empty() {
            self.sync_dir(&dir)?;
        }
        if let Some(log) = lock(&self.pruned_during_cleanup).as_mut() {
            log.extend(removals.iter().cloned());
        }
        Ok(removals)
    }
}

/// One file of `quarantine/` as pruning sees it.
#[derive(Debug)]
struct QuarantinedFile {
    path: PathBuf,
    /// When it was quarantined, and the tie-breaking counter of its name.
    order: (NaiveDateTime, u32),
    len: u64,
    /// The file just moved there: never removed.
    keep: bool,
}

impl QuarantineLimits {
    /// The files to remove, oldest first: walking from the newest, files are
    /// kept while both limits hold; the first one past a limit and every
    /// older one go. A file marked `keep` is always kept (and counted).
    fn select_removals(&self, entries: &mut [QuarantinedFile]) -> Vec<PathBuf> {
        entries.sort_by(|a, b| {
            b.keep
                .cmp(&a.keep)
                .then(b.order.cmp(&a.order))
                .then(b.path.cmp(&a.path))
        });
        let mut files = 0usize;
        let mut bytes = 0u64;
        let mut over = false;
        let mut removals = Vec::new();
        for entry in entries.iter() {
            if !entry.keep {
                over = over
                    || files >= self.max_files
                    || bytes.saturating_add(entry.len) > self.max_bytes;
            }
            if over && !entry.keep {
                removals.push(entry.path.clone());
            } else {
                files += 1;
                bytes = bytes.saturating_add(entry.len);
            }
        }
        removals.reverse();
        removals
    }
}

/// When a file named by [`SlotStore::quarantine`] (`<name>.<stamp>` or
/// `<name>.<stamp>.<n>`) was quarantined; `None` for any other name.
fn quarantine_order(name: &str) -> Option<(NaiveDateTime, u32)> {
    let (rest, last) = name.rsplit_once('.')?;
    if let Some(at) = parse_stamp(last) {
        return (!rest.is_empty()).then_some((at, 0));
    }
    let n: u32 = last.parse().ok().filter(|n| *n > 0)?;
    let (rest, stamp) = rest.rsplit_once('.')?;
    let at = parse_stamp(stamp)?;
    (!rest.is_empty()).then_some((at, n))
}

fn parse_stamp(text: &str) -> Option<NaiveDateTime> {
    if text.len() != 19 || !text.ends_with('Z') {
        return None;
    }
    NaiveDateTime::parse_from_str(text, STAMP_FORMAT).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_store_gives_are_ordered_and_others_are_not() {
        let a = quarantine_order("slot_0.sav.20261207T101500123Z").unwrap();
        let b = quarantine_order("slot_0.sav.20261207T101500123Z.2").unwrap();
        let c = quarantine_order("slot_1.sav.bak0.20261207T101501000Z").unwrap();
        assert!(a < b && b < c, "{a:?} {b:?} {c:?}");
        for other in [
            "notes.txt",
            "slot_0.sav",
            ".20261207T101500123Z",
            "slot_0.sav.20261207T101500123Z.0",
            "slot_0.sav.20261207T101500123Z.x",
            "slot_0.sav.20261307T101500123Z",
            "slot_0.sav.20261207T1015001234Z",
        ] {
            assert_eq!(quarantine_order(other), None, "{other}");
        }
    }
}
