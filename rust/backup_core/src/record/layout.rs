//! Where each file of a save root lives, and how file names map back to slots.
//!
//! ```text
//! <root>/slot_<n>.sav            primary copy of slot n
//! <root>/slot_<n>.sav.bak<k>     rolling backup level k (0 = newest)
//! <root>/*.tmp                   a write in progress (or interrupted)
//! <root>/snapshots/slot_<n>/<id>.snap   named and automated snapshots
//! <root>/quarantine/             damaged files moved aside (the newest kept, see QuarantineLimits)
//! <root>/.lock                   advisory lock held by the process that writes
//! ```

use std::path::{Path, PathBuf};

/// Suffix of files being written.
pub const TEMP_SUFFIX: &str = ".tmp";
const SNAPSHOT_SUFFIX: &str = ".snap";

/// What a file name in the root means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// `slot_<n>.sav`
    Primary(u32),
    /// `slot_<n>.sav.bak<k>`
    Backup(u32, u32),
    /// Any name ending in `.tmp`.
    Temp,
}

/// Paths of one save root.
#[derive(Debug, Clone)]
pub struct Layout {
    root: PathBuf,
}

impl Layout {
    /// The layout of the save root `root`.
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Layout { root: root.into() }
    }

    /// The save root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The primary file of a slot.
    pub fn primary(&self, slot: u32) -> PathBuf {
        self.root.join(format!("slot_{slot}.sav"))
    }

    /// Rolling backup `level` (0 = newest) of a slot.
    pub fn backup(&self, slot: u32, level: u32) -> PathBuf {
        self.root.join(format!("slot_{slot}.sav.bak{level}"))
    }

    /// The temporary file used while writing `target`.
    pub fn temp_for(target: &Path) -> PathBuf {
        let mut name = target.as_os_str().to_owned();
        name.push(TEMP_SUFFIX);
        PathBuf::from(name)
    }

    /// Folder of a slot's snapshots.
    pub fn snapshot_dir(&self, slot: u32) -> PathBuf {
        self.root.join("snapshots").join(format!("slot_{slot}"))
    }

    /// File of one snapshot.
    pub fn snapshot(&self, slot: u32, id: &str) -> PathBuf {
        self.snapshot_dir(slot)
            .join(format!("{id}{SNAPSHOT_SUFFIX}"))
    }

    /// Folder where corrupt files are moved.
    pub fn quarantine_dir(&self) -> PathBuf {
        self.root.join("quarantine")
    }

    /// The advisory lock file.
    pub fn lock_file(&self) -> PathBuf {
        self.root.join(".lock")
    }

    /// What a file name in the root is, if it is one of ours.
    pub fn role_of(name: &str) -> Option<FileRole> {
        if name.ends_with(TEMP_SUFFIX) {
            return Some(FileRole::Temp);
        }
        let rest = name.strip_prefix("slot_")?;
        let (number, tail) = rest.split_once(".sav")?;
        let slot = parse_number(number)?;
        if tail.is_empty() {
            return Some(FileRole::Primary(slot));
        }
        let level = parse_number(tail.strip_prefix(".bak")?)?;
        Some(FileRole::Backup(slot, level))
    }

    /// The file a temporary file of the store would become: `Some` only for
    /// names the store itself writes in the root (`slot_<n>.sav.tmp`,
    /// `slot_<n>.sav.bak<k>.tmp`), never for a foreign `notes.tmp`.
    pub fn temp_target(name: &str) -> Option<(FileRole, &str)> {
        let target = name.strip_suffix(TEMP_SUFFIX)?;
        match Layout::role_of(target)? {
            role @ (FileRole::Primary(_) | FileRole::Backup(..)) => Some((role, target)),
            FileRole::Temp => None,
        }
    }

    /// The snapshot id of a file name in a snapshot folder.
    pub fn snapshot_id_of(name: &str) -> Option<&str> {
        name.strip_suffix(SNAPSHOT_SUFFIX)
            .filter(|id| !id.is_empty() && is_safe_id(id))
    }

    /// The slot of a folder name under `snapshots/`.
    pub fn snapshot_slot_of(name: &str) -> Option<u32> {
        parse_number(name.strip_prefix("slot_")?)
    }
}

/// Whether an id is safe to use as a file stem (no separators, no dots at
/// the start): ids come from the store, but tools may pass them back in.
pub fn is_safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn parse_number(text: &str) -> Option<u32> {
    // Reject "+1", "01" and friends so that one slot has exactly one name.
    if text.is_empty() || (text.len() > 1 && text.starts_with('0')) {
        return None;
    }
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_to_roles() {
        let layout = Layout::new("/r");
        let name = |p: PathBuf| p.file_name().unwrap().to_str().unwrap().to_owned();
        assert_eq!(
            Layout::role_of(&name(layout.primary(7))),
            Some(FileRole::Primary(7))
        );
        assert_eq!(
            Layout::role_of(&name(layout.backup(7, 2))),
            Some(FileRole::Backup(7, 2))
        );
        assert_eq!(
            Layout::role_of(&name(Layout::temp_for(&layout.primary(7)))),
            Some(FileRole::Temp)
        );
        for foreign in [
            "slot_01.sav",
            "slot_x.sav",
            "slot_1.save",
            "notes.txt",
            "slot_1.sav.bak",
        ] {
            assert_eq!(Layout::role_of(foreign), None, "{foreign}");
        }
    }

    #[test]
    fn snapshot_ids_are_checked() {
        assert_eq!(
            Layout::snapshot_id_of("20260101T000000Z-0001.snap"),
            Some("20260101T000000Z-0001")
        );
        assert_eq!(Layout::snapshot_id_of("../x.snap"), None);
        assert_eq!(Layout::snapshot_id_of(".snap"), None);
        assert!(!is_safe_id("a/b"));
    }
}
