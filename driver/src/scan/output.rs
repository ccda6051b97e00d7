//! Scan results as CSV or JSON lines, one row per validated reply, with ZMap's field names where
//! the meaning is the same (`tcp_synscan`: saddr is the responder, daddr is us; TUM's
//! `tcp_synopt`: optionshex, optionstext, mptcpkey) followed by our verdict and its evidence.

use std::io::Write;

use anyhow::Context;
use mptcpscan::classify::{Signals, Verdict};
use serde::{Deserialize, Serialize};
use serde_json::Value;

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
    #[serde(deserialize_with = "zmap_bool")]
    pub success: bool,
    /// Whether the reply arrived after the last probe was sent (ZMap's `cooldown`).
    #[serde(deserialize_with = "zmap_bool")]
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
    /// The core's verdict for this reply (`mptcpscan::classify`), by its name.
    #[serde(with = "crate::names::verdict")]
    pub mptcp_verdict: Verdict,
    /// The signals that fired, by their names, comma-separated.
    #[serde(with = "crate::names::signals")]
    pub mptcp_signals: Signals,
    /// The Hamming weight of the received key (empty without a key).
    pub mptcp_key_hamming: String,
    /// The token derived from the received key in hex (empty without a key).
    pub mptcp_token: String,
}

/// Reads a boolean as ZMap writes it: `1`/`0` in CSV, `true`/`false` in JSON.
fn zmap_bool<'de, D: serde::Deserializer<'de>>(de: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Either {
        Bool(bool),
        Int(u8),
        Text(String),
    }
    match Either::deserialize(de)? {
        Either::Bool(b) => Ok(b),
        Either::Int(0) => Ok(false),
        Either::Int(1) => Ok(true),
        Either::Text(t) if t == "1" || t == "true" => Ok(true),
        Either::Text(t) if t == "0" || t == "false" => Ok(false),
        _ => Err(serde::de::Error::custom("expected 1, 0, true or false")),
    }
}

/// Every output field, in the default order (the CSV header when `-f` is not given).
pub const FIELDS: [&str; 22] = [
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

/// Parses `-f`/`--output-fields`: field names separated by commas (`*`: all, in default order).
pub fn parse_fields(text: &str) -> anyhow::Result<Vec<&'static str>> {
    if text.trim() == "*" {
        return Ok(FIELDS.to_vec());
    }
    let mut fields = Vec::new();
    for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let field = FIELDS
            .iter()
            .copied()
            .find(|f| *f == name)
            .with_context(|| {
                format!(
                    "--output-fields: unknown field `{name}` (fields: {})",
                    FIELDS.join(", ")
                )
            })?;
        if !fields.contains(&field) {
            fields.push(field);
        }
    }
    if fields.is_empty() {
        anyhow::bail!("--output-fields: no field given");
    }
    Ok(fields)
}

/// Writes records as they come, in the chosen fields. The CSV header is written at once, so an
/// output with no row (nothing answered, or an interrupted scan) still says what it holds.
pub struct Writer {
    format: Format,
    fields: Vec<&'static str>,
    out: Box<dyn Write + Send>,
}

impl Writer {
    /// A writer of `format` with `fields` into `out`; writes the CSV header.
    pub fn new(
        format: Format,
        fields: Vec<&'static str>,
        out: Box<dyn Write + Send>,
    ) -> anyhow::Result<Self> {
        let mut writer = Writer {
            format,
            fields,
            out,
        };
        if format == Format::Csv {
            let header = writer.fields.clone();
            writer.csv_line(header.iter().map(|f| f.to_string()))?;
        }
        Ok(writer)
    }

    fn csv_line(&mut self, cells: impl IntoIterator<Item = String>) -> anyhow::Result<()> {
        let mut line = csv::WriterBuilder::new().from_writer(Vec::new());
        line.write_record(cells)?;
        let bytes = line.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        self.out.write_all(&bytes).context("writing CSV")
    }

    /// Writes one record given as its JSON object (see [`row`]).
    pub fn write_row(&mut self, row: &serde_json::Map<String, Value>) -> anyhow::Result<()> {
        let fields = self.fields.clone();
        match self.format {
            // Booleans as ZMap's CSV module writes them.
            Format::Csv => self.csv_line(fields.iter().map(|f| match row.get(*f) {
                Some(Value::String(s)) => s.clone(),
                Some(Value::Bool(b)) => u8::from(*b).to_string(),
                Some(other) => other.to_string(),
                None => String::new(),
            })),
            Format::Json => {
                let mut line = String::from("{");
                for (n, field) in fields.iter().enumerate() {
                    if n > 0 {
                        line.push(',');
                    }
                    line.push_str(&serde_json::to_string(field)?);
                    line.push(':');
                    line.push_str(&serde_json::to_string(
                        row.get(*field).unwrap_or(&Value::Null),
                    )?);
                }
                line.push_str("}\n");
                self.out.write_all(line.as_bytes()).context("writing JSON")
            }
        }
    }

    /// Writes one record.
    pub fn write(&mut self, record: &Record) -> anyhow::Result<()> {
        self.write_row(&row(record)?)
    }

    /// Flushes what was written so far.
    pub fn flush(&mut self) -> anyhow::Result<()> {
        self.out.flush().context("flushing results")
    }
}

/// A record as a JSON object keyed by field name: what `--output-filter` and `-f` work on.
pub fn row(record: &Record) -> anyhow::Result<serde_json::Map<String, Value>> {
    match serde_json::to_value(record)? {
        Value::Object(map) => Ok(map),
        _ => anyhow::bail!("a record serialises to a JSON object"),
    }
}

/// Whether `error` (anywhere in its chain) is a closed pipe: the reader went away.
pub fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            || cause
                .downcast_ref::<csv::Error>()
                .is_some_and(|e| matches!(e.kind(), csv::ErrorKind::Io(io) if io.kind() == std::io::ErrorKind::BrokenPipe))
    })
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
            optionstext: "MPCAPABLE:v1:flags=01:key=d20fa49300bda23d".into(),
            mptcpkey: "d20fa49300bda23d".into(),
            probe_version: 1,
            mptcp_version: "1".into(),
            mptcp_verdict: Verdict::MptcpV1,
            mptcp_signals: Signals::KEY_NEAR | Signals::TS_ECHOED,
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
        let mut w = Writer::new(format, FIELDS.to_vec(), Box::new(Shared(buf.clone()))).unwrap();
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
            "198.18.1.2,198.18.0.2,61,80,40001,7,1001,64240,synack,1,0,1,2,\
             1e0c0101d20fa49300bda23d,MPCAPABLE:v1:flags=01:key=d20fa49300bda23d,d20fa49300bda23d,\
             1,1,mptcp-v1,\"key-near,ts-echoed\",30,01020304"
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
    fn the_header_is_written_without_rows() {
        // Issue 13: a scan with no reply used to leave a 0-byte CSV.
        let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let mut w =
            Writer::new(Format::Csv, FIELDS.to_vec(), Box::new(Shared(buf.clone()))).unwrap();
        w.flush().unwrap();
        let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
        assert_eq!(text, format!("{}\n", FIELDS.join(",")));
    }

    #[test]
    fn chosen_fields_in_chosen_order() {
        let fields = parse_fields("mptcp_verdict, saddr,sport,saddr").unwrap();
        assert_eq!(fields, ["mptcp_verdict", "saddr", "sport"]);
        assert_eq!(parse_fields("*").unwrap(), FIELDS.to_vec());
        assert!(format!("{:#}", parse_fields("saddr,nope").unwrap_err()).contains("`nope`"));
        assert!(parse_fields(" , ").is_err());
        for (format, expected) in [
            (
                Format::Csv,
                "mptcp_verdict,saddr,sport\nmptcp-v1,198.18.1.2,80\n",
            ),
            (
                Format::Json,
                "{\"mptcp_verdict\":\"mptcp-v1\",\"saddr\":\"198.18.1.2\",\"sport\":80}\n",
            ),
        ] {
            let buf = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let mut w = Writer::new(format, fields.clone(), Box::new(Shared(buf.clone()))).unwrap();
            w.write(&sample()).unwrap();
            let text = String::from_utf8(buf.lock().unwrap().clone()).unwrap();
            assert_eq!(text, expected);
        }
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
