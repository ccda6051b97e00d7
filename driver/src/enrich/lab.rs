//! Databases for the lab's own prefixes, so that the demo and the tests show the AS and country
//! tables: each class of the ground truth, in order of first appearance, gets a documentation AS
//! number (RFC 5398: 64496, 64497, … up to 64511) named `LAB-<CLASS>`, a user-assigned
//! ISO 3166 country code (`XA`, `XB`, …), both address families alike, and an AS rank (the
//! class's position, 1, 2, …) in `lab-asrank.csv`.

use std::fmt::Write as _;
use std::net::IpAddr;
use std::path::Path;

use anyhow::{bail, Context};
use ipnet::IpNet;
use serde::Deserialize;

use super::mmdb::{country_record, Writer};

/// The first documentation AS number (RFC 5398), and how many there are.
const FIRST_AS: u32 = 64496;
const AS_COUNT: usize = 16;

#[derive(Deserialize)]
struct Truth {
    prefixes: Vec<Prefix>,
}

#[derive(Deserialize)]
struct Prefix {
    prefix: IpNet,
    class: String,
}

/// The AS number and country the lab's databases give the `index`-th class.
pub fn identity(index: usize) -> (u32, String) {
    let letter = char::from(b'A' + (index % 26) as u8);
    (FIRST_AS + index as u32, format!("X{letter}"))
}

/// Writes `lab.ipasn`, `lab-asn.csv`, `lab-country.mmdb` and `lab-asrank.csv` into `dir`.
pub fn write(truth: &Path, dir: &Path) -> anyhow::Result<()> {
    let text =
        std::fs::read_to_string(truth).with_context(|| format!("reading {}", truth.display()))?;
    let truth: Truth = serde_json::from_str(&text)
        .with_context(|| format!("{}: not a lab ground truth", truth.display()))?;
    let mut classes: Vec<&str> = Vec::new();
    for p in &truth.prefixes {
        if !classes.contains(&p.class.as_str()) {
            classes.push(&p.class);
        }
    }
    if classes.len() > AS_COUNT {
        bail!(
            "{} classes: more than the {AS_COUNT} documentation AS numbers",
            classes.len()
        );
    }
    let mut ipasn = String::from("; lab prefixes → documentation AS numbers (RFC 5398)\n");
    let mut ranks = String::from("asn,rank\n");
    for index in 0..classes.len() {
        let _ = writeln!(ranks, "{},{}", identity(index).0, index + 1);
    }
    let mut csv = String::new();
    let mut mmdb = Writer::new("GeoLite2-Country", "mptcpscan lab countries", 0);
    let mut prefixes: Vec<&Prefix> = truth.prefixes.iter().collect();
    // Wider prefixes first (the MaxMind DB writer wants them so).
    prefixes.sort_by_key(|p| p.prefix.prefix_len());
    for p in prefixes {
        let index = classes.iter().position(|&c| c == p.class).unwrap_or(0);
        let (asn, country) = identity(index);
        let name = format!("LAB-{}", p.class.to_uppercase());
        let _ = writeln!(ipasn, "{}\t{asn}", p.prefix.trunc());
        let _ = writeln!(
            csv,
            "{},{},{asn},{name}",
            p.prefix.network(),
            p.prefix.broadcast()
        );
        let network: IpAddr = p.prefix.network();
        mmdb.insert(network, p.prefix.prefix_len(), &country_record(&country));
    }
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for (name, bytes) in [
        ("lab.ipasn", ipasn.into_bytes()),
        ("lab-asn.csv", csv.into_bytes()),
        ("lab-country.mmdb", mmdb.finish()),
        ("lab-asrank.csv", ranks.into_bytes()),
    ] {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    eprintln!(
        "mptcpscan: lab databases for {} classes in {}",
        classes.len(),
        dir.display()
    );
    Ok(())
}
