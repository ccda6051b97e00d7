//! `mptcpscan manual DIR` (hidden): the man pages and shell completions `make install` and the
//! Debian packages install, written from the command-line definition itself so they never drift
//! from `--help`.
//!
//! `DIR/man1/`: `mptcpscan.1` and one page per visible subcommand (`mptcpscan-scan.1`,
//! `mptcpscan-lab-up.1`, ...); `DIR/completions/`: `mptcpscan.bash`, `_mptcpscan` (zsh) and
//! `mptcpscan.fish`.

use std::path::PathBuf;

use anyhow::Context;
use clap_complete::Shell;

#[derive(clap::Args)]
pub struct Args {
    /// Directory to write man1/ and completions/ into (created if missing)
    pub dir: PathBuf,
}

/// Writes the pages and completions of `command` (the binary's whole command line).
pub fn run(args: Args, mut command: clap::Command) -> anyhow::Result<()> {
    let man = args.dir.join("man1");
    let completions = args.dir.join("completions");
    for dir in [&man, &completions] {
        std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    clap_mangen::generate_to(command.clone(), &man)
        .with_context(|| format!("cannot write the man pages into {}", man.display()))?;
    let name = command.get_name().to_string();
    for shell in [Shell::Bash, Shell::Zsh, Shell::Fish] {
        clap_complete::generate_to(shell, &mut command, &name, &completions).with_context(
            || {
                format!(
                    "cannot write the {shell} completion into {}",
                    completions.display()
                )
            },
        )?;
    }
    Ok(())
}
