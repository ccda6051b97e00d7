//! The MPTCP v0 server (class 2): upstream Linux has no v0, so a userspace responder answers
//! for a whole prefix from a TUN device in the last router.
//!
//! It behaves like an old out-of-tree v0-only Linux kernel (multipath-tcp.org before v1
//! support): a SYN with a v0 MP_CAPABLE (version 0, 12 bytes, the client's key) gets a SYN-ACK
//! with MP_CAPABLE v0 and a fresh random key of its own (a real stack draws one per connection,
//! so keys differ per host and per probe); a SYN with a v1 MP_CAPABLE (which such a kernel does
//! not know) gets a plain SYN-ACK; SYNs to other ports get a RST. It is stateless: it answers
//! SYNs only, so a scanner's handshake never completes.

use mptcpscan::options::{Options, TcpOption};
use rand::Rng;

use super::packet::{flags, Segment, Tcp};
use super::tun::Tun;

/// The MSS a 1500-byte link gives (IPv4; IPv6 is 20 bytes less).
const MSS_V4: u16 = 1460;
/// Linux's window scale on a default host.
const WINDOW_SCALE: u8 = 7;
/// Linux's initial receive window on a 1500-byte link.
const WINDOW: u16 = 65160;
/// MP_CAPABLE flags of a v0 Linux server: checksum required (A) and HMAC-SHA1 (H).
const V0_FLAGS: u8 = 0x81;

/// What a SYN asked for.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct SynOptions {
    sack: bool,
    tsval: Option<u32>,
    window_scale: bool,
    /// The client's key, if the SYN carries a v0 MP_CAPABLE.
    v0_key: Option<u64>,
}

impl SynOptions {
    fn read(area: &[u8]) -> SynOptions {
        let mut syn = SynOptions::default();
        for (_, option) in Options::new(area).map_while(Result::ok) {
            match option {
                TcpOption::SackPermitted => syn.sack = true,
                TcpOption::Timestamp { tsval, .. } => syn.tsval = Some(tsval),
                TcpOption::WindowScale(_) => syn.window_scale = true,
                TcpOption::Mptcp(&[_, 12, 0x00, _, ref key @ ..]) => {
                    syn.v0_key = key.try_into().ok().map(u64::from_be_bytes);
                }
                _ => {}
            }
        }
        syn
    }
}

/// Answers SYNs forever.
pub fn run(mut tun: Tun, ports: &[u16]) -> anyhow::Result<()> {
    let mut buf = vec![0u8; 65536];
    let mut rng = rand::thread_rng();
    loop {
        let n = tun.recv(&mut buf)?;
        if let Some(reply) = answer(&buf[..n], ports, &mut rng) {
            tun.send(&reply);
        }
    }
}

/// The reply to one packet, if it gets one.
fn answer(packet: &[u8], ports: &[u16], rng: &mut impl Rng) -> Option<Vec<u8>> {
    let tcp = Tcp::parse(packet)?;
    if !tcp.is_syn() {
        return None;
    }
    let mut reply = Segment {
        src: tcp.dst,
        dst: tcp.src,
        sport: tcp.dport,
        dport: tcp.sport,
        seq: 0,
        ack: tcp.seq.wrapping_add(1),
        flags: flags::RST | flags::ACK,
        window: 0,
        options: &[],
    };
    if !ports.contains(&tcp.dport) {
        return Some(reply.build());
    }
    let syn = SynOptions::read(&packet[tcp.options()]);
    let mss = if tcp.src.is_ipv4() {
        MSS_V4
    } else {
        MSS_V4 - 20
    };
    let mut options = Vec::with_capacity(40);
    options.extend_from_slice(&[2, 4]);
    options.extend_from_slice(&mss.to_be_bytes());
    // Linux's layout: SACK-permitted packed in front of the timestamps, else NOP-padded.
    match (syn.sack, syn.tsval) {
        (sack, Some(tsval)) => {
            options.extend_from_slice(if sack { &[4, 2, 8, 10] } else { &[1, 1, 8, 10] });
            options.extend_from_slice(&rng.gen::<u32>().to_be_bytes());
            options.extend_from_slice(&tsval.to_be_bytes());
        }
        (true, None) => options.extend_from_slice(&[1, 1, 4, 2]),
        (false, None) => {}
    }
    if syn.window_scale {
        options.extend_from_slice(&[1, 3, 3, WINDOW_SCALE]);
    }
    if let Some(client_key) = syn.v0_key {
        let key = loop {
            let key: u64 = rng.gen();
            if key != client_key {
                break key;
            }
        };
        options.extend_from_slice(&[30, 12, 0x00, V0_FLAGS]);
        options.extend_from_slice(&key.to_be_bytes());
    }
    reply.seq = rng.gen();
    reply.flags = flags::SYN | flags::ACK;
    reply.window = WINDOW;
    reply.options = &options;
    Some(reply.build())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn syn(options: &[u8], dport: u16) -> Vec<u8> {
        Segment {
            src: "2001:db8::2".parse().unwrap(),
            dst: "2001:db8:1:2::5".parse().unwrap(),
            sport: 40000,
            dport,
            seq: 100,
            ack: 0,
            flags: flags::SYN,
            window: 1024,
            options,
        }
        .build()
    }

    /// The thesis' probe block: MSS 1, SACK-permitted, timestamps, NOP, WS 0, MP_CAPABLE v0.
    const THESIS_BLOCK: [u8; 32] = [
        2, 4, 0, 1, 4, 2, 8, 10, 0x0f, 0x0f, 0x0f, 0x01, 0, 0, 0, 0, 1, 3, 3, 0, 30, 12, 0x00,
        0x81, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
    ];

    #[test]
    fn answers_v0_with_its_own_key() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let reply = answer(&syn(&THESIS_BLOCK, 80), &[80], &mut rng).unwrap();
        let tcp = Tcp::parse(&reply).unwrap();
        assert!(tcp.is_syn_ack());
        assert_eq!(tcp.ack, 101);
        let options = &reply[tcp.options()];
        assert_eq!(&options[..4], &[2, 4, 0x05, 0xa0], "IPv6 MSS");
        // TSecr echoes the probe's TSval.
        assert_eq!(&options[12..16], &[0x0f, 0x0f, 0x0f, 0x01]);
        assert_eq!(&options[16..20], &[1, 3, 3, 7]);
        assert_eq!(&options[20..24], &[30, 12, 0x00, 0x81]);
        assert_ne!(&options[24..32], &[0x0c; 8]);
        let again = answer(&syn(&THESIS_BLOCK, 80), &[80], &mut rng).unwrap();
        assert_ne!(again[tcp.options()][24..32], options[24..32]);
    }

    #[test]
    fn survives_mangled_syns() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(4);
        let seed = syn(&THESIS_BLOCK, 80);
        for _ in 0..20_000 {
            let mut packet = seed.clone();
            for _ in 0..rng.gen_range(1..6) {
                let at = rng.gen_range(0..packet.len());
                packet[at] = rng.gen();
            }
            packet.truncate(rng.gen_range(0..=packet.len()));
            if let Some(reply) = answer(&packet, &[80], &mut rng) {
                assert!(Tcp::parse(&reply).is_some());
            }
        }
    }

    #[test]
    fn ignores_v1_and_closes_other_ports() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(2);
        let v1 = [2, 4, 5, 0xb4, 30, 4, 0x01, 0x01];
        let reply = answer(&syn(&v1, 443), &[80, 443], &mut rng).unwrap();
        let tcp = Tcp::parse(&reply).unwrap();
        assert!(tcp.is_syn_ack());
        assert_eq!(&reply[tcp.options()], &[2, 4, 0x05, 0xa0]);
        let closed = answer(&syn(&v1, 22), &[80], &mut rng).unwrap();
        assert_eq!(Tcp::parse(&closed).unwrap().flags, flags::RST | flags::ACK);
        let ack = Segment {
            src: "198.18.0.2".parse().unwrap(),
            dst: "198.18.2.1".parse().unwrap(),
            sport: 40000,
            dport: 80,
            seq: 101,
            ack: 1,
            flags: flags::ACK,
            window: 1024,
            options: &[],
        }
        .build();
        assert_eq!(answer(&ack, &[80], &mut rng), None);
    }
}
