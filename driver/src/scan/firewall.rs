//! `--firewall`: while a scan runs, an nft table drops the RSTs this host's kernel sends in
//! answer to the SYN-ACKs of our probes (it holds no connection for them, so it resets each one;
//! a half-open connection torn down early makes some hosts stop retransmitting, and every RST is
//! one more packet to an operator who did not ask for our scan).
//!
//! The rule matches only RSTs from the scan's source addresses and source-port window to the
//! scanned ports, so the host's own connections are untouched. The table belongs to this
//! process (`mptcpscan_<pid>`) and is deleted when the guard is dropped: after the scan, on an
//! error, and after Ctrl-C (which ends the scan normally). Only SIGKILL leaves it behind;
//! `nft delete table inet mptcpscan_<pid>` removes it by hand.

use std::io::Write;
use std::net::IpAddr;
use std::process::{Command, Stdio};

use anyhow::{bail, Context};

/// The nft table of one scan; deleted on drop.
#[derive(Debug)]
pub struct Firewall {
    table: String,
}

/// The nft ruleset that drops the kernel's RSTs for one scan.
pub fn ruleset(table: &str, sources: &[IpAddr], window: (u16, u16), ports: &[u16]) -> String {
    let ports = ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let mut rules = String::new();
    for (family, v6) in [("ip", false), ("ip6", true)] {
        let addrs: Vec<String> = sources
            .iter()
            .filter(|a| a.is_ipv6() == v6)
            .map(IpAddr::to_string)
            .collect();
        if addrs.is_empty() {
            continue;
        }
        rules.push_str(&format!(
            "\t\t{family} saddr {{ {} }} tcp sport {}-{} tcp dport {{ {ports} }} \
             tcp flags & rst == rst counter drop\n",
            addrs.join(", "),
            window.0,
            window.1
        ));
    }
    format!(
        "table inet {table} {{\n\tchain output {{\n\t\ttype filter hook output priority filter; \
         policy accept;\n{rules}\t}}\n}}\n"
    )
}

impl Firewall {
    /// Installs the table for a scan from `sources` and source ports `window` to `ports`.
    pub fn install(sources: &[IpAddr], window: (u16, u16), ports: &[u16]) -> anyhow::Result<Self> {
        let table = format!("mptcpscan_{}", std::process::id());
        nft(&ruleset(&table, sources, window, ports))
            .context("--firewall: installing the nft rule that drops the kernel's RSTs")?;
        Ok(Firewall { table })
    }

    /// The table's name.
    pub fn table(&self) -> &str {
        &self.table
    }
}

impl Drop for Firewall {
    fn drop(&mut self) {
        if let Err(e) = nft(&format!("delete table inet {}\n", self.table)) {
            super::log::entry(
                super::log::Level::Error,
                &format!(
                    "--firewall: removing table inet {} failed: {e:#}; remove it with `nft \
                     delete table inet {}`",
                    self.table, self.table
                ),
            );
        }
    }
}

/// Runs an nft script given on standard input.
fn nft(script: &str) -> anyhow::Result<()> {
    let mut child = Command::new("nft")
        .args(["-f", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("running nft (Debian package nftables)")?;
    child
        .stdin
        .take()
        .context("nft's standard input")?
        .write_all(script.as_bytes())
        .context("writing to nft")?;
    let out = child.wait_with_output().context("waiting for nft")?;
    if !out.status.success() {
        bail!(
            "nft: {}",
            String::from_utf8_lossy(&out.stderr)
                .trim()
                .replace('\n', " ")
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rule_covers_the_scan_only() {
        let sources: Vec<IpAddr> = ["198.18.0.2", "2001:db8::2", "198.18.0.3"]
            .iter()
            .map(|a| a.parse().unwrap())
            .collect();
        let text = ruleset("mptcpscan_7", &sources, (40000, 44095), &[80, 443]);
        assert_eq!(
            text,
            "table inet mptcpscan_7 {\n\tchain output {\n\t\ttype filter hook output priority \
             filter; policy accept;\n\
             \t\tip saddr { 198.18.0.2, 198.18.0.3 } tcp sport 40000-44095 tcp dport { 80, 443 } \
             tcp flags & rst == rst counter drop\n\
             \t\tip6 saddr { 2001:db8::2 } tcp sport 40000-44095 tcp dport { 80, 443 } \
             tcp flags & rst == rst counter drop\n\t}\n}\n"
        );
    }
}
