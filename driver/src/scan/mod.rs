//! `mptcpscan scan`: a ZMap-style stateless SYN scanner with MP_CAPABLE probes.
//!
//! Targets (CIDRs, addresses, files; IPv4 and IPv6) minus the blocklist, times the ports, are
//! visited in a keyed pseudo-random order ([`permutation`]); probes carry their validation in the
//! source port and sequence number ([`validation`]), so the receiver needs no per-probe state.
//! Packets are built and replies classified by the core crate (`mptcpscan::probe`,
//! `mptcpscan::classify`); this module only moves them ([`crate::net`]) and writes the results
//! ([`output`]).

pub mod addrset;
pub mod blocklist;
pub mod engine;
pub mod output;
pub mod permutation;
pub mod probes;
pub mod reply;
pub mod stop;
pub mod targets;
pub mod validation;

use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};
use mptcpscan::mptcp::Version;

use self::engine::Plan;
use self::output::{Format, Writer};
use self::permutation::Permutation;
use self::probes::{OptionSet, ProbeBuilder};
use self::targets::TargetSpace;
use self::validation::Validator;

/// Which MP_CAPABLE versions to probe with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum VersionChoice {
    /// MPTCP v0 only (RFC 6824, the 2020/2021 scans): key in the SYN.
    #[value(name = "0")]
    V0,
    /// MPTCP v1 only (RFC 8684, upstream Linux): keyless SYN.
    #[value(name = "1")]
    V1,
    /// Both, one probe each: a host's combined verdict needs both.
    Both,
}

impl VersionChoice {
    /// The versions to send, in order.
    pub fn versions(self) -> Vec<Version> {
        match self {
            VersionChoice::V0 => vec![Version::V0],
            VersionChoice::V1 => vec![Version::V1],
            VersionChoice::Both => vec![Version::V0, Version::V1],
        }
    }
}

/// Arguments of `mptcpscan scan`.
#[derive(clap::Args, Debug, Clone)]
// `chain` flattens these into its own `Args`: the group needs a name of its own.
#[group(id = "scan_args")]
pub struct Args {
    /// Targets: addresses or CIDR prefixes, IPv4 or IPv6 (nothing is scanned without targets).
    pub targets: Vec<String>,
    /// File of targets, one address or prefix a line (`#` comments); repeatable.
    #[arg(short = 'I', long = "targets-file", value_name = "FILE")]
    pub targets_files: Vec<PathBuf>,
    /// Ports to probe, e.g. `80,443` or `8000-8010`.
    #[arg(short, long, default_value = "80")]
    pub ports: String,
    /// MP_CAPABLE version of the probes.
    #[arg(long, value_enum, default_value = "both")]
    pub mptcp_version: VersionChoice,
    /// Companion options of the SYN: linux, windows, bsd, minimal, study2021 (the 2021 scan's
    /// exact block), or hex:BYTES (raw option bytes placed before MP_CAPABLE).
    #[arg(long, default_value = "linux")]
    pub options: OptionSet,
    /// The v0 probe key in hex (16 digits); random per scan by default.
    #[arg(long, value_name = "HEX")]
    pub key: Option<String>,
    /// Probes per second (0: as fast as the kernel takes them).
    #[arg(short, long, default_value_t = 10_000)]
    pub rate: u64,
    /// Seconds to keep listening after the last probe.
    #[arg(short, long, default_value_t = 8.0)]
    pub cooldown: f64,
    /// Extra rounds over every target (lost probes are retried; replies are reported once).
    #[arg(long, default_value_t = 0)]
    pub retries: u32,
    /// File of prefixes never to probe (added to the built-in reserved ranges); repeatable.
    #[arg(short, long, value_name = "FILE")]
    pub blocklist: Vec<PathBuf>,
    /// Allow the lab prefixes (198.18.0.0/15, 2001:db8::/32), reserved and blocked otherwise.
    #[arg(long)]
    pub allow_lab: bool,
    /// Split the scan into this many disjoint shards (one per vantage point).
    #[arg(long, default_value_t = 1)]
    pub shards: u64,
    /// Which shard this run scans (0-based).
    #[arg(long, default_value_t = 0)]
    pub shard: u64,
    /// Seed of the visiting order: every shard of one scan must use the same (random by default,
    /// required with --shards).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Source address (one per family; default: the kernel's choice for the first target).
    #[arg(short = 'S', long = "source-ip")]
    pub source_ips: Vec<IpAddr>,
    /// Source port range of the probes.
    #[arg(long, default_value = "32768-61000")]
    pub source_ports: String,
    /// IP TTL / hop limit of the probes.
    #[arg(long, default_value_t = 64)]
    pub ttl: u8,
    /// Output file (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value = "csv")]
    pub format: Format,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Runs `mptcpscan scan`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let plan = plan(&args)?;
    let out: Box<dyn Write + Send> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let mut writer = Writer::new(args.format, out);
    stop::install()?;
    let mut flushed = std::time::Instant::now();
    let summary = engine::run(&plan, |record| {
        writer.write(&record)?;
        // Rows reach the file within a tenth of a second, so even a killed scan keeps nearly
        // everything, without a write system call per row at high hit rates.
        if flushed.elapsed() >= Duration::from_millis(100) {
            flushed = std::time::Instant::now();
            writer.flush()?;
        }
        Ok(())
    });
    writer.flush()?;
    let summary = summary?;
    if !args.quiet {
        let secs = summary.send_time.as_secs_f64();
        let pps = if secs > 0.0 {
            summary.sent as f64 / secs
        } else {
            0.0
        };
        eprintln!(
            "mptcpscan: sent {} probes in {secs:.2} s ({pps:.0} pps) to {} targets, {} replies, \
             {} SYN-ACKs, {} with MP_CAPABLE{}",
            summary.sent,
            plan.permutation.shard_len(plan.shard.0, plan.shard.1),
            summary.replies,
            summary.synacks,
            summary.mp_capable,
            if summary.interrupted {
                " (interrupted)"
            } else {
                ""
            }
        );
        if summary.send_errors > 0 {
            eprintln!(
                "mptcpscan: the kernel refused {} probes",
                summary.send_errors
            );
        }
    }
    Ok(())
}

/// Turns arguments into a scan plan: targets, blocklist, order, probes, sources.
pub fn plan(args: &Args) -> anyhow::Result<Plan> {
    if args.targets.is_empty() && args.targets_files.is_empty() {
        bail!("no targets: give addresses or prefixes, or --targets-file (mptcpscan never scans by default)");
    }
    if args.shards == 0 || args.shard >= args.shards {
        bail!(
            "--shard must be below --shards (got shard {} of {})",
            args.shard,
            args.shards
        );
    }
    if args.shards > 1 && args.seed.is_none() {
        bail!("--shards needs --seed: every shard must walk the same order");
    }
    if !args.cooldown.is_finite() || args.cooldown < 0.0 {
        bail!("--cooldown must be a non-negative number of seconds");
    }
    let wanted = targets::collect(&args.targets, &args.targets_files)?;
    let blocked = blocklist::build(args.allow_lab, &args.blocklist)?;
    let allowed = wanted.subtract(&blocked);
    if allowed.is_empty() {
        bail!(
            "every target is blocklisted (reserved ranges are blocked; the lab's 198.18.0.0/15 and \
             2001:db8::/32 need --allow-lab)"
        );
    }
    let space = TargetSpace::new(&allowed, targets::parse_ports(&args.ports)?)?;
    let seed = args.seed.unwrap_or_else(rand::random);
    let permutation = Permutation::new(space.len(), seed);
    let source_ports = parse_port_range(&args.source_ports)?;
    let key = match &args.key {
        Some(hex) => parse_key(hex)?,
        None => rand::random(),
    };
    let probes = ProbeBuilder::new(&args.options, key)?;
    let sources = sources(&args.source_ips, &space)?;
    Ok(Plan {
        permutation,
        shard: (args.shard, args.shards),
        versions: args.mptcp_version.versions(),
        probes,
        rate: args.rate,
        cooldown: Duration::from_secs_f64(args.cooldown),
        retries: args.retries,
        sources,
        validator: Validator::new(rand::random(), source_ports),
        ttl: args.ttl,
        progress: !args.quiet,
        space,
    })
}

/// Parses a 64-bit key given as 16 hex digits (an optional `0x` allowed).
pub fn parse_key(text: &str) -> anyhow::Result<u64> {
    let digits = text.trim().trim_start_matches("0x");
    if digits.len() != 16 {
        bail!("--key must be 16 hex digits (64 bits), got `{text}`");
    }
    u64::from_str_radix(digits, 16).with_context(|| format!("--key `{text}` is not hex"))
}

fn parse_port_range(text: &str) -> anyhow::Result<(u16, u16)> {
    let (low, high) = text
        .split_once('-')
        .with_context(|| format!("--source-ports `{text}` is not a range LOW-HIGH"))?;
    let low: u16 = low.trim().parse().context("--source-ports low end")?;
    let high: u16 = high.trim().parse().context("--source-ports high end")?;
    if low == 0 || low > high {
        bail!("--source-ports `{text}` must be LOW-HIGH with 1 <= LOW <= HIGH");
    }
    Ok((low, high))
}

/// The source address per family: given ones first, else the kernel's route to the first target.
fn sources(
    given: &[IpAddr],
    space: &TargetSpace,
) -> anyhow::Result<(Option<IpAddr>, Option<IpAddr>)> {
    let (has_v4, has_v6) = space.families();
    let pick = |v6: bool| -> anyhow::Result<Option<IpAddr>> {
        if let Some(ip) = given.iter().find(|ip| ip.is_ipv6() == v6) {
            return Ok(Some(*ip));
        }
        let first = (0..space.len())
            .step_by(space.ports().len())
            .map(|n| space.get(n).0)
            .find(|a| a.is_ipv6() == v6)
            .expect("the family is present");
        crate::net::source_for(first)
            .map(Some)
            .context("finding a source address (give one with --source-ip)")
    };
    Ok((
        if has_v4 { pick(false)? } else { None },
        if has_v6 { pick(true)? } else { None },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: Args,
    }

    fn args(line: &[&str]) -> Args {
        Cli::try_parse_from(std::iter::once("scan").chain(line.iter().copied()))
            .unwrap()
            .args
    }

    fn err(line: &[&str]) -> String {
        format!("{:#}", plan(&args(line)).err().expect("should fail"))
    }

    #[test]
    fn refuses_without_targets() {
        assert!(err(&[]).contains("no targets"));
    }

    #[test]
    fn lab_prefixes_need_the_flag() {
        assert!(err(&["198.18.1.0/24"]).contains("--allow-lab"));
        assert!(err(&["2001:db8::/120"]).contains("--allow-lab"));
        assert!(err(&["10.0.0.0/8", "--allow-lab"]).contains("blocklisted"));
    }

    #[test]
    fn sharding_arguments_are_checked() {
        assert!(err(&[
            "198.18.1.0/24",
            "--allow-lab",
            "--shards",
            "2",
            "--shard",
            "2"
        ])
        .contains("--shard"));
        assert!(err(&["198.18.1.0/24", "--allow-lab", "--shards", "2"]).contains("--seed"));
        assert!(err(&["198.18.1.0/24", "--allow-lab", "--shards", "0"]).contains("--shard"));
    }

    #[test]
    fn keys_and_ranges_parse() {
        assert_eq!(
            parse_key("0c0c0c0c0c0c0c0c").unwrap(),
            0x0c0c_0c0c_0c0c_0c0c
        );
        assert_eq!(parse_key("0x0000000000000001").unwrap(), 1);
        assert!(parse_key("0c0c").is_err());
        assert!(parse_key("zzzzzzzzzzzzzzzz").is_err());
        assert_eq!(parse_port_range("1000-2000").unwrap(), (1000, 2000));
        assert!(parse_port_range("2000-1000").is_err());
        assert!(parse_port_range("0-10").is_err());
        assert!(parse_port_range("80").is_err());
    }
}
