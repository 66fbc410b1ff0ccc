//! Forgetting the installation's user on disk (spec B mobile, `clear_user_data`).
//!
//! Everything that names the user or its sessions is deleted, not moved aside: the user id
//! file, the sled database (its log keeps removed values, so no key-by-key removal would do),
//! the checkpoints, and every copy an earlier start kept aside after damage
//! (`<name>.damaged-<ms>-<n>`, and the records sled kept under other keys, which live in the
//! database). Then a new user id is made.
//!
//! A process can end at any moment, so the forgetting is made durable before anything is
//! deleted: [`begin`] writes the `forgetting` marker atomically. A process that ends before
//! the marker is on disk leaves the old user whole; one that ends after it leaves the marker,
//! and the next open runs [`finish`] again before it reads anything, so neither the old user id
//! nor a half-forgotten state (the new user with old sessions) is ever read back. The marker
//! goes last, once the new user id is on disk.
//!
//! Deleting unlinks the files: the file system may keep the freed blocks until it reuses them,
//! and nothing here overwrites them (on flash and journaling file systems it would not reach
//! every copy anyway).

use std::fs::{self, File};
use std::io;
use std::path::Path;

use client_session_core::UserId;
use client_session_store::StoreError;

use crate::checkpoint::CHECKPOINT_DIR;
use crate::database::DB_DIR;
use crate::files::write_atomically;
use crate::layout::{self, Found};
use crate::user_id::{self, USER_ID_FILE};

/// The marker of a forgetting that has begun and is not finished, in the data directory.
pub const FORGETTING_FILE: &str = "forgetting";

/// Durably records that the user of the data directory `dir` is being forgotten. Nothing is
/// deleted before this returns, so an error leaves the user whole.
///
/// # Errors
/// [`StoreError::Io`] when the marker cannot be written.
pub(crate) fn begin(dir: &Path) -> Result<(), StoreError> {
    let path = dir.join(FORGETTING_FILE);
    write_atomically(&path, b"clear_user_data\n").map_err(|source| StoreError::Io { path, source })
}

/// Whether a forgetting was begun in `dir` and not finished. Anything at the marker's name
/// counts, whatever its type: when in doubt, the user is forgotten.
///
/// # Errors
/// [`StoreError::Io`] when the marker's path cannot be examined.
pub(crate) fn pending(dir: &Path) -> Result<bool, StoreError> {
    let path = dir.join(FORGETTING_FILE);
    match layout::found(&path) {
        Ok(found) => Ok(found != Found::Missing),
        Err(source) => Err(StoreError::Io { path, source }),
    }
}

/// Deletes everything of the user in `dir`, makes the new user id and removes the marker, in
/// that order; returns the new user. The sled database must be closed (its directory goes).
/// Safe to run again from any point it stopped at.
///
/// # Errors
/// [`StoreError::Io`] when something cannot be deleted or written. The marker then stays, so
/// the next open tries again.
pub(crate) fn finish(dir: &Path) -> Result<UserId, StoreError> {
    let io_error = |source| StoreError::Io {
        path: dir.to_owned(),
        source,
    };
    // The user id first: the one thing that names the user outright.
    remove_user_files(dir, |name| is_copy_of(name, USER_ID_FILE)).map_err(io_error)?;
    sync_dir(dir).map_err(io_error)?;
    remove_user_files(dir, |name| {
        [DB_DIR, CHECKPOINT_DIR]
            .into_iter()
            .any(|base| is_copy_of(name, base))
            || name == temp_of(FORGETTING_FILE)
    })
    .map_err(io_error)?;
    sync_dir(dir).map_err(io_error)?;
    let user_id = user_id::load_or_create(dir)?;
    let marker = dir.join(FORGETTING_FILE);
    remove(&marker).map_err(|source| StoreError::Io {
        path: marker.clone(),
        source,
    })?;
    sync_dir(dir).map_err(io_error)?;
    Ok(user_id)
}

/// Whether `name` is `base` itself, its temporary file or a copy of it kept aside.
fn is_copy_of(name: &str, base: &str) -> bool {
    name == base
        || name == temp_of(base)
        || name
            .strip_prefix(base)
            .is_some_and(|rest| rest.starts_with(".damaged-"))
}

/// The temporary name [`write_atomically`] writes `base` under.
fn temp_of(base: &str) -> String {
    format!("{base}.tmp")
}

/// Deletes every entry of `dir` whose name `ours` accepts. Goes on past a failure, so as much
/// as possible is gone, and reports the first.
fn remove_user_files(dir: &Path, ours: impl Fn(&str) -> bool) -> io::Result<()> {
    let mut first_error = None;
    for entry in fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name();
        // A name that is not UTF-8 is none of ours: the store only writes ASCII names.
        if !name.to_str().is_some_and(&ours) {
            continue;
        }
        if let Err(e) = remove(&entry.path()) {
            tracing::error!(path = %entry.path().display(), error = %e, "cannot delete this file of the forgotten user");
            first_error.get_or_insert(e);
        }
    }
    first_error.map_or(Ok(()), Err)
}

/// Deletes `path`: a directory with all it holds, anything else (a symlink too, never
/// followed) as itself. Already gone is fine.
fn remove(path: &Path) -> io::Result<()> {
    let result = match fs::symlink_metadata(path) {
        Ok(meta) if meta.is_dir() => fs::remove_dir_all(path),
        Ok(_) => fs::remove_file(path),
        Err(e) => Err(e),
    };
    match result {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

/// Makes the directory's entries (renames, deletions) durable.
fn sync_dir(dir: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        File::open(dir)?.sync_all()
    }
    // Windows cannot open a directory as a file; its deletions are durable at return.
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_stores_own_names_are_its_copies() {
        for name in ["user-id", "user-id.tmp", "user-id.damaged-1700000000000-0"] {
            assert!(is_copy_of(name, USER_ID_FILE), "{name}");
        }
        for name in ["user-ids", "user-id.txt", "user-id.damaged", "xuser-id", ""] {
            assert!(!is_copy_of(name, USER_ID_FILE), "{name}");
        }
        assert!(is_copy_of("sessions.damaged-1-2", DB_DIR));
        assert!(!is_copy_of("sessions-old", DB_DIR));
    }

    #[test]
    fn finishing_deletes_the_user_and_what_was_kept_aside_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        let old = user_id::load_or_create(d).unwrap();
        fs::write(d.join("user-id.damaged-1-0"), old.to_string()).unwrap();
        fs::create_dir_all(d.join("sessions").join("blobs")).unwrap();
        fs::write(d.join("sessions").join("db"), old.to_string()).unwrap();
        fs::create_dir_all(d.join("sessions.damaged-2-0")).unwrap();
        fs::create_dir_all(d.join("checkpoints").join("nh-0-0")).unwrap();
        fs::write(d.join("checkpoints").join("ns-00"), b"x").unwrap();
        fs::write(d.join("checkpoints.damaged-3-1"), b"x").unwrap();
        fs::write(d.join("forgetting.tmp"), b"").unwrap();
        fs::write(d.join("app-file"), b"not ours").unwrap();
        begin(d).unwrap();
        assert!(pending(d).unwrap());
        let new = finish(d).unwrap();
        assert_ne!(new, old);
        assert!(!pending(d).unwrap());
        let mut left: Vec<_> = fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["app-file", "user-id"]);
        assert_eq!(
            fs::read_to_string(d.join("user-id")).unwrap(),
            format!("{new}\n")
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_deleted_not_followed() {
        let outside = tempfile::tempdir().unwrap();
        fs::write(outside.path().join("keep"), b"keep").unwrap();
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink(outside.path(), dir.path().join("sessions")).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("keep"),
            dir.path().join("user-id.damaged-1-0"),
        )
        .unwrap();
        begin(dir.path()).unwrap();
        finish(dir.path()).unwrap();
        assert!(fs::symlink_metadata(dir.path().join("sessions")).is_err());
        assert_eq!(fs::read(outside.path().join("keep")).unwrap(), b"keep");
    }
}
