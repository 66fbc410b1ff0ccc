//! Installing Debian packages that a step needs on a fresh machine.

use std::path::Path;
use std::process::Command;

use anyhow::{bail, Result};

use crate::proc;

/// `apt-get update` and `apt-get install` of `packages`, as root or through `sudo -n`; `needed_by`
/// names what needs them in the messages.
pub fn install(packages: &[&str], needed_by: &str) -> Result<()> {
    let list = packages.join(" ");
    if !Path::new("/usr/bin/apt-get").exists() {
        bail!("{needed_by} needs Debian's packages {list}, and apt-get is not on this machine");
    }
    let is_root = {
        let mut id = Command::new("id");
        id.arg("-u");
        proc::stdout_of(id).is_some_and(|uid| uid.trim() == "0")
    };
    let sudo = !is_root && {
        let mut probe = Command::new("sudo");
        probe.args(["-n", "true"]);
        proc::succeeds(probe)
    };
    if !is_root && !sudo {
        bail!(
            "{needed_by} needs Debian's packages {list}, and installing them needs root: run \
             `apt-get update && apt-get install -y --no-install-recommends {list}` as root"
        );
    }
    let apt = |args: &[&str]| {
        let mut cmd = if sudo {
            let mut c = Command::new("sudo");
            c.args(["-n", "env", "DEBIAN_FRONTEND=noninteractive", "apt-get"]);
            c
        } else {
            let mut c = Command::new("apt-get");
            c.env("DEBIAN_FRONTEND", "noninteractive");
            c
        };
        cmd.args(args);
        cmd
    };
    println!("installing Debian's {list} for {needed_by}");
    proc::run(apt(&["update", "-q"]))?;
    let mut install = vec!["install", "-y", "-q", "--no-install-recommends"];
    install.extend_from_slice(packages);
    proc::run(apt(&install))
}
