//! The lab's middleboxes (classes 4 to 7): userspace programs on a TUN device in a router, put
//! in the path of their class's prefix by policy routing. Each packet is either answered
//! (mirrors answer SYNs themselves) or forwarded, possibly changed, with its hop given back
//! ([`restore_hop`]) so that the middlebox costs exactly the one hop of its router.
//!
//! * `mirror-full`: answers a SYN to a served port with a SYN-ACK whose option area is the SYN's,
//!   byte for byte (the ~190 K mirroring boxes of the 2020 scans).
//! * `mirror-thesis`: the thesis' real row `MSS-SACK-N×14-MPTCP`: echoes MSS, SACK-permitted,
//!   NOPs and MP_CAPABLE, and overwrites timestamps, window scale and every other option with
//!   NOPs, keeping the SYN's layout.
//! * `strip-nop` / `strip-shrink`: remove MP_CAPABLE from SYNs, as NOPs or by shrinking the
//!   header (data offset, IP length and checksums fixed).
//! * `key-flip`: XORs the key of a SYN-ACK's MP_CAPABLE with [`KEY_FLIP_MASK`].
//! * `key-rewrite`: overwrites the low half of a SYN's v0 key with [`KEY_REWRITE_LOW`].

use mptcpscan::options::{kind, Options, TcpOption};
use rand::Rng;

use super::daemon::Role;
use super::packet::{fix_checksums, flags, replace_options, restore_hop, Segment, Tcp};
use super::tun::Tun;

/// The bits `key-flip` flips in a server's key: a few, in both halves.
pub const KEY_FLIP_MASK: u64 = 0x0100_0000_8000_0011;
/// What `key-rewrite` writes over the low 32 bits of a v0 SYN's key.
pub const KEY_REWRITE_LOW: u32 = 0x5eed_0bad;

/// What to do with one packet.
#[derive(Debug, PartialEq, Eq)]
enum Action {
    /// Send this packet back instead (a mirror's SYN-ACK).
    Answer(Vec<u8>),
    /// Pass the packet on, as changed in place.
    Forward,
    /// Pass this rebuilt packet on instead.
    ForwardRebuilt(Vec<u8>),
}

/// Handles packets forever.
pub fn run(mut tun: Tun, role: Role, ports: &[u16]) -> anyhow::Result<()> {
    let mut buf = vec![0u8; 65536];
    let mut rng = rand::thread_rng();
    loop {
        let n = tun.recv(&mut buf)?;
        let packet = &mut buf[..n];
        match handle(packet, role, ports, &mut rng) {
            Action::Answer(reply) => tun.send(&reply),
            Action::Forward => {
                restore_hop(packet);
                tun.send(packet);
            }
            Action::ForwardRebuilt(mut rebuilt) => {
                restore_hop(&mut rebuilt);
                tun.send(&rebuilt);
            }
        }
    }
}

/// Byte range of the first MP_CAPABLE option (MPTCP subtype 0) in the packet.
fn find_mp_capable(packet: &[u8], tcp: &Tcp) -> Option<std::ops::Range<usize>> {
    let area = tcp.options();
    Options::new(&packet[area.clone()])
        .map_while(Result::ok)
        .find_map(|(offset, option)| match option {
            TcpOption::Mptcp(bytes) if bytes.len() >= 3 && bytes[2] >> 4 == 0 => {
                Some(area.start + offset..area.start + offset + bytes.len())
            }
            _ => None,
        })
}

fn handle(packet: &mut [u8], role: Role, ports: &[u16], rng: &mut impl Rng) -> Action {
    let Some(tcp) = Tcp::parse(packet) else {
        return Action::Forward;
    };
    match role {
        Role::MirrorFull | Role::MirrorThesis if tcp.is_syn() && ports.contains(&tcp.dport) => {
            let syn_options = &packet[tcp.options()];
            let options = if role == Role::MirrorFull {
                syn_options.to_vec()
            } else {
                thesis_echo(syn_options)
            };
            Action::Answer(
                Segment {
                    src: tcp.dst,
                    dst: tcp.src,
                    sport: tcp.dport,
                    dport: tcp.sport,
                    seq: rng.gen(),
                    ack: tcp.seq.wrapping_add(1),
                    flags: flags::SYN | flags::ACK,
                    window: tcp.window,
                    options: &options,
                }
                .build(),
            )
        }
        Role::StripNop | Role::StripShrink if tcp.is_syn() => {
            let Some(range) = find_mp_capable(packet, &tcp) else {
                return Action::Forward;
            };
            if role == Role::StripNop {
                packet[range].fill(kind::NOP);
                fix_checksums(packet, &tcp);
                return Action::Forward;
            }
            let area = tcp.options();
            let mut options = packet[area.start..range.start].to_vec();
            options.extend_from_slice(&packet[range.end..area.end]);
            // Removing a length that is not a multiple of 4 leaves a gap: NOPs re-align the
            // header (EOL would also end the options that follow).
            while !options.len().is_multiple_of(4) {
                options.push(kind::NOP);
            }
            Action::ForwardRebuilt(replace_options(packet, &tcp, &options))
        }
        Role::KeyFlip if tcp.is_syn_ack() => {
            if let Some(range) = find_mp_capable(packet, &tcp).filter(|r| r.len() >= 12) {
                let key = range.start + 4..range.start + 12;
                let flipped = u64::from_be_bytes(packet[key.clone()].try_into().unwrap_or([0; 8]))
                    ^ KEY_FLIP_MASK;
                packet[key].copy_from_slice(&flipped.to_be_bytes());
                fix_checksums(packet, &tcp);
            }
            Action::Forward
        }
        Role::KeyRewrite if tcp.is_syn() => {
            if let Some(range) = find_mp_capable(packet, &tcp).filter(|r| r.len() == 12) {
                packet[range.start + 8..range.end].copy_from_slice(&KEY_REWRITE_LOW.to_be_bytes());
                fix_checksums(packet, &tcp);
            }
            Action::Forward
        }
        _ => Action::Forward,
    }
}

/// The thesis mirror's option area: the SYN's layout with MSS, SACK-permitted, NOPs and
/// MP_CAPABLE kept, EOL and what follows it kept, everything else (and anything after a
/// malformed option) NOPs.
fn thesis_echo(syn: &[u8]) -> Vec<u8> {
    let mut out = vec![kind::NOP; syn.len()];
    for (offset, option) in Options::new(syn).map_while(Result::ok) {
        let keep = match option {
            TcpOption::EndOfList => {
                out[offset..].copy_from_slice(&syn[offset..]);
                break;
            }
            TcpOption::MaxSegmentSize(_) | TcpOption::SackPermitted => true,
            TcpOption::Mptcp(bytes) => bytes.len() >= 3 && bytes[2] >> 4 == 0,
            _ => false,
        };
        if keep {
            let end = offset + option.buffer_len();
            out[offset..end].copy_from_slice(&syn[offset..end]);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    /// The thesis' probe block: MSS 1, SACK-permitted, timestamps, NOP, WS 0, MP_CAPABLE v0.
    const THESIS_BLOCK: [u8; 32] = [
        2, 4, 0, 1, 4, 2, 8, 10, 0x0f, 0x0f, 0x0f, 0x01, 0, 0, 0, 0, 1, 3, 3, 0, 30, 12, 0x00,
        0x81, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c, 0x0c,
    ];
    const V1_BLOCK: [u8; 8] = [2, 4, 5, 0xb4, 30, 4, 0x01, 0x01];

    fn segment(options: &[u8], flags: u8) -> Vec<u8> {
        Segment {
            src: "198.18.0.2".parse().unwrap(),
            dst: "198.18.4.9".parse().unwrap(),
            sport: 40000,
            dport: 80,
            seq: 41,
            ack: 0,
            flags,
            window: 1024,
            options,
        }
        .build()
    }

    fn run_one(role: Role, packet: &mut [u8]) -> Action {
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        handle(packet, role, &[80], &mut rng)
    }

    fn checksums_ok(packet: &[u8]) -> bool {
        let tcp = Tcp::parse(packet).unwrap();
        let mut copy = packet.to_vec();
        fix_checksums(&mut copy, &tcp);
        copy == packet
    }

    #[test]
    fn full_mirror_echoes_every_option() {
        let mut syn = segment(&THESIS_BLOCK, flags::SYN);
        let Action::Answer(reply) = run_one(Role::MirrorFull, &mut syn) else {
            panic!("no answer")
        };
        let tcp = Tcp::parse(&reply).unwrap();
        assert!(tcp.is_syn_ack());
        assert_eq!((tcp.ack, tcp.window, tcp.dport), (42, 1024, 40000));
        assert_eq!(&reply[tcp.options()], &THESIS_BLOCK);
    }

    #[test]
    fn thesis_mirror_matches_the_thesis_row() {
        let echo = thesis_echo(&THESIS_BLOCK);
        let mut expected = vec![2, 4, 0, 1, 4, 2];
        expected.extend_from_slice(&[1; 14]);
        expected.extend_from_slice(&THESIS_BLOCK[20..]);
        assert_eq!(echo, expected);
        assert_eq!(thesis_echo(&V1_BLOCK), V1_BLOCK);
        // A malformed option and what follows become NOPs.
        assert_eq!(
            thesis_echo(&[2, 4, 0, 1, 8, 0, 9, 9]),
            [2, 4, 0, 1, 1, 1, 1, 1]
        );
    }

    #[test]
    fn mirrors_pass_other_packets_on() {
        let mut ack = segment(&[], flags::ACK);
        assert_eq!(run_one(Role::MirrorThesis, &mut ack), Action::Forward);
    }

    #[test]
    fn strip_nop_keeps_the_length() {
        let mut syn = segment(&THESIS_BLOCK, flags::SYN);
        assert_eq!(run_one(Role::StripNop, &mut syn), Action::Forward);
        let tcp = Tcp::parse(&syn).unwrap();
        assert_eq!(&syn[tcp.options()][20..], &[1; 12]);
        assert!(checksums_ok(&syn));
    }

    #[test]
    fn strip_shrink_removes_the_option() {
        for (block, left) in [(&THESIS_BLOCK[..], 20), (&V1_BLOCK[..], 4)] {
            let mut syn = segment(block, flags::SYN);
            let Action::ForwardRebuilt(out) = run_one(Role::StripShrink, &mut syn) else {
                panic!("not rebuilt")
            };
            let tcp = Tcp::parse(&out).unwrap();
            assert_eq!(&out[tcp.options()], &block[..left]);
            assert_eq!(out.len(), 40 + left);
            assert!(checksums_ok(&out));
        }
    }

    #[test]
    fn key_flip_changes_synack_keys_only() {
        let mut synack_options = V1_BLOCK.to_vec();
        synack_options.splice(4.., [30, 12, 0x01, 0x01, 1, 2, 3, 4, 5, 6, 7, 8]);
        let mut synack = segment(&synack_options, flags::SYN | flags::ACK);
        assert_eq!(run_one(Role::KeyFlip, &mut synack), Action::Forward);
        let tcp = Tcp::parse(&synack).unwrap();
        let key = u64::from_be_bytes(synack[tcp.options()][8..16].try_into().unwrap());
        assert_eq!(key ^ KEY_FLIP_MASK, 0x0102030405060708);
        assert!(checksums_ok(&synack));
        let mut syn = segment(&THESIS_BLOCK, flags::SYN);
        let before = syn.clone();
        run_one(Role::KeyFlip, &mut syn);
        assert_eq!(syn, before);
    }

    /// Truncations and random byte flips of real probes and replies: every role handles them
    /// without panicking and anything it sends on still parses or is passed through as is.
    #[test]
    fn survives_mangled_packets() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(9);
        let seeds = [
            segment(&THESIS_BLOCK, flags::SYN),
            segment(&V1_BLOCK, flags::SYN),
            segment(
                &[30, 12, 0x01, 0x01, 1, 2, 3, 4, 5, 6, 7, 8],
                flags::SYN | flags::ACK,
            ),
        ];
        let roles = [
            Role::MirrorFull,
            Role::MirrorThesis,
            Role::StripNop,
            Role::StripShrink,
            Role::KeyFlip,
            Role::KeyRewrite,
        ];
        for round in 0..20_000 {
            let mut packet = seeds[round % seeds.len()].clone();
            for _ in 0..rng.gen_range(1..6) {
                let at = rng.gen_range(0..packet.len());
                packet[at] = rng.gen();
            }
            packet.truncate(rng.gen_range(0..=packet.len()));
            for role in roles {
                let mut copy = packet.clone();
                if let Action::Answer(out) | Action::ForwardRebuilt(out) =
                    handle(&mut copy, role, &[80], &mut rng)
                {
                    assert!(Tcp::parse(&out).is_some(), "{role:?} sent {out:02x?}");
                }
            }
        }
    }

    #[test]
    fn key_rewrite_changes_the_low_half_of_v0_keys() {
        let mut syn = segment(&THESIS_BLOCK, flags::SYN);
        run_one(Role::KeyRewrite, &mut syn);
        let tcp = Tcp::parse(&syn).unwrap();
        assert_eq!(
            &syn[tcp.options()][24..],
            &[0x0c, 0x0c, 0x0c, 0x0c, 0x5e, 0xed, 0x0b, 0xad]
        );
        assert!(checksums_ok(&syn));
        let mut v1 = segment(&V1_BLOCK, flags::SYN);
        let before = v1.clone();
        run_one(Role::KeyRewrite, &mut v1);
        assert_eq!(v1, before);
    }
}
