//! Two real processes on one save root: the advisory lock keeps a second
//! writer out with a clear error, a read-only view still works, and the lock
//! goes away with its process, even one killed with SIGKILL.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

use backup_core::{Error, SlotStore, StoreOptions};

fn worker() -> Command {
    Command::new(env!("CARGO_BIN_EXE_store_worker"))
}

/// Starts a process that saves `value` into slot 0 and holds the store open.
fn hold(root: &Path, value: u64) -> Child {
    let mut child = worker()
        .args(["hold", root.to_str().unwrap(), &value.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "LOCKED");
    child
}

fn run(args: &[&str]) -> Output {
    worker().args(args).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).trim().to_owned()
}

#[test]
fn a_second_writer_process_is_refused_and_a_reader_is_not() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("saves");
    let root_arg = root.to_str().unwrap();
    let mut holder = hold(&root, 41);

    // Another process asking to write gets the clear error.
    let second = run(&["try-open", root_arg]);
    assert_eq!(second.status.code(), Some(3), "{second:?}");
    let text = stdout(&second);
    assert!(text.starts_with("ROOT_IN_USE"), "{text}");
    assert!(text.contains("in use by another process"), "{text}");

    // So does this process.
    match SlotStore::open(&root, StoreOptions::default()) {
        Err(Error::RootInUse(path)) => assert_eq!(path, root),
        other => panic!("expected RootInUse, got {other:?}"),
    }

    // A read-only process sees the holder's save and cannot write.
    let reader = run(&["read", root_arg, "0"]);
    assert!(reader.status.success(), "{reader:?}");
    assert_eq!(stdout(&reader), "VALUE 41 WRITE_REFUSED true");

    // When the holder exits, the root is free again.
    drop(holder.stdin.take());
    assert!(holder.wait().unwrap().success());
    let after = run(&["try-open", root_arg]);
    assert_eq!(stdout(&after), "OPENED", "{after:?}");
}

#[test]
fn the_lock_dies_with_a_killed_process() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("saves");
    let mut holder = hold(&root, 7);
    let refused = run(&["try-open", root.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
    holder.kill().unwrap(); // SIGKILL: no destructor runs
    holder.wait().unwrap();
    // No stale lock: the kernel released it with the process.
    let store = SlotStore::open(&root, StoreOptions::default()).unwrap();
    let loaded = store.load(0).unwrap();
    assert_eq!(backup_sim::payload::decode(0, &loaded.payload), Ok(7));
    // The writer in this process now keeps others out.
    let refused = run(&["try-open", root.to_str().unwrap()]);
    assert_eq!(refused.status.code(), Some(3), "{refused:?}");
    let _ = std::io::stdout().flush();
}

#[test]
fn a_process_writing_through_a_queue_keeps_others_out_and_writes_everything_before_exit() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("saves");
    let root_arg = root.to_str().unwrap();
    let count = 40u64;
    let mut holder = worker()
        .args(["queue-hold", root_arg, &count.to_string()])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(holder.stdout.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert_eq!(line.trim(), "QUEUED");

    // The queue's worker writes as the store's one writer: a second writer
    // process is refused while saves may still be in the air.
    let second = run(&["try-open", root_arg]);
    assert_eq!(second.status.code(), Some(3), "{second:?}");
    assert!(stdout(&second).starts_with("ROOT_IN_USE"));

    // Closing stdin makes it queue a second batch and exit at once; the
    // queue is dropped on the way out and writes every pending save first.
    drop(holder.stdin.take());
    assert!(holder.wait().unwrap().success());
    for slot in 0..4u64 {
        let newest = (0..2 * count).filter(|v| v % 4 == slot).max().unwrap();
        let reader = run(&["read", root_arg, &slot.to_string()]);
        assert!(reader.status.success(), "{reader:?}");
        assert_eq!(
            stdout(&reader),
            format!("VALUE {newest} WRITE_REFUSED true")
        );
    }
    let after = run(&["try-open", root_arg]);
    assert_eq!(stdout(&after), "OPENED", "{after:?}");
}
