//! Scan results as CSV or JSON lines, one row per validated reply, with ZMap's field names where
//! the meaning is the same (`tcp_synscan`: saddr is the responder, daddr is us; TUM's
//! `tcp_synopt`: optionshex, optionstext, mptcpkey) followed by our verdict and its evidence.

use std::io::Write;

use anyhow::Context;
use serde::{Deserialize, Serialize};

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Comma-separated values with a header line (ZMap's `--output-module=csv`).
    Csv,
    /// One JSON object per line (ZMap's `--output-module=json`).
    Json,
}

/// One validated reply.
///
/// Field order is the CSV column order. Empty strings and zeros stand for "not applicable" so the
/// CSV stays rectangular (ZMap prints empty fields the same way).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// The responder's address (the target).
    pub saddr: String,
    /// Our address, the reply's destination.
    pub daddr: String,
    /// The reply's IP TTL or hop limit.
    pub ttl: u8,
    /// The reply's source port (the scanned port).
    pub sport: u16,
    /// The reply's destination port (our probe's source port).
    pub dport: u16,
    /// The reply's sequence number.
    pub seqnum: u32,
    /// The reply's acknowledgement number (our sequence number + 1).
    pub acknum: u32,
    /// The reply's receive window.
    pub window: u16,
    /// `synack` or `rst`, as ZMap's `tcp_synscan` names them.
    pub classification: String,
    /// Whether the port is open (a SYN-ACK), as ZMap's `success`.
    pub success: bool,
    /// Whether the reply arrived after the last probe was sent (ZMap's `cooldown`).
    pub cooldown: bool,
    /// Seconds since the Unix epoch when the reply arrived (ZMap's `timestamp_ts`).
    pub timestamp_ts: u64,
    /// Microseconds within that second (ZMap's `timestamp_us`).
    pub timestamp_us: u32,
    /// The reply's TCP option bytes in hex.
    pub optionshex: String,
    /// The reply's TCP options as text (`MSS:1460 SACKPERM TS:... MPTCP:...`).
    pub optionstext: String,
    /// The key of the reply's MP_CAPABLE in hex (16 digits), if it carries one.
    pub mptcpkey: String,
    /// Which probe the reply answers: 0 (v0, key in the SYN) or 1 (v1, keyless SYN).
    pub probe_version: u8,
    /// The version of the reply's MP_CAPABLE, empty when it has none.
    pub mptcp_version: String,
    /// The core's verdict for this reply (`mptcpscan::classify`).
    pub mptcp_verdict: String,
    /// The mirror signals that fired, comma-separated.
    pub mptcp_signals: String,
    /// The Hamming weight of the received key (empty without a key).
    pub mptcp_key_hamming: String,
    /// The token derived from the received key in hex (empty without a key).
    pub mptcp_token: String,
}

/// The CSV header, in field order.
#[cfg(test)]
const FIELDS: [&str; 22] = [
    "saddr",
    "daddr",
    "ttl",
    "sport",
    "dport",
    "seqnum",
    "acknum",
    "window",
    "classification",
    "success",
    "cooldown",
    "timestamp_ts",
    "timestamp_us",
    "optionshex",
    "optionstext",
    "mptcpkey",
    "probe_version",
    "mptcp_version",
    "mptcp_verdict",
    "mptcp_signals",
    "mptcp_key_hamming",
    "mptcp_token",
];

/// Writes records as they come, flushing so an interrupted scan loses nothing it received.
pub struct Writer {
    inner: Inner,
}

enum Inner {
    Csv(Box<csv::Writer<Box<dyn Write + Send>>>),
    Json(Box<dyn Write + Send>),
}

impl Writer {
    /// A writer of `format` into `out`.
    pub fn new(format: Format, out: Box<dyn Write + Send>) -> Self {
        let inner = match format {
            Format::Csv => Inner::Csv(Box::new(csv::Writer::from_writer(out))),
            Format::Json => Inner::Json(out),
        };
        Writer { inner }
    }

    /// Writes one record.
    pub fn write(&mut self, record: &Record) -> anyhow::Result<()> {
        match &mut self.inner {
            Inner::Csv(w) => w.serialize(record).context("writing CSV"),
            Inner::Json(w) => {
                serde_json::to_writer(&mut *w, record).context("writing JSON")?;
                w.write_all(b"\n").context("writing JSON")
            }
        }
    }

    /// Flushes what was written so far.
    pub fn flush(&mut self) -> anyhow::Result<()> {
        match &mut self.inner {
            Inner::Csv(w) => w.flush(),
            Inner::Json(w) => w.flush(),
        }
        .context("flushing results")
    }
}

/// Reads records back from a file written by [`Writer`], in either format (JSON lines start
/// with `{`).
pub fn read(path: &std::path::Path) -> anyhow::Result<Vec<Record>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    if text.trim_start().starts_with('{') {
        text.lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(n, l)| {
                serde_json::from_str(l)
                    .with_context(|| format!("{} line {}", path.display(), n + 1))
            })
            .collect()
    } else {
        csv::Reader::from_reader(text.as_bytes())
            .deserialize()
            .enumerate()
            .map(|(n, r)| r.with_context(|| format!("{} record {}", path.display(), n + 1)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Record {
        Record {
            saddr: "198.18.1.2".into(),
            daddr: "198.18.0.2".into(),
            ttl: 61,
            sport: 80,
            dport: 40001,
            seqnum: 7,
            acknum: 1001,
            window: 64240,
            classification: "synack".into(),
            success: true,
            cooldown: false,
            timestamp_ts: 1,
            timestamp_us: 2,
            optionshex: "1e0c0101d20fa49300bda23d".into(),
            optionstext: "MPTCP:v1,key=d20fa49300bda23d".into(),
            mptcpkey: "d20fa49300bda23d".into(),
            probe_version: 1,
            mptcp_version: "1".into(),
            mptcp_verdict: "mptcp".into(),
            mptcp_signals: "a,b".into(),
            mptcp_key_hamming: "30".into(),
            mptcp_token: "01020304".into(),
        }
    }

    struct Shared(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);
    impl Write for Shared {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn render(format: Format) -> String {
        let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w = Writer::new(format, Box::new(Shared(buf.clone())));
        w.write(&sample()).unwrap();
        w.flush().unwrap();
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        text
    }

    #[test]
    fn csv_header_has_the_field_order() {
        let text = render(Format::Csv);
        let mut lines = text.lines();
        assert_eq!(lines.next().unwrap(), FIELDS.join(","));
        assert_eq!(
            lines.next().unwrap(),
            "198.18.1.2,198.18.0.2,61,80,40001,7,1001,64240,synack,true,false,1,2,\
             1e0c0101d20fa49300bda23d,\"MPTCP:v1,key=d20fa49300bda23d\",d20fa49300bda23d,1,1,\
             mptcp,\"a,b\",30,01020304"
        );
    }

    #[test]
    fn json_keys_follow_the_field_order() {
        let text = render(Format::Json);
        let keys: Vec<&str> = FIELDS.to_vec();
        let mut at = 0;
        for key in keys {
            let found = text[at..]
                .find(&format!("\"{key}\":"))
                .unwrap_or_else(|| panic!("{key}"));
            at += found;
        }
        let back: Record = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(back, sample());
    }

    #[test]
    fn both_formats_read_back() {
        let dir = std::env::temp_dir().join(format!("mptcpscan-out-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, format) in [("a.csv", Format::Csv), ("a.json", Format::Json)] {
            let path = dir.join(name);
            std::fs::write(&path, render(format)).unwrap();
            assert_eq!(read(&path).unwrap(), vec![sample()]);
        }
        std::fs::write(dir.join("bad.json"), "{\"saddr\": 1}\n").unwrap();
        assert!(read(&dir.join("bad.json")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
