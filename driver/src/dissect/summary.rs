//! The trace-wide summary: aggregates over the connection records, printed as tables in the
//! spirit of the paper's Tables 1 and 2, and written as the last JSON-lines record.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;

use serde::{Deserialize, Serialize};

use super::record::{ConnectionRecord, OrphanJoinRecord, ScanPairRecord};
use super::stats::TraceStats;
use super::tracker::Sink;

/// Aggregates over finished connections.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Aggregates {
    /// Connections per MPTCP version ("v0", "v1", "unknown").
    pub connections: BTreeMap<String, u64>,
    /// Connections per number of established subflows.
    pub established_subflows: BTreeMap<u32, u64>,
    /// Subflows attempted, established and failed.
    pub subflows: [u64; 3],
    /// Failed subflows per reason.
    pub failures: BTreeMap<String, u64>,
    /// Seconds from the initial SYN to each MP_JOIN.
    pub join_delays: Vec<f64>,
    /// RTT spread per connection with ≥ 2 established subflows, ms.
    pub rtt_spreads_ms: Vec<f64>,
    /// Share of the bytes on the initial subflow, connections with ≥ 2 established subflows.
    pub initial_shares: Vec<f64>,
    /// Reinjected / data bytes per connection with ≥ 2 subflows, client → server.
    pub reinjection_client_to_server: Vec<f64>,
    /// The same, server → client.
    pub reinjection_server_to_client: Vec<f64>,
    /// ADD_ADDR (not echoes) per address scope and family ("link-local (IPv4)").
    pub add_addr_scopes: BTreeMap<String, u64>,
    /// ADD_ADDR options: advertisements, echoes, with a port.
    pub add_addr: [u64; 3],
    /// v1 ADD_ADDR HMAC verdicts.
    pub add_addr_hmac: BTreeMap<String, u64>,
    /// Connections with at least one ADD_ADDR.
    pub connections_with_add_addr: u64,
    /// REMOVE_ADDR options.
    pub remove_addr: u64,
    /// MP_PRIO options, and those asking for backup.
    pub mp_prio: [u64; 2],
    /// Backup subflows.
    pub backup_subflows: u64,
    /// Connections that negotiated DSS checksums.
    pub checksum_negotiated: u64,
    /// DSS checksums verified and failed.
    pub dss_checksums: [u64; 2],
    /// Connections with MP_FAIL, and MP_FAIL options.
    pub mp_fail: [u64; 2],
    /// Connections per ending.
    pub endings: BTreeMap<String, u64>,
    /// MP_TCPRST reasons.
    pub tcprst_reasons: BTreeMap<String, u64>,
    /// Payload bytes over all subflows, and on initial subflows.
    pub bytes: [u64; 2],
    /// Data-level bytes and reinjected bytes.
    pub data_bytes: [u64; 2],
    /// Orphan MP_JOINs.
    pub orphan_joins: u64,
}

impl Aggregates {
    /// Adds one connection.
    pub fn add(&mut self, c: &ConnectionRecord) {
        *self.connections.entry(c.version.clone()).or_insert(0) += 1;
        *self
            .established_subflows
            .entry(c.subflows_established)
            .or_insert(0) += 1;
        self.subflows[0] += u64::from(c.subflows_attempted);
        self.subflows[1] += u64::from(c.subflows_established);
        self.subflows[2] += u64::from(c.subflows_failed);
        for s in &c.subflows {
            if let Some(reason) = &s.failure {
                *self.failures.entry(reason.clone()).or_insert(0) += 1;
            }
        }
        self.join_delays.extend(&c.join_delays);
        if let Some(spread) = c.rtt_spread_ms {
            self.rtt_spreads_ms.push(spread);
        }
        if c.subflows_established >= 2 {
            if let Some(share) = c.initial_subflow_share {
                self.initial_shares.push(share);
            }
        }
        if c.subflows_attempted >= 2 {
            let fraction = |reinjected: u64, data: u64| reinjected as f64 / data as f64;
            if c.data_bytes.client_to_server > 0 {
                self.reinjection_client_to_server.push(fraction(
                    c.reinjected_bytes.client_to_server,
                    c.data_bytes.client_to_server,
                ));
            }
            if c.data_bytes.server_to_client > 0 {
                self.reinjection_server_to_client.push(fraction(
                    c.reinjected_bytes.server_to_client,
                    c.data_bytes.server_to_client,
                ));
            }
        }
        if !c.add_addr.is_empty() {
            self.connections_with_add_addr += 1;
        }
        for a in &c.add_addr {
            if a.echo {
                self.add_addr[1] += 1;
                continue;
            }
            self.add_addr[0] += 1;
            if a.port.is_some() {
                self.add_addr[2] += 1;
            }
            let family = if a.address.contains(':') {
                "IPv6"
            } else {
                "IPv4"
            };
            *self
                .add_addr_scopes
                .entry(format!("{} ({family})", a.scope))
                .or_insert(0) += 1;
            if let Some(h) = &a.hmac {
                *self.add_addr_hmac.entry(h.clone()).or_insert(0) += 1;
            }
        }
        self.remove_addr += c.remove_addr.len() as u64;
        self.mp_prio[0] += c.mp_prio;
        self.mp_prio[1] += c.mp_prio_backup;
        self.backup_subflows += u64::from(c.backup_subflows);
        self.checksum_negotiated += u64::from(c.checksum_negotiated);
        self.dss_checksums[0] += c.dss_checksum_ok;
        self.dss_checksums[1] += c.dss_checksum_failed;
        if c.mp_fail > 0 {
            self.mp_fail[0] += 1;
            self.mp_fail[1] += c.mp_fail;
        }
        *self.endings.entry(c.ending.clone()).or_insert(0) += 1;
        for r in &c.tcprst {
            *self.tcprst_reasons.entry(r.clone()).or_insert(0) += 1;
        }
        let total = c.bytes.client_to_server + c.bytes.server_to_client;
        self.bytes[0] += total;
        if let Some(initial) = c.subflows.iter().find(|s| s.kind == "initial") {
            self.bytes[1] += initial.bytes.client_to_server + initial.bytes.server_to_client;
        }
        self.data_bytes[0] += c.data_bytes.client_to_server + c.data_bytes.server_to_client;
        self.data_bytes[1] +=
            c.reinjected_bytes.client_to_server + c.reinjected_bytes.server_to_client;
    }
}

/// The last JSON-lines record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SummaryRecord {
    /// Always "summary".
    pub record: String,
    /// The files read.
    pub files: Vec<String>,
    /// Problems that stopped reading a file early.
    pub read_errors: Vec<String>,
    /// Trace-wide counters.
    pub trace: TraceStats,
    /// Aggregates over connections.
    pub connections: Aggregates,
}

/// Where records go: optional JSON-lines and CSV writers, and the aggregates.
pub struct Collector {
    json: Option<Box<dyn Write>>,
    csv: Option<Box<dyn Write>>,
    /// `--connections`: the text listing, with a reused buffer.
    listing: Option<(Box<dyn Write>, String)>,
    /// The aggregates so far.
    pub aggregates: Aggregates,
    /// The first write error, reported at the end (analysis goes on).
    pub write_error: Option<std::io::Error>,
}

/// The CSV columns, one row per connection.
const CSV_HEADER: &str = "id,file,first_packet,start,duration,version,client,server,\
subflows_attempted,subflows_established,subflows_failed,first_join_delay_s,rtt_spread_ms,\
add_addr,remove_addr,mp_prio,backup_subflows,checksum_negotiated,dss_checksum_failed,mp_fail,\
ending,bytes_c2s,bytes_s2c,initial_subflow_share,data_bytes_c2s,data_bytes_s2c,\
reinjected_c2s,reinjected_s2c";

impl Collector {
    /// A collector writing JSON lines and CSV where given.
    pub fn new(json: Option<Box<dyn Write>>, csv: Option<Box<dyn Write>>) -> Collector {
        let mut collector = Collector {
            json,
            csv,
            listing: None,
            aggregates: Aggregates::default(),
            write_error: None,
        };
        if let Some(csv) = collector.csv.as_mut() {
            let result = writeln!(csv, "{CSV_HEADER}");
            collector.note(result);
        }
        collector
    }

    /// Also writes each connection with its subflows as text (see [`super::listing`]).
    pub fn list_connections(&mut self, out: Box<dyn Write>) {
        self.listing = Some((out, String::with_capacity(1024)));
    }

    fn note(&mut self, result: std::io::Result<()>) {
        if let Err(error) = result {
            self.write_error.get_or_insert(error);
        }
    }

    fn json_line(&mut self, value: &impl Serialize) {
        if let Some(json) = self.json.as_mut() {
            let result = serde_json::to_writer(&mut *json, value)
                .map_err(std::io::Error::from)
                .and_then(|()| json.write_all(b"\n"));
            self.note(result);
        }
    }

    /// Writes the summary record and flushes the writers.
    pub fn finish(&mut self, summary: &SummaryRecord) -> Result<(), std::io::Error> {
        self.json_line(summary);
        let listing = self.listing.as_mut().map(|(out, _)| out);
        for writer in [self.json.as_mut(), self.csv.as_mut(), listing]
            .into_iter()
            .flatten()
        {
            if let Err(error) = writer.flush() {
                self.write_error.get_or_insert(error);
            }
        }
        match self.write_error.take() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }
}

fn opt(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.6}")).unwrap_or_default()
}

impl Sink for Collector {
    fn connection(&mut self, c: ConnectionRecord) {
        self.aggregates.add(&c);
        if let Some(csv) = self.csv.as_mut() {
            let result = writeln!(
                csv,
                "{},{},{},{:.6},{:.6},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{},{}",
                c.id,
                c.file.replace(',', "_"),
                c.first_packet,
                c.start,
                c.duration,
                c.version,
                c.client,
                c.server,
                c.subflows_attempted,
                c.subflows_established,
                c.subflows_failed,
                opt(c.join_delays.first().copied()),
                opt(c.rtt_spread_ms),
                c.add_addr.len(),
                c.remove_addr.len(),
                c.mp_prio,
                c.backup_subflows,
                c.checksum_negotiated,
                c.dss_checksum_failed,
                c.mp_fail,
                c.ending,
                c.bytes.client_to_server,
                c.bytes.server_to_client,
                opt(c.initial_subflow_share),
                c.data_bytes.client_to_server,
                c.data_bytes.server_to_client,
                c.reinjected_bytes.client_to_server,
                c.reinjected_bytes.server_to_client
            );
            self.note(result);
        }
        if let Some((out, text)) = self.listing.as_mut() {
            text.clear();
            super::listing::connection(text, &c);
            let result = out.write_all(text.as_bytes());
            self.note(result);
        }
        self.json_line(&c);
    }

    fn orphan_join(&mut self, record: OrphanJoinRecord) {
        self.aggregates.orphan_joins += 1;
        if let Some(reason) = &record.subflow.failure {
            *self.aggregates.failures.entry(reason.clone()).or_insert(0) += 1;
        }
        self.json_line(&record);
    }

    fn scan_pair(&mut self, record: ScanPairRecord) {
        self.json_line(&record);
    }
}

/// The value at quantile `q` (0..1) of `values` (sorted here), or `None` if empty.
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let at = ((v.len() - 1) as f64 * q).round() as usize;
    v.get(at).copied()
}

/// A plain-text table: a title, then rows of a label and values, columns aligned.
struct Table {
    title: String,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn new(title: &str, header: &[&str]) -> Table {
        Table {
            title: title.into(),
            header: header.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    fn render(&self, out: &mut String) {
        if self.rows.is_empty() {
            return;
        }
        let columns = self.header.len();
        let mut width = vec![0usize; columns];
        for row in std::iter::once(&self.header).chain(&self.rows) {
            for (i, cell) in row.iter().enumerate().take(columns) {
                width[i] = width[i].max(cell.chars().count());
            }
        }
        let _ = writeln!(out, "{}", self.title);
        for (r, row) in std::iter::once(&self.header).chain(&self.rows).enumerate() {
            let mut line = String::from("  ");
            for (i, cell) in row.iter().enumerate().take(columns) {
                let pad = width[i] - cell.chars().count();
                if i == 0 {
                    line.push_str(cell);
                    line.push_str(&" ".repeat(pad));
                } else {
                    line.push_str("  ");
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                }
            }
            let _ = writeln!(out, "{}", line.trim_end());
            if r == 0 {
                let total: usize = width.iter().sum::<usize>() + 2 * (columns - 1);
                let _ = writeln!(out, "  {}", "-".repeat(total));
            }
        }
        out.push('\n');
    }
}

fn count(n: u64) -> String {
    n.to_string()
}

fn gib(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.2} GiB", bytes as f64 / (1u64 << 30) as f64)
    } else if bytes >= 1 << 20 {
        format!("{:.2} MiB", bytes as f64 / (1u64 << 20) as f64)
    } else if bytes >= 1 << 10 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{bytes} B")
    }
}

fn percent(part: u64, whole: u64) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.1} %", 100.0 * part as f64 / whole as f64)
    }
}

fn distribution(values: &[f64], unit: &str, scale: f64) -> Vec<String> {
    let q = |p| {
        quantile(values, p)
            .map(|v| format!("{:.3}{unit}", v * scale))
            .unwrap_or_else(|| "-".into())
    };
    vec![values.len().to_string(), q(0.1), q(0.5), q(0.9), q(1.0)]
}

/// The human summary: tables of the trace, the connections, addresses, endings and options.
pub fn render(summary: &SummaryRecord) -> String {
    let t = &summary.trace;
    let a = &summary.connections;
    let mut out = String::new();

    let mut table = Table::new(
        "Dataset (as in Hesmans et al., Table 1)",
        &["", "Total", "IPv4", "IPv6"],
    );
    table.row(vec![
        "All TCP: packets".into(),
        count(t.tcp_packets[0] + t.tcp_packets[1]),
        count(t.tcp_packets[0]),
        count(t.tcp_packets[1]),
    ]);
    table.row(vec![
        "All TCP: bytes".into(),
        gib(t.tcp_bytes[0] + t.tcp_bytes[1]),
        gib(t.tcp_bytes[0]),
        gib(t.tcp_bytes[1]),
    ]);
    table.row(vec![
        "MPTCP: packets".into(),
        count(t.mptcp_packets[0] + t.mptcp_packets[1]),
        count(t.mptcp_packets[0]),
        count(t.mptcp_packets[1]),
    ]);
    table.row(vec![
        "MPTCP: bytes".into(),
        gib(t.mptcp_bytes[0] + t.mptcp_bytes[1]),
        gib(t.mptcp_bytes[0]),
        gib(t.mptcp_bytes[1]),
    ]);
    table.render(&mut out);

    let total: u64 = a.connections.values().sum();
    let mut table = Table::new("MPTCP connections", &["", "count", "share"]);
    table.row(vec!["connections".into(), count(total), String::new()]);
    for (version, n) in &a.connections {
        // A connection whose handshake was not captured shows no MP_CAPABLE, so no version.
        let label = match version.as_str() {
            "unknown" => "  version unknown (no MP_CAPABLE seen)".to_string(),
            version => format!("  {version}"),
        };
        table.row(vec![label, count(*n), percent(*n, total)]);
    }
    table.row(vec![
        "subflows attempted".into(),
        count(a.subflows[0]),
        String::new(),
    ]);
    table.row(vec![
        "  established".into(),
        count(a.subflows[1]),
        percent(a.subflows[1], a.subflows[0]),
    ]);
    table.row(vec![
        "  failed".into(),
        count(a.subflows[2]),
        percent(a.subflows[2], a.subflows[0]),
    ]);
    for (reason, n) in &a.failures {
        table.row(vec![format!("    {reason}"), count(*n), String::new()]);
    }
    table.row(vec![
        "MP_JOIN with unknown token".into(),
        count(a.orphan_joins),
        String::new(),
    ]);
    for (subflows, n) in &a.established_subflows {
        table.row(vec![
            format!("with {subflows} established subflow(s)"),
            count(*n),
            percent(*n, total),
        ]);
    }
    table.row(vec![
        "DSS checksum negotiated".into(),
        count(a.checksum_negotiated),
        percent(a.checksum_negotiated, total),
    ]);
    table.row(vec![
        "DSS checksums verified / failed".into(),
        format!("{} / {}", a.dss_checksums[0], a.dss_checksums[1]),
        String::new(),
    ]);
    table.row(vec![
        "connections with MP_FAIL".into(),
        count(a.mp_fail[0]),
        percent(a.mp_fail[0], total),
    ]);
    table.row(vec![
        "  MP_FAIL options".into(),
        count(a.mp_fail[1]),
        String::new(),
    ]);
    table.row(vec![
        "MP_PRIO options".into(),
        count(a.mp_prio[0]),
        String::new(),
    ]);
    table.row(vec![
        "  asking for backup".into(),
        count(a.mp_prio[1]),
        String::new(),
    ]);
    table.row(vec![
        "backup subflows".into(),
        count(a.backup_subflows),
        String::new(),
    ]);
    table.row(vec![
        "payload on initial subflows".into(),
        gib(a.bytes[1]),
        percent(a.bytes[1], a.bytes[0]),
    ]);
    table.row(vec![
        "reinjected data-level bytes".into(),
        gib(a.data_bytes[1]),
        percent(a.data_bytes[1], a.data_bytes[0]),
    ]);
    table.render(&mut out);

    let mut table = Table::new(
        "Distributions (n: connections; MP_JOINs for the delay)",
        &["", "n", "10 %", "median", "90 %", "max"],
    );
    let mut row = vec!["delay SYN → each MP_JOIN".to_string()];
    row.extend(distribution(&a.join_delays, " s", 1.0));
    table.row(row);
    let mut row = vec!["RTT spread between subflows".to_string()];
    row.extend(distribution(&a.rtt_spreads_ms, " ms", 1.0));
    table.row(row);
    let mut row = vec!["share on initial subflow".to_string()];
    row.extend(distribution(&a.initial_shares, " %", 100.0));
    table.row(row);
    let mut row = vec!["reinjected, client → server".to_string()];
    row.extend(distribution(&a.reinjection_client_to_server, " %", 100.0));
    table.row(row);
    let mut row = vec!["reinjected, server → client".to_string()];
    row.extend(distribution(&a.reinjection_server_to_client, " %", 100.0));
    table.row(row);
    if a.join_delays.len()
        + a.rtt_spreads_ms.len()
        + a.initial_shares.len()
        + a.reinjection_client_to_server.len()
        + a.reinjection_server_to_client.len()
        > 0
    {
        table.render(&mut out);
    }

    let mut table = Table::new(
        "Addresses advertised (as in Hesmans et al., Table 2)",
        &["ADD_ADDR address type", "count"],
    );
    for (scope, n) in &a.add_addr_scopes {
        table.row(vec![scope.clone(), count(*n)]);
    }
    if a.add_addr.iter().any(|&n| n > 0) || a.remove_addr > 0 {
        table.row(vec!["echoes".into(), count(a.add_addr[1])]);
        table.row(vec!["with a port".into(), count(a.add_addr[2])]);
        for (verdict, n) in &a.add_addr_hmac {
            table.row(vec![format!("HMAC {verdict}"), count(*n)]);
        }
        table.row(vec![
            "connections with ADD_ADDR".into(),
            count(a.connections_with_add_addr),
        ]);
        table.row(vec!["REMOVE_ADDR".into(), count(a.remove_addr)]);
    }
    table.render(&mut out);

    let mut table = Table::new("How connections ended", &["ending", "count", "share"]);
    for (ending, n) in &a.endings {
        table.row(vec![ending.clone(), count(*n), percent(*n, total)]);
    }
    for (reason, n) in &a.tcprst_reasons {
        table.row(vec![
            format!("  MP_TCPRST {reason}"),
            count(*n),
            String::new(),
        ]);
    }
    table.render(&mut out);

    let mut table = Table::new("MPTCP options", &["subtype", "count"]);
    for (name, n) in &t.options {
        table.row(vec![name.clone(), count(*n)]);
    }
    if t.malformed_mptcp > 0 {
        table.row(vec!["(malformed)".into(), count(t.malformed_mptcp)]);
    }
    table.render(&mut out);

    if t.capable_syns > 0 {
        let mut table = Table::new(
            "SYNs with MP_CAPABLE and their answers (scan verdicts)",
            &["verdict", "count", "share"],
        );
        for (verdict, n) in &t.scan_verdicts {
            table.row(vec![
                verdict.clone(),
                count(*n),
                percent(*n, t.capable_syns),
            ]);
        }
        table.render(&mut out);
    }

    if t.anomalies > 0 || !summary.read_errors.is_empty() {
        let _ = writeln!(
            out,
            "Problems: {} packet(s) with malformed headers or options{}",
            t.anomalies,
            if t.anomaly_messages.len() < t.anomalies as usize {
                format!(" (first {} listed)", t.anomaly_messages.len())
            } else {
                String::new()
            }
        );
        for m in &t.anomaly_messages {
            let _ = writeln!(out, "  {m}");
        }
        for e in &summary.read_errors {
            let _ = writeln!(out, "  {e}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_pick_the_nearest_rank() {
        let v = [5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(quantile(&v, 0.0), Some(1.0));
        assert_eq!(quantile(&v, 0.5), Some(3.0));
        assert_eq!(quantile(&v, 1.0), Some(5.0));
        assert_eq!(quantile(&[], 0.5), None);
    }

    #[test]
    fn tables_align_columns() {
        let mut t = Table::new("T", &["", "a", "bb"]);
        t.row(vec!["x".into(), "1".into(), "22".into()]);
        t.row(vec!["longer".into(), "333".into(), "4".into()]);
        let mut out = String::new();
        t.render(&mut out);
        assert_eq!(
            out,
            "T\n            a  bb\n  ---------------\n  x         1  22\n  longer  333   4\n\n"
        );
    }
}
