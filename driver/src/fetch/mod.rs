//! `mptcpscan fetch`: what MPTCP buys a client. Downloads a URL from each target several times
//! over a kernel MPTCP socket and over plain TCP, alternately, and records the connect time, the
//! time to the first byte, the total time, and whether the MPTCP connection really stayed MPTCP
//! (`MPTCP_INFO`: subflows, fallback) — the comparison of Aschenbrenner's 2020 thesis (RQ4).
//!
//! Targets are explicit: URLs or addresses on the command line, or the hosts of a `chain`
//! results file. Names are never resolved, and the scanner's blocklist applies (the lab's ranges
//! open only with `--allow-lab`). `https://` targets speak TLS (rustls, [`tls`]) over the same
//! kernel sockets, with the TLS handshake's time in a column of its own (the `https` feature).
//!
//! Output: one row per fetch, CSV (`--output`, default stdout) and JSON lines (`--json`, with
//! `"record": "fetch"`, which `mptcpscan report` reads); a per-target summary (median times,
//! MPTCP/TCP ratio) on stderr.

mod get;
pub mod record;
mod targets;
#[cfg(feature = "https")]
mod tls;

use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::scan::shared_args::BlocklistArgs;
use get::{Request, SocketKind};
use record::FetchRecord;
use targets::Scheme;

/// Arguments of `mptcpscan fetch`.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Targets: `http://ADDRESS[:PORT]/PATH` or `https://...` URLs (IPv6 in brackets), or
    /// `ADDRESS`, `ADDRESS:PORT`, `[IPv6]:PORT` (with --path, --https, and --port when no port
    /// is given).
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
    /// Fetch targets given without a URL scheme (addresses, chain hosts) over HTTPS.
    #[arg(long)]
    pub https: bool,
    /// HTTPS: also trust the CA certificates of this PEM file (the lab's: `lab up` names it).
    #[arg(long, value_name = "PEM")]
    pub ca_file: Option<PathBuf>,
    /// HTTPS: the server name to send (SNI) and to verify the certificate against, instead of
    /// the address; also the `Host` header.
    #[arg(long, value_name = "NAME")]
    pub sni: Option<String>,
    /// HTTPS: accept any certificate (still a full handshake). Every row says
    /// `tls_verified` false.
    #[arg(long)]
    pub insecure: bool,
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

/// The TLS client for the run's HTTPS targets (none without any); the TLS options without an
/// HTTPS target are refused, as they would do nothing.
#[cfg(feature = "https")]
fn tls_client(args: &Args, list: &[targets::Target]) -> anyhow::Result<Option<tls::Client>> {
    if !list.iter().any(|t| t.scheme == Scheme::Https) {
        check_no_tls_options(args)?;
        return Ok(None);
    }
    tls::Client::new(args.ca_file.as_deref(), args.sni.as_deref(), args.insecure).map(Some)
}

/// Without the `https` feature there are no HTTPS targets (parsing refuses them).
#[cfg(not(feature = "https"))]
fn tls_client(args: &Args, _list: &[targets::Target]) -> anyhow::Result<Option<bool>> {
    check_no_tls_options(args)?;
    Ok(None)
}

fn check_no_tls_options(args: &Args) -> anyhow::Result<()> {
    if args.ca_file.is_some() || args.sni.is_some() || args.insecure {
        bail!("--ca-file, --sni and --insecure apply to HTTPS targets only, and none is given");
    }
    Ok(())
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
    let scheme = if args.https {
        Scheme::Https
    } else {
        Scheme::Http
    };
    let mut list = Vec::new();
    for text in &args.targets {
        list.push(targets::parse(text, args.port, &args.path, scheme)?);
    }
    if let Some(path) = &args.chain {
        let (hosts, skipped) =
            targets::from_chain(path, &args.classes, args.port, &args.path, scheme)?;
        if skipped > 0 && !args.quiet {
            eprintln!(
                "mptcpscan: {skipped} chain hosts on port 443 left out: this build speaks HTTP only (give --port to fetch them over HTTP)"
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
    let tls = tls_client(&args, &list)?;
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
    let sni = args.sni.clone();
    #[cfg(feature = "https")]
    let verified = tls.as_ref().map(tls::Client::verified);
    #[cfg(not(feature = "https"))]
    let verified = tls;
    if verified == Some(false) {
        // Loud on purpose, even with --quiet: these times are of unauthenticated servers.
        eprintln!(
            "mptcpscan: WARNING: --insecure: HTTPS certificates are NOT verified (tls_verified is false in every HTTPS row)"
        );
    }
    crate::scan::stop::install()?;
    let mut all = Vec::new();
    'targets: for target in &list {
        let request = Request {
            addr: target.addr,
            path: target.path.clone(),
            connect_timeout,
            timeout,
            max_bytes: args.max_bytes,
            #[cfg(feature = "https")]
            tls: (target.scheme == Scheme::Https)
                .then(|| tls.clone())
                .flatten(),
        };
        let host_header = target.host_header(match target.scheme {
            Scheme::Https => sni.as_deref(),
            Scheme::Http => None,
        });
        let mut rows = Vec::new();
        for attempt in 1..=args.count {
            for kind in [SocketKind::Mptcp, SocketKind::Tcp] {
                if crate::scan::stop::stopping() {
                    break 'targets;
                }
                let timing = get::fetch(kind, &request, &host_header);
                let row = FetchRecord::new(target, kind, attempt, &timing, verified);
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
