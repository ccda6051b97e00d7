//! `mptcpscan`: scan → classify → trace → report, capture analysis, and the ground-truth lab.

use clap::{CommandFactory, Parser, Subcommand};
use mptcpscan_driver::{chain, dissect, enrich, fetch, lab, manual, report, scan, trace};

/// The version and the commit it was built from (driver/build.rs), as `--version` prints them.
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (",
    env!("MPTCPSCAN_COMMIT"),
    ")"
);

/// Find Multipath TCP servers and tell real MPTCP stacks from middleboxes.
#[derive(Parser)]
#[command(name = "mptcpscan", version = VERSION, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Bring the network-namespace lab up or down, or show its state (root).
    Lab(lab::Args),
    /// Stateless SYN scan with MP_CAPABLE probes.
    Scan(scan::ScanArgs),
    /// Hop-by-hop trace of where MPTCP options change (the tracebox method).
    Trace(trace::Args),
    /// Scan, filter mirrors, trace candidates, and print the summary table.
    Chain(chain::Args),
    /// Tables, plots and an HTML page from scan, chain or dissect results.
    Report(report::Args),
    /// Analyse MPTCP in pcap/pcapng captures.
    Dissect(dissect::Args),
    /// Time HTTP downloads over kernel MPTCP against plain TCP (and see if MPTCP fell back).
    Fetch(fetch::Args),
    /// Add AS number, AS name and country to scan or chain results, from local databases.
    Enrich(enrich::Args),
    /// Write the man pages and shell completions into a directory (for make install).
    #[command(hide = true)]
    Manual(manual::Args),
}

fn main() -> std::process::ExitCode {
    // `-C FILE` (scan, chain): the file's options join the command line before clap reads it.
    let cli = match scan::config::expand(Cli::command(), std::env::args_os().collect()) {
        Ok(args) => Cli::parse_from(args),
        Err(error) => {
            eprintln!("mptcpscan: {error:#}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Lab(args) => lab::run(args),
        Command::Scan(args) => scan::run(args),
        Command::Trace(args) => trace::run(args),
        Command::Chain(args) => chain::run(args),
        Command::Report(args) => report::run(args),
        Command::Dissect(args) => dissect::run(args),
        Command::Fetch(args) => fetch::run(args),
        Command::Enrich(args) => enrich::run(args),
        Command::Manual(args) => manual::run(args, Cli::command()),
    };
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        // Everything received is written; the handler already said so.
        Err(error) if error.is::<scan::stop::Interrupted>() => {
            std::process::ExitCode::from(scan::stop::INTERRUPTED_EXIT)
        }
        Err(error) => {
            scan::log::fatal(&format!("{error:#}"));
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn version_names_the_commit() {
        let version = super::Cli::command().render_version();
        assert!(
            version.starts_with(&format!("mptcpscan {} (", env!("CARGO_PKG_VERSION")))
                && version.trim_end().ends_with(')'),
            "{version}"
        );
    }

    #[test]
    fn command_line_definition_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
