//! `mptcpscan trace`: the tracebox method for many targets at once.
//!
//! Every target gets SYNs carrying MP_CAPABLE (v0 and/or v1) with TTL 1, 2, ... The routers'
//! ICMP time-exceeded messages quote what reached them; the core (`mptcpscan::quote`) diffs each
//! quote against the packet we sent and names the first hop that changed the MPTCP option. The
//! target's own answer ends the path. Probes of all targets are interleaved, so a thousand paths
//! take little longer than one.
//!
//! Unlike `scan`, the tracer keeps state: it must remember each probe's bytes to diff the quote.
//! Probes are told apart by (target, port, source port), each probe having its own source port.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use mptcpscan::classify::Verdict;
use mptcpscan::mptcp::Version;
use mptcpscan::quote::{MptcpHop, QuoteDiff};
pub use mptcpscan::trace::{conclude, Interference, Outcome, Responder};
use mptcpscan::wire::icmp::IcmpError;
use mptcpscan::wire::QuotedPacket;
use serde::{Deserialize, Serialize};

use crate::net::{Receiver, Sender};
use crate::scan::engine::pace;
use crate::scan::probes::{Analysis, ProbeBuilder, ReplyKind};
use crate::scan::reply::TcpReply;
use crate::scan::shared_args::{BlocklistArgs, ProbeArgs};
use crate::scan::validation::DEFAULT_SOURCE_PORTS;
use crate::scan::{stop, targets};

/// TTLs probed per round: the first round covers paths up to this long, later rounds extend
/// paths that have not answered yet.
const WAVE: u8 = 8;

/// Output format of `mptcpscan trace`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TraceFormat {
    /// tracebox-like text, one block per target and version.
    Text,
    /// One JSON object per target and version ([`Trace`]).
    Json,
}

/// Arguments of `mptcpscan trace`.
#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Targets: ADDRESS, ADDRESS:PORT or [IPv6]:PORT (ports default to --ports).
    pub targets: Vec<String>,
    /// File of targets, one per line in the same forms (`#` comments).
    #[arg(short = 'I', long = "targets-file", value_name = "FILE")]
    pub targets_files: Vec<PathBuf>,
    /// A `scan` output file (CSV or JSON lines): trace its candidates, the SYN-ACKs whose
    /// MP_CAPABLE carries a key of their own (the papers' second step).
    #[arg(long, value_name = "FILE")]
    pub from_scan: Option<PathBuf>,
    /// Ports for targets given without one.
    #[arg(short, long, default_value = "80")]
    pub ports: String,
    /// The probe.
    #[command(flatten)]
    pub probe: ProbeArgs,
    /// Highest TTL probed.
    #[arg(long, default_value_t = 30)]
    pub max_ttl: u8,
    /// Probes per second (0: unlimited).
    #[arg(short, long, default_value_t = 5_000)]
    pub rate: u64,
    /// Seconds to wait for answers after each round.
    #[arg(long, default_value_t = 2.0)]
    pub timeout: f64,
    /// Extra rounds re-probing the hops that did not answer.
    #[arg(long, default_value_t = 1)]
    pub retries: u32,
    /// What may never be probed.
    #[command(flatten)]
    pub blocklist: BlocklistArgs,
    /// Source address (one per family; default: the kernel's choice).
    #[arg(short = 'S', long = "source-ip")]
    pub source_ips: Vec<IpAddr>,
    /// Output file (default: standard output).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Output format.
    #[arg(short = 'f', long, value_enum, default_value = "text")]
    pub format: TraceFormat,
    /// Print the first round's probes (TTL 1 up to 8, or --max-ttl), decoded and in hex,
    /// instead of sending them; later rounds depend on the answers.
    #[arg(short = 'd', long)]
    pub dryrun: bool,
}

/// One hop of a trace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Hop {
    /// The probe's TTL.
    pub ttl: u8,
    /// Who answered: a router (ICMP) or the target; `None` when nothing did.
    pub from: Option<String>,
    /// `icmp` (time exceeded or another error), `synack`, `rst`, or `none`.
    #[serde(with = "crate::names::responder")]
    pub kind: Responder,
    /// Whether the router quoted less than the whole TCP header (RFC 792 style).
    pub partial: bool,
    /// tracebox-style change tokens of the quote against what we sent (`-TCPOptionMPTCPCapable`).
    pub changes: Vec<String>,
    /// What the core says this hop did to MP_CAPABLE (`intact`, `removed`,
    /// `replaced-by-nops`, `key-rewritten(N bits)`, ...; `no-information` when silent).
    pub mptcp: String,
    /// Whether this hop's quote shows the MPTCP option changed.
    pub mptcp_changed: bool,
}

/// The trace of one target with one probe version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trace {
    /// The target address.
    pub daddr: String,
    /// The target port.
    pub dport: u16,
    /// The probe's MP_CAPABLE version (0 or 1).
    pub probe_version: u8,
    /// The conclusion (the core's rules: `mptcpscan::trace`).
    #[serde(with = "crate::names::outcome")]
    pub outcome: Outcome,
    /// The conclusion as every tool prints it (`middlebox-affected at hop 2 (removed)`).
    #[serde(default)]
    pub conclusion: String,
    /// The first hop whose quote shows the MPTCP option changed (tracebox's hop numbering: the
    /// change happened between this hop and the one before).
    pub modified_at: Option<u8>,
    /// What that hop shows the path did to MP_CAPABLE (the core's: `none`, `stripped`,
    /// `rewritten`, `resized`); `none` in files written before the field existed.
    #[serde(default = "no_interference", with = "crate::names::interference")]
    pub interference: Interference,
    /// The TTL at which the target answered.
    pub distance: Option<u8>,
    /// The core's verdict on the target's answer (empty without one).
    #[serde(with = "crate::names::optional_verdict")]
    pub reply_verdict: Option<Verdict>,
    /// The key of the answer's MP_CAPABLE in hex (empty without one).
    pub reply_key: String,
    /// Every TTL probed, in order.
    pub hops: Vec<Hop>,
}

fn no_interference() -> Interference {
    Interference::None
}

/// What a trace run needs.
pub struct Plan {
    /// Probe versions, in order.
    pub versions: Vec<Version>,
    /// Builds the probes and analyses answers.
    pub probes: ProbeBuilder,
    /// Highest TTL probed.
    pub max_ttl: u8,
    /// Probes per second (0: unlimited).
    pub rate: u64,
    /// Wait after each round.
    pub timeout: Duration,
    /// Extra rounds for missing hops.
    pub retries: u32,
    /// Source addresses for IPv4 and IPv6.
    pub sources: (Option<IpAddr>, Option<IpAddr>),
}

/// Runs `mptcpscan trace`.
pub fn run(args: Args) -> anyhow::Result<()> {
    let ports = targets::parse_ports(&args.ports)?;
    let mut list = Vec::new();
    for text in &args.targets {
        list.extend(parse_endpoint(text, &ports)?);
    }
    for file in &args.targets_files {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading targets {}", file.display()))?;
        for (number, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if !line.is_empty() {
                list.extend(
                    parse_endpoint(line, &ports)
                        .with_context(|| format!("{} line {}", file.display(), number + 1))?,
                );
            }
        }
    }
    if let Some(path) = &args.from_scan {
        for record in crate::scan::output::read(path)? {
            if ReplyKind::of(&record) == ReplyKind::Mptcp {
                let addr: IpAddr = record
                    .saddr
                    .parse()
                    .with_context(|| format!("{}: saddr `{}`", path.display(), record.saddr))?;
                list.push((addr, record.sport));
            }
        }
    }
    if list.is_empty() {
        bail!("no targets: give ADDRESS[:PORT] arguments, --targets-file or --from-scan");
    }
    let blocked = args.blocklist.build()?;
    if let Some((addr, _)) = list.iter().find(|(a, _)| blocked.set.contains(*a)) {
        bail!("{addr} is blocklisted (reserved; the lab's prefixes need --allow-lab)");
    }
    list.sort();
    list.dedup();
    if !args.timeout.is_finite() || args.timeout < 0.0 {
        bail!("--timeout must be a non-negative number of seconds");
    }
    if args.max_ttl == 0 {
        bail!("--max-ttl must be at least 1");
    }
    let plan = Plan {
        versions: args.probe.mptcp_version.versions(),
        probes: args.probe.builder()?,
        max_ttl: args.max_ttl,
        rate: args.rate,
        timeout: Duration::from_secs_f64(args.timeout),
        retries: args.retries,
        sources: sources_for(&args.source_ips, &list)?,
    };
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    if args.dryrun {
        let printed = print_first_round(&plan, &list, &mut out)
            .and_then(|()| out.flush().context("writing the dry run"));
        return match printed {
            Err(e) if crate::scan::output::is_broken_pipe(&e) => Ok(()),
            other => other,
        };
    }
    stop::install()?;
    let traces = trace_all(&plan, &list)?;
    for trace in &traces {
        match args.format {
            TraceFormat::Text => out.write_all(render_text(trace).as_bytes())?,
            TraceFormat::Json => {
                serde_json::to_writer(&mut out, trace)?;
                out.write_all(b"\n")?;
            }
        }
    }
    out.flush()?;
    if stop::interrupted() {
        return Err(stop::Interrupted.into());
    }
    Ok(())
}

/// Parses `ADDRESS`, `ADDRESS:PORT` or `[IPv6]:PORT` (IPv6 without brackets takes `ports`).
pub fn parse_endpoint(text: &str, ports: &[u16]) -> anyhow::Result<Vec<(IpAddr, u16)>> {
    let text = text.trim();
    if let Ok(addr) = text.parse::<IpAddr>() {
        return Ok(ports.iter().map(|&p| (addr, p)).collect());
    }
    let socket: std::net::SocketAddr = text
        .parse()
        .with_context(|| format!("`{text}` is not ADDRESS, ADDRESS:PORT or [IPv6]:PORT"))?;
    if socket.port() == 0 {
        bail!("`{text}`: port 0 cannot be traced");
    }
    Ok(vec![(socket.ip(), socket.port())])
}

/// Source addresses for the families present in `targets`.
pub fn sources_for(
    given: &[IpAddr],
    targets: &[(IpAddr, u16)],
) -> anyhow::Result<(Option<IpAddr>, Option<IpAddr>)> {
    let pick = |v6: bool| -> anyhow::Result<Option<IpAddr>> {
        if let Some(ip) = given.iter().find(|ip| ip.is_ipv6() == v6) {
            return Ok(Some(*ip));
        }
        match targets.iter().find(|(a, _)| a.is_ipv6() == v6) {
            Some((first, _)) => crate::net::source_for(*first)
                .map(Some)
                .context("finding a source address (give one with --source-ip)"),
            None => Ok(None),
        }
    };
    Ok((pick(false)?, pick(true)?))
}

/// `--dryrun`: the first round's probes as [`trace_all`] would send them (TTL-major, source
/// ports in turn from the bottom of the range; sequence numbers are drawn per probe).
fn print_first_round(
    plan: &Plan,
    targets: &[(IpAddr, u16)],
    out: &mut dyn Write,
) -> anyhow::Result<()> {
    let jobs: Vec<(IpAddr, u16, Version)> = targets
        .iter()
        .flat_map(|&(a, p)| plan.versions.iter().map(move |&v| (a, p, v)))
        .collect();
    let (low, high) = DEFAULT_SOURCE_PORTS;
    let mut buf = [0u8; 128];
    let mut count: u64 = 0;
    for ttl in 1..=WAVE.min(plan.max_ttl) {
        for &(dst, dport, version) in &jobs {
            let src = if dst.is_ipv4() {
                plan.sources.0
            } else {
                plan.sources.1
            }
            .context("no source address for this address family")?;
            let sport = low + (count % (u64::from(high - low) + 1)) as u16;
            let len = plan.probes.build(
                &mut buf,
                src,
                dst,
                sport,
                dport,
                rand::random(),
                ttl,
                version,
            )?;
            count += 1;
            crate::scan::dryrun::describe(out, count, version, &buf[..len])?;
        }
    }
    Ok(())
}

/// One probe in flight: which trace and TTL it belongs to, and its bytes for the quote diff.
struct Sent {
    trace: usize,
    ttl: u8,
    seq: u32,
    packet: Vec<u8>,
}

/// What came back for one (trace, TTL).
pub enum Seen {
    /// A router's ICMP error and the diff of its quote.
    Icmp {
        from: IpAddr,
        partial: bool,
        changes: Vec<String>,
        mptcp: MptcpHop,
    },
    /// The target's SYN-ACK or RST.
    Answer {
        from: IpAddr,
        synack: bool,
        analysis: Analysis,
    },
}

/// Traces every (address, port) of `targets` with every version of `plan`; returns one trace per
/// target and version, in the order of `targets` then versions.
pub fn trace_all(plan: &Plan, targets: &[(IpAddr, u16)]) -> anyhow::Result<Vec<Trace>> {
    let jobs: Vec<(IpAddr, u16, Version)> = targets
        .iter()
        .flat_map(|&(a, p)| plan.versions.iter().map(move |&v| (a, p, v)))
        .collect();
    let families = (
        targets.iter().any(|(a, _)| a.is_ipv4()),
        targets.iter().any(|(a, _)| a.is_ipv6()),
    );
    let sender = Sender::open(families.0, families.1)?;
    let mut receiver = Receiver::open()?;
    let mut sent: HashMap<(IpAddr, u16, u16), Sent> = HashMap::new();
    let mut seen: Vec<BTreeMap<u8, Seen>> = jobs.iter().map(|_| BTreeMap::new()).collect();
    let mut next_port: u32 = 0;
    let mut buf = [0u8; 128];
    // Each round probes every missing hop below the answer (or below `top` while there is
    // none). Rounds that raise `top` for unanswered paths do not count as retries.
    let mut top = WAVE.min(plan.max_ttl);
    let mut retries_left = plan.retries;
    loop {
        let mut batch = Vec::new();
        for (index, observed) in seen.iter().enumerate() {
            let limit = answer_ttl(observed).unwrap_or(top).min(plan.max_ttl);
            batch.extend(
                (1..=limit)
                    .filter(|ttl| !observed.contains_key(ttl))
                    .map(|ttl| (index, ttl)),
            );
        }
        if stop::stopping() {
            break;
        }
        // TTL-major order spreads each router's ICMP load over the whole round.
        batch.sort_by_key(|&(index, ttl)| (ttl, index));
        let start = Instant::now();
        for (count, &(index, ttl)) in batch.iter().enumerate() {
            if stop::stopping() {
                break;
            }
            pace(plan.rate, start, count as u64);
            let (dst, dport, version) = jobs[index];
            let src = if dst.is_ipv4() {
                plan.sources.0
            } else {
                plan.sources.1
            }
            .context("no source address for this address family")?;
            let (low, high) = DEFAULT_SOURCE_PORTS;
            let sport = low + (next_port % (u32::from(high - low) + 1)) as u16;
            next_port += 1;
            let seq: u32 = rand::random();
            let len = plan
                .probes
                .build(&mut buf, src, dst, sport, dport, seq, ttl, version)?;
            sender
                .send(&buf[..len], dst)
                .with_context(|| format!("sending a probe to {dst}"))?;
            sent.insert(
                (dst, dport, sport),
                Sent {
                    trace: index,
                    ttl,
                    seq,
                    packet: buf[..len].to_vec(),
                },
            );
            receive_until(&mut receiver, Instant::now(), plan, &jobs, &sent, &mut seen)?;
        }
        if !batch.is_empty() {
            receive_until(
                &mut receiver,
                Instant::now() + plan.timeout,
                plan,
                &jobs,
                &sent,
                &mut seen,
            )?;
        }
        let unanswered = seen.iter().any(|s| answer_ttl(s).is_none());
        if unanswered && top < plan.max_ttl {
            top = top.saturating_add(WAVE).min(plan.max_ttl);
        } else if retries_left == 0 || batch.is_empty() {
            break;
        } else {
            retries_left -= 1;
        }
    }
    Ok(jobs
        .iter()
        .zip(seen)
        .map(|(&(addr, port, version), observed)| {
            assemble(addr, port, version, plan.max_ttl, observed)
        })
        .collect())
}

fn answer_ttl(observed: &BTreeMap<u8, Seen>) -> Option<u8> {
    observed
        .iter()
        .find(|(_, s)| matches!(s, Seen::Answer { .. }))
        .map(|(&ttl, _)| ttl)
}

/// Reads packets until `deadline`, filing every answer to one of our probes.
fn receive_until(
    receiver: &mut Receiver,
    deadline: Instant,
    plan: &Plan,
    jobs: &[(IpAddr, u16, Version)],
    sent: &HashMap<(IpAddr, u16, u16), Sent>,
    seen: &mut [BTreeMap<u8, Seen>],
) -> anyhow::Result<()> {
    while let Some(packet) = receiver.recv(deadline).context("receiving")? {
        if stop::aborting() {
            break;
        }
        if let Some(reply) = TcpReply::parse(packet) {
            if !(reply.is_synack() || reply.is_rst()) {
                continue;
            }
            let key = (reply.src, reply.tcp.src_port(), reply.tcp.dst_port());
            let Some(probe) = sent.get(&key) else {
                continue;
            };
            if probe.seq.wrapping_add(1) != reply.tcp.ack_number() {
                continue;
            }
            let version = jobs[probe.trace].2;
            let analysis = plan.probes.analyse(version, &reply);
            seen[probe.trace].entry(probe.ttl).or_insert(Seen::Answer {
                from: reply.src,
                synack: reply.is_synack(),
                analysis,
            });
            continue;
        }
        let Ok(error) = IcmpError::parse(packet) else {
            continue;
        };
        let Ok(quote) = QuotedPacket::parse(error.quote) else {
            continue;
        };
        let Some(ip) = quote.ip() else { continue };
        let dst = match ip {
            mptcpscan::wire::quoted::QuotedIp::V4(h) => IpAddr::V4(h.dst_addr()),
            mptcpscan::wire::quoted::QuotedIp::V6(h) => IpAddr::V6(h.dst_addr()),
        };
        let tcp = quote.tcp();
        let (Some(sport), Some(dport)) = (tcp.src_port(), tcp.dst_port()) else {
            continue;
        };
        let Some(probe) = sent.get(&(dst, dport, sport)) else {
            continue;
        };
        let (changes, mptcp) = quote_diff(&probe.packet, error.quote);
        seen[probe.trace].entry(probe.ttl).or_insert(Seen::Icmp {
            from: error.from,
            partial: quote.is_partial(),
            changes,
            mptcp,
        });
    }
    Ok(())
}

/// The core's diff of what we sent against what a router quoted: tracebox tokens, and what the
/// hop did to MP_CAPABLE. A quote the core cannot read is kept as a hop that tells nothing.
pub fn quote_diff(sent: &[u8], quote: &[u8]) -> (Vec<String>, MptcpHop) {
    match QuoteDiff::compare(sent, quote) {
        Ok(diff) => {
            let mut tokens = String::new();
            // Writing into a String cannot fail.
            let _ = diff.write_tokens(&mut tokens);
            (
                tokens.split_whitespace().map(str::to_string).collect(),
                diff.mptcp(),
            )
        }
        Err(e) => (
            vec![format!("[UNREADABLE-QUOTE: {e}]")],
            MptcpHop::NoInformation,
        ),
    }
}

/// One target's trace from what came back at each TTL (`observed`), probed up to `max_ttl`.
pub fn assemble(
    addr: IpAddr,
    port: u16,
    version: Version,
    max_ttl: u8,
    observed: BTreeMap<u8, Seen>,
) -> Trace {
    let distance = answer_ttl(&observed);
    let last = distance.unwrap_or_else(|| {
        observed
            .keys()
            .next_back()
            .copied()
            .unwrap_or(0)
            .max(1)
            .min(max_ttl)
    });
    let mut hops = Vec::new();
    let mut summaries = Vec::new();
    let mut answer = None;
    let silent = |ttl| Hop {
        ttl,
        from: None,
        kind: Responder::None,
        partial: false,
        changes: Vec::new(),
        mptcp: MptcpHop::NoInformation.to_string(),
        mptcp_changed: false,
    };
    for ttl in 1..=last {
        let (hop, summary) = match observed.get(&ttl) {
            None => (silent(ttl), MptcpHop::NoInformation),
            Some(Seen::Icmp {
                from,
                partial,
                changes,
                mptcp,
            }) => (
                Hop {
                    ttl,
                    from: Some(from.to_string()),
                    kind: Responder::Icmp,
                    partial: *partial,
                    changes: changes.clone(),
                    mptcp: mptcp.to_string(),
                    mptcp_changed: mptcp.is_change(),
                },
                *mptcp,
            ),
            Some(Seen::Answer {
                from,
                synack,
                analysis,
            }) => {
                answer = Some(analysis.clone());
                // The answer itself is judged by the classifier, not by the quote rule.
                (
                    Hop {
                        from: Some(from.to_string()),
                        kind: if *synack {
                            Responder::SynAck
                        } else {
                            Responder::Rst
                        },
                        ..silent(ttl)
                    },
                    MptcpHop::NoInformation,
                )
            }
        };
        hops.push(hop);
        summaries.push(summary);
    }
    let conclusion = conclude(&summaries, answer.as_ref().map(|a| a.verdict));
    Trace {
        daddr: addr.to_string(),
        dport: port,
        probe_version: match version {
            Version::V0 => 0,
            Version::V1 => 1,
        },
        outcome: conclusion.outcome,
        conclusion: conclusion.to_string(),
        modified_at: conclusion.change.and_then(|c| u8::try_from(c.hop).ok()),
        interference: conclusion.interference(),
        distance,
        reply_verdict: answer.as_ref().map(|a| a.verdict),
        reply_key: answer
            .as_ref()
            .and_then(|a| a.key)
            .map(|k| format!("{k:016x}"))
            .unwrap_or_default(),
        hops,
    }
}

/// tracebox-like text for one trace.
pub fn render_text(trace: &Trace) -> String {
    let target = match trace.daddr.parse::<IpAddr>() {
        Ok(IpAddr::V6(_)) => format!("[{}]:{}", trace.daddr, trace.dport),
        _ => format!("{}:{}", trace.daddr, trace.dport),
    };
    let mut text = format!(
        "tracebox to {target} with MP_CAPABLE v{}: ",
        trace.probe_version
    );
    text.push_str(&trace.conclusion);
    text.push('\n');
    for hop in &trace.hops {
        let from = hop.from.as_deref().unwrap_or("*");
        text.push_str(&format!("{:>3}: {from}", hop.ttl));
        match hop.kind {
            Responder::SynAck | Responder::Rst => {
                text.push_str(&format!(" {}", hop.kind.name().to_uppercase()));
                if let Some(verdict) = trace.reply_verdict {
                    text.push_str(&format!(" [{verdict}]"));
                }
            }
            Responder::None | Responder::Icmp => {
                for change in &hop.changes {
                    text.push(' ');
                    text.push_str(change);
                }
            }
        }
        text.push('\n');
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_parse() {
        let a: IpAddr = "198.18.1.1".parse().unwrap();
        assert_eq!(
            parse_endpoint("198.18.1.1", &[80, 443]).unwrap(),
            vec![(a, 80), (a, 443)]
        );
        assert_eq!(
            parse_endpoint("198.18.1.1:8080", &[80]).unwrap(),
            vec![(a, 8080)]
        );
        let b: IpAddr = "2001:db8::1".parse().unwrap();
        assert_eq!(
            parse_endpoint("[2001:db8::1]:443", &[80]).unwrap(),
            vec![(b, 443)]
        );
        assert_eq!(parse_endpoint("2001:db8::1", &[80]).unwrap(), vec![(b, 80)]);
        assert!(parse_endpoint("198.18.1.1:0", &[80]).is_err());
        assert!(parse_endpoint("host:80", &[80]).is_err());
    }

    fn icmp(changed: bool) -> Seen {
        Seen::Icmp {
            from: "198.18.0.1".parse().unwrap(),
            partial: false,
            changes: if changed {
                vec!["IP::TTL".into(), "-TCPOptionMPTCPCapable".into()]
            } else {
                vec!["IP::TTL".into()]
            },
            mptcp: if changed {
                MptcpHop::Removed
            } else {
                MptcpHop::Intact
            },
        }
    }

    fn answer(mptcp: bool, synack: bool) -> Seen {
        Seen::Answer {
            from: "198.18.1.1".parse().unwrap(),
            synack,
            analysis: Analysis {
                options_text: String::new(),
                version: mptcp.then_some(1),
                key: mptcp.then_some(0xd20f_a493_00bd_a23d),
                token: None,
                verdict: match (synack, mptcp) {
                    (false, _) => Verdict::Rst,
                    (true, true) => Verdict::MptcpV1,
                    (true, false) => Verdict::NoMpCapable,
                },
                signals: mptcpscan::classify::Signals::empty(),
            },
        }
    }

    fn outcome(hops: Vec<(u8, Seen)>) -> Trace {
        assemble(
            "198.18.1.1".parse().unwrap(),
            80,
            Version::V1,
            30,
            hops.into_iter().collect(),
        )
    }

    #[test]
    fn outcomes_follow_the_tracebox_rule() {
        let clean = outcome(vec![
            (1, icmp(false)),
            (2, icmp(false)),
            (3, answer(true, true)),
        ]);
        assert_eq!(clean.outcome, Outcome::TrulyMptcp);
        assert_eq!(clean.distance, Some(3));
        assert_eq!(clean.reply_key, "d20fa49300bda23d");
        assert_eq!(clean.interference, Interference::None);
        let stripped = outcome(vec![
            (1, icmp(false)),
            (2, icmp(true)),
            (3, icmp(true)),
            (4, answer(false, true)),
        ]);
        assert_eq!(stripped.outcome, Outcome::MiddleboxAffected);
        assert_eq!(stripped.modified_at, Some(2));
        assert_eq!(stripped.interference, Interference::Stripped);
        assert!(render_text(&stripped).contains("middlebox-affected at hop 2"));
        assert!(render_text(&stripped).contains("  2: 198.18.0.1 IP::TTL -TCPOptionMPTCPCapable"));
        assert_eq!(stripped.hops[1].mptcp, "removed");
        let plain = outcome(vec![(2, icmp(false)), (3, answer(false, true))]);
        assert_eq!(plain.outcome, Outcome::NotMptcp);
        assert_eq!(plain.hops[0].kind, Responder::None);
        assert!(render_text(&plain).contains("  1: *"));
        assert_eq!(
            outcome(vec![(3, answer(false, false))]).outcome,
            Outcome::Closed
        );
        let mut mirror = answer(true, true);
        if let Seen::Answer { analysis, .. } = &mut mirror {
            analysis.verdict = Verdict::Mirrored;
        }
        let mirrored = outcome(vec![(1, icmp(false)), (2, mirror)]);
        assert_eq!(mirrored.outcome, Outcome::Mirrored);
        assert!(render_text(&mirrored).contains("mirrored"));
        let silent = outcome(vec![(1, icmp(false))]);
        assert_eq!(silent.outcome, Outcome::Unreachable);
        assert_eq!(silent.distance, None);
        // A path that changed MP_CAPABLE and then gave no answer: the quote is the evidence
        // (this tool used to call it unreachable, mptcp.lua middlebox-affected).
        let dropped = outcome(vec![(1, icmp(false)), (2, icmp(true)), (3, icmp(true))]);
        assert_eq!(dropped.outcome, Outcome::MiddleboxAffected);
        assert_eq!(dropped.conclusion, "middlebox-affected at hop 2 (removed)");
        assert_eq!(dropped.distance, None);
        // A suspicious answer on a clean path is what the trace was for: truly MPTCP (mptcp.lua
        // used to call it not MPTCP).
        let mut odd = answer(true, true);
        if let Seen::Answer { analysis, .. } = &mut odd {
            analysis.verdict = Verdict::Suspicious;
        }
        let suspicious = outcome(vec![(1, icmp(false)), (2, odd)]);
        assert_eq!(suspicious.outcome, Outcome::TrulyMptcp);
        assert!(render_text(&suspicious).contains("SYNACK [suspicious]"));
    }

    #[test]
    fn trace_json_round_trips() {
        let t = outcome(vec![(1, icmp(true)), (2, answer(true, true))]);
        let json = serde_json::to_string(&t).unwrap();
        assert!(json.contains("\"outcome\":\"middlebox-affected\""));
        assert_eq!(serde_json::from_str::<Trace>(&json).unwrap(), t);
    }
}
