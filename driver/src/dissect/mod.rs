//! `mptcpscan dissect`.
pub mod capture;
pub mod link;

/// Arguments of `mptcpscan dissect`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `mptcpscan dissect`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`mptcpscan dissect` is not built yet")
}
