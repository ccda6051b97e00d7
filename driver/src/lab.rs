//! `mptcpscan lab` (being written: this placeholder is replaced by its owner).

/// Arguments of `mptcpscan lab`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `mptcpscan lab`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`mptcpscan lab` is not built yet")
}
