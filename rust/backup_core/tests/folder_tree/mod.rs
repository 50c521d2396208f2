//! A folder's whole state, for tests that prove a command changed nothing
//! (or exactly what it reported). Shared by backup_core's and savekeep's
//! hostile-folder suites (savekeep includes this file by path).

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// One entry of a folder: its type and bytes or link target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Entry {
    Dir,
    File(Vec<u8>),
    Link(PathBuf),
    Other,
}

/// Names, types, bytes and link targets of everything under `root`.
pub fn tree(root: &Path) -> BTreeMap<String, Entry> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeMap<String, Entry>) {
        for entry in fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let rel = path.strip_prefix(base).unwrap().display().to_string();
            let kind = fs::symlink_metadata(&path).unwrap().file_type();
            if kind.is_symlink() {
                out.insert(rel, Entry::Link(fs::read_link(&path).unwrap()));
            } else if kind.is_dir() {
                out.insert(rel, Entry::Dir);
                walk(base, &path, out);
            } else if kind.is_file() {
                out.insert(rel, Entry::File(fs::read(&path).unwrap()));
            } else {
                out.insert(rel, Entry::Other);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(root, root, &mut out);
    out
}
