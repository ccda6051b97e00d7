//! `mptcpscan dissect`: MPTCP in pcap/pcapng captures, the metrics of Hesmans et al. (TMA 2015)
//! at line speed, and scan captures classified like `mptcpscan scan` does.
//!
//! The pipeline is one pass, one packet in memory at a time: [`capture`] reads records, [`link`]
//! strips the link layer, [`segment`] finds the TCP header through the core's wire views,
//! [`tracker`] feeds it to the core's connection tracker (`mptcpscan::track`, shared with the
//! tshark plugin), and finished connections stream out as records ([`record`]) to the [`summary`]
//! collector, which writes JSON lines and CSV and aggregates the tables.
//!
//! Exit status: 0 when every capture was read to its end; 1 when a capture cannot be opened or
//! is not a pcap/pcapng file, or an output cannot be written (nothing is analysed); 2 when a
//! capture is cut short or corrupt: the packets before the damage are analysed and every result
//! is printed and written as usual, then the message names the packet.

pub mod capture;
pub mod checks;
pub mod generate;
pub mod link;
pub mod listing;
#[cfg(feature = "live")]
pub mod live;
pub mod optdump;
mod pipe;
mod read_ahead;
pub mod record;
pub mod segment;
pub mod stats;
pub mod summary;
pub mod tracker;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use capture::{CaptureError, CaptureReader};
use summary::{Collector, SummaryRecord};
use tracker::{Settings, Tracker};

/// Files larger than this get a progress bar (when stderr is a terminal).
const PROGRESS_MIN_BYTES: u64 = 32 << 20;

/// Arguments of `mptcpscan dissect`.
#[derive(clap::Args)]
pub struct Args {
    /// Capture files (pcap or pcapng), read in order as one trace.
    #[arg(required_unless_present = "interface", value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Capture live on this interface (`any` for all) until Ctrl-C or SIGTERM, then print and
    /// write everything as for a file. Needs root or CAP_NET_RAW and CAP_NET_ADMIN.
    #[arg(long, short = 'i', value_name = "IFACE", conflicts_with_all = ["files", "generate"])]
    pub interface: Option<String>,
    /// Capture filter for -i, in the BPF syntax of tcpdump and tshark
    /// [default: tcp or icmp or icmp6].
    #[arg(long, short = 'f', value_name = "FILTER")]
    pub filter: Option<String>,
    /// Write one JSON object per line: connections, unmatched MP_JOINs, SYN/SYN-ACK pairs, and a
    /// final summary (the input of `mptcpscan report`); `-` for standard output.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Write one CSV row per connection; `-` for standard output.
    #[arg(long, value_name = "PATH")]
    pub csv: Option<PathBuf>,
    /// Write every MPTCP option, one line each (packet, subtype, decoded fields); `-` for
    /// standard output.
    #[arg(long, value_name = "PATH")]
    pub options: Option<PathBuf>,
    /// Write every check of every frame, one line per frame with any (see docs/dissect.md): the
    /// values the tshark plugin shows for the same frame; `-` for standard output.
    #[arg(long, value_name = "PATH")]
    pub checks: Option<PathBuf>,
    /// Print each connection with its subflows (addresses, ports, address ids, backup, bytes each
    /// way, handshake RTT, how each ended) on standard output, as connections finish.
    #[arg(long)]
    pub connections: bool,
    /// Add each connection's per-segment time series (time, subflow, data sequence number,
    /// length) to its JSON record: what `report --connection` draws. Memory grows with the trace.
    #[arg(long)]
    pub series: bool,
    /// Do not print the summary tables.
    #[arg(long, short)]
    pub quiet: bool,
    /// Seconds without packets after which a connection is reported as still open.
    #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
    pub idle_timeout: u64,
    /// Seconds after which an MP_CAPABLE SYN without an answer counts as unanswered.
    #[arg(long, default_value_t = 10, value_name = "SECONDS")]
    pub syn_timeout: u64,
    /// Progress bar: shown on a terminal for files over 32 MiB (auto), always, or never.
    #[arg(long, value_enum, default_value_t = Progress::Auto)]
    pub progress: Progress,
    /// Instead of reading FILE, write a synthetic MPTCP v1 capture of about this many packets to
    /// it (the input of bench/dissect-vs-tshark.sh).
    #[arg(long, hide = true, value_name = "PACKETS")]
    pub generate: Option<u64>,
}

/// When to show a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Progress {
    /// On a terminal, for large files.
    Auto,
    /// Always (on standard error).
    Always,
    /// Never.
    Never,
}

/// Runs `mptcpscan dissect`.
pub fn run(args: Args) -> anyhow::Result<()> {
    if let Some(packets) = args.generate {
        let [path] = args.files.as_slice() else {
            anyhow::bail!("--generate writes exactly one FILE");
        };
        let written = generate::write_capture(path, packets)
            .with_context(|| format!("writing {}", path.display()))?;
        eprintln!("mptcpscan: wrote {written} packets to {}", path.display());
        return Ok(());
    }
    let outcome = dissect(&args)?;
    if !args.quiet {
        let mut stdout = pipe::Stdout::new();
        if args.json.as_deref() != Some(Path::new("-"))
            && args.csv.as_deref() != Some(Path::new("-"))
        {
            stdout.write_all(summary::render(&outcome).as_bytes())?;
        }
    }
    if !outcome.read_errors.is_empty() {
        for error in &outcome.read_errors {
            eprintln!("mptcpscan: {error}");
        }
        eprintln!("mptcpscan: results above cover the packets read before the problem");
        // Exit status 2 (documented above): the analysis is complete but the input was damaged.
        pipe::Stdout::new().flush()?;
        std::process::exit(2);
    }
    Ok(())
}

fn open_output(path: &Option<PathBuf>) -> anyhow::Result<Option<Box<dyn Write>>> {
    Ok(match path {
        None => None,
        Some(p) if p.as_os_str() == "-" => Some(Box::new(BufWriter::new(pipe::Stdout::new()))),
        Some(p) => Some(Box::new(BufWriter::with_capacity(
            1 << 16,
            File::create(p).with_context(|| format!("creating {}", p.display()))?,
        ))),
    })
}

/// Reads every file into one tracker and returns the summary (read errors included).
pub fn dissect(args: &Args) -> anyhow::Result<SummaryRecord> {
    if let Some(interface) = &args.interface {
        return dissect_live(args, interface);
    }
    if args.filter.is_some() {
        anyhow::bail!("-f/--filter is a capture filter for -i; files are read whole");
    }
    // Open every capture first: a missing or foreign file fails before any work is done.
    let mut readers = Vec::new();
    let mut total_bytes = 0;
    let mut read_errors = Vec::new();
    for path in &args.files {
        match CaptureReader::open(path) {
            Ok(reader) => {
                total_bytes += std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
                readers.push((path, reader));
            }
            // Cut inside its file header: a damaged capture with no packet, reported like one
            // cut inside a record (exit status 2) while the other files are analysed.
            Err(error) if error.is_truncation() => {
                read_errors.push(format!("{}: {error}", path.display()));
            }
            Err(error) => return Err(anyhow::Error::new(error).context(path.display().to_string())),
        }
    }
    let (mut tracker, mut collector) = pipeline(args)?;
    let show = match args.progress {
        Progress::Always => true,
        Progress::Never => false,
        Progress::Auto => io::stderr().is_terminal() && total_bytes >= PROGRESS_MIN_BYTES,
    };
    let bar = if show {
        let bar = ProgressBar::new(total_bytes);
        bar.set_style(
            ProgressStyle::with_template(
                "{msg} [{bar:40}] {bytes}/{total_bytes} {bytes_per_sec} eta {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar
    } else {
        ProgressBar::hidden()
    };

    let mut done_bytes = 0;
    for (path, mut reader) in readers {
        let name = path.display().to_string();
        bar.set_message(name.clone());
        tracker.start_file(&name);
        if let Err(error) = read_file(&mut reader, &mut tracker, &mut collector, &bar, done_bytes) {
            read_errors.push(format!("{name}: {error}"));
        }
        done_bytes += reader.bytes_read();
    }
    bar.finish_and_clear();
    let files = args.files.iter().map(|p| p.display().to_string()).collect();
    conclude(tracker, collector, files, read_errors)
}

/// The tracker and the collector with the outputs `args` ask for.
fn pipeline(args: &Args) -> anyhow::Result<(Tracker, Collector)> {
    let to_stdout = |p: &Option<PathBuf>| p.as_deref() == Some(Path::new("-"));
    if args.connections && (to_stdout(&args.json) || to_stdout(&args.csv)) {
        anyhow::bail!("--connections prints on standard output: write --json and --csv to files");
    }
    let mut collector = Collector::new(open_output(&args.json)?, open_output(&args.csv)?);
    if args.connections {
        collector.list_connections(Box::new(BufWriter::new(pipe::Stdout::new())));
    }
    let mut tracker = Tracker::new(
        Settings {
            idle_timeout: seconds(args.idle_timeout),
            syn_timeout: seconds(args.syn_timeout),
            ..Settings::default()
        },
        args.series,
    );
    if let Some(out) = open_output(&args.options)? {
        tracker.dump_options(out);
    }
    if let Some(out) = open_output(&args.checks)? {
        tracker.dump_checks(out);
    }
    Ok((tracker, collector))
}

/// Ends every connection still open, writes the summary, and returns it.
fn conclude(
    mut tracker: Tracker,
    mut collector: Collector,
    files: Vec<String>,
    read_errors: Vec<String>,
) -> anyhow::Result<SummaryRecord> {
    tracker.finish(&mut collector);
    tracker
        .finish_dump()
        .context("writing the option and check lines")?;
    let summary = SummaryRecord {
        record: "summary".into(),
        files,
        read_errors,
        trace: tracker.stats.clone(),
        connections: collector.aggregates.clone(),
    };
    collector.finish(&summary).context("writing the results")?;
    Ok(summary)
}

/// Captures on `interface` until Ctrl-C or SIGTERM, then concludes as for a file. Frames the
/// kernel dropped make the results incomplete: they are reported like a damaged file (exit 2).
#[cfg(feature = "live")]
fn dissect_live(args: &Args, interface: &str) -> anyhow::Result<SummaryRecord> {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    let filter = args.filter.as_deref().unwrap_or(live::DEFAULT_FILTER);
    let mut capture = live::LiveCapture::open(interface, filter)?;
    let (mut tracker, mut collector) = pipeline(args)?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    ctrlc::set_handler(move || flag.store(true, Ordering::Relaxed))
        .context("installing the Ctrl-C handler")?;
    eprintln!("mptcpscan: capturing on {interface} ({filter}); Ctrl-C stops and prints");
    let name = format!("{interface} (live)");
    tracker.start_file(&name);
    let mut unsupported_link = None;
    while let Some(packet) = capture.next_packet(&stop)? {
        analyse(&packet, &mut tracker, &mut collector, &mut unsupported_link);
    }
    let counts = capture.counts()?;
    eprintln!(
        "mptcpscan: {} frames captured on {interface}, {} dropped by the kernel, {} by the interface",
        counts.captured, counts.dropped, counts.dropped_by_interface
    );
    let mut read_errors = Vec::new();
    if counts.dropped + counts.dropped_by_interface > 0 {
        read_errors.push(format!(
            "{name}: {} frames were dropped before analysis",
            counts.dropped + counts.dropped_by_interface
        ));
    }
    conclude(tracker, collector, vec![name], read_errors)
}

/// A build without the `live` feature has no libpcap: `-i` is an error that says so.
#[cfg(not(feature = "live"))]
fn dissect_live(_args: &Args, _interface: &str) -> anyhow::Result<SummaryRecord> {
    anyhow::bail!(
        "this mptcpscan was built without live capture (the `live` feature, libpcap): capture \
         with tcpdump -w FILE and dissect the file"
    )
}

fn seconds(s: u64) -> i64 {
    i64::try_from(s.saturating_mul(1_000_000_000)).unwrap_or(i64::MAX)
}

/// Feeds one capture to the tracker; an error ends the file (what was read is kept).
fn read_file<R: capture::Source>(
    reader: &mut CaptureReader<R>,
    tracker: &mut Tracker,
    collector: &mut Collector,
    bar: &ProgressBar,
    done_bytes: u64,
) -> Result<(), CaptureError> {
    let mut unsupported_link = None;
    loop {
        if reader.packets_read().is_multiple_of(65536) {
            bar.set_position(done_bytes + reader.bytes_read());
        }
        let Some(packet) = reader.next_packet()? else {
            return Ok(());
        };
        analyse(&packet, tracker, collector, &mut unsupported_link);
    }
}

/// Takes one frame apart and feeds its TCP segment to the tracker; `unsupported_link` remembers
/// the last link type reported as unsupported, so that it is counted once per file.
fn analyse(
    packet: &capture::Packet<'_>,
    tracker: &mut Tracker,
    collector: &mut Collector,
    unsupported_link: &mut Option<u32>,
) {
    let number = packet.number;
    tracker.stats.packets += 1;
    let network = match link::network_layer(packet.link_type, packet.data) {
        Ok(network) => network,
        Err(link::LinkError::UnsupportedLinkType(t)) => {
            // Counted once per file: every packet of the interface has the same type.
            if *unsupported_link != Some(t) {
                *unsupported_link = Some(t);
                tracker.anomaly(number, format!("unsupported link-layer type {t}, skipped"));
            }
            tracker.stats.not_ip += 1;
            return;
        }
        Err(error) => {
            tracker.anomaly(number, error.to_string());
            return;
        }
    };
    if network == link::Network::Other {
        tracker.stats.not_ip += 1;
        return;
    }
    let time = packet.timestamp_ns;
    match segment::parse(network) {
        Ok(segment::Parsed::Tcp(segment)) => tracker.segment(number, time, &segment, collector),
        Ok(segment::Parsed::NotTcp) => tracker.stats.not_tcp += 1,
        Err(error) => tracker.anomaly(number, error.to_string()),
    }
}
