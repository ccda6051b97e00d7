//! The rows `fetch` writes (CSV and JSON lines), and the per-target comparison of MPTCP with TCP
//! that both its summary and `mptcpscan report` draw from.
//!
//! One row per fetch:
//!
//! | field | meaning |
//! |---|---|
//! | `record` | always `fetch` (how `report` recognises the JSON lines) |
//! | `url`, `addr`, `port`, `path`, `ip_version` | the target |
//! | `class` | the chain's class of the host, when it came from `--chain` |
//! | `socket` | `mptcp` (IPPROTO_MPTCP) or `tcp` |
//! | `attempt` | 1.. (MPTCP and TCP alternate within an attempt) |
//! | `outcome` | `ok`, `connect-failed`, `tls-failed`, `timeout`, `truncated`, `bad-response`, `max-bytes`, `io-error` |
//! | `error` | why, when not `ok` |
//! | `http_status`, `body_bytes` | the response |
//! | `connect_ms`, `first_byte_ms`, `total_ms` | from `connect()` to: set up, first response byte, last byte |
//! | `tls_ms` | the TLS handshake alone, from set up to handshake done (empty for `http://`) |
//! | `tls_verified` | HTTPS: whether the certificate was verified (false with `--insecure`) |
//! | `connection` | `mptcp` (stayed MPTCP), `fallback` (MPTCP socket, plain TCP underneath) or `tcp` |
//! | `subflows` | subflows of an MPTCP connection at the end (`MPTCP_INFO`) |
//! | `mptcp_flags` | `mptcpi_flags` (bit 0 fallback, bit 1 peer's key received) |

use std::collections::BTreeMap;
use std::io::Write;
use std::net::IpAddr;

use mptcpscan::sockinfo::Connection;
use serde::{Deserialize, Serialize};

use super::get::{Outcome, SocketKind, Timing};
use super::targets::Target;

/// The `record` field of every row.
pub const RECORD: &str = "fetch";

/// One fetch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FetchRecord {
    /// Always [`RECORD`].
    pub record: String,
    /// The URL fetched.
    pub url: String,
    /// The server's address.
    pub addr: IpAddr,
    /// The server's port.
    pub port: u16,
    /// The path fetched.
    pub path: String,
    /// 4 or 6.
    pub ip_version: u8,
    /// The chain's class of the host.
    pub class: Option<String>,
    /// `mptcp` or `tcp`.
    pub socket: String,
    /// Attempt number, from 1.
    pub attempt: u32,
    /// How the fetch ended.
    pub outcome: String,
    /// Why, when it did not end well.
    pub error: Option<String>,
    /// The response's status code.
    pub http_status: Option<u16>,
    /// Body bytes received.
    pub body_bytes: u64,
    /// Milliseconds from `connect()` to the connection being set up.
    pub connect_ms: Option<f64>,
    /// Milliseconds of the TLS handshake (`https://`), from the connection being set up.
    #[serde(default)]
    pub tls_ms: Option<f64>,
    /// HTTPS: whether the server's certificate was verified (false with `--insecure`).
    #[serde(default)]
    pub tls_verified: Option<bool>,
    /// Milliseconds from `connect()` to the first response byte.
    pub first_byte_ms: Option<f64>,
    /// Milliseconds from `connect()` to the last response byte.
    pub total_ms: Option<f64>,
    /// `mptcp`, `fallback` or `tcp`.
    pub connection: Option<String>,
    /// Subflows of an MPTCP connection.
    pub subflows: Option<u8>,
    /// `mptcpi_flags`.
    pub mptcp_flags: Option<u32>,
}

fn ms(d: Option<std::time::Duration>) -> Option<f64> {
    d.map(|d| (d.as_secs_f64() * 1e6).round() / 1e3)
}

impl FetchRecord {
    /// The row of one fetch of `target`.
    /// `verified`: whether HTTPS certificates are verified (`None` when the run has no TLS).
    pub fn new(
        target: &Target,
        socket: SocketKind,
        attempt: u32,
        t: &Timing,
        verified: Option<bool>,
    ) -> FetchRecord {
        let https = target.scheme == super::targets::Scheme::Https;
        FetchRecord {
            record: RECORD.to_string(),
            url: target.url(),
            addr: target.addr.ip(),
            port: target.addr.port(),
            path: target.path.clone(),
            ip_version: if target.addr.is_ipv4() { 4 } else { 6 },
            class: target.class.clone(),
            socket: socket.name().to_string(),
            attempt,
            outcome: t.outcome.name().to_string(),
            error: t.error.clone(),
            http_status: t.status,
            body_bytes: t.body_bytes,
            connect_ms: ms(t.connect),
            tls_ms: ms(t.tls),
            tls_verified: verified.filter(|_| https),
            first_byte_ms: ms(t.first_byte),
            total_ms: ms(t.total),
            connection: t.connection.map(|c| c.name().to_string()),
            subflows: t.info.map(|i| i.subflows()),
            mptcp_flags: t.info.map(|i| i.flags),
        }
    }

    /// A complete download with a 2xx status: the rows the comparison uses.
    fn usable(&self) -> bool {
        self.outcome == Outcome::Ok.name()
            && self.http_status.is_some_and(|s| (200..300).contains(&s))
            && self.total_ms.is_some()
    }
}

/// CSV rows with a header.
pub struct CsvOut {
    writer: csv::Writer<Box<dyn Write>>,
}

impl CsvOut {
    /// Writes to `out`.
    pub fn new(out: Box<dyn Write>) -> CsvOut {
        CsvOut {
            writer: csv::Writer::from_writer(out),
        }
    }

    /// One row.
    pub fn write(&mut self, row: &FetchRecord) -> anyhow::Result<()> {
        Ok(self.writer.serialize(row)?)
    }

    /// Flushes what was written.
    pub fn flush(&mut self) -> anyhow::Result<()> {
        Ok(self.writer.flush()?)
    }
}

/// What MPTCP fetches of one target became.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcomes {
    /// Every complete MPTCP fetch stayed MPTCP.
    Mptcp,
    /// Every complete MPTCP fetch fell back to TCP.
    Fallback,
    /// Some stayed, some fell back.
    Mixed,
}

impl Outcomes {
    /// The name in summaries.
    pub fn name(self) -> &'static str {
        match self {
            Outcomes::Mptcp => "mptcp",
            Outcomes::Fallback => "fallback",
            Outcomes::Mixed => "mixed",
        }
    }
}

/// MPTCP against TCP for one target.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// The URL.
    pub url: String,
    /// Median total time of the complete MPTCP fetches, ms.
    pub mptcp_ms: f64,
    /// Median total time of the complete TCP fetches, ms.
    pub tcp_ms: f64,
    /// `mptcp_ms / tcp_ms`: below 1, MPTCP was faster.
    pub ratio: f64,
    /// What the MPTCP connections became.
    pub outcomes: Outcomes,
    /// The most subflows an MPTCP connection had.
    pub max_subflows: u8,
    /// Complete fetches (MPTCP, TCP).
    pub fetches: (usize, usize),
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

/// Per URL with at least one complete fetch of each kind: the ratio of the median total times.
pub fn compare(rows: &[FetchRecord]) -> Vec<Comparison> {
    let mut by_url: BTreeMap<&str, Vec<&FetchRecord>> = BTreeMap::new();
    for row in rows.iter().filter(|r| r.usable()) {
        by_url.entry(&row.url).or_default().push(row);
    }
    by_url
        .into_iter()
        .filter_map(|(url, rows)| {
            let times = |socket: SocketKind| -> Vec<f64> {
                rows.iter()
                    .filter(|r| r.socket == socket.name())
                    .filter_map(|r| r.total_ms)
                    .collect()
            };
            let mut mptcp = times(SocketKind::Mptcp);
            let mut tcp = times(SocketKind::Tcp);
            let fetches = (mptcp.len(), tcp.len());
            let mptcp_ms = median(&mut mptcp)?;
            let tcp_ms = median(&mut tcp)?;
            let kinds: Vec<Option<Connection>> = rows
                .iter()
                .filter(|r| r.socket == SocketKind::Mptcp.name())
                .map(|r| r.connection.as_deref().and_then(Connection::from_name))
                .collect();
            let outcomes = if kinds.iter().all(|k| *k == Some(Connection::Mptcp)) {
                Outcomes::Mptcp
            } else if kinds.iter().all(|k| *k == Some(Connection::Fallback)) {
                Outcomes::Fallback
            } else {
                Outcomes::Mixed
            };
            let max_subflows = rows.iter().filter_map(|r| r.subflows).max().unwrap_or(0);
            Some(Comparison {
                url: url.to_string(),
                mptcp_ms,
                tcp_ms,
                ratio: if tcp_ms > 0.0 {
                    mptcp_ms / tcp_ms
                } else {
                    f64::NAN
                },
                outcomes,
                max_subflows,
                fetches,
            })
        })
        .collect()
}

/// One line per target for stderr.
pub fn summary_line(target: &Target, rows: &[FetchRecord]) -> String {
    let failed = rows.iter().filter(|r| !r.usable()).count();
    let failures = if failed > 0 {
        let first = rows
            .iter()
            .find(|r| !r.usable())
            .map(|r| {
                format!(
                    "{}{}",
                    r.outcome,
                    r.error
                        .as_deref()
                        .map(|e| format!(": {e}"))
                        .unwrap_or_default()
                )
            })
            .unwrap_or_default();
        format!(", {failed} failed ({first})")
    } else {
        String::new()
    };
    match compare(rows).first() {
        Some(c) => {
            let subflows = match c.max_subflows {
                0 => String::new(),
                1 => ", 1 subflow".to_string(),
                n => format!(", {n} subflows"),
            };
            format!(
                "{}: MPTCP {:.1} ms ({}{subflows}), TCP {:.1} ms, ratio {:.2}{failures}\n",
                target.url(),
                c.mptcp_ms,
                c.outcomes.name(),
                c.tcp_ms,
                c.ratio
            )
        }
        None => format!("{}: no comparison{failures}\n", target.url()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(
        url: &str,
        socket: &str,
        total: f64,
        connection: &str,
        subflows: Option<u8>,
    ) -> FetchRecord {
        FetchRecord {
            record: RECORD.into(),
            url: url.into(),
            addr: "198.18.0.66".parse().unwrap(),
            port: 8080,
            path: "/".into(),
            ip_version: 4,
            class: None,
            socket: socket.into(),
            attempt: 1,
            outcome: "ok".into(),
            error: None,
            http_status: Some(200),
            body_bytes: 10,
            connect_ms: Some(1.0),
            tls_ms: None,
            tls_verified: None,
            first_byte_ms: Some(2.0),
            total_ms: Some(total),
            connection: Some(connection.into()),
            subflows,
            mptcp_flags: None,
        }
    }

    #[test]
    fn medians_and_outcomes_per_target() {
        let mut failed = row("a", "mptcp", 1.0, "mptcp", Some(2));
        failed.outcome = "timeout".into();
        let rows = vec![
            row("a", "mptcp", 600.0, "mptcp", Some(2)),
            row("a", "mptcp", 800.0, "mptcp", Some(2)),
            row("a", "mptcp", 700.0, "mptcp", Some(1)),
            row("a", "tcp", 1800.0, "tcp", None),
            row("a", "tcp", 1600.0, "tcp", None),
            failed,
            row("b", "mptcp", 10.0, "fallback", None),
            row("b", "tcp", 10.0, "tcp", None),
            row("c", "mptcp", 10.0, "fallback", None),
            row("c", "mptcp", 10.0, "mptcp", Some(1)),
            row("c", "tcp", 20.0, "tcp", None),
            row("d", "mptcp", 10.0, "mptcp", Some(1)),
        ];
        let c = compare(&rows);
        assert_eq!(c.len(), 3, "d has no TCP fetch");
        assert_eq!(c[0].mptcp_ms, 700.0);
        assert_eq!(c[0].tcp_ms, 1700.0);
        assert!((c[0].ratio - 700.0 / 1700.0).abs() < 1e-12);
        assert_eq!(c[0].outcomes, Outcomes::Mptcp);
        assert_eq!(c[0].max_subflows, 2);
        assert_eq!(c[0].fetches, (3, 2));
        assert_eq!(c[1].outcomes, Outcomes::Fallback);
        assert_eq!(c[1].ratio, 1.0);
        assert_eq!(c[2].outcomes, Outcomes::Mixed);
    }

    #[test]
    fn rows_round_trip_through_json() {
        let r = row("a", "mptcp", 1.5, "mptcp", Some(2));
        let text = serde_json::to_string(&r).unwrap();
        assert!(text.starts_with(r#"{"record":"fetch""#));
        assert_eq!(serde_json::from_str::<FetchRecord>(&text).unwrap(), r);
    }
}
