//! Nothing inside a save root is followed: [`Confined`] wraps any
//! [`Storage`] and refuses every operation on a path below the root that
//! passes through, or ends in, a symbolic link. A folder the game does not
//! control (synced, copied, edited by hand or by a mod) may hold a link named
//! `snapshots`, `quarantine`, `.lock` or `slot_0.sav`; following it would
//! write, move or lock files outside the save folder.
//!
//! The root itself may be a link (a player who moved the saves to another
//! drive): only what lies below it is checked. The check is made just before
//! each operation; a process racing to swap a directory for a link in
//! between is outside what this defends against (it could write there
//! itself).

use std::fmt::Debug;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::storage::{link_refused, FileStat, LockGuard, Storage};

/// A storage that refuses links below `root`.
#[derive(Debug)]
pub struct Confined {
    inner: Arc<dyn Storage>,
    root: PathBuf,
}

impl Confined {
    /// Wraps `inner`, confining it below `root`.
    pub fn new(inner: Arc<dyn Storage>, root: impl Into<PathBuf>) -> Self {
        Confined {
            inner,
            root: root.into(),
        }
    }

    /// Fails when a component of `path` below the root is a link; the last
    /// component is checked too unless `last` is false (reads open it with
    /// `O_NOFOLLOW` themselves, saving a system call on the hot path).
    fn check(&self, path: &Path, last: bool) -> io::Result<()> {
        let Ok(rest) = path.strip_prefix(&self.root) else {
            return Ok(());
        };
        let components: Vec<_> = rest.components().collect();
        let mut current = self.root.clone();
        for (i, component) in components.iter().enumerate() {
            if matches!(component, std::path::Component::ParentDir) {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!("{} leaves the save folder", path.display()),
                ));
            }
            current.push(component);
            if (last || i + 1 < components.len()) && self.inner.is_link(&current)? {
                return Err(link_refused(&current));
            }
        }
        Ok(())
    }
}

impl Storage for Confined {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.check(path, false)?;
        self.inner.read(path)
    }

    fn read_limited(
        &self,
        path: &Path,
        limit: u64,
    ) -> io::Result<Option<(FileStat, Option<Vec<u8>>)>> {
        self.check(path, false)?;
        self.inner.read_limited(path, limit)
    }

    fn stat(&self, path: &Path) -> io::Result<Option<FileStat>> {
        self.check(path, true)?;
        self.inner.stat(path)
    }

    fn is_link(&self, path: &Path) -> io::Result<bool> {
        self.check(path, false)?;
        self.inner.is_link(path)
    }

    fn write_file(&self, path: &Path, parts: &[&[u8]], sync: bool) -> io::Result<()> {
        self.check(path, true)?;
        self.inner.write_file(path, parts, sync)
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        self.check(from, true)?;
        self.check(to, true)?;
        self.inner.rename(from, to)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        self.check(path, true)?;
        self.inner.remove(path)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        self.check(dir, true)?;
        self.inner.list(dir)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        self.check(dir, true)?;
        self.inner.sync_dir(dir)
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        self.check(dir, true)?;
        self.inner.create_dir_all(dir)
    }

    fn try_lock(&self, path: &Path) -> io::Result<Option<LockGuard>> {
        self.check(path, true)?;
        self.inner.try_lock(path)
    }
}
