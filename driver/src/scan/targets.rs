//! The target space: addresses (from CIDRs, single addresses or files) minus the blocklist, times
//! the ports, numbered 0..len so that a permutation can visit it in random order without ever
//! materialising it.

use std::net::IpAddr;
use std::path::Path;

use anyhow::{bail, Context};
use ipnet::IpNet;
use nom::character::complete::{char, digit1, multispace0};
use nom::combinator::{all_consuming, map_res, opt, verify};
use nom::sequence::{delimited, preceded};
use nom::{IResult, Parser};

use super::addrset::{AddrSet, Interval};

/// Why a target or blocklist entry does not parse. The entry's text is not part of the message:
/// a file given by mistake (a password file, say) must not be echoed into an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetError {
    /// Neither an IPv4 nor an IPv6 address.
    NotAnAddress,
    /// The part after `/` is not a number.
    NotALength,
    /// The prefix length is longer than the address.
    TooLong {
        /// The length given.
        len: u32,
        /// The family's maximum: 32 or 128.
        max: u8,
    },
}

impl std::fmt::Display for TargetError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TargetError::NotAnAddress => f.write_str("not an IP address or CIDR prefix"),
            TargetError::NotALength => f.write_str("the prefix length after `/` is not a number"),
            TargetError::TooLong { len, max } => write!(
                f,
                "prefix length {len} is longer than the address (at most {max} for IPv{})",
                if *max == 32 { 4 } else { 6 }
            ),
        }
    }
}

impl std::error::Error for TargetError {}

/// Parses one target: a CIDR prefix or a single address. `198.18.0.1/24` means the /24, as ZMap
/// reads it.
pub fn parse_target(text: &str) -> Result<IpNet, TargetError> {
    let text = text.trim();
    let (addr, len) = match text.split_once('/') {
        Some((addr, len)) => (addr, Some(len)),
        None => (text, None),
    };
    let addr: IpAddr = addr.parse().map_err(|_| TargetError::NotAnAddress)?;
    let max = if addr.is_ipv4() { 32 } else { 128 };
    let len = match len {
        None => max,
        Some(len) => {
            let len: u32 = len.parse().map_err(|_| TargetError::NotALength)?;
            u8::try_from(len)
                .ok()
                .filter(|&l| l <= max)
                .ok_or(TargetError::TooLong { len, max })?
        }
    };
    let net = IpNet::new(addr, len).map_err(|_| TargetError::TooLong {
        len: len.into(),
        max,
    })?;
    Ok(net.trunc())
}

/// Parses a target given on the command line; the message quotes it (the user typed it).
pub fn parse_target_arg(text: &str) -> anyhow::Result<IpNet> {
    parse_target(text).with_context(|| format!("target `{}`", text.trim()))
}

/// Parses a target or blocklist file: one address or CIDR a line, `#` starts a comment. Errors
/// name the line, never its content.
pub fn parse_target_lines(text: &str) -> anyhow::Result<Vec<IpNet>> {
    let mut nets = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if !line.is_empty() {
            nets.push(
                parse_target(line)
                    .with_context(|| format!("line {} is not a target list entry", number + 1))?,
            );
        }
    }
    Ok(nets)
}

/// One port or `LOW-HIGH` (ports 1-65535, spaces allowed around each number): the grammar of
/// each entry of a port list (`-p`) and of the source-port window (`-s`). `LOW` may exceed
/// `HIGH`; the callers say what is wrong with that.
pub fn port_range(text: &str) -> Option<(u16, u16)> {
    let port = || {
        verify(
            map_res(
                delimited(multispace0, digit1, multispace0),
                str::parse::<u16>,
            ),
            |&port| port != 0,
        )
    };
    let parsed: IResult<&str, _, ()> =
        all_consuming((port(), opt(preceded(char('-'), port())))).parse(text);
    parsed
        .ok()
        .map(|(_, (low, high))| (low, high.unwrap_or(low)))
}

/// Parses a port list such as `80,443,8000-8010`; duplicates are dropped, order is kept.
pub fn parse_ports(text: &str) -> anyhow::Result<Vec<u16>> {
    let mut ports = Vec::new();
    // One flag per port: `1-65535` must not compare each port with all before it.
    let mut seen = vec![false; usize::from(u16::MAX) + 1];
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let Some((low, high)) = port_range(part) else {
            bail!("`{part}` is not a port or range of ports 1-65535");
        };
        if low > high {
            bail!("port range `{part}` is backwards");
        }
        for port in low..=high {
            if !std::mem::replace(&mut seen[usize::from(port)], true) {
                ports.push(port);
            }
        }
    }
    if ports.is_empty() {
        bail!("no port given");
    }
    Ok(ports)
}

/// Collects the addresses to scan from command-line targets and target files.
pub fn collect(targets: &[String], files: &[impl AsRef<Path>]) -> anyhow::Result<AddrSet> {
    let mut nets = Vec::new();
    for target in targets {
        nets.push(parse_target_arg(target)?);
    }
    for file in files {
        let file = file.as_ref();
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading targets {}", file.display()))?;
        nets.extend(parse_target_lines(&text).with_context(|| format!("in {}", file.display()))?);
    }
    Ok(AddrSet::from_nets(nets))
}

/// Every (address, port) pair to probe, numbered `0..len()`: the address index is `n / ports`, the
/// port `ports[n % ports]`, so both ports of one host are far apart once permuted.
#[derive(Debug, Clone)]
pub struct TargetSpace {
    intervals: Vec<Interval>,
    /// `starts[k]` is the host index of the first address of `intervals[k]`.
    starts: Vec<u64>,
    hosts: u64,
    ports: Vec<u16>,
}

impl TargetSpace {
    /// The space of `addresses` × `ports`. Fails when it holds no target or more than 2^64 - 1
    /// (IPv6 is scanned from lists and small prefixes, never a whole /64).
    pub fn new(addresses: &AddrSet, ports: Vec<u16>) -> anyhow::Result<Self> {
        let mut starts = Vec::with_capacity(addresses.intervals().len());
        let mut hosts: u64 = 0;
        for interval in addresses.intervals() {
            starts.push(hosts);
            hosts = u64::try_from(interval.span())
                .ok()
                .and_then(|span| hosts.checked_add(span))
                .and_then(|h| h.checked_add(1))
                .context("too many target addresses (at most 2^64 - 1): scan smaller prefixes")?;
        }
        if hosts == 0 {
            bail!("no target left to scan (every target is blocklisted, or none was given)");
        }
        if ports.is_empty() {
            bail!("no port given");
        }
        hosts
            .checked_mul(ports.len() as u64)
            .context("too many targets × ports (at most 2^64 - 1)")?;
        Ok(TargetSpace {
            intervals: addresses.intervals().to_vec(),
            starts,
            hosts,
            ports,
        })
    }

    /// How many (address, port) pairs the space holds.
    pub(crate) fn len(&self) -> u64 {
        self.hosts * self.ports.len() as u64
    }

    /// How many IPv4 and IPv6 addresses the space holds.
    pub fn hosts_per_family(&self) -> (u64, u64) {
        use super::addrset::Family;
        let mut counts = (0, 0);
        for (k, interval) in self.intervals.iter().enumerate() {
            let end = self.starts.get(k + 1).copied().unwrap_or(self.hosts);
            match interval.family {
                Family::V4 => counts.0 += end - self.starts[k],
                Family::V6 => counts.1 += end - self.starts[k],
            }
        }
        counts
    }

    /// The ports, in the order given.
    pub fn ports(&self) -> &[u16] {
        &self.ports
    }

    /// Whether the space holds IPv4 and IPv6 addresses respectively.
    pub fn families(&self) -> (bool, bool) {
        use super::addrset::Family;
        (
            self.intervals.iter().any(|i| i.family == Family::V4),
            self.intervals.iter().any(|i| i.family == Family::V6),
        )
    }

    /// The first IPv4 and the first IPv6 address of the space, if any: where the scanner asks
    /// the kernel for the route (one per family, as ZMap's single gateway).
    pub fn first_per_family(&self) -> (Option<IpAddr>, Option<IpAddr>) {
        use super::addrset::Family;
        let first = |family| {
            self.intervals
                .iter()
                .find(|i| i.family == family)
                .map(|i| i.addr_at(0))
        };
        (first(Family::V4), first(Family::V6))
    }

    /// The target numbered `n`; `n` must be below `len()`.
    pub fn get(&self, n: u64) -> (IpAddr, u16) {
        let nports = self.ports.len() as u64;
        let host = n / nports;
        let port = self.ports[(n % nports) as usize];
        let k = self.starts.partition_point(|&s| s <= host) - 1;
        (
            self.intervals[k].addr_at(u128::from(host - self.starts[k])),
            port,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_parse_as_prefixes_or_addresses() {
        assert_eq!(
            parse_target("198.18.0.7/24").unwrap(),
            "198.18.0.0/24".parse::<IpNet>().unwrap()
        );
        assert_eq!(
            parse_target(" 2001:db8::1 ").unwrap(),
            "2001:db8::1/128".parse::<IpNet>().unwrap()
        );
        assert!(parse_target("198.18.0.0/40").is_err());
        assert!(parse_target("example.org").is_err());
        let lines = parse_target_lines("# c\n198.18.0.0/31\n\n 2001:db8::/127 # x\n").unwrap();
        assert_eq!(lines.len(), 2);
        let err = parse_target_lines("198.18.0.0/24\nnope\n").unwrap_err();
        assert!(format!("{err:#}").contains("line 2"));
    }

    #[test]
    fn a_too_long_prefix_says_so() {
        // Issue 15: `10.0.0.0/33` used to say "invalid IP address syntax".
        assert_eq!(
            parse_target("10.0.0.0/33"),
            Err(TargetError::TooLong { len: 33, max: 32 })
        );
        let message = format!("{:#}", parse_target_arg("10.0.0.0/33").unwrap_err());
        assert!(message.contains("prefix length 33"), "{message}");
        assert!(message.contains("at most 32"), "{message}");
        assert_eq!(
            parse_target("2001:db8::/129"),
            Err(TargetError::TooLong { len: 129, max: 128 })
        );
        assert_eq!(
            parse_target("10.0.0.0/999999999999"),
            Err(TargetError::NotALength)
        );
        assert_eq!(parse_target("10.0.0.0/x"), Err(TargetError::NotALength));
        assert_eq!(parse_target("10.0.0.300"), Err(TargetError::NotAnAddress));
        assert_eq!(
            parse_target("10.0.0.0/32").unwrap(),
            "10.0.0.0/32".parse::<IpNet>().unwrap()
        );
    }

    #[test]
    fn a_file_that_is_no_target_list_is_not_echoed() {
        // Issue 15: `-I /etc/shadow` by mistake used to print the file's first line.
        let secret = "root:$y$j9T$hunter2:19000:0:99999:7:::";
        let message = format!("{:#}", parse_target_lines(secret).unwrap_err());
        assert!(!message.contains("hunter2"), "{message}");
        assert!(!message.contains("root"), "{message}");
        assert!(message.contains("line 1"), "{message}");
    }

    #[test]
    fn ports_parse_lists_and_ranges() {
        assert_eq!(
            parse_ports("80, 443,80,8000-8002").unwrap(),
            vec![80, 443, 8000, 8001, 8002]
        );
        for bad in [
            "", "0", "65536", "80-79", "http", "1-x", "80-", "-80", "1-2-3", "+80",
        ] {
            assert!(parse_ports(bad).is_err(), "{bad}");
        }
        assert_eq!(parse_ports("1-65535").unwrap().len(), 65535);
        assert_eq!(port_range(" 8000 - 8010 "), Some((8000, 8010)));
        assert_eq!(port_range("80-79"), Some((80, 79)));
    }

    #[test]
    fn space_numbers_every_pair_once() {
        let set = AddrSet::from_nets(
            ["198.18.0.0/31", "198.18.0.8/32", "2001:db8::/127"]
                .iter()
                .map(|n| n.parse().unwrap()),
        );
        let space = TargetSpace::new(&set, vec![80, 443]).unwrap();
        assert_eq!(space.hosts_per_family(), (3, 2));
        assert_eq!(space.len(), 10);
        let all: Vec<String> = (0..space.len())
            .map(|n| {
                let (a, p) = space.get(n);
                format!("{a}:{p}")
            })
            .collect();
        assert_eq!(
            all,
            [
                "198.18.0.0:80",
                "198.18.0.0:443",
                "198.18.0.1:80",
                "198.18.0.1:443",
                "198.18.0.8:80",
                "198.18.0.8:443",
                "2001:db8:::80",
                "2001:db8:::443",
                "2001:db8::1:80",
                "2001:db8::1:443",
            ]
        );
        assert_eq!(space.families(), (true, true));
    }

    #[test]
    fn space_refuses_empty_and_huge() {
        assert!(TargetSpace::new(&AddrSet::default(), vec![80]).is_err());
        let huge = AddrSet::from_nets(["2001:db8::/63".parse().unwrap()]);
        assert!(TargetSpace::new(&huge, vec![80]).is_err());
        let big = AddrSet::from_nets(["2001:db8::/65".parse().unwrap()]);
        assert_eq!(TargetSpace::new(&big, vec![80]).unwrap().len(), 1 << 63);
        assert!(TargetSpace::new(&big, vec![80, 443]).is_err());
    }
}
