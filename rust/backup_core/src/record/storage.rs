//! The storage seam: the few file operations the store performs, behind a
//! narrow trait so that tests can substitute a simulated disk (power loss,
//! ENOSPC, EIO) without the store's logic changing shape.

use std::fmt::Debug;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::Path;

use chrono::{DateTime, Utc};

/// What the store needs to know about a file without reading it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    /// Length in bytes.
    pub len: u64,
    /// Last modification time, where the platform reports one.
    pub modified: Option<DateTime<Utc>>,
    /// Whether the path is a directory.
    pub is_dir: bool,
}

/// A held advisory lock; dropping it releases the lock.
pub type LockGuard = Box<dyn Debug + Send + Sync>;

/// File operations used by the store. Every path is absolute or relative to
/// the process; the store never builds a path from file contents.
pub trait Storage: Debug + Send + Sync {
    /// Reads a whole file.
    fn read(&self, path: &Path) -> io::Result<Vec<u8>>;
    /// Stats and reads a whole file in one go: `Ok(None)` when it does not
    /// exist, the stat without the bytes when it is longer than `limit` (a
    /// hostile length never makes us allocate). Verifying many files is the
    /// hot path of health checks and recovery analysis, so the real file
    /// system does this with one open, one stat and one read.
    fn read_limited(
        &self,
        path: &Path,
        limit: u64,
    ) -> io::Result<Option<(FileStat, Option<Vec<u8>>)>> {
        let Some(stat) = self.stat(path)? else {
            return Ok(None);
        };
        if stat.len > limit {
            return Ok(Some((stat, None)));
        }
        Ok(Some((stat, Some(self.read(path)?))))
    }
    /// Stats a path; `Ok(None)` when it does not exist.
    fn stat(&self, path: &Path) -> io::Result<Option<FileStat>>;
    /// Creates or truncates `path` and writes `parts` one after the other;
    /// when `sync` is set, flushes the file's data and size to stable storage.
    fn write_file(&self, path: &Path, parts: &[&[u8]], sync: bool) -> io::Result<()>;
    /// Atomically renames `from` to `to`, replacing `to` if it exists.
    fn rename(&self, from: &Path, to: &Path) -> io::Result<()>;
    /// Removes a file.
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// Names of the entries of a directory (files and directories).
    fn list(&self, dir: &Path) -> io::Result<Vec<String>>;
    /// Makes the directory's entries (creates, renames, unlinks) durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
    /// Creates a directory and its parents.
    fn create_dir_all(&self, dir: &Path) -> io::Result<()>;
    /// Takes an exclusive advisory lock on `path` without waiting.
    /// `Ok(None)` means the lock is held by someone else.
    fn try_lock(&self, path: &Path) -> io::Result<Option<LockGuard>>;
}

/// Files up to this size are read with a single read call.
const SMALL_READ: usize = 256 << 10;

fn file_stat(meta: &fs::Metadata) -> FileStat {
    FileStat {
        len: meta.len(),
        modified: meta.modified().ok().map(DateTime::<Utc>::from),
        is_dir: meta.is_dir(),
    }
}

/// The real file system through `std::fs`.
#[derive(Debug, Default, Clone, Copy)]
pub struct StdStorage;

impl Storage for StdStorage {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        fs::read(path)
    }

    fn read_limited(
        &self,
        path: &Path,
        limit: u64,
    ) -> io::Result<Option<(FileStat, Option<Vec<u8>>)>> {
        let mut file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(e),
        };
        let stat = file_stat(&file.metadata()?);
        if stat.len > limit {
            return Ok(Some((stat, None)));
        }
        let len = usize::try_from(stat.len).map_err(|_| io::ErrorKind::OutOfMemory)?;
        // Exactly the length just stat'ed through the same handle (a file
        // that grew in between is read as a prefix, which the record's length
        // field then rejects; one that shrank fails with UnexpectedEof).
        let bytes = if len <= SMALL_READ {
            // One read call; zeroing a small buffer first costs nothing.
            let mut bytes = vec![0; len];
            file.read_exact(&mut bytes)?;
            bytes
        } else {
            // Large files: skip zeroing megabytes; `take` stops at the
            // length without a final probe read.
            let mut bytes = Vec::with_capacity(len);
            (&mut file).take(stat.len).read_to_end(&mut bytes)?;
            if bytes.len() != len {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            bytes
        };
        Ok(Some((stat, Some(bytes))))
    }

    fn stat(&self, path: &Path) -> io::Result<Option<FileStat>> {
        match fs::metadata(path) {
            Ok(meta) => Ok(Some(file_stat(&meta))),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn write_file(&self, path: &Path, parts: &[&[u8]], sync: bool) -> io::Result<()> {
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(path)?;
        for part in parts {
            file.write_all(part)?;
        }
        if sync {
            // On macOS std's sync_all issues F_FULLFSYNC, which is what
            // actually reaches the platter there.
            file.sync_all()?;
        }
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        // Retried while another program (antivirus, cloud sync) holds a file.
        super::rename_retry::rename(from, to)
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        fs::remove_file(path)
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in fs::read_dir(dir)? {
            if let Ok(name) = entry?.file_name().into_string() {
                names.push(name);
            }
        }
        names.sort();
        Ok(names)
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        #[cfg(unix)]
        {
            File::open(dir)?.sync_all()
        }
        #[cfg(not(unix))]
        {
            // Windows cannot open a directory for flushing; NTFS journals
            // the rename itself (MoveFileEx with MOVEFILE_REPLACE_EXISTING).
            let _ = dir;
            Ok(())
        }
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        fs::create_dir_all(dir)
    }

    fn try_lock(&self, path: &Path) -> io::Result<Option<LockGuard>> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        match file.try_lock() {
            Ok(()) => Ok(Some(Box::new(file))),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_limited_reads_whole_files_and_refuses_oversized_ones() {
        let dir = tempfile::tempdir().unwrap();
        let storage = StdStorage;
        let missing = dir.path().join("missing");
        assert!(storage.read_limited(&missing, 10).unwrap().is_none());

        let small = dir.path().join("small");
        fs::write(&small, b"0123456789").unwrap();
        let (stat, bytes) = storage.read_limited(&small, 10).unwrap().unwrap();
        assert_eq!((stat.len, bytes.as_deref()), (10, Some(&b"0123456789"[..])));
        let (stat, bytes) = storage.read_limited(&small, 9).unwrap().unwrap();
        assert_eq!((stat.len, bytes), (10, None), "over the limit: stat only");

        // Larger than one read call: read in full, byte for byte.
        let large = dir.path().join("large");
        let content: Vec<u8> = (0..SMALL_READ * 3 + 7).map(|i| (i % 251) as u8).collect();
        fs::write(&large, &content).unwrap();
        let (stat, bytes) = storage.read_limited(&large, u64::MAX).unwrap().unwrap();
        assert_eq!(stat.len, content.len() as u64);
        assert_eq!(bytes.unwrap(), content);

        // A directory where a file is expected is an I/O error, not data.
        assert!(storage.read_limited(dir.path(), u64::MAX).is_err());
    }
}
