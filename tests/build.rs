//! Embeds the scenario tree in the suite at compile time (issue 7, item 5): the suite must run
//! where there is no file system, such as `wasm32` in a browser, on the same files. Also names
//! the official Iglu schemas' folder, and embeds the schemas for `wasm32` (issues 8 and 11).
//!
//! Writes `$OUT_DIR/scenario_files.rs` with one entry per file or folder under `scenarios/`
//! (its platform folders and what they hold, one level down): the path relative to
//! `scenarios/` with `/` separators, and the file's bytes (`include_bytes!`), or `None` for a
//! folder. Nothing is judged here: the suite's loader checks the inventory at run time, so a
//! stray file fails the suite with a message instead of failing the build.
//!
//! The schema files are Snowplow's, beside the workspace in `../shared/iglu`, and never copied
//! into the project. Their folder is passed to the crate as `IGLU_SCHEMAS_DIR`. Natively the
//! suite reads them at run time (and says clearly where it looked when one is missing). For
//! `wasm32`, where a test has no file system, `$OUT_DIR/iglu_schemas.rs` holds each one's text
//! (`include_str!`), or nothing for a file missing at build time, which the suite then reports
//! at run time with the same path: a missing schema never fails the build.

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
    iglu_schemas(&manifest, &out)
}

/// Where each official schema the suite validates against sits below an Iglu repository's
/// `schemas/` folder (the suite's `iglu::Schema::ALL`, in the same order; a unit test there
/// checks they agree).
const SCHEMAS: [&str; 7] = [
    "com.snowplowanalytics.snowplow/client_session/jsonschema/1-0-2",
    "com.snowplowanalytics.mobile/screen_view/jsonschema/1-0-0",
    "com.snowplowanalytics.mobile/screen/jsonschema/1-0-0",
    "com.snowplowanalytics.mobile/screen_end/jsonschema/1-0-0",
    "com.snowplowanalytics.mobile/screen_summary/jsonschema/1-0-0",
    "com.snowplowanalytics.mobile/list_item_view/jsonschema/1-0-0",
    "com.snowplowanalytics.mobile/scroll_changed/jsonschema/1-0-0",
];

/// Names the schemas' folder for the crate, and embeds every schema when building for
/// `wasm32`.
fn iglu_schemas(manifest: &Path, out: &Path) -> io::Result<()> {
    let workspace = manifest.parent().unwrap_or(manifest);
    let root = workspace.join("../shared/iglu/schemas");
    println!("cargo:rustc-env=IGLU_SCHEMAS_DIR={}", root.display());
    let wasm = std::env::var("CARGO_CFG_TARGET_ARCH").is_ok_and(|arch| arch == "wasm32");
    let mut entries = String::new();
    for schema in SCHEMAS {
        let path = root.join(schema);
        let text = match path.to_str() {
            Some(absolute) if wasm && path.is_file() => {
                format!("Some(include_str!({absolute:?}))")
            }
            _ => "None".to_owned(),
        };
        if wasm {
            // Natively the files are read at run time, so only a wasm build depends on them (a
            // missing file makes Cargo rerun this script every build, which is how it is
            // picked up once it appears).
            println!("cargo:rerun-if-changed={}", path.display());
        }
        entries.push_str(&format!("    ({schema:?}, {text}),\n"));
    }
    fs::write(
        out.join("iglu_schemas.rs"),
        format!(
            "/// Each official schema's place below `schemas/` and, in `wasm32` builds, its text \
             (`None` natively, or when the file was missing at build time).\n\
             pub const OFFICIAL: &[(&str, Option<&str>)] = &[\n{entries}];\n"
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
