//! A flood of traffic that is not the scanner's, for `bench/scan-under-noise.sh`: Ethernet frames
//! to the scanner's MAC address through the driver's transmit ring (`net::transmit`, the path the
//! scanner's own probes take), paced to a rate, until SIGINT or SIGTERM; then it prints what it
//! sent. Run it in the namespace of the scanner's gateway, on the interface that faces the
//! scanner.
//!
//! The mix, in turn (IPv6 only when `--us6` is given): UDP to the address next to ours;
//! SYN-ACKs to that address on a port of our window; SYN-ACKs and RSTs to our address on ports
//! outside our window; ICMP port-unreachable errors to the address next to ours, quoting a
//! datagram that address sent; over IPv6, UDP and an echo request to the address next to ours and
//! SYN-ACKs to ours outside the window. The scanner's kernel filter passes TCP to our address on
//! a port of the window and ICMP to our address: none of these. Sources are drawn from
//! `--from`/`--from6`, so a rule on the scanner's side can tell the noise from the replies.
//!
//! Usage: `noise --interface IF --to-mac MAC --us ADDR [--us6 ADDR] --window LOW-HIGH [--pps N]
//! [--threads N]` (`--help` says more).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{bail, Context};
use clap::Parser;
use ipnet::{Ipv4Net, Ipv6Net};
use mptcpscan::wire::{
    checksum, Icmpv4Packet, Icmpv6Packet, Ipv4Packet, Ipv6Packet, TcpFlags, TcpPacket,
};
use mptcpscan_driver::net::transmit::Transmitter;

#[derive(Parser)]
#[command(about = "Floods the scanner's interface with traffic that is not the scanner's")]
struct Args {
    /// The interface that faces the scanner.
    #[arg(long)]
    interface: String,
    /// The scanner's MAC address, e.g. 02:6d:6c:00:00:02.
    #[arg(long, value_parser = parse_mac)]
    to_mac: [u8; 6],
    /// The scanner's IPv4 source address.
    #[arg(long)]
    us: Ipv4Addr,
    /// The scanner's IPv6 source address (without it, no IPv6 noise).
    #[arg(long)]
    us6: Option<Ipv6Addr>,
    /// The scanner's source-port window (its `-s`): TCP noise to our address avoids it.
    #[arg(long, value_parser = parse_window)]
    window: (u16, u16),
    /// Where the noise comes from (IPv4).
    #[arg(long, default_value = "198.18.254.0/24")]
    from: Ipv4Net,
    /// Where the noise comes from (IPv6).
    #[arg(long, default_value = "2001:db8:fffe::/48")]
    from6: Ipv6Net,
    /// Frames per second, all threads together (0: as fast as the rings take them).
    #[arg(long, default_value_t = 1_000_000)]
    pps: u64,
    /// Sending threads, each with its own transmit ring and an equal share of the rate.
    #[arg(long, default_value_t = 1)]
    threads: u64,
}

fn parse_mac(text: &str) -> Result<[u8; 6], String> {
    let bytes: Vec<u8> = text
        .split(':')
        .map(|b| u8::from_str_radix(b, 16))
        .collect::<Result<_, _>>()
        .map_err(|_| format!("`{text}` is not a MAC address like 02:6d:6c:00:00:02"))?;
    bytes
        .try_into()
        .map_err(|_| format!("`{text}` is not a MAC address like 02:6d:6c:00:00:02"))
}

fn parse_window(text: &str) -> Result<(u16, u16), String> {
    let bad = || format!("`{text}` is not a port range like 40000-40999");
    let (low, high) = text.split_once('-').unwrap_or((text, text));
    let (low, high): (u16, u16) = (
        low.parse().map_err(|_| bad())?,
        high.parse().map_err(|_| bad())?,
    );
    if low > high {
        return Err(bad());
    }
    Ok((low, high))
}

/// The kinds of frame, sent in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Udp4,
    SynAckNeighbour4,
    SynAckUs4,
    RstUs4,
    Unreachable4,
    Udp6,
    SynAckUs6,
    Echo6,
}

/// Everything a frame of the mix depends on besides its number.
struct Mix {
    us: Ipv4Addr,
    neighbour: Ipv4Addr,
    /// Ours and the address next to it.
    v6: Option<(Ipv6Addr, Ipv6Addr)>,
    window: (u16, u16),
    /// How many ports (1-65535) lie outside the window.
    outside: u32,
    from: Ipv4Net,
    from6: Ipv6Net,
    kinds: Vec<Kind>,
}

const TTL: u8 = 60;
const PROTO_ICMP: u8 = 1;
const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const PROTO_ICMPV6: u8 = 58;
const UDP_PAYLOAD: &[u8] = b"not a reply to a probe";

impl Mix {
    fn new(
        us: Ipv4Addr,
        us6: Option<Ipv6Addr>,
        window: (u16, u16),
        from: Ipv4Net,
        from6: Ipv6Net,
    ) -> anyhow::Result<Self> {
        let outside = u32::from(window.0).saturating_sub(1) + u32::from(u16::MAX - window.1);
        if outside == 0 {
            bail!("the window covers every port: no TCP to our address can miss it");
        }
        if from.contains(&us) || us6.is_some_and(|u| from6.contains(&u)) {
            bail!("the noise's sources must not hold our own address");
        }
        let mut kinds = vec![
            Kind::Udp4,
            Kind::SynAckNeighbour4,
            Kind::SynAckUs4,
            Kind::RstUs4,
            Kind::Unreachable4,
        ];
        if us6.is_some() {
            kinds.extend([Kind::Udp6, Kind::SynAckUs6, Kind::Echo6]);
        }
        Ok(Mix {
            us,
            // The other address of our pair: on our link, and not ours.
            neighbour: Ipv4Addr::from_bits(us.to_bits() ^ 1),
            v6: us6.map(|u| (u, Ipv6Addr::from_bits(u.to_bits() ^ 1))),
            window,
            outside,
            from,
            from6,
            kinds,
        })
    }

    fn kind(&self, n: u64) -> Kind {
        self.kinds[(n % self.kinds.len() as u64) as usize]
    }

    /// Where frame `n` goes.
    fn dst(&self, n: u64) -> IpAddr {
        let (us6, neighbour6) = self
            .v6
            .unwrap_or((Ipv6Addr::UNSPECIFIED, Ipv6Addr::UNSPECIFIED));
        match self.kind(n) {
            Kind::Udp4 | Kind::SynAckNeighbour4 | Kind::Unreachable4 => self.neighbour.into(),
            Kind::SynAckUs4 | Kind::RstUs4 => self.us.into(),
            Kind::Udp6 | Kind::Echo6 => neighbour6.into(),
            Kind::SynAckUs6 => us6.into(),
        }
    }

    /// The `i`-th source address of the IPv4 range (its host addresses in turn).
    fn src4(&self, i: u64) -> Ipv4Addr {
        let hosts = (1u64 << (32 - self.from.prefix_len()))
            .saturating_sub(2)
            .max(1);
        let offset = if self.from.prefix_len() >= 31 { 0 } else { 1 };
        Ipv4Addr::from_bits(self.from.network().to_bits() + (offset + i % hosts) as u32)
    }

    fn src6(&self, i: u64) -> Ipv6Addr {
        let hosts = 1u128
            .checked_shl(128 - u32::from(self.from6.prefix_len()))
            .unwrap_or(u128::MAX)
            .saturating_sub(1)
            .max(1);
        Ipv6Addr::from_bits(self.from6.network().to_bits() + 1 + u128::from(i) % hosts)
    }

    /// The `i`-th port outside our window.
    fn outside_port(&self, i: u64) -> u16 {
        let k = (i % u64::from(self.outside)) as u32;
        let below = u32::from(self.window.0).saturating_sub(1);
        if k < below {
            (k + 1) as u16
        } else {
            (u32::from(self.window.1) + 1 + k - below) as u16
        }
    }

    /// The `i`-th port of our window.
    fn window_port(&self, i: u64) -> u16 {
        let size = u64::from(self.window.1 - self.window.0) + 1;
        self.window.0 + (i % size) as u16
    }

    /// Writes frame `n`'s IP packet into `buf`; returns its length.
    fn build(&self, n: u64, buf: &mut [u8]) -> usize {
        let i = n / self.kinds.len() as u64;
        // Different flows: the source address, its port and the sequence number change.
        let sport = 1024 + (i.wrapping_mul(7919) % 64_000) as u16;
        let seq = (i as u32).wrapping_mul(2_654_435_761);
        match (self.kind(n), self.dst(n)) {
            (Kind::Udp4, IpAddr::V4(dst)) => {
                let src = self.src4(i);
                let len = udp(&mut buf[20..], sport, 53, UDP_PAYLOAD, |seg| {
                    checksum::pseudo_header_v4(src, dst, PROTO_UDP, seg.len() as u16)
                });
                ipv4(buf, PROTO_UDP, src, dst, len, i)
            }
            (Kind::SynAckNeighbour4, IpAddr::V4(dst)) => {
                let flags = TcpFlags::SYN | TcpFlags::ACK;
                let (src, dport) = (self.src4(i), self.window_port(i));
                let len = tcp4(&mut buf[20..], src, dst, (80, dport), seq, flags);
                ipv4(buf, PROTO_TCP, src, dst, len, i)
            }
            (Kind::SynAckUs4 | Kind::RstUs4, IpAddr::V4(dst)) => {
                let flags = if self.kind(n) == Kind::RstUs4 {
                    TcpFlags::RST | TcpFlags::ACK
                } else {
                    TcpFlags::SYN | TcpFlags::ACK
                };
                let (src, dport) = (self.src4(i), self.outside_port(i));
                let len = tcp4(&mut buf[20..], src, dst, (443, dport), seq, flags);
                ipv4(buf, PROTO_TCP, src, dst, len, i)
            }
            (Kind::Unreachable4, IpAddr::V4(dst)) => {
                let src = self.src4(i);
                // The datagram `dst` sent to `src`, quoted as a port-unreachable error quotes it.
                let quoted = &mut buf[28..56];
                let qlen = udp(&mut quoted[20..], sport, 53, &[], |_| 0);
                ipv4(quoted, PROTO_UDP, dst, src, qlen, i);
                let mut icmp = Icmpv4Packet::new_unchecked(&mut buf[20..56]);
                icmp.set_type_code(3, 3);
                icmp.set_rest([0; 4]);
                icmp.fill_checksum();
                ipv4(buf, PROTO_ICMP, src, dst, 36, i)
            }
            (Kind::Udp6, IpAddr::V6(dst)) => {
                let src = self.src6(i);
                let len = udp(&mut buf[40..], sport, 53, UDP_PAYLOAD, |seg| {
                    checksum::pseudo_header_v6(src, dst, PROTO_UDP, seg.len() as u32)
                });
                ipv6(buf, PROTO_UDP, src, dst, len)
            }
            (Kind::SynAckUs6, IpAddr::V6(dst)) => {
                let (src, dport) = (self.src6(i), self.outside_port(i));
                let mut tcp = TcpPacket::new_unchecked(&mut buf[40..60]);
                tcp_fields(&mut tcp, (443, dport), seq, TcpFlags::SYN | TcpFlags::ACK);
                tcp.fill_checksum_v6(src, dst);
                ipv6(buf, PROTO_TCP, src, dst, 20)
            }
            (Kind::Echo6, IpAddr::V6(dst)) => {
                let src = self.src6(i);
                let mut icmp = Icmpv6Packet::new_unchecked(&mut buf[40..56]);
                icmp.set_type_code(128, 0);
                icmp.set_rest([(i >> 8) as u8, i as u8, (i >> 24) as u8, (i >> 16) as u8]);
                icmp.body_mut()
                    .copy_from_slice(&seq.to_be_bytes().repeat(2));
                icmp.fill_checksum(src, dst);
                ipv6(buf, PROTO_ICMPV6, src, dst, 16)
            }
            // A kind's address family is fixed by `dst`.
            _ => 0,
        }
    }
}

/// An IPv4 header for `payload_len` bytes already in `buf[20..]`; returns the packet's length.
fn ipv4(
    buf: &mut [u8],
    proto: u8,
    src: Ipv4Addr,
    dst: Ipv4Addr,
    payload_len: usize,
    i: u64,
) -> usize {
    let len = 20 + payload_len;
    let mut ip = Ipv4Packet::new_unchecked(&mut buf[..len]);
    ip.set_version_and_header_len(20);
    ip.set_dscp_ecn(0, 0);
    ip.set_total_len(len as u16);
    ip.set_ident(i as u16);
    ip.set_flags_frag(0x4000);
    ip.set_ttl(TTL);
    ip.set_protocol(proto);
    ip.set_src_addr(src);
    ip.set_dst_addr(dst);
    ip.fill_checksum();
    len
}

/// An IPv6 header for `payload_len` bytes already in `buf[40..]`; returns the packet's length.
fn ipv6(buf: &mut [u8], next: u8, src: Ipv6Addr, dst: Ipv6Addr, payload_len: usize) -> usize {
    let mut ip = Ipv6Packet::new_unchecked(&mut buf[..40 + payload_len]);
    ip.set_version_class_flow(0, 0);
    ip.set_payload_len(payload_len as u16);
    ip.set_next_header(next);
    ip.set_hop_limit(TTL);
    ip.set_src_addr(src);
    ip.set_dst_addr(dst);
    40 + payload_len
}

/// A UDP datagram at the start of `buf`; `pseudo` gives the pseudo-header's sum for the datagram
/// (0: no checksum, as IPv4 allows). Returns its length.
fn udp(
    buf: &mut [u8],
    sport: u16,
    dport: u16,
    payload: &[u8],
    pseudo: impl Fn(&[u8]) -> u64,
) -> usize {
    let len = 8 + payload.len();
    let seg = &mut buf[..len];
    seg[..2].copy_from_slice(&sport.to_be_bytes());
    seg[2..4].copy_from_slice(&dport.to_be_bytes());
    seg[4..6].copy_from_slice(&(len as u16).to_be_bytes());
    seg[6..8].fill(0);
    seg[8..].copy_from_slice(payload);
    let acc = pseudo(seg);
    if acc != 0 {
        // A computed zero goes out as all ones (RFC 768): zero means "no checksum".
        let value = match checksum::finish(acc + checksum::sum(seg)) {
            0 => 0xffff,
            v => v,
        };
        seg[6..8].copy_from_slice(&value.to_be_bytes());
    }
    len
}

fn tcp4(
    buf: &mut [u8],
    src: Ipv4Addr,
    dst: Ipv4Addr,
    ports: (u16, u16),
    seq: u32,
    flags: TcpFlags,
) -> usize {
    let mut tcp = TcpPacket::new_unchecked(&mut buf[..20]);
    tcp_fields(&mut tcp, ports, seq, flags);
    tcp.fill_checksum_v4(src, dst);
    20
}

fn tcp_fields(tcp: &mut TcpPacket<&mut [u8]>, ports: (u16, u16), seq: u32, flags: TcpFlags) {
    tcp.set_src_port(ports.0);
    tcp.set_dst_port(ports.1);
    tcp.set_seq_number(seq);
    tcp.set_ack_number(seq.rotate_left(16));
    tcp.set_header_len(20);
    tcp.set_flags(flags);
    tcp.set_window_len(65535);
    tcp.set_urgent_at(0);
}

/// How often the pacer looks at the clock when it is ahead: small against a batch at 1 Mpps.
const TICK: Duration = Duration::from_micros(100);
/// Most frames queued per look at the clock (the transmit ring sends a batch at 512 on its own).
const BATCH: u64 = 512;

/// Set by SIGINT or SIGTERM, or when a sending thread fails: every sender stops.
static STOP: AtomicBool = AtomicBool::new(false);

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if args.threads == 0 {
        bail!("--threads must be at least 1");
    }
    let mix = Mix::new(args.us, args.us6, args.window, args.from, args.from6)?;
    ctrlc::set_handler(|| STOP.store(true, Ordering::SeqCst))
        .context("catching SIGINT and SIGTERM")?;
    let started = Instant::now();
    let totals = std::thread::scope(|scope| {
        let senders: Vec<_> = (0..args.threads)
            .map(|t| {
                let (args, mix) = (&args, &mix);
                scope.spawn(move || {
                    let result = send(args, mix, t);
                    STOP.store(true, Ordering::SeqCst);
                    result
                })
            })
            .collect();
        senders
            .into_iter()
            .map(|s| {
                s.join()
                    .unwrap_or_else(|_| Err(anyhow::anyhow!("a sending thread panicked")))
            })
            .collect::<anyhow::Result<Vec<_>>>()
    })?;
    let secs = started.elapsed().as_secs_f64();
    let sent: u64 = totals.iter().map(|t| t.0).sum();
    let refused: u64 = totals.iter().map(|t| t.1).sum();
    println!(
        "noise: {sent} frames in {secs:.2} s ({:.0} pps), {} thread(s), {refused} refused by the kernel, {} kinds",
        sent as f64 / secs.max(1e-9),
        args.threads,
        mix.kinds.len()
    );
    Ok(())
}

/// One sending thread with a transmit ring of its own: frames `t`, `t + threads`, ... at its
/// share of the rate, until [`STOP`]. Returns how many it sent and how many the kernel refused.
fn send(args: &Args, mix: &Mix, t: u64) -> anyhow::Result<(u64, u64)> {
    let (mut transmitter, notes) = Transmitter::open(
        (Some(args.us.into()), args.us6.map(IpAddr::from)),
        Some(&args.interface),
        Some(args.to_mac),
        0,
    )?;
    if !notes.is_empty() {
        bail!("noise must leave as frames: {}", notes.join("; "));
    }
    let pps = args.pps as f64 / args.threads as f64;
    let (mut sent, mut refused) = (0u64, 0u64);
    let started = Instant::now();
    while !STOP.load(Ordering::Relaxed) {
        let due = if args.pps == 0 {
            sent + BATCH
        } else {
            (started.elapsed().as_secs_f64() * pps) as u64
        };
        if due <= sent {
            std::thread::sleep(TICK);
            continue;
        }
        for _ in 0..(due - sent).min(BATCH) {
            let n = t + sent * args.threads;
            sent += 1;
            let lost = transmitter.send(mix.dst(n), |buf| Ok(mix.build(n, buf)))?;
            refused += lost.map_or(0, |l| l.probes);
        }
        refused += transmitter.flush().map_or(0, |l| l.probes);
    }
    Ok((sent, refused))
}

#[cfg(test)]
mod tests {
    use super::*;
    use etherparse::{NetSlice, SlicedPacket, TransportSlice};
    use mptcpscan_driver::scan::validation::Validator;

    const US: Ipv4Addr = Ipv4Addr::new(198, 18, 0, 2);
    const US6: Ipv6Addr = Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 2);
    const WINDOW: (u16, u16) = (40000, 40999);

    fn mix() -> Mix {
        Mix::new(
            US,
            Some(US6),
            WINDOW,
            "198.18.254.0/24".parse().unwrap(),
            "2001:db8:fffe::/48".parse().unwrap(),
        )
        .unwrap()
    }

    /// Frames 0..count, each built into a buffer the size the transmit ring gives.
    fn frames(mix: &Mix, count: u64) -> Vec<(u64, Vec<u8>)> {
        (0..count)
            .map(|n| {
                // The largest packet of the mix is 70 bytes; the transmit ring gives 200.
                let mut buf = vec![0u8; 200];
                let len = mix.build(n, &mut buf);
                buf.truncate(len);
                (n, buf)
            })
            .collect()
    }

    #[test]
    fn every_frame_parses_with_correct_checksums_and_goes_where_dst_says() {
        let mix = mix();
        let mut kinds = std::collections::HashSet::new();
        for (n, packet) in frames(&mix, 4000) {
            kinds.insert(format!("{:?}", mix.kind(n)));
            let parsed = SlicedPacket::from_ip(&packet)
                .unwrap_or_else(|e| panic!("frame {n} ({:?}): {e}", mix.kind(n)));
            let (src, dst): (IpAddr, IpAddr) = match &parsed.net {
                Some(NetSlice::Ipv4(ip)) => {
                    let h = ip.header();
                    assert_eq!(h.to_header().calc_header_checksum(), h.header_checksum());
                    assert_eq!(usize::from(h.total_len()), packet.len());
                    (h.source_addr().into(), h.destination_addr().into())
                }
                Some(NetSlice::Ipv6(ip)) => {
                    let h = ip.header();
                    assert_eq!(usize::from(h.payload_length()) + 40, packet.len());
                    (h.source_addr().into(), h.destination_addr().into())
                }
                other => panic!("frame {n}: no IP layer: {other:?}"),
            };
            assert_eq!(dst, mix.dst(n), "frame {n}");
            let (src4, dst4, src6, dst6) = match (src, dst) {
                (IpAddr::V4(s), IpAddr::V4(d)) => (s.octets(), d.octets(), [0; 16], [0; 16]),
                (IpAddr::V6(s), IpAddr::V6(d)) => ([0; 4], [0; 4], s.octets(), d.octets()),
                _ => panic!("frame {n}: mixed address families"),
            };
            let ok = match parsed.transport.as_ref().expect("a transport layer") {
                TransportSlice::Tcp(t) if src.is_ipv4() => {
                    t.calc_checksum_ipv4(src4, dst4).unwrap() == t.checksum()
                }
                TransportSlice::Tcp(t) => t.calc_checksum_ipv6(src6, dst6).unwrap() == t.checksum(),
                TransportSlice::Udp(u) if src.is_ipv4() => {
                    let h = u.to_header();
                    h.calc_checksum_ipv4_raw(src4, dst4, u.payload()).unwrap() == h.checksum
                }
                TransportSlice::Udp(u) => {
                    let h = u.to_header();
                    h.calc_checksum_ipv6_raw(src6, dst6, u.payload()).unwrap() == h.checksum
                }
                TransportSlice::Icmpv4(i) => {
                    i.icmp_type().calc_checksum(i.payload()) == i.checksum()
                }
                TransportSlice::Icmpv6(i) => i.is_checksum_valid(src6, dst6),
                other => panic!("frame {n}: unexpected {other:?}"),
            };
            assert!(ok, "frame {n} ({:?}): bad checksum", mix.kind(n));
        }
        assert_eq!(kinds.len(), 8, "every kind was built: {kinds:?}");
    }

    /// What the scanner's receive ring lets through (`net::filter::ReplyFilter`): TCP to our
    /// address on a port of our window, ICMP or ICMPv6 to our address. Then what validates.
    #[test]
    fn no_frame_passes_the_reply_filter_nor_validates() {
        let mix = mix();
        let validators: Vec<Validator> = (0..16u128)
            .map(|k| {
                Validator::new(
                    k.wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835),
                    WINDOW,
                )
            })
            .collect();
        let ours = [IpAddr::from(US), IpAddr::from(US6)];
        let mut to_us = 0;
        for (n, packet) in frames(&mix, 4000) {
            let parsed = SlicedPacket::from_ip(&packet).unwrap();
            let dst: IpAddr = match &parsed.net {
                Some(NetSlice::Ipv4(ip)) => ip.header().destination_addr().into(),
                Some(NetSlice::Ipv6(ip)) => ip.header().destination_addr().into(),
                _ => unreachable!(),
            };
            if !ours.contains(&dst) {
                continue;
            }
            to_us += 1;
            let tcp = match parsed.transport.as_ref().unwrap() {
                TransportSlice::Tcp(t) => t,
                other => panic!("frame {n}: {other:?} to our address passes the filter"),
            };
            let port = tcp.destination_port();
            assert!(
                !(WINDOW.0..=WINDOW.1).contains(&port),
                "frame {n}: TCP to our address on port {port} of our window passes the filter"
            );
            let src: IpAddr = match &parsed.net {
                Some(NetSlice::Ipv4(ip)) => ip.header().source_addr().into(),
                Some(NetSlice::Ipv6(ip)) => ip.header().source_addr().into(),
                _ => unreachable!(),
            };
            for v in &validators {
                let found = v.check(
                    dst,
                    port,
                    src,
                    tcp.source_port(),
                    tcp.acknowledgment_number(),
                );
                assert_eq!(found, None, "frame {n} validates as a reply");
            }
        }
        assert!(to_us > 1000, "the mix aims at our address too ({to_us})");
    }

    #[test]
    fn ports_outside_the_window_cover_both_sides_and_never_enter_it() {
        let mix = mix();
        let ports: Vec<u16> = (0..u64::from(mix.outside))
            .map(|i| mix.outside_port(i))
            .collect();
        assert_eq!(ports.len(), 65535 - 1000);
        assert_eq!((ports[0], ports[39998], ports[39999]), (1, 39999, 41000));
        assert_eq!(*ports.last().unwrap(), 65535);
        assert!(ports.iter().all(|p| !(WINDOW.0..=WINDOW.1).contains(p)));
    }

    #[test]
    fn a_window_of_every_port_or_sources_holding_ours_are_refused() {
        let from = "198.18.254.0/24".parse().unwrap();
        let from6 = "2001:db8:fffe::/48".parse().unwrap();
        assert!(Mix::new(US, None, (1, 65535), from, from6).is_err());
        assert!(Mix::new(US, None, (0, 65535), from, from6).is_err());
        assert!(Mix::new(US, None, WINDOW, "198.18.0.0/24".parse().unwrap(), from6).is_err());
        let v4_only = Mix::new(US, None, WINDOW, from, from6).unwrap();
        assert!((0..100).all(|n| v4_only.dst(n).is_ipv4()));
    }
}
