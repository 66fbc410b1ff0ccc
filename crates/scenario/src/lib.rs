//! The shared scenario format of spec Part C, and everything needed to run it anywhere.
//!
//! A scenario is a JSON file: a start time, a configuration and timed steps (track, background,
//! restart, …). [`parse`] validates it whole, naming the step and field of the first problem;
//! [`run`] plays it through a real [`SessionActor`](client_session_actor::SessionActor) on a
//! simulated clock, started by a [`Launcher`] (one per store or platform adapter), and emits an
//! [`OutputLine`] per event. [`symbolic`] turns output into the form expected files are written
//! in, and [`schema`] holds the facts of the `client_session` 1-0-2 schema that every emitted
//! entity must satisfy. The `client-session` CLI and the cross-platform suite both use this crate,
//! so there is one definition of the format.

mod format;
mod launchers;
mod output;
mod runner;
pub mod schema;
pub mod symbolic;

pub use format::{
    parse, parse_step, EventName, Op, Platform, Scenario, ScenarioConfig, ScenarioError, SetCookie,
    Step, STEP_KEYS,
};
#[cfg(not(target_arch = "wasm32"))]
pub use launchers::SledLauncher;
pub use launchers::{MemoryLauncher, WebLauncher};
pub use output::OutputLine;
pub use runner::{apply, run, Launcher, RunError};
