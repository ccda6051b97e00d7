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
pub mod config;
pub mod dryrun;
pub mod engine;
pub mod filter;
pub mod firewall;
pub mod log;
pub mod metadata;
pub mod monitor;
pub mod output;
pub mod permutation;
pub mod probes;
#[cfg(test)]
mod properties;
pub mod reply;
pub mod shared_args;
pub mod sources;
pub mod stop;
pub mod targets;
pub mod validation;

use std::io::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime};

use anyhow::{bail, Context};
use mptcpscan::mptcp::Version;

use self::addrset::AddrSet;
use self::engine::{Plan, Summary};
use self::filter::Filter;
use self::firewall::Firewall;
use self::metadata::{Metadata, ProbeMetadata};
use self::monitor::{Abort, Limits};
use self::output::{Format, Writer, FIELDS};
use self::permutation::Permutation;
use self::shared_args::{BlocklistArgs, ProbeArgs};
use self::sources::Sources;
use self::targets::TargetSpace;
use self::validation::{Validator, DEFAULT_SOURCE_PORTS};

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

/// The scan settings `scan` and `chain` share. Flags carry ZMap's names and meanings; the
/// README lists every difference from ZMap, and earlier spellings stay as aliases.
#[derive(clap::Args, Debug, Clone)]
// `chain` flattens these into its own `Args`: the group needs a name of its own.
#[group(id = "scan_args")]
pub struct Args {
    /// Targets: addresses or CIDR prefixes, IPv4 or IPv6 (nothing is scanned without targets).
    pub targets: Vec<String>,
    /// File of targets, one address or prefix a line (`#` comments); repeatable.
    #[arg(
        short = 'I',
        long = "list-of-ips",
        visible_alias = "targets-file",
        value_name = "FILE"
    )]
    pub targets_files: Vec<PathBuf>,
    /// Only scan the addresses of this file (one address or prefix a line); with no other
    /// targets, scan all of them.
    #[arg(short = 'w', long = "allowlist-file", value_name = "FILE")]
    pub allowlist: Option<PathBuf>,
    /// What may never be probed.
    #[command(flatten)]
    pub blocklist: BlocklistArgs,
    /// Ports to probe, e.g. `80,443` or `8000-8010`.
    #[arg(
        short = 'p',
        long = "target-ports",
        visible_alias = "ports",
        default_value = "80"
    )]
    pub ports: String,
    /// The probe.
    #[command(flatten)]
    pub probe: ProbeArgs,
    /// Probes per second (0: as fast as the kernel takes them).
    #[arg(short, long, default_value_t = 10_000)]
    pub rate: u64,
    /// Send rate in bits per second instead (suffixes G, M, K: `10M`), turned into probes per
    /// second as ZMap does: each probe costs its frame plus 24 bytes of Ethernet preamble, start
    /// and gap, at least 84 bytes.
    #[arg(short = 'B', long, value_name = "BPS", conflicts_with = "rate")]
    pub bandwidth: Option<String>,
    /// Seconds to keep listening after the last probe.
    #[arg(
        short = 'c',
        long = "cooldown-time",
        visible_alias = "cooldown",
        default_value_t = 8.0
    )]
    pub cooldown: f64,
    /// Rounds over every target (lost probes are retried; replies are reported once).
    #[arg(short = 'P', long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub probes: u32,
    /// Times to send a probe again when the kernel refuses it.
    #[arg(long, default_value_t = 10)]
    pub retries: u32,
    /// Abort once the kernel has refused more than this many probes (-1: never).
    #[arg(
        long,
        value_name = "N",
        default_value_t = -1,
        allow_negative_numbers = true,
        value_parser = clap::value_parser!(i64).range(-1..)
    )]
    pub max_sendto_failures: i64,
    /// Abort when, after 5 s of warm-up, the hit rate (percent of the probes sent that got a
    /// SYN-ACK) stays below this for 5 s (0: never).
    #[arg(long, value_name = "PERCENT", default_value_t = 0.0)]
    pub min_hitrate: f64,
    /// Probe at most this many targets (address and port) in all shards together, or this
    /// percentage of them (`10%`).
    #[arg(short = 'n', long = "max-targets", value_name = "N|P%")]
    pub max_targets: Option<String>,
    /// Stop sending after this many seconds (the cooldown follows).
    #[arg(short = 't', long = "max-runtime", value_name = "SECS")]
    pub max_runtime: Option<f64>,
    /// Split the scan into this many disjoint shards (one per vantage point).
    #[arg(long, default_value_t = 1)]
    pub shards: u64,
    /// Which shard this run scans (0-based).
    #[arg(long, default_value_t = 0)]
    pub shard: u64,
    /// Sending threads, each with its own transmit ring and its own part of the shard's targets;
    /// together they keep to -r/-B. Shards do not depend on it: vantage points may differ.
    #[arg(
        short = 'T',
        long = "sender-threads",
        value_name = "N",
        default_value_t = 1,
        value_parser = clap::value_parser!(u64).range(1..=MAX_SENDER_THREADS)
    )]
    pub sender_threads: u64,
    /// Seed of the visiting order: every shard of one scan must use the same (random by default,
    /// required with --shards).
    #[arg(short = 'e', long)]
    pub seed: Option<u64>,
    /// Source addresses: an address, a range `A-B` or a prefix; repeatable or comma-separated
    /// (default: the kernel's choice for the first target of each family).
    #[arg(short = 'S', long = "source-ip", value_name = "ADDR|A-B|PREFIX")]
    pub source_ips: Vec<String>,
    /// Source port or range of the probes (default: a window of 4096 ports drawn at random in
    /// 32768-61000 for each scan).
    #[arg(
        short = 's',
        long = "source-port",
        visible_alias = "source-ports",
        value_name = "PORT|LOW-HIGH"
    )]
    pub source_port: Option<String>,
    /// The MAC address of the next hop, e.g. `02:6d:6c:00:00:01` (default: the gateway's entry
    /// in the neighbour table).
    #[arg(short = 'G', long = "gateway-mac", value_name = "MAC", value_parser = parse_mac)]
    pub gateway_mac: Option<[u8; 6]>,
    /// Send and receive through this interface only (default: as the routing table says).
    #[arg(short = 'i', long = "interface")]
    pub interface: Option<String>,
    /// IP TTL / hop limit of the probes.
    #[arg(long = "probe-ttl", visible_alias = "ttl", default_value_t = 64, value_parser = clap::value_parser!(u8).range(1..))]
    pub ttl: u8,
    /// Output file (default, or `-`: standard output).
    #[arg(short = 'o', long = "output-file", visible_alias = "output")]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(
        short = 'O',
        long = "output-module",
        visible_alias = "format",
        value_enum,
        default_value = "csv"
    )]
    pub format: Format,
    /// No progress bar and no summary line.
    #[arg(short, long)]
    pub quiet: bool,
    /// Read flags from this file: one `long-name value` a line (or `long-name=value`, a switch
    /// alone; `"..."` around a value with spaces; `#` comments). The command line wins.
    #[arg(short = 'C', long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Write the run's metadata (ZMap's keys, plus the probe) here as JSON.
    #[arg(short = 'm', long = "metadata-file", value_name = "FILE")]
    pub metadata: Option<PathBuf>,
    /// A note for the metadata file (`notes`).
    #[arg(long, value_name = "TEXT")]
    pub notes: Option<String>,
    /// JSON copied into the metadata file (`user-metadata`).
    #[arg(long, value_name = "JSON")]
    pub user_metadata: Option<String>,
    /// Print every probe, decoded and in hex, instead of sending it.
    #[arg(short = 'd', long)]
    pub dryrun: bool,
    /// Drop the kernel's RSTs to the SYN-ACKs of our probes while the run lasts (an nft rule on
    /// the source addresses and ports of our probes, removed afterwards).
    #[arg(long)]
    pub firewall: bool,
    /// Write log entries (notes, warnings, the summary, the final error) to this file instead
    /// of standard error.
    #[arg(
        short = 'l',
        long = "log-file",
        value_name = "FILE",
        conflicts_with = "log_directory"
    )]
    pub log_file: Option<PathBuf>,
    /// Write log entries to a new file in this folder, named for the time it was opened.
    #[arg(short = 'L', long = "log-directory", value_name = "DIR")]
    pub log_directory: Option<PathBuf>,
    /// Log level 0-5 (ZMap's): 0 errors only, 1 and up also warnings, 4 and up every refused
    /// probe instead of the first of each kind.
    #[arg(short = 'v', long = "verbosity", default_value_t = 3, value_parser = clap::value_parser!(u8).range(0..=5))]
    pub verbosity: u8,
}

/// Arguments of `mptcpscan scan`: the shared settings plus what only a lone scan does.
#[derive(clap::Args, Debug, Clone)]
pub struct ScanArgs {
    /// Targets, probes, rate, sources, outputs.
    #[command(flatten)]
    pub args: Args,
    /// Output fields, comma-separated, in this order (`*`: all).
    #[arg(short = 'f', long = "output-fields", value_name = "FIELDS")]
    pub output_fields: Option<String>,
    /// Only write rows passing this expression, e.g. `success = 1 && mptcp_verdict != mirrored`.
    #[arg(long, value_name = "EXPR")]
    pub output_filter: Option<String>,
    /// Stop after this many rows were written.
    #[arg(short = 'N', long = "max-results")]
    pub max_results: Option<u64>,
}

/// What a scan's setup decided beside the plan (for the metadata).
#[derive(Debug, Clone)]
pub struct Setup {
    /// The blocklist files read.
    pub blocklist_files: Vec<String>,
    /// Target addresses left after the blocklist.
    pub allowed: u128,
    /// Target addresses the blocklist removed.
    pub not_allowed: u128,
    /// The seed of the visiting order.
    pub seed: u64,
    /// Whether the seed was given.
    pub seed_provided: bool,
    /// The source-port window.
    pub window: (u16, u16),
    /// `-B` in bits per second (0: not given).
    pub bandwidth: u64,
    /// `--user-metadata`, parsed.
    pub user_metadata: Option<serde_json::Value>,
}

/// What the output side of a scan counted.
#[derive(Debug, Default)]
struct Written {
    rows: u64,
    cooldown_synacks: u64,
    pipe_closed: bool,
}

/// The most sending threads `-T` takes (ZMap's limit): each has a 1 MiB transmit ring, and
/// past one thread per core more threads only contend.
pub const MAX_SENDER_THREADS: u64 = 255;

/// Runs `mptcpscan scan`.
pub fn run(cli: ScanArgs) -> anyhow::Result<()> {
    let args = &cli.args;
    log::open(args.log_file.as_deref(), args.log_directory.as_deref())?;
    let fields = match &cli.output_fields {
        Some(text) => output::parse_fields(text)?,
        None => FIELDS.to_vec(),
    };
    let filter = cli
        .output_filter
        .as_deref()
        .map(Filter::parse)
        .transpose()?;
    let (plan, setup) = prepare(args)?;
    let mut out: Box<dyn Write + Send> = match &args.output {
        Some(path) if path.as_os_str() != "-" => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        _ => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    let started = SystemTime::now();
    let metadata = |summary: &Summary, written: &Written, firewall_table| {
        write_metadata(
            args,
            &plan,
            summary,
            MetadataRun {
                setup: &setup,
                max_results: cli.max_results,
                output_filter: cli.output_filter.as_deref(),
                output_results: written.rows,
                cooldown_synacks: written.cooldown_synacks,
                firewall_table,
                started,
                chain: None,
            },
        )
    };
    if args.dryrun {
        let printed = dryrun::print(&plan, &mut out).and_then(|n| {
            out.flush().context("writing the dry run")?;
            Ok(n)
        });
        metadata(&Summary::default(), &Written::default(), None)?;
        return match printed {
            Err(e) if output::is_broken_pipe(&e) => Ok(()),
            other => other.map(drop),
        };
    }
    stop::install()?;
    let firewall = if args.firewall {
        Some(Firewall::install(
            &plan.sources.all().collect::<Vec<_>>(),
            setup.window,
            plan.space.ports(),
        )?)
    } else {
        if args.verbosity >= 1 && plan.sources.all().any(crate::net::is_local) {
            log::entry(
                log::Level::Warn,
                "note: this host's kernel will answer every SYN-ACK with a RST (it holds no \
                 connection for them); --firewall drops those RSTs during the scan",
            );
        }
        None
    };
    let mut written = Written::default();
    let mut writer = Writer::new(args.format, fields, out);
    let mut flushed = Instant::now();
    let result = match writer.as_mut() {
        Ok(writer) => engine::run(&plan, |record| {
            if record.success && record.cooldown {
                written.cooldown_synacks += 1;
            }
            if written.pipe_closed {
                return Ok(());
            }
            let row = output::row(&record)?;
            if filter.as_ref().is_some_and(|f| !f.accepts(&row)) {
                return Ok(());
            }
            let mut step = writer.write_row(&row);
            // Rows reach the file within a tenth of a second, so even a killed scan keeps
            // nearly everything, without a write system call per row at high hit rates.
            if step.is_ok() && flushed.elapsed() >= Duration::from_millis(100) {
                flushed = Instant::now();
                step = writer.flush();
            }
            match step {
                Err(e) if output::is_broken_pipe(&e) => {
                    written.pipe_closed = true;
                    stop::halt();
                    return Ok(());
                }
                other => other?,
            }
            written.rows += 1;
            if cli.max_results.is_some_and(|n| written.rows >= n) {
                stop::halt();
            }
            Ok(())
        }),
        Err(e) if output::is_broken_pipe(e) => {
            written.pipe_closed = true;
            Ok(Summary::default())
        }
        Err(e) => Err(anyhow::anyhow!("writing the CSV header: {e:#}")),
    };
    let flushed = match writer {
        Ok(mut w) if !written.pipe_closed => w.flush(),
        _ => Ok(()),
    };
    let table = firewall.as_ref().map(|f| f.table().to_string());
    drop(firewall);
    let summary = result?;
    metadata(&summary, &written, table)?;
    match flushed {
        Err(e) if output::is_broken_pipe(&e) => {}
        other => other?,
    }
    if !args.quiet {
        report(&plan, &summary);
    }
    check_aborted(&summary)?;
    check_sent(&plan, &summary)?;
    if summary.interrupted {
        return Err(stop::Interrupted.into());
    }
    Ok(())
}

/// The summary line on stderr.
fn report(plan: &Plan, summary: &Summary) {
    let secs = summary.send_time.as_secs_f64();
    let pps = if secs > 0.0 {
        summary.sent_ok() as f64 / secs
    } else {
        0.0
    };
    log::entry(
        log::Level::Info,
        &format!(
            "sent {} probes in {secs:.2} s ({pps:.0} pps) to {} targets, {} replies, \
         {} SYN-ACKs, {} with MP_CAPABLE{}",
            summary.sent_ok(),
            engine::schedule_len(plan) / (plan.versions.len() as u64 * u64::from(plan.rounds)),
            summary.replies,
            summary.synacks,
            summary.mp_capable,
            if summary.interrupted {
                " (interrupted)"
            } else {
                ""
            }
        ),
    );
    log::entry(
        log::Level::Info,
        &format!(
            "receiver: {:.2} s CPU, {} packets passed the kernel filter, {} lost (receive ring \
         full)",
            summary.receive_cpu.as_secs_f64(),
            summary.filtered_in,
            summary.receive_drops
        ),
    );
    if summary.send_errors > 0 {
        log::entry(
            log::Level::Info,
            &format!("the kernel refused {} probes", summary.send_errors),
        );
    }
}

/// Fails when nothing, or almost nothing (under 1 %), could be sent: such a scan found nothing
/// because it asked nothing, and must not pass for an empty result.
pub fn check_sent(plan: &Plan, summary: &Summary) -> anyhow::Result<()> {
    if summary.sent == 0 || summary.sent_ok() * 100 >= summary.sent {
        return Ok(());
    }
    let first = engine::schedule(plan).next();
    let target = first.map_or_else(|| "TARGET".to_string(), |p| p.dst.to_string());
    let source = first
        .and_then(|p| p.src)
        .map_or_else(|| "ADDR".to_string(), |a| a.to_string());
    bail!(
        "nothing could be sent: the kernel refused {} of {} probes ({}). Check that this host \
         has a route to the targets (`ip route get {target}`), that the interface is up (`-i`, \
         `ip link`), and that the source address (`-S {source}`) is this host's or routed back \
         to it",
        summary.send_errors,
        summary.sent,
        summary.first_error.as_deref().unwrap_or("no error given"),
    )
}

/// Fails when `--max-sendto-failures` or `--min-hitrate` aborted the scan (after everything
/// received was written, as on Ctrl-C).
pub fn check_aborted(summary: &Summary) -> anyhow::Result<()> {
    match &summary.aborted {
        None => Ok(()),
        Some(abort @ Abort::SendtoFailures { .. }) => bail!(
            "{abort} (first error: {})",
            summary.first_error.as_deref().unwrap_or("none given")
        ),
        Some(abort) => bail!("{abort}"),
    }
}

/// What the metadata file says beside the arguments, the plan and the summary.
#[derive(Debug)]
pub struct MetadataRun<'a> {
    /// What the setup decided.
    pub setup: &'a Setup,
    /// `-N`.
    pub max_results: Option<u64>,
    /// `--output-filter`.
    pub output_filter: Option<&'a str>,
    /// Rows written.
    pub output_results: u64,
    /// Distinct SYN-ACKs received during the cooldown.
    pub cooldown_synacks: u64,
    /// The nft table of `--firewall`.
    pub firewall_table: Option<String>,
    /// When the run started.
    pub started: SystemTime,
    /// What a chain adds.
    pub chain: Option<metadata::ChainMetadata>,
}

/// Writes `-m`'s file, if asked for.
pub fn write_metadata(
    args: &Args,
    plan: &Plan,
    summary: &Summary,
    run: MetadataRun,
) -> anyhow::Result<()> {
    let Some(path) = &args.metadata else {
        return Ok(());
    };
    let (setup, started) = (run.setup, run.started);
    let now = SystemTime::now();
    let send_end = started + summary.send_time;
    let versions: Vec<u8> = plan
        .versions
        .iter()
        .map(|v| match v {
            Version::V0 => 0,
            Version::V1 => 1,
        })
        .collect();
    let metadata = Metadata {
        local_hostname: metadata::hostname(),
        target_ports: plan.space.ports().to_vec(),
        source_port_first: setup.window.0,
        source_port_last: setup.window.1,
        max_targets: plan.max_targets.unwrap_or(0),
        max_runtime: plan.max_runtime.map_or(0.0, |d| d.as_secs_f64()),
        max_results: run.max_results.unwrap_or(0),
        output_results: run.output_results,
        iface: args.interface.clone(),
        gateway_mac: args.gateway_mac.map(|m| {
            m.iter()
                .map(|b| format!("{b:02x}"))
                .collect::<Vec<_>>()
                .join(":")
        }),
        rate: plan.rate,
        bandwidth: setup.bandwidth,
        cooldown_secs: plan.cooldown.as_secs_f64(),
        senders: plan.threads,
        seed: setup.seed,
        seed_provided: u8::from(setup.seed_provided),
        hitrate: monitor::hitrate(monitor::Counts {
            sent_ok: summary.sent_ok(),
            send_errors: summary.send_errors,
            synacks: summary.synacks,
        }),
        shard_num: plan.shard.0,
        total_shards: plan.shard.1,
        min_hitrate: plan.limits.min_hitrate,
        max_sendto_failures: plan
            .limits
            .max_sendto_failures
            .map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX)),
        blocklist_total_allowed: setup.allowed,
        blocklist_total_not_allowed: setup.not_allowed,
        send_to_failures: summary.send_errors,
        total_sent: summary.sent_ok(),
        success_unique: summary.synacks,
        success_cooldown_unique: run.cooldown_synacks,
        failure_total: summary.replies - summary.synacks,
        packet_streams: u64::from(plan.rounds) * plan.versions.len() as u64,
        probe_module: "mptcpscan",
        output_module: format!("{:?}", args.format).to_lowercase(),
        send_start_time: metadata::timestamp(started),
        send_end_time: metadata::timestamp(send_end),
        recv_start_time: metadata::timestamp(started),
        recv_end_time: metadata::timestamp(now),
        output_filter: run.output_filter.map(str::to_string),
        cli_cidr_destinations: args.targets.clone(),
        probe_ttl: plan.ttl,
        source_ips: plan.sources.all().map(|a| a.to_string()).collect(),
        output_filename: args.output.as_ref().map(|p| p.display().to_string()),
        blocklist_filenames: setup.blocklist_files.clone(),
        allowlist_filename: args.allowlist.as_ref().map(|p| p.display().to_string()),
        list_of_ips_filenames: args
            .targets_files
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        dryrun: u8::from(args.dryrun),
        log_file: args.log_file.as_ref().map(|p| p.display().to_string()),
        log_directory: args.log_directory.as_ref().map(|p| p.display().to_string()),
        quiet: u8::from(args.quiet),
        log_level: args.verbosity,
        interrupted: summary.interrupted,
        aborted: summary.aborted.as_ref().map(ToString::to_string),
        notes: args.notes.clone(),
        user_metadata: setup.user_metadata.clone(),
        firewall_table: run.firewall_table,
        probe: ProbeMetadata {
            key: format!("{:016x}", plan.probes.key()),
            options: args.probe.options.to_string(),
            mptcp_versions: versions,
            option_blocks: plan
                .versions
                .iter()
                .map(|&v| engine::hex(plan.probes.block(v)))
                .collect(),
        },
        mptcpscan_version: env!("CARGO_PKG_VERSION"),
        chain: run.chain,
    };
    let mut file = std::io::BufWriter::new(
        std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
    );
    serde_json::to_writer_pretty(&mut file, &metadata)?;
    file.write_all(b"\n")?;
    file.flush()
        .with_context(|| format!("writing {}", path.display()))
}

/// How many addresses `set` holds.
fn count(set: &AddrSet) -> u128 {
    set.intervals()
        .iter()
        .fold(0u128, |n, i| n.saturating_add(i.span()).saturating_add(1))
}

/// Turns arguments into a scan plan: targets, blocklist, order, probes, sources.
pub fn plan(args: &Args) -> anyhow::Result<Plan> {
    Ok(prepare(args)?.0)
}

/// The plan, and what the setup decided beside it.
pub fn prepare(args: &Args) -> anyhow::Result<(Plan, Setup)> {
    let user_metadata = args
        .user_metadata
        .as_deref()
        .map(|text| {
            serde_json::from_str::<serde_json::Value>(text)
                .with_context(|| format!("--user-metadata `{text}` is not JSON"))
        })
        .transpose()?;
    if args.targets.is_empty() && args.targets_files.is_empty() && args.allowlist.is_none() {
        bail!(
            "no targets: give addresses or prefixes, -I FILE or -w FILE (mptcpscan never scans \
             by default)"
        );
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
        bail!("--cooldown-time must be a non-negative number of seconds");
    }
    if !(0.0..=100.0).contains(&args.min_hitrate) {
        bail!("--min-hitrate must be a percentage from 0 to 100");
    }
    let limits = Limits {
        max_sendto_failures: u64::try_from(args.max_sendto_failures).ok(),
        min_hitrate: args.min_hitrate,
    };
    let max_runtime = match args.max_runtime {
        Some(t) if !t.is_finite() || t <= 0.0 => {
            bail!("--max-runtime must be a positive number of seconds")
        }
        other => other.map(Duration::from_secs_f64),
    };
    let mut wanted = targets::collect(&args.targets, &args.targets_files)?;
    if let Some(path) = &args.allowlist {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading allowlist {}", path.display()))?;
        let allow = AddrSet::from_nets(
            targets::parse_target_lines(&text)
                .with_context(|| format!("in allowlist {}", path.display()))?,
        );
        wanted = if args.targets.is_empty() && args.targets_files.is_empty() {
            allow
        } else {
            wanted.subtract(&wanted.subtract(&allow))
        };
    }
    let blocklist = args.blocklist.build()?;
    let allowed = wanted.subtract(&blocklist.set);
    if allowed.is_empty() {
        bail!(
            "every target is blocklisted (reserved ranges are blocked; the lab's 198.18.0.0/15 and \
             2001:db8::/32 need --allow-lab)"
        );
    }
    let space = TargetSpace::new(&allowed, targets::parse_ports(&args.ports)?)?;
    let seed = args.seed.unwrap_or_else(rand::random);
    let permutation = Permutation::new(space.len(), seed);
    let max_targets = args
        .max_targets
        .as_deref()
        .map(|text| parse_max_targets(text, space.len()))
        .transpose()?
        .map(|cap| permutation::share(cap, args.shard, args.shards));
    let threads = sender_threads(args, &permutation, max_targets);
    let window = match &args.source_port {
        Some(text) => sources::parse_port_window(text)?,
        None => sources::draw_window(DEFAULT_SOURCE_PORTS, rand::random()),
    };
    let probes = args.probe.builder()?;
    let bandwidth = args
        .bandwidth
        .as_deref()
        .map(parse_bandwidth)
        .transpose()?
        .unwrap_or(0);
    let rate = if bandwidth > 0 {
        let v6 = space.families().1;
        let block = args
            .probe
            .mptcp_version
            .versions()
            .into_iter()
            .map(|v| probes.block(v).len())
            .max()
            .unwrap_or(0);
        let frame = 14 + if v6 { 40 } else { 20 } + 20 + block;
        let exact = bandwidth / probe_bits(frame);
        if exact == 0 && args.verbosity >= 1 {
            log::entry(
                log::Level::Warn,
                &format!(
                    "warning: --bandwidth {bandwidth} bit/s is under one probe a second; \
                     sending 1 probe a second"
                ),
            );
        }
        exact.max(1)
    } else {
        args.rate
    };
    let sources = sources(&args.source_ips, &space)?;
    let setup = Setup {
        blocklist_files: blocklist.files,
        allowed: count(&allowed),
        not_allowed: count(&wanted) - count(&allowed),
        seed,
        seed_provided: args.seed.is_some(),
        window,
        bandwidth,
        user_metadata,
    };
    let plan = Plan {
        permutation,
        shard: (args.shard, args.shards),
        threads,
        versions: args.probe.mptcp_version.versions(),
        probes,
        rate,
        cooldown: Duration::from_secs_f64(args.cooldown),
        rounds: args.probes,
        send_retries: args.retries,
        max_targets,
        max_runtime,
        sources,
        interface: args.interface.clone(),
        gateway_mac: args.gateway_mac,
        verbosity: args.verbosity,
        validator: Validator::new(rand::random(), window),
        ttl: args.ttl,
        progress: !args.quiet,
        limits,
        space,
    };
    Ok((plan, setup))
}

/// The sending threads: `-T`, but no more than the shard has targets to probe (a thread without
/// targets would only open a ring), as ZMap lowers it.
fn sender_threads(args: &Args, permutation: &Permutation, max_targets: Option<u64>) -> u64 {
    let targets = permutation
        .shard_len(args.shard, args.shards)
        .min(max_targets.unwrap_or(u64::MAX));
    let threads = args.sender_threads.min(targets.max(1));
    if threads < args.sender_threads && args.verbosity >= 1 {
        log::entry(
            log::Level::Warn,
            &format!(
                "warning: {targets} targets to probe, fewer than --sender-threads {}: using \
                 {threads} sending threads",
                args.sender_threads
            ),
        );
    }
    threads
}

/// Parses `-B`: bits per second, a whole number with an optional G, M or K (ZMap's suffixes,
/// powers of 1000, either case).
fn parse_bandwidth(text: &str) -> anyhow::Result<u64> {
    let text = text.trim();
    let (digits, factor) = match text.char_indices().last() {
        Some((at, 'G' | 'g')) => (&text[..at], 1_000_000_000),
        Some((at, 'M' | 'm')) => (&text[..at], 1_000_000),
        Some((at, 'K' | 'k')) => (&text[..at], 1_000),
        _ => (text, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .filter(|&bps| bps > 0)
        .with_context(|| {
            format!("--bandwidth `{text}`: a positive number of bits per second, e.g. 10M, 500K")
        })
}

/// What one probe of `frame` bytes costs on the wire, in bits, as ZMap counts it for `-B`: the
/// frame plus Ethernet's preamble, start delimiter, CRC and inter-frame gap (24 bytes), at least
/// 84 bytes.
fn probe_bits(frame: usize) -> u64 {
    ((frame as u64 + 24) * 8).max(84 * 8)
}

/// Parses `-G`: six hex bytes separated by colons.
fn parse_mac(text: &str) -> Result<[u8; 6], String> {
    let bytes: Vec<u8> = text
        .split(':')
        .map(|b| {
            (b.len() == 2)
                .then(|| u8::from_str_radix(b, 16).ok())
                .flatten()
        })
        .collect::<Option<_>>()
        .ok_or_else(|| format!("`{text}` is not a MAC address such as 02:6d:6c:00:00:01"))?;
    bytes
        .try_into()
        .map_err(|_| format!("`{text}` is not a MAC address such as 02:6d:6c:00:00:01"))
}

/// Parses `-n`: a count, or a percentage of all `total` targets.
fn parse_max_targets(text: &str, total: u64) -> anyhow::Result<u64> {
    let text = text.trim();
    if let Some(percent) = text.strip_suffix('%') {
        let p: f64 = percent
            .trim()
            .parse()
            .ok()
            .filter(|p: &f64| p.is_finite() && *p > 0.0 && *p <= 100.0)
            .with_context(|| format!("--max-targets `{text}`: a percentage above 0, up to 100"))?;
        return Ok(((total as f64 * p / 100.0).ceil() as u64).max(1));
    }
    match text.parse::<u64>() {
        Ok(n) if n > 0 => Ok(n),
        _ => bail!("--max-targets `{text}`: a positive count or a percentage such as 10%"),
    }
}

/// Parses a 64-bit key given as 16 hex digits (an optional `0x` allowed).
pub fn parse_key(text: &str) -> anyhow::Result<u64> {
    let digits = text.trim().trim_start_matches("0x");
    if digits.len() != 16 {
        bail!("--key must be 16 hex digits (64 bits), got `{text}`");
    }
    u64::from_str_radix(digits, 16).with_context(|| format!("--key `{text}` is not hex"))
}

/// The source addresses: the given ones, and for a family of targets without one, the
/// kernel's route to the family's first target.
fn sources(given: &[String], space: &TargetSpace) -> anyhow::Result<Sources> {
    let mut sources = Sources::parse(given)?;
    let (has_v4, has_v6) = space.families();
    let (set_v4, set_v6) = sources.has();
    for (wanted, set, v6) in [(has_v4, set_v4, false), (has_v6, set_v6, true)] {
        if !wanted || set {
            continue;
        }
        let first = (0..space.len())
            .step_by(space.ports().len())
            .map(|n| space.get(n).0)
            .find(|a| a.is_ipv6() == v6)
            .context("the target space holds this family")?;
        let source = crate::net::source_for(first)
            .context("finding a source address (give one with -S/--source-ip)")?;
        sources.default_for(source);
    }
    Ok(sources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: ScanArgs,
    }

    fn parse(line: &[&str]) -> Result<ScanArgs, clap::Error> {
        Cli::try_parse_from(std::iter::once("scan").chain(line.iter().copied())).map(|c| c.args)
    }

    fn args(line: &[&str]) -> Args {
        parse(line).unwrap().args
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
    fn a_zero_ttl_is_refused() {
        // Issue 15: `--ttl 0` was accepted (a probe no router forwards).
        for flag in ["--ttl", "--probe-ttl"] {
            let message = parse(&["198.18.1.0/24", flag, "0"])
                .err()
                .unwrap()
                .to_string();
            assert!(message.contains("0"), "{message}");
            assert_eq!(args(&["198.18.1.0/24", flag, "1"]).ttl, 1);
        }
    }

    #[test]
    fn zmap_flags_and_the_old_spellings() {
        let zmap = parse(&[
            "198.18.1.0/24",
            "-p",
            "443",
            "-c",
            "2",
            "-o",
            "x.csv",
            "-O",
            "json",
            "-f",
            "saddr",
            "-e",
            "7",
            "-s",
            "40000-40010",
            "-n",
            "5%",
            "-N",
            "3",
            "-t",
            "9",
            "-P",
            "2",
            "-m",
            "m.json",
            "-d",
            "-q",
            "-v",
            "4",
            "-i",
            "lo",
            "-b",
            "bl",
            "-w",
            "al",
            "-I",
            "t",
            "-S",
            "198.18.0.2",
        ])
        .unwrap();
        let old = parse(&[
            "198.18.1.0/24",
            "--ports",
            "443",
            "--cooldown",
            "2",
            "--output",
            "x.csv",
            "--format",
            "json",
            "--seed",
            "7",
            "--source-ports",
            "40000-40010",
            "--blocklist",
            "bl",
            "--targets-file",
            "t",
            "--ttl",
            "9",
        ])
        .unwrap();
        for a in [&zmap.args, &old.args] {
            assert_eq!(a.ports, "443");
            assert_eq!(a.cooldown, 2.0);
            assert_eq!(a.output.as_deref(), Some(std::path::Path::new("x.csv")));
            assert_eq!(a.format, Format::Json);
            assert_eq!(a.seed, Some(7));
            assert_eq!(a.source_port.as_deref(), Some("40000-40010"));
            assert_eq!(a.blocklist.files, vec![PathBuf::from("bl")]);
            assert_eq!(a.targets_files, vec![PathBuf::from("t")]);
        }
        assert_eq!(zmap.output_fields.as_deref(), Some("saddr"));
        assert_eq!(zmap.args.max_targets.as_deref(), Some("5%"));
        assert_eq!(
            (zmap.max_results, zmap.args.max_runtime),
            (Some(3), Some(9.0))
        );
        assert_eq!((zmap.args.probes, zmap.args.verbosity), (2, 4));
        assert!(zmap.args.dryrun && zmap.args.quiet);
        assert_eq!(zmap.args.interface.as_deref(), Some("lo"));
        assert!(parse(&["198.18.1.0/24", "-P", "0"]).is_err());
        assert!(parse(&["198.18.1.0/24", "-v", "6"]).is_err());
    }

    #[test]
    fn bandwidth_turns_into_a_rate_as_zmap_counts_it() {
        assert_eq!(parse_bandwidth("10M").unwrap(), 10_000_000);
        assert_eq!(parse_bandwidth("2g").unwrap(), 2_000_000_000);
        assert_eq!(parse_bandwidth("500k").unwrap(), 500_000);
        assert_eq!(parse_bandwidth("1234").unwrap(), 1234);
        for bad in [
            "",
            "M",
            "0",
            "0M",
            "10X",
            "1.5M",
            "-5",
            "99999999999999999999G",
        ] {
            assert!(parse_bandwidth(bad).is_err(), "{bad}");
        }
        // A 58-byte frame counts as the 84-byte minimum; a 94-byte one as 118.
        assert_eq!(probe_bits(58), 672);
        assert_eq!(probe_bits(94), 944);
        let line = [
            "198.18.1.0/24",
            "--allow-lab",
            "-S",
            "198.18.0.2",
            "-B",
            "1M",
        ];
        let (plan, setup) = prepare(&args(&line)).unwrap();
        // Linux's options with MP_CAPABLE v0 take 32 bytes: 14 + 20 + 20 + 32 + 24 = 110.
        assert_eq!(plan.probes.block(Version::V0).len(), 32);
        assert_eq!((plan.rate, setup.bandwidth), (1_000_000 / 880, 1_000_000));
        let (plan, _) = prepare(&args(&[&line[..4], &["-B", "8"]].concat())).unwrap();
        assert_eq!(plan.rate, 1, "under a probe a second: one a second");
        // -B and -r exclude each other, as in ZMap; -r's default does not count.
        assert!(parse(&[&line[..], &["-r", "5"]].concat()).is_err());
        assert_eq!(args(&line[..4]).rate, 10_000);
    }

    #[test]
    fn abort_limits_parse_and_are_checked() {
        let line = ["198.18.1.0/24", "--allow-lab", "-S", "198.18.0.2"];
        let (plan, _) = prepare(&args(&line)).unwrap();
        assert_eq!(plan.limits, Limits::default(), "ZMap's defaults: -1 and 0");
        let given = [
            &line[..],
            &["--max-sendto-failures", "7", "--min-hitrate", "2.5"],
        ]
        .concat();
        let (plan, _) = prepare(&args(&given)).unwrap();
        assert_eq!(
            plan.limits,
            Limits {
                max_sendto_failures: Some(7),
                min_hitrate: 2.5
            }
        );
        let unlimited = [&line[..], &["--max-sendto-failures", "-1"]].concat();
        assert_eq!(
            prepare(&args(&unlimited)).unwrap().0.limits,
            Limits::default()
        );
        assert!(parse(&[&line[..], &["--max-sendto-failures", "-2"]].concat()).is_err());
        for bad in ["-1", "101", "nan"] {
            let line = [&line[..], &["--min-hitrate", bad]].concat();
            let refused = parse(&line).map_or(true, |a| prepare(&a.args).is_err());
            assert!(refused, "{bad}");
        }
    }

    #[test]
    fn sender_threads_are_checked_and_capped_at_the_targets() {
        let line = ["198.18.1.0/24", "--allow-lab", "-S", "198.18.0.2"];
        assert_eq!(
            prepare(&args(&line)).unwrap().0.threads,
            1,
            "one by default"
        );
        for flag in ["-T", "--sender-threads"] {
            let given = [&line[..], &[flag, "3"]].concat();
            assert_eq!(prepare(&args(&given)).unwrap().0.threads, 3);
        }
        assert!(parse(&[&line[..], &["-T", "-1"]].concat()).is_err());
        for bad in ["0", "256", "two"] {
            let message = parse(&[&line[..], &["-T", bad]].concat())
                .err()
                .unwrap_or_else(|| panic!("-T {bad} accepted"))
                .to_string();
            assert!(message.contains("--sender-threads"), "{message}");
        }
        assert_eq!(
            args(&[&line[..], &["-T", "255"]].concat()).sender_threads,
            255
        );
        // More threads than targets: one thread per target (-n counts, shards count).
        let few = [&line[..], &["-T", "8", "-n", "3"]].concat();
        assert_eq!(prepare(&args(&few)).unwrap().0.threads, 3);
        let tiny = [
            "198.18.1.0/31",
            "--allow-lab",
            "-S",
            "198.18.0.2",
            "-T",
            "8",
        ];
        assert_eq!(prepare(&args(&tiny)).unwrap().0.threads, 2);
        let sharded = [&tiny[..], &["--shards", "2", "--shard", "1", "-e", "1"]].concat();
        assert_eq!(prepare(&args(&sharded)).unwrap().0.threads, 1);
    }

    #[test]
    fn gateway_macs_parse() {
        assert_eq!(
            parse_mac("02:6d:6c:00:00:0A").unwrap(),
            [2, 0x6d, 0x6c, 0, 0, 10]
        );
        for bad in [
            "",
            "02:6d:6c:00:00",
            "02:6d:6c:00:00:01:02",
            "2:6d:6c:00:00:01",
            "zz:6d:6c:00:00:01",
        ] {
            assert!(parse_mac(bad).is_err(), "{bad}");
        }
        assert_eq!(
            args(&["198.18.1.0/24", "-G", "02:00:00:00:00:01"]).gateway_mac,
            Some([2, 0, 0, 0, 0, 1])
        );
    }

    #[test]
    fn max_targets_counts_or_percentages_split_over_shards() {
        assert_eq!(parse_max_targets("10", 1000).unwrap(), 10);
        assert_eq!(parse_max_targets("10%", 1000).unwrap(), 100);
        assert_eq!(parse_max_targets("0.01%", 1000).unwrap(), 1);
        for bad in ["0", "-1", "0%", "101%", "x", "nan%"] {
            assert!(parse_max_targets(bad, 1000).is_err(), "{bad}");
        }
        let shares: Vec<u64> = (0..3).map(|i| permutation::share(10, i, 3)).collect();
        assert_eq!(shares, [4, 3, 3]);
    }

    #[test]
    fn the_allowlist_narrows_or_gives_the_targets() {
        let dir = std::env::temp_dir().join(format!("mptcpscan-allow-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let allow = dir.join("allow");
        std::fs::write(&allow, "198.18.1.0/28\n").unwrap();
        let allow = allow.to_str().unwrap();
        let line = ["-S", "198.18.0.2", "--allow-lab", "-w", allow];
        let (plan, setup) = prepare(&args(&[&["198.18.1.0/24"], &line[..]].concat())).unwrap();
        assert_eq!(plan.space.len(), 16);
        assert_eq!((setup.allowed, setup.not_allowed), (16, 0));
        let (plan, _) = prepare(&args(&line)).unwrap();
        assert_eq!(plan.space.len(), 16, "-w alone gives the targets");
        let outside = [
            "198.18.2.0/24",
            "-S",
            "198.18.0.2",
            "--allow-lab",
            "-w",
            allow,
        ];
        assert!(
            prepare(&args(&outside)).is_err(),
            "no target inside the allowlist"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn each_scan_draws_its_own_source_port_window() {
        let line = ["198.18.1.0/24", "-S", "198.18.0.2", "--allow-lab"];
        let windows: std::collections::HashSet<(u16, u16)> = (0..8)
            .map(|_| prepare(&args(&line)).unwrap().1.window)
            .collect();
        assert!(windows.len() > 1, "{windows:?}");
        for (low, high) in windows {
            assert_eq!(high - low + 1, sources::WINDOW);
        }
        let given = prepare(&args(&[&line[..], &["-s", "40000-40010"]].concat())).unwrap();
        assert_eq!(given.1.window, (40000, 40010));
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
    }
}
