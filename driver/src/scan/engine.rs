//! The scan loop: `-T` threads send probes in permuted order, each through its own transmit ring
//! and over its own part of the shard, at a rate they share; the calling thread receives,
//! validates and classifies replies until the cooldown after the last probe ends.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use mptcpscan::mptcp::Version;

use super::monitor::{Abort, Counts, Limits, Monitor};
use super::output::Record;
use super::permutation::{self, Permutation};
use super::probes::{Analysis, ProbeBuilder};
use super::reply::TcpReply;
use super::sources::Sources;
use super::stop;
use super::targets::TargetSpace;
use super::validation::Validator;
use crate::net::filter::ReplyFilter;
use crate::net::rx::RingReceiver;
use crate::net::transmit::{Lost, Transmitter};

/// Everything a scan needs, resolved from the command line (or built by `chain`).
pub struct Plan {
    /// The targets.
    pub space: TargetSpace,
    /// The visiting order (shared by all shards of one scan).
    pub permutation: Permutation,
    /// This vantage point's shard, and the number of shards.
    pub shard: (u64, u64),
    /// Sending threads (`-T`), at most one per target of the shard.
    pub threads: u64,
    /// The probe versions sent to every target, in order.
    pub versions: Vec<Version>,
    /// Builds probes and analyses replies through the core.
    pub probes: ProbeBuilder,
    /// Probe rate in packets per second; 0 sends as fast as the kernel takes them.
    pub rate: u64,
    /// How long to keep listening after the last probe.
    pub cooldown: Duration,
    /// Rounds over every target (`-P`; replies are reported once).
    pub rounds: u32,
    /// How many times a probe the kernel refused is sent again (ZMap's `--retries`).
    pub send_retries: u32,
    /// How many targets of this shard to probe, in permuted order (`-n`).
    pub max_targets: Option<u64>,
    /// How long to send (`-t`); the cooldown follows.
    pub max_runtime: Option<Duration>,
    /// Source addresses for IPv4 and IPv6 targets.
    pub sources: Sources,
    /// The interface to send and receive on (`-i`); any by default.
    pub interface: Option<String>,
    /// The next hop's MAC address (`-G`); the neighbour table's by default.
    pub gateway_mac: Option<[u8; 6]>,
    /// ZMap's log level (`-v`): 0 only errors, 1 warnings, 3 the default, 4 and 5 every send
    /// error instead of the first of each kind.
    pub verbosity: u8,
    /// Source ports and sequence numbers.
    pub validator: Validator,
    /// The probes' IP TTL or hop limit.
    pub ttl: u8,
    /// Whether to draw a progress bar on stderr.
    pub progress: bool,
    /// When to abort (`--max-sendto-failures`, `--min-hitrate`).
    pub limits: Limits,
}

impl Plan {
    /// Writes `probe`'s SYN from `src` into `buf` and returns its length: the validator's source
    /// port and sequence number, the plan's TTL, the core's template. The one place a scheduled
    /// probe becomes bytes, for the sender and the dry run alike.
    pub fn write_probe(&self, buf: &mut [u8], src: IpAddr, probe: &Probe) -> anyhow::Result<usize> {
        let id = self
            .validator
            .probe(src, probe.dst, probe.dport, probe.version);
        self.probes.build(
            buf,
            src,
            probe.dst,
            id.sport,
            probe.dport,
            id.seq,
            self.ttl,
            probe.version,
        )
    }
}

/// What a scan did.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Summary {
    /// Probes the scan tried to send (those the kernel refused included).
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
    /// The first error the kernel gave for a probe, if any.
    pub first_error: Option<String>,
    /// CPU time of the receiving thread (user and system).
    pub receive_cpu: Duration,
    /// Packets that passed the receive ring's kernel filter.
    pub filtered_in: u64,
    /// Of those, packets the kernel dropped because the ring was full (lost replies).
    pub receive_drops: u64,
    /// Why the scan was aborted early, if it was.
    pub aborted: Option<Abort>,
}

impl Summary {
    /// Probes the kernel took.
    pub fn sent_ok(&self) -> u64 {
        self.sent - self.send_errors
    }
}

/// One probe of the schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Probe {
    /// Our address (`None` when no source of the target's family is set).
    pub src: Option<IpAddr>,
    /// The target.
    pub dst: IpAddr,
    /// The target port.
    pub dport: u16,
    /// The MP_CAPABLE version.
    pub version: Version,
}

/// Every probe of this shard: each sending thread's [`thread_schedule`] in turn.
pub fn schedule(plan: &Plan) -> impl Iterator<Item = Probe> + '_ {
    (0..plan.threads).flat_map(|thread| thread_schedule(plan, thread))
}

/// The probes sending thread `thread` sends, in order: each round visits the thread's part of
/// the shard's targets in permuted order (its share of the shard's first `max_targets`), each
/// with every probe version. The threads' parts are disjoint and together make the shard.
pub fn thread_schedule(plan: &Plan, thread: u64) -> impl Iterator<Item = Probe> + '_ {
    let per_round = usize::try_from(thread_targets(plan, thread)).unwrap_or(usize::MAX);
    (0..plan.rounds).flat_map(move |_| {
        plan.permutation
            .part(plan.shard.0, plan.shard.1, thread, plan.threads)
            .take(per_round)
            .flat_map(move |n| {
                let (dst, dport) = plan.space.get(n);
                let src = plan.sources.pick(dst);
                plan.versions.iter().map(move |&version| Probe {
                    src,
                    dst,
                    dport,
                    version,
                })
            })
    })
}

/// How many targets this shard probes: all of it, or its first `max_targets` (`-n`).
pub fn shard_targets(plan: &Plan) -> u64 {
    let targets = plan.permutation.shard_len(plan.shard.0, plan.shard.1);
    targets.min(plan.max_targets.unwrap_or(u64::MAX))
}

/// How many targets sending thread `thread` probes in each round.
fn thread_targets(plan: &Plan, thread: u64) -> u64 {
    permutation::share(shard_targets(plan), thread, plan.threads)
}

/// How many probes [`schedule`] holds.
pub fn schedule_len(plan: &Plan) -> u64 {
    shard_targets(plan) * plan.versions.len() as u64 * u64::from(plan.rounds)
}

/// After this many refused probes and none taken, sending stops: nothing will go out.
const GIVE_UP_AFTER: u64 = 1000;

/// Runs the scan, handing every distinct validated reply to `emit` as it arrives.
pub fn run(
    plan: &Plan,
    mut emit: impl FnMut(Record) -> anyhow::Result<()>,
) -> anyhow::Result<Summary> {
    let interface = plan.interface.as_deref();
    let mut receiver = RingReceiver::open(&reply_filter(plan), interface)?;
    // Each sending thread gets its own packet socket and transmit ring: a ring has one writer.
    let mut transmitters = Vec::new();
    for _ in 0..plan.threads {
        let (transmitter, notes) = Transmitter::open(
            plan.space.first_per_family(),
            interface,
            plan.gateway_mac,
            plan.send_retries,
        )?;
        if transmitters.is_empty() && plan.verbosity >= 1 {
            for note in notes {
                super::log::entry(super::log::Level::Warn, &format!("note: {note}"));
            }
        }
        transmitters.push(transmitter);
    }
    let total = schedule_len(plan);
    let bar = progress_bar(plan.progress, total);

    let senders = Senders::new(plan, transmitters.len());
    let (send_errors, done) = (&senders.errors, &senders.done);
    let mut summary = Summary::default();
    let mut seen: HashSet<(IpAddr, u16, u8)> = HashSet::new();

    let receive_cpu_start = crate::net::thread_cpu_time();
    std::thread::scope(|scope| -> anyhow::Result<()> {
        let sending: Vec<_> = transmitters
            .iter_mut()
            .enumerate()
            .map(|(thread, transmitter)| {
                let senders = &senders;
                scope.spawn(move || senders.run(thread, transmitter))
            })
            .collect();
        let started = Instant::now();
        let mut monitor = Monitor::new(plan.limits, started);
        let mut last_draw = Instant::now();
        let mut cooldown_end: Option<Instant> = None;
        loop {
            let now = Instant::now();
            if cooldown_end.is_none() && done.load(Ordering::SeqCst) {
                let attempted = senders.sent();
                // Nothing went out: no reply can come. After Ctrl-C, wait a short while only:
                // replies in flight still arrive.
                let wait = if attempted == send_errors.load(Ordering::SeqCst) {
                    Duration::ZERO
                } else if stop::stopping() {
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
                    if let Err(error) = emit(record) {
                        // The sending thread must not go on probing for results nobody takes.
                        stop::halt();
                        return Err(error);
                    }
                }
            }
            if last_draw.elapsed() >= Duration::from_millis(100) {
                last_draw = Instant::now();
                let counts = counts(&senders, summary.synacks);
                if let Some(abort) = monitor.check(last_draw, counts) {
                    summary.aborted = Some(abort);
                    stop::halt();
                }
                let sending_time = if done.load(Ordering::SeqCst) {
                    Duration::from_nanos(senders.send_nanos.load(Ordering::SeqCst))
                } else {
                    started.elapsed()
                };
                let cooldown_left = cooldown_end.map(|end| end.saturating_duration_since(now));
                let count = senders.sent();
                bar.set_position(count);
                bar.set_message(status_line(
                    count,
                    total,
                    sending_time,
                    cooldown_left,
                    &summary,
                ));
            }
        }
        // Every thread is joined; the first failure is the scan's.
        let mut outcome = Ok(());
        for thread in sending {
            let result = thread
                .join()
                .map_err(|_| anyhow::anyhow!("a sending thread panicked"))
                .and_then(|r| r);
            outcome = outcome.and(result);
        }
        outcome
    })?;
    summary.receive_cpu = crate::net::thread_cpu_time().saturating_sub(receive_cpu_start);
    let ring = receiver
        .stats()
        .context("reading the receive ring's counters")?;
    (summary.filtered_in, summary.receive_drops) = (ring.packets, ring.drops);
    summary.sent = senders.sent();
    summary.send_errors = send_errors.load(Ordering::Relaxed);
    summary.send_time = Duration::from_nanos(senders.send_nanos.load(Ordering::SeqCst));
    summary.interrupted = stop::interrupted();
    summary.first_error = senders.first_error.lock().ok().and_then(|mut e| e.take());
    if summary.aborted.is_none() {
        // The sender may have given up between two looks: the failure limit still counts (a
        // fresh monitor, still in its warm-up, judges nothing else).
        let counts = counts(&senders, summary.synacks);
        let now = Instant::now();
        summary.aborted = Monitor::new(plan.limits, now).check(now, counts);
    }
    bar.set_position(summary.sent);
    bar.set_message(status_line(
        summary.sent,
        total,
        summary.send_time,
        Some(Duration::ZERO),
        &summary,
    ));
    bar.finish();
    Ok(summary)
}

/// The monitor's view of the counters.
fn counts(senders: &Senders, synacks: u64) -> Counts {
    let send_errors = senders.errors.load(Ordering::SeqCst);
    Counts {
        sent_ok: senders.sent().saturating_sub(send_errors),
        send_errors,
        synacks,
    }
}

fn progress_bar(enabled: bool, total: u64) -> ProgressBar {
    let target = if enabled {
        ProgressDrawTarget::stderr_with_hz(10)
    } else {
        ProgressDrawTarget::hidden()
    };
    let bar = ProgressBar::with_draw_target(Some(total), target);
    bar.set_style(
        ProgressStyle::with_template("{elapsed_precise} [{bar:30}] {pos}/{len} sent, {msg}")
            .expect("the template is valid")
            .progress_chars("=> "),
    );
    bar
}

/// The progress bar's message: the send rate in whole probes per second, the replies, then the
/// time left: sending (ETA at the current rate) or the cooldown's countdown.
pub fn status_line(
    sent: u64,
    total: u64,
    sending_time: Duration,
    cooldown_left: Option<Duration>,
    summary: &Summary,
) -> String {
    let secs = sending_time.as_secs_f64();
    let pps = if secs > 0.0 { sent as f64 / secs } else { 0.0 };
    let hit = if sent == 0 {
        0.0
    } else {
        100.0 * summary.synacks as f64 / sent as f64
    };
    let left = match cooldown_left {
        Some(left) if left.is_zero() => "done".to_string(),
        Some(left) => format!("cooldown {} left", clock(left.as_secs_f64().ceil() as u64)),
        None if pps >= 1.0 => format!(
            "ETA {}",
            clock((total.saturating_sub(sent) as f64 / pps).ceil() as u64)
        ),
        None => "ETA -".to_string(),
    };
    format!(
        "{pps:.0} pps, recv {} synack {} ({hit:.1}%) mp_capable {}, {left}",
        summary.replies, summary.synacks, summary.mp_capable
    )
}

/// Seconds as `42s`, `3m05s` or `2h07m`.
fn clock(secs: u64) -> String {
    match secs {
        0..=59 => format!("{secs}s"),
        60..=3599 => format!("{}m{:02}s", secs / 60, secs % 60),
        _ => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
    }
}

/// The kernel filter of the receive ring: replies to our source addresses and ports only.
fn reply_filter(plan: &Plan) -> ReplyFilter {
    let mut filter = ReplyFilter {
        v4: Vec::new(),
        v6: Vec::new(),
        ports: plan.validator.ports(),
    };
    for source in plan.sources.all() {
        match source {
            IpAddr::V4(a) => filter.v4.push(a),
            IpAddr::V6(a) => filter.v6.push(a),
        }
    }
    filter
}

/// A sending thread's probe count, alone on its cache line: each thread stores its own on every
/// probe, and must not invalidate its neighbours' line while doing so.
#[derive(Default)]
#[repr(align(128))]
struct Slot(AtomicU64);

/// What the sending threads share.
struct Senders<'a> {
    plan: &'a Plan,
    /// When sending began: every thread's pacing and `-t` count from it.
    start: Instant,
    /// The number of the next probe due under `-r`: one token bucket shared by all threads, so
    /// the rate holds for any number of threads (even more threads than probes per second),
    /// and a thread that runs out of targets or falls behind leaves no part of it unused.
    tickets: AtomicU64,
    /// Probes each thread tried (those the kernel refused included).
    sent: Vec<Slot>,
    /// Probes the kernel refused.
    errors: AtomicU64,
    first_error: Mutex<Option<String>>,
    /// Kinds of error already reported: below verbosity 4, each is reported once per scan.
    reported: Mutex<HashSet<std::io::ErrorKind>>,
    /// Set when a thread failed: the others stop sending too.
    failed: AtomicBool,
    /// Threads still sending.
    running: AtomicUsize,
    /// Time from the start to the end of the last thread, in nanoseconds.
    send_nanos: AtomicU64,
    /// Set when the last thread has ended.
    done: AtomicBool,
}

impl<'a> Senders<'a> {
    fn new(plan: &'a Plan, threads: usize) -> Self {
        Senders {
            plan,
            start: Instant::now(),
            tickets: AtomicU64::new(0),
            sent: (0..threads).map(|_| Slot::default()).collect(),
            errors: AtomicU64::new(0),
            first_error: Mutex::new(None),
            reported: Mutex::new(HashSet::new()),
            failed: AtomicBool::new(false),
            running: AtomicUsize::new(threads),
            send_nanos: AtomicU64::new(0),
            done: AtomicBool::new(false),
        }
    }

    /// Probes tried by all threads.
    fn sent(&self) -> u64 {
        self.sent
            .iter()
            .map(|slot| slot.0.load(Ordering::Relaxed))
            .sum()
    }

    /// Sending thread `thread`: its schedule, then the bookkeeping of its end.
    fn run(&self, thread: usize, transmitter: &mut Transmitter) -> anyhow::Result<()> {
        let result = self.send_all(thread, transmitter);
        if result.is_err() {
            self.failed.store(true, Ordering::SeqCst);
        }
        if self.running.fetch_sub(1, Ordering::SeqCst) == 1 {
            let nanos = u64::try_from(self.start.elapsed().as_nanos()).unwrap_or(u64::MAX);
            self.send_nanos.store(nanos, Ordering::SeqCst);
            self.done.store(true, Ordering::SeqCst);
        }
        result
    }

    /// Counts the probes `lost` reports and reports its error (the first of each kind, or all
    /// of them from verbosity 4).
    fn account(&self, lost: Option<Lost>, refused: &mut u64) {
        let Some(Lost { error, probes }) = lost else {
            return;
        };
        *refused += probes;
        self.errors.fetch_add(probes, Ordering::SeqCst);
        if let Ok(mut first) = self.first_error.lock() {
            first.get_or_insert_with(|| error.to_string());
        }
        let first_of_kind = self
            .reported
            .lock()
            .is_ok_and(|mut kinds| kinds.insert(error.kind()));
        if self.plan.verbosity >= 4 || (first_of_kind && self.plan.verbosity >= 1) {
            super::log::entry(
                super::log::Level::Error,
                &format!("sending probes: {error}"),
            );
        }
    }

    /// Thread `thread`'s schedule at its turn of the shared rate, until it ends, `-t` passes,
    /// Ctrl-C, another thread fails, or the kernel has refused [`GIVE_UP_AFTER`] of this
    /// thread's probes and taken none. Probes leave in batches when the transmit ring is in use;
    /// a batch goes out before the thread waits for a probe's turn.
    fn send_all(&self, thread: usize, transmitter: &mut Transmitter) -> anyhow::Result<()> {
        let (plan, start) = (self.plan, self.start);
        let sent = &self.sent[thread].0;
        let mut count: u64 = 0;
        let mut refused: u64 = 0;
        for probe in thread_schedule(plan, thread as u64) {
            if stop::stopping()
                || self.failed.load(Ordering::Relaxed)
                || plan.max_runtime.is_some_and(|t| start.elapsed() >= t)
            {
                break;
            }
            let src = probe
                .src
                .context("no source address for this address family")?;
            // Unlimited rate: no turn to take, and no shared counter to touch.
            let turn = if plan.rate == 0 {
                count
            } else {
                self.tickets.fetch_add(1, Ordering::Relaxed)
            };
            if transmitter.queued() && !is_due(plan.rate, start, turn) {
                self.account(transmitter.flush(), &mut refused);
            }
            pace(plan.rate, start, turn);
            let lost = transmitter.send(probe.dst, |buf| plan.write_probe(buf, src, &probe))?;
            self.account(lost, &mut refused);
            count += 1;
            // Relaxed: a plain store on every probe; the final count is published by `done`.
            sent.store(count, Ordering::Relaxed);
            if refused == count && count >= GIVE_UP_AFTER {
                break;
            }
        }
        self.account(transmitter.flush(), &mut refused);
        Ok(())
    }
}

/// Whether probe number `count` is due now at `rate` (always, when the rate is unlimited).
fn is_due(rate: u64, start: Instant, count: u64) -> bool {
    rate == 0
        || Instant::now()
            >= start + Duration::from_nanos(count.saturating_mul(1_000_000_000) / rate)
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
        mptcp_signals: analysis.signals,
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

    use mptcpscan::classify::Verdict;
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
            threads: 1,
            versions: vec![Version::V0, Version::V1],
            probes: ProbeBuilder::new(&OptionSet::LINUX, 0x0c0c_0c0c_0c0c_0c0c).unwrap(),
            rate: 0,
            cooldown: Duration::ZERO,
            rounds: 1,
            send_retries: 0,
            max_targets: None,
            max_runtime: None,
            sources: Sources::parse(&[US.to_string()]).unwrap(),
            interface: None,
            gateway_mac: None,
            verbosity: 3,
            validator: Validator::new(7, (32768, 61000)),
            ttl: 64,
            progress: false,
            limits: Limits::default(),
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
    fn the_schedule_covers_rounds_versions_and_the_target_cap() {
        let mut plan = plan();
        let all: Vec<Probe> = schedule(&plan).collect();
        assert_eq!(all.len() as u64, schedule_len(&plan));
        assert_eq!(all.len(), 256 * 2);
        let hosts: HashSet<IpAddr> = all.iter().map(|p| p.dst).collect();
        assert_eq!(hosts.len(), 256);
        assert!(all.iter().all(|p| p.src == Some(IpAddr::V4(US))));
        plan.max_targets = Some(10);
        plan.rounds = 3;
        let capped: Vec<Probe> = schedule(&plan).collect();
        assert_eq!(capped.len() as u64, schedule_len(&plan));
        assert_eq!(capped.len(), 10 * 2 * 3);
        // Every round probes the same ten targets, v0 then v1.
        assert_eq!(capped[..20], capped[20..40]);
        assert_eq!(capped[0].version, Version::V0);
        assert_eq!(capped[1].version, Version::V1);
    }

    #[test]
    fn sending_threads_split_the_schedule_without_overlap() {
        // Every (target, version, round) of one thread's schedule is sent once by N threads,
        // with and without -n, including more threads than targets.
        let sorted = |plan: &Plan, probes: Vec<Probe>| {
            let mut keys: Vec<(IpAddr, u16, u8)> = probes
                .iter()
                .map(|p| (p.dst, p.dport, u8::from(p.version == Version::V1)))
                .collect();
            keys.sort_unstable();
            assert_eq!(keys.len() as u64, schedule_len(plan));
            keys
        };
        for max_targets in [None, Some(1), Some(3), Some(10), Some(255), Some(1000)] {
            for rounds in [1, 2] {
                let mut plan = plan();
                (plan.max_targets, plan.rounds) = (max_targets, rounds);
                let one = sorted(&plan, schedule(&plan).collect());
                for threads in [2, 3, 4, 7] {
                    plan.threads = threads;
                    let parts: Vec<Vec<Probe>> = (0..threads)
                        .map(|t| thread_schedule(&plan, t).collect())
                        .collect();
                    let lens: Vec<u64> = parts.iter().map(|p| p.len() as u64).collect();
                    let all = sorted(&plan, parts.into_iter().flatten().collect());
                    assert_eq!(all, one, "-n {max_targets:?} -P {rounds} -T {threads}");
                    // The parts differ by one target at most (times versions and rounds).
                    let per_target = 2 * u64::from(rounds);
                    let (min, max) = (lens.iter().min().unwrap(), lens.iter().max().unwrap());
                    assert!(max - min <= per_target, "{lens:?}");
                    assert_eq!(schedule(&plan).count() as u64, schedule_len(&plan));
                }
            }
        }
    }

    #[test]
    fn the_status_line_has_whole_rates_and_a_cooldown_countdown() {
        // Issue 15: the bar showed "9,992.9055/s", and "ETA 0s" through the cooldown.
        let summary = Summary {
            replies: 10,
            synacks: 5,
            mp_capable: 2,
            ..Summary::default()
        };
        let sending = status_line(9_993, 100_000, Duration::from_millis(1_000), None, &summary);
        assert!(sending.starts_with("9993 pps, "), "{sending}");
        assert!(sending.ends_with("ETA 10s"), "{sending}");
        let cooling = status_line(
            100_000,
            100_000,
            Duration::from_secs(10),
            Some(Duration::from_millis(4_200)),
            &summary,
        );
        assert!(cooling.starts_with("10000 pps, "), "{cooling}");
        assert!(cooling.ends_with("cooldown 5s left"), "{cooling}");
        assert!(!cooling.contains("ETA"), "{cooling}");
        let long = status_line(1, 1_000_000, Duration::from_secs(1), None, &summary);
        assert!(long.ends_with("ETA 277h46m"), "{long}");
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
        assert_eq!(record.mptcp_verdict, Verdict::MptcpV1);
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
        assert_eq!(record.mptcp_verdict, Verdict::Mirrored);
        assert_eq!(record.mptcpkey, "0c0c0c0c0c0c0c0c");
        assert!(record.cooldown);
        assert!(
            record
                .mptcp_signals
                .contains(mptcpscan::classify::Signals::KEY_ECHOED),
            "{:?}",
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
