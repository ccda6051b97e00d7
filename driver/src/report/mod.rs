//! `mptcpscan report`: tables, plots (SVG and PNG) and one HTML page.
pub mod png;
pub mod svg;

/// Arguments of `mptcpscan report`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs `mptcpscan report`.
pub fn run(_args: Args) -> anyhow::Result<()> {
    anyhow::bail!("`mptcpscan report` is not built yet")
}
