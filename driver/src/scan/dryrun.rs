//! `--dryrun`: every probe of the schedule, decoded and in hex, and nothing sent (ZMap prints
//! its probes the same way instead of sending them). `trace --dryrun` prints its probes with
//! [`describe`] too.

use std::io::Write;

use anyhow::Context;
use mptcpscan::mptcp::Version;

use super::engine::{hex, schedule, Plan};
use super::reply::TcpReply;
use mptcpscan::optionstext::OptionsText;

/// Writes every probe to `out`; returns how many.
pub fn print(plan: &Plan, out: &mut dyn Write) -> anyhow::Result<u64> {
    let mut buf = [0u8; 128];
    let mut count = 0;
    for probe in schedule(plan) {
        let src = probe
            .src
            .context("no source address for this address family")?;
        let len = plan.write_probe(&mut buf, src, &probe)?;
        count += 1;
        describe(out, count, probe.version, &buf[..len])?;
    }
    Ok(count)
}

/// Writes probe number `number` (a packet we built, from its IP header on), decoded and in hex.
pub fn describe(
    out: &mut dyn Write,
    number: u64,
    version: Version,
    packet: &[u8],
) -> anyhow::Result<()> {
    let seg = TcpReply::parse(packet).context("reading back a probe we built")?;
    let tcp = &seg.tcp;
    let v4 = seg.src.is_ipv4();
    let flags: Vec<&str> = tcp.flags().iter_names().map(|(name, _)| name).collect();
    writeln!(
        out,
        "probe {number} ({}, MP_CAPABLE v{})\n{} {{ saddr: {} | daddr: {} | {}: {} }}\n\
         tcp {{ sport: {} | dport: {} | seq: {} | flags: {} | window: {} | options: {} }}\n\
         hex: {}\n{}",
        if v4 { "IPv4" } else { "IPv6" },
        match version {
            Version::V0 => 0,
            Version::V1 => 1,
        },
        if v4 { "ip" } else { "ip6" },
        seg.src,
        seg.dst,
        if v4 { "ttl" } else { "hop_limit" },
        seg.ttl,
        tcp.src_port(),
        tcp.dst_port(),
        tcp.seq_number(),
        flags.join(","),
        tcp.window_len(),
        OptionsText(tcp.options()),
        hex(packet),
        "-".repeat(72)
    )
    .context("writing the dry run")
}
