//! Embeds the scenario tree in the suite at compile time (issue 7, item 5): the suite must run
//! where there is no file system, such as `wasm32` in a browser, on the same files. Also names
//! the official Iglu schema's file, and embeds it for `wasm32` (issue 8).
//!
//! Writes `$OUT_DIR/scenario_files.rs` with one entry per file or folder under `scenarios/`
//! (its platform folders and what they hold, one level down): the path relative to
//! `scenarios/` with `/` separators, and the file's bytes (`include_bytes!`), or `None` for a
//! folder. Nothing is judged here: the suite's loader checks the inventory at run time, so a
//! stray file fails the suite with a message instead of failing the build.
//!
//! The schema file is Snowplow's, beside the workspace in `../shared/iglu`, and never copied
//! into the project. Its path is passed to the crate as `CLIENT_SESSION_SCHEMA_FILE`. Natively
//! the suite reads it at run time (and says clearly where it looked when it is missing). For
//! `wasm32`, where a test has no file system, `$OUT_DIR/iglu_schema.rs` holds its text
//! (`include_str!`), or nothing when the file is missing at build time, which the suite then
//! reports at run time with the same path: a missing schema never fails the build.

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
    fs::write(out.join("scenario_files.rs"), code)?;
    iglu_schema(&manifest, &out)
}

/// Where the official `client_session` 1-0-2 schema sits below an Iglu repository's `schemas/`
/// folder (the suite's `iglu::CLIENT_SESSION_SCHEMA`; a unit test there checks they agree).
const CLIENT_SESSION_SCHEMA: &str =
    "com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2";

/// Names the schema file for the crate, and embeds it when building for `wasm32`.
fn iglu_schema(manifest: &Path, out: &Path) -> io::Result<()> {
    let workspace = manifest.parent().unwrap_or(manifest);
    let path = workspace
        .join("../shared/iglu/schemas")
        .join(CLIENT_SESSION_SCHEMA);
    println!(
        "cargo:rustc-env=CLIENT_SESSION_SCHEMA_FILE={}",
        path.display()
    );
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    let text = match path.to_str() {
        Some(absolute) if wasm && path.is_file() => format!("Some(include_str!({absolute:?}))"),
        _ => "None".to_owned(),
    };
    if wasm {
        // Natively the file is read at run time, so only a wasm build depends on it (a missing
        // file makes Cargo rerun this script every build, which is how it is picked up once
        // it appears).
        println!("cargo:rerun-if-changed={}", path.display());
    }
    fs::write(
        out.join("iglu_schema.rs"),
        format!(
            "/// The official schema's text for `wasm32` builds, `None` when it was missing at build \
             time.\npub const OFFICIAL: Option<&str> = {text};\n"
        ),
    )
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
