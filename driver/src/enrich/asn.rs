//! Address → autonomous system, from local files: a RouteViews prefix-to-AS table in pyasn's
//! `ipasn` format (`PREFIX<TAB>ASN` per line, `;` comments), or an IP-range CSV with AS number and
//! organisation (`START,END,ASN,ORGANISATION`, the `@ip-location-db/asn` format; addresses
//! written out or as numbers, ranges inclusive).
//!
//! Both become one table over 128-bit addresses (IPv4 as `::ffff:a.b.c.d`): prefixes answer by
//! longest match, ranges by binary search. A range table answers first when both hold an address
//! (it carries the organisation name).

use std::collections::HashMap;
use std::net::IpAddr;
use std::path::Path;

use anyhow::{bail, Context};

/// What an address maps to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsInfo {
    /// The AS number.
    pub asn: u32,
    /// The organisation, when the file names one.
    pub name: Option<String>,
}

/// Prefix and range tables loaded from any number of files.
#[derive(Debug, Default)]
pub struct AsTable {
    /// Per prefix length (0..=128 over mapped addresses): masked address → AS number.
    prefixes: Vec<HashMap<u128, u32>>,
    /// Disjoint inclusive ranges, sorted by start: (start, end, index into `info`).
    ranges: Vec<(u128, u128, usize)>,
    info: Vec<AsInfo>,
    /// Entries loaded, for messages.
    pub entries: usize,
}

/// An address as a 128-bit number, IPv4 mapped into `::ffff:0:0/96`.
pub fn number(addr: IpAddr) -> u128 {
    match addr {
        IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn mask(len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        u128::MAX << (128 - u32::from(len))
    }
}

impl AsTable {
    /// Loads a file, telling the two formats apart by the first data line (a `/` means prefixes).
    pub fn load(&mut self, path: &Path) -> anyhow::Result<()> {
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let first = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with(';') && !l.starts_with('#'));
        let Some(first) = first else {
            bail!("{}: no entries", path.display());
        };
        let result = if first
            .split(['\t', ' '])
            .next()
            .is_some_and(|p| p.contains('/'))
        {
            self.load_ipasn(&text)
        } else {
            self.load_ranges(&text)
        };
        result.with_context(|| format!("{}", path.display()))
    }

    /// pyasn `ipasn`: `PREFIX<TAB>ASN`.
    fn load_ipasn(&mut self, text: &str) -> anyhow::Result<()> {
        if self.prefixes.is_empty() {
            self.prefixes = vec![HashMap::new(); 129];
        }
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with(';') || line.starts_with('#') {
                continue;
            }
            let mut fields = line.split_whitespace();
            let (Some(prefix), Some(asn), None) = (fields.next(), fields.next(), fields.next())
            else {
                bail!("line {}: expected PREFIX<TAB>ASN, found {line:?}", n + 1);
            };
            let net: ipnet::IpNet = prefix
                .parse()
                .with_context(|| format!("line {}: {prefix:?} is not a prefix", n + 1))?;
            let asn: u32 = asn
                .parse()
                .with_context(|| format!("line {}: {asn:?} is not an AS number", n + 1))?;
            let len = match net {
                ipnet::IpNet::V4(v4) => v4.prefix_len() + 96,
                ipnet::IpNet::V6(v6) => v6.prefix_len(),
            };
            let start = number(net.network()) & mask(len);
            self.prefixes[usize::from(len)].insert(start, asn);
            self.entries += 1;
        }
        Ok(())
    }

    /// `START,END,ASN,ORGANISATION` (CSV quoting; addresses or numbers).
    fn load_ranges(&mut self, text: &str) -> anyhow::Result<()> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes());
        for (n, row) in reader.records().enumerate() {
            let row = row.with_context(|| format!("row {}", n + 1))?;
            if row.len() < 3 {
                bail!(
                    "row {}: expected START,END,ASN[,ORGANISATION], found {} fields",
                    n + 1,
                    row.len()
                );
            }
            let bound = |field: &str, v4_number: bool| -> anyhow::Result<u128> {
                if let Ok(addr) = field.parse::<IpAddr>() {
                    return Ok(number(addr));
                }
                let value: u128 = field
                    .parse()
                    .with_context(|| format!("row {}: {field:?} is no address", n + 1))?;
                // Numeric IPv4 files (`-ipv4-num.csv`) hold 32-bit values.
                Ok(if v4_number {
                    number(IpAddr::V4((value as u32).into()))
                } else {
                    value
                })
            };
            let (a, b) = (&row[0], &row[1]);
            let v4_number = a.parse::<u128>().is_ok_and(|v| v <= u128::from(u32::MAX))
                && b.parse::<u128>().is_ok_and(|v| v <= u128::from(u32::MAX));
            let (start, end) = (bound(a, v4_number)?, bound(b, v4_number)?);
            if end < start {
                bail!("row {}: the range ends before it starts", n + 1);
            }
            let asn: u32 = row[2]
                .trim()
                .parse()
                .with_context(|| format!("row {}: {:?} is not an AS number", n + 1, &row[2]))?;
            let name = row.get(3).map(str::trim).filter(|s| !s.is_empty());
            self.info.push(AsInfo {
                asn,
                name: name.map(String::from),
            });
            self.ranges.push((start, end, self.info.len() - 1));
            self.entries += 1;
        }
        self.ranges.sort_unstable_by_key(|r| r.0);
        Ok(())
    }

    /// The AS of `addr`, if any file covers it.
    pub fn lookup(&self, addr: IpAddr) -> Option<AsInfo> {
        let x = number(addr);
        let at = self.ranges.partition_point(|r| r.0 <= x);
        if let Some(&(_, end, i)) = at.checked_sub(1).and_then(|i| self.ranges.get(i)) {
            if x <= end {
                return self.info.get(i).cloned();
            }
        }
        (0..self.prefixes.len()).rev().find_map(|len| {
            let asn = *self.prefixes[len].get(&(x & mask(len as u8)))?;
            Some(AsInfo { asn, name: None })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(name: &str, text: &str) -> AsTable {
        let path =
            std::env::temp_dir().join(format!("mptcpscan-asn-{}-{name}", std::process::id()));
        std::fs::write(&path, text).unwrap();
        let mut t = AsTable::default();
        t.load(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        t
    }

    #[test]
    fn prefixes_answer_by_longest_match() {
        let t = table(
            "ipasn",
            "; IP-ASN32-DAT file\n198.18.0.0/15\t64496\n198.18.1.0/24\t64497\n2001:db8::/32\t64498\n",
        );
        let asn = |a: &str| t.lookup(a.parse().unwrap()).map(|i| i.asn);
        assert_eq!(asn("198.18.1.7"), Some(64497));
        assert_eq!(asn("198.19.255.255"), Some(64496));
        assert_eq!(asn("198.20.0.0"), None);
        assert_eq!(asn("2001:db8:1::5"), Some(64498));
        assert_eq!(asn("::ffff:198.18.1.7"), Some(64497));
    }

    #[test]
    fn ranges_carry_the_organisation_in_either_notation() {
        let t = table(
            "csv",
            "198.18.0.0,198.18.0.255,64496,\"Lab, the first\"\n\
             3323068672,3323068927,64497,Numeric\n\
             2001:db8::,2001:db8::ffff,64498,Six\n",
        );
        let at = |a: &str| t.lookup(a.parse().unwrap());
        assert_eq!(
            at("198.18.0.9"),
            Some(AsInfo {
                asn: 64496,
                name: Some("Lab, the first".into())
            })
        );
        // 3323068672 is 198.18.1.0.
        assert_eq!(at("198.18.1.255").map(|i| i.asn), Some(64497));
        assert_eq!(at("198.18.2.0"), None);
        assert_eq!(at("2001:db8::10").map(|i| i.asn), Some(64498));
    }

    #[test]
    fn bad_lines_are_named() {
        let path = std::env::temp_dir().join(format!("mptcpscan-asn-bad-{}", std::process::id()));
        std::fs::write(&path, "198.18.0.0/15\t64496\n198.18.1.0/24\tAS1\n").unwrap();
        let error = AsTable::default().load(&path).unwrap_err();
        assert!(format!("{error:#}").contains("line 2"), "{error:#}");
        std::fs::remove_file(&path).unwrap();
    }
}
