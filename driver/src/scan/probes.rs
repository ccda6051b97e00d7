//! The bridge to the core: probe packets from `mptcpscan::probe`, reply verdicts from
//! `mptcpscan::classify`. Nothing here parses or builds MPTCP itself.

use std::net::IpAddr;
use std::str::FromStr;

use anyhow::bail;
use mptcpscan::mptcp::Version;

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
    let digits: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace() && *b != b':').collect();
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

/// Builds probes for one scan: the option set and the v0 key are fixed for the whole scan.
pub struct ProbeBuilder {
    options: OptionSet,
    key: u64,
}

impl ProbeBuilder {
    /// A builder for `options` with v0 key `key`.
    pub fn new(options: OptionSet, key: u64) -> anyhow::Result<Self> {
        Ok(ProbeBuilder { options, key })
    }

    /// The v0 probe key.
    pub fn key(&self) -> u64 {
        self.key
    }

    /// Writes the probe SYN for one target into `buf`; returns its length.
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
        let _ = (buf, src, dst, sport, dport, seq, ttl, version, &self.options);
        todo!("bind to mptcpscan::probe")
    }

    /// The core's analysis of a reply to the probe of `version`.
    pub fn analyse(&self, version: Version, reply: &TcpReply<'_>) -> Analysis {
        let _ = (version, reply);
        todo!("bind to mptcpscan::classify")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_sets_parse() {
        assert_eq!("study2021".parse::<OptionSet>().unwrap(), OptionSet::Study2021);
        assert_eq!(
            "hex:020405b4 0101".parse::<OptionSet>().unwrap(),
            OptionSet::Raw(vec![2, 4, 5, 0xb4, 1, 1])
        );
        assert!("hex:123".parse::<OptionSet>().is_err());
        assert!("hex:zz".parse::<OptionSet>().is_err());
        assert!("solaris".parse::<OptionSet>().is_err());
    }
}
