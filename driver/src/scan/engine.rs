//! The scan loop: one thread sends probes in permuted order at the configured rate, the calling
//! thread receives, validates and classifies replies until the cooldown after the last probe ends.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mptcpscan::mptcp::Version;

use super::output::Record;
use super::permutation::Permutation;
use super::probes::{Analysis, ProbeBuilder};
use super::reply::TcpReply;
use super::stop;
use super::targets::TargetSpace;
use super::validation::Validator;
use crate::net::{Receiver, Sender};

/// Everything a scan needs, resolved from the command line (or built by `chain`).
pub struct Plan {
    /// The targets.
    pub space: TargetSpace,
    /// The visiting order (shared by all shards of one scan).
    pub permutation: Permutation,
    /// This vantage point's shard, and the number of shards.
    pub shard: (u64, u64),
    /// The probe versions sent to every target, in order.
    pub versions: Vec<Version>,
    /// Builds probes and analyses replies through the core.
    pub probes: ProbeBuilder,
    /// Probe rate in packets per second; 0 sends as fast as the kernel takes them.
    pub rate: u64,
    /// How long to keep listening after the last probe.
    pub cooldown: Duration,
    /// Extra rounds over every target (replies are reported once).
    pub retries: u32,
    /// Source addresses for IPv4 and IPv6 targets.
    pub sources: (Option<IpAddr>, Option<IpAddr>),
    /// Source ports and sequence numbers.
    pub validator: Validator,
    /// The probes' IP TTL or hop limit.
    pub ttl: u8,
    /// Whether to draw a progress bar on stderr.
    pub progress: bool,
}

/// What a scan did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Probes sent.
    pub sent: u64,
    /// Probes the kernel refused (each is reported on stderr once per kind of error).
    pub send_errors: u64,
    /// Time from the first probe to the last.
    pub send_time: Duration,
    /// Distinct validated replies.
    pub replies: u64,
    /// Distinct SYN-ACKs.
    pub synacks: u64,
    /// SYN-ACKs carrying MP_CAPABLE.
    pub mp_capable: u64,
    /// Whether Ctrl-C cut the scan short.
    pub interrupted: bool,
}

/// Runs the scan, handing every distinct validated reply to `emit` as it arrives.
pub fn run(
    plan: &Plan,
    mut emit: impl FnMut(Record) -> anyhow::Result<()>,
) -> anyhow::Result<Summary> {
    let (want_v4, want_v6) = plan.space.families();
    let sender = Sender::open(want_v4, want_v6)?;
    let mut receiver = Receiver::open()?;
    let total = plan.permutation.shard_len(plan.shard.0, plan.shard.1)
        * plan.versions.len() as u64
        * (u64::from(plan.retries) + 1);
    let bar = progress_bar(plan.progress, total);

    let sent = AtomicU64::new(0);
    let send_errors = AtomicU64::new(0);
    let send_nanos = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let mut summary = Summary::default();
    let mut seen: HashSet<(IpAddr, u16, u8)> = HashSet::new();

    std::thread::scope(|scope| -> anyhow::Result<()> {
        let sending = scope.spawn(|| {
            let started = Instant::now();
            let result = send_all(plan, &sender, &sent, &send_errors);
            let nanos = u64::try_from(started.elapsed().as_nanos()).unwrap_or(u64::MAX);
            send_nanos.store(nanos, Ordering::SeqCst);
            done.store(true, Ordering::SeqCst);
            result
        });
        let mut last_draw = Instant::now();
        let mut cooldown_end: Option<Instant> = None;
        loop {
            let now = Instant::now();
            if cooldown_end.is_none() && done.load(Ordering::SeqCst) {
                // After Ctrl-C, wait a short while only: replies in flight still arrive.
                let wait = if stop::stopping() {
                    plan.cooldown.min(Duration::from_secs(1))
                } else {
                    plan.cooldown
                };
                cooldown_end = Some(now + wait);
            }
            if cooldown_end.is_some_and(|end| now >= end) || stop::aborting() {
                break;
            }
            let deadline = cooldown_end
                .unwrap_or(now + Duration::from_millis(50))
                .min(now + Duration::from_millis(50));
            let in_cooldown = cooldown_end.is_some();
            if let Some(packet) = receiver.recv(deadline).context("receiving replies")? {
                if let Some(record) = handle(plan, packet, in_cooldown, &mut seen) {
                    summary.replies += 1;
                    if record.success {
                        summary.synacks += 1;
                    }
                    if !record.mptcp_version.is_empty() {
                        summary.mp_capable += 1;
                    }
                    emit(record)?;
                }
            }
            if last_draw.elapsed() >= Duration::from_millis(100) {
                last_draw = Instant::now();
                draw(&bar, sent.load(Ordering::Relaxed), &summary);
            }
        }
        sending
            .join()
            .map_err(|_| anyhow::anyhow!("the sending thread panicked"))?
    })?;
    summary.sent = sent.load(Ordering::Relaxed);
    summary.send_errors = send_errors.load(Ordering::Relaxed);
    summary.send_time = Duration::from_nanos(send_nanos.load(Ordering::SeqCst));
    summary.interrupted = stop::stopping();
    draw(&bar, summary.sent, &summary);
    bar.finish();
    Ok(summary)
}

fn progress_bar(enabled: bool, total: u64) -> ProgressBar {
    let target = if enabled {
        ProgressDrawTarget::stderr_with_hz(10)
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    bar.set_style(
        ProgressStyle::with_template(
            "{elapsed_precise} [{bar:30}] {pos}/{len} sent ({per_sec}) {msg} ETA {eta}",
        )
        .expect("the template is valid")
        .progress_chars("=> "),
    );
    bar
}

fn draw(bar: &ProgressBar, sent: u64, summary: &Summary) {
    bar.set_position(sent);
    let rate = if sent == 0 {
        0.0
    } else {
        100.0 * summary.synacks as f64 / sent as f64
    };
    bar.set_message(format!(
        "recv {} synack {} ({rate:.1}%) mp_capable {}",
        summary.replies, summary.synacks, summary.mp_capable
    ));
}

/// The sending thread: every round, every target of this shard in permuted order, every version.
fn send_all(
    plan: &Plan,
    sender: &Sender,
    sent: &AtomicU64,
    errors: &AtomicU64,
) -> anyhow::Result<()> {
    let mut buf = [0u8; 128];
    let start = Instant::now();
    let mut count: u64 = 0;
    let mut reported = HashSet::new();
    for _round in 0..=plan.retries {
        for n in plan.permutation.shard(plan.shard.0, plan.shard.1) {
            let (dst, dport) = plan.space.get(n);
            let src = match dst {
                IpAddr::V4(_) => plan.sources.0,
                IpAddr::V6(_) => plan.sources.1,
            }
            .context("no source address for this address family")?;
            for &version in &plan.versions {
                if stop::stopping() {
                    return Ok(());
                }
                pace(plan.rate, start, count);
                let id = plan.validator.probe(src, dst, dport, version);
                let len = plan.probes.build(
                    &mut buf, src, dst, id.sport, dport, id.seq, plan.ttl, version,
                )?;
                if let Err(e) = sender.send(&buf[..len], dst) {
                    errors.fetch_add(1, Ordering::Relaxed);
                    if reported.insert(e.kind()) {
                        eprintln!("mptcpscan: sending to {dst}: {e}");
                    }
                }
                count += 1;
                sent.store(count, Ordering::Relaxed);
            }
        }
    }
    Ok(())
}

/// Waits until probe number `count` is due. Sleeps when far ahead, spins for the last stretch:
/// sleep granularity (~60 µs) would otherwise cap high rates.
pub fn pace(rate: u64, start: Instant, count: u64) {
    if rate == 0 {
        return;
    }
    let due = start + Duration::from_nanos(count.saturating_mul(1_000_000_000) / rate);
    loop {
        let now = Instant::now();
        if now >= due {
            return;
        }
        let ahead = due - now;
        if ahead > Duration::from_micros(200) {
            std::thread::sleep(ahead - Duration::from_micros(100));
        } else {
            std::hint::spin_loop();
        }
    }
}

/// Validates and analyses one received packet; `None` unless it is a new reply to our probes.
fn handle(
    plan: &Plan,
    packet: &[u8],
    cooldown: bool,
    seen: &mut HashSet<(IpAddr, u16, u8)>,
) -> Option<Record> {
    let reply = TcpReply::parse(packet)?;
    if !(reply.is_synack() || reply.is_rst()) {
        return None;
    }
    let tcp = &reply.tcp;
    let version = plan.validator.check(
        reply.dst,
        tcp.dst_port(),
        reply.src,
        tcp.src_port(),
        tcp.ack_number(),
    )?;
    let probe_version = match version {
        Version::V0 => 0,
        Version::V1 => 1,
    };
    if !seen.insert((reply.src, tcp.src_port(), probe_version)) {
        return None;
    }
    let analysis: Analysis = plan.probes.analyse(version, &reply);
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    Some(Record {
        saddr: reply.src.to_string(),
        daddr: reply.dst.to_string(),
        ttl: reply.ttl,
        sport: tcp.src_port(),
        dport: tcp.dst_port(),
        seqnum: tcp.seq_number(),
        acknum: tcp.ack_number(),
        window: tcp.window_len(),
        classification: if reply.is_synack() { "synack" } else { "rst" }.into(),
        success: reply.is_synack(),
        cooldown,
        timestamp_ts: now.as_secs(),
        timestamp_us: now.subsec_micros(),
        optionshex: hex(tcp.options()),
        optionstext: analysis.options_text,
        mptcpkey: analysis
            .key
            .map(|k| format!("{k:016x}"))
            .unwrap_or_default(),
        probe_version,
        mptcp_version: analysis.version.map(|v| v.to_string()).unwrap_or_default(),
        mptcp_verdict: analysis.verdict,
        mptcp_signals: analysis.signals.join(","),
        mptcp_key_hamming: analysis
            .key
            .map(|k| k.count_ones().to_string())
            .unwrap_or_default(),
        mptcp_token: analysis
            .token
            .map(|t| format!("{t:08x}"))
            .unwrap_or_default(),
    })
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use mptcpscan::wire::{Ipv4Packet, TcpFlags, TcpPacket};

    use super::*;
    use crate::scan::addrset::AddrSet;
    use crate::scan::probes::{OptionSet, ProbeBuilder};

    const US: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
    const THEM: Ipv4Addr = Ipv4Addr::new(198, 18, 1, 5);

    fn plan() -> Plan {
        let targets = AddrSet::from_nets(["198.18.1.0/24".parse().unwrap()]);
        let space = TargetSpace::new(&targets, vec![80]).unwrap();
        Plan {
            permutation: Permutation::new(space.len(), 1),
            space,
            shard: (0, 1),
            versions: vec![Version::V0, Version::V1],
            probes: ProbeBuilder::new(&OptionSet::Linux, 0x0c0c_0c0c_0c0c_0c0c).unwrap(),
            rate: 0,
            cooldown: Duration::ZERO,
            retries: 0,
            sources: (Some(IpAddr::V4(US)), None),
            validator: Validator::new(7, (32768, 61000)),
            ttl: 64,
            progress: false,
        }
    }

    /// A reply from THEM:80 to US, built with the core's header setters.
    fn reply(dport: u16, ack: u32, flags: TcpFlags, options: &[u8]) -> Vec<u8> {
        let len = 40 + options.len();
        let mut p = vec![0u8; len];
        let mut ip = Ipv4Packet::new_unchecked(&mut p[..]);
        ip.set_version_and_header_len(20);
        ip.set_total_len(len as u16);
        ip.set_ttl(60);
        ip.set_protocol(6);
        ip.set_src_addr(THEM);
        ip.set_dst_addr(US);
        ip.fill_checksum();
        let mut tcp = TcpPacket::new_unchecked(&mut p[20..]);
        tcp.set_src_port(80);
        tcp.set_dst_port(dport);
        tcp.set_seq_number(0x1234_5678);
        tcp.set_ack_number(ack);
        tcp.set_header_len(20 + options.len());
        tcp.set_flags(flags);
        tcp.set_window_len(65535);
        tcp.options_mut().copy_from_slice(options);
        tcp.fill_checksum_v4(THEM, US);
        p
    }

    #[test]
    fn validated_replies_become_records_once() {
        let plan = plan();
        let mut seen = HashSet::new();
        let v1 = plan
            .validator
            .probe(IpAddr::V4(US), IpAddr::V4(THEM), 80, Version::V1);
        let options = [
            0x02, 0x04, 0x05, 0xb4, 0x1e, 0x0c, 0x01, 0x01, 0xd2, 0x0f, 0xa4, 0x93, 0x00, 0xbd,
            0xa2, 0x3d,
        ];
        let synack = reply(
            v1.sport,
            v1.seq.wrapping_add(1),
            TcpFlags::SYN | TcpFlags::ACK,
            &options,
        );
        let record = handle(&plan, &synack, false, &mut seen).expect("a valid SYN-ACK");
        assert_eq!(record.saddr, "198.18.1.5");
        assert_eq!(record.daddr, "198.18.0.2");
        assert_eq!((record.sport, record.dport, record.ttl), (80, v1.sport, 60));
        assert_eq!(record.classification, "synack");
        assert!(record.success);
        assert_eq!(record.probe_version, 1);
        assert_eq!(record.mptcp_version, "1");
        assert_eq!(record.mptcp_verdict, "mptcp-v1");
        assert_eq!(record.mptcpkey, "d20fa49300bda23d");
        assert_eq!(record.mptcp_key_hamming, "29");
        assert_eq!(record.optionshex, "020405b41e0c0101d20fa49300bda23d");
        assert_eq!(record.mptcp_token.len(), 8);
        // The same reply again (a retransmission) is reported once.
        assert!(handle(&plan, &synack, false, &mut seen).is_none());
    }

    #[test]
    fn mirrors_resets_and_strangers_are_told_apart() {
        let plan = plan();
        let mut seen = HashSet::new();
        let v0 = plan
            .validator
            .probe(IpAddr::V4(US), IpAddr::V4(THEM), 80, Version::V0);
        let echo = reply(
            v0.sport,
            v0.seq.wrapping_add(1),
            TcpFlags::SYN | TcpFlags::ACK,
            plan.probes.block(Version::V0),
        );
        let record = handle(&plan, &echo, true, &mut seen).expect("a valid mirror");
        assert_eq!(record.mptcp_verdict, "mirrored");
        assert_eq!(record.mptcpkey, "0c0c0c0c0c0c0c0c");
        assert!(record.cooldown);
        assert!(
            record.mptcp_signals.contains("key-echoed"),
            "{}",
            record.mptcp_signals
        );

        let mut fresh = HashSet::new();
        let rst = reply(
            v0.sport,
            v0.seq.wrapping_add(1),
            TcpFlags::RST | TcpFlags::ACK,
            &[],
        );
        let record = handle(&plan, &rst, false, &mut fresh).expect("a valid RST");
        assert_eq!(
            (record.classification.as_str(), record.success),
            ("rst", false)
        );

        let mut fresh = HashSet::new();
        let wrong_ack = reply(v0.sport, v0.seq, TcpFlags::SYN | TcpFlags::ACK, &[]);
        assert!(handle(&plan, &wrong_ack, false, &mut fresh).is_none());
        let wrong_port = reply(
            v0.sport ^ 1,
            v0.seq.wrapping_add(1),
            TcpFlags::SYN | TcpFlags::ACK,
            &[],
        );
        assert!(handle(&plan, &wrong_port, false, &mut fresh).is_none());
        let bare_ack = reply(v0.sport, v0.seq.wrapping_add(1), TcpFlags::ACK, &[]);
        assert!(handle(&plan, &bare_ack, false, &mut fresh).is_none());
        assert!(handle(&plan, &synack_truncated(), false, &mut fresh).is_none());
    }

    fn synack_truncated() -> Vec<u8> {
        let mut p = reply(40000, 1, TcpFlags::SYN | TcpFlags::ACK, &[]);
        p.truncate(30);
        p
    }
}
