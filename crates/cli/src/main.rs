//! `client-session`: the command-line face of the project (spec Part D).
//!
//! - `replay` plays a scenario file on a simulated clock and prints its Part C output lines;
//! - `run` is a live tracker on a sled data directory, driven by step objects on stdin;
//! - `inspect` prints what a data directory holds;
//! - `cookie decode` prints the fields of a JavaScript tracker `_sp_id` cookie value.
//!
//! Exit codes: 0 success, 2 bad input, 1 store or other error. `run` reports each bad line and
//! goes on, exiting 2 at the end; a stdout that cannot be written (a closed pipe, a full disk)
//! stops it with exit 1. Either way its tracker shuts down cleanly first. Logs go to stderr;
//! set `CLIENT_SESSION_LOG` (e.g. `debug`) to see more.

mod bench;
mod cookie;
mod inspect;
mod live;
mod replay;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Parser)]
#[command(
    name = "client-session",
    version,
    about = "Snowplow-exact client sessions: replay, run, inspect, cookie"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Play a scenario (spec Part C) on a simulated clock and print one line per emitted event.
    Replay {
        /// Where a mobile scenario's session is kept. Web scenarios always run on the cookie
        /// jar, whatever this says; `cookies` is refused for a mobile scenario.
        #[arg(long, value_enum, default_value_t = StoreKind::Memory)]
        store: StoreKind,
        /// The sled data directory (with `--store sled`; an existing one is used as it is;
        /// ignored for web scenarios).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// The tracker's namespace.
        #[arg(long, default_value = "default")]
        namespace: String,
        /// The scenario file, or `-` for stdin.
        #[arg(default_value = "-")]
        file: String,
    },
    /// Run a live tracker on a sled data directory, reading one step object per stdin line.
    Run {
        /// The sled data directory.
        #[arg(long)]
        data_dir: PathBuf,
        /// The tracker's namespace.
        #[arg(long, default_value = "default")]
        namespace: String,
        /// Foreground timeout in seconds.
        #[arg(long, default_value_t = 1800)]
        foreground_timeout_s: u32,
        /// Background timeout in seconds.
        #[arg(long, default_value_t = 1800)]
        background_timeout_s: u32,
        /// Do not emit application_foreground / application_background events.
        #[arg(long)]
        no_lifecycle_events: bool,
        /// Continue the stored session after a clean restart while its timeout has not passed.
        #[arg(long)]
        continue_session_on_restart: bool,
        /// Start with user anonymisation on.
        #[arg(long)]
        anonymous: bool,
    },
    /// Measure tracking cost against a bare channel baseline run alongside; prints one JSON object.
    Bench {
        /// Where the session is kept (`cookies`: the web rules, on a page at
        /// `https://example.test/` with the JavaScript tracker's cookie options).
        #[arg(long, value_enum, default_value_t = StoreKind::Memory)]
        store: StoreKind,
        /// The sled data directory (only with `--store sled`; default: a temporary one,
        /// removed afterwards).
        #[arg(long)]
        data_dir: Option<PathBuf>,
        /// Events in all.
        #[arg(long, default_value_t = 1_000_000)]
        events: usize,
        /// Concurrent callers, each with its own handle.
        #[arg(long, default_value_t = 8)]
        handles: usize,
        /// `task`: awaited `track` from tasks on the runtime; `thread`: `track_nowait` from OS threads.
        #[arg(long, value_enum, default_value_t = bench::Caller::Task)]
        caller: bench::Caller,
    },
    /// Print the user id and every namespace's stored state as JSON.
    Inspect {
        /// The sled data directory.
        #[arg(long)]
        data_dir: PathBuf,
    },
    /// Read the JavaScript tracker's session cookies.
    Cookie {
        #[command(subcommand)]
        command: CookieCommand,
    },
}

#[derive(Subcommand)]
enum CookieCommand {
    /// Print an `_sp_id` cookie value's ten fields as one JSON object (exit 2 when malformed).
    Decode {
        /// The cookie's value: what follows `_sp_id.<hash>=`.
        #[arg(allow_hyphen_values = true)]
        value: String,
    },
}

/// The session store `replay` and `bench` run on.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum StoreKind {
    /// In memory, gone at exit (the mobile rules).
    Memory,
    /// A sled data directory (the mobile rules).
    Sled,
    /// The JavaScript tracker's two cookies in an in-memory RFC 6265 jar (the web rules).
    Cookies,
}

impl StoreKind {
    /// The name `--store` takes.
    fn name(self) -> &'static str {
        match self {
            Self::Memory => "memory",
            Self::Sled => "sled",
            Self::Cookies => "cookies",
        }
    }
}

/// A failure and the exit code it maps to.
enum Failure {
    /// Exit 2: the input was wrong.
    BadInput(String),
    /// Exit 1: the store or something else failed.
    Other(String),
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CLIENT_SESSION_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .init();
    let result = match Cli::parse().command {
        Command::Replay {
            store,
            data_dir,
            namespace,
            file,
        } => replay::replay(store, data_dir, &namespace, &file),
        Command::Run {
            data_dir,
            namespace,
            foreground_timeout_s,
            background_timeout_s,
            no_lifecycle_events,
            continue_session_on_restart,
            anonymous,
        } => {
            let config = client_session_core::Config {
                foreground_timeout: client_session_core::Timeout::from_secs(foreground_timeout_s),
                background_timeout: client_session_core::Timeout::from_secs(background_timeout_s),
                lifecycle_events: !no_lifecycle_events,
                continue_session_on_restart,
                anonymous,
                // `run` is the native (mobile) tracker; the web timeout does not apply.
                ..client_session_core::Config::default()
            };
            live::run(data_dir, namespace, config)
        }
        Command::Inspect { data_dir } => inspect::inspect(&data_dir),
        Command::Cookie {
            command: CookieCommand::Decode { value },
        } => cookie::decode(&value),
        Command::Bench {
            store,
            data_dir,
            events,
            handles,
            caller,
        } => bench::bench(store, data_dir, events, handles, caller),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::BadInput(message)) => {
            report(&format!("error: {message}"));
            ExitCode::from(2)
        }
        Err(Failure::Other(message)) => {
            report(&format!("error: {message}"));
            ExitCode::from(1)
        }
    }
}

/// Writes one line to stderr. A stderr nobody reads must not turn into a panic (as `eprintln!`
/// would): the exit code still tells the story.
fn report(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .map_err(|e| Failure::Other(format!("cannot start the async runtime: {e}")))
}

/// Writes one output line and flushes, so a reader sees each event as it happens.
fn print_line(line: &client_session_scenario::OutputLine) -> Result<(), Failure> {
    let json = line
        .to_json()
        .map_err(|e| Failure::Other(format!("cannot serialise an output line: {e}")))?;
    print(&json)
}

/// Writes `text` and a newline to stdout and flushes. A closed pipe or a full disk is an
/// error to report (exit 1), never a panic as with `println!`.
fn print(text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .and_then(|()| out.flush())
        .map_err(|e| Failure::Other(format!("cannot write to stdout: {e}")))
}
