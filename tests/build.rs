//! Embeds the scenario tree in the suite at compile time (issue 7, item 5): the suite must run
//! where there is no file system, such as `wasm32` in a browser, on the same files.
//!
//! Writes `$OUT_DIR/scenario_files.rs` with one entry per file or folder under `scenarios/`
//! (its platform folders and what they hold, one level down): the path relative to
//! `scenarios/` with `/` separators, and the file's bytes (`include_bytes!`), or `None` for a
//! folder. Nothing is judged here: the suite's loader checks the inventory at run time, so a
//! stray file fails the suite with a message instead of failing the build.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

fn main() -> io::Result<()> {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").ok_or_else(missing)?);
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or_else(missing)?);
    let root = manifest.join("scenarios");
    // A folder here makes Cargo rerun this script when anything under it changes.
    println!("cargo:rerun-if-changed={}", root.display());

    let mut entries = Vec::new();
    for top in sorted(&root)? {
        let name = relative(&root, &top);
        if top.is_dir() {
            entries.push(folder(&name));
            for inner in sorted(&top)? {
                let inner_name = relative(&root, &inner);
                entries.push(if inner.is_dir() {
                    folder(&inner_name)
                } else {
                    file(&inner_name, &inner)
                });
            }
        } else {
            entries.push(file(&name, &top));
        }
    }
    let code = format!(
        "/// Every file and folder under `scenarios/`, sorted by path: (path relative to \
         `scenarios/`, the file's bytes or `None` for a folder).\n\
         pub const ENTRIES: &[(&str, Option<&[u8]>)] = &[\n{}];\n",
        entries.concat()
    );
    fs::write(out.join("scenario_files.rs"), code)
}

fn missing() -> io::Error {
    io::Error::new(
        io::ErrorKind::NotFound,
        "Cargo did not set the build variables",
    )
}

fn sorted(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut paths = fs::read_dir(dir)?
        .map(|entry| entry.map(|e| e.path()))
        .collect::<io::Result<Vec<_>>>()?;
    paths.sort();
    Ok(paths)
}

/// The path below `scenarios/` with `/` separators (lossy for a name that is not UTF-8, which
/// then pairs with nothing and is reported by the loader).
fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

fn folder(name: &str) -> String {
    format!("    ({name:?}, None),\n")
}

fn file(name: &str, path: &Path) -> String {
    match path.to_str() {
        Some(absolute) => format!("    ({name:?}, Some(include_bytes!({absolute:?}))),\n"),
        // A path include_bytes! cannot name: listed as a folder, so the loader reports it.
        None => folder(name),
    }
}
