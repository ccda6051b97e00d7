//! A small capture reader for tests: classic pcap and pcapng files, Ethernet (with VLAN tags),
//! raw IP, Linux cooked (SLL and SLL2), PPP and BSD loopback framing, IPv4 and IPv6, down to
//! the TCP header and its option bytes.
//!
//! It exists so that tests can read `../shared/captures` without a capture library; it checks
//! every length it reads and reports a malformed file as an error naming the file and frame.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};

/// Link-layer header types (tcpdump.org "LINKTYPE_" values) the reader understands.
pub mod linktype {
    /// BSD loopback: a 4-byte address family in host byte order.
    pub const NULL: u32 = 0;
    /// Ethernet II.
    pub const ETHERNET: u32 = 1;
    /// PPP, optionally with HDLC address and control bytes.
    pub const PPP: u32 = 9;
    /// Raw IP as some platforms number it.
    pub const RAW_12: u32 = 12;
    /// Raw IP as some platforms number it.
    pub const RAW_14: u32 = 14;
    /// Raw IP.
    pub const RAW: u32 = 101;
    /// Linux cooked capture v1.
    pub const LINUX_SLL: u32 = 113;
    /// Linux cooked capture v2.
    pub const LINUX_SLL2: u32 = 276;
}

/// The folder of shared captures: `<repo>/../shared/captures`, else `/work/shared/captures`.
pub fn captures_dir() -> PathBuf {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    [
        repo.join("../shared/captures"),
        PathBuf::from("/work/shared/captures"),
    ]
    .into_iter()
    .find(|dir| dir.is_dir())
    .unwrap_or_else(|| {
        panic!(
            "shared captures not found: expected {} or /work/shared/captures",
            repo.join("../shared/captures").display()
        )
    })
}

/// Every `*.pcap`/`*.pcapng` file under the shared captures, sorted, as paths relative to it.
pub fn all_captures() -> Vec<PathBuf> {
    fn walk(dir: &Path, base: &Path, out: &mut Vec<PathBuf>) {
        let entries = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for entry in entries {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, base, out);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("pcap" | "pcapng")
            ) {
                out.push(path.strip_prefix(base).unwrap().to_path_buf());
            }
        }
    }
    let base = captures_dir();
    let mut out = Vec::new();
    walk(&base, &base, &mut out);
    out.sort();
    out
}

/// One captured frame.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The frame's number in the file, from 1, as tshark counts.
    pub number: usize,
    /// The frame's link type.
    pub linktype: u32,
    /// The captured bytes.
    pub data: Vec<u8>,
    /// The frame's length on the wire (more than `data.len()` if the capture cut it).
    pub orig_len: usize,
}

fn u16_at(bytes: &[u8], at: usize, big: bool) -> Option<u16> {
    let word: [u8; 2] = bytes.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(match big {
        true => u16::from_be_bytes(word),
        false => u16::from_le_bytes(word),
    })
}

fn u32_at(bytes: &[u8], at: usize, big: bool) -> Option<u32> {
    let word: [u8; 4] = bytes.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(match big {
        true => u32::from_be_bytes(word),
        false => u32::from_le_bytes(word),
    })
}

/// Reads every frame of a capture file (path absolute, or relative to [`captures_dir`]).
pub fn read(path: &Path) -> Result<Vec<Frame>, String> {
    let path = captures_dir().join(path);
    let bytes = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let frames = match bytes.get(..4) {
        Some([0x0a, 0x0d, 0x0d, 0x0a]) => read_pcapng(&bytes),
        _ => read_pcap(&bytes),
    };
    frames.map_err(|e| format!("{}: {e}", path.display()))
}

fn read_pcap(bytes: &[u8]) -> Result<Vec<Frame>, String> {
    let big = match u32_at(bytes, 0, false) {
        Some(0xa1b2_c3d4 | 0xa1b2_3c4d) => false,
        Some(0xd4c3_b2a1 | 0x4d3c_b2a1) => true,
        _ => return Err("not a pcap or pcapng file (bad magic)".into()),
    };
    let linktype = u32_at(bytes, 20, big).ok_or("pcap file header cut short")? & 0x0fff_ffff;
    let mut frames = Vec::new();
    let mut at = 24;
    while at < bytes.len() {
        let number = frames.len() + 1;
        let cut = || format!("frame {number}: record cut short at byte {at}");
        let caplen = u32_at(bytes, at + 8, big).ok_or_else(cut)? as usize;
        let orig_len = u32_at(bytes, at + 12, big).ok_or_else(cut)? as usize;
        let data = bytes
            .get(at + 16..at + 16 + caplen)
            .ok_or_else(cut)?
            .to_vec();
        frames.push(Frame {
            number,
            linktype,
            data,
            orig_len,
        });
        at += 16 + caplen;
    }
    Ok(frames)
}

fn read_pcapng(bytes: &[u8]) -> Result<Vec<Frame>, String> {
    const SECTION_HEADER: u32 = 0x0a0d_0d0a;
    const INTERFACE: u32 = 1;
    const OBSOLETE_PACKET: u32 = 2;
    const SIMPLE_PACKET: u32 = 3;
    const ENHANCED_PACKET: u32 = 6;
    let mut big = false;
    let mut linktypes: Vec<u32> = Vec::new();
    let mut frames = Vec::new();
    let mut at = 0;
    while at < bytes.len() {
        let number = frames.len() + 1;
        let cut = || format!("block at byte {at} (before frame {number}) cut short");
        let kind = u32_at(bytes, at, false).ok_or_else(cut)?;
        if kind == SECTION_HEADER {
            big = match u32_at(bytes, at + 8, false) {
                Some(0x1a2b_3c4d) => false,
                Some(0x4d3c_2b1a) => true,
                _ => return Err(format!("section header at byte {at}: bad byte-order magic")),
            };
            linktypes.clear();
        }
        let kind = u32_at(bytes, at, big).ok_or_else(cut)?;
        let len = u32_at(bytes, at + 4, big).ok_or_else(cut)? as usize;
        if len < 12 || !len.is_multiple_of(4) {
            return Err(format!("block at byte {at}: bad block length {len}"));
        }
        let body = bytes.get(at + 8..at + len - 4).ok_or_else(cut)?;
        let packet = |interface: usize, caplen_at: usize, data_at: usize| {
            let linktype = *linktypes
                .get(interface)
                .ok_or_else(|| format!("frame {number}: unknown interface {interface}"))?;
            let caplen = u32_at(body, caplen_at, big).ok_or_else(cut)? as usize;
            let orig_len = u32_at(body, caplen_at + 4, big).ok_or_else(cut)? as usize;
            let data = body
                .get(data_at..data_at + caplen)
                .ok_or_else(cut)?
                .to_vec();
            Ok::<_, String>(Frame {
                number,
                linktype,
                data,
                orig_len,
            })
        };
        match kind {
            INTERFACE => linktypes.push(u32::from(u16_at(body, 0, big).ok_or_else(cut)?)),
            ENHANCED_PACKET => {
                let interface = u32_at(body, 0, big).ok_or_else(cut)? as usize;
                frames.push(packet(interface, 12, 20)?);
            }
            OBSOLETE_PACKET => {
                let interface = usize::from(u16_at(body, 0, big).ok_or_else(cut)?);
                frames.push(packet(interface, 12, 20)?);
            }
            SIMPLE_PACKET => {
                let linktype = *linktypes
                    .first()
                    .ok_or("simple packet before any interface")?;
                let orig_len = u32_at(body, 0, big).ok_or_else(cut)? as usize;
                let data = body[4..].iter().take(orig_len).copied().collect();
                frames.push(Frame {
                    number,
                    linktype,
                    data,
                    orig_len,
                });
            }
            _ => {}
        }
        at += len;
    }
    Ok(frames)
}

/// A TCP segment's addressing, header fields and option bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TcpSegment<'a> {
    /// Source address.
    pub src: IpAddr,
    /// Destination address.
    pub dst: IpAddr,
    /// Source port.
    pub src_port: u16,
    /// Destination port.
    pub dst_port: u16,
    /// Sequence number.
    pub seq: u32,
    /// Acknowledgment number.
    pub ack: u32,
    /// The flag byte (CWR ECE URG ACK PSH RST SYN FIN).
    pub flags: u8,
    /// The option area as captured (shorter than the header says if the capture cut it).
    pub options: &'a [u8],
    /// Whether the capture cut the option area short.
    pub options_truncated: bool,
    /// The payload bytes captured.
    pub payload: &'a [u8],
}

impl TcpSegment<'_> {
    /// Whether SYN is set.
    pub fn syn(&self) -> bool {
        self.flags & 0x02 != 0
    }

    /// Whether ACK is set.
    pub fn ack_flag(&self) -> bool {
        self.flags & 0x10 != 0
    }

    /// The connection's endpoints in a canonical order, the same for both directions.
    pub fn connection(&self) -> ((IpAddr, u16), (IpAddr, u16)) {
        let a = (self.src, self.src_port);
        let b = (self.dst, self.dst_port);
        if a <= b {
            (a, b)
        } else {
            (b, a)
        }
    }
}

fn ethertype_payload(ethertype: u16, payload: &[u8]) -> Option<&[u8]> {
    matches!(ethertype, 0x0800 | 0x86dd).then_some(payload)
}

/// The IP packet inside a frame, or `None` for a non-IP frame.
fn network_layer(frame: &Frame) -> Result<Option<&[u8]>, String> {
    let data = &frame.data[..];
    let cut = || format!("frame {}: link-layer header cut short", frame.number);
    let ip = match frame.linktype {
        linktype::ETHERNET => {
            let mut at = 12;
            while matches!(u16_at(data, at, true), Some(0x8100 | 0x88a8)) {
                at += 4;
            }
            let ethertype = u16_at(data, at, true).ok_or_else(cut)?;
            ethertype_payload(ethertype, data.get(at + 2..).ok_or_else(cut)?)
        }
        linktype::LINUX_SLL => {
            let ethertype = u16_at(data, 14, true).ok_or_else(cut)?;
            ethertype_payload(ethertype, data.get(16..).ok_or_else(cut)?)
        }
        linktype::LINUX_SLL2 => {
            let ethertype = u16_at(data, 0, true).ok_or_else(cut)?;
            ethertype_payload(ethertype, data.get(20..).ok_or_else(cut)?)
        }
        linktype::PPP => {
            let data = data.strip_prefix(&[0xff, 0x03]).unwrap_or(data);
            match u16_at(data, 0, true).ok_or_else(cut)? {
                0x0021 | 0x0057 => Some(&data[2..]),
                _ => None,
            }
        }
        linktype::NULL => {
            let family = u32_at(data, 0, false).ok_or_else(cut)?;
            let family = match family {
                0..=0xffff => family,
                _ => family.swap_bytes(),
            };
            // AF_INET is 2 everywhere; AF_INET6 is 10, 24, 28 or 30 depending on the system.
            matches!(family, 2 | 10 | 24 | 28 | 30).then(|| &data[4..])
        }
        linktype::RAW | linktype::RAW_12 | linktype::RAW_14 => Some(data),
        other => {
            return Err(format!(
                "frame {}: link type {other} not supported",
                frame.number
            ))
        }
    };
    Ok(ip)
}

/// The TCP segment in a frame; `Ok(None)` when the frame carries no TCP (ARP, UDP, a
/// non-first fragment).
pub fn tcp_segment(frame: &Frame) -> Result<Option<TcpSegment<'_>>, String> {
    let Some(ip) = network_layer(frame)? else {
        return Ok(None);
    };
    let number = frame.number;
    let cut = |what: &str| format!("frame {number}: {what} cut short");
    let (src, dst, protocol, transport) = match ip.first().map(|b| b >> 4) {
        Some(4) => {
            let ihl = usize::from(ip[0] & 0x0f) * 4;
            let total = usize::from(u16_at(ip, 2, true).ok_or_else(|| cut("IPv4 header"))?);
            let header = ip.get(..20).ok_or_else(|| cut("IPv4 header"))?;
            if u16_at(header, 6, true).unwrap_or(0) & 0x1fff != 0 {
                return Ok(None);
            }
            let src = IpAddr::V4(Ipv4Addr::new(
                header[12], header[13], header[14], header[15],
            ));
            let dst = IpAddr::V4(Ipv4Addr::new(
                header[16], header[17], header[18], header[19],
            ));
            // Ethernet pads short frames; TSO captures may say 0: trust the capture then.
            let end = match total {
                0 => ip.len(),
                total => total.min(ip.len()),
            };
            let transport = ip.get(ihl..end).ok_or_else(|| cut("IPv4 header"))?;
            (src, dst, header[9], transport)
        }
        Some(6) => {
            let header = ip.get(..40).ok_or_else(|| cut("IPv6 header"))?;
            let payload_len = usize::from(u16_at(header, 4, true).unwrap_or(0));
            let mut octets = [0u8; 16];
            octets.copy_from_slice(&header[8..24]);
            let src = IpAddr::V6(Ipv6Addr::from(octets));
            octets.copy_from_slice(&header[24..40]);
            let dst = IpAddr::V6(Ipv6Addr::from(octets));
            let end = (40 + payload_len).min(ip.len());
            let mut next = header[6];
            let mut at = 40;
            // Hop-by-hop, routing and destination options headers sit between IPv6 and TCP.
            while matches!(next, 0 | 43 | 60) {
                let ext = ip.get(at..at + 2).ok_or_else(|| cut("IPv6 extension"))?;
                next = ext[0];
                at += (usize::from(ext[1]) + 1) * 8;
            }
            let transport = ip.get(at..end).ok_or_else(|| cut("IPv6 extension"))?;
            (src, dst, next, transport)
        }
        _ => return Ok(None),
    };
    if protocol != 6 {
        return Ok(None);
    }
    let tcp = transport;
    let header = tcp.get(..20).ok_or_else(|| cut("TCP header"))?;
    let header_len = usize::from(header[12] >> 4) * 4;
    if header_len < 20 {
        return Err(format!(
            "frame {number}: TCP data offset {header_len} is less than 20"
        ));
    }
    let options_end = header_len.min(tcp.len());
    Ok(Some(TcpSegment {
        src,
        dst,
        src_port: u16_at(header, 0, true).unwrap_or(0),
        dst_port: u16_at(header, 2, true).unwrap_or(0),
        seq: u32_at(header, 4, true).unwrap_or(0),
        ack: u32_at(header, 8, true).unwrap_or(0),
        flags: header[13],
        options: &tcp[20..options_end],
        options_truncated: options_end < header_len,
        payload: tcp.get(header_len..).unwrap_or(&[]),
    }))
}
