//! Stateless reply validation, as ZMap does it: the source port and sequence number of every probe
//! come from a keyed hash of (our address, target address, target port) and the probe version, so
//! a SYN-ACK or RST proves it answers one of our probes (ack = seq + 1, destination port = our
//! source port) without the scanner remembering anything it sent.

use std::hash::Hasher;
use std::net::IpAddr;

use mptcpscan::mptcp::Version;
use siphasher::sip::SipHasher13;

/// Source ports used by probes: ZMap's default range, above the kernel's usual ephemeral ports
/// only in its lower part, which matters little since the scanner's kernel never holds sockets
/// for these flows.
pub const DEFAULT_SOURCE_PORTS: (u16, u16) = (32768, 61000);

/// The per-probe fields validation derives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProbeId {
    /// The probe's TCP source port.
    pub sport: u16,
    /// The probe's TCP sequence number.
    pub seq: u32,
}

/// A keyed validator (the key is random per scan unless given).
#[derive(Debug, Clone)]
pub struct Validator {
    key: (u64, u64),
    port_base: u16,
    port_count: u32,
}

impl Validator {
    /// A validator with a 128-bit key and the inclusive source port range `ports`.
    pub fn new(key: u128, ports: (u16, u16)) -> Self {
        let (low, high) = (ports.0.min(ports.1), ports.0.max(ports.1));
        Validator {
            key: ((key >> 64) as u64, key as u64),
            port_base: low,
            port_count: u32::from(high - low) + 1,
        }
    }

    /// The inclusive source port range: the only ports replies can reach.
    pub fn ports(&self) -> (u16, u16) {
        let high = u32::from(self.port_base) + self.port_count - 1;
        (self.port_base, high as u16)
    }

    fn hash(&self, ours: IpAddr, theirs: IpAddr, their_port: u16) -> u64 {
        // The bytes hashed: our address, theirs and their port (little-endian), handed to the
        // hasher in one piece (this runs for every probe; piecewise writes cost more and hash
        // the same byte string).
        let mut input = [0u8; 34];
        let len = match (ours, theirs) {
            (IpAddr::V4(a), IpAddr::V4(b)) => {
                input[..4].copy_from_slice(&a.octets());
                input[4..8].copy_from_slice(&b.octets());
                8
            }
            (a, b) => {
                input[..16].copy_from_slice(&to_v6(a));
                input[16..32].copy_from_slice(&to_v6(b));
                32
            }
        };
        input[len..len + 2].copy_from_slice(&their_port.to_le_bytes());
        let mut h = SipHasher13::new_with_keys(self.key.0, self.key.1);
        h.write(&input[..len + 2]);
        h.finish()
    }

    /// The source port and sequence number of the probe from `ours` to `theirs`:`their_port`.
    ///
    /// The v1 probe leaves from the port after the v0 probe's (inside the window), so the two
    /// never share a four-tuple: a kernel host still holding the half-open connection of the
    /// first would answer the second with an ACK for the first, and the row would be lost (with
    /// ports drawn independently, 1 target in 4096 of a default window; 5 in the 2^20 lab
    /// rehearsal). Only a one-port window (`-s P`) shares it. The sequence numbers differ in
    /// their top bit.
    pub fn probe(
        &self,
        ours: IpAddr,
        theirs: IpAddr,
        their_port: u16,
        version: Version,
    ) -> ProbeId {
        let h = self.hash(ours, theirs, their_port);
        let step = u64::from(tag(version));
        ProbeId {
            seq: h as u32 ^ ((step as u32) << 31),
            sport: self.port_base + (((h >> 32) + step) % u64::from(self.port_count)) as u16,
        }
    }

    /// Which probe version a reply from `theirs`:`their_port` to `ours`:`our_port` acknowledging
    /// `ack` answers, if it answers one of ours at all.
    pub fn check(
        &self,
        ours: IpAddr,
        our_port: u16,
        theirs: IpAddr,
        their_port: u16,
        ack: u32,
    ) -> Option<Version> {
        [Version::V0, Version::V1].into_iter().find(|&version| {
            let id = self.probe(ours, theirs, their_port, version);
            id.sport == our_port && id.seq.wrapping_add(1) == ack
        })
    }
}

fn tag(version: Version) -> u8 {
    match version {
        Version::V0 => 0,
        Version::V1 => 1,
    }
}

fn to_v6(addr: IpAddr) -> [u8; 16] {
    match addr {
        IpAddr::V4(a) => a.to_ipv6_mapped().octets(),
        IpAddr::V6(a) => a.octets(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn replies_to_our_probes_validate_with_their_version() {
        let v = Validator::new(
            0x0123_4567_89ab_cdef_fedc_ba98_7654_3210,
            DEFAULT_SOURCE_PORTS,
        );
        for (ours, theirs) in [
            (ip("198.18.0.1"), ip("198.19.0.7")),
            (ip("2001:db8::1"), ip("2001:db8:1::7")),
        ] {
            for version in [Version::V0, Version::V1] {
                let id = v.probe(ours, theirs, 443, version);
                assert!((32768..=61000).contains(&id.sport));
                let ack = id.seq.wrapping_add(1);
                assert_eq!(v.check(ours, id.sport, theirs, 443, ack), Some(version));
                assert_eq!(v.check(ours, id.sport, theirs, 443, id.seq), None);
                assert_eq!(v.check(ours, id.sport, theirs, 80, ack), None);
                assert_eq!(v.check(ours, id.sport ^ 1, theirs, 443, ack), None);
                assert_eq!(v.check(ours, id.sport, ip("198.19.0.8"), 443, ack), None);
            }
            assert_ne!(
                v.probe(ours, theirs, 443, Version::V0),
                v.probe(ours, theirs, 443, Version::V1)
            );
        }
    }

    /// Both versions' probes to one target never leave from the same port (they did for 1
    /// target in 4096: 5 rows lost in the 2^20 lab rehearsal).
    #[test]
    fn the_two_versions_to_a_target_leave_from_different_ports() {
        let v = Validator::new(0x5eed, (40000, 40000 + 4095));
        let ours = ip("198.18.0.3");
        for i in 0..100_000u32 {
            let theirs = IpAddr::V4((0xc613_0000 + i).into());
            let v0 = v.probe(ours, theirs, 80, Version::V0);
            let v1 = v.probe(ours, theirs, 80, Version::V1);
            assert_ne!(v0.sport, v1.sport, "{theirs}");
            assert_eq!(
                v.check(ours, v1.sport, theirs, 80, v1.seq.wrapping_add(1)),
                Some(Version::V1)
            );
        }
        // A one-port window still tells the versions apart by their sequence numbers.
        let one = Validator::new(0x5eed, (40000, 40000));
        let theirs = ip("198.19.0.7");
        let v0 = one.probe(ours, theirs, 80, Version::V0);
        let v1 = one.probe(ours, theirs, 80, Version::V1);
        assert_eq!(
            one.check(ours, 40000, theirs, 80, v0.seq.wrapping_add(1)),
            Some(Version::V0)
        );
        assert_eq!(
            one.check(ours, 40000, theirs, 80, v1.seq.wrapping_add(1)),
            Some(Version::V1)
        );
    }

    #[test]
    fn the_hash_is_that_of_the_fields_written_one_after_another() {
        // The hash input is assembled in one buffer for speed; it must stay the byte string
        // the fields make when written one by one (our address, theirs, port).
        let v = Validator::new(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210, (1, 65535));
        for (ours, theirs) in [
            (ip("198.18.0.1"), ip("198.19.0.7")),
            (ip("2001:db8::1"), ip("2001:db8:1::7")),
            (ip("198.18.0.1"), ip("2001:db8:1::7")),
        ] {
            let mut h = SipHasher13::new_with_keys(v.key.0, v.key.1);
            match (ours, theirs) {
                (IpAddr::V4(a), IpAddr::V4(b)) => {
                    h.write(&a.octets());
                    h.write(&b.octets());
                }
                (a, b) => {
                    h.write(&to_v6(a));
                    h.write(&to_v6(b));
                }
            }
            h.write_u16(8080);
            assert_eq!(v.hash(ours, theirs, 8080), h.finish(), "{ours} {theirs}");
        }
    }

    #[test]
    fn another_key_rejects_the_reply() {
        let a = Validator::new(1, DEFAULT_SOURCE_PORTS);
        let b = Validator::new(2, DEFAULT_SOURCE_PORTS);
        let id = a.probe(ip("198.18.0.1"), ip("198.19.0.7"), 80, Version::V0);
        let check = b.check(
            ip("198.18.0.1"),
            id.sport,
            ip("198.19.0.7"),
            80,
            id.seq.wrapping_add(1),
        );
        assert_eq!(check, None);
    }

    #[test]
    fn single_port_range_works() {
        let v = Validator::new(9, (40000, 40000));
        assert_eq!(
            v.probe(ip("198.18.0.1"), ip("198.19.0.7"), 80, Version::V1)
                .sport,
            40000
        );
    }
}
