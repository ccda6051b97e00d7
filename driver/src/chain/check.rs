//! `chain --check`: every target of a lab's prefixes against the lab's ground truth.
//!
//! Reads the documented `mptcpscan-lab/1` file through the lab's own typed loader
//! (`lab::ground_truth::GroundTruth`) and compares, per probe version, the expected final class
//! and first modifying hop with the chain's.

use std::collections::{BTreeMap, HashMap};
use std::net::IpAddr;
use std::path::Path;

use ipnet::IpNet;

use super::{ChainResults, Class, VersionResult};
use crate::lab::ground_truth::{self, Class as LabClass, GroundTruth};

/// Larger prefixes are benchmarks, not checks: refuse rather than walk millions of addresses.
const MAX_ADDRESSES: u128 = 1 << 20;

/// The chain class the ground truth's final verdict stands for, for a target that was traced
/// or not: a stripper's hosts are `stripped` only where their trace shows it, and stay
/// `not-mptcp` under `--candidates-only` or beyond `--trace-plain-max`.
fn expected_class(verdict: ground_truth::Verdict, traced: bool) -> Class {
    match verdict {
        ground_truth::Verdict::Stripped if traced => Class::Stripped,
        ground_truth::Verdict::Stripped => Class::NotMptcp,
        ground_truth::Verdict::Mptcp => Class::Mptcp,
        ground_truth::Verdict::MiddleboxAffected => Class::MiddleboxAffected,
        ground_truth::Verdict::Mirror => Class::Mirror,
        ground_truth::Verdict::NotMptcp => Class::NotMptcp,
        ground_truth::Verdict::Closed => Class::Closed,
        ground_truth::Verdict::Silent => Class::Silent,
    }
}

/// One target whose result differs from the ground truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mismatch {
    /// The lab class of its prefix.
    pub class: LabClass,
    /// The target.
    pub addr: IpAddr,
    /// The port.
    pub port: u16,
    /// The probe version.
    pub version: u8,
    /// Expected class and modifying hop.
    pub expected: (Class, Option<u8>),
    /// Our class and modifying hop.
    pub found: (Class, Option<u8>),
}

/// The comparison's outcome.
#[derive(Debug, Default)]
pub struct Report {
    /// Expectations checked (targets × ports × versions).
    pub checked: u64,
    /// Per (lab class, IP version): checked, agreeing.
    pub per_class: BTreeMap<(&'static str, u8), (u64, u64)>,
    /// Every disagreement.
    pub mismatches: Vec<Mismatch>,
    /// Prefixes that could not be checked (unparseable, or too large to walk).
    pub unreadable: Vec<String>,
}

impl Report {
    /// The per-class agreement table and the first disagreements.
    pub fn render(&self) -> String {
        let mut text = String::from("\nground truth check (per lab class, IP version):\n");
        for ((class, ipv), (checked, ok)) in &self.per_class {
            text.push_str(&format!(
                "  {class:<18} IPv{ipv}  {ok:>6}/{checked:<6} agree\n"
            ));
        }
        for m in self.mismatches.iter().take(20) {
            text.push_str(&format!(
                "  MISMATCH {} {}:{} v{}: expected {} (hop {:?}), found {} (hop {:?})\n",
                m.class.name(),
                m.addr,
                m.port,
                m.version,
                m.expected.0.name(),
                m.expected.1,
                m.found.0.name(),
                m.found.1
            ));
        }
        for prefix in &self.unreadable {
            text.push_str(&format!(
                "  NOT CHECKED {prefix} (unreadable or larger than 2^20)\n"
            ));
        }
        let agree = self.checked - self.mismatches.len() as u64;
        text.push_str(&format!("  total: {agree}/{} agree\n", self.checked));
        text
    }
}

/// Compares `results` with the ground truth in `path`, for the ports and versions scanned.
pub fn against(path: &Path, results: &ChainResults) -> anyhow::Result<Report> {
    let truth = GroundTruth::load(path)?;
    Ok(compare(&truth, results))
}

pub(super) fn compare(truth: &GroundTruth, results: &ChainResults) -> Report {
    let hosts: HashMap<(IpAddr, u16), &super::HostResult> = results
        .hosts
        .iter()
        .map(|h| ((h.addr, h.port), h))
        .collect();
    let ports: Vec<u16> = truth
        .ports
        .iter()
        .copied()
        .filter(|p| results.targets.ports.contains(p))
        .collect();
    let mut report = Report::default();
    for prefix in &truth.prefixes {
        let net = prefix.prefix;
        let ipv = if net.addr().is_ipv4() { 4 } else { 6 };
        let size = 1u128 << (net.max_prefix_len() - net.prefix_len()).min(127);
        if size > MAX_ADDRESSES {
            report.unreadable.push(prefix.prefix.to_string());
            continue;
        }
        for addr in prefix_addrs(net) {
            for &port in &ports {
                for &version in &results.probe.versions {
                    let expect = if version == 0 {
                        &prefix.expect.v0
                    } else {
                        &prefix.expect.v1
                    };
                    let ours: Option<&VersionResult> = hosts
                        .get(&(addr, port))
                        .and_then(|h| h.versions.iter().find(|v| v.probe_version == version));
                    let found_class = ours.map_or(Class::Silent, |v| v.class);
                    // A hop is only known for what was traced: compare it there.
                    let traced = ours.is_some_and(|v| v.trace.is_some());
                    let expected = expected_class(expect.verdict, traced);
                    let found_hop = ours.and_then(|v| v.modified_at);
                    let agrees =
                        found_class == expected && (!traced || found_hop == expect.modified_at_hop);
                    let entry = report
                        .per_class
                        .entry((prefix.class.name(), ipv))
                        .or_default();
                    entry.0 += 1;
                    report.checked += 1;
                    if agrees {
                        entry.1 += 1;
                    } else {
                        report.mismatches.push(Mismatch {
                            class: prefix.class,
                            addr,
                            port,
                            version,
                            expected: (expected, expect.modified_at_hop),
                            found: (found_class, found_hop),
                        });
                    }
                }
            }
        }
    }
    report
}

/// Every address of `net`, network and broadcast included.
fn prefix_addrs(net: IpNet) -> impl Iterator<Item = IpAddr> {
    let interval = crate::scan::addrset::Interval::from_net(net);
    (0..=interval.span()).map(move |offset| interval.addr_at(offset))
}
