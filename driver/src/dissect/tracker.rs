//! `dissect`'s side of connection tracking: segments go to the core's tracker
//! ([`mptcpscan::track`], the one the tshark plugin uses too), and what comes back is counted,
//! written as `--options` lines, and handed to the [`Sink`] as records.

use std::io::Write;

use mptcpscan::mptcp::MptcpOption;
use mptcpscan::track::{self, ConnectionSummary, Findings, Finished};
use rustc_hash::FxHashMap;

pub use mptcpscan::track::Settings;

use super::record::{
    ConnectionRecord, OrphanJoinRecord, ScanPairRecord, SeriesRecord, SubflowRecord,
};
use super::segment::Segment;
use super::stats::TraceStats;

/// Receives records as connections finish.
pub trait Sink {
    /// A finished connection.
    fn connection(&mut self, record: ConnectionRecord);
    /// An MP_JOIN subflow whose token matched no connection.
    fn orphan_join(&mut self, record: OrphanJoinRecord);
    /// An MP_CAPABLE SYN and its answer.
    fn scan_pair(&mut self, record: ScanPairRecord);
}

/// The core's tracker, the trace counters, and the option lines.
pub struct Tracker {
    core: track::Tracker,
    files: Vec<String>,
    /// Trace-wide counters.
    pub stats: TraceStats,
    /// Where `--options` lines go, with a reused line buffer and the first write error.
    dump: Option<(Box<dyn Write>, String)>,
    dump_error: Option<std::io::Error>,
    /// Where `--checks` lines go.
    checks: Option<Box<dyn Write>>,
    /// With `--series`: every placed segment of each open connection, by connection id.
    series: Option<FxHashMap<u64, Vec<Sample>>>,
}

/// One segment's payload placed in the data sequence space (for `dissect --series`).
#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Capture time (ns).
    time: i64,
    /// 64-bit data sequence number of the first payload byte.
    dsn: u64,
    /// Payload bytes.
    len: u32,
    /// The subflow's index in its connection.
    subflow: u16,
    /// Connection direction (0: client → server).
    direction: u8,
}

impl Tracker {
    /// An empty tracker; with `series`, connection records carry their per-segment series.
    pub fn new(settings: Settings, series: bool) -> Tracker {
        Tracker {
            core: track::Tracker::new(settings),
            files: Vec::new(),
            stats: TraceStats::default(),
            dump: None,
            dump_error: None,
            checks: None,
            series: series.then(FxHashMap::default),
        }
    }

    /// Writes every MPTCP option to `out`, one line each (see [`super::optdump`]).
    pub fn dump_options(&mut self, out: Box<dyn Write>) {
        self.dump = Some((out, String::with_capacity(256)));
    }

    /// Writes every frame's checks to `out`, one line per frame (see [`super::checks`]).
    pub fn dump_checks(&mut self, out: Box<dyn Write>) {
        self.checks = Some(out);
    }

    /// Flushes the option and check lines; returns the first write error.
    pub fn finish_dump(&mut self) -> std::io::Result<()> {
        let outs = self.dump.as_mut().map(|(out, _)| out).into_iter();
        for out in outs.chain(self.checks.as_mut()) {
            if let Err(error) = out.flush() {
                self.dump_error.get_or_insert(error);
            }
        }
        match self.dump_error.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// Starts a new capture file (packet numbers restart at 1).
    pub fn start_file(&mut self, name: &str) {
        if let Some(out) = self.checks.as_mut() {
            if let Err(error) = writeln!(out, "# {name}") {
                self.dump_error.get_or_insert(error);
            }
        }
        self.files.push(name.to_string());
        self.core.set_file((self.files.len() - 1) as u32);
    }

    fn file_name(&self, index: u32) -> String {
        self.files.get(index as usize).cloned().unwrap_or_default()
    }

    /// Records a problem with packet `number` of the current file.
    pub fn anomaly(&mut self, number: u64, message: String) {
        let file = self.files.last().cloned().unwrap_or_default();
        self.stats.anomaly(&file, number, message);
    }

    /// Applies one TCP segment.
    pub fn segment(&mut self, number: u64, time: i64, segment: &Segment<'_>, sink: &mut dyn Sink) {
        let v6 = segment.src.is_ipv6();
        self.stats.count_tcp(v6, segment.ip_len);
        let core_segment = track::Segment {
            src: segment.src,
            dst: segment.dst,
            tcp: segment.tcp,
            payload_len: segment.payload_len,
            ttl: Some(segment.ttl),
        };
        let findings = self.core.feed(number, time, &core_segment);
        let file = self.files.last().map_or("", String::as_str);
        count(
            &mut self.stats,
            &mut self.dump,
            &mut self.dump_error,
            file,
            number,
            segment,
            findings,
        );
        if let Some(out) = self.checks.as_mut() {
            if let Some(line) = super::checks::line(number, findings) {
                if let Err(error) = out.write_all(line.as_bytes()) {
                    self.dump_error.get_or_insert(error);
                }
            }
        }
        if let (Some(series), Some(placed), Some(id), Some(subflow)) = (
            self.series.as_mut(),
            findings.placement,
            findings.connection,
            findings.subflow,
        ) {
            series.entry(id).or_default().push(Sample {
                time,
                dsn: placed.dsn,
                len: placed.len,
                subflow,
                direction: placed.direction,
            });
        }
        self.drain(sink);
    }

    /// Hands the records the core finished to the sink.
    fn drain(&mut self, sink: &mut dyn Sink) {
        while let Some(record) = self.core.pop_finished() {
            match record {
                Finished::Connection(c) => {
                    let record = self.connection_record(&c);
                    sink.connection(record)
                }
                Finished::OrphanJoin { file, subflow } => sink.orphan_join(OrphanJoinRecord {
                    record: "orphan_join".into(),
                    file: self.file_name(file),
                    subflow: SubflowRecord::from_summary(&subflow),
                }),
                Finished::ScanPair(pair) => {
                    let record = ScanPairRecord::from_pair(&pair, self.file_name(pair.file));
                    *self
                        .stats
                        .scan_verdicts
                        .entry(record.class.clone())
                        .or_insert(0) += 1;
                    sink.scan_pair(record);
                }
            }
        }
        let core = self.core.stats();
        self.stats.capable_syns = core.capable_syns;
        self.stats.capable_syn_fallback = core.capable_syn_fallback;
        self.stats.capable_syn_unanswered = core.capable_syn_unanswered;
        self.stats.connections_opened = core.connections_opened;
        self.stats.midstream_subflows = core.midstream_subflows;
        self.stats.orphan_joins = core.orphan_joins;
    }

    /// A finished connection's record, with its series when asked for.
    fn connection_record(&mut self, c: &ConnectionSummary) -> ConnectionRecord {
        let mut record = ConnectionRecord::from_summary(c, self.file_name(c.file));
        if let Some(series) = self.series.as_mut() {
            let samples = series.remove(&c.id).unwrap_or_default();
            let order: Vec<u16> = c.subflows.iter().map(|s| s.index).collect();
            record.series = Some(series_record(&samples, c.first_time, &order));
        }
        record
    }

    /// Finishes everything (the end of the capture).
    pub fn finish(&mut self, sink: &mut dyn Sink) {
        self.core.finish_all();
        self.drain(sink);
        self.stats.settle_options();
    }
}

/// Counts the options and problems of one segment, and writes its option lines.
fn count(
    stats: &mut TraceStats,
    dump: &mut Option<(Box<dyn Write>, String)>,
    dump_error: &mut Option<std::io::Error>,
    file: &str,
    number: u64,
    segment: &Segment<'_>,
    findings: &Findings,
) {
    let area = segment.tcp.options();
    for option in findings.options() {
        let start = usize::from(option.offset);
        let bytes = area
            .get(start..start + usize::from(option.len))
            .unwrap_or(&[]);
        stats.count_option(bytes);
        if let Some((out, line)) = dump.as_mut() {
            line.clear();
            match MptcpOption::parse(bytes, option.version) {
                Ok(parsed) => super::optdump::describe(line, number, &parsed),
                Err(error) => super::optdump::describe_error(line, number, bytes, &error),
            }
            line.push('\n');
            if let Err(error) = out.write_all(line.as_bytes()) {
                dump_error.get_or_insert(error);
            }
        }
        if let Some(error) = option.error {
            stats.malformed_mptcp += 1;
            stats.anomaly(file, number, format!("MPTCP option: {error}"));
        }
    }
    if let Some(error) = findings.options_error {
        stats.anomaly(file, number, format!("TCP options: {error}"));
    }
    if findings.tracked {
        stats.count_mptcp(segment.src.is_ipv6(), segment.ip_len);
    }
}

/// The samples as columns, times from `start`, sequence numbers from each direction's lowest,
/// subflows by their position in `order` (the subflow indices as the record lists them).
fn series_record(samples: &[Sample], start: i64, order: &[u16]) -> SeriesRecord {
    let mut lowest = [u64::MAX; 2];
    for s in samples {
        let d = usize::from(s.direction & 1);
        lowest[d] = lowest[d].min(s.dsn);
    }
    let mut out = SeriesRecord::default();
    for s in samples {
        out.t_us
            .push(u64::try_from(s.time.saturating_sub(start) / 1000).unwrap_or(0));
        let position = order.iter().position(|&i| i == s.subflow).unwrap_or(0);
        out.subflow
            .push(u16::try_from(position).unwrap_or(u16::MAX));
        out.direction.push(s.direction);
        out.dsn
            .push(s.dsn.wrapping_sub(lowest[usize::from(s.direction & 1)]));
        out.len.push(s.len);
    }
    out
}
