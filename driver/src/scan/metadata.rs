//! `-m`/`--metadata-file`: one JSON object about the scan, with ZMap's keys where the meaning
//! is the same (ZMap's `summary.c`), then ours: the probe (key, options, versions, option bytes)
//! and the version of mptcpscan. Counts are of distinct replies: a retransmitted SYN-ACK is
//! counted once.

use std::time::SystemTime;

use serde::Serialize;

/// The metadata file's content.
#[derive(Debug, Clone, Serialize)]
pub struct Metadata {
    /// This host's name.
    pub local_hostname: Option<String>,
    /// The ports probed (ZMap 4 writes one `target_port`).
    pub target_ports: Vec<u16>,
    /// The first source port of the window.
    pub source_port_first: u16,
    /// The last source port of the window.
    pub source_port_last: u16,
    /// `-n` as this shard's count of targets (0: no cap).
    pub max_targets: u64,
    /// `-t` in seconds (0: no cap).
    pub max_runtime: f64,
    /// `-N` (0: no cap).
    pub max_results: u64,
    /// Rows written (after `--output-filter`).
    pub output_results: u64,
    /// `-i`, when given.
    pub iface: Option<String>,
    /// `-G`, when given.
    pub gateway_mac: Option<String>,
    /// Probes per second (asked for, or from `-B`; 0: unlimited).
    pub rate: u64,
    /// `-B` in bits per second (0: not given).
    pub bandwidth: u64,
    /// Seconds of listening after the last probe.
    pub cooldown_secs: f64,
    /// Sending threads.
    pub senders: u64,
    /// The seed of the visiting order.
    pub seed: u64,
    /// Whether the seed was given (`-e`) rather than drawn.
    pub seed_provided: u8,
    /// 100 × distinct SYN-ACKs / probes sent.
    pub hitrate: f64,
    /// This shard.
    pub shard_num: u64,
    /// The number of shards.
    pub total_shards: u64,
    /// `--min-hitrate` (0: none).
    pub min_hitrate: f64,
    /// `--max-sendto-failures` (-1: none).
    pub max_sendto_failures: i64,
    /// Target addresses left after the blocklist.
    pub blocklist_total_allowed: u128,
    /// Target addresses the blocklist removed.
    pub blocklist_total_not_allowed: u128,
    /// Probes the kernel refused.
    pub send_to_failures: u64,
    /// Probes the kernel took.
    pub total_sent: u64,
    /// Distinct SYN-ACKs.
    pub success_unique: u64,
    /// Distinct SYN-ACKs received during the cooldown.
    pub success_cooldown_unique: u64,
    /// Distinct RSTs.
    pub failure_total: u64,
    /// Probes per target: rounds (`-P`) × MP_CAPABLE versions.
    pub packet_streams: u64,
    /// What made the probes.
    pub probe_module: &'static str,
    /// `-O`.
    pub output_module: String,
    /// When sending started (`%Y-%m-%dT%H:%M:%S%z`, UTC).
    pub send_start_time: String,
    /// When sending ended.
    pub send_end_time: String,
    /// When receiving started.
    pub recv_start_time: String,
    /// When receiving ended.
    pub recv_end_time: String,
    /// `--output-filter`, when given.
    pub output_filter: Option<String>,
    /// The targets given on the command line.
    pub cli_cidr_destinations: Vec<String>,
    /// The probes' TTL or hop limit.
    pub probe_ttl: u8,
    /// The source addresses.
    pub source_ips: Vec<String>,
    /// `-o`, when given.
    pub output_filename: Option<String>,
    /// The blocklist files read (`built-in` for the copy in the binary).
    pub blocklist_filenames: Vec<String>,
    /// `-w`, when given.
    pub allowlist_filename: Option<String>,
    /// The `-I` files.
    pub list_of_ips_filenames: Vec<String>,
    /// Whether this was a dry run.
    pub dryrun: u8,
    /// `-l`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_file: Option<String>,
    /// `-L`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_directory: Option<String>,
    /// Whether `-q` was given.
    pub quiet: u8,
    /// `-v`.
    pub log_level: u8,
    /// Whether Ctrl-C cut the scan short.
    pub interrupted: bool,
    /// Why `--max-sendto-failures` or `--min-hitrate` aborted the scan, if one did.
    pub aborted: Option<String>,
    /// `--notes`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// `--user-metadata`, when given (ZMap's key, with its hyphen).
    #[serde(rename = "user-metadata", skip_serializing_if = "Option::is_none")]
    pub user_metadata: Option<serde_json::Value>,
    /// The nft table `--firewall` installed for the scan, if any.
    pub firewall_table: Option<String>,
    /// The probe.
    pub probe: ProbeMetadata,
    /// mptcpscan's version.
    pub mptcpscan_version: &'static str,
    /// What `chain` did after the scan (only in a chain's metadata).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chain: Option<ChainMetadata>,
}

/// The rest of a `chain` run: the trace of the scan's answers.
#[derive(Debug, Clone, Serialize)]
pub struct ChainMetadata {
    /// Targets (address and port) traced.
    pub traced: u64,
    /// Whether only candidates were traced (`--candidates-only`).
    pub candidates_only: bool,
    /// At most this many plain answers were traced beside the candidates (`--trace-plain-max`).
    pub trace_plain_max: usize,
    /// The trace's highest TTL.
    pub trace_max_ttl: u8,
    /// The trace's probes per second (0: unlimited).
    pub trace_rate: u64,
    /// When the chain ended (the trace included), as the other times.
    pub end_time: String,
    /// `--results`, when given.
    pub results_filename: Option<String>,
}

/// What the probes carried.
#[derive(Debug, Clone, Serialize)]
pub struct ProbeMetadata {
    /// The v0 key in hex.
    pub key: String,
    /// The companion options' name (`--options`).
    pub options: String,
    /// The MP_CAPABLE versions sent.
    pub mptcp_versions: Vec<u8>,
    /// Each version's whole option block in hex, v0 first.
    pub option_blocks: Vec<String>,
}

/// This host's name, as the kernel has it.
pub fn hostname() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|name| name.trim().to_string())
}

/// `time` as ZMap writes it (`%Y-%m-%dT%H:%M:%S%z`), in UTC.
pub fn timestamp(time: SystemTime) -> String {
    let secs = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let (days, rest) = (secs / 86_400, secs % 86_400);
    // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm, proleptic Gregorian).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}+0000",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps_are_zmaps_format() {
        let at = |secs| timestamp(SystemTime::UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "1970-01-01T00:00:00+0000");
        assert_eq!(at(951_782_400), "2000-02-29T00:00:00+0000");
        assert_eq!(at(1_795_000_000), "2026-11-18T11:06:40+0000");
        assert_eq!(at(4_107_542_399), "2100-02-28T23:59:59+0000");
    }
}
