//! `mptcpscan chain`: the papers' whole method in one run: scan → mirror filter → trace the
//! candidates → final classes, with the summary table and the naive 2015 count beside ours.
//!
//! # Results file (`--results FILE`, read by `mptcpscan report`)
//!
//! One JSON object, `"format": "mptcpscan-chain/1"` (fields are only ever added):
//!
//! ```json
//! {
//!   "format": "mptcpscan-chain/1",
//!   "started": 1795000000,            // Unix seconds
//!   "duration_s": 12.5,
//!   "probe": { "versions": [0, 1], "options": "linux", "key": "0c0c0c0c0c0c0c0c" },
//!   "targets": { "v4": 2816, "v6": 2816, "ports": [80, 443] },   // addresses per IP version
//!   "candidates_only": false,         // true: plain answers were not traced (no `stripped`)
//!   "summary": [                       // one row per (port, IP version), then port 0 = all
//!     { "port": 80, "ip_version": 4, "targets": 176, "responsive": 144, "mp_capable": 64,
//!       "same_key": 32, "different_key": 32, "truly_mptcp": 16, "middlebox_affected": 16,
//!       "unreachable": 0, "mirror": 32, "stripped": 32, "not_mptcp": 32, "closed": 16,
//!       "silent": 16, "naive_mptcp": 64 }
//!   ],
//!   "hosts": [                         // every target that answered at least one probe
//!     { "addr": "198.18.1.5", "port": 80, "ip_version": 4,
//!       "class": "mptcp",             // combined over versions, see Class
//!       "naive_mptcp": true,          // 2015 method: the v0 probe's SYN-ACK has MP_CAPABLE
//!       "versions": [
//!         { "probe_version": 0, "class": "not-mptcp", "modified_at": null,
//!           "scan": { ...one `scan` record: saddr, daddr, ..., mptcpkey, mptcp_verdict... },
//!           "trace": { ...one `trace` JSON object, or null when not traced... } },
//!         { "probe_version": 1, ... } ] }
//!   ]
//! }
//! ```
//!
//! Classes (per probe version, and combined per host taking the first that any version has in
//! this order): `mptcp` (a key of its own and a clean path: truly MPTCP), `middlebox-affected`
//! (a key of its own, but a hop changed MP_CAPABLE on the way), `mirror` (the probe's
//! MP_CAPABLE echoed, by key or byte for byte), `stripped` (a SYN-ACK without MP_CAPABLE whose
//! trace shows a hop removing ours: the papers' strippers, the trace's `interference`
//! `stripped`; found only when plain answers are traced, the default), `unreachable` (a
//! candidate whose trace got no answer), `not-mptcp` (SYN-ACK without MP_CAPABLE; `modified_at`
//! still says where a hop rewrote it, if the trace saw that), `closed` (RST), `silent` (no
//! answer; such targets are
//! counted in `summary` but not listed in `hosts`). Received keys for the Hamming-weight
//! histogram are the `scan.mptcpkey` fields (with `scan.mptcp_key_hamming`).

use std::collections::BTreeMap;
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use serde::{Deserialize, Serialize};

use crate::scan::firewall::Firewall;
use crate::scan::metadata::ChainMetadata;
use crate::scan::output::{Record, Writer, FIELDS};
use crate::scan::probes::ReplyKind;
use crate::scan::validation::DEFAULT_SOURCE_PORTS;
use crate::scan::{self, engine, log, stop};
use crate::trace::{self, Interference, Outcome, Trace};

mod check;

/// The results file's format tag.
pub const FORMAT: &str = "mptcpscan-chain/1";

/// Arguments of `mptcpscan chain`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Scan settings (targets, ports, probes, rate, blocklist, ...); `--output` keeps the raw
    /// scan rows.
    #[command(flatten)]
    pub scan: scan::Args,
    /// Write the results here as JSON (for `mptcpscan report`).
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,
    /// Highest TTL the trace probes.
    #[arg(long, default_value_t = 16)]
    pub max_ttl: u8,
    /// Probes per second of the trace (0: unlimited).
    #[arg(long, default_value_t = 5_000)]
    pub trace_rate: u64,
    /// Seconds the trace waits for answers after each round.
    #[arg(long, default_value_t = 2.0)]
    pub trace_timeout: f64,
    /// Extra trace rounds for hops that did not answer.
    #[arg(long, default_value_t = 2)]
    pub trace_retries: u32,
    /// Trace only the candidates (a key of their own), as the papers did; by default hosts
    /// answering without MP_CAPABLE are traced too, to find middleboxes that strip it.
    #[arg(long)]
    pub candidates_only: bool,
    /// Trace at most N of the targets that answered without MP_CAPABLE, spread evenly over them
    /// (an Internet scan has millions); the candidates are always all traced.
    #[arg(long, value_name = "N", default_value_t = 1024)]
    pub trace_plain_max: usize,
    /// Compare every class with a lab's ground truth (`mptcpscan lab up --ground-truth FILE`);
    /// fails if any target of its prefixes differs.
    #[arg(long, value_name = "FILE")]
    pub check: Option<PathBuf>,
}

/// A final class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Truly MPTCP.
    Mptcp,
    /// A hop changed MP_CAPABLE.
    MiddleboxAffected,
    /// Our MP_CAPABLE echoed.
    Mirror,
    /// No MP_CAPABLE in the SYN-ACK, and the trace shows a hop removing ours.
    Stripped,
    /// A candidate whose trace got no answer.
    Unreachable,
    /// No MP_CAPABLE in the SYN-ACK.
    NotMptcp,
    /// RST.
    Closed,
    /// No answer.
    Silent,
}

impl Class {
    /// Every class, in order.
    pub const ALL: [Class; 8] = [
        Class::Mptcp,
        Class::MiddleboxAffected,
        Class::Mirror,
        Class::Stripped,
        Class::Unreachable,
        Class::NotMptcp,
        Class::Closed,
        Class::Silent,
    ];

    /// The class's name in the results and the ground truth.
    pub fn name(self) -> &'static str {
        match self {
            Class::Mptcp => "mptcp",
            Class::MiddleboxAffected => "middlebox-affected",
            Class::Mirror => "mirror",
            Class::Stripped => "stripped",
            Class::Unreachable => "unreachable",
            Class::NotMptcp => "not-mptcp",
            Class::Closed => "closed",
            Class::Silent => "silent",
        }
    }
}

/// One probe version's evidence and class for one host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VersionResult {
    /// 0 or 1.
    pub probe_version: u8,
    /// The class this version's probe gives.
    pub class: Class,
    /// The first hop whose quote shows MP_CAPABLE changed, if traced and changed.
    pub modified_at: Option<u8>,
    /// The scan's record of the reply, if any.
    pub scan: Option<Record>,
    /// The trace, if one was run.
    pub trace: Option<Trace>,
}

/// One responsive target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostResult {
    /// Its address.
    pub addr: IpAddr,
    /// The port.
    pub port: u16,
    /// 4 or 6.
    pub ip_version: u8,
    /// The combined class.
    pub class: Class,
    /// The 2015 method's answer.
    pub naive_mptcp: bool,
    /// Per probe version.
    pub versions: Vec<VersionResult>,
}

/// One row of the papers' table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SummaryRow {
    /// The port (0: every port).
    pub port: u16,
    /// 4 or 6 (0: both).
    pub ip_version: u8,
    /// Targets probed.
    pub targets: u64,
    /// Targets answering with a SYN-ACK to at least one probe.
    pub responsive: u64,
    /// Targets whose SYN-ACK had MP_CAPABLE (any version).
    pub mp_capable: u64,
    /// ... that echoed our MP_CAPABLE (the papers' "same key").
    pub same_key: u64,
    /// ... that had a key of their own (the candidates).
    pub different_key: u64,
    /// Candidates with a clean path.
    pub truly_mptcp: u64,
    /// Candidates behind a hop that changes MP_CAPABLE.
    pub middlebox_affected: u64,
    /// Candidates whose trace got no answer.
    pub unreachable: u64,
    /// Hosts classed mirror.
    pub mirror: u64,
    /// Hosts classed stripped (absent from files written before the class existed).
    #[serde(default)]
    pub stripped: u64,
    /// Hosts classed not-mptcp.
    pub not_mptcp: u64,
    /// Hosts classed closed.
    pub closed: u64,
    /// Targets that never answered.
    pub silent: u64,
    /// The 2015 method's MPTCP count (MP_CAPABLE in the v0 probe's SYN-ACK).
    pub naive_mptcp: u64,
}

/// The whole results file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainResults {
    /// Always [`FORMAT`].
    pub format: String,
    /// Unix seconds at the start.
    pub started: u64,
    /// Wall-clock duration.
    pub duration_s: f64,
    /// The probes used.
    pub probe: ProbeInfo,
    /// Target counts.
    pub targets: TargetInfo,
    /// Whether only the candidates were traced (`--candidates-only`): then a stripper's hosts
    /// stay `not-mptcp`.
    #[serde(default)]
    pub candidates_only: bool,
    /// The table.
    pub summary: Vec<SummaryRow>,
    /// Every responsive target.
    pub hosts: Vec<HostResult>,
}

/// The probes of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProbeInfo {
    /// Probe versions.
    pub versions: Vec<u8>,
    /// The option set's name.
    pub options: String,
    /// The v0 key in hex.
    pub key: String,
}

/// Target counts of a run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TargetInfo {
    /// IPv4 addresses scanned.
    pub v4: u64,
    /// IPv6 addresses scanned.
    pub v6: u64,
    /// Ports scanned.
    pub ports: Vec<u16>,
}

/// Runs `mptcpscan chain`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let started = Instant::now();
    let started_unix = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let started_at = SystemTime::now();
    log::open(
        args.scan.log_file.as_deref(),
        args.scan.log_directory.as_deref(),
    )?;
    let (plan, setup) = scan::prepare(&args.scan)?;
    if !args.trace_timeout.is_finite() || args.trace_timeout < 0.0 {
        anyhow::bail!("--trace-timeout must be a non-negative number of seconds");
    }
    // The metadata file (`-m`) of the whole run: the scan's keys, then what the trace did.
    let metadata = |summary: &engine::Summary,
                    records: &[Record],
                    firewall: Option<&Firewall>,
                    traced: u64| {
        scan::write_metadata(
            &args.scan,
            &plan,
            summary,
            scan::MetadataRun {
                setup: &setup,
                max_results: None,
                output_filter: None,
                output_results: records.len() as u64,
                cooldown_synacks: records.iter().filter(|r| r.success && r.cooldown).count() as u64,
                firewall_table: firewall.map(|f| f.table().to_string()),
                started: started_at,
                chain: Some(ChainMetadata {
                    traced,
                    candidates_only: args.candidates_only,
                    trace_plain_max: args.trace_plain_max,
                    trace_max_ttl: args.max_ttl.max(1),
                    trace_rate: args.trace_rate,
                    end_time: scan::metadata::timestamp(SystemTime::now()),
                    results_filename: args.results.as_ref().map(|p| p.display().to_string()),
                }),
            },
        )
    };
    if args.scan.dryrun {
        let mut out = std::io::BufWriter::new(std::io::stdout());
        let printed = scan::dryrun::print(&plan, &mut out)
            .and_then(|n| out.flush().map(|()| n).context("writing the dry run"));
        metadata(&engine::Summary::default(), &[], None, 0)?;
        log::entry(
            log::Level::Info,
            &format!(
                "chain: dry run: {} scan probes; the trace's targets are the scan's \
             answers, so a dry run has none to trace",
                printed?
            ),
        );
        return Ok(());
    }
    stop::install()?;
    // One rule for the scan's window and the trace's ports (the trace draws its own in the
    // default range), held until the chain ends, on every path out of this function.
    let firewall = if args.scan.firewall {
        let (low, high) = setup.window;
        let (trace_low, trace_high) = DEFAULT_SOURCE_PORTS;
        Some(Firewall::install(
            &plan.sources.all().collect::<Vec<_>>(),
            (low.min(trace_low), high.max(trace_high)),
            plan.space.ports(),
        )?)
    } else {
        None
    };
    let mut raw = match &args.scan.output {
        Some(path) => Some(Writer::new(
            args.scan.format,
            FIELDS.to_vec(),
            Box::new(std::io::BufWriter::new(
                std::fs::File::create(path)
                    .with_context(|| format!("creating {}", path.display()))?,
            )),
        )?),
        None => None,
    };
    let mut records = Vec::new();
    log::entry(
        log::Level::Info,
        &format!("chain: scanning {} targets", plan.space.len()),
    );
    let summary = engine::run(&plan, |record| {
        if let Some(w) = raw.as_mut() {
            w.write(&record)?;
        }
        records.push(record);
        Ok(())
    })?;
    if let Some(w) = raw.as_mut() {
        w.flush()?;
    }
    if let Err(error) =
        scan::check_aborted(&summary).and_then(|()| scan::check_sent(&plan, &summary))
    {
        metadata(&summary, &records, firewall.as_ref(), 0)?;
        return Err(error);
    }
    let send_secs = summary.send_time.as_secs_f64();
    log::entry(
        log::Level::Info,
        &format!(
            "chain: sent {} probes in {send_secs:.1} s ({:.0} pps); {} replies, {} SYN-ACKs, {} \
             with MP_CAPABLE; {} lost (receive ring full)",
            summary.sent_ok(),
            if send_secs > 0.0 {
                summary.sent_ok() as f64 / send_secs
            } else {
                0.0
            },
            summary.replies,
            summary.synacks,
            summary.mp_capable,
            summary.receive_drops
        ),
    );

    let versions: Vec<u8> = plan.versions.iter().map(|&v| version_number(v)).collect();
    let mut hosts = group(&records);
    let plain_max = if args.candidates_only {
        0
    } else {
        args.trace_plain_max
    };
    let (to_trace, candidates) = select_traces(&hosts, plain_max);
    let mut traces: BTreeMap<(IpAddr, u16, u8), Trace> = BTreeMap::new();
    let traced = if stop::stopping() {
        0
    } else {
        to_trace.len() as u64
    };
    if !to_trace.is_empty() && !stop::stopping() {
        log::entry(
            log::Level::Info,
            &format!(
                "chain: tracing {} targets ({candidates} candidates)",
                to_trace.len()
            ),
        );
        let trace_plan = trace::Plan {
            versions: plan.versions.clone(),
            probes: plan.probes.clone(),
            max_ttl: args.max_ttl.max(1),
            rate: args.trace_rate,
            timeout: Duration::from_secs_f64(args.trace_timeout),
            retries: args.trace_retries,
            sources: plan.sources.first(),
        };
        for t in trace::trace_all(&trace_plan, &to_trace)? {
            let addr: IpAddr = t.daddr.parse().context("trace address")?;
            traces.insert((addr, t.dport, t.probe_version), t);
        }
    }

    let mut results = Vec::new();
    for ((addr, port), by_version) in std::mem::take(&mut hosts) {
        let mut per_version = Vec::new();
        for &v in &versions {
            let record = by_version.get(&v).cloned();
            let trace = traces.remove(&(addr, port, v));
            let (class, modified_at) = classify(record.as_ref(), trace.as_ref());
            per_version.push(VersionResult {
                probe_version: v,
                class,
                modified_at,
                scan: record,
                trace,
            });
        }
        let class = per_version
            .iter()
            .map(|r| r.class)
            .min()
            .unwrap_or(Class::Silent);
        results.push(HostResult {
            addr,
            port,
            ip_version: if addr.is_ipv4() { 4 } else { 6 },
            class,
            naive_mptcp: naive(&by_version, &versions),
            versions: per_version,
        });
    }

    let (v4, v6) = plan.space.hosts_per_family();
    let targets = TargetInfo {
        v4,
        v6,
        ports: plan.space.ports().to_vec(),
    };
    let table = summarise(&results, &targets);
    print!("{}", render_table(&table));
    let out = ChainResults {
        format: FORMAT.to_string(),
        started: started_unix,
        duration_s: started.elapsed().as_secs_f64(),
        probe: ProbeInfo {
            versions,
            options: args.scan.probe.options.to_string(),
            key: format!("{:016x}", plan.probes.key()),
        },
        targets,
        candidates_only: args.candidates_only,
        summary: table,
        hosts: results,
    };
    let check = match &args.check {
        Some(path) => Some(check::against(path, &out)?),
        None => None,
    };
    if let Some(path) = &args.results {
        let mut file = std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        );
        serde_json::to_writer_pretty(&mut file, &out)?;
        file.write_all(b"\n")?;
        file.flush()?;
        log::entry(
            log::Level::Info,
            &format!("chain: results in {}", path.display()),
        );
    }
    metadata(&summary, &records, firewall.as_ref(), traced)?;
    drop(firewall);
    // A chain cut short has written what it had; its check would only list what it never probed.
    if stop::interrupted() {
        return Err(stop::Interrupted.into());
    }
    if let Some(report) = check {
        print!("{}", report.render());
        if !report.mismatches.is_empty() || !report.unreadable.is_empty() {
            anyhow::bail!(
                "{} of {} expectations differ from the ground truth",
                report.mismatches.len(),
                report.checked
            );
        }
    }
    Ok(())
}

fn version_number(v: mptcpscan::mptcp::Version) -> u8 {
    match v {
        mptcpscan::mptcp::Version::V0 => 0,
        mptcpscan::mptcp::Version::V1 => 1,
    }
}

type Grouped = BTreeMap<(IpAddr, u16), BTreeMap<u8, Record>>;

/// Scan records by (address, port), then probe version.
fn group(records: &[Record]) -> Grouped {
    let mut hosts: Grouped = BTreeMap::new();
    for r in records {
        if let Ok(addr) = r.saddr.parse::<IpAddr>() {
            hosts
                .entry((addr, r.sport))
                .or_default()
                .entry(r.probe_version)
                .or_insert_with(|| r.clone());
        }
    }
    hosts
}

/// The targets to trace: every candidate (MP_CAPABLE with a key of its own, to any probe
/// version), then at most `plain_max` of those that answered a SYN-ACK without MP_CAPABLE, every
/// k-th in address order so that all their prefixes are sampled. Also says how many are
/// candidates.
fn select_traces(hosts: &Grouped, plain_max: usize) -> (Vec<(IpAddr, u16)>, usize) {
    let mut candidates = Vec::new();
    let mut plain = Vec::new();
    for (&key, by_version) in hosts {
        let kinds: Vec<ReplyKind> = by_version.values().map(ReplyKind::of).collect();
        if kinds.contains(&ReplyKind::Mptcp) {
            candidates.push(key);
        } else if kinds.contains(&ReplyKind::Plain) {
            plain.push(key);
        }
    }
    if plain.len() > plain_max {
        let n = plain.len();
        plain = (0..plain_max).map(|i| plain[i * n / plain_max]).collect();
    }
    let count = candidates.len();
    candidates.extend(plain);
    candidates.sort_unstable();
    (candidates, count)
}

/// The 2015 method: MP_CAPABLE in the SYN-ACK to the v0 probe (or to the only version probed).
fn naive(by_version: &BTreeMap<u8, Record>, versions: &[u8]) -> bool {
    let v = if versions.contains(&0) {
        0
    } else {
        versions.first().copied().unwrap_or(1)
    };
    by_version
        .get(&v)
        .is_some_and(|r| r.success && !r.mptcp_version.is_empty())
}

/// One version's class from its scan record and trace.
pub fn classify(record: Option<&Record>, trace: Option<&Trace>) -> (Class, Option<u8>) {
    let modified_at = trace.and_then(|t| t.modified_at);
    let class = match record.map(ReplyKind::of) {
        None => Class::Silent,
        Some(ReplyKind::Rst) => Class::Closed,
        Some(ReplyKind::Mirror) => Class::Mirror,
        Some(ReplyKind::Plain) => match trace.map(|t| t.interference) {
            Some(Interference::Stripped) => Class::Stripped,
            _ => Class::NotMptcp,
        },
        Some(ReplyKind::Mptcp) => match trace.map(|t| t.outcome) {
            Some(Outcome::MiddleboxAffected) => Class::MiddleboxAffected,
            Some(Outcome::Unreachable) => Class::Unreachable,
            // A clean trace, or none (tracing interrupted): the scan's evidence stands.
            _ => Class::Mptcp,
        },
    };
    (class, modified_at)
}

/// The table rows: one per (port, IP version) present, then the total.
pub fn summarise(hosts: &[HostResult], targets: &TargetInfo) -> Vec<SummaryRow> {
    let mut rows: BTreeMap<(u16, u8), SummaryRow> = BTreeMap::new();
    for &port in &targets.ports {
        for (ipv, n) in [(4u8, targets.v4), (6, targets.v6)] {
            if n > 0 {
                rows.insert(
                    (port, ipv),
                    SummaryRow {
                        port,
                        ip_version: ipv,
                        targets: n,
                        silent: n,
                        ..SummaryRow::default()
                    },
                );
            }
        }
    }
    for h in hosts {
        let Some(row) = rows.get_mut(&(h.port, h.ip_version)) else {
            continue;
        };
        row.silent -= 1;
        let records: Vec<&Record> = h.versions.iter().filter_map(|v| v.scan.as_ref()).collect();
        if records.iter().any(|r| r.success) {
            row.responsive += 1;
        }
        if records
            .iter()
            .any(|r| r.success && !r.mptcp_version.is_empty())
        {
            row.mp_capable += 1;
            if records
                .iter()
                .any(|r| ReplyKind::of(r) == ReplyKind::Mirror)
            {
                row.same_key += 1;
            } else if records.iter().any(|r| ReplyKind::of(r) == ReplyKind::Mptcp) {
                row.different_key += 1;
            }
        }
        match h.class {
            Class::Mptcp => row.truly_mptcp += 1,
            Class::MiddleboxAffected => row.middlebox_affected += 1,
            Class::Unreachable => row.unreachable += 1,
            Class::Mirror => row.mirror += 1,
            Class::Stripped => row.stripped += 1,
            Class::NotMptcp => row.not_mptcp += 1,
            Class::Closed => row.closed += 1,
            Class::Silent => {}
        }
        if h.naive_mptcp {
            row.naive_mptcp += 1;
        }
    }
    let mut total = SummaryRow::default();
    for r in rows.values() {
        total.targets += r.targets;
        total.responsive += r.responsive;
        total.mp_capable += r.mp_capable;
        total.same_key += r.same_key;
        total.different_key += r.different_key;
        total.truly_mptcp += r.truly_mptcp;
        total.middlebox_affected += r.middlebox_affected;
        total.unreachable += r.unreachable;
        total.mirror += r.mirror;
        total.stripped += r.stripped;
        total.not_mptcp += r.not_mptcp;
        total.closed += r.closed;
        total.silent += r.silent;
        total.naive_mptcp += r.naive_mptcp;
    }
    let mut out: Vec<SummaryRow> = rows.into_values().collect();
    out.push(total);
    out
}

/// The papers' table as text, with the naive count beside ours.
pub fn render_table(rows: &[SummaryRow]) -> String {
    let header = [
        "port",
        "IP",
        "targets",
        "SYN-ACK",
        "MP_CAP",
        "same key",
        "diff key",
        "truly MPTCP",
        "middlebox",
        "unreach",
        "stripped",
        "naive (2015)",
    ];
    let mut lines: Vec<Vec<String>> = vec![header.iter().map(|s| s.to_string()).collect()];
    for r in rows {
        lines.push(vec![
            if r.port == 0 {
                "all".into()
            } else {
                r.port.to_string()
            },
            if r.ip_version == 0 {
                "all".into()
            } else {
                format!("v{}", r.ip_version)
            },
            r.targets.to_string(),
            r.responsive.to_string(),
            r.mp_capable.to_string(),
            r.same_key.to_string(),
            r.different_key.to_string(),
            r.truly_mptcp.to_string(),
            r.middlebox_affected.to_string(),
            r.unreachable.to_string(),
            r.stripped.to_string(),
            r.naive_mptcp.to_string(),
        ]);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|c| lines.iter().map(|l| l[c].len()).max().unwrap_or(0))
        .collect();
    let mut text = String::new();
    for (i, line) in lines.iter().enumerate() {
        let cells: Vec<String> = line
            .iter()
            .zip(&widths)
            .map(|(cell, &w)| format!("{cell:>w$}"))
            .collect();
        text.push_str(cells.join("  ").trim_end());
        text.push('\n');
        if i == 0 {
            text.push_str(&"-".repeat(widths.iter().sum::<usize>() + 2 * (widths.len() - 1)));
            text.push('\n');
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use mptcpscan::classify::{Signals, Verdict};

    fn record(addr: &str, port: u16, version: u8, success: bool, verdict: Verdict) -> Record {
        Record {
            saddr: addr.into(),
            daddr: "198.18.0.2".into(),
            ttl: 61,
            sport: port,
            dport: 40000,
            seqnum: 1,
            acknum: 2,
            window: 1000,
            classification: if success { "synack" } else { "rst" }.into(),
            success,
            cooldown: false,
            timestamp_ts: 0,
            timestamp_us: 0,
            optionshex: String::new(),
            optionstext: String::new(),
            mptcpkey: String::new(),
            probe_version: version,
            mptcp_version: if verdict.has_mp_capable() {
                version.to_string()
            } else {
                String::new()
            },
            mptcp_verdict: verdict,
            mptcp_signals: Signals::empty(),
            mptcp_key_hamming: String::new(),
            mptcp_token: String::new(),
        }
    }

    fn trace(outcome: Outcome, modified_at: Option<u8>) -> Trace {
        traced(outcome, modified_at, Interference::None)
    }

    fn traced(outcome: Outcome, modified_at: Option<u8>, interference: Interference) -> Trace {
        Trace {
            daddr: "198.18.1.1".into(),
            dport: 80,
            probe_version: 1,
            outcome,
            conclusion: outcome.to_string(),
            modified_at,
            interference,
            distance: Some(4),
            reply_verdict: None,
            reply_key: String::new(),
            hops: Vec::new(),
        }
    }

    #[test]
    fn versions_classify_from_scan_and_trace() {
        let a = "198.18.1.1";
        assert_eq!(classify(None, None), (Class::Silent, None));
        assert_eq!(
            classify(Some(&record(a, 80, 0, false, Verdict::Rst)), None).0,
            Class::Closed
        );
        assert_eq!(
            classify(Some(&record(a, 80, 0, true, Verdict::Mirrored)), None).0,
            Class::Mirror
        );
        let real = record(a, 80, 1, true, Verdict::MptcpV1);
        assert_eq!(classify(Some(&real), None).0, Class::Mptcp);
        assert_eq!(
            classify(Some(&real), Some(&trace(Outcome::TrulyMptcp, None))),
            (Class::Mptcp, None)
        );
        assert_eq!(
            classify(
                Some(&real),
                Some(&trace(Outcome::MiddleboxAffected, Some(2)))
            ),
            (Class::MiddleboxAffected, Some(2))
        );
        assert_eq!(
            classify(Some(&real), Some(&trace(Outcome::Unreachable, None))).0,
            Class::Unreachable
        );
        let plain = record(a, 80, 1, true, Verdict::NoMpCapable);
        assert_eq!(
            classify(
                Some(&plain),
                Some(&trace(Outcome::MiddleboxAffected, Some(3)))
            ),
            (Class::NotMptcp, Some(3))
        );
        // A plain answer behind a hop that removed our option: a stripper.
        let stripped = traced(Outcome::MiddleboxAffected, Some(2), Interference::Stripped);
        assert_eq!(
            classify(Some(&plain), Some(&stripped)),
            (Class::Stripped, Some(2))
        );
        // A candidate behind one stays middlebox-affected, as in the paper.
        assert_eq!(
            classify(Some(&real), Some(&stripped)),
            (Class::MiddleboxAffected, Some(2))
        );
        let suspicious = record(a, 80, 0, true, Verdict::Suspicious);
        assert_eq!(classify(Some(&suspicious), None).0, Class::Mptcp);
    }

    #[test]
    fn naive_method_reads_the_v0_probe() {
        let mut by_version = BTreeMap::new();
        by_version.insert(0, record("198.18.1.1", 80, 0, true, Verdict::Mirrored));
        by_version.insert(1, record("198.18.1.1", 80, 1, true, Verdict::NoMpCapable));
        assert!(naive(&by_version, &[0, 1]));
        let mut v1_server = BTreeMap::new();
        v1_server.insert(0, record("198.18.1.2", 80, 0, true, Verdict::NoMpCapable));
        v1_server.insert(1, record("198.18.1.2", 80, 1, true, Verdict::MptcpV1));
        assert!(!naive(&v1_server, &[0, 1]));
        assert!(naive(&v1_server, &[1]));
    }

    #[test]
    fn every_candidate_is_traced_and_plain_targets_up_to_the_cap_spread_out() {
        let mut hosts: Grouped = BTreeMap::new();
        let mut add = |addr: String, version: u8, success: bool, verdict: Verdict| {
            let r = record(&addr, 80, version, success, verdict);
            hosts
                .entry((addr.parse().unwrap(), 80))
                .or_default()
                .insert(version, r);
        };
        for i in 0..100 {
            add(format!("198.19.0.{i}"), 0, true, Verdict::NoMpCapable);
        }
        // A v1 server: plain to v0, a candidate by its v1 answer.
        add("198.19.1.1".into(), 0, true, Verdict::NoMpCapable);
        add("198.19.1.1".into(), 1, true, Verdict::MptcpV1);
        add("198.19.1.2".into(), 0, true, Verdict::Suspicious);
        add("198.19.1.3".into(), 0, true, Verdict::Mirrored);
        add("198.19.1.4".into(), 0, false, Verdict::Rst);
        let addrs = |n| -> Vec<String> {
            select_traces(&hosts, n)
                .0
                .iter()
                .map(|(a, _)| a.to_string())
                .collect()
        };
        assert_eq!(addrs(0), ["198.19.1.1", "198.19.1.2"]);
        let some = addrs(10);
        assert_eq!(some.len(), 12);
        assert!(some.contains(&"198.19.0.0".to_string()));
        assert!(some.contains(&"198.19.0.90".to_string()));
        assert_eq!(addrs(1000).len(), 102);
    }

    /// Beyond `--trace-plain-max` a stripper's host is not traced: the check then expects it
    /// `not-mptcp`, and `stripped` only where it was traced.
    #[test]
    fn the_check_expects_stripped_only_where_traced() {
        use crate::lab::ground_truth::{self, Class as LabClass};
        let truth = ground_truth::internet(12, &[80]);
        let net = truth
            .prefixes
            .iter()
            .find(|p| p.class == LabClass::StripNop)
            .expect("a stripper prefix")
            .prefix;
        let first = net.network();
        let second: IpAddr = match first {
            IpAddr::V4(a) => IpAddr::V4((u32::from(a) + 1).into()),
            IpAddr::V6(a) => IpAddr::V6((u128::from(a) + 1).into()),
        };
        let result = |addr: IpAddr, trace: Option<Trace>| {
            let (class, modified_at) = match &trace {
                Some(t) => (Class::Stripped, t.modified_at),
                None => (Class::NotMptcp, None),
            };
            HostResult {
                addr,
                port: 80,
                ip_version: if addr.is_ipv4() { 4 } else { 6 },
                class,
                naive_mptcp: false,
                versions: [0, 1]
                    .into_iter()
                    .map(|v| VersionResult {
                        probe_version: v,
                        class,
                        modified_at,
                        scan: Some(record(&addr.to_string(), 80, v, true, Verdict::NoMpCapable)),
                        trace: trace.clone(),
                    })
                    .collect(),
            }
        };
        let stripped = traced(Outcome::MiddleboxAffected, Some(2), Interference::Stripped);
        let results = ChainResults {
            format: FORMAT.to_string(),
            started: 0,
            duration_s: 0.0,
            probe: ProbeInfo {
                versions: vec![0, 1],
                options: "linux".into(),
                key: String::new(),
            },
            targets: TargetInfo {
                v4: 1 << 8,
                v6: 15 << 8,
                ports: vec![80],
            },
            candidates_only: false,
            summary: Vec::new(),
            hosts: vec![result(first, Some(stripped)), result(second, None)],
        };
        let report = check::compare(&truth, &results);
        let wrong: Vec<_> = report
            .mismatches
            .iter()
            .filter(|m| m.addr == first || m.addr == second)
            .collect();
        assert!(wrong.is_empty(), "{wrong:?}");
        // Every other answering address was left out of the results: those differ.
        assert!(!report.mismatches.is_empty());
    }

    fn host(addr: &str, class: Class, naive_mptcp: bool, records: Vec<Record>) -> HostResult {
        let addr: IpAddr = addr.parse().unwrap();
        HostResult {
            addr,
            port: 80,
            ip_version: if addr.is_ipv4() { 4 } else { 6 },
            class,
            naive_mptcp,
            versions: records
                .into_iter()
                .map(|r| VersionResult {
                    probe_version: r.probe_version,
                    class,
                    modified_at: None,
                    scan: Some(r),
                    trace: None,
                })
                .collect(),
        }
    }

    #[test]
    fn summary_counts_per_port_and_family() {
        let hosts = vec![
            host(
                "198.18.1.1",
                Class::Mptcp,
                false,
                vec![record("198.18.1.1", 80, 1, true, Verdict::MptcpV1)],
            ),
            host(
                "198.18.1.2",
                Class::Mirror,
                true,
                vec![record("198.18.1.2", 80, 0, true, Verdict::Mirrored)],
            ),
            host(
                "198.18.1.3",
                Class::Closed,
                false,
                vec![record("198.18.1.3", 80, 0, false, Verdict::Rst)],
            ),
            host(
                "2001:db8::1",
                Class::NotMptcp,
                false,
                vec![record("2001:db8::1", 80, 0, true, Verdict::NoMpCapable)],
            ),
        ];
        let targets = TargetInfo {
            v4: 10,
            v6: 4,
            ports: vec![80],
        };
        let rows = summarise(&hosts, &targets);
        assert_eq!(rows.len(), 3);
        let v4 = &rows[0];
        assert_eq!((v4.port, v4.ip_version, v4.targets), (80, 4, 10));
        assert_eq!(
            (v4.responsive, v4.mp_capable, v4.same_key, v4.different_key),
            (2, 2, 1, 1)
        );
        assert_eq!(
            (
                v4.truly_mptcp,
                v4.mirror,
                v4.closed,
                v4.silent,
                v4.naive_mptcp
            ),
            (1, 1, 1, 7, 1)
        );
        let total = &rows[2];
        assert_eq!(
            (total.port, total.targets, total.not_mptcp, total.silent),
            (0, 14, 1, 10)
        );
        let text = render_table(&rows);
        assert!(text.lines().next().unwrap().contains("naive (2015)"));
        assert!(text.lines().last().unwrap().trim_start().starts_with("all"));
    }
}
