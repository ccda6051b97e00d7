//! SYN probes carrying MP_CAPABLE: their option block, and whole IPv4/IPv6 SYN packets built from
//! a template.
//!
//! A probe is built in two steps, as ZMap builds packets: [`SynTemplateV4`]/[`SynTemplateV6`]
//! hold every constant byte and the ones'-complement sums of the constant parts of both
//! checksums, written once per buffer with `prepare`; `patch` then writes only the per-probe
//! fields (addresses, ports, sequence number, IP id, TTL or hop limit) and finishes the checksums
//! from the stored sums, so that no byte of the packet is summed again per probe.
//!
//! [`ProbeInfo`] records what a reply classifier compares a reply with: the option block, the
//! MPTCP version offered, the v0 key, and the MSS, window scale and TSval sent.
//!
//! ```
//! use core::net::Ipv4Addr;
//! use mptcpscan::probe::{Companions, Ipv4Target, Offer, ProbeSpec, SynTemplateV4, MAX_V4_LEN};
//!
//! let spec = ProbeSpec::new(Offer::V1, Companions::Linux);
//! let template = SynTemplateV4::from_spec(&spec)?;
//! let mut buf = [0u8; MAX_V4_LEN];
//! template.prepare(&mut buf)?; // once per buffer
//! let target = Ipv4Target {
//!     src: Ipv4Addr::new(198, 18, 0, 2),
//!     dst: Ipv4Addr::new(198, 19, 0, 7),
//!     src_port: 40000,
//!     dst_port: 80,
//!     seq: 0x1234_5678,
//!     ip_id: 1,
//!     ttl: 64,
//! };
//! let len = template.patch(&mut buf, &target)?; // per probe
//! assert_eq!(len, 20 + 20 + 24);
//! assert_eq!(&buf[60..64], &[0x1e, 0x04, 0x01, 0x01]); // v1 MP_CAPABLE, flags 0x01
//! # Ok::<(), mptcpscan::probe::ProbeError>(())
//! ```

use core::fmt;
use core::net::{Ipv4Addr, Ipv6Addr};

use crate::mptcp::Version;
use crate::options::{self, kind, OptionError, TcpOption, MAX_OPTIONS_LEN};
use crate::wire::checksum::{self, PROTOCOL_TCP};
use crate::wire::tcp::{self, TcpFlags};
use crate::wire::{ipv4, ipv6};

/// The MP_CAPABLE a probe offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Offer {
    /// MPTCP v0 (RFC 6824): length 12, flags 0x81 (A: checksum required, H: HMAC-SHA1), and the
    /// sender's 64-bit key.
    V0 {
        /// The key sent; a mirroring middlebox echoes it back.
        key: u64,
    },
    /// MPTCP v1 (RFC 8684): length 4, no key, flags 0x01 (H: HMAC-SHA256). Not 0x81: Linux
    /// 5.6–5.13 ignores a SYN that sets A (REFERENCE §2).
    V1,
}

/// MP_CAPABLE flags of a v0 probe: A (checksum required) and H (HMAC-SHA1).
pub const V0_FLAGS: u8 = 0x81;
/// MP_CAPABLE flags of a v1 probe: H (HMAC-SHA256) only.
pub const V1_FLAGS: u8 = 0x01;
/// The key of the 2020/2021 scans (Hamming weight 16).
pub const STUDY2021_KEY: u64 = 0x0c0c_0c0c_0c0c_0c0c;
/// The TSval of the 2020/2021 scans.
pub const STUDY2021_TSVAL: u32 = 0x0f0f_0f01;
/// The TSval sent by default: recognisable when a middlebox echoes it in the wrong field.
pub const DEFAULT_TSVAL: u32 = 0x6d70_7463;

impl Offer {
    /// The MPTCP version offered.
    pub fn version(&self) -> Version {
        match self {
            Offer::V0 { .. } => Version::V0,
            Offer::V1 => Version::V1,
        }
    }

    /// The option's bytes and length.
    fn encode(&self) -> ([u8; 12], usize) {
        let mut out = [0u8; 12];
        match *self {
            Offer::V0 { key } => {
                out[..4].copy_from_slice(&[kind::MPTCP, 12, 0x00, V0_FLAGS]);
                out[4..].copy_from_slice(&key.to_be_bytes());
                (out, 12)
            }
            Offer::V1 => {
                out[..4].copy_from_slice(&[kind::MPTCP, 4, 0x01, V1_FLAGS]);
                (out, 4)
            }
        }
    }
}

/// The options sent beside MP_CAPABLE, imitating a stack so the probe looks like ordinary traffic
/// (or reproducing a published scan exactly).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Companions {
    /// As Linux sends them: MSS, SACK permitted, timestamps, NOP, window scale.
    Linux,
    /// As Windows sends them: MSS, NOP, window scale, NOP, NOP, SACK permitted (no timestamps).
    Windows,
    /// As FreeBSD sends them: MSS, NOP, window scale, SACK permitted, timestamps.
    Bsd,
    /// MP_CAPABLE alone.
    Minimal,
    /// The 2020/2021 study's exact block (REFERENCE §1): MSS 1, SACK permitted, timestamps
    /// (TSval 0x0f0f0f01, TSecr 0), NOP, window scale 0, then MP_CAPABLE. The study's values
    /// override the spec's MSS, window scale and TSval.
    Study2021,
    /// Caller-given option bytes, put before MP_CAPABLE unchanged.
    Raw(RawOptions),
}

impl Companions {
    /// The named sets, in the order of their C ABI values (`mptcpscan_companions`).
    pub const NAMED: [Companions; 5] = [
        Companions::Linux,
        Companions::Windows,
        Companions::Bsd,
        Companions::Minimal,
        Companions::Study2021,
    ];

    /// The set's name as command lines and probe arguments take it (`"linux"`); `"raw"` for
    /// caller-given bytes.
    pub fn name(&self) -> &'static str {
        match self {
            Companions::Linux => "linux",
            Companions::Windows => "windows",
            Companions::Bsd => "bsd",
            Companions::Minimal => "minimal",
            Companions::Study2021 => "study2021",
            Companions::Raw(_) => "raw",
        }
    }

    /// The named set called `name` (one of [`Companions::NAMED`]).
    pub fn from_name(name: &str) -> Option<Companions> {
        Companions::NAMED.into_iter().find(|c| c.name() == name)
    }
}

/// Up to 40 caller-given option bytes (copyable, no allocation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RawOptions {
    bytes: [u8; MAX_OPTIONS_LEN],
    len: u8,
}

impl RawOptions {
    /// Copies `bytes`, which must walk as well-formed TCP options and fit 40 bytes.
    pub fn new(bytes: &[u8]) -> Result<Self, ProbeError> {
        if bytes.len() > MAX_OPTIONS_LEN {
            return Err(ProbeError::TooLong { len: bytes.len() });
        }
        options::validate(bytes).map_err(ProbeError::Malformed)?;
        let mut out = [0u8; MAX_OPTIONS_LEN];
        out[..bytes.len()].copy_from_slice(bytes);
        Ok(RawOptions {
            bytes: out,
            len: bytes.len() as u8,
        })
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }
}

/// Everything that decides a probe's option block and TCP window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProbeSpec {
    /// The MP_CAPABLE offered.
    pub offer: Offer,
    /// The options beside it.
    pub companions: Companions,
    /// The MSS announced (ignored by `Minimal`, `Study2021` and `Raw`).
    pub mss: u16,
    /// The window scale shift announced (ignored likewise).
    pub window_scale: u8,
    /// The TSval sent (ignored likewise); TSecr is always 0 in a SYN.
    pub tsval: u32,
    /// The TCP window of the SYN.
    pub window: u16,
}

impl ProbeSpec {
    /// The spec with the companions' usual values: MSS 1460, the stack's window scale and
    /// window, [`DEFAULT_TSVAL`]; the 2021 study's block with ZMap's window of 65535.
    pub fn new(offer: Offer, companions: Companions) -> Self {
        let (window_scale, window) = match companions {
            Companions::Linux => (7, 64240),
            Companions::Windows => (8, 64240),
            Companions::Bsd => (6, 65535),
            Companions::Minimal | Companions::Raw(_) | Companions::Study2021 => (0, 65535),
        };
        ProbeSpec {
            offer,
            companions,
            mss: 1460,
            window_scale,
            tsval: DEFAULT_TSVAL,
            window,
        }
    }
}

/// Why a probe could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProbeError {
    /// The option block would exceed the 40 bytes a TCP header can carry.
    TooLong {
        /// Its length (before padding).
        len: usize,
    },
    /// Caller-given option bytes that do not walk as TCP options.
    Malformed(OptionError),
    /// The caller's packet buffer is too short.
    BufferTooShort {
        /// Bytes the packet needs.
        needed: usize,
        /// Bytes the buffer has.
        available: usize,
    },
}

impl fmt::Display for ProbeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProbeError::TooLong { len } => write!(
                f,
                "option block of {len} bytes exceeds the {MAX_OPTIONS_LEN} bytes of a TCP header"
            ),
            ProbeError::Malformed(e) => write!(f, "malformed option bytes: {e}"),
            ProbeError::BufferTooShort { needed, available } => {
                write!(
                    f,
                    "packet buffer too short: need {needed} bytes, have {available}"
                )
            }
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for ProbeError {}

/// A SYN's option area: at most 40 bytes, a multiple of 4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OptionBlock {
    bytes: [u8; MAX_OPTIONS_LEN],
    len: u8,
}

/// Appends options to a block under construction, refusing to pass 40 bytes.
struct BlockWriter {
    bytes: [u8; MAX_OPTIONS_LEN],
    len: usize,
}

impl BlockWriter {
    fn push(&mut self, data: &[u8]) -> Result<(), ProbeError> {
        let end = self.len + data.len();
        let slot = self
            .bytes
            .get_mut(self.len..end)
            .ok_or(ProbeError::TooLong { len: end })?;
        slot.copy_from_slice(data);
        self.len = end;
        Ok(())
    }

    fn timestamps(&mut self, tsval: u32) -> Result<(), ProbeError> {
        let v = tsval.to_be_bytes();
        self.push(&[kind::TIMESTAMP, 10, v[0], v[1], v[2], v[3], 0, 0, 0, 0])
    }

    /// Pads with EOL (zero) bytes to a multiple of 4, as the end of an option list may be.
    fn finish(self) -> OptionBlock {
        let len = self.len.div_ceil(4) * 4;
        OptionBlock {
            bytes: self.bytes,
            len: len as u8,
        }
    }
}

impl OptionBlock {
    /// Builds the block a spec describes.
    pub fn build(spec: &ProbeSpec) -> Result<Self, ProbeError> {
        let mut w = BlockWriter {
            bytes: [0u8; MAX_OPTIONS_LEN],
            len: 0,
        };
        let mss = spec.mss.to_be_bytes();
        let mss = [kind::MSS, 4, mss[0], mss[1]];
        let wscale = [kind::WINDOW_SCALE, 3, spec.window_scale];
        let sack_ok = [kind::SACK_PERMITTED, 2];
        let nop = [kind::NOP];
        match spec.companions {
            Companions::Linux => {
                w.push(&mss)?;
                w.push(&sack_ok)?;
                w.timestamps(spec.tsval)?;
                w.push(&nop)?;
                w.push(&wscale)?;
            }
            Companions::Windows => {
                w.push(&mss)?;
                w.push(&nop)?;
                w.push(&wscale)?;
                w.push(&[kind::NOP, kind::NOP])?;
                w.push(&sack_ok)?;
            }
            Companions::Bsd => {
                w.push(&mss)?;
                w.push(&nop)?;
                w.push(&wscale)?;
                w.push(&sack_ok)?;
                w.timestamps(spec.tsval)?;
            }
            Companions::Minimal => {}
            Companions::Study2021 => {
                w.push(&[kind::MSS, 4, 0, 1])?;
                w.push(&sack_ok)?;
                w.timestamps(STUDY2021_TSVAL)?;
                w.push(&nop)?;
                w.push(&[kind::WINDOW_SCALE, 3, 0])?;
            }
            Companions::Raw(raw) => w.push(raw.as_bytes())?,
        }
        let (mpc, mpc_len) = spec.offer.encode();
        w.push(&mpc[..mpc_len])?;
        Ok(w.finish())
    }

    /// A whole block given by the caller (e.g. `--probe-args=hex:...`): it must walk as TCP
    /// options; it is padded with EOL bytes to a multiple of 4 and must then fit 40 bytes.
    pub fn from_raw(bytes: &[u8]) -> Result<Self, ProbeError> {
        if bytes.len() > MAX_OPTIONS_LEN {
            return Err(ProbeError::TooLong { len: bytes.len() });
        }
        options::validate(bytes).map_err(ProbeError::Malformed)?;
        let mut w = BlockWriter {
            bytes: [0u8; MAX_OPTIONS_LEN],
            len: 0,
        };
        w.push(bytes)?;
        Ok(w.finish())
    }

    /// The block's bytes (a multiple of 4, at most 40).
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The block's length in bytes.
    pub fn len(&self) -> usize {
        usize::from(self.len)
    }

    /// Whether the block is empty (a plain SYN).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// What a probe sent, as a reply classifier needs it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProbeInfo {
    /// The option block sent.
    pub block: OptionBlock,
    /// The MPTCP version of the MP_CAPABLE sent, if any (and known).
    pub version: Option<Version>,
    /// The MP_CAPABLE flags byte sent.
    pub mp_flags: Option<u8>,
    /// The v0 key sent (the sender's key of a 12-byte MP_CAPABLE).
    pub key: Option<u64>,
    /// The MSS announced.
    pub mss: Option<u16>,
    /// The window scale shift announced.
    pub window_scale: Option<u8>,
    /// The TSval sent.
    pub tsval: Option<u32>,
}

impl ProbeInfo {
    /// Reads what a block announces (the block was validated when built, so the walk is clean).
    pub fn from_block(block: OptionBlock) -> Self {
        let mut info = ProbeInfo {
            block,
            version: None,
            mp_flags: None,
            key: None,
            mss: None,
            window_scale: None,
            tsval: None,
        };
        for (_, option) in options::Options::new(block.as_bytes()).map_while(Result::ok) {
            match option {
                TcpOption::MaxSegmentSize(mss) => info.mss = Some(mss),
                TcpOption::WindowScale(shift) => info.window_scale = Some(shift),
                TcpOption::Timestamp { tsval, .. } => info.tsval = Some(tsval),
                TcpOption::Mptcp(&[_, len, subtype_version, flags, ref rest @ ..])
                    if subtype_version >> 4 == crate::mptcp::subtype::MP_CAPABLE
                        && info.version.is_none() =>
                {
                    info.version = Version::from_wire(subtype_version & 0x0f);
                    info.mp_flags = Some(flags);
                    if let (12, Some(key)) = (len, rest.first_chunk::<8>()) {
                        info.key = Some(u64::from_be_bytes(*key));
                    }
                }
                _ => {}
            }
        }
        info
    }

    /// Builds the block of `spec` and reads it back.
    pub fn build(spec: &ProbeSpec) -> Result<Self, ProbeError> {
        OptionBlock::build(spec).map(Self::from_block)
    }
}

/// The per-probe fields of an IPv4 SYN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv4Target {
    /// Source address.
    pub src: Ipv4Addr,
    /// Destination address.
    pub dst: Ipv4Addr,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number (ZMap: the validation word, so the SYN-ACK's ack is seq + 1).
    pub seq: u32,
    /// IP identification.
    pub ip_id: u16,
    /// Time to live.
    pub ttl: u8,
}

/// The per-probe fields of an IPv6 SYN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Ipv6Target {
    /// Source address.
    pub src: Ipv6Addr,
    /// Destination address.
    pub dst: Ipv6Addr,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Hop limit.
    pub hop_limit: u8,
}

/// The largest IPv4 SYN: 20 + 20 + 40 bytes.
pub const MAX_V4_LEN: usize = ipv4::HEADER_LEN + tcp::HEADER_LEN + MAX_OPTIONS_LEN;
/// The largest IPv6 SYN: 40 + 20 + 40 bytes.
pub const MAX_V6_LEN: usize = ipv6::HEADER_LEN + tcp::HEADER_LEN + MAX_OPTIONS_LEN;

/// Writes the constant TCP header of a SYN (ports, sequence number and checksum left zero).
fn constant_tcp(segment: &mut [u8], block: &OptionBlock, window: u16) {
    let mut t = tcp::TcpPacket::new_unchecked(segment);
    t.set_header_len(tcp::HEADER_LEN + block.len());
    t.set_flags(TcpFlags::SYN);
    t.set_window_len(window);
    t.options_mut().copy_from_slice(block.as_bytes());
}

fn short(needed: usize, available: usize) -> ProbeError {
    ProbeError::BufferTooShort { needed, available }
}

/// The accessors and [`prepare`](SynTemplateV4::prepare) that both templates share: they differ
/// only in their headers and in what [`patch`](SynTemplateV4::patch) writes.
macro_rules! template_common {
    ($template:ident) => {
        impl $template {
            /// A template for `spec`.
            pub fn from_spec(spec: &ProbeSpec) -> Result<Self, ProbeError> {
                OptionBlock::build(spec).map(|block| Self::new(&block, spec.window))
            }

            /// The packet length.
            pub fn len(&self) -> usize {
                usize::from(self.len)
            }

            /// Always false: a SYN has at least its two headers.
            pub fn is_empty(&self) -> bool {
                false
            }

            /// What the probe sends, for the classifier.
            pub fn info(&self) -> &ProbeInfo {
                &self.info
            }

            /// The constant bytes (per-probe fields zero).
            pub fn as_bytes(&self) -> &[u8] {
                &self.bytes[..self.len()]
            }

            /// Writes the constant bytes into `buf` (once per buffer); returns the packet length.
            pub fn prepare(&self, buf: &mut [u8]) -> Result<usize, ProbeError> {
                let len = self.len();
                let available = buf.len();
                buf.get_mut(..len)
                    .ok_or(short(len, available))?
                    .copy_from_slice(self.as_bytes());
                Ok(len)
            }
        }
    };
}

template_common!(SynTemplateV4);
template_common!(SynTemplateV6);

/// An IPv4 SYN with its constant bytes and checksum parts computed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SynTemplateV4 {
    bytes: [u8; MAX_V4_LEN],
    len: u8,
    /// Sum of the IP header with id, TTL, addresses and checksum zero.
    ip_sum: u64,
    /// Sum of the TCP segment (ports, seq and checksum zero) and the pseudo-header's constant
    /// part (protocol, length).
    tcp_sum: u64,
    info: ProbeInfo,
}

impl SynTemplateV4 {
    /// A template sending `block` with TCP window `window`; DF set, DSCP/ECN zero, as Linux.
    pub fn new(block: &OptionBlock, window: u16) -> Self {
        let len = ipv4::HEADER_LEN + tcp::HEADER_LEN + block.len();
        let mut bytes = [0u8; MAX_V4_LEN];
        let mut ip = ipv4::Ipv4Packet::new_unchecked(&mut bytes[..]);
        ip.set_version_and_header_len(ipv4::HEADER_LEN);
        ip.set_total_len(len as u16);
        ip.set_flags_frag(ipv4::DONT_FRAGMENT);
        ip.set_protocol(PROTOCOL_TCP);
        constant_tcp(&mut bytes[ipv4::HEADER_LEN..len], block, window);
        let segment_len = (len - ipv4::HEADER_LEN) as u64;
        SynTemplateV4 {
            bytes,
            len: len as u8,
            ip_sum: checksum::sum(&bytes[..ipv4::HEADER_LEN]),
            tcp_sum: checksum::sum(&bytes[ipv4::HEADER_LEN..len])
                + u64::from(PROTOCOL_TCP)
                + segment_len,
            info: ProbeInfo::from_block(*block),
        }
    }

    /// Writes the per-probe fields and both checksums into a buffer that [`prepare`](Self::prepare)
    /// filled; returns the packet length.
    pub fn patch(&self, buf: &mut [u8], t: &Ipv4Target) -> Result<usize, ProbeError> {
        let len = self.len();
        let available = buf.len();
        let head: &mut [u8; ipv4::HEADER_LEN + tcp::HEADER_LEN] = buf
            .get_mut(..len)
            .and_then(|b| b.first_chunk_mut())
            .ok_or(short(len, available))?;
        let src = t.src.to_bits();
        let dst = t.dst.to_bits();
        let ports = (u32::from(t.src_port) << 16) | u32::from(t.dst_port);
        head[4..6].copy_from_slice(&t.ip_id.to_be_bytes());
        head[8] = t.ttl;
        head[12..16].copy_from_slice(&src.to_be_bytes());
        head[16..20].copy_from_slice(&dst.to_be_bytes());
        let addrs = u64::from(src) + u64::from(dst);
        let ip =
            checksum::finish(self.ip_sum + u64::from(t.ip_id) + (u64::from(t.ttl) << 8) + addrs);
        head[10..12].copy_from_slice(&ip.to_be_bytes());
        head[20..24].copy_from_slice(&ports.to_be_bytes());
        head[24..28].copy_from_slice(&t.seq.to_be_bytes());
        let tcp = checksum::finish(self.tcp_sum + addrs + u64::from(ports) + u64::from(t.seq));
        head[36..38].copy_from_slice(&tcp.to_be_bytes());
        Ok(len)
    }

    /// [`prepare`](Self::prepare) then [`patch`](Self::patch).
    pub fn write(&self, buf: &mut [u8], t: &Ipv4Target) -> Result<usize, ProbeError> {
        self.prepare(buf)?;
        self.patch(buf, t)
    }

    /// Changes only the TTL of a written probe, updating the IP checksum incrementally (RFC 1624):
    /// what a TTL sweep (trace) does between two sends.
    pub fn set_ttl(&self, buf: &mut [u8], ttl: u8) -> Result<(), ProbeError> {
        let available = buf.len();
        let header = buf
            .get_mut(..ipv4::HEADER_LEN)
            .ok_or(short(ipv4::HEADER_LEN, available))?;
        ipv4::Ipv4Packet::new_unchecked(header).set_ttl_update_checksum(ttl);
        Ok(())
    }
}

/// An IPv6 SYN with its constant bytes and checksum parts computed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SynTemplateV6 {
    bytes: [u8; MAX_V6_LEN],
    len: u8,
    /// Sum of the TCP segment (ports, seq and checksum zero) and the pseudo-header's constant
    /// part (next header, length).
    tcp_sum: u64,
    info: ProbeInfo,
}

impl SynTemplateV6 {
    /// A template sending `block` with TCP window `window`; traffic class and flow label zero.
    pub fn new(block: &OptionBlock, window: u16) -> Self {
        let segment_len = tcp::HEADER_LEN + block.len();
        let len = ipv6::HEADER_LEN + segment_len;
        let mut bytes = [0u8; MAX_V6_LEN];
        let mut ip = ipv6::Ipv6Packet::new_unchecked(&mut bytes[..]);
        ip.set_version_class_flow(0, 0);
        ip.set_payload_len(segment_len as u16);
        ip.set_next_header(PROTOCOL_TCP);
        constant_tcp(&mut bytes[ipv6::HEADER_LEN..len], block, window);
        SynTemplateV6 {
            bytes,
            len: len as u8,
            tcp_sum: checksum::sum(&bytes[ipv6::HEADER_LEN..len])
                + u64::from(PROTOCOL_TCP)
                + segment_len as u64,
            info: ProbeInfo::from_block(*block),
        }
    }

    /// Writes the per-probe fields and the TCP checksum into a prepared buffer; returns the
    /// packet length.
    pub fn patch(&self, buf: &mut [u8], t: &Ipv6Target) -> Result<usize, ProbeError> {
        let len = self.len();
        let available = buf.len();
        let head: &mut [u8; ipv6::HEADER_LEN + tcp::HEADER_LEN] = buf
            .get_mut(..len)
            .and_then(|b| b.first_chunk_mut())
            .ok_or(short(len, available))?;
        let src = t.src.octets();
        let dst = t.dst.octets();
        let ports = (u32::from(t.src_port) << 16) | u32::from(t.dst_port);
        head[7] = t.hop_limit;
        head[8..24].copy_from_slice(&src);
        head[24..40].copy_from_slice(&dst);
        head[40..44].copy_from_slice(&ports.to_be_bytes());
        head[44..48].copy_from_slice(&t.seq.to_be_bytes());
        let tcp = checksum::finish(
            self.tcp_sum
                + addr_sum(t.src.to_bits())
                + addr_sum(t.dst.to_bits())
                + u64::from(ports)
                + u64::from(t.seq),
        );
        head[56..58].copy_from_slice(&tcp.to_be_bytes());
        Ok(len)
    }

    /// [`prepare`](Self::prepare) then [`patch`](Self::patch).
    pub fn write(&self, buf: &mut [u8], t: &Ipv6Target) -> Result<usize, ProbeError> {
        self.prepare(buf)?;
        self.patch(buf, t)
    }

    /// Changes only the hop limit of a written probe (no checksum covers it).
    pub fn set_hop_limit(&self, buf: &mut [u8], hop_limit: u8) -> Result<(), ProbeError> {
        let available = buf.len();
        let header = buf
            .get_mut(..ipv6::HEADER_LEN)
            .ok_or(short(ipv6::HEADER_LEN, available))?;
        ipv6::Ipv6Packet::new_unchecked(header).set_hop_limit(hop_limit);
        Ok(())
    }
}

/// The ones'-complement partial sum of a 128-bit address as four 32-bit words.
fn addr_sum(a: u128) -> u64 {
    (a >> 96) as u32 as u64 + (a >> 64) as u32 as u64 + (a >> 32) as u32 as u64 + a as u32 as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{Ipv4Packet, Ipv6Packet, TcpPacket};
    use quickcheck::quickcheck;

    /// REFERENCE §1: the 2020/2021 scans' 32-byte block.
    const STUDY2021_BLOCK: [u8; 32] = [
        0x02, 0x04, 0x00, 0x01, 0x04, 0x02, 0x08, 0x0a, 0x0f, 0x0f, 0x0f, 0x01, 0x00, 0x00, 0x00,
        0x00, 0x01, 0x03, 0x03, 0x00, 0x1e, 0x0c, 0x00, 0x81, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
        0x0c, 0x0c,
    ];

    fn v0_study() -> ProbeSpec {
        ProbeSpec::new(Offer::V0 { key: STUDY2021_KEY }, Companions::Study2021)
    }

    #[test]
    fn study2021_block_is_exact() {
        let block = OptionBlock::build(&v0_study()).unwrap();
        assert_eq!(block.as_bytes(), &STUDY2021_BLOCK);
        let info = ProbeInfo::from_block(block);
        assert_eq!(info.version, Some(Version::V0));
        assert_eq!(info.mp_flags, Some(0x81));
        assert_eq!(info.key, Some(STUDY2021_KEY));
        assert_eq!(info.tsval, Some(0x0f0f_0f01));
        assert_eq!(info.mss, Some(1));
        assert_eq!(info.window_scale, Some(0));
    }

    #[test]
    fn study2021_in_v1_mode_keeps_the_companions() {
        let block = OptionBlock::build(&ProbeSpec::new(Offer::V1, Companions::Study2021)).unwrap();
        assert_eq!(&block.as_bytes()[..20], &STUDY2021_BLOCK[..20]);
        assert_eq!(&block.as_bytes()[20..], &[0x1e, 0x04, 0x01, 0x01]);
        let info = ProbeInfo::from_block(block);
        assert_eq!(
            (info.version, info.mp_flags, info.key),
            (Some(Version::V1), Some(0x01), None)
        );
    }

    #[test]
    fn stack_lookalikes() {
        let linux = OptionBlock::build(&ProbeSpec::new(Offer::V1, Companions::Linux)).unwrap();
        assert_eq!(
            linux.as_bytes(),
            &[
                0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x6d, 0x70, 0x74, 0x63, 0, 0, 0, 0,
                0x01, 0x03, 0x03, 0x07, 0x1e, 0x04, 0x01, 0x01
            ]
        );
        let windows =
            OptionBlock::build(&ProbeSpec::new(Offer::V0 { key: 1 }, Companions::Windows)).unwrap();
        assert_eq!(
            windows.as_bytes(),
            &[
                0x02, 0x04, 0x05, 0xb4, 0x01, 0x03, 0x03, 0x08, 0x01, 0x01, 0x04, 0x02, 0x1e, 0x0c,
                0x00, 0x81, 0, 0, 0, 0, 0, 0, 0, 1
            ]
        );
        let bsd = OptionBlock::build(&ProbeSpec::new(Offer::V1, Companions::Bsd)).unwrap();
        assert_eq!(bsd.len(), 24);
        assert_eq!(ProbeInfo::from_block(bsd).window_scale, Some(6));
        let minimal = OptionBlock::build(&ProbeSpec::new(Offer::V1, Companions::Minimal)).unwrap();
        assert_eq!(minimal.as_bytes(), &[0x1e, 0x04, 0x01, 0x01]);
    }

    #[test]
    fn raw_companions_are_padded_and_bounded() {
        let raw = RawOptions::new(&[0x02, 0x04, 0x05, 0xb4, 0x01]).unwrap();
        let block = OptionBlock::build(&ProbeSpec::new(Offer::V1, Companions::Raw(raw))).unwrap();
        assert_eq!(
            block.as_bytes(),
            &[0x02, 0x04, 0x05, 0xb4, 0x01, 0x1e, 0x04, 0x01, 0x01, 0, 0, 0]
        );
        let long = RawOptions::new(&[0x01; 30]).unwrap();
        assert_eq!(
            OptionBlock::build(&ProbeSpec::new(Offer::V0 { key: 0 }, Companions::Raw(long))),
            Err(ProbeError::TooLong { len: 42 })
        );
        assert_eq!(
            RawOptions::new(&[0x02, 0x04, 0x05]),
            Err(ProbeError::Malformed(OptionError::Truncated {
                offset: 0,
                kind: 2,
                len: 4,
                available: 3
            }))
        );
        assert_eq!(
            OptionBlock::from_raw(&[0x01; 41]),
            Err(ProbeError::TooLong { len: 41 })
        );
        let whole = OptionBlock::from_raw(&STUDY2021_BLOCK[..31]).unwrap_err();
        assert!(matches!(whole, ProbeError::Malformed(_)));
        let whole = OptionBlock::from_raw(&STUDY2021_BLOCK).unwrap();
        assert_eq!(ProbeInfo::from_block(whole).key, Some(STUDY2021_KEY));
    }

    fn target_v4() -> Ipv4Target {
        Ipv4Target {
            src: Ipv4Addr::new(198, 18, 0, 1),
            dst: Ipv4Addr::new(198, 19, 12, 34),
            src_port: 40001,
            dst_port: 80,
            seq: 0xdead_beef,
            ip_id: 54321,
            ttl: 64,
        }
    }

    #[test]
    fn ipv4_syn_parses_back() {
        let template = SynTemplateV4::from_spec(&v0_study()).unwrap();
        let mut buf = [0u8; MAX_V4_LEN];
        let len = template.write(&mut buf, &target_v4()).unwrap();
        assert_eq!(len, 72);
        let ip = Ipv4Packet::new_checked(&buf[..len]).unwrap();
        assert!(ip.verify_checksum());
        assert_eq!(ip.src_addr(), target_v4().src);
        assert_eq!(ip.dst_addr(), target_v4().dst);
        assert_eq!((ip.ident(), ip.ttl(), ip.protocol()), (54321, 64, 6));
        assert!(ip.dont_frag());
        let t = TcpPacket::new_checked(ip.payload()).unwrap();
        assert_eq!((t.src_port(), t.dst_port()), (40001, 80));
        assert_eq!(t.seq_number(), 0xdead_beef);
        assert_eq!(t.flags(), TcpFlags::SYN);
        assert_eq!(t.window_len(), 65535);
        assert_eq!(t.options(), &STUDY2021_BLOCK);
        assert!(t.verify_checksum_v4(ip.src_addr(), ip.dst_addr()));
        assert_eq!(
            t.checksum(),
            checksum::tcp_v4(ip.src_addr(), ip.dst_addr(), ip.payload())
        );
        assert_eq!(ip.checksum(), checksum::ipv4_header(ip.header()));
    }

    #[test]
    fn ttl_sweep_keeps_checksums() {
        let template =
            SynTemplateV4::from_spec(&ProbeSpec::new(Offer::V1, Companions::Linux)).unwrap();
        let mut buf = [0u8; MAX_V4_LEN];
        let len = template.write(&mut buf, &target_v4()).unwrap();
        for ttl in 1..=64 {
            template.set_ttl(&mut buf, ttl).unwrap();
            let ip = Ipv4Packet::new_checked(&buf[..len]).unwrap();
            assert_eq!(ip.ttl(), ttl);
            assert!(ip.verify_checksum());
        }
    }

    #[test]
    fn ipv6_syn_parses_back() {
        let template =
            SynTemplateV6::from_spec(&ProbeSpec::new(Offer::V1, Companions::Linux)).unwrap();
        let t6 = Ipv6Target {
            src: "2001:db8::1".parse().unwrap(),
            dst: "2001:db8:ffff::abcd".parse().unwrap(),
            src_port: 50000,
            dst_port: 443,
            seq: 7,
            hop_limit: 3,
        };
        let mut buf = [0u8; MAX_V6_LEN];
        let len = template.write(&mut buf, &t6).unwrap();
        assert_eq!(len, 40 + 20 + 24);
        let ip = Ipv6Packet::new_checked(&buf[..len]).unwrap();
        assert_eq!(
            (ip.hop_limit(), ip.next_header(), ip.payload_len()),
            (3, 6, 44)
        );
        assert_eq!((ip.src_addr(), ip.dst_addr()), (t6.src, t6.dst));
        let t = TcpPacket::new_checked(ip.payload()).unwrap();
        assert_eq!(
            (t.src_port(), t.dst_port(), t.seq_number()),
            (50000, 443, 7)
        );
        assert_eq!(t.window_len(), 64240);
        assert!(t.verify_checksum_v6(t6.src, t6.dst));
        template.set_hop_limit(&mut buf, 9).unwrap();
        assert_eq!(buf[7], 9);
        assert_eq!(template.info().tsval, Some(DEFAULT_TSVAL));
    }

    #[test]
    fn short_buffers_are_errors() {
        let template = SynTemplateV4::from_spec(&v0_study()).unwrap();
        let mut buf = [0u8; 71];
        assert_eq!(
            template.write(&mut buf, &target_v4()),
            Err(ProbeError::BufferTooShort {
                needed: 72,
                available: 71
            })
        );
        assert!(template.set_ttl(&mut buf[..19], 1).is_err());
    }

    quickcheck! {
        fn every_v4_probe_verifies(src: u32, dst: u32, ports: (u16, u16), seq: u32, id: u16, ttl: u8, key: u64) -> bool {
            let template = SynTemplateV4::from_spec(&ProbeSpec::new(Offer::V0 { key }, Companions::Linux)).unwrap();
            let t = Ipv4Target { src: Ipv4Addr::from_bits(src), dst: Ipv4Addr::from_bits(dst), src_port: ports.0, dst_port: ports.1, seq, ip_id: id, ttl };
            let mut buf = [0u8; MAX_V4_LEN];
            let len = template.write(&mut buf, &t).unwrap();
            let ip = Ipv4Packet::new_checked(&buf[..len]).unwrap();
            let tcp = TcpPacket::new_checked(ip.payload()).unwrap();
            ip.verify_checksum()
                && tcp.verify_checksum_v4(t.src, t.dst)
                && tcp.checksum() == checksum::tcp_v4(t.src, t.dst, ip.payload())
                && ip.checksum() == checksum::ipv4_header(ip.header())
                && template.info().key == Some(key)
        }

        fn every_v6_probe_verifies(src: u128, dst: u128, sport: u16, dport: u16, seq: u32, hops: u8) -> bool {
            let template = SynTemplateV6::from_spec(&ProbeSpec::new(Offer::V1, Companions::Bsd)).unwrap();
            let t = Ipv6Target { src: Ipv6Addr::from_bits(src), dst: Ipv6Addr::from_bits(dst), src_port: sport, dst_port: dport, seq, hop_limit: hops };
            let mut buf = [0u8; MAX_V6_LEN];
            let len = template.write(&mut buf, &t).unwrap();
            let tcp = TcpPacket::new_checked(&buf[40..len]).unwrap();
            tcp.checksum() == checksum::tcp_v6(t.src, t.dst, &buf[40..len])
        }

        fn raw_blocks_never_panic(bytes: std::vec::Vec<u8>) -> bool {
            match OptionBlock::from_raw(&bytes) {
                Ok(block) => block.len() % 4 == 0 && block.len() <= MAX_OPTIONS_LEN,
                Err(_) => true,
            }
        }
    }
}
