//! The browser package and its tests.
//!
//! - `cargo xtask web` builds `client-session-web` for wasm32 ([`wasm::Toolchain`]) and wraps it
//!   with `wasm-bindgen --target web` into an ES module in `target/web/pkg/`
//!   (`client_session_web.js`, `client_session_web_bg.wasm`, `client_session_web.d.ts`), then
//!   prints the package's size, raw and gzipped.
//! - `cargo xtask web --serve` then serves `examples/web-page` with the package under `/pkg/` on
//!   127.0.0.1 (a small static file server here: no Python, nothing to install) and prints the URL.
//! - `cargo xtask web-test` runs the crate's `wasm-bindgen-test` tests in headless Chromium,
//!   installing Debian's `chromium` and `chromium-driver` when they are missing.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::wasm::Toolchain;
use crate::{browser, proc, wasm_bindgen, Ctx};

/// The crate the package is built from.
const KRATE: &str = "client-session-web";
/// Its library name: the `.wasm` cargo writes and the stem of wasm-bindgen's files.
const LIB_NAME: &str = "client_session_web";
/// The port `--serve` tries first; a free one is taken when it is busy.
const SERVE_PORT: u16 = 8080;

/// `target/web/pkg/`, where the package goes.
fn pkg_dir(ctx: &Ctx) -> PathBuf {
    ctx.root.join("target").join("web").join("pkg")
}

/// The release profile of the package build, tuned for size: a page downloads the package.
/// Measured on the first build (wasm and glue gzipped): the workspace's release profile gave
/// 150.5 KiB, this profile with wasm-bindgen's name and producers sections removed 101.9 KiB.
/// Set here rather than in `[profile.release]`, which the native benchmarks and the memory
/// measurement build with.
const SIZE_PROFILE: &[(&str, &str)] = &[
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z"),
    ("CARGO_PROFILE_RELEASE_LTO", "true"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"),
    // wasm-bindgen drops the DWARF sections anyway.
    ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
];

/// Builds the package into `target/web/pkg/` and prints its size.
pub fn build(ctx: &Ctx) -> Result<()> {
    let toolchain = Toolchain::ensure()?;
    let mut cargo = toolchain.cargo(ctx, "build", KRATE);
    cargo.arg("--lib").envs(SIZE_PROFILE.iter().copied());
    proc::run(cargo).with_context(|| format!("{KRATE} does not build for wasm32"))?;
    let wasm = toolchain.out_dir(ctx).join(format!("{LIB_NAME}.wasm"));

    let bin = wasm_bindgen::ensure_cli(ctx)?;
    let pkg = pkg_dir(ctx);
    // Only what this build writes: a file left from an older build would be served too.
    if pkg.exists() {
        std::fs::remove_dir_all(&pkg).with_context(|| format!("removing {}", pkg.display()))?;
    }
    let mut bindgen = Command::new(bin.join("wasm-bindgen"));
    // Without the function names: a panic's message still reaches the console (the crate's
    // panic hook), only its wasm stack frames show as indexes.
    bindgen
        .args([
            "--target",
            "web",
            "--remove-name-section",
            "--remove-producers-section",
            "--out-dir",
        ])
        .arg(&pkg)
        .arg(&wasm);
    proc::run(bindgen)?;

    let mut total_gzip = 0;
    println!("package in {}:", pkg.display());
    for file in [format!("{LIB_NAME}_bg.wasm"), format!("{LIB_NAME}.js")] {
        let path = pkg.join(&file);
        let raw = std::fs::metadata(&path)
            .with_context(|| format!("wasm-bindgen wrote no {}", path.display()))?
            .len();
        let gzip = gzip_size(&path);
        total_gzip += gzip.unwrap_or(0);
        println!(
            "  {file}: {} raw, {} gzipped",
            kib(raw),
            gzip.map_or_else(|| "(no gzip here)".to_owned(), kib)
        );
    }
    println!(
        "  .wasm and .js together: {} gzipped (target: at most 120 KiB)",
        kib(total_gzip)
    );
    Ok(())
}

/// The size of `gzip -9` of `path`, when gzip runs here.
fn gzip_size(path: &Path) -> Option<u64> {
    let out = Command::new("gzip")
        .arg("-9")
        .arg("-c")
        .arg(path)
        .output()
        .ok()?;
    out.status.success().then_some(out.stdout.len() as u64)
}

fn kib(bytes: u64) -> String {
    format!("{:.1} KiB ({bytes} B)", bytes as f64 / 1024.0)
}

/// Serves `examples/web-page` and the package (built by the step before) on 127.0.0.1 until
/// interrupted.
pub fn serve(ctx: &Ctx) -> Result<()> {
    let roots = Roots {
        page: ctx.root.join("examples").join("web-page"),
        pkg: pkg_dir(ctx),
    };
    let listener = TcpListener::bind(("127.0.0.1", SERVE_PORT))
        .or_else(|_| TcpListener::bind(("127.0.0.1", 0)))
        .context("cannot listen on 127.0.0.1")?;
    let port = listener.local_addr()?.port();
    println!(
        "serving {} and the package at http://127.0.0.1:{port}/ (Ctrl-C to stop)",
        roots.page.display()
    );
    for stream in listener.incoming() {
        match stream {
            Ok(stream) => {
                if let Err(e) = respond(&roots, stream) {
                    eprintln!("serve: {e:#}");
                }
            }
            Err(e) => eprintln!("serve: accept failed: {e}"),
        }
    }
    Ok(())
}

/// Where requests are answered from: `/pkg/…` from the package, the rest from the page.
struct Roots {
    page: PathBuf,
    pkg: PathBuf,
}

impl Roots {
    /// The file a request path names: `/` is `index.html`, `/pkg/x` the package's `x`, else the
    /// page folder's file. `None` for anything that could leave those folders (`..`, `\`,
    /// characters outside `[A-Za-z0-9._-]` in a segment, hidden files).
    fn file(&self, request_path: &str) -> Option<PathBuf> {
        let path = request_path.split(['?', '#']).next().unwrap_or_default();
        let path = path.strip_prefix('/')?;
        let path = if path.is_empty() { "index.html" } else { path };
        let segments: Vec<&str> = path.split('/').collect();
        let safe = segments.iter().all(|segment| {
            !segment.is_empty()
                && !segment.starts_with('.')
                && segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
        });
        if !safe {
            return None;
        }
        let (root, rest) = match segments.split_first() {
            Some((&"pkg", rest)) if !rest.is_empty() => (&self.pkg, rest),
            _ => (&self.page, &segments[..]),
        };
        Some(
            rest.iter()
                .fold(root.clone(), |path, segment| path.join(segment)),
        )
    }
}

/// The `Content-Type` for a file; `application/wasm` lets the glue compile while downloading.
fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some("html") => "text/html; charset=utf-8",
        Some("js" | "mjs") => "text/javascript; charset=utf-8",
        Some("wasm") => "application/wasm",
        Some("css") => "text/css; charset=utf-8",
        Some("json") => "application/json",
        Some("png") => "image/png",
        Some("svg") => "image/svg+xml",
        Some("ts" | "txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// Answers one request (`GET` or `HEAD`) and closes the connection.
fn respond(roots: &Roots, stream: TcpStream) -> Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // The headers are not needed; read them so the client sees a complete exchange.
    let mut header = String::new();
    while reader.read_line(&mut header)? > 2 {
        header.clear();
    }
    let mut parts = request_line.split_whitespace();
    let (method, target) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    let mut stream = stream;
    let (status, body, kind) = if !matches!(method, "GET" | "HEAD") {
        (
            "405 Method Not Allowed",
            b"only GET and HEAD\n".to_vec(),
            "text/plain",
        )
    } else {
        match roots
            .file(target)
            .and_then(|path| Some((std::fs::read(&path).ok()?, path)))
        {
            Some((body, path)) => ("200 OK", body, content_type(&path)),
            None => ("404 Not Found", b"not found\n".to_vec(), "text/plain"),
        }
    };
    println!("{method} {target} -> {status}");
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n",
        body.len()
    )?;
    if method != "HEAD" {
        stream.write_all(&body)?;
    }
    stream.flush()?;
    Ok(())
}

/// Runs the crate's browser tests (`platforms/web/tests/`) in headless Chromium. The runner's
/// limit is for the whole run, and the expiry tests wait seconds on purpose: 180 s.
pub fn test(ctx: &Ctx) -> Result<()> {
    browser::wasm_test(ctx, KRATE, "browser", Some(180))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roots() -> Roots {
        Roots {
            page: PathBuf::from("/page"),
            pkg: PathBuf::from("/pkg-dir"),
        }
    }

    #[test]
    fn requests_map_to_the_page_or_the_package() {
        let roots = roots();
        let file = |path: &str| roots.file(path).map(|p| p.display().to_string());
        assert_eq!(file("/").as_deref(), Some("/page/index.html"));
        assert_eq!(file("/?reload=1").as_deref(), Some("/page/index.html"));
        assert_eq!(file("/main.js").as_deref(), Some("/page/main.js"));
        assert_eq!(
            file("/pkg/client_session_web_bg.wasm").as_deref(),
            Some("/pkg-dir/client_session_web_bg.wasm")
        );
        assert_eq!(file("/pkg").as_deref(), Some("/page/pkg"));
    }

    #[test]
    fn nothing_outside_the_two_folders_is_served() {
        let roots = roots();
        for path in [
            "/../Cargo.toml",
            "/pkg/../../Cargo.toml",
            "/%2e%2e/Cargo.toml",
            "/.git/config",
            "/a//b",
            "/a\\b",
            "relative.html",
            "",
        ] {
            assert_eq!(roots.file(path), None, "{path}");
        }
    }

    #[test]
    fn wasm_is_served_as_wasm() {
        assert_eq!(content_type(Path::new("x_bg.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("x.js")),
            "text/javascript; charset=utf-8"
        );
        assert_eq!(content_type(Path::new("x")), "application/octet-stream");
    }
}
