//! The bridge to the core: probe packets from `mptcpscan::probe`, reply verdicts from
//! `mptcpscan::classify`. Nothing here parses or builds MPTCP itself.

use std::net::IpAddr;
use std::ops::Range;
use std::str::FromStr;

use anyhow::bail;
use mptcpscan::mptcp::Version;

use mptcpscan::classify::{classify, Reply, Sent, Signals, Verdict};
use mptcpscan::optionstext::OptionsText;
use mptcpscan::probe::{
    Companions, Ipv4Target, Ipv6Target, Offer, ProbeSpec, RawOptions, SynTemplateV4, SynTemplateV6,
};

use super::reply::TcpReply;

/// The companion options of the probe SYN, as named on the command line: one of the core's
/// named sets (`linux`, `windows`, `bsd`, `minimal`, `study2021`) or `hex:BYTES`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionSet {
    /// A set the core knows by name.
    Named(Companions),
    /// Raw option bytes placed before MP_CAPABLE.
    Raw(Vec<u8>),
}

impl OptionSet {
    /// What a Linux client sends (the default).
    pub const LINUX: OptionSet = OptionSet::Named(Companions::Linux);
}

impl FromStr for OptionSet {
    type Err = anyhow::Error;

    fn from_str(text: &str) -> anyhow::Result<Self> {
        if let Some(named) = Companions::from_name(text) {
            return Ok(OptionSet::Named(named));
        }
        match text.strip_prefix("hex:") {
            Some(hex) => Ok(OptionSet::Raw(parse_hex(hex)?)),
            None => {
                let names: Vec<&str> = Companions::NAMED.iter().map(|c| c.name()).collect();
                bail!(
                    "unknown option set `{text}` ({}, hex:BYTES)",
                    names.join(", ")
                )
            }
        }
    }
}

fn parse_hex(text: &str) -> anyhow::Result<Vec<u8>> {
    let digits: Vec<u8> = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b':')
        .collect();
    if !digits.len().is_multiple_of(2) {
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
            OptionSet::Named(named) => f.write_str(named.name()),
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
    /// The kind of a scan record, from the core's verdict in it.
    pub fn of(record: &super::output::Record) -> ReplyKind {
        if !record.success {
            return ReplyKind::Rst;
        }
        match record.mptcp_verdict {
            Verdict::Mirrored => ReplyKind::Mirror,
            Verdict::MptcpV0 | Verdict::MptcpV1 | Verdict::Suspicious => ReplyKind::Mptcp,
            Verdict::Rst => ReplyKind::Rst,
            Verdict::NoMpCapable
            | Verdict::Malformed
            | Verdict::NotSynAck
            | Verdict::Unsolicited => ReplyKind::Plain,
        }
    }
}

/// What the core says about one reply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// The reply's options as text (the core's `optionstext` format).
    pub options_text: String,
    /// The MP_CAPABLE version of the reply, if it has one.
    pub version: Option<u8>,
    /// The key the reply carries, if any.
    pub key: Option<u64>,
    /// The token of that key (SHA-1 for v0, SHA-256 for v1).
    pub token: Option<u32>,
    /// The verdict.
    pub verdict: Verdict,
    /// The signals that fired.
    pub signals: Signals,
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
            OptionSet::Named(named) => *named,
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
            // The SYN's window too: a reply repeating it sets the classifier's window-echoed
            // signal, as it does for the ZMap module, which describes its probe the same way.
            let sent = Sent::from_options(block, 0)
                .map_err(|e| anyhow::anyhow!("the {version:?} probe's own options: {e}"))?
                .with_window(spec(version).window);
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
        let ack = reply.tcp.ack_number();
        analyse_reply(&self.sent(version, ack.wrapping_sub(1)), reply)
    }
}

/// The core's analysis of `reply` to the SYN described by `sent`.
pub fn analyse_reply(sent: &Sent<'_>, reply: &TcpReply<'_>) -> Analysis {
    let options_text = OptionsText(reply.tcp.options()).to_string();
    let Ok(answer) = Reply::from_tcp(reply.segment, Some(reply.ttl)) else {
        return Analysis {
            options_text,
            version: None,
            key: None,
            token: None,
            verdict: Verdict::Malformed,
            signals: Signals::empty(),
        };
    };
    let c = classify(sent, &answer);
    Analysis {
        options_text,
        version: c.version,
        key: c.key,
        token: c.token(),
        verdict: c.verdict,
        signals: c.signals,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_sets_parse() {
        assert_eq!(
            "study2021".parse::<OptionSet>().unwrap(),
            OptionSet::Named(Companions::Study2021)
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
            OptionSet::Named(Companions::Linux),
            OptionSet::Named(Companions::Windows),
            OptionSet::Named(Companions::Bsd),
            OptionSet::Named(Companions::Minimal),
            OptionSet::Named(Companions::Study2021),
            OptionSet::Raw(vec![1, 1, 0x13, 0x04, 0xaa, 0xbb]),
        ] {
            let builder = ProbeBuilder::new(&options, 0x0c0c_0c0c_0c0c_0c0c).unwrap();
            for version in [Version::V0, Version::V1] {
                let window = match &options {
                    OptionSet::Named(named) => ProbeSpec::new(Offer::V1, *named).window,
                    OptionSet::Raw(_) => 65535,
                };
                let walked = Sent::from_options(builder.block(version), 0xfedc_ba98)
                    .unwrap()
                    .with_window(window);
                assert_eq!(
                    builder.sent(version, 0xfedc_ba98),
                    walked,
                    "{options} {version:?}"
                );
            }
        }
    }
}
