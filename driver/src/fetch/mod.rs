//! `mptcpscan fetch`: what MPTCP buys a client. Downloads a URL from each target several times
//! over a kernel MPTCP socket and over plain TCP, alternately, and records the connect time, the
//! time to the first byte, the total time, and whether the MPTCP connection really stayed MPTCP
//! (`MPTCP_INFO`: subflows, fallback) — the comparison of Aschenbrenner's 2020 thesis (RQ4).
//!
//! Targets are explicit: URLs or addresses on the command line, or the hosts of a `chain`
//! results file. Names are never resolved, and the scanner's blocklist applies (the lab's ranges
//! open only with `--allow-lab`). HTTP only: an `https://` URL is refused with a clear error.
//!
//! Output: one row per fetch, CSV (`--output`, default stdout) and JSON lines (`--json`, with
//! `"record": "fetch"`, which `mptcpscan report` reads); a per-target summary (median times,
//! MPTCP/TCP ratio) on stderr.

mod get;
pub mod record;
mod targets;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::scan::shared_args::BlocklistArgs;
use get::{Request, SocketKind};
use record::FetchRecord;

/// Arguments of `mptcpscan fetch`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Targets: `http://ADDRESS[:PORT]/PATH` URLs (IPv6 in brackets), or `ADDRESS`,
    /// `ADDRESS:PORT`, `[IPv6]:PORT` (with --path, and --port when no port is given).
    #[arg(value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Also fetch from the hosts of a `mptcpscan chain --results` file.
    #[arg(long, value_name = "FILE")]
    pub chain: Option<PathBuf>,
    /// Chain classes to fetch from.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "mptcp,middlebox-affected,stripped",
        value_name = "CLASS"
    )]
    pub classes: Vec<String>,
    /// Port for targets without one (chain hosts: instead of the port the chain scanned).
    #[arg(long, value_name = "PORT")]
    pub port: Option<u16>,
    /// Path to fetch for targets given without one.
    #[arg(long, default_value = "/")]
    pub path: String,
    /// Fetches per target and socket kind (MPTCP and TCP alternate).
    #[arg(long, short = 'n', default_value_t = 5)]
    pub count: u32,
    /// Seconds a connection may take to set up.
    #[arg(long, default_value_t = 5.0)]
    pub connect_timeout: f64,
    /// Seconds one fetch may take in all.
    #[arg(long, default_value_t = 60.0)]
    pub timeout: f64,
    /// Stop reading a body after this many bytes.
    #[arg(long, default_value_t = 256 << 20)]
    pub max_bytes: u64,
    /// Write one CSV row per fetch here (default: stdout).
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Write one JSON object per fetch here (for `mptcpscan report`).
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// What may never be fetched from (the scanner's blocklist).
    #[command(flatten)]
    pub blocklist: BlocklistArgs,
    /// No per-target summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,
}

fn seconds(value: f64, name: &str) -> anyhow::Result<Duration> {
    if !value.is_finite() || value <= 0.0 || value > 86_400.0 {
        bail!("{name} must be a number of seconds above 0 and at most a day");
    }
    Ok(Duration::from_secs_f64(value))
}

/// Runs `mptcpscan fetch`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let connect_timeout = seconds(args.connect_timeout, "--connect-timeout")?;
    let timeout = seconds(args.timeout, "--timeout")?;
    if args.count == 0 {
        bail!("--count must be at least 1");
    }
    if args.max_bytes == 0 {
        bail!("--max-bytes must be at least 1");
    }
    let mut list = Vec::new();
    for text in &args.targets {
        list.push(targets::parse(text, args.port, &args.path)?);
    }
    if let Some(path) = &args.chain {
        let (hosts, skipped) = targets::from_chain(path, &args.classes, args.port, &args.path)?;
        if skipped > 0 && !args.quiet {
            eprintln!(
                "mptcpscan: {skipped} chain hosts on port 443 left out: fetch speaks HTTP only (give --port to fetch them over HTTP)"
            );
        }
        list.extend(hosts);
    }
    if list.is_empty() {
        bail!("no targets: give URLs or addresses, or --chain FILE with hosts of the --classes");
    }
    let blocked = args.blocklist.build()?;
    if let Some(t) = list.iter().find(|t| blocked.set.contains(t.addr.ip())) {
        bail!(
            "{} is blocklisted (reserved; the lab's prefixes need --allow-lab)",
            t.addr.ip()
        );
    }
    list.sort();
    list.dedup();
    // A kernel without MPTCP (or with net.mptcp.enabled=0) fails every MPTCP fetch the same way:
    // say so once, before fetching anything.
    get::socket(SocketKind::Mptcp, list[0].addr.ip())
        .context("creating an MPTCP socket (Linux ≥ 5.6 with net.mptcp.enabled=1 is needed)")?;

    let mut csv = record::CsvOut::new(match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    });
    let mut json = match &args.json {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => None,
    };
    crate::scan::stop::install()?;
    let mut all = Vec::new();
    'targets: for target in &list {
        let request = Request {
            addr: target.addr,
            path: target.path.clone(),
            connect_timeout,
            timeout,
            max_bytes: args.max_bytes,
        };
        let mut rows = Vec::new();
        for attempt in 1..=args.count {
            for kind in [SocketKind::Mptcp, SocketKind::Tcp] {
                if crate::scan::stop::stopping() {
                    break 'targets;
                }
                let timing = get::fetch(kind, &request, &target.host_header());
                let row = FetchRecord::new(target, kind, attempt, &timing);
                csv.write(&row)?;
                if let Some(out) = &mut json {
                    serde_json::to_writer(&mut *out, &row)?;
                    out.write_all(b"\n")?;
                }
                rows.push(row);
            }
        }
        csv.flush()?;
        if !args.quiet {
            eprint!("{}", record::summary_line(target, &rows));
        }
        all.extend(rows);
    }
    csv.flush()?;
    if let Some(out) = &mut json {
        out.flush()?;
    }
    if crate::scan::stop::stopping() {
        bail!("interrupted: the rows of the fetches done so far are written");
    }
    let ok = all.iter().filter(|r| r.outcome == "ok").count();
    if !args.quiet {
        eprintln!(
            "mptcpscan: {} fetches from {} targets, {ok} complete",
            all.len(),
            list.len()
        );
    }
    Ok(())
}
