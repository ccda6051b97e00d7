//! The scope of an address a host advertises in ADD_ADDR: can anyone on the Internet reach it, or
//! does announcing it reveal something about the host's own network?
//!
//! Hesmans et al. (TMA 2015) found that 79 % of the IPv4 addresses clients advertised to a public
//! server were private, and saw link-local, documentation and IPv4-compatible addresses too:
//! addresses the peer can never use, announced anyway, an information leak. [`AddressScope::of`]
//! classifies an address by the IANA special-purpose registries (RFC 6890 and successors);
//! [`AddressScope::is_leak`] says whether announcing it leaks.
//!
//! ```
//! use core::net::{IpAddr, Ipv4Addr};
//! use mptcpscan::scope::AddressScope;
//!
//! let scope = AddressScope::of(IpAddr::V4(Ipv4Addr::new(192, 168, 1, 20)));
//! assert_eq!(scope, AddressScope::Private);
//! assert_eq!(scope.name(), "private");
//! assert!(scope.is_leak());
//! ```

use core::fmt;
use core::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What kind of address an address is, from the point of view of a peer on the Internet.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AddressScope {
    /// Globally routable unicast (IPv6: in 2000::/3 and no special block).
    Public,
    /// RFC 1918 (10/8, 172.16/12, 192.168/16), IPv6 unique local (fc00::/7) or the deprecated
    /// IPv6 site-local (fec0::/10): behind a NAT or inside an organisation.
    Private,
    /// Carrier-grade NAT space, 100.64/10 (RFC 6598).
    Shared,
    /// 127/8 or ::1.
    Loopback,
    /// 169.254/16 or fe80::/10.
    LinkLocal,
    /// 192.0.2/24, 198.51.100/24, 203.0.113/24, 2001:db8::/32 and 3fff::/20: examples only.
    Documentation,
    /// 198.18/15 and 2001:2::/48: benchmarking labs (RFC 2544, RFC 5180).
    Benchmarking,
    /// 2002::/16: a 6to4 address (RFC 3056), reachable through 6to4 relays.
    SixToFour,
    /// ::/96 other than :: and ::1: the deprecated IPv4-compatible IPv6 address.
    Ipv4Compatible,
    /// ::ffff:0:0/96: an IPv4 address in IPv6 clothing, never seen on an IPv6 wire.
    Ipv4Mapped,
    /// 224/4 or ff00::/8.
    Multicast,
    /// 0.0.0.0 or ::.
    Unspecified,
    /// 255.255.255.255.
    Broadcast,
    /// Any other block that is not unicast on the Internet: 0/8 ("this network"), 192.0.0/24
    /// (IETF protocol assignments), 240/4, and IPv6 outside 2000::/3 (100::/64 discard-only
    /// included), or inside 2001::/23 (IETF protocol assignments).
    Reserved,
}

impl AddressScope {
    /// Every scope, in declaration order.
    pub const ALL: [AddressScope; 14] = [
        AddressScope::Public,
        AddressScope::Private,
        AddressScope::Shared,
        AddressScope::Loopback,
        AddressScope::LinkLocal,
        AddressScope::Documentation,
        AddressScope::Benchmarking,
        AddressScope::SixToFour,
        AddressScope::Ipv4Compatible,
        AddressScope::Ipv4Mapped,
        AddressScope::Multicast,
        AddressScope::Unspecified,
        AddressScope::Broadcast,
        AddressScope::Reserved,
    ];

    /// Classifies an IPv4 or IPv6 address.
    pub fn of(addr: IpAddr) -> AddressScope {
        match addr {
            IpAddr::V4(v4) => AddressScope::of_v4(v4),
            IpAddr::V6(v6) => AddressScope::of_v6(v6),
        }
    }

    /// Classifies an IPv4 address.
    pub fn of_v4(addr: Ipv4Addr) -> AddressScope {
        let bits = addr.to_bits();
        if bits == 0 {
            return AddressScope::Unspecified;
        }
        if bits == u32::MAX {
            return AddressScope::Broadcast;
        }
        V4_BLOCKS
            .iter()
            .find(|(prefix, len, _)| in_prefix_v4(bits, *prefix, *len))
            .map_or(AddressScope::Public, |(_, _, scope)| *scope)
    }

    /// Classifies an IPv6 address.
    pub fn of_v6(addr: Ipv6Addr) -> AddressScope {
        let bits = addr.to_bits();
        match bits {
            0 => return AddressScope::Unspecified,
            1 => return AddressScope::Loopback,
            _ => {}
        }
        if bits >> 32 == 0xffff {
            return AddressScope::Ipv4Mapped;
        }
        if bits >> 32 == 0 {
            return AddressScope::Ipv4Compatible;
        }
        if let Some((_, _, scope)) = V6_BLOCKS
            .iter()
            .find(|(prefix, len, _)| in_prefix_v6(bits, *prefix, *len))
        {
            return *scope;
        }
        if in_prefix_v6(bits, GLOBAL_UNICAST, 3) {
            AddressScope::Public
        } else {
            AddressScope::Reserved
        }
    }

    /// A short lower-case name for reports and output fields.
    pub const fn name(self) -> &'static str {
        match self {
            AddressScope::Public => "public",
            AddressScope::Private => "private",
            AddressScope::Shared => "shared",
            AddressScope::Loopback => "loopback",
            AddressScope::LinkLocal => "link-local",
            AddressScope::Documentation => "documentation",
            AddressScope::Benchmarking => "benchmarking",
            AddressScope::SixToFour => "6to4",
            AddressScope::Ipv4Compatible => "ipv4-compatible",
            AddressScope::Ipv4Mapped => "ipv4-mapped",
            AddressScope::Multicast => "multicast",
            AddressScope::Unspecified => "unspecified",
            AddressScope::Broadcast => "broadcast",
            AddressScope::Reserved => "reserved",
        }
    }

    /// Whether advertising an address of this scope to a peer on the Internet leaks information:
    /// the peer cannot use it, so announcing it only tells the peer about the sender's network.
    /// Public and 6to4 addresses (reachable through relays) are the only ones that do not.
    pub const fn is_leak(self) -> bool {
        !matches!(self, AddressScope::Public | AddressScope::SixToFour)
    }
}

impl fmt::Display for AddressScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// IPv4 special-purpose blocks other than the two single addresses (first match wins).
const V4_BLOCKS: [(u32, u8, AddressScope); 14] = [
    (0x0000_0000, 8, AddressScope::Reserved),
    (0x0a00_0000, 8, AddressScope::Private),
    (0x6440_0000, 10, AddressScope::Shared),
    (0x7f00_0000, 8, AddressScope::Loopback),
    (0xa9fe_0000, 16, AddressScope::LinkLocal),
    (0xac10_0000, 12, AddressScope::Private),
    (0xc000_0000, 24, AddressScope::Reserved),
    (0xc000_0200, 24, AddressScope::Documentation),
    (0xc0a8_0000, 16, AddressScope::Private),
    (0xc612_0000, 15, AddressScope::Benchmarking),
    (0xc633_6400, 24, AddressScope::Documentation),
    (0xcb00_7100, 24, AddressScope::Documentation),
    (0xe000_0000, 4, AddressScope::Multicast),
    (0xf000_0000, 4, AddressScope::Reserved),
];

/// IPv6 special-purpose blocks other than ::/96 and ::ffff:0:0/96 (first match wins: the /48
/// benchmarking block sits inside the /23 of IETF protocol assignments).
const V6_BLOCKS: [(u128, u8, AddressScope); 10] = [
    (0x2001_0002_0000 << 80, 48, AddressScope::Benchmarking),
    (0x2001_0db8 << 96, 32, AddressScope::Documentation),
    (0x3fff << 112, 20, AddressScope::Documentation),
    (0x2002 << 112, 16, AddressScope::SixToFour),
    (0x2001 << 112, 23, AddressScope::Reserved),
    (0xfc00 << 112, 7, AddressScope::Private),
    (0xfe80 << 112, 10, AddressScope::LinkLocal),
    (0xfec0 << 112, 10, AddressScope::Private),
    (0xff00 << 112, 8, AddressScope::Multicast),
    (0x0100 << 112, 64, AddressScope::Reserved),
];

const GLOBAL_UNICAST: u128 = 0x2000 << 112;

fn in_prefix_v4(addr: u32, prefix: u32, len: u8) -> bool {
    let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
    addr & mask == prefix
}

fn in_prefix_v6(addr: u128, prefix: u128, len: u8) -> bool {
    let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
    addr & mask == prefix
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v4(s: &str) -> AddressScope {
        AddressScope::of(IpAddr::V4(s.parse().unwrap()))
    }

    fn v6(s: &str) -> AddressScope {
        AddressScope::of(IpAddr::V6(s.parse().unwrap()))
    }

    #[test]
    fn ipv4_fixtures() {
        use AddressScope::*;
        let cases = [
            ("8.8.8.8", Public),
            ("130.104.230.45", Public),
            ("9.255.255.255", Public),
            ("11.0.0.0", Public),
            ("10.0.0.1", Private),
            ("10.255.255.255", Private),
            ("172.16.0.1", Private),
            ("172.31.255.255", Private),
            ("172.32.0.0", Public),
            ("172.15.255.255", Public),
            ("192.168.136.225", Private),
            ("100.64.0.1", Shared),
            ("100.127.255.255", Shared),
            ("100.128.0.0", Public),
            ("127.0.0.1", Loopback),
            ("127.255.255.254", Loopback),
            ("169.254.10.1", LinkLocal),
            ("192.0.2.1", Documentation),
            ("198.51.100.7", Documentation),
            ("203.0.113.255", Documentation),
            ("203.0.114.0", Public),
            ("198.18.0.1", Benchmarking),
            ("198.19.255.255", Benchmarking),
            ("198.20.0.0", Public),
            ("224.0.0.251", Multicast),
            ("239.255.255.255", Multicast),
            ("0.0.0.0", Unspecified),
            ("255.255.255.255", Broadcast),
            ("240.0.0.1", Reserved),
            ("255.255.255.254", Reserved),
            ("0.1.2.3", Reserved),
            ("192.0.0.9", Reserved),
        ];
        for (addr, scope) in cases {
            assert_eq!(v4(addr), scope, "{addr}");
        }
    }

    #[test]
    fn ipv6_fixtures() {
        use AddressScope::*;
        let cases = [
            ("2a00:1450:4007:80e::200e", Public),
            ("2001:4860::1", Public),
            ("3ffe::1", Public),
            ("fd12:3456:789a::1", Private),
            ("fc00::1", Private),
            ("fec0::1", Private),
            ("::1", Loopback),
            ("fe80::1", LinkLocal),
            ("febf:ffff::1", LinkLocal),
            ("2001:db8::1", Documentation),
            ("2001:db8:ffff::1", Documentation),
            ("3fff:0fff::1", Documentation),
            ("3fff:1000::1", Public),
            ("2001:2::1", Benchmarking),
            ("2001:2:0:ffff::1", Benchmarking),
            ("2001:3::1", Reserved),
            ("2001::1", Reserved),
            ("2001:200::1", Public),
            ("2002:c000:0204::1", SixToFour),
            ("::10.1.2.3", Ipv4Compatible),
            ("::ffff:10.1.2.3", Ipv4Mapped),
            ("::ffff:8.8.8.8", Ipv4Mapped),
            ("ff02::1", Multicast),
            ("::", Unspecified),
            ("100::1", Reserved),
            ("100:0:0:1::1", Reserved),
            ("4000::1", Reserved),
            ("64:ff9b::8.8.8.8", Reserved),
        ];
        for (addr, scope) in cases {
            assert_eq!(v6(addr), scope, "{addr}");
        }
    }

    #[test]
    fn names_are_distinct_and_displayed() {
        for (i, a) in AddressScope::ALL.iter().enumerate() {
            for b in &AddressScope::ALL[i + 1..] {
                assert_ne!(a.name(), b.name());
            }
            assert_eq!(std::format!("{a}"), a.name());
        }
    }

    #[test]
    fn leaks() {
        let not_leaks: std::vec::Vec<_> =
            AddressScope::ALL.iter().filter(|s| !s.is_leak()).collect();
        assert_eq!(not_leaks, [&AddressScope::Public, &AddressScope::SixToFour]);
        // The 2015 study's examples: a private and a link-local IPv4 address, an IPv6
        // documentation address.
        assert!(v4("192.168.1.3").is_leak());
        assert!(v4("169.254.3.3").is_leak());
        assert!(v6("2001:db8::3").is_leak());
    }

    #[test]
    fn agrees_with_core_net_where_it_has_a_stable_answer() {
        fn prop(addr: IpAddr) -> bool {
            let scope = AddressScope::of(addr);
            match addr {
                IpAddr::V4(a) => {
                    (a.is_private() == (scope == AddressScope::Private))
                        && (a.is_loopback() == (scope == AddressScope::Loopback))
                        && (a.is_link_local() == (scope == AddressScope::LinkLocal))
                        && (a.is_multicast() == (scope == AddressScope::Multicast))
                        && (a.is_documentation() == (scope == AddressScope::Documentation))
                }
                IpAddr::V6(a) => {
                    (a.is_multicast() == (scope == AddressScope::Multicast))
                        && (a.is_unspecified() == (scope == AddressScope::Unspecified))
                        && (a.is_loopback() == (scope == AddressScope::Loopback))
                }
            }
        }
        quickcheck::quickcheck(prop as fn(IpAddr) -> bool);
    }
}
