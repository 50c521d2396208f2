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
    /// Whether `path` itself is a symbolic link (or, on Windows, another
    /// reparse point such as a junction). Storages without links say no.
    fn is_link(&self, path: &Path) -> io::Result<bool> {
        let _ = path;
        Ok(false)
    }
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

/// The most [`Storage::read`] reads from one file: callers that expect
/// larger files use [`Storage::read_limited`] with their own limit.
pub const READ_CAP: u64 = 1 << 30;

/// Opens an existing file for reading without ever blocking, and refuses
/// anything but a regular file. The file is opened non-blocking, so that a
/// FIFO without a writer or a device cannot hang the caller, and, unless
/// `follow_links` is set, without following a symbolic link in its last
/// component. A FIFO, socket, device, directory or link is an
/// [`io::ErrorKind::InvalidInput`] error whose message names the path and
/// what it is.
pub fn open_regular(path: &Path, follow_links: bool) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let mut flags = libc::O_NONBLOCK;
        if !follow_links {
            flags |= libc::O_NOFOLLOW;
        }
        options.custom_flags(flags);
    }
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt;
        if !follow_links {
            // FILE_FLAG_OPEN_REPARSE_POINT: open a link itself, refused below.
            options.custom_flags(0x0020_0000);
        }
    }
    let file = options.open(path).map_err(|e| refine_open_error(path, e))?;
    let meta = file.metadata()?;
    if meta.file_type().is_symlink() || is_reparse_point(&meta) {
        return Err(link_refused(path));
    }
    if !meta.is_file() {
        return Err(not_regular(path, &meta.file_type(), "read"));
    }
    Ok(file)
}

/// The error for a symbolic link where the store reads, writes, moves or
/// locks: names the path, so the player can find and remove the link.
pub fn link_refused(path: &Path) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is a symbolic link; links inside the save folder are not followed",
            path.display()
        ),
    )
}

fn not_regular(path: &Path, kind: &fs::FileType, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is {}, not a regular file; refusing to {what} it",
            path.display(),
            kind_name(kind)
        ),
    )
}

/// `O_NOFOLLOW` on a link fails with ELOOP; say what it means.
fn refine_open_error(path: &Path, e: io::Error) -> io::Error {
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return link_refused(path);
    }
    let _ = path;
    e
}

/// What kind of non-regular file a path is, for messages.
fn kind_name(kind: &fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    if kind.is_dir() {
        "a directory"
    } else if kind.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

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
        match self.read_limited(path, READ_CAP)? {
            None => Err(io::ErrorKind::NotFound.into()),
            Some((_, Some(bytes))) => Ok(bytes),
            Some((stat, None)) => Err(io::Error::new(
                io::ErrorKind::FileTooLarge,
                format!(
                    "{} bytes is more than the {READ_CAP} bytes a read allows",
                    stat.len
                ),
            )),
        }
    }

    fn read_limited(
        &self,
        path: &Path,
        limit: u64,
    ) -> io::Result<Option<(FileStat, Option<Vec<u8>>)>> {
        let mut file = match open_regular(path, false) {
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

    fn is_link(&self, path: &Path) -> io::Result<bool> {
        match fs::symlink_metadata(path) {
            Ok(meta) => Ok(meta.file_type().is_symlink() || is_reparse_point(&meta)),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(e),
        }
    }

    fn write_file(&self, path: &Path, parts: &[&[u8]], sync: bool) -> io::Result<()> {
        let mut options = OpenOptions::new();
        // Truncated only once it is known to be a file of ours alone.
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            // Never through a link, never blocking on a FIFO planted there.
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let mut file = options.open(path).map_err(|e| refine_open_error(path, e))?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(not_regular(path, &meta.file_type(), "write"));
        }
        #[cfg(unix)]
        {
            // A hard link planted under a name we write would let us
            // overwrite the other name's file, wherever it lives.
            use std::os::unix::fs::MetadataExt;
            if meta.nlink() > 1 {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    format!(
                        "{} has other hard links; refusing to write through it",
                        path.display()
                    ),
                ));
            }
        }
        file.set_len(0)?;
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
            // A directory only, never blocking on a FIFO put in its place.
            use std::os::unix::fs::OpenOptionsExt;
            OpenOptions::new()
                .read(true)
                .custom_flags(libc::O_DIRECTORY | libc::O_NONBLOCK)
                .open(dir)?
                .sync_all()
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
        if self.is_link(path)? {
            return Err(link_refused(path));
        }
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
        }
        let file = options.open(path).map_err(|e| refine_open_error(path, e))?;
        let meta = file.metadata()?;
        if !meta.is_file() {
            return Err(not_regular(path, &meta.file_type(), "lock"));
        }
        match file.try_lock() {
            Ok(()) => Ok(Some(Box::new(file))),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(e),
        }
    }
}

#[cfg(windows)]
fn is_reparse_point(meta: &fs::Metadata) -> bool {
    use std::os::windows::fs::MetadataExt;
    meta.file_attributes() & 0x400 != 0
}

#[cfg(not(windows))]
fn is_reparse_point(_meta: &fs::Metadata) -> bool {
    false
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
