//! Small files beside the database, written so that a crash leaves them old or new, never torn.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::Path;

/// Temp file, fsync, rename, fsync of the directory: after a crash the file is either absent,
/// the old one, or the new one whole.
pub(crate) fn write_atomically(path: &Path, contents: &[u8]) -> io::Result<()> {
    let tmp = path.with_extension("tmp");
    let mut file = File::create(&tmp)?;
    file.write_all(contents)?;
    file.sync_all()?;
    drop(file);
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent() {
        File::open(dir)?.sync_all()?;
    }
    Ok(())
}
