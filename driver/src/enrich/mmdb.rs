//! A small writer of MaxMind DB files (format version 2.0), enough for the country databases of
//! the lab and of tests: an IPv6 search tree (IPv4 under `::/96`, as MaxMind's own databases hold
//! it) with 32-bit records, one data record per prefix, and the metadata. The `maxminddb` crate
//! reads what it writes.

use std::collections::HashMap;
use std::net::IpAddr;

/// A data-section value (only the types the lab's databases use).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// UTF-8 string.
    Str(String),
    /// Unsigned 16-bit integer.
    U16(u16),
    /// Unsigned 32-bit integer.
    U32(u32),
    /// Unsigned 64-bit integer.
    U64(u64),
    /// Array.
    Array(Vec<Value>),
    /// Map with string keys, in the order given.
    Map(Vec<(String, Value)>),
}

/// The country record as GeoLite2 and GeoIP2 country databases hold it.
pub fn country_record(iso_code: &str) -> Value {
    Value::Map(vec![(
        "country".into(),
        Value::Map(vec![("iso_code".into(), Value::Str(iso_code.into()))]),
    )])
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Record {
    Empty,
    Node(usize),
    Data(usize),
}

/// Prefixes and their values; [`Writer::finish`] gives the file's bytes.
pub struct Writer {
    database_type: String,
    description: String,
    build_epoch: u64,
    nodes: Vec<[Record; 2]>,
    data: Vec<u8>,
    offsets: HashMap<Value, usize>,
}

impl Writer {
    /// An empty database of the given type (`GeoLite2-Country`, say).
    pub fn new(database_type: &str, description: &str, build_epoch: u64) -> Writer {
        Writer {
            database_type: database_type.into(),
            description: description.into(),
            build_epoch,
            nodes: vec![[Record::Empty; 2]],
            data: Vec::new(),
            offsets: HashMap::new(),
        }
    }

    /// Maps `network/len` to `value`. Insert wider prefixes first: a narrower one then splits
    /// them, while a wider one inserted later overwrites what it covers.
    pub fn insert(&mut self, network: IpAddr, len: u8, value: &Value) {
        let (bits, len) = match network {
            IpAddr::V4(v4) => (u128::from(u32::from(v4)), len.min(32) + 96),
            IpAddr::V6(v6) => (u128::from(v6), len.min(128)),
        };
        let offset = match self.offsets.get(value) {
            Some(&offset) => offset,
            None => {
                let offset = self.data.len();
                encode(&mut self.data, value);
                self.offsets.insert(value.clone(), offset);
                offset
            }
        };
        if len == 0 {
            // The whole space: both halves of the root.
            self.nodes[0] = [Record::Data(offset); 2];
            return;
        }
        let mut node = 0;
        for depth in 0..len {
            let bit = ((bits >> (127 - u32::from(depth))) & 1) as usize;
            if depth + 1 == len {
                self.nodes[node][bit] = Record::Data(offset);
                return;
            }
            node = match self.nodes[node][bit] {
                Record::Node(next) => next,
                inherited => {
                    // Empty, or a wider prefix's data that both halves keep.
                    self.nodes.push([inherited; 2]);
                    let next = self.nodes.len() - 1;
                    self.nodes[node][bit] = Record::Node(next);
                    next
                }
            };
        }
    }

    /// The database file.
    pub fn finish(self) -> Vec<u8> {
        let count = self.nodes.len();
        let mut out = Vec::with_capacity(count * 8 + 16 + self.data.len() + 256);
        for node in &self.nodes {
            for record in node {
                let value = match *record {
                    Record::Empty => count,
                    Record::Node(n) => n,
                    Record::Data(offset) => count + 16 + offset,
                };
                out.extend_from_slice(&(value as u32).to_be_bytes());
            }
        }
        out.extend_from_slice(&[0; 16]);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(b"\xab\xcd\xefMaxMind.com");
        let metadata = Value::Map(vec![
            ("binary_format_major_version".into(), Value::U16(2)),
            ("binary_format_minor_version".into(), Value::U16(0)),
            ("build_epoch".into(), Value::U64(self.build_epoch)),
            ("database_type".into(), Value::Str(self.database_type)),
            (
                "description".into(),
                Value::Map(vec![("en".into(), Value::Str(self.description))]),
            ),
            ("ip_version".into(), Value::U16(6)),
            (
                "languages".into(),
                Value::Array(vec![Value::Str("en".into())]),
            ),
            ("node_count".into(), Value::U32(count as u32)),
            ("record_size".into(), Value::U16(32)),
        ]);
        encode(&mut out, &metadata);
        out
    }
}

/// The control byte(s) of a value of `kind` (1–15) and `size`.
fn control(out: &mut Vec<u8>, kind: u8, size: usize) {
    let (marker, extra): (u8, Vec<u8>) = match size {
        0..=28 => (size as u8, Vec::new()),
        29..=284 => (29, vec![(size - 29) as u8]),
        285..=65_820 => (30, ((size - 285) as u16).to_be_bytes().to_vec()),
        _ => (31, ((size - 65_821) as u32).to_be_bytes()[1..].to_vec()),
    };
    if kind <= 7 {
        out.push((kind << 5) | marker);
    } else {
        out.push(marker);
        out.push(kind - 7);
    }
    out.extend_from_slice(&extra);
}

fn unsigned(out: &mut Vec<u8>, kind: u8, value: u64) {
    let bytes = value.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    control(out, kind, 8 - skip);
    out.extend_from_slice(&bytes[skip..]);
}

fn encode(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Str(s) => {
            control(out, 2, s.len());
            out.extend_from_slice(s.as_bytes());
        }
        Value::U16(v) => unsigned(out, 5, u64::from(*v)),
        Value::U32(v) => unsigned(out, 6, u64::from(*v)),
        Value::U64(v) => unsigned(out, 9, *v),
        Value::Array(items) => {
            control(out, 11, items.len());
            for item in items {
                encode(out, item);
            }
        }
        Value::Map(pairs) => {
            control(out, 7, pairs.len());
            for (key, item) in pairs {
                encode(out, &Value::Str(key.clone()));
                encode(out, item);
            }
        }
    }
}
