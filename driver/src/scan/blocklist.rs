//! What the scanner never probes: the built-in reserved ranges always, plus a blocklist file:
//! the default one (`driver/blocklist.conf`, the IANA special-purpose registries, as ZMap loads
//! its `blocklist.conf`) unless `-b` names others. The lab's benchmarking and documentation
//! prefixes are reserved too, and are opened only by an explicit flag.

use std::path::{Path, PathBuf};

use anyhow::Context;
use ipnet::IpNet;

use super::addrset::AddrSet;
use super::targets::parse_target_lines;

/// The default blocklist as shipped, used when no installed copy is found.
pub const SHIPPED: &str = include_str!("../../blocklist.conf");

/// Where the default blocklist is installed, relative to the binary's own folder (`make install
/// PREFIX=P` puts the binary in `P/bin` and the file in `P/etc/mptcpscan`), then system-wide.
const INSTALLED: [&str; 2] = [
    "../etc/mptcpscan/blocklist.conf",
    "/etc/mptcpscan/blocklist.conf",
];

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

/// The addresses never to probe, and the files they came from.
#[derive(Debug, Clone)]
pub struct Blocklist {
    /// Every blocked address.
    pub set: AddrSet,
    /// The blocklist files read (the default one as its path, or `built-in` for the copy in
    /// the binary).
    pub files: Vec<String>,
}

/// The installed default blocklist file, if there is one.
pub fn installed_default() -> Option<PathBuf> {
    let exe_dir = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(Path::to_path_buf));
    INSTALLED.iter().find_map(|candidate| {
        let path = match &exe_dir {
            Some(dir) if !candidate.starts_with('/') => dir.join(candidate),
            _ => PathBuf::from(candidate),
        };
        // Canonical, so the metadata names the file rather than `bin/../etc/...`.
        path.is_file().then(|| path.canonicalize().unwrap_or(path))
    })
}

/// Builds the blocklist: the reserved ranges, the lab prefixes unless `allow_lab`, and every
/// prefix of `files` (one address or CIDR a line, `#` comments), or of the default blocklist
/// when `files` is empty. `allow_lab` opens the lab prefixes of the built-in ranges and of the
/// default file, not of files the user names.
pub fn build(allow_lab: bool, files: &[impl AsRef<Path>]) -> anyhow::Result<Blocklist> {
    let lab = AddrSet::from_nets(
        LAB_PREFIXES
            .iter()
            .map(|n| n.parse::<IpNet>().expect("lab prefixes are valid CIDRs")),
    );
    let mut nets: Vec<IpNet> = RESERVED
        .iter()
        .map(|n| n.parse().expect("reserved ranges are valid CIDRs"))
        .collect();
    let mut names = Vec::new();
    let mut from_files = Vec::new();
    if files.is_empty() {
        let (name, text) = match installed_default() {
            Some(path) => {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("reading blocklist {}", path.display()))?;
                (path.display().to_string(), text)
            }
            None => ("built-in".to_string(), SHIPPED.to_string()),
        };
        let default = AddrSet::from_nets(
            parse_target_lines(&text).with_context(|| format!("in blocklist {name}"))?,
        );
        let default = if allow_lab {
            default.subtract(&lab)
        } else {
            default
        };
        names.push(name);
        from_files.extend(default.intervals().iter().copied());
    }
    for file in files {
        let file = file.as_ref();
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("reading blocklist {}", file.display()))?;
        nets.extend(
            parse_target_lines(&text)
                .with_context(|| format!("in blocklist {}", file.display()))?,
        );
        names.push(file.display().to_string());
    }
    let mut intervals: Vec<_> = AddrSet::from_nets(nets).intervals().to_vec();
    intervals.extend(from_files);
    if !allow_lab {
        intervals.extend(lab.intervals().iter().copied());
    }
    Ok(Blocklist {
        set: AddrSet::from_intervals(intervals),
        files: names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NONE: &[&str] = &[];

    fn blocked(b: &Blocklist, addr: &str) -> bool {
        b.set.contains(addr.parse().unwrap())
    }

    #[test]
    fn reserved_and_lab_ranges_are_blocked_by_default() {
        let b = build(false, NONE).unwrap();
        for addr in [
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
            assert!(blocked(&b, addr), "{addr} not blocked");
        }
        for open in ["1.1.1.1", "198.20.0.1", "2a00::1", "2001:4860::1"] {
            assert!(!blocked(&b, open), "{open} blocked");
        }
    }

    #[test]
    fn the_shipped_file_parses_and_covers_the_registries() {
        let nets = parse_target_lines(SHIPPED).unwrap();
        assert!(nets.len() >= 45, "{}", nets.len());
        let shipped = AddrSet::from_nets(nets);
        // Every built-in range is in the registries too, except the deprecated IPv6 blocks
        // the file lists from the address space registry: all of them are in the file.
        for reserved in RESERVED.iter().chain(&LAB_PREFIXES) {
            let net: IpNet = reserved.parse().unwrap();
            assert!(
                AddrSet::from_nets([net]).subtract(&shipped).is_empty(),
                "{reserved} missing from blocklist.conf"
            );
        }
        // Registry entries beyond the built-in ranges.
        for addr in ["2001:3::1", "2620:4f:8000::1", "2001:20::1"] {
            assert!(shipped.contains(addr.parse().unwrap()), "{addr}");
        }
    }

    #[test]
    fn the_default_file_is_loaded_and_b_replaces_it() {
        let b = build(false, NONE).unwrap();
        assert_eq!(b.files.len(), 1);
        // AS112's 2620:4f:8000::/48 is in the file, not built in.
        assert!(blocked(&b, "2620:4f:8000::1"));

        let dir = std::env::temp_dir().join(format!("mptcpscan-bl-r-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mine = dir.join("mine");
        std::fs::write(&mine, "1.2.3.0/24\n").unwrap();
        let b = build(false, &[&mine]).unwrap();
        assert_eq!(b.files, vec![mine.display().to_string()]);
        assert!(blocked(&b, "1.2.3.4"));
        assert!(
            !blocked(&b, "2620:4f:8000::1"),
            "-b replaces the default file"
        );
        assert!(blocked(&b, "10.0.0.1"), "the built-in ranges stay");
        assert!(blocked(&b, "198.18.0.1"), "the lab stays closed");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn allow_lab_opens_only_the_lab_prefixes() {
        let b = build(true, NONE).unwrap();
        assert!(!blocked(&b, "198.18.0.1"));
        assert!(!blocked(&b, "2001:db8::1"));
        assert!(blocked(&b, "10.0.0.1"));
        assert!(blocked(&b, "192.0.2.1"));
        assert!(blocked(&b, "2620:4f:8000::1"));
    }

    #[test]
    fn blocklist_file_adds_prefixes_and_rejects_garbage() {
        let dir = std::env::temp_dir().join(format!("mptcpscan-bl-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let good = dir.join("good");
        std::fs::write(&good, "# ours\n198.18.7.0/24\n\n2001:db8:1::5 # one host\n").unwrap();
        let b = build(true, &[&good]).unwrap();
        assert!(blocked(&b, "198.18.7.9"));
        assert!(blocked(&b, "2001:db8:1::5"));
        assert!(!blocked(&b, "198.18.8.1"));
        let bad = dir.join("bad");
        std::fs::write(&bad, "198.18.7.0/33\n").unwrap();
        let err = build(true, &[&bad]).unwrap_err();
        assert!(format!("{err:#}").contains("line 1"), "{err:#}");
        assert!(build(true, &[dir.join("missing")]).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
