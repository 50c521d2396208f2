//! A simulated disk behind backup_core's [`Storage`] seam.
//!
//! The model is the one POSIX promises, not the kinder one most file systems
//! deliver:
//!
//! - A file is an inode with its current bytes and its *durable* bytes (what
//!   the last `fsync` put on the platter). Writes change only the current
//!   bytes; `fsync` (`write_file(.., sync = true)`) makes them durable.
//! - A directory holds its current entries, its durable entries and the list
//!   of entry operations (link, unlink, rename) made since its last
//!   `sync_dir`. `sync_dir` makes exactly that directory's entries durable;
//!   `fsync` of a file does not make its name durable.
//! - A rename between two directories is an unlink in one and a link in the
//!   other, each durable only when its own directory is flushed.
//!
//! Every operation is appended to a log, and after every mutation the whole
//! disk is captured as a [`DiskImage`] when recording is on: the crash points
//! that [`crate::crash`] turns into the disk states a power cut may leave.
//! Faults ([`Fault`]) make one chosen operation fail with ENOSPC or EIO.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use backup_core::LockGuard;
use backup_core::{FileStat, Storage};

/// Index of an inode in a [`DiskImage`]; inode 0 is the directory `/`.
pub type InodeId = usize;

/// A file's bytes, current and durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileNode {
    pub data: Vec<u8>,
    pub durable: Vec<u8>,
    /// Written since the last fsync (even if the bytes happen to match).
    pub dirty: bool,
    /// Modification time, as a counter of writes on the whole disk (the
    /// store compares file times to notice files changed behind its back).
    pub mtime: u64,
}

/// A directory's entries, current and durable, and the operations between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DirNode {
    pub entries: BTreeMap<String, InodeId>,
    pub durable: BTreeMap<String, InodeId>,
    pub pending: Vec<DirOp>,
}

/// An inode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Node {
    File(FileNode),
    Dir(DirNode),
}

/// A directory entry operation not yet made durable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirOp {
    /// A name now points at an inode (create, or the arriving half of a
    /// cross-directory rename).
    Link { name: String, inode: InodeId },
    /// A name was removed.
    Unlink { name: String },
    /// A rename within the directory (atomic: after a crash either the old
    /// or the new name exists, never both or neither).
    Rename { from: String, to: String },
}

impl DirOp {
    /// Replays the operation on a set of entries, as recovery of the file
    /// system would: an operation whose source is gone is a no-op.
    pub(crate) fn apply(&self, entries: &mut BTreeMap<String, InodeId>) {
        match self {
            DirOp::Link { name, inode } => {
                entries.insert(name.clone(), *inode);
            }
            DirOp::Unlink { name } => {
                entries.remove(name);
            }
            DirOp::Rename { from, to } => {
                if let Some(inode) = entries.remove(from) {
                    entries.insert(to.clone(), inode);
                }
            }
        }
    }
}

/// The whole disk at one instant, with what is durable and what is not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiskImage {
    pub(crate) nodes: Vec<Node>,
    /// The last modification time handed out.
    pub(crate) clock: u64,
}

impl DiskImage {
    fn empty() -> Self {
        DiskImage {
            nodes: vec![Node::Dir(DirNode {
                entries: BTreeMap::new(),
                durable: BTreeMap::new(),
                pending: Vec::new(),
            })],
            clock: 0,
        }
    }

    /// Number of directory operations and file writes that a power cut could
    /// still lose.
    pub fn unsynced(&self) -> usize {
        self.nodes
            .iter()
            .map(|n| match n {
                Node::File(f) => usize::from(f.dirty),
                Node::Dir(d) => d.pending.len(),
            })
            .sum()
    }
}

/// Kinds of operations, as logged and as targeted by faults.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OpKind {
    Read,
    Stat,
    List,
    /// Creating or truncating a file.
    Create,
    /// Writing a file's bytes.
    Write,
    /// Flushing a file's bytes (the `sync` of `write_file`).
    Fsync,
    Rename,
    Remove,
    SyncDir,
    Mkdir,
    Lock,
}

impl OpKind {
    /// Whether a fault may be injected into this kind of operation: every
    /// mutation the store makes.
    pub fn is_fallible(self) -> bool {
        matches!(
            self,
            OpKind::Write
                | OpKind::Fsync
                | OpKind::Rename
                | OpKind::Remove
                | OpKind::SyncDir
                | OpKind::Mkdir
        )
    }
}

/// One logged operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpRecord {
    /// What was done.
    pub kind: OpKind,
    /// On what.
    pub path: PathBuf,
    /// Whether a fault was injected into it.
    pub failed: Option<FaultKind>,
}

/// The error a fault produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaultKind {
    /// ENOSPC: the disk is full.
    NoSpace,
    /// EIO: the device reported an error.
    Io,
}

impl FaultKind {
    fn error(self, kind: OpKind, path: &Path) -> io::Error {
        match self {
            FaultKind::NoSpace => io::Error::new(
                io::ErrorKind::StorageFull,
                format!("simulated ENOSPC during {kind:?} of {}", path.display()),
            ),
            FaultKind::Io => io::Error::other(format!(
                "simulated EIO during {kind:?} of {}",
                path.display()
            )),
        }
    }
}

/// Makes the `nth` (0-based) fallible operation from now on fail, once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fault {
    /// Which fallible operation, counted from when the fault was armed.
    pub nth: usize,
    /// The error it returns.
    pub kind: FaultKind,
}

#[derive(Debug)]
struct State {
    image: DiskImage,
    log: Vec<OpRecord>,
    recording: bool,
    images: Vec<DiskImage>,
    fault: Option<Fault>,
    fallible_seen: usize,
}

/// The simulated disk. Cheap to share (`Arc`); all methods take `&self`.
pub struct SimStorage {
    state: Mutex<State>,
    locks: Arc<Mutex<HashSet<PathBuf>>>,
}

impl fmt::Debug for SimStorage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = self.lock();
        f.debug_struct("SimStorage")
            .field("inodes", &state.image.nodes.len())
            .field("logged_ops", &state.log.len())
            .finish()
    }
}

impl Default for SimStorage {
    fn default() -> Self {
        Self::new()
    }
}

impl SimStorage {
    /// An empty disk holding only `/`.
    pub fn new() -> Self {
        Self::from_image(DiskImage::empty())
    }

    /// A disk in exactly the given state (pending operations included).
    pub fn from_image(image: DiskImage) -> Self {
        SimStorage {
            state: Mutex::new(State {
                image,
                log: Vec::new(),
                recording: false,
                images: Vec::new(),
                fault: None,
                fallible_seen: 0,
            }),
            locks: Arc::new(Mutex::new(HashSet::new())),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The disk as it is now.
    pub fn image(&self) -> DiskImage {
        self.lock().image.clone()
    }

    /// Starts capturing an image after every mutation (crash points).
    pub fn start_recording(&self) {
        let mut state = self.lock();
        state.recording = true;
        state.images.clear();
    }

    /// Stops capturing and returns the images captured since
    /// [`start_recording`](Self::start_recording).
    pub fn stop_recording(&self) -> Vec<DiskImage> {
        let mut state = self.lock();
        state.recording = false;
        std::mem::take(&mut state.images)
    }

    /// Every operation so far.
    pub fn log(&self) -> Vec<OpRecord> {
        self.lock().log.clone()
    }

    /// Number of fallible operations performed so far.
    pub fn fallible_ops(&self) -> usize {
        self.lock().fallible_seen
    }

    /// Arms a fault, counting fallible operations from now.
    pub fn arm_fault(&self, nth: usize, kind: FaultKind) {
        let mut state = self.lock();
        let nth = state.fallible_seen + nth;
        state.fault = Some(Fault { nth, kind });
    }

    /// Disarms a fault that has not fired; returns whether one was armed.
    pub fn disarm_fault(&self) -> bool {
        self.lock().fault.take().is_some()
    }

    /// Overwrites a file's bytes durably (simulating media corruption).
    pub fn corrupt(&self, path: &Path, edit: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        let mut state = self.lock();
        let id = resolve(&state.image, path)?;
        match &mut state.image.nodes[id] {
            Node::File(file) => {
                // Media corruption does not update the modification time.
                edit(&mut file.data);
                file.durable = file.data.clone();
                file.dirty = false;
                Ok(())
            }
            Node::Dir(_) => Err(io::ErrorKind::IsADirectory.into()),
        }
    }
}

impl State {
    /// Logs an operation and fires the armed fault if this is its turn.
    fn begin(&mut self, kind: OpKind, path: &Path) -> io::Result<()> {
        let mut failed = None;
        if kind.is_fallible() {
            if let Some(fault) = self.fault {
                if fault.nth == self.fallible_seen {
                    failed = Some(fault.kind);
                    self.fault = None;
                }
            }
            self.fallible_seen += 1;
        }
        self.log.push(OpRecord {
            kind,
            path: path.to_path_buf(),
            failed,
        });
        match failed {
            Some(fault) => Err(fault.error(kind, path)),
            None => Ok(()),
        }
    }

    /// A crash point: the disk right after a mutation.
    fn crash_point(&mut self) {
        if self.recording {
            self.images.push(self.image.clone());
        }
    }

    fn dir_mut(&mut self, id: InodeId) -> &mut DirNode {
        match &mut self.image.nodes[id] {
            Node::Dir(dir) => dir,
            Node::File(_) => unreachable!("callers resolve directories with resolve_parent"),
        }
    }

    fn file_mut(&mut self, id: InodeId) -> Option<&mut FileNode> {
        match &mut self.image.nodes[id] {
            Node::File(file) => Some(file),
            Node::Dir(_) => None,
        }
    }

    fn link(&mut self, dir: InodeId, name: &str, inode: InodeId) {
        let dir = self.dir_mut(dir);
        dir.entries.insert(name.to_owned(), inode);
        dir.pending.push(DirOp::Link {
            name: name.to_owned(),
            inode,
        });
    }

    fn unlink(&mut self, dir: InodeId, name: &str) {
        let dir = self.dir_mut(dir);
        dir.entries.remove(name);
        dir.pending.push(DirOp::Unlink {
            name: name.to_owned(),
        });
    }

    /// Creates an empty, never-flushed file and links it into `dir`.
    fn create_empty_file(&mut self, dir: InodeId, name: &str) -> InodeId {
        let id = self.add_node(Node::File(FileNode {
            data: Vec::new(),
            durable: Vec::new(),
            dirty: false,
            mtime: 0,
        }));
        self.link(dir, name, id);
        id
    }

    fn add_node(&mut self, node: Node) -> InodeId {
        self.image.nodes.push(node);
        self.image.nodes.len() - 1
    }
}

/// The names of a path, from `/`.
fn components(path: &Path) -> io::Result<Vec<String>> {
    let mut out = Vec::new();
    for c in path.components() {
        match c {
            Component::RootDir | Component::CurDir | Component::Prefix(_) => {}
            Component::Normal(name) => out.push(
                name.to_str()
                    .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "non-UTF-8 name"))?
                    .to_owned(),
            ),
            Component::ParentDir => {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidInput,
                    "the simulated disk does not resolve `..`",
                ))
            }
        }
    }
    Ok(out)
}

fn lookup(image: &DiskImage, dir: InodeId, name: &str) -> io::Result<InodeId> {
    match &image.nodes[dir] {
        Node::Dir(d) => d
            .entries
            .get(name)
            .copied()
            .ok_or_else(|| io::ErrorKind::NotFound.into()),
        Node::File(_) => Err(io::ErrorKind::NotADirectory.into()),
    }
}

fn resolve(image: &DiskImage, path: &Path) -> io::Result<InodeId> {
    let mut id = 0;
    for name in components(path)? {
        id = lookup(image, id, &name)?;
    }
    Ok(id)
}

/// The directory holding `path` and the last name of `path`.
fn resolve_parent(image: &DiskImage, path: &Path) -> io::Result<(InodeId, String)> {
    let mut names = components(path)?;
    let name = names
        .pop()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "path has no file name"))?;
    let mut id = 0;
    for part in names {
        id = lookup(image, id, &part)?;
    }
    match image.nodes[id] {
        Node::Dir(_) => Ok((id, name)),
        Node::File(_) => Err(io::ErrorKind::NotADirectory.into()),
    }
}

impl Storage for SimStorage {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        let mut state = self.lock();
        state.begin(OpKind::Read, path)?;
        let id = resolve(&state.image, path)?;
        match &state.image.nodes[id] {
            Node::File(file) => Ok(file.data.clone()),
            Node::Dir(_) => Err(io::ErrorKind::IsADirectory.into()),
        }
    }

    fn stat(&self, path: &Path) -> io::Result<Option<FileStat>> {
        let mut state = self.lock();
        state.begin(OpKind::Stat, path)?;
        match resolve(&state.image, path) {
            Ok(id) => Ok(Some(match &state.image.nodes[id] {
                Node::File(file) => FileStat {
                    len: file.data.len() as u64,
                    modified: chrono::DateTime::from_timestamp_nanos(file.mtime as i64).into(),
                    is_dir: false,
                },
                Node::Dir(_) => FileStat {
                    len: 0,
                    modified: None,
                    is_dir: true,
                },
            })),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    fn write_file(&self, path: &Path, parts: &[&[u8]], sync: bool) -> io::Result<()> {
        let mut state = self.lock();
        state.begin(OpKind::Create, path)?;
        let (dir, name) = resolve_parent(&state.image, path)?;
        let id = match lookup(&state.image, dir, &name) {
            Ok(id) => {
                let file = state
                    .file_mut(id)
                    .ok_or_else(|| io::Error::from(io::ErrorKind::IsADirectory))?;
                file.data.clear();
                file.dirty = true;
                id
            }
            Err(_) => state.create_empty_file(dir, &name),
        };
        state.crash_point();
        let bytes: Vec<u8> = parts.concat();
        if let Err(e) = state.begin(OpKind::Write, path) {
            // A failed write leaves what the kernel managed to write.
            let half = bytes.len() / 2;
            state.image.clock += 1;
            let now = state.image.clock;
            if let Some(file) = state.file_mut(id) {
                file.data = bytes[..half].to_vec();
                file.dirty = true;
                file.mtime = now;
            }
            state.crash_point();
            return Err(e);
        }
        state.image.clock += 1;
        let now = state.image.clock;
        if let Some(file) = state.file_mut(id) {
            file.data = bytes;
            file.dirty = true;
            file.mtime = now;
        }
        state.crash_point();
        if sync {
            state.begin(OpKind::Fsync, path)?;
            if let Some(file) = state.file_mut(id) {
                file.durable = file.data.clone();
                file.dirty = false;
            }
            state.crash_point();
        }
        Ok(())
    }

    fn rename(&self, from: &Path, to: &Path) -> io::Result<()> {
        let mut state = self.lock();
        state.begin(OpKind::Rename, from)?;
        let (from_dir, from_name) = resolve_parent(&state.image, from)?;
        let (to_dir, to_name) = resolve_parent(&state.image, to)?;
        let id = lookup(&state.image, from_dir, &from_name)?;
        if let Ok(existing) = lookup(&state.image, to_dir, &to_name) {
            if matches!(state.image.nodes[existing], Node::Dir(_)) {
                return Err(io::ErrorKind::IsADirectory.into());
            }
        }
        if from_dir == to_dir {
            let dir = state.dir_mut(from_dir);
            dir.entries.remove(&from_name);
            dir.entries.insert(to_name.clone(), id);
            dir.pending.push(DirOp::Rename {
                from: from_name,
                to: to_name,
            });
        } else {
            state.unlink(from_dir, &from_name);
            state.link(to_dir, &to_name, id);
        }
        state.crash_point();
        Ok(())
    }

    fn remove(&self, path: &Path) -> io::Result<()> {
        let mut state = self.lock();
        state.begin(OpKind::Remove, path)?;
        let (dir, name) = resolve_parent(&state.image, path)?;
        let id = lookup(&state.image, dir, &name)?;
        if matches!(state.image.nodes[id], Node::Dir(_)) {
            return Err(io::ErrorKind::IsADirectory.into());
        }
        state.unlink(dir, &name);
        state.crash_point();
        Ok(())
    }

    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut state = self.lock();
        state.begin(OpKind::List, dir)?;
        let id = resolve(&state.image, dir)?;
        match &state.image.nodes[id] {
            Node::Dir(d) => Ok(d.entries.keys().cloned().collect()),
            Node::File(_) => Err(io::ErrorKind::NotADirectory.into()),
        }
    }

    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        let mut state = self.lock();
        state.begin(OpKind::SyncDir, dir)?;
        let id = resolve(&state.image, dir)?;
        match &mut state.image.nodes[id] {
            Node::Dir(d) => {
                d.durable = d.entries.clone();
                d.pending.clear();
            }
            Node::File(_) => return Err(io::ErrorKind::NotADirectory.into()),
        }
        state.crash_point();
        Ok(())
    }

    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        let mut state = self.lock();
        let mut id = 0;
        for name in components(dir)? {
            id = match lookup(&state.image, id, &name) {
                Ok(child) if matches!(state.image.nodes[child], Node::Dir(_)) => child,
                Ok(_) => return Err(io::ErrorKind::NotADirectory.into()),
                Err(_) => {
                    state.begin(OpKind::Mkdir, dir)?;
                    let child = state.add_node(Node::Dir(DirNode {
                        entries: BTreeMap::new(),
                        durable: BTreeMap::new(),
                        pending: Vec::new(),
                    }));
                    state.link(id, &name, child);
                    state.crash_point();
                    child
                }
            };
        }
        Ok(())
    }

    fn try_lock(&self, path: &Path) -> io::Result<Option<LockGuard>> {
        {
            let mut state = self.lock();
            state.begin(OpKind::Lock, path)?;
            let (dir, name) = resolve_parent(&state.image, path)?;
            if lookup(&state.image, dir, &name).is_err() {
                state.create_empty_file(dir, &name);
                state.crash_point();
            }
        }
        let mut held = self.locks.lock().unwrap_or_else(|p| p.into_inner());
        if !held.insert(path.to_path_buf()) {
            return Ok(None);
        }
        Ok(Some(Box::new(SimLock {
            path: path.to_path_buf(),
            locks: Arc::clone(&self.locks),
        })))
    }
}

/// A held simulated lock; released on drop.
#[derive(Debug)]
struct SimLock {
    path: PathBuf,
    locks: Arc<Mutex<HashSet<PathBuf>>>,
}

impl Drop for SimLock {
    fn drop(&mut self) {
        self.locks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_durable_only_with_their_directory() {
        let disk = SimStorage::new();
        disk.create_dir_all(Path::new("/r")).unwrap();
        disk.write_file(Path::new("/r/a"), &[b"hello"], true)
            .unwrap();
        let image = disk.image();
        let Node::Dir(root) = &image.nodes[0] else {
            panic!("root is a directory")
        };
        assert!(
            root.durable.is_empty(),
            "mkdir is pending until / is synced"
        );
        disk.sync_dir(Path::new("/")).unwrap();
        disk.sync_dir(Path::new("/r")).unwrap();
        let image = disk.image();
        assert_eq!(image.unsynced(), 0);
        assert_eq!(disk.read(Path::new("/r/a")).unwrap(), b"hello");
    }

    #[test]
    fn faults_fire_once_on_the_chosen_operation() {
        let disk = SimStorage::new();
        disk.create_dir_all(Path::new("/r")).unwrap();
        disk.arm_fault(1, FaultKind::NoSpace);
        // Write is fallible op 0, fsync op 1.
        let err = disk
            .write_file(Path::new("/r/a"), &[b"hello"], true)
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::StorageFull);
        assert!(!disk.disarm_fault());
        disk.write_file(Path::new("/r/a"), &[b"hello"], true)
            .unwrap();
        let failed: Vec<_> = disk
            .log()
            .into_iter()
            .filter(|r| r.failed.is_some())
            .collect();
        assert_eq!(failed.len(), 1);
        assert_eq!(failed[0].kind, OpKind::Fsync);
    }

    #[test]
    fn locks_exclude_until_dropped() {
        let disk = SimStorage::new();
        let path = Path::new("/.lock");
        let guard = disk.try_lock(path).unwrap().expect("first lock");
        assert!(disk.try_lock(path).unwrap().is_none());
        drop(guard);
        assert!(disk.try_lock(path).unwrap().is_some());
    }
}
