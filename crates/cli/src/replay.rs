//! `client-session replay`.

use std::io::Read;
use std::path::PathBuf;

use client_session_scenario::{
    parse, run, Launcher, MemoryLauncher, Platform, SledLauncher, WebLauncher,
};

use crate::{print_line, runtime, Failure, StoreKind};

pub(crate) fn replay(
    store: StoreKind,
    data_dir: Option<PathBuf>,
    namespace: &str,
    file: &str,
) -> Result<(), Failure> {
    let text = if file == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|e| Failure::BadInput(format!("cannot read the scenario from stdin: {e}")))?;
        text
    } else {
        std::fs::read_to_string(file)
            .map_err(|e| Failure::BadInput(format!("cannot read {file}: {e}")))?
    };
    // Validate the whole scenario before anything is printed.
    let scenario = parse(&text).map_err(|e| Failure::BadInput(e.to_string()))?;
    let runtime = runtime()?;
    // On the web the cookie jar is the store (spec Part C): `--store` and `--data-dir` do not
    // apply. `--store cookies` names it, and a mobile scenario cannot run on it.
    if scenario.platform == Platform::Web {
        return runtime.block_on(play(&scenario, &mut WebLauncher::for_scenario(&scenario)));
    }
    match (store, data_dir) {
        // Refused rather than run on memory: the mobile rules have no cookie form.
        (StoreKind::Cookies, _) => Err(Failure::BadInput(
            "--store cookies applies only to web scenarios (they always run on the cookie jar); \
             this scenario is mobile: use --store memory or sled"
                .into(),
        )),
        (StoreKind::Memory, None) => {
            runtime.block_on(play(&scenario, &mut MemoryLauncher::new(namespace)))
        }
        (StoreKind::Memory, Some(_)) => Err(Failure::BadInput(
            "--data-dir applies only to --store sled".into(),
        )),
        (StoreKind::Sled, Some(dir)) => {
            runtime.block_on(play(&scenario, &mut SledLauncher::new(dir, namespace)))
        }
        (StoreKind::Sled, None) => Err(Failure::BadInput("--store sled needs --data-dir".into())),
    }
}

async fn play<L: Launcher>(
    scenario: &client_session_scenario::Scenario,
    launcher: &mut L,
) -> Result<(), Failure> {
    let mut write_error = None;
    let played = run(scenario, launcher, |line| {
        if write_error.is_none() {
            write_error = print_line(&line).err();
        }
    })
    .await;
    if let Some(failure) = write_error {
        return Err(failure);
    }
    played.map_err(|e| Failure::Other(e.to_string()))
}
