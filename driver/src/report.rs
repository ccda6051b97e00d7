//! `mptcpscan report` (being written: this placeholder is replaced by its owner).

/// Arguments of `mptcpscan report`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `mptcpscan report`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`mptcpscan report` is not built yet")
}
