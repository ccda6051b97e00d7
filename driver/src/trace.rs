//! `mptcpscan trace` (being written: this placeholder is replaced by its owner).

/// Arguments of `mptcpscan trace`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `mptcpscan trace`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`mptcpscan trace` is not built yet")
}
