//! Where the servers are: the top ASes and countries of truly-MPTCP hosts, mirrors, strippers'
//! hosts and (other) middlebox-affected hosts of chain results, in the form of Aschenbrenner et
//! al. (2021), Tables II and III (ASN, hosts per port, country, owner) and Fig. 8 (countries).
//!
//! The groups are the chain's classes, as the core decided them: `stripped` is a plain answer
//! whose trace shows a hop removing MP_CAPABLE (the core's `Interference::Stripped`);
//! `middlebox-affected` a candidate whose trace shows it changed.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::IpAddr;

use super::inputs::{Host, StrippingHop};

/// Rows per table, as in the paper.
const TOP: usize = 10;

/// The classes tabulated, with their titles.
const CLASSES: [(&str, &str); 4] = [
    ("mptcp", "truly MPTCP"),
    ("mirror", "mirrors (our MP_CAPABLE echoed)"),
    (
        "stripped",
        "strippers (a hop removed our MP_CAPABLE; the host answered without one)",
    ),
    (
        "middlebox-affected",
        "middlebox-affected (a key of their own, but a hop changed our MP_CAPABLE)",
    ),
];

/// Unique addresses per port and per IP version, and the countries seen.
#[derive(Default)]
struct Tally {
    per_port: BTreeMap<u16, BTreeSet<IpAddr>>,
    all: BTreeSet<IpAddr>,
    countries: BTreeMap<String, u64>,
    name: Option<String>,
    rank: Option<u32>,
}

impl Tally {
    fn add(&mut self, host: &Host) {
        self.per_port
            .entry(host.port)
            .or_default()
            .insert(host.addr);
        if self.all.insert(host.addr) {
            if let Some(c) = &host.place.country {
                *self.countries.entry(c.clone()).or_insert(0) += 1;
            }
        }
        if self.name.is_none() {
            self.name.clone_from(&host.place.as_name);
        }
        if self.rank.is_none() {
            self.rank = host.place.as_rank;
        }
    }

    fn count(&self, v6: bool) -> usize {
        self.all.iter().filter(|a| a.is_ipv6() == v6).count()
    }

    /// The country most of its addresses are in.
    fn country(&self) -> String {
        self.countries
            .iter()
            .max_by_key(|(c, n)| (**n, std::cmp::Reverse((*c).clone())))
            .map_or("-".into(), |(c, _)| c.clone())
    }
}

fn table(out: &mut String, header: &[String], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    for row in std::iter::once(header).chain(rows.iter().map(Vec::as_slice)) {
        let mut line = String::from(" ");
        for (k, (cell, w)) in row.iter().zip(&widths).enumerate() {
            // Names are left-aligned, counts right-aligned.
            let pad = w - cell.chars().count();
            let text = k == 0 || header[k] == "country" || header[k] == "owner";
            line.push(' ');
            if !text {
                line.extend(std::iter::repeat_n(' ', pad));
            }
            line.push_str(cell);
            if text {
                line.extend(std::iter::repeat_n(' ', pad));
            }
            line.push(' ');
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    out.push('\n');
}

/// The AS and country tables; empty when no host has an AS or a country.
pub fn tables(hosts: &[Host]) -> String {
    let mut out = String::new();
    if !hosts
        .iter()
        .any(|h| h.place.asn.is_some() || h.place.country.is_some())
    {
        return out;
    }
    let ports: BTreeSet<u16> = hosts.iter().map(|h| h.port).collect();
    // The papers' "Rank" (CAIDA AS Rank) column, when a rank file was given.
    let ranked_ases = hosts.iter().any(|h| h.place.as_rank.is_some());
    for (class, title) in CLASSES {
        let mine: Vec<&Host> = hosts.iter().filter(|h| h.class == class).collect();
        if mine.is_empty() {
            continue;
        }
        let mut by_as: BTreeMap<Option<u32>, Tally> = BTreeMap::new();
        let mut by_country: BTreeMap<Option<String>, Tally> = BTreeMap::new();
        for h in &mine {
            by_as.entry(h.place.asn).or_default().add(h);
            by_country
                .entry(h.place.country.clone())
                .or_default()
                .add(h);
        }
        let port_columns = |t: &Tally| -> Vec<String> {
            ports
                .iter()
                .map(|p| t.per_port.get(p).map_or(0, BTreeSet::len).to_string())
                .collect()
        };
        let port_header: Vec<String> = ports.iter().map(|p| format!("#port {p}")).collect();

        let mut ranked: Vec<(&Option<u32>, &Tally)> = by_as.iter().collect();
        ranked.sort_by_key(|(asn, t)| (std::cmp::Reverse(t.all.len()), **asn));
        let ases = by_as.keys().filter(|k| k.is_some()).count();
        let _ = writeln!(
            out,
            "Top ASes, {title}: {} addresses in {ases} AS{} (as Aschenbrenner et al. 2021, Tables II and III)",
            mine.iter().map(|h| h.addr).collect::<BTreeSet<_>>().len(),
            if ases == 1 { "" } else { "es" }
        );
        let mut header = vec!["ASN".to_string()];
        header.extend(port_header.iter().cloned());
        if ranked_ases {
            header.push("rank".into());
        }
        header.extend(["IPv4", "IPv6", "country", "owner"].map(String::from));
        let rows: Vec<Vec<String>> = ranked
            .iter()
            .take(TOP)
            .map(|(asn, t)| {
                let mut row = vec![asn.map_or("unknown".into(), |a| a.to_string())];
                row.extend(port_columns(t));
                if ranked_ases {
                    row.push(t.rank.map_or("-".into(), |r| r.to_string()));
                }
                row.push(t.count(false).to_string());
                row.push(t.count(true).to_string());
                row.push(t.country());
                row.push(t.name.clone().unwrap_or_else(|| "-".into()));
                row
            })
            .collect();
        table(&mut out, &header, &rows);

        let mut ranked: Vec<(&Option<String>, &Tally)> = by_country.iter().collect();
        ranked.sort_by_key(|(c, t)| (std::cmp::Reverse(t.all.len()), (*c).clone()));
        let countries = by_country.keys().filter(|k| k.is_some()).count();
        let _ = writeln!(
            out,
            "Top countries, {title}: {countries} countr{} (as Aschenbrenner et al. 2021, Fig. 8)",
            if countries == 1 { "y" } else { "ies" }
        );
        let mut header = vec!["country".to_string()];
        header.extend(port_header.iter().cloned());
        header.extend(["IPv4", "IPv6", "addresses"].map(String::from));
        let rows: Vec<Vec<String>> = ranked
            .iter()
            .take(TOP)
            .map(|(c, t)| {
                let mut row = vec![c.as_deref().unwrap_or("unknown").to_string()];
                row.extend(port_columns(t));
                row.push(t.count(false).to_string());
                row.push(t.count(true).to_string());
                row.push(t.all.len().to_string());
                row
            })
            .collect();
        table(&mut out, &header, &rows);
    }
    out
}

/// Where the strippers are, as the 2020 thesis's Table 4.10: per hop address whose quote first
/// showed our MP_CAPABLE removed, the traces that saw it (the thesis's "appearance"), the hosts
/// behind it, the TTL, and the hop's country and AS when the databases know them. Empty when no
/// trace saw a stripper.
pub fn stripping_hops(hops: &[StrippingHop]) -> String {
    let mut out = String::new();
    if hops.is_empty() {
        return out;
    }
    struct Seen<'a> {
        traces: BTreeSet<(IpAddr, u16, u8)>,
        hosts: BTreeSet<IpAddr>,
        ttls: BTreeSet<u8>,
        place: &'a crate::enrich::Place,
    }
    let mut by_addr: BTreeMap<IpAddr, Seen> = BTreeMap::new();
    for h in hops {
        let seen = by_addr.entry(h.addr).or_insert_with(|| Seen {
            traces: BTreeSet::new(),
            hosts: BTreeSet::new(),
            ttls: BTreeSet::new(),
            place: &h.place,
        });
        seen.traces.insert(h.behind);
        seen.hosts.insert(h.behind.0);
        seen.ttls.insert(h.ttl);
    }
    let mut ranked: Vec<(&IpAddr, &Seen)> = by_addr.iter().collect();
    ranked.sort_by_key(|(addr, s)| (std::cmp::Reverse(s.traces.len()), **addr));
    let _ = writeln!(
        out,
        "Stripping hops: {} hop{} where {} trace{} saw MP_CAPABLE removed (as Aschenbrenner 2020, Table 4.10)",
        by_addr.len(),
        if by_addr.len() == 1 { "" } else { "s" },
        hops.len(),
        if hops.len() == 1 { "" } else { "s" },
    );
    let header: Vec<String> = [
        "hop address",
        "traces",
        "hosts",
        "TTL",
        "country",
        "ASN",
        "owner",
    ]
    .map(String::from)
    .to_vec();
    let rows: Vec<Vec<String>> = ranked
        .iter()
        .take(TOP)
        .map(|(addr, s)| {
            let ttls: Vec<String> = s.ttls.iter().map(u8::to_string).collect();
            vec![
                addr.to_string(),
                s.traces.len().to_string(),
                s.hosts.len().to_string(),
                ttls.join(","),
                s.place.country.clone().unwrap_or_else(|| "-".into()),
                s.place.asn.map_or("-".into(), |a| a.to_string()),
                s.place.as_name.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    table(&mut out, &header, &rows);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::enrich::Place;

    fn host(addr: &str, port: u16, class: &str, asn: u32, country: &str) -> Host {
        Host {
            addr: addr.parse().unwrap(),
            port,
            class: class.into(),
            place: Place {
                asn: Some(asn),
                as_name: Some(format!("AS-{asn}")),
                country: Some(country.into()),
                as_rank: None,
            },
        }
    }

    #[test]
    fn ases_and_countries_are_ranked_by_unique_addresses() {
        let hosts = vec![
            host("198.18.1.1", 80, "mptcp", 64496, "XA"),
            host("198.18.1.1", 443, "mptcp", 64496, "XA"),
            host("198.18.1.2", 443, "mptcp", 64496, "XA"),
            host("2001:db8:1::1", 443, "mptcp", 64497, "XB"),
            host("198.18.4.1", 80, "mirror", 64499, "XD"),
            host("198.18.6.1", 80, "stripped", 64501, "XF"),
            host("198.18.3.1", 80, "not-mptcp", 64498, "XC"),
        ];
        let text = tables(&hosts);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("Top ASes, truly MPTCP: 3 addresses in 2 ASes"));
        let cells = |l: &str| l.split_whitespace().map(String::from).collect::<Vec<_>>();
        assert_eq!(
            cells(lines[1]),
            ["ASN", "#port", "80", "#port", "443", "IPv4", "IPv6", "country", "owner"]
        );
        assert_eq!(
            cells(lines[2]),
            ["64496", "1", "2", "2", "0", "XA", "AS-64496"]
        );
        assert_eq!(
            cells(lines[3]),
            ["64497", "0", "1", "0", "1", "XB", "AS-64497"]
        );
        assert!(text.contains("Top countries, truly MPTCP: 2 countries"));
        assert!(text.contains("Top ASes, mirrors"));
        // Strippers come third, before the other middlebox-affected hosts.
        let strippers = text.find("Top ASes, strippers").unwrap();
        assert!(strippers > text.find("Top ASes, mirrors").unwrap());
        assert!(text[strippers..].lines().nth(2).unwrap().contains("64501"));
        // Classes outside the three are not tabulated.
        assert!(!text.contains("64498"));
    }

    #[test]
    fn ranks_get_a_column_when_known() {
        let mut apple = host("198.18.1.1", 443, "mptcp", 714, "US");
        apple.place.as_rank = Some(6630);
        let other = host("198.18.1.2", 443, "mptcp", 64496, "XA");
        let text = tables(&[apple, other]);
        let lines: Vec<&str> = text.lines().collect();
        let cells = |l: &str| l.split_whitespace().map(String::from).collect::<Vec<_>>();
        assert_eq!(
            cells(lines[1]),
            ["ASN", "#port", "443", "rank", "IPv4", "IPv6", "country", "owner"]
        );
        assert_eq!(
            cells(lines[2]),
            ["714", "1", "6630", "1", "0", "US", "AS-714"]
        );
        assert_eq!(
            cells(lines[3]),
            ["64496", "1", "-", "1", "0", "XA", "AS-64496"]
        );
    }

    #[test]
    fn stripping_hops_are_ranked_by_the_traces_that_saw_them() {
        let hop = |addr: &str, ttl: u8, behind: &str, version: u8| StrippingHop {
            addr: addr.parse().unwrap(),
            ttl,
            behind: (behind.parse().unwrap(), 80, version),
            place: Place {
                asn: Some(4134),
                as_name: Some("CHINANET".into()),
                country: Some("CN".into()),
                as_rank: None,
            },
        };
        let hops = [
            hop("198.18.0.9", 3, "198.18.7.1", 0),
            hop("198.18.0.1", 2, "198.18.6.1", 0),
            hop("198.18.0.1", 2, "198.18.6.1", 1),
            hop("198.18.0.1", 2, "198.18.6.2", 0),
        ];
        let text = stripping_hops(&hops);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("Stripping hops: 2 hops where 4 traces saw"));
        let cells = |l: &str| l.split_whitespace().map(String::from).collect::<Vec<_>>();
        assert_eq!(
            cells(lines[2]),
            ["198.18.0.1", "3", "2", "2", "CN", "4134", "CHINANET"]
        );
        assert_eq!(cells(lines[3])[..4], ["198.18.0.9", "1", "1", "3"]);
        assert_eq!(stripping_hops(&[]), "");
    }

    #[test]
    fn no_places_no_tables() {
        let mut h = host("198.18.1.1", 80, "mptcp", 1, "XA");
        h.place = Place::default();
        assert_eq!(tables(&[h]), "");
    }
}
