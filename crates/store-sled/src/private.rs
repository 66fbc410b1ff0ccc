//! Owner-only storage: the data directory holds a persistent identifier, so on Unix it is
//! `0700` and everything in it `0600` (directories `0700`), whatever the umask. On other
//! platforms nothing is changed: on Windows the per-user data folder's ACL (`%APPDATA%` is the
//! user's own) is what protects it, and this store sets no ACL of its own.

use std::io;
use std::path::Path;

/// Mode of every directory in the data directory (and of the data directory itself).
#[cfg(unix)]
pub(crate) const DIR_MODE: u32 = 0o700;
/// Mode of every file in it.
#[cfg(unix)]
pub(crate) const FILE_MODE: u32 = 0o600;

/// Creates `dir` (and missing parents, with the usual permissions) and makes `dir` itself
/// owner-only.
pub(crate) fn create_dir(dir: &Path) -> io::Result<()> {
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, DIR_MODE);
    match builder.create(dir) {
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(()),
        other => other,
    }
}

/// Options for a new file of ours: created owner-only, so it is never readable by others, not
/// even until the next [`tighten`].
pub(crate) fn new_file() -> std::fs::OpenOptions {
    let mut options = std::fs::OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options
}

/// Makes `dir` and everything under it owner-only (sled creates its files with the umask's
/// mode; a directory from an older version or copied in may be looser). Symlinks are neither
/// followed nor changed. Returns how many entries were loosened before.
///
/// # Errors
/// The first entry that cannot be read or changed.
pub(crate) fn tighten(dir: &Path) -> io::Result<usize> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let meta = std::fs::symlink_metadata(dir)?;
        let wanted = if meta.is_dir() {
            DIR_MODE
        } else if meta.is_file() {
            FILE_MODE
        } else {
            return Ok(0);
        };
        let mut changed = 0;
        if meta.permissions().mode() & 0o777 != wanted {
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(wanted))?;
            changed += 1;
        }
        if meta.is_dir() {
            for entry in std::fs::read_dir(dir)? {
                changed += tighten(&entry?.path())?;
            }
        }
        Ok(changed)
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        Ok(0)
    }
}

/// [`tighten`], logged: `what` says when (at open, a loose directory found is worth an info
/// line; later, sled's new files are routine). A failure is logged, not returned: the data
/// stays owner-only by its directory, which was tightened first.
pub(crate) fn tighten_logged(dir: &Path, at_open: bool) {
    match tighten(dir) {
        Ok(0) => {}
        Ok(n) if at_open => tracing::info!(
            path = %dir.display(),
            entries = n,
            "the data directory was readable by others; made it and its files owner-only (0700/0600)"
        ),
        Ok(n) => tracing::debug!(
            entries = n,
            "made new files in the data directory owner-only"
        ),
        Err(e) => tracing::warn!(
            path = %dir.display(),
            error = %e,
            "could not make every file of the data directory owner-only"
        ),
    }
}

#[cfg(all(test, unix))]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::symlink_metadata(path)
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    }

    #[test]
    fn a_loose_tree_is_made_owner_only_and_symlinks_are_left_alone() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("data");
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("sub/file"), b"x").unwrap();
        std::fs::write(root.path().join("outside"), b"y").unwrap();
        std::fs::set_permissions(
            root.path().join("outside"),
            std::fs::Permissions::from_mode(0o644),
        )
        .unwrap();
        std::os::unix::fs::symlink(root.path().join("outside"), dir.join("link")).unwrap();
        for path in [&dir, &dir.join("sub")] {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::set_permissions(dir.join("sub/file"), std::fs::Permissions::from_mode(0o644))
            .unwrap();
        assert_eq!(tighten(&dir).unwrap(), 3);
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&dir.join("sub")), 0o700);
        assert_eq!(mode(&dir.join("sub/file")), 0o600);
        assert_eq!(mode(&root.path().join("outside")), 0o644, "not followed");
        assert_eq!(tighten(&dir).unwrap(), 0, "nothing left to change");
    }

    #[test]
    fn new_directories_and_files_are_owner_only_whatever_the_umask() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("a/b/data");
        create_dir(&dir).unwrap();
        create_dir(&dir).unwrap();
        assert_eq!(mode(&dir), 0o700);
        let file = dir.join("f");
        new_file()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&file)
            .unwrap();
        assert_eq!(mode(&file), 0o600);
    }
}
