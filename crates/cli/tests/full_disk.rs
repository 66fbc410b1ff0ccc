#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic in a test is its failure report
//! `client-session run` on a disk that fills up while it tracks (issue 6, defect 2), on a
//! small ext4 file system mounted for the test. Tracking goes on while writes fail; what must
//! hold:
//!
//! - once space returns while the process runs, the next batch brings sled and the checkpoint
//!   up to date, so even a SIGKILL right after loses nothing and the next open finds a healthy
//!   database;
//! - a process that ends while the disk is full hands out no `sessionIndex` twice afterwards:
//!   the session started on the full disk is in the checkpoint.
//!
//! Mounting needs root and loop devices (CI runs as root); the test says so when it cannot.
#![cfg(target_os = "linux")]

use std::fs;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod support;
use support::Live;

const NEW_SESSION: &str = "{\"op\":\"new_session\"}\n";
/// Enough single-event batches on a full disk for sled to need a new log segment and fail.
const BATCHES_ON_FULL_DISK: usize = 2500;

/// An 8 MiB ext4 file system on a loop device, unmounted when dropped.
struct SmallDisk {
    _image_dir: tempfile::TempDir,
    mount_point: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> Self {
        let image_dir = tempfile::tempdir().unwrap();
        let image = image_dir.path().join("disk.ext4");
        fs::File::create(&image).unwrap().set_len(8 << 20).unwrap();
        let mount_point = tempfile::tempdir().unwrap();
        let ok = |cmd: &mut Command| cmd.output().is_ok_and(|o| o.status.success());
        assert!(
            ok(Command::new("mkfs.ext4").args(["-q", "-F"]).arg(&image)),
            "mkfs.ext4 (Debian package e2fsprogs) is needed to make a small disk"
        );
        assert!(
            ok(Command::new("mount")
                .args(["-o", "loop"])
                .arg(&image)
                .arg(mount_point.path())),
            "mounting a loop device needs root: run the tests as root, as CI does"
        );
        Self {
            _image_dir: image_dir,
            mount_point,
        }
    }

    fn data_dir(&self) -> PathBuf {
        self.mount_point.path().join("data")
    }

    /// Writes a file until the disk refuses more; returns it.
    fn fill(&self) -> PathBuf {
        let filler = self.mount_point.path().join("filler");
        let mut file = fs::File::create(&filler).unwrap();
        let chunk = vec![0u8; 1024];
        loop {
            match file.write_all(&chunk).and_then(|()| file.sync_data()) {
                Ok(()) => {}
                Err(e) if e.raw_os_error() == Some(28) || e.kind() == ErrorKind::StorageFull => {
                    return filler
                }
                Err(e) => panic!("filling the disk: {e}"),
            }
        }
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(self.mount_point.path()).status();
    }
}

fn one_run(dir: &Path, extra: &[&str]) -> (Value, String) {
    let mut live = Live::run(dir, extra);
    let entity = live.track();
    let (status, stderr) = live.finish();
    assert!(status.success(), "{stderr}");
    (entity, stderr)
}

/// Runs 1 and 2 on a disk that fills during run 2, where a new session starts. Returns the
/// live run 2 and the entity of the session handed out on the full disk, with the filler.
fn session_started_on_a_full_disk(disk: &SmallDisk) -> (Live, Value, PathBuf) {
    let dir = disk.data_dir();
    let (first, _) = one_run(&dir, &[]);
    assert_eq!(first["sessionIndex"], 1);
    let mut live = Live::run(&dir, &[]);
    assert_eq!(live.track()["sessionIndex"], 2);
    let filler = disk.fill();
    for _ in 0..BATCHES_ON_FULL_DISK {
        live.track();
    }
    live.send(NEW_SESSION);
    let third = live.track();
    assert_eq!(
        third["sessionIndex"], 3,
        "tracking goes on while writes fail"
    );
    for _ in 0..10 {
        live.track();
    }
    (live, third, filler)
}

#[test]
fn space_returning_brings_the_store_up_to_date_at_the_next_batch() {
    let disk = SmallDisk::mount();
    let (mut live, third, filler) = session_started_on_a_full_disk(&disk);
    fs::remove_file(filler).unwrap();
    live.track();
    live.track();
    let during = live.killed();
    assert!(
        during.contains("No space left on device"),
        "the disk did fill: {during}"
    );
    let (next, after) = one_run(&disk.data_dir(), &[]);
    assert_eq!(next["sessionIndex"], 4, "{after}");
    assert_eq!(next["previousSessionId"], third["sessionId"], "{after}");
    for sign in ["damaged", "lost", "ERROR"] {
        assert!(
            !after.contains(sign),
            "the open after space returned found the store behind or damaged: {after}"
        );
    }
}

#[test]
fn a_process_ending_on_a_full_disk_hands_out_no_index_twice() {
    let disk = SmallDisk::mount();
    let (live, third, filler) = session_started_on_a_full_disk(&disk);
    live.killed();
    fs::remove_file(filler).unwrap();
    let (next, after) = one_run(&disk.data_dir(), &[]);
    assert_eq!(next["sessionIndex"], 4, "{after}");
    assert_eq!(next["previousSessionId"], third["sessionId"], "{after}");
}

#[test]
fn a_clean_shutdown_on_a_full_disk_is_reported_and_continues_exactly() {
    let disk = SmallDisk::mount();
    let (mut live, _, filler) = session_started_on_a_full_disk(&disk);
    let last = live.track();
    let (status, stderr) = live.finish();
    assert_eq!(
        status.code(),
        Some(1),
        "the failed write is reported: {stderr}"
    );
    fs::remove_file(filler).unwrap();
    let (next, after) = one_run(&disk.data_dir(), &["--continue-session-on-restart"]);
    assert_eq!(next["sessionId"], last["sessionId"], "{after}");
    assert_eq!(
        next["eventIndex"].as_u64(),
        last["eventIndex"].as_u64().map(|i| i + 1),
        "{after}"
    );
}
