//! Helpers the workspace's tests share, so each exists once.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use client_session_core::{Config, Timeout};
use proptest::prelude::{any, Strategy};

/// A small seeded PRNG (xorshift64*) for randomised tests that must be replayable: the seed
/// comes from an environment variable when set, else from the clock, and the test prints it.
#[derive(Debug, Clone)]
pub struct SeededRng(u64);

impl SeededRng {
    /// Seeded from the variable `var` when it holds a number, else from the clock; returns the
    /// generator and its seed (print it, so a failure can be replayed with `var=seed`).
    #[must_use]
    pub fn from_env_or_clock(var: &str) -> (Self, u64) {
        let seed = std::env::var(var)
            .ok()
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or_else(|| {
                let nanos = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map_or(0, |d| d.as_nanos());
                // Truncating the nanoseconds is fine for a seed.
                (nanos as u64) ^ u64::from(std::process::id())
            });
        (Self(seed.max(1)), seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0); uniform enough for tests.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// An index into something of length `len` (0 when `len` is 0).
    pub fn index(&mut self, len: usize) -> usize {
        usize::try_from(self.below(len as u64)).unwrap_or(0)
    }
}

/// Opens the sled database of the data directory `dir` directly, as another build of this
/// project would. Right after our handle is dropped, sled's I/O threads can hold the lock a
/// moment longer (sled #1289), so this waits for it (up to 5 s).
///
/// # Panics
/// When sled cannot open the database: a test failure.
#[must_use]
#[allow(clippy::panic)] // a test helper: failing loudly is its job
pub fn raw_sled(dir: &Path) -> sled::Db {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match sled::open(dir.join("sessions")) {
            Err(e) if Instant::now() < deadline && e.to_string().contains("lock") => {
                std::thread::sleep(Duration::from_millis(2));
            }
            Ok(db) => return db,
            Err(e) => panic!("opening {} with sled: {e}", dir.display()),
        }
    }
}

/// Any configuration, with timeouts short enough (0-149 s) for random steps to cross them.
pub fn any_config() -> impl Strategy<Value = Config> {
    (
        0u32..150,
        0u32..150,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        0u32..150,
    )
        .prop_map(|(fg, bg, lifecycle, cont, anon, web)| Config {
            foreground_timeout: Timeout::from_secs(fg),
            background_timeout: Timeout::from_secs(bg),
            lifecycle_events: lifecycle,
            continue_session_on_restart: cont,
            anonymous: anon,
            session_timeout: Timeout::from_secs(web),
            ..Config::default()
        })
}

/// Every file under `dir` (recursively, symlinks not followed) whose bytes contain one of
/// `needles`, with the needle found: how a test proves that something is gone from a data
/// directory, whatever file it could hide in.
///
/// # Panics
/// When `dir` cannot be read: a test failure.
#[must_use]
#[allow(clippy::unwrap_used)] // a test helper: failing loudly is its job
pub fn files_containing(dir: &Path, needles: &[String]) -> Vec<(std::path::PathBuf, String)> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let meta = std::fs::symlink_metadata(&path).unwrap();
        if meta.is_dir() {
            found.extend(files_containing(&path, needles));
        } else if meta.is_file() {
            // A file can vanish meanwhile (a tracker still running): then it holds nothing.
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            for needle in needles {
                let needle_bytes = needle.as_bytes();
                if !needle_bytes.is_empty()
                    && bytes.windows(needle_bytes.len()).any(|w| w == needle_bytes)
                {
                    found.push((path.clone(), needle.clone()));
                }
            }
        }
    }
    found
}
