//! `mptcpscan chain` (being written: this placeholder is replaced by its owner).

/// Arguments of `mptcpscan chain`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `mptcpscan chain`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`mptcpscan chain` is not built yet")
}
