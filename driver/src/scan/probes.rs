//! The bridge to the core: probe packets from `mptcpscan::probe`, reply verdicts from
//! `mptcpscan::classify`. Nothing here parses or builds MPTCP itself.

use std::net::IpAddr;
use std::ops::Range;
use std::str::FromStr;

use anyhow::bail;
use mptcpscan::mptcp::Version;

use mptcpscan::classify::{classify, Reply, Sent, Verdict};
use mptcpscan::mptcp::capable;
use mptcpscan::options::{Options, TcpOption};
use mptcpscan::probe::{
    Companions, Ipv4Target, Ipv6Target, Offer, ProbeSpec, RawOptions, SynTemplateV4, SynTemplateV6,
};

use super::engine::hex;
use super::reply::TcpReply;

/// The companion options of the probe SYN, as named on the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionSet {
    /// What a Linux client sends: MSS, SACK-permitted, timestamps, window scale.
    Linux,
    /// What a Windows client sends: MSS, NOP, window scale, SACK-permitted.
    Windows,
    /// What a BSD/macOS client sends.
    Bsd,
    /// MP_CAPABLE alone.
    Minimal,
    /// The exact 32-byte block of the 2020/2021 scans (REFERENCE §1).
    Study2021,
    /// Raw option bytes placed before MP_CAPABLE.
    Raw(Vec<u8>),
}

impl FromStr for OptionSet {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<Self> {
        Ok(match text {
            "linux" => OptionSet::Linux,
            "windows" => OptionSet::Windows,
            "bsd" => OptionSet::Bsd,
            "minimal" => OptionSet::Minimal,
            "study2021" => OptionSet::Study2021,
            _ => match text.strip_prefix("hex:") {
                Some(hex) => OptionSet::Raw(parse_hex(hex)?),
                None => bail!(
                    "unknown option set `{text}` (linux, windows, bsd, minimal, study2021, hex:BYTES)"
                ),
            },
        })
    }
}

fn parse_hex(text: &str) -> anyhow::Result<Vec<u8>> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b':')
        .collect();
    if digits.len() % 2 != 0 {
        bail!("hex option bytes need an even number of digits");
    }
    digits
        .chunks(2)
        .map(|pair| {
            let s = std::str::from_utf8(pair).unwrap_or("");
            u8::from_str_radix(s, 16).map_err(|_| anyhow::anyhow!("`{s}` is not a hex byte"))
        })
        .collect()
}

impl std::fmt::Display for OptionSet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            OptionSet::Linux => f.write_str("linux"),
            OptionSet::Windows => f.write_str("windows"),
            OptionSet::Bsd => f.write_str("bsd"),
            OptionSet::Minimal => f.write_str("minimal"),
            OptionSet::Study2021 => f.write_str("study2021"),
            OptionSet::Raw(bytes) => write!(f, "hex:{}", super::engine::hex(bytes)),
        }
    }
}

/// How the chain reads one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplyKind {
    /// A reset.
    Rst,
    /// A SYN-ACK without MP_CAPABLE (or with options too broken to read).
    Plain,
    /// A SYN-ACK with an MP_CAPABLE of its own: a candidate to trace (real or suspicious).
    Mptcp,
    /// A SYN-ACK carrying our MP_CAPABLE back.
    Mirror,
}

impl ReplyKind {
    /// The kind of a scan record, from the core's verdict name in it.
    pub fn of(record: &super::output::Record) -> ReplyKind {
        if !record.success {
            return ReplyKind::Rst;
        }
        match record.mptcp_verdict.as_str() {
            v if v == Verdict::Mirrored.name() => ReplyKind::Mirror,
            v if v == Verdict::MptcpV0.name()
                || v == Verdict::MptcpV1.name()
                || v == Verdict::Suspicious.name() =>
            {
                ReplyKind::Mptcp
            }
            _ => ReplyKind::Plain,
        }
    }
}

/// What the core says about one reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Analysis {
    /// The reply's options as text.
    pub options_text: String,
    /// The MP_CAPABLE version of the reply, if it has one.
    pub version: Option<u8>,
    /// The key the reply carries, if any.
    pub key: Option<u64>,
    /// The token of that key (SHA-1 for v0, SHA-256 for v1).
    pub token: Option<u32>,
    /// The verdict's name.
    pub verdict: String,
    /// The mirror signals that fired.
    pub signals: Vec<String>,
}

/// Builds probes for one scan: the option set and the v0 key are fixed for the whole scan, so
/// the core's templates are built once per (IP version, MPTCP version).
#[derive(Clone)]
pub struct ProbeBuilder {
    key: u64,
    v4: [SynTemplateV4; 2],
    v6: [SynTemplateV6; 2],
    /// What `Sent::from_options` read from each version's block, walked once here rather than
    /// per reply. The two borrowed fields are left empty (a struct cannot borrow from itself):
    /// [`ProbeBuilder::sent`] puts the block back in, with the MP_CAPABLE at this range.
    sent: [(Sent<'static>, Range<usize>); 2],
}

fn slot(version: Version) -> usize {
    match version {
        Version::V0 => 0,
        Version::V1 => 1,
    }
}

impl ProbeBuilder {
    /// A builder for `options` with v0 key `key`.
    pub fn new(options: &OptionSet, key: u64) -> anyhow::Result<Self> {
        let companions = match options {
            OptionSet::Linux => Companions::Linux,
            OptionSet::Windows => Companions::Windows,
            OptionSet::Bsd => Companions::Bsd,
            OptionSet::Minimal => Companions::Minimal,
            OptionSet::Study2021 => Companions::Study2021,
            OptionSet::Raw(bytes) => Companions::Raw(
                RawOptions::new(bytes).map_err(|e| anyhow::anyhow!("--options hex: {e}"))?,
            ),
        };
        let spec = |version| {
            let offer = match version {
                Version::V0 => Offer::V0 { key },
                Version::V1 => Offer::V1,
            };
            ProbeSpec::new(offer, companions)
        };
        let v4 = |version| {
            SynTemplateV4::from_spec(&spec(version))
                .map_err(|e| anyhow::anyhow!("building the {version:?} probe: {e}"))
        };
        let v6 = |version| {
            SynTemplateV6::from_spec(&spec(version))
                .map_err(|e| anyhow::anyhow!("building the {version:?} probe: {e}"))
        };
        let v4 = [v4(Version::V0)?, v4(Version::V1)?];
        let describe = |version| -> anyhow::Result<(Sent<'static>, Range<usize>)> {
            let block = v4[slot(version)].info().block.as_bytes();
            let sent = Sent::from_options(block, 0)
                .map_err(|e| anyhow::anyhow!("the {version:?} probe's own options: {e}"))?;
            let start = sent.mp_capable.as_ptr() as usize - block.as_ptr() as usize;
            let range = start..start + sent.mp_capable.len();
            Ok((
                Sent {
                    options: &[],
                    mp_capable: &[],
                    ..sent
                },
                range,
            ))
        };
        let sent = [describe(Version::V0)?, describe(Version::V1)?];
        Ok(ProbeBuilder {
            key,
            v4,
            v6: [v6(Version::V0)?, v6(Version::V1)?],
            sent,
        })
    }

    /// The SYN of `version` with sequence number `seq`, as the classifier reads it.
    fn sent(&self, version: Version, seq: u32) -> Sent<'_> {
        let block = self.block(version);
        let (sent, range) = &self.sent[slot(version)];
        Sent {
            options: block,
            mp_capable: block.get(range.clone()).unwrap_or_default(),
            ..sent.with_seq(seq)
        }
    }

    /// The v0 probe key.
    pub fn key(&self) -> u64 {
        self.key
    }

    /// The SYN's option block for `version` (the same for IPv4 and IPv6).
    pub fn block(&self, version: Version) -> &[u8] {
        self.v4[slot(version)].info().block.as_bytes()
    }

    /// Writes the probe SYN for one target into `buf`; returns its length. The IPv4 id is taken
    /// from the sequence number, so it varies per probe as a real stack's would.
    #[allow(clippy::too_many_arguments)]
    pub fn build(
        &self,
        buf: &mut [u8],
        src: IpAddr,
        dst: IpAddr,
        sport: u16,
        dport: u16,
        seq: u32,
        ttl: u8,
        version: Version,
    ) -> anyhow::Result<usize> {
        let written = match (src, dst) {
            (IpAddr::V4(src), IpAddr::V4(dst)) => self.v4[slot(version)].write(
                buf,
                &Ipv4Target {
                    src,
                    dst,
                    src_port: sport,
                    dst_port: dport,
                    seq,
                    ip_id: (seq >> 16) as u16,
                    ttl,
                },
            ),
            (IpAddr::V6(src), IpAddr::V6(dst)) => self.v6[slot(version)].write(
                buf,
                &Ipv6Target {
                    src,
                    dst,
                    src_port: sport,
                    dst_port: dport,
                    seq,
                    hop_limit: ttl,
                },
            ),
            _ => anyhow::bail!("source {src} and target {dst} are of different IP versions"),
        };
        written.map_err(|e| anyhow::anyhow!("building a probe: {e}"))
    }

    /// The core's analysis of a reply to the probe of `version`.
    pub fn analyse(&self, version: Version, reply: &TcpReply<'_>) -> Analysis {
        let options = reply.tcp.options();
        let options_text = options_text(options);
        let ack = reply.tcp.ack_number();
        let sent = self.sent(version, ack.wrapping_sub(1));
        let Ok(answer) = Reply::from_tcp(reply.segment, Some(reply.ttl)) else {
            return Analysis {
                options_text,
                verdict: Verdict::Malformed.name().into(),
                ..Analysis::default()
            };
        };
        let c = classify(&sent, &answer);
        Analysis {
            options_text,
            version: c.version,
            key: c.key,
            token: c.token(),
            verdict: c.verdict.name().into(),
            signals: c.signals.names().map(str::to_string).collect(),
        }
    }
}

/// The options as text in the spirit of ZMap's `tcp_synopt` output: `MSS:1460 SACKPERM
/// TS:1/0 NOP WS:7 MPCAPABLE:v1,flags=01,key=...`; a malformed option ends the text with
/// `MALFORMED@offset`.
pub fn options_text(area: &[u8]) -> String {
    let mut parts = Vec::new();
    for item in Options::new(area) {
        match item {
            Ok((_, option)) => parts.push(match option {
                TcpOption::EndOfList => "EOL".to_string(),
                TcpOption::NoOperation => "NOP".to_string(),
                TcpOption::MaxSegmentSize(mss) => format!("MSS:{mss}"),
                TcpOption::WindowScale(shift) => format!("WS:{shift}"),
                TcpOption::SackPermitted => "SACKPERM".to_string(),
                TcpOption::SelectiveAck(blocks) => format!("SACK:{}", hex(blocks)),
                TcpOption::Timestamp { tsval, tsecr } => format!("TS:{tsval}/{tsecr}"),
                TcpOption::Mptcp(bytes) => match capable::Packet::new_checked(bytes) {
                    Ok(mpc) => {
                        let mut text = format!(
                            "MPCAPABLE:v{},flags={:02x}",
                            mpc.version(),
                            mpc.flags().bits()
                        );
                        if let Some(key) = mpc.sender_key() {
                            text.push_str(&format!(",key={key:016x}"));
                        }
                        text
                    }
                    Err(_) => format!("MPTCP:{}", hex(bytes)),
                },
                TcpOption::Unknown { kind, data } => format!("K{kind}:{}", hex(data)),
            }),
            Err(e) => {
                parts.push(format!("MALFORMED@{}", e.offset()));
                break;
            }
        }
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_sets_parse() {
        assert_eq!(
            "study2021".parse::<OptionSet>().unwrap(),
            OptionSet::Study2021
        );
        assert_eq!(
            "hex:020405b4 0101".parse::<OptionSet>().unwrap(),
            OptionSet::Raw(vec![2, 4, 5, 0xb4, 1, 1])
        );
        assert!("hex:123".parse::<OptionSet>().is_err());
        assert!("hex:zz".parse::<OptionSet>().is_err());
        assert!("solaris".parse::<OptionSet>().is_err());
        for name in [
            "linux",
            "windows",
            "bsd",
            "minimal",
            "study2021",
            "hex:0101",
        ] {
            assert_eq!(name.parse::<OptionSet>().unwrap().to_string(), name);
        }
    }

    #[test]
    fn the_kept_probe_description_is_the_walked_one() {
        for options in [
            OptionSet::Linux,
            OptionSet::Windows,
            OptionSet::Bsd,
            OptionSet::Minimal,
            OptionSet::Study2021,
            OptionSet::Raw(vec![1, 1, 0x13, 0x04, 0xaa, 0xbb]),
        ] {
            let builder = ProbeBuilder::new(&options, 0x0c0c_0c0c_0c0c_0c0c).unwrap();
            for version in [Version::V0, Version::V1] {
                let walked = Sent::from_options(builder.block(version), 0xfedc_ba98).unwrap();
                assert_eq!(
                    builder.sent(version, 0xfedc_ba98),
                    walked,
                    "{options} {version:?}"
                );
            }
        }
    }

    #[test]
    fn options_text_of_the_thesis_rows() {
        let real = [
            0x02, 0x04, 0x05, 0xac, 0x04, 0x02, 0x08, 0x0a, 0x26, 0x19, 0xf9, 0xd3, 0x0f, 0x0f,
            0x0f, 0x01, 0x03, 0x03, 0x06, 0x1e, 0x0c, 0x00, 0x81, 0xd2, 0x0f, 0xa4, 0x93, 0x00,
            0xbd, 0xa2, 0x3d,
        ];
        assert_eq!(
            options_text(&real),
            "MSS:1452 SACKPERM TS:639236563/252645121 WS:6 MPCAPABLE:v0,flags=81,key=d20fa49300bda23d"
        );
        assert_eq!(
            options_text(&[2, 4, 5, 0xb4, 1, 30, 9]),
            "MSS:1460 NOP MALFORMED@5"
        );
    }
}
