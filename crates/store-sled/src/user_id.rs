//! The installation user id: one small file, written atomically, read at every start.

use std::io;
use std::path::Path;

use client_session_core::UserId;
use client_session_store::StoreError;
use uuid::Uuid;

use crate::files::{move_aside, read_at_most, write_atomically};
use crate::layout::{self, Found};

/// More than a UUID and a newline, with room for whitespace: a longer file is not ours.
pub(crate) const MAX_BYTES: usize = 4096;

/// The file name of the user id in the data directory.
pub const USER_ID_FILE: &str = "user-id";

/// Reads the user id of the installation in `dir`, making and durably writing one on first use.
///
/// A file that holds no UUID (damaged, edited), or something that is not a file at all (a
/// directory, a device, a dangling symlink), is moved aside, logged, and replaced by a new id:
/// tracking goes on, and the old contents stay on disk for inspection.
pub(crate) fn load_or_create(dir: &Path) -> Result<UserId, StoreError> {
    let path = dir.join(USER_ID_FILE);
    let io_error = |source| StoreError::Io {
        path: path.clone(),
        source,
    };
    let why = match layout::found(&path).map_err(io_error)? {
        Found::Missing => None,
        // A UUID and a newline; anything much longer is not ours, and is read no further.
        Found::File => match read_at_most(&path, MAX_BYTES) {
            Ok(bytes) => match parse(&bytes) {
                Some(id) => return Ok(id),
                None => Some("holds no UUID"),
            },
            Err(e) if e.kind() == io::ErrorKind::NotFound => None,
            Err(source) => return Err(io_error(source)),
        },
        Found::Dir => Some("is a directory, not a file"),
        Found::Other(_) => Some("is not a file"),
    };
    if let Some(why) = why {
        let aside = move_aside(&path).map_err(io_error)?;
        tracing::error!(path = %path.display(), aside = %aside.display(), "the user id file {why}; moving it aside and starting a new user");
    }
    let id = UserId::from_uuid(Uuid::new_v4());
    write_atomically(&path, format!("{id}\n").as_bytes()).map_err(io_error)?;
    Ok(id)
}

/// The file's id, written back lower case and hyphenated whatever case the file used.
pub(crate) fn parse(bytes: &[u8]) -> Option<UserId> {
    let text = std::str::from_utf8(bytes).ok()?.trim();
    // Only the hyphenated form this store writes; anything else is not ours. The nil UUID is
    // what anonymised events carry, so it can never be a real user.
    if text.len() != 36 {
        return None;
    }
    Uuid::parse_str(text)
        .ok()
        .filter(|id| !id.is_nil())
        .map(UserId::from_uuid)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    #[test]
    fn made_once_then_kept() {
        let dir = tempfile::tempdir().unwrap();
        let id = load_or_create(dir.path()).unwrap();
        assert_eq!(load_or_create(dir.path()).unwrap(), id);
        let text = fs::read_to_string(dir.path().join(USER_ID_FILE)).unwrap();
        assert_eq!(text, format!("{id}\n"));
        assert!(!dir.path().join("user-id.tmp").exists());
    }

    #[test]
    fn damaged_file_is_moved_aside_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(USER_ID_FILE), b"\x00garbage").unwrap();
        let id = load_or_create(dir.path()).unwrap();
        assert_eq!(load_or_create(dir.path()).unwrap(), id);
        let aside: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| {
                e.file_name()
                    .to_string_lossy()
                    .starts_with("user-id.damaged-")
            })
            .collect();
        assert_eq!(aside.len(), 1);
        assert_eq!(fs::read(aside[0].path()).unwrap(), b"\x00garbage");
    }

    #[test]
    fn unreadable_directory_is_an_io_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        fs::write(&file, b"").unwrap();
        assert!(matches!(load_or_create(&file), Err(StoreError::Io { .. })));
    }
}
