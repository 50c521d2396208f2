//! A real full disk: a 512 KiB tmpfs mounted for the test, filled until the
//! kernel says ENOSPC, then saves, backups and snapshots are attempted.
//!
//! Mounting needs privileges (root or CAP_SYS_ADMIN, Linux). Where mounting is
//! refused the test prints `SKIPPED: <reason>` on the real stderr (not the
//! captured one, so it shows in every `cargo test` run) and passes: the same
//! promises are proven on the simulated disk by `fault_injection.rs`.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use backup_core::{Durability, SlotMetadata, SlotStore, SnapshotRequest, StoreOptions};

/// Unmounts on drop, even when an assertion failed.
struct Mount(PathBuf);

impl Drop for Mount {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Prints on the process's stderr directly: libtest captures only the
/// `print!`/`eprint!` macros, and a skip must be visible.
fn report(line: &str) {
    let _ = writeln!(io::stderr().lock(), "{line}");
}

fn mount_tmpfs(dir: &Path, size: &str) -> Result<Mount, String> {
    if !cfg!(target_os = "linux") {
        return Err("tmpfs mounts are only attempted on Linux".into());
    }
    let output = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .output()
        .map_err(|e| format!("could not run mount: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "mount -t tmpfs refused ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    Ok(Mount(dir.to_path_buf()))
}

/// Fills the file system holding `path` until the kernel reports ENOSPC.
fn fill(path: &Path) -> io::Error {
    let mut file = File::create(path).expect("create filler");
    let chunk = [0xA5u8; 1024];
    loop {
        if let Err(e) = file.write_all(&chunk).and_then(|_| file.sync_all()) {
            return e;
        }
    }
}

fn payload(tag: u8, len: usize) -> Vec<u8> {
    vec![tag; len]
}

#[test]
fn a_full_disk_fails_saves_cleanly_and_keeps_the_previous_save() {
    let dir = tempfile::tempdir().unwrap();
    let mount = match mount_tmpfs(dir.path(), "512k") {
        Ok(m) => m,
        Err(reason) => {
            report(&format!(
                "SKIPPED: full_disk::a_full_disk_fails_saves_cleanly_and_keeps_the_previous_save: {reason}"
            ));
            return;
        }
    };
    let root = mount.0.join("saves");
    let options = StoreOptions {
        durability: Durability::Full,
        ..StoreOptions::default()
    };
    let store = SlotStore::open(&root, options.clone()).unwrap();
    let meta = SlotMetadata::default();
    store.save(0, &payload(1, 8 * 1024), &meta).unwrap();
    store.save(0, &payload(2, 8 * 1024), &meta).unwrap();

    let filler = mount.0.join("filler");
    let err = fill(&filler);
    assert_eq!(
        err.kind(),
        io::ErrorKind::StorageFull,
        "filler stopped with {err}"
    );

    let err = store.save(0, &payload(3, 8 * 1024), &meta).unwrap_err();
    assert!(err.is_disk_full(), "save on a full disk: {err}");
    let err = store.save(1, &payload(9, 8 * 1024), &meta).unwrap_err();
    assert!(
        err.is_disk_full(),
        "first save of a slot on a full disk: {err}"
    );
    let err = store.create_backup(0).unwrap_err();
    assert!(err.is_disk_full(), "backup on a full disk: {err}");
    let err = store
        .create_snapshot(0, &SnapshotRequest::manual("full", ""))
        .unwrap_err();
    assert!(err.is_disk_full(), "snapshot on a full disk: {err}");

    assert_eq!(store.load(0).unwrap().payload, payload(2, 8 * 1024));
    let info = store.slot_info(0).unwrap();
    assert!(
        !info.has_interrupted_write,
        "a failed write left its temp file"
    );
    assert!(store.load(1).is_err(), "slot 1 was never saved");
    drop(store);

    // Start-up recovery on the still-full disk, then room again.
    let store = SlotStore::open(&root, options).unwrap();
    assert_eq!(store.load(0).unwrap().payload, payload(2, 8 * 1024));
    fs::remove_file(&filler).unwrap();
    store.save(0, &payload(3, 8 * 1024), &meta).unwrap();
    assert_eq!(store.load(0).unwrap().payload, payload(3, 8 * 1024));
    report(
        "full_disk: tmpfs of 512 KiB filled to ENOSPC; save, backup and snapshot failed cleanly",
    );
}
