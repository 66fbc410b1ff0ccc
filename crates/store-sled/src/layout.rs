//! What each path in the data directory must be, and what happens when it is something else.
//!
//! A file where a directory belongs (or the reverse, or a symlink to a device) is damage like
//! any other: left in place, it would fail every later start the same way. So it is moved aside
//! with [`move_aside`], logged at error level, and a fresh one is made.

use std::fs;
use std::io;
use std::path::Path;

use client_session_store::StoreError;

use crate::files::move_aside;

/// What a path is, following symlinks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Found {
    /// Nothing there.
    Missing,
    /// A regular file (or a symlink to one).
    File,
    /// A directory (or a symlink to one).
    Dir,
    /// Anything else: a device, a socket, a FIFO, a dangling or looping symlink.
    Other(&'static str),
}

impl Found {
    /// For log lines: "a file", "a directory", ...
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::Missing => "missing",
            Self::File => "a file",
            Self::Dir => "a directory",
            Self::Other(what) => what,
        }
    }
}

/// What is at `path`. Errors are only those that say nothing about the type (permissions).
pub(crate) fn found(path: &Path) -> io::Result<Found> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() => Ok(Found::File),
        Ok(meta) if meta.is_dir() => Ok(Found::Dir),
        Ok(_) => Ok(Found::Other("a device, socket or pipe")),
        Err(e) => match fs::symlink_metadata(path) {
            // The entry exists but cannot be followed: a dangling or looping symlink.
            Ok(meta) if meta.file_type().is_symlink() => {
                Ok(Found::Other("a symbolic link that cannot be followed"))
            }
            Err(missing) if missing.kind() == io::ErrorKind::NotFound => Ok(Found::Missing),
            _ => Err(e),
        },
    }
}

/// Makes sure `path` is a directory or absent (the caller creates it): anything else is moved
/// aside and logged.
///
/// # Errors
/// [`StoreError::Io`] when the path cannot be examined or moved.
pub(crate) fn keep_dir(path: &Path, what: &str) -> Result<(), StoreError> {
    keep(path, Found::Dir, what)
}

/// Makes sure `path` is a regular file or absent: anything else is moved aside and logged.
///
/// # Errors
/// [`StoreError::Io`] when the path cannot be examined or moved.
pub(crate) fn keep_file(path: &Path, what: &str) -> Result<(), StoreError> {
    keep(path, Found::File, what)
}

fn keep(path: &Path, wanted: Found, what: &str) -> Result<(), StoreError> {
    let io_error = |source| StoreError::Io {
        path: path.to_owned(),
        source,
    };
    let is = found(path).map_err(io_error)?;
    if is == Found::Missing || is == wanted {
        return Ok(());
    }
    let aside = move_aside(path).map_err(io_error)?;
    tracing::error!(
        path = %path.display(),
        aside = %aside.display(),
        found = is.describe(),
        "the {what} is not {}; moving it aside and starting a fresh one",
        wanted.describe()
    );
    Ok(())
}

/// Why the sled database directory at `db_dir` cannot be opened as it is: the directory itself
/// or one of sled's own entries has the wrong type. `None` when every type is right (the
/// contents may still be damaged: sled finds that).
///
/// # Errors
/// When a path cannot be examined.
pub(crate) fn database_wrong_type(db_dir: &Path) -> io::Result<Option<String>> {
    match found(db_dir)? {
        Found::Missing => return Ok(None),
        Found::Dir => {}
        wrong => {
            return Ok(Some(format!(
                "{} is {}",
                db_dir.display(),
                wrong.describe()
            )))
        }
    }
    for entry in fs::read_dir(db_dir)? {
        let entry = entry?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        // sled 0.34's layout: `conf` and `db` files, a `blobs` directory, `snap.*` files.
        let wanted = match &*name {
            "db" | "conf" => Found::File,
            "blobs" => Found::Dir,
            snap if snap.starts_with("snap.") => Found::File,
            _ => continue,
        };
        let path = entry.path();
        let is = found(&path)?;
        if is != wanted {
            return Ok(Some(format!(
                "{} is {}, not {}",
                path.display(),
                is.describe(),
                wanted.describe()
            )));
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_told_apart_and_symlinks_followed() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        fs::write(d.join("file"), b"").unwrap();
        fs::create_dir(d.join("dir")).unwrap();
        assert_eq!(found(&d.join("file")).unwrap(), Found::File);
        assert_eq!(found(&d.join("dir")).unwrap(), Found::Dir);
        assert_eq!(found(&d.join("none")).unwrap(), Found::Missing);
        #[cfg(unix)]
        {
            use std::os::unix::fs::symlink;
            symlink(d.join("file"), d.join("to-file")).unwrap();
            symlink(d.join("none"), d.join("dangling")).unwrap();
            symlink("/dev/null", d.join("to-null")).unwrap();
            assert_eq!(found(&d.join("to-file")).unwrap(), Found::File);
            assert!(matches!(
                found(&d.join("dangling")).unwrap(),
                Found::Other(_)
            ));
            assert!(matches!(
                found(&d.join("to-null")).unwrap(),
                Found::Other(_)
            ));
        }
    }

    #[test]
    fn a_database_with_a_directory_for_its_log_has_the_wrong_type() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("sessions");
        assert_eq!(database_wrong_type(&db).unwrap(), None);
        fs::create_dir_all(db.join("db")).unwrap();
        fs::write(db.join("conf"), b"").unwrap();
        let reason = database_wrong_type(&db).unwrap().unwrap();
        assert!(reason.contains("db is a directory"), "{reason}");
        fs::remove_dir(db.join("db")).unwrap();
        fs::write(db.join("db"), b"").unwrap();
        assert_eq!(database_wrong_type(&db).unwrap(), None);
    }
}
