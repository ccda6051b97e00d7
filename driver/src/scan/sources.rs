//! The scan's own side of every probe: source addresses (`-S`, ZMap's forms: an address, a
//! range `A-B`, a CIDR prefix; several per family) and the source-port window (`-s`).
//!
//! Each target is always probed from the same source address (the target's address picks it),
//! so retries and both probe versions reach a host from one address, as ZMap does.

use std::net::IpAddr;

use anyhow::{bail, Context};

use super::addrset::{key, Family};

/// At most this many source addresses: more would only make a huge list of addresses nobody
/// routes back to one scanner.
const MAX_SOURCES: u128 = 65_536;

/// The source addresses of a scan, per family.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sources {
    v4: Vec<IpAddr>,
    v6: Vec<IpAddr>,
}

impl Sources {
    /// Sources from `-S` values: addresses, `A-B` ranges or CIDR prefixes (a comma also
    /// separates values).
    pub fn parse(values: &[String]) -> anyhow::Result<Self> {
        let mut sources = Sources::default();
        for value in values.iter().flat_map(|v| v.split(',')) {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            let (first, last) = range(value)
                .with_context(|| format!("--source-ip `{value}`: an address, A-B or a prefix"))?;
            let (family, low) = key(first);
            let (_, high) = key(last);
            if high - low >= MAX_SOURCES {
                bail!("--source-ip `{value}`: more than {MAX_SOURCES} addresses");
            }
            for n in low..=high {
                let addr = match family {
                    Family::V4 => IpAddr::V4((n as u32).into()),
                    Family::V6 => IpAddr::V6(n.into()),
                };
                let list = match family {
                    Family::V4 => &mut sources.v4,
                    Family::V6 => &mut sources.v6,
                };
                if !list.contains(&addr) {
                    list.push(addr);
                }
            }
        }
        Ok(sources)
    }

    /// Adds `addr` as the only source of its family if the family has none yet.
    pub fn default_for(&mut self, addr: IpAddr) {
        let list = if addr.is_ipv4() {
            &mut self.v4
        } else {
            &mut self.v6
        };
        if list.is_empty() {
            list.push(addr);
        }
    }

    /// Whether an IPv4 or an IPv6 source is set, respectively.
    pub fn has(&self) -> (bool, bool) {
        (!self.v4.is_empty(), !self.v6.is_empty())
    }

    /// The source that probes `dst`, if its family has one.
    pub fn pick(&self, dst: IpAddr) -> Option<IpAddr> {
        let (list, value) = match dst {
            IpAddr::V4(a) => (&self.v4, u128::from(u32::from(a))),
            IpAddr::V6(a) => (&self.v6, u128::from(a)),
        };
        // Called for every probe: one source (the usual case) needs no 128-bit division.
        match list.len() {
            0 => None,
            1 => Some(list[0]),
            n => Some(list[(value % n as u128) as usize]),
        }
    }

    /// The first source of each family (what a single-source tool such as `trace` uses).
    pub fn first(&self) -> (Option<IpAddr>, Option<IpAddr>) {
        (self.v4.first().copied(), self.v6.first().copied())
    }

    /// Every source address, IPv4 first.
    pub fn all(&self) -> impl Iterator<Item = IpAddr> + '_ {
        self.v4.iter().chain(&self.v6).copied()
    }
}

/// The first and last address of one `-S` value.
fn range(value: &str) -> anyhow::Result<(IpAddr, IpAddr)> {
    if let Some((a, b)) = value.split_once('-') {
        let (a, b): (IpAddr, IpAddr) = (a.trim().parse()?, b.trim().parse()?);
        if a.is_ipv4() != b.is_ipv4() || key(a) > key(b) {
            bail!("the range's ends must be of one family, low end first");
        }
        return Ok((a, b));
    }
    let net = super::targets::parse_target(value)?;
    Ok((net.network(), net.broadcast()))
}

/// How many source ports a scan's own window holds when `-s` is not given.
pub const WINDOW: u16 = 4096;

/// A source-port window of [`WINDOW`] ports drawn at random inside `range`: two scans run a few
/// seconds apart rarely share ports, so hosts still holding a half-open connection of the first
/// one do not swallow probes of the second, and `--firewall` drops RSTs in a narrow window only.
pub fn draw_window(range: (u16, u16), random: u32) -> (u16, u16) {
    let size = u32::from(range.1 - range.0) + 1;
    if size <= u32::from(WINDOW) {
        return range;
    }
    let start = range.0 + (random % (size - u32::from(WINDOW) + 1)) as u16;
    (start, start + WINDOW - 1)
}

/// Parses `-s`: one port or `LOW-HIGH`.
pub fn parse_port_window(text: &str) -> anyhow::Result<(u16, u16)> {
    match super::targets::port_range(text) {
        None => bail!("--source-port `{text}`: ports are 1-65535"),
        Some((low, high)) if low > high => {
            bail!("--source-port `{text}`: LOW-HIGH with LOW <= HIGH")
        }
        Some(window) => Ok(window),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(values: &[&str]) -> anyhow::Result<Sources> {
        Sources::parse(&values.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn addresses_ranges_and_prefixes() {
        let s = parse(&["198.18.0.2-198.18.0.4,2001:db8::2", "198.18.0.8/31"]).unwrap();
        let all: Vec<String> = s.all().map(|a| a.to_string()).collect();
        assert_eq!(
            all,
            [
                "198.18.0.2",
                "198.18.0.3",
                "198.18.0.4",
                "198.18.0.8",
                "198.18.0.9",
                "2001:db8::2"
            ]
        );
        assert_eq!(s.has(), (true, true));
        assert!(parse(&["198.18.0.4-198.18.0.2"]).is_err());
        assert!(parse(&["198.18.0.2-2001:db8::1"]).is_err());
        assert!(parse(&["nope"]).is_err());
        assert!(parse(&["2001:db8::/64"]).is_err());
    }

    #[test]
    fn a_target_always_gets_the_same_source() {
        let s = parse(&["198.18.0.2-198.18.0.5"]).unwrap();
        let dst: IpAddr = "198.18.1.7".parse().unwrap();
        assert_eq!(s.pick(dst), s.pick(dst));
        let used: std::collections::HashSet<_> = (0..16u8)
            .map(|n| s.pick(IpAddr::from([198, 18, 1, n])).unwrap())
            .collect();
        assert_eq!(used.len(), 4, "every source is used");
        assert_eq!(s.pick("2001:db8::1".parse().unwrap()), None);
        let mut s = s;
        s.default_for("2001:db8::2".parse().unwrap());
        s.default_for("198.18.0.9".parse().unwrap());
        assert_eq!(s.first().0, Some("198.18.0.2".parse().unwrap()));
        assert_eq!(s.first().1, Some("2001:db8::2".parse().unwrap()));
    }

    #[test]
    fn windows_stay_inside_the_range() {
        for random in [0, 1, 24_137, u32::MAX] {
            let (low, high) = draw_window((32768, 61000), random);
            assert!(low >= 32768 && high <= 61000 && high - low + 1 == WINDOW);
        }
        assert_ne!(
            draw_window((32768, 61000), 1),
            draw_window((32768, 61000), 9_000)
        );
        assert_eq!(draw_window((40000, 40010), 7), (40000, 40010));
        assert_eq!(parse_port_window("40000").unwrap(), (40000, 40000));
        assert_eq!(parse_port_window("40000-40100").unwrap(), (40000, 40100));
        assert!(parse_port_window("0-10").is_err());
        assert!(parse_port_window("2-1").is_err());
    }
}
