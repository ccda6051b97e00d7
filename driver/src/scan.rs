//! `mptcpscan scan` (being written: this placeholder is replaced by its owner).

/// Arguments of `mptcpscan scan`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `mptcpscan scan`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`mptcpscan scan` is not built yet")
}
