//! Reading result files of any of the three producers into one set of numbers.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use anyhow::{bail, Context};
use serde_json::Value;

use crate::dissect::record::{ConnectionRecord, SeriesRecord};
use crate::dissect::summary::{Aggregates, SummaryRecord};

/// Source names for class breakdowns.
pub const DISSECT_PAIRS: &str = "dissect: SYN/SYN-ACK verdicts";
/// See [`DISSECT_PAIRS`].
pub const SCAN_VERDICTS: &str = "scan: reply verdicts";
/// See [`DISSECT_PAIRS`].
pub const CHAIN_CLASSES: &str = "chain: final classes";

/// Record kinds as the inputs table names them.
const CONNECTIONS: &str = "connections";
const PAIRS: &str = "SYN/SYN-ACK pairs";
const ORPHANS: &str = "unmatched MP_JOINs";
const SUMMARY: &str = "dissect summary";

/// Everything the report draws from.
#[derive(Default)]
pub struct Inputs {
    /// Aggregates over every connection record read.
    pub connections: Aggregates,
    /// Number of connection records.
    pub connection_count: u64,
    /// Summaries of dissect runs (trace-wide counters).
    pub summaries: Vec<SummaryRecord>,
    /// Keys received in answers to probes (scan replies, chain hosts, dissect SYN-ACKs).
    pub received_keys: Vec<u64>,
    /// Keys of both ends of dissected connections (used when no probe answers were given).
    pub connection_keys: Vec<u64>,
    /// Counts per class, per source.
    pub classes: BTreeMap<String, BTreeMap<String, u64>>,
    /// Files read and what was found in each.
    pub files: Vec<(String, String)>,
    /// Connections that carry a time series (`dissect --series`).
    pub series: Vec<ConnectionSeries>,
    /// Problems with the inputs that did not stop the report (a file cut short, say).
    pub warnings: Vec<String>,
    /// Rows of `mptcpscan fetch --json`.
    pub fetches: Vec<crate::fetch::record::FetchRecord>,
    /// Every host of chain results, with where it is when known.
    pub hosts: Vec<Host>,
    /// The hops where chain traces saw a stripper remove MP_CAPABLE.
    pub stripping_hops: Vec<StrippingHop>,
}

/// The hop of one trace whose quote first shows our MP_CAPABLE removed (the trace's
/// `interference` is the core's `stripped`): the 2020 thesis's Table 4.10 lists these hops.
#[derive(Debug, Clone)]
pub struct StrippingHop {
    /// The address that answered at that TTL.
    pub addr: std::net::IpAddr,
    /// The TTL.
    pub ttl: u8,
    /// The traced host, its port and the probe version.
    pub behind: (std::net::IpAddr, u16, u8),
    /// Where the hop is (looked up by `report --asn/--country`).
    pub place: crate::enrich::Place,
}

/// One host of chain results.
#[derive(Debug, Clone)]
pub struct Host {
    /// Its address.
    pub addr: std::net::IpAddr,
    /// The port.
    pub port: u16,
    /// The chain's final class.
    pub class: String,
    /// Where it is (from `enrich`, or looked up by `report --asn/--country`).
    pub place: crate::enrich::Place,
}

/// One connection's time series with what its figures need to say.
pub struct ConnectionSeries {
    /// The file it was read from.
    pub file: String,
    /// Its id in that file.
    pub id: u64,
    /// The initial subflow's endpoints, "client → server".
    pub path: String,
    /// Each subflow, "client → server", in the order of the series' subflow column.
    pub subflows: Vec<String>,
    /// Data-level bytes both ways (what "largest" ranks by).
    pub data_bytes: u64,
    /// The segments.
    pub series: SeriesRecord,
}

impl Inputs {
    /// Reads one file, recognising its kind from its content.
    pub fn read(&mut self, path: &Path) -> anyhow::Result<()> {
        let mut text = String::new();
        File::open(path)?.read_to_string(&mut text)?;
        let trimmed = text.trim_start();
        // A chain results document is one JSON object spanning many lines; JSON lines hold one
        // object per line. Try the whole document first.
        if trimmed.starts_with('{') {
            if let Ok(doc) = serde_json::from_str::<Value>(trimmed) {
                if doc.get("hosts").is_some() {
                    self.chain(&doc);
                    self.files
                        .push((path.display().to_string(), "chain results".into()));
                    return Ok(());
                }
            }
        }
        let name = path.display().to_string();
        let mut kinds = BTreeMap::new();
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            let value: Value = match serde_json::from_str(line) {
                Ok(value) => value,
                // A last line without its newline that does not parse: the writer was stopped
                // mid-line. Everything before it is kept; the warning below names the file.
                Err(_) if n + 1 == lines.len() && !text.ends_with('\n') => {
                    self.warnings.push(format!(
                        "{name}: the last line is cut short (line {}), left out",
                        n + 1
                    ));
                    continue;
                }
                Err(error) => bail!("line {}: not JSON ({error})", n + 1),
            };
            let kind = self
                .line(value, &name)
                .with_context(|| format!("line {}", n + 1))?;
            *kinds.entry(kind).or_insert(0u64) += 1;
        }
        if kinds.is_empty() {
            bail!("no results in the file");
        }
        let dissect_records = [CONNECTIONS, PAIRS, ORPHANS]
            .iter()
            .any(|k| kinds.contains_key(k));
        if dissect_records && !kinds.contains_key(SUMMARY) {
            self.warnings.push(format!(
                "{name}: no summary record: this dissect output was cut short (dissect stopped \
                 before the end), so its numbers are incomplete and its trace counters missing"
            ));
        }
        let found = kinds
            .iter()
            .map(|(k, n)| format!("{n} {k}"))
            .collect::<Vec<_>>()
            .join(", ");
        self.files.push((name, found));
        Ok(())
    }

    fn count_class(&mut self, source: &str, class: &str) {
        *self
            .classes
            .entry(source.to_string())
            .or_default()
            .entry(class.to_string())
            .or_insert(0) += 1;
    }

    /// One JSON-lines object of file `name`; returns what kind of record it was.
    fn line(&mut self, value: Value, name: &str) -> anyhow::Result<&'static str> {
        match value.get("record").and_then(Value::as_str) {
            Some("connection") => {
                let record: ConnectionRecord = serde_json::from_value(value)?;
                for key in [&record.keys.client_to_server, &record.keys.server_to_client]
                    .into_iter()
                    .flatten()
                {
                    if let Ok(k) = u64::from_str_radix(key, 16) {
                        self.connection_keys.push(k);
                    }
                }
                self.connections.add(&record);
                self.connection_count += 1;
                if let Some(series) = record.series {
                    self.series.push(ConnectionSeries {
                        file: name.to_string(),
                        id: record.id,
                        path: format!("{} → {}", record.client, record.server),
                        subflows: record
                            .subflows
                            .iter()
                            .map(|s| format!("{} → {}", s.client, s.server))
                            .collect(),
                        data_bytes: record.data_bytes.client_to_server
                            + record.data_bytes.server_to_client,
                        series,
                    });
                }
                Ok(CONNECTIONS)
            }
            Some("scan_pair") => {
                let class = value.get("class").and_then(Value::as_str).unwrap_or("?");
                self.count_class(DISSECT_PAIRS, class);
                if let Some(k) = hex_key(value.get("mptcpkey")) {
                    self.received_keys.push(k);
                }
                Ok(PAIRS)
            }
            Some("orphan_join") => {
                self.connections.orphan_joins += 1;
                Ok(ORPHANS)
            }
            Some(crate::fetch::record::RECORD) => {
                self.fetches.push(serde_json::from_value(value)?);
                Ok("fetches")
            }
            Some("summary") => {
                self.summaries.push(serde_json::from_value(value)?);
                Ok(SUMMARY)
            }
            Some(other) => bail!("unknown record kind {other:?}"),
            None if value.get("mptcp_verdict").is_some() => {
                let verdict = value
                    .get("mptcp_verdict")
                    .and_then(Value::as_str)
                    .unwrap_or("?");
                self.count_class(SCAN_VERDICTS, verdict);
                if let Some(k) = hex_key(value.get("mptcpkey")) {
                    self.received_keys.push(k);
                }
                Ok("scan replies")
            }
            None => bail!("neither a dissect record nor a scan reply"),
        }
    }

    fn chain(&mut self, doc: &Value) {
        let hosts = doc.get("hosts").and_then(Value::as_array);
        for host in hosts.into_iter().flatten() {
            let class = host.get("class").and_then(Value::as_str).unwrap_or("?");
            self.count_class(CHAIN_CLASSES, class);
            let addr = host
                .get("addr")
                .and_then(Value::as_str)
                .and_then(|a| a.parse().ok());
            let port = host.get("port").and_then(Value::as_u64);
            if let (Some(addr), Some(port)) = (addr, port) {
                let text = |k: &str| host.get(k).and_then(Value::as_str).map(String::from);
                self.hosts.push(Host {
                    addr,
                    port: u16::try_from(port).unwrap_or(0),
                    class: class.to_string(),
                    place: crate::enrich::Place {
                        asn: host
                            .get("asn")
                            .and_then(Value::as_u64)
                            .and_then(|a| u32::try_from(a).ok()),
                        as_name: text("as_name"),
                        country: text("country"),
                        as_rank: host
                            .get("as_rank")
                            .and_then(Value::as_u64)
                            .and_then(|r| u32::try_from(r).ok()),
                    },
                });
            }
            let versions = host.get("versions").and_then(Value::as_array);
            for version in versions.into_iter().flatten() {
                if let (Some(addr), Some(port)) = (addr, port) {
                    if let Some(hop) = stripping_hop(version, addr, port) {
                        self.stripping_hops.push(hop);
                    }
                }
                if let Some(k) = hex_key(version.get("scan").and_then(|s| s.get("mptcpkey"))) {
                    self.received_keys.push(k);
                }
            }
        }
    }
}

/// The hop where a version's trace saw MP_CAPABLE stripped, when it did and the hop answered.
fn stripping_hop(version: &Value, addr: std::net::IpAddr, port: u64) -> Option<StrippingHop> {
    let trace = version.get("trace")?;
    if trace.get("interference").and_then(Value::as_str) != Some("stripped") {
        return None;
    }
    let ttl = trace.get("modified_at").and_then(Value::as_u64)?;
    let hop = trace
        .get("hops")
        .and_then(Value::as_array)?
        .iter()
        .find(|h| h.get("ttl").and_then(Value::as_u64) == Some(ttl))?;
    Some(StrippingHop {
        addr: hop.get("from").and_then(Value::as_str)?.parse().ok()?,
        ttl: u8::try_from(ttl).ok()?,
        behind: (
            addr,
            u16::try_from(port).ok()?,
            version
                .get("probe_version")
                .and_then(Value::as_u64)
                .and_then(|v| u8::try_from(v).ok())?,
        ),
        place: crate::enrich::Place::default(),
    })
}

/// A key written as hex (empty or absent: none).
fn hex_key(value: Option<&Value>) -> Option<u64> {
    let text = value?.as_str()?.trim_start_matches("0x");
    if text.is_empty() {
        return None;
    }
    u64::from_str_radix(text, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scan_lines_and_chain_documents_are_recognised() {
        let dir = std::env::temp_dir().join(format!("mptcpscan-report-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let scan = dir.join("scan.json");
        std::fs::write(
            &scan,
            "{\"saddr\":\"198.18.0.1\",\"mptcp_verdict\":\"mirrored\",\"mptcpkey\":\"0c0c0c0c0c0c0c0c\"}\n\
             {\"saddr\":\"198.18.0.2\",\"mptcp_verdict\":\"no-mp-capable\",\"mptcpkey\":\"\"}\n",
        )
        .unwrap();
        let chain = dir.join("chain.json");
        std::fs::write(
            &chain,
            "{\n \"format\": \"x\",\n \"hosts\": [{\"class\": \"mptcp\", \"versions\": [{\"scan\": {\"mptcpkey\": \"d20fa49300bda23d\"}}]}]\n}\n",
        )
        .unwrap();
        let mut inputs = Inputs::default();
        inputs.read(&scan).unwrap();
        inputs.read(&chain).unwrap();
        assert_eq!(
            inputs.received_keys,
            vec![0x0c0c0c0c0c0c0c0c, 0xd20fa49300bda23d]
        );
        assert_eq!(inputs.classes[SCAN_VERDICTS]["mirrored"], 1);
        assert_eq!(inputs.classes[SCAN_VERDICTS]["no-mp-capable"], 1);
        assert_eq!(inputs.classes[CHAIN_CLASSES]["mptcp"], 1);
        std::fs::write(&scan, "{\"foo\": 1}\n").unwrap();
        let error = Inputs::default().read(&scan).unwrap_err();
        assert!(format!("{error:#}").contains("line 1"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
