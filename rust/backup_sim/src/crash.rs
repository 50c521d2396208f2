//! From a crash point to the disk states a power cut may leave behind.
//!
//! At a crash point every directory may have entry operations that were never
//! flushed, and every file may have bytes that were never flushed. After the
//! power comes back:
//!
//! - each directory holds its durable entries plus some of its pending
//!   operations, replayed in order: a prefix of them when the file system
//!   keeps metadata operations in order ([`Reorder::InOrder`], what a
//!   journaling file system such as ext4 or APFS does), or any subset
//!   ([`Reorder::AnyOrder`], all POSIX promises);
//! - each file written since its last fsync holds its durable bytes, or the
//!   new bytes, or a prefix of them, or the new length with a zero-filled
//!   tail (the size reached the disk before the data did).
//!
//! Only files reachable from `/` in the resulting tree get byte variants; a
//! file whose name was lost is gone whatever its bytes are.

use std::collections::{BTreeMap, HashSet};

use crate::sim_storage::{DirNode, DiskImage, FileNode, InodeId, Node};

/// Which orders of unflushed directory operations a crash may expose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reorder {
    /// Each directory keeps a prefix of its pending operations.
    InOrder,
    /// Each directory keeps any subset of its pending operations.
    AnyOrder,
}

/// The crash states of one crash point: fully durable images (nothing pending).
///
/// When there are more than `limit` states they are sampled with `rng`
/// (distinct directory choices first, then byte variants).
pub fn crash_states(
    image: &DiskImage,
    reorder: Reorder,
    limit: usize,
    rng: &mut fastrand::Rng,
) -> Vec<DiskImage> {
    let limit = limit.max(1);
    let dirs: Vec<(InodeId, usize)> = image
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(id, n)| match n {
            Node::Dir(d) if !d.pending.is_empty() => Some((id, d.pending.len())),
            _ => None,
        })
        .collect();
    let dir_choices = choose(
        &dirs
            .iter()
            .map(|&(_, n)| options_for(n, reorder))
            .collect::<Vec<_>>(),
        limit,
        rng,
    );
    let per_dir_choice = (limit / dir_choices.len().max(1)).max(1);
    let mut out = Vec::new();
    for choice in dir_choices {
        let mut entries: BTreeMap<InodeId, BTreeMap<String, InodeId>> = BTreeMap::new();
        for (id, node) in image.nodes.iter().enumerate() {
            if let Node::Dir(d) = node {
                entries.insert(id, d.durable.clone());
            }
        }
        for (&(dir, n), &option) in dirs.iter().zip(&choice) {
            let Node::Dir(d) = &image.nodes[dir] else {
                continue;
            };
            let target = entries.entry(dir).or_default();
            for (i, op) in d.pending.iter().enumerate() {
                if keeps(reorder, n, option, i) {
                    op.apply(target);
                }
            }
        }
        let reachable = reachable_files(image, &entries);
        let variants: Vec<Vec<Vec<u8>>> = reachable
            .iter()
            .map(|&id| match &image.nodes[id] {
                Node::File(f) => byte_variants(f),
                Node::Dir(_) => Vec::new(),
            })
            .collect();
        let radix: Vec<usize> = variants.iter().map(Vec::len).collect();
        for pick in choose(&radix, per_dir_choice, rng) {
            let mut nodes = image.nodes.clone();
            for node in nodes.iter_mut() {
                match node {
                    Node::File(f) => {
                        f.data = f.durable.clone();
                        f.dirty = false;
                    }
                    Node::Dir(_) => {}
                }
            }
            for (id, dir_entries) in &entries {
                if let Node::Dir(d) = &mut nodes[*id] {
                    *d = DirNode {
                        entries: dir_entries.clone(),
                        durable: dir_entries.clone(),
                        pending: Vec::new(),
                    };
                }
            }
            for ((&id, options), &p) in reachable.iter().zip(&variants).zip(&pick) {
                if let Node::File(f) = &mut nodes[id] {
                    *f = FileNode {
                        data: options[p].clone(),
                        durable: options[p].clone(),
                        dirty: false,
                        mtime: f.mtime,
                    };
                }
            }
            out.push(DiskImage {
                nodes,
                clock: image.clock,
            });
        }
    }
    out
}

/// Number of ways a directory with `n` pending operations may come back.
fn options_for(n: usize, reorder: Reorder) -> usize {
    match reorder {
        Reorder::InOrder => n + 1,
        // Beyond 20 operations the choice is sampled anyway; cap the radix
        // so the arithmetic stays in range.
        Reorder::AnyOrder => 1usize << n.min(20),
    }
}

/// Whether option `option` of a directory with `n` pending operations keeps
/// operation `i`.
fn keeps(reorder: Reorder, n: usize, option: usize, i: usize) -> bool {
    match reorder {
        Reorder::InOrder => i < option,
        // Operations beyond the 20 the mask covers are kept with the last bit.
        Reorder::AnyOrder => (option >> i.min(19).min(n.saturating_sub(1))) & 1 == 1,
    }
}

/// All combinations of `radix[i]` options each when there are at most
/// `limit`, else `limit` distinct random ones.
fn choose(radix: &[usize], limit: usize, rng: &mut fastrand::Rng) -> Vec<Vec<usize>> {
    let total = radix
        .iter()
        .try_fold(1usize, |acc, &r| acc.checked_mul(r.max(1)));
    match total {
        Some(total) if total <= limit => (0..total)
            .map(|mut k| {
                radix
                    .iter()
                    .map(|&r| {
                        let r = r.max(1);
                        let digit = k % r;
                        k /= r;
                        digit
                    })
                    .collect()
            })
            .collect(),
        _ => {
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            // Always include the two extremes: nothing kept and everything kept.
            for extreme in [
                radix.iter().map(|_| 0).collect::<Vec<_>>(),
                radix.iter().map(|&r| r.max(1) - 1).collect(),
            ] {
                if seen.insert(extreme.clone()) {
                    out.push(extreme);
                }
            }
            let mut attempts = 0;
            while out.len() < limit && attempts < limit * 4 {
                attempts += 1;
                let pick: Vec<usize> = radix.iter().map(|&r| rng.usize(..r.max(1))).collect();
                if seen.insert(pick.clone()) {
                    out.push(pick);
                }
            }
            out.truncate(limit);
            out
        }
    }
}

/// Files reachable from `/` through the chosen entries.
fn reachable_files(
    image: &DiskImage,
    entries: &BTreeMap<InodeId, BTreeMap<String, InodeId>>,
) -> Vec<InodeId> {
    let mut files = Vec::new();
    let mut seen = HashSet::new();
    let mut stack = vec![0];
    while let Some(dir) = stack.pop() {
        if !seen.insert(dir) {
            continue;
        }
        for &child in entries.get(&dir).map(|e| e.values()).into_iter().flatten() {
            match image.nodes[child] {
                Node::Dir(_) => stack.push(child),
                Node::File(_) => {
                    if seen.insert(child) {
                        files.push(child);
                    }
                }
            }
        }
    }
    files.sort_unstable();
    files
}

/// What a file may hold after a crash.
fn byte_variants(file: &FileNode) -> Vec<Vec<u8>> {
    if !file.dirty {
        return vec![file.durable.clone()];
    }
    let data = &file.data;
    let n = data.len();
    let mut out = vec![file.durable.clone(), data.clone()];
    // Prefixes: nothing, inside the header, at the header's end, half, all but one byte.
    for cut in [0, 1, 16, 32, n / 2, n.saturating_sub(1)] {
        if cut < n {
            out.push(data[..cut].to_vec());
        }
    }
    // The new length reached the disk, the tail of the data did not.
    for cut in [0, n / 2, n.saturating_sub(1)] {
        if cut < n {
            let mut torn = data[..cut].to_vec();
            torn.resize(n, 0);
            out.push(torn);
        }
    }
    let mut seen = HashSet::new();
    out.retain(|v| seen.insert(v.clone()));
    out
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use backup_core::Storage;

    use super::*;
    use crate::sim_storage::SimStorage;

    fn names(image: &DiskImage) -> Vec<Vec<String>> {
        let disk = SimStorage::from_image(image.clone());
        let mut out = vec![disk.list(Path::new("/")).unwrap()];
        if disk.stat(Path::new("/d")).unwrap().is_some() {
            out.push(disk.list(Path::new("/d")).unwrap());
        }
        out
    }

    #[test]
    fn in_order_keeps_prefixes_and_any_order_keeps_subsets() {
        let disk = SimStorage::new();
        disk.write_file(Path::new("/a"), &[b"A"], true).unwrap();
        disk.sync_dir(Path::new("/")).unwrap();
        disk.write_file(Path::new("/b"), &[b"B"], true).unwrap();
        disk.rename(Path::new("/a"), Path::new("/c")).unwrap();
        let image = disk.image();
        let mut rng = fastrand::Rng::with_seed(1);
        let ordered: HashSet<_> = crash_states(&image, Reorder::InOrder, 100, &mut rng)
            .iter()
            .map(names)
            .collect();
        let any: HashSet<_> = crash_states(&image, Reorder::AnyOrder, 100, &mut rng)
            .iter()
            .map(names)
            .collect();
        let set = |v: &[&[&str]]| -> HashSet<Vec<Vec<String>>> {
            v.iter()
                .map(|names| vec![names.iter().map(|s| s.to_string()).collect()])
                .collect()
        };
        assert_eq!(ordered, set(&[&["a"], &["a", "b"], &["b", "c"]]));
        assert_eq!(any, set(&[&["a"], &["a", "b"], &["b", "c"], &["c"]]));
    }

    #[test]
    fn unsynced_bytes_come_back_torn() {
        let disk = SimStorage::new();
        disk.write_file(Path::new("/f"), &[b"0123456789"], false)
            .unwrap();
        disk.sync_dir(Path::new("/")).unwrap();
        let states = crash_states(
            &disk.image(),
            Reorder::InOrder,
            100,
            &mut fastrand::Rng::with_seed(2),
        );
        let contents: HashSet<Vec<u8>> = states
            .iter()
            .map(|s| {
                SimStorage::from_image(s.clone())
                    .read(Path::new("/f"))
                    .unwrap()
            })
            .collect();
        for expected in [
            &b""[..],
            b"0123456789",
            b"0",
            b"01234",
            b"012345678",
            b"\0\0\0\0\0\0\0\0\0\0",
            b"01234\0\0\0\0\0",
        ] {
            assert!(contents.contains(expected), "{expected:?} missing");
        }
        assert!(states.iter().all(|s| s.unsynced() == 0));
    }

    #[test]
    fn sampling_respects_the_limit_and_is_deterministic() {
        let disk = SimStorage::new();
        for i in 0..12 {
            disk.write_file(Path::new(&format!("/f{i}")), &[b"x"], true)
                .unwrap();
        }
        let image = disk.image();
        let a = crash_states(
            &image,
            Reorder::AnyOrder,
            50,
            &mut fastrand::Rng::with_seed(3),
        );
        let b = crash_states(
            &image,
            Reorder::AnyOrder,
            50,
            &mut fastrand::Rng::with_seed(3),
        );
        assert_eq!(a.len(), 50);
        assert_eq!(a, b);
    }
}
