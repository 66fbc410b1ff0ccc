//! Small files beside the database, written so that a crash leaves them old or new, never torn,
//! and the one way anything damaged is kept for inspection.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Temp file, fsync, rename, fsync of the directory: after a crash the file is either absent,
/// the old one, or the new one whole.
pub(crate) fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = crate::private::new_file()
        .write(true)
        .create(true)
        .truncate(true)
        .open(&tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// Reads at most `limit + 1` bytes of `path`: enough to tell that a file is longer than any
/// that this store writes there, without taking a planted giant file into memory.
pub(crate) fn read_at_most(path: &Path, limit: usize) -> io::Result<Vec<u8>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    File::open(path)?
        .take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Renames `path` (a file, a directory or a symlink; never followed) to a name beside it that
/// no earlier damaged copy has, `<name>.damaged-<ms>-<n>`, and returns that name. Every copy is
/// kept, so this is the only way the store gets rid of anything.
pub(crate) fn move_aside(path: &Path) -> io::Result<PathBuf> {
    let aside = aside_path(path)?;
    fs::rename(path, &aside)?;
    Ok(aside)
}

fn aside_path(path: &Path) -> io::Result<PathBuf> {
    // A clock before 1970 gives 0: the counter still makes the name unique.
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    for n in 0u32..10_000 {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".damaged-{ms}-{n}"));
        let candidate = PathBuf::from(name);
        // `symlink_metadata`: a dangling symlink is a name in use too.
        match fs::symlink_metadata(&candidate) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(candidate),
            Err(e) => return Err(e),
            Ok(_) => {}
        }
    }
    Err(io::Error::new(
        io::ErrorKind::AlreadyExists,
        "no free name to move a damaged copy aside",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_copy_moved_aside_gets_its_own_name() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("thing");
        let mut asides = Vec::new();
        for contents in ["first", "second", "third"] {
            fs::write(&path, contents).unwrap();
            asides.push(move_aside(&path).unwrap());
        }
        assert!(!path.exists());
        let kept: Vec<_> = asides
            .iter()
            .map(|p| fs::read_to_string(p).unwrap())
            .collect();
        assert_eq!(kept, ["first", "second", "third"]);
        for aside in &asides {
            let name = aside.file_name().unwrap().to_string_lossy().into_owned();
            assert!(name.starts_with("thing.damaged-"), "{name}");
        }
    }
}
