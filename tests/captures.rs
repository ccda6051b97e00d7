//! Every MPTCP option in every shared capture decodes, re-emits byte for byte, and agrees field
//! by field with tshark's own decode of the same file. The one deliberately malformed capture
//! (`tcpdump/mptcp-dss-oobr.pcap`) must give a clear error instead.
//!
//! The MPTCP version a connection speaks comes from its MP_CAPABLE; subflows that joined later
//! (and captures that start mid-connection) take the capture's version from the table below,
//! which the test checks against every MP_CAPABLE it sees.

mod support;

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::Path;
use std::process::Command;

use mptcpscan::mptcp::{self, BackupFlags, MpJoin, MptcpError, MptcpOption, Version};
use mptcpscan::options::{Options, TcpOption};
use support::pcap::{self, TcpSegment};

/// The malformed capture and the error it must give.
const OOBR: &str = "tcpdump/mptcp-dss-oobr.pcap";

/// The version of the connections in each capture (tcpdump's `.out` files and the capture
/// README say which), used for subflows whose MP_CAPABLE the capture does not hold.
fn capture_version(path: &Path) -> Version {
    let name = path.to_string_lossy();
    let v0 = [
        "mptcp-v0",
        "mptcp-fclose",
        "mptcp-dss-oobr",
        "pymptcpanalyzer/",
    ];
    match v0.iter().any(|prefix| name.contains(prefix)) {
        true => Version::V0,
        false => Version::V1,
    }
}

/// One MPTCP option as found in a capture.
struct Found {
    frame: usize,
    bytes: Vec<u8>,
    result: Result<OwnedOption, MptcpError>,
}

/// What the test keeps of a parsed option (the parsed enum borrows from the frame).
#[derive(Debug, Clone, PartialEq)]
struct OwnedOption {
    option_bytes: Vec<u8>,
    version: Version,
}

impl OwnedOption {
    fn parsed(&self) -> MptcpOption<'_> {
        MptcpOption::parse(&self.option_bytes, self.version).expect("parsed once already")
    }
}

/// Walks every TCP segment of a capture and decodes its MPTCP options, each with the version of
/// its connection.
fn decode_capture(path: &Path) -> (Vec<Found>, Vec<String>) {
    let frames = pcap::read(path).unwrap_or_else(|e| panic!("{e}"));
    let fallback = capture_version(path);
    let mut versions: HashMap<_, Version> = HashMap::new();
    let mut found = Vec::new();
    let mut walk_errors = Vec::new();
    for frame in &frames {
        let segment: TcpSegment = match pcap::tcp_segment(frame) {
            Ok(Some(segment)) => segment,
            Ok(None) => continue,
            Err(e) => panic!("{}: {e}", path.display()),
        };
        for item in Options::new(segment.options) {
            let bytes = match item {
                Ok((_, TcpOption::Mptcp(bytes))) => bytes,
                Ok(_) => continue,
                Err(e) if segment.options_truncated => {
                    walk_errors.push(format!("frame {}: {e} (capture cut)", frame.number));
                    break;
                }
                Err(e) => {
                    walk_errors.push(format!("frame {}: {e}", frame.number));
                    break;
                }
            };
            if let Ok(MptcpOption::Capable(capable)) = MptcpOption::parse(bytes, fallback) {
                let version = Version::from_wire(capable.version).unwrap_or_else(|| {
                    panic!(
                        "frame {}: unknown version {}",
                        frame.number, capable.version
                    )
                });
                assert_eq!(
                    version,
                    fallback,
                    "{} frame {}: MP_CAPABLE version differs from the capture's",
                    path.display(),
                    frame.number
                );
                versions.insert(segment.connection(), version);
            }
            let version = *versions.get(&segment.connection()).unwrap_or(&fallback);
            let result = MptcpOption::parse(bytes, version).map(|_| OwnedOption {
                option_bytes: bytes.to_vec(),
                version,
            });
            found.push(Found {
                frame: frame.number,
                bytes: bytes.to_vec(),
                result,
            });
        }
    }
    (found, walk_errors)
}

#[test]
fn every_mptcp_option_in_every_capture_decodes() {
    let captures = pcap::all_captures();
    assert!(
        captures.len() >= 12,
        "expected the 12 shared captures, found {captures:?}"
    );
    let mut total = 0;
    for path in &captures {
        let (found, walk_errors) = decode_capture(path);
        if path == Path::new(OOBR) {
            continue;
        }
        assert_eq!(walk_errors, Vec::<String>::new(), "{}", path.display());
        for option in &found {
            let parsed = match &option.result {
                Ok(parsed) => parsed.parsed(),
                Err(e) => panic!("{} frame {}: {e}", path.display(), option.frame),
            };
            let mut buf = [0u8; 40];
            let len = parsed.emit(&mut buf).unwrap();
            assert_eq!(
                &buf[..len],
                &option.bytes[..],
                "{} frame {}: re-emitted bytes differ",
                path.display(),
                option.frame
            );
        }
        let plain_tcp = path.to_string_lossy().contains("tcp_only");
        assert_eq!(
            found.is_empty(),
            plain_tcp,
            "{}: {} MPTCP options",
            path.display(),
            found.len()
        );
        total += found.len();
    }
    assert!(total > 8000, "only {total} MPTCP options in all captures");
}

#[test]
fn every_subtype_seen_in_the_captures() {
    let mut seen: BTreeMap<u8, usize> = BTreeMap::new();
    for path in pcap::all_captures() {
        for option in decode_capture(&path).0 {
            if let Ok(parsed) = &option.result {
                *seen.entry(parsed.parsed().subtype()).or_default() += 1;
            }
        }
    }
    // The captures hold no MP_PRIO and no MP_FAIL; their fixtures are in src/mptcp.
    for subtype in [
        mptcp::subtype::MP_CAPABLE,
        mptcp::subtype::MP_JOIN,
        mptcp::subtype::DSS,
        mptcp::subtype::ADD_ADDR,
        mptcp::subtype::REMOVE_ADDR,
        mptcp::subtype::MP_FASTCLOSE,
        mptcp::subtype::MP_TCPRST,
    ] {
        assert!(
            seen.contains_key(&subtype),
            "no {} in the captures: {seen:?}",
            mptcp::subtype::name(subtype)
        );
    }
}

#[test]
fn malformed_dss_gives_a_clear_error() {
    let (found, _) = decode_capture(Path::new(OOBR));
    let errors: Vec<_> = found
        .iter()
        .filter_map(|option| option.result.as_ref().err().map(|e| (option.frame, *e)))
        .collect();
    assert_eq!(
        errors,
        [(
            1,
            MptcpError::BadLength {
                subtype: mptcp::subtype::DSS,
                layout: "(the flag byte is missing)",
                expected: mptcp::Expected::Between { min: 4, max: 30 },
                found: 3
            }
        )]
    );
    assert_eq!(
        errors[0].1.to_string(),
        "MPTCP DSS (subtype 2) (the flag byte is missing): expected length 4 to 30, found 3"
    );
}

/// A field value as tshark prints it and as the test derives it from our decode.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    Number(u64),
    Address(IpAddr),
    Bytes(Vec<u8>),
}

/// The tshark fields compared, and how tshark prints each.
const FIELDS: &[(&str, Kind)] = &[
    ("tcp.options.mptcp.subtype", Kind::Number),
    ("tcp.options.mptcp.version", Kind::Number),
    ("tcp.options.mptcp.sendkey", Kind::Number),
    ("tcp.options.mptcp.recvkey", Kind::Number),
    ("tcp.options.mptcp.datalvllen", Kind::Number),
    ("tcp.options.mptcp.recvtok", Kind::Number),
    ("tcp.options.mptcp.sendrand", Kind::Number),
    ("tcp.options.mptcp.sendtrunchmac", Kind::Number),
    ("tcp.options.mptcp.sendhmac", Kind::Bytes),
    ("tcp.options.mptcp.addrid", Kind::Number),
    ("tcp.options.mptcp.rawdataack", Kind::Number),
    ("tcp.options.mptcp.rawdataseqno", Kind::Number),
    ("tcp.options.mptcp.subflowseqno", Kind::Number),
    ("tcp.options.mptcp.ipv4", Kind::Address),
    ("tcp.options.mptcp.ipv6", Kind::Address),
    ("tcp.options.mptcp.port", Kind::Number),
    ("tcp.options.mptcp.addaddrtrunchmac", Kind::Number),
    ("tcp.options.mptcp.rst_reason", Kind::Number),
    ("tcp.options.mptcp.flags", Kind::Number),
    ("tcp.options.mptcp.backup.flag", Kind::Number),
    ("tcp.options.mptcp.echo", Kind::Number),
    ("tcp.options.mptcp.ipver", Kind::Number),
    ("tcp.options.mptcp.flag_T.flag", Kind::Number),
];

#[derive(Debug, Clone, Copy)]
enum Kind {
    Number,
    Address,
    Bytes,
}

fn parse_value(kind: Kind, text: &str) -> Value {
    match kind {
        Kind::Number => Value::Number(
            match text.strip_prefix("0x") {
                Some(hex) => u64::from_str_radix(hex, 16),
                None => text.parse(),
            }
            .unwrap_or_else(|e| panic!("tshark printed {text:?}: {e}")),
        ),
        Kind::Address => Value::Address(text.parse().unwrap()),
        Kind::Bytes => Value::Bytes(
            (0..text.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
                .collect(),
        ),
    }
}

type FrameFields = BTreeMap<usize, BTreeMap<&'static str, Vec<Value>>>;

/// tshark's decode of the compared fields, per frame.
fn tshark_fields(path: &Path) -> FrameFields {
    let mut command = Command::new("tshark");
    command
        .arg("-r")
        .arg(pcap::captures_dir().join(path))
        .args(["-T", "fields", "-E", "occurrence=a", "-E", "aggregator=;"])
        .args(["-e", "frame.number"]);
    for (field, _) in FIELDS {
        command.args(["-e", field]);
    }
    let output = command
        .output()
        .unwrap_or_else(|e| panic!("running tshark ({e}): `make deps` installs it"));
    assert!(
        output.status.success(),
        "tshark failed on {}: {}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut frames = FrameFields::new();
    for line in String::from_utf8(output.stdout).unwrap().lines() {
        let mut columns = line.split('\t');
        let number: usize = columns.next().unwrap().parse().unwrap();
        let mut fields = BTreeMap::new();
        for ((field, kind), column) in FIELDS.iter().zip(columns) {
            if !column.is_empty() {
                let values = column.split(';').map(|v| parse_value(*kind, v)).collect();
                fields.insert(*field, values);
            }
        }
        if !fields.is_empty() {
            frames.insert(number, fields);
        }
    }
    frames
}

/// The same fields derived from our decode, in the order tshark adds them.
fn our_fields(found: &[Found]) -> FrameFields {
    let mut frames = FrameFields::new();
    for option in found {
        let Ok(parsed) = &option.result else { continue };
        let fields = frames.entry(option.frame).or_default();
        let mut put = |field: &'static str, value: Value| {
            fields.entry(field).or_default().push(value);
        };
        let number = Value::Number;
        put(
            "tcp.options.mptcp.subtype",
            number(parsed.parsed().subtype().into()),
        );
        // tshark's `flags` is the flag byte for MP_CAPABLE and DSS, but the whole subtype byte
        // for MP_JOIN's SYN and SYN-ACK and for MP_TCPRST.
        let subtype_byte = |low: u8| number(u64::from(parsed.option_bytes[2] & 0xf0 | low));
        match parsed.parsed() {
            MptcpOption::Capable(capable) => {
                put("tcp.options.mptcp.version", number(capable.version.into()));
                put(
                    "tcp.options.mptcp.flags",
                    number(capable.flags.bits().into()),
                );
                if let Some(key) = capable.sender_key {
                    put("tcp.options.mptcp.sendkey", number(key));
                }
                if let Some(key) = capable.receiver_key {
                    put("tcp.options.mptcp.recvkey", number(key));
                }
                if let Some(len) = capable.data_len {
                    put("tcp.options.mptcp.datalvllen", number(len.into()));
                }
            }
            MptcpOption::Join(MpJoin::Syn {
                flags,
                addr_id,
                token,
                nonce,
            }) => {
                put("tcp.options.mptcp.flags", subtype_byte(flags.bits()));
                let backup = flags.contains(BackupFlags::BACKUP);
                put("tcp.options.mptcp.backup.flag", number(backup.into()));
                put("tcp.options.mptcp.addrid", number(addr_id.into()));
                put("tcp.options.mptcp.recvtok", number(token.into()));
                put("tcp.options.mptcp.sendrand", number(nonce.into()));
            }
            MptcpOption::Join(MpJoin::SynAck {
                flags,
                addr_id,
                hmac,
                nonce,
            }) => {
                put("tcp.options.mptcp.flags", subtype_byte(flags.bits()));
                let backup = flags.contains(BackupFlags::BACKUP);
                put("tcp.options.mptcp.backup.flag", number(backup.into()));
                put("tcp.options.mptcp.addrid", number(addr_id.into()));
                put(
                    "tcp.options.mptcp.sendtrunchmac",
                    number(u64::from_be_bytes(hmac)),
                );
                put("tcp.options.mptcp.sendrand", number(nonce.into()));
            }
            MptcpOption::Join(MpJoin::Ack { hmac, .. }) => {
                put("tcp.options.mptcp.sendhmac", Value::Bytes(hmac.to_vec()));
            }
            MptcpOption::Dss(dss) => {
                put("tcp.options.mptcp.flags", number(dss.flags.bits().into()));
                if let Some(ack) = dss.data_ack {
                    put("tcp.options.mptcp.rawdataack", number(ack));
                }
                if let Some(mapping) = dss.mapping {
                    put("tcp.options.mptcp.rawdataseqno", number(mapping.dsn));
                    put("tcp.options.mptcp.subflowseqno", number(mapping.ssn.into()));
                    put(
                        "tcp.options.mptcp.datalvllen",
                        number(mapping.data_len.into()),
                    );
                }
            }
            MptcpOption::AddAddr(add_addr) => {
                match (add_addr.version, add_addr.address) {
                    (Version::V1, _) => {
                        put("tcp.options.mptcp.echo", number(add_addr.is_echo().into()))
                    }
                    (Version::V0, IpAddr::V4(_)) => put("tcp.options.mptcp.ipver", number(4)),
                    (Version::V0, IpAddr::V6(_)) => put("tcp.options.mptcp.ipver", number(6)),
                }
                put("tcp.options.mptcp.addrid", number(add_addr.addr_id.into()));
                let field = match add_addr.address {
                    IpAddr::V4(_) => "tcp.options.mptcp.ipv4",
                    IpAddr::V6(_) => "tcp.options.mptcp.ipv6",
                };
                put(field, Value::Address(add_addr.address));
                if let Some(port) = add_addr.port {
                    put("tcp.options.mptcp.port", number(port.into()));
                }
                if let Some(hmac) = add_addr.hmac {
                    put(
                        "tcp.options.mptcp.addaddrtrunchmac",
                        number(u64::from_be_bytes(hmac)),
                    );
                }
            }
            MptcpOption::RemoveAddr(remove) => {
                for id in remove.ids {
                    put("tcp.options.mptcp.addrid", number((*id).into()));
                }
            }
            MptcpOption::Prio(prio) => {
                if let Some(id) = prio.addr_id {
                    put("tcp.options.mptcp.addrid", number(id.into()));
                }
            }
            MptcpOption::Fastclose(fastclose) => {
                put("tcp.options.mptcp.recvkey", number(fastclose.receiver_key));
            }
            MptcpOption::TcpRst(rst) => {
                put("tcp.options.mptcp.flags", subtype_byte(rst.flags.bits()));
                put(
                    "tcp.options.mptcp.flag_T.flag",
                    number(rst.transient().into()),
                );
                put("tcp.options.mptcp.rst_reason", number(rst.reason.0.into()));
            }
            MptcpOption::Fail(_) | MptcpOption::Unknown { .. } => {}
        }
    }
    frames
}

#[test]
fn field_values_agree_with_tshark() {
    let mut compared = 0;
    for path in pcap::all_captures() {
        if path == Path::new(OOBR) {
            continue;
        }
        let (found, _) = decode_capture(&path);
        let ours = our_fields(&found);
        let theirs = tshark_fields(&path);
        for (frame, fields) in &theirs {
            assert_eq!(
                ours.get(frame),
                Some(fields),
                "{} frame {frame}: ours vs tshark's",
                path.display()
            );
        }
        let only_ours: Vec<_> = ours.keys().filter(|f| !theirs.contains_key(f)).collect();
        assert!(
            only_ours.is_empty(),
            "{}: frames tshark shows no MPTCP fields for: {only_ours:?}",
            path.display()
        );
        compared += theirs.values().map(BTreeMap::len).sum::<usize>();
    }
    assert!(compared > 10_000, "only {compared} field lists compared");
}

/// DSS checksums per frame as tcpdump's expected output (`.out`, numbered lines) prints them.
fn tcpdump_checksums(out: &Path) -> BTreeMap<usize, Vec<u16>> {
    let text = std::fs::read_to_string(out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
    let mut frames = BTreeMap::new();
    for line in text.lines() {
        let Some((number, rest)) = line.trim_start().split_once("  ") else {
            continue;
        };
        let Ok(number) = number.parse::<usize>() else {
            continue;
        };
        let sums: Vec<u16> = rest
            .split("csum 0x")
            .skip(1)
            .map(|tail| {
                let hex: String = tail.chars().take_while(char::is_ascii_hexdigit).collect();
                u16::from_str_radix(&hex, 16).unwrap()
            })
            .collect();
        if !sums.is_empty() {
            frames.insert(number, sums);
        }
    }
    frames
}

#[test]
fn dss_checksums_agree_with_tcpdump() {
    // tshark 4.0 never shows the DSS checksum (REFERENCE §4), so tcpdump is the second opinion.
    let mut compared = 0;
    for name in ["tcpdump/mptcp-v0", "tcpdump/mptcp-fclose"] {
        let theirs = tcpdump_checksums(&pcap::captures_dir().join(format!("{name}.out")));
        let mut ours: BTreeMap<usize, Vec<u16>> = BTreeMap::new();
        for option in decode_capture(Path::new(&format!("{name}.pcap"))).0 {
            if let Ok(parsed) = &option.result {
                if let MptcpOption::Dss(dss) = parsed.parsed() {
                    if let Some(sum) = dss.mapping.and_then(|m| m.checksum) {
                        ours.entry(option.frame).or_default().push(sum);
                    }
                }
            }
        }
        assert_eq!(ours, theirs, "{name}: DSS checksums, ours vs tcpdump's");
        compared += theirs.len();
    }
    assert!(compared > 100, "only {compared} checksummed frames");
}
