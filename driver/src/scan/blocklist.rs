//! What the scanner never probes: reserved and special-purpose ranges by default (as ZMap's
//! default blocklist does), plus the user's own list. The lab's benchmarking and documentation
//! prefixes are reserved too, and are opened only by an explicit flag.

use std::path::Path;

use anyhow::Context;
use ipnet::IpNet;

use super::addrset::AddrSet;
use super::targets::parse_target_lines;

/// The prefixes the lab uses (RFC 2544 benchmarking, RFC 3849 documentation): blocked like every
/// reserved range unless the scan explicitly allows the lab.
pub const LAB_PREFIXES: [&str; 2] = ["198.18.0.0/15", "2001:db8::/32"];

/// IANA special-purpose ranges (RFC 6890 and successors) other than [`LAB_PREFIXES`]: private,
/// shared, loopback, link-local, documentation, multicast, reserved, translation and tunnel
/// ranges. Nobody should receive an unsolicited SYN there.
pub const RESERVED: [&str; 30] = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.0.0.0/24",
    "192.0.2.0/24",
    "192.31.196.0/24",
    "192.52.193.0/24",
    "192.88.99.0/24",
    "192.168.0.0/16",
    "192.175.48.0/24",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/127",
    "::ffff:0:0/96",
    "64:ff9b::/96",
    "64:ff9b:1::/48",
    "100::/64",
    "2001::/23",
    "2002::/16",
    "3fff::/20",
    "5f00::/16",
    "fc00::/7",
    "fe80::/10",
    "fec0::/10",
    "ff00::/8",
];

/// Builds the blocklist: the reserved ranges, the lab prefixes unless `allow_lab`, and every
/// prefix listed in `files` (one address or CIDR a line, `#` comments).
pub fn build(allow_lab: bool, files: &[impl AsRef<Path>]) -> anyhow::Result<AddrSet> {
    let mut nets: Vec<IpNet> = RESERVED
        .iter()
        .map(|n| n.parse().expect("reserved ranges are valid CIDRs"))
        .collect();
    if !allow_lab {
        nets.extend(
            LAB_PREFIXES
                .iter()
                .map(|n| n.parse::<IpNet>().expect("lab prefixes are valid CIDRs")),
        );
    }
    for file in files {
        let file = file.as_ref();
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading blocklist {}", file.display()))?;
        nets.extend(
            parse_target_lines(&text)
                .with_context(|| format!("in blocklist {}", file.display()))?,
        );
    }
    Ok(AddrSet::from_nets(nets))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reserved_and_lab_ranges_are_blocked_by_default() {
        let b = build(false, &[] as &[&str]).unwrap();
        for blocked in [
            "10.1.2.3",
            "192.168.0.1",
            "172.31.255.255",
            "127.0.0.1",
            "198.18.0.1",
            "198.19.255.255",
            "224.0.0.1",
            "255.255.255.255",
            "2001:db8::1",
            "fe80::1",
            "fd00::1",
            "::1",
            "::ffff:1.2.3.4",
        ] {
            assert!(
                b.contains(blocked.parse().unwrap()),
                "{blocked} not blocked"
            );
        }
        for open in ["1.1.1.1", "198.20.0.1", "2a00::1", "2001:4860::1"] {
            assert!(!b.contains(open.parse().unwrap()), "{open} blocked");
        }
    }

    #[test]
    fn allow_lab_opens_only_the_lab_prefixes() {
        let b = build(true, &[] as &[&str]).unwrap();
        assert!(!b.contains("198.18.0.1".parse().unwrap()));
        assert!(!b.contains("2001:db8::1".parse().unwrap()));
        assert!(b.contains("10.0.0.1".parse().unwrap()));
        assert!(b.contains("192.0.2.1".parse().unwrap()));
    }

    #[test]
    fn blocklist_file_adds_prefixes_and_rejects_garbage() {
        let dir = std::env::temp_dir().join(format!("mptcpscan-bl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good");
        std::fs::write(&good, "# ours\n198.18.7.0/24\n\n2001:db8:1::5 # one host\n").unwrap();
        let b = build(true, &[&good]).unwrap();
        assert!(b.contains("198.18.7.9".parse().unwrap()));
        assert!(b.contains("2001:db8:1::5".parse().unwrap()));
        assert!(!b.contains("198.18.8.1".parse().unwrap()));
        let bad = dir.join("bad");
        std::fs::write(&bad, "198.18.7.0/33\n").unwrap();
        let err = build(true, &[&bad]).unwrap_err();
        assert!(format!("{err:#}").contains("line 1"), "{err:#}");
        assert!(build(true, &[dir.join("missing")]).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
