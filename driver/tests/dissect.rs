//! Acceptance tests of `mptcpscan dissect` on real captures of other projects
//! (`../shared/captures`, see its README): both ends of the same connections agree, every option
//! matches tcpdump's own decode and tshark's counts, and damaged captures keep their results.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// `<repo>/../shared/captures` (CI), else `/work/shared/captures`.
fn captures() -> PathBuf {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let candidates = [
        repo.join("../shared/captures"),
        PathBuf::from("/work/shared/captures"),
    ];
    candidates
        .iter()
        .find(|p| p.is_dir())
        .unwrap_or_else(|| {
            panic!(
                "the shared captures are missing: looked in {} and /work/shared/captures",
                candidates[0].display()
            )
        })
        .clone()
}

fn every_capture() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in ["tcpdump", "ptcpdump", "pymptcpanalyzer"] {
        for entry in std::fs::read_dir(captures().join(dir)).expect("captures folder") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "pcap") {
                out.push(path);
            }
        }
    }
    out.sort();
    assert!(
        out.len() >= 12,
        "expected the 12 shared captures, found {}",
        out.len()
    );
    out
}

fn mptcpscan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mptcpscan"))
        .args(args)
        .output()
        .expect("running mptcpscan")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mptcpscan-dissect-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Runs `dissect --json` and returns the records.
fn records(capture: &Path, dir: &Path) -> (Output, Vec<Value>) {
    let json = dir.join(format!(
        "{}.json",
        capture.file_stem().unwrap().to_string_lossy()
    ));
    let output = mptcpscan(&[
        "dissect",
        "--json",
        json.to_str().unwrap(),
        capture.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&json).expect("JSON output written");
    let records = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("every line is JSON"))
        .collect();
    (output, records)
}

fn summary(records: &[Value]) -> &Value {
    let last = records.last().expect("at least the summary");
    assert_eq!(last["record"], "summary", "the summary is the last record");
    last
}

/// Connections whose handshake was captured, each with its established subflows (4-tuples).
fn established(records: &[Value]) -> BTreeMap<String, BTreeSet<String>> {
    records
        .iter()
        .filter(|r| r["record"] == "connection" && r["initial_syn_seen"] == true)
        .map(|r| {
            let subflows = r["subflows"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|s| s["state"] == "established")
                .map(|s| {
                    format!(
                        "{} > {}",
                        s["client"].as_str().unwrap(),
                        s["server"].as_str().unwrap()
                    )
                })
                .collect();
            let client = r["client"].as_str().unwrap();
            (
                format!("{client} > {}", r["server"].as_str().unwrap()),
                subflows,
            )
        })
        .collect()
}

#[test]
fn client_and_server_captures_agree_on_connections_and_subflows() {
    let dir = temp_dir("agree");
    let base = captures().join("pymptcpanalyzer");
    let (out_c, client) = records(&base.join("client_2.pcap"), &dir);
    let (out_s, server) = records(&base.join("server_2.pcap"), &dir);
    assert!(out_c.status.success() && out_s.status.success());
    let (client, server) = (established(&client), established(&server));
    assert_eq!(client.len(), 4, "four iperf connections: {client:#?}");
    assert_eq!(client, server);
    // 11.0.0.1:55233's join got its SYN-ACK only after 3 s and was reset by the client instead
    // of completed: SYN, SYN-ACK, RST is not an established subflow.
    let subflows: usize = client.values().map(BTreeSet::len).sum();
    assert_eq!(subflows, 14, "established subflows: {client:#?}");
    assert!(!client
        .values()
        .flatten()
        .any(|s| s.starts_with("11.0.0.1:55233 ")));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn one_direction_is_enough_to_join_subflows_to_their_connection() {
    // Only the client's packets (tshark writes them to a pcap): keys come from the SYN and the
    // third ACK, joins are tied by the token of their SYN and shown established by their ACK.
    let dir = temp_dir("one-way");
    let full = captures().join("pymptcpanalyzer/client_2.pcap");
    let one_way = dir.join("client-to-server.pcap");
    let status = Command::new("tshark")
        .args([
            "-r",
            full.to_str().unwrap(),
            "-F",
            "pcap",
            "-w",
            one_way.to_str().unwrap(),
        ])
        .args(["-Y", "ip.src == 10.0.0.1 || ip.src == 11.0.0.1"])
        .output()
        .expect("tshark is needed (make test installs it)");
    assert!(status.status.success());
    let (_, all) = records(&full, &dir);
    let (output, half) = records(&one_way, &dir);
    assert!(output.status.success());
    let (all, half) = (established(&all), established(&half));
    assert_eq!(
        all.keys().collect::<Vec<_>>(),
        half.keys().collect::<Vec<_>>()
    );
    let mut found = 0;
    for (connection, subflows) in &half {
        assert!(
            subflows.is_subset(&all[connection]),
            "{connection}: {subflows:?}"
        );
        found += subflows.len();
    }
    // One join (11.0.0.1:55233) never sends a third ACK: its SYN-ACK arrives seconds late and the
    // client resets it, so from the client's packets alone it is unanswered: 14 of 15.
    assert!(found >= 14, "{half:#?}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn joins_are_attached_by_token_and_their_hmacs_check() {
    let dir = temp_dir("joins");
    let (_, records) = records(&captures().join("tcpdump/mptcp-v0.pcap"), &dir);
    let connections: Vec<&Value> = records
        .iter()
        .filter(|r| r["record"] == "connection")
        .collect();
    assert_eq!(connections.len(), 1);
    let c = connections[0];
    assert_eq!(c["version"], "v0");
    assert_eq!(c["subflows_established"], 2);
    assert_eq!(c["subflows_failed"], 0);
    assert_eq!(c["ending"], "data_fin");
    assert_eq!(c["checksum_negotiated"], true);
    assert!(c["dss_checksum_ok"].as_u64().unwrap() > 100);
    assert_eq!(c["dss_checksum_failed"], 0);
    assert_eq!(c["join_delays"].as_array().unwrap().len(), 1);
    assert_eq!(c["add_addr"][0]["address"], "10.1.2.2");
    assert_eq!(c["add_addr"][0]["scope"], "private");
    assert!(c["rtt_spread_ms"].as_f64().is_some());
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn v1_add_addr_hmacs_endings_and_resets() {
    let dir = temp_dir("v1");
    let tcpdump = captures().join("tcpdump");
    let (_, aa) = records(&tcpdump.join("mptcp-aa-v1.pcap"), &dir);
    let c = aa.iter().find(|r| r["record"] == "connection").unwrap();
    assert_eq!(c["add_addr"][0]["hmac"], "pre-rfc-truncation");
    let (_, fclose) = records(&tcpdump.join("mptcp-fclose.pcap"), &dir);
    let c = fclose.iter().find(|r| r["record"] == "connection").unwrap();
    assert_eq!(c["ending"], "fastclose");
    let (_, rst) = records(&tcpdump.join("mptcp-tcprst.pcap"), &dir);
    let c = rst.iter().find(|r| r["record"] == "connection").unwrap();
    assert_eq!(c["ending"], "mp_tcprst");
    assert_eq!(c["tcprst"].as_array().unwrap().len(), 2);
    let (_, v1) = records(&tcpdump.join("mptcp-v1.pcap"), &dir);
    let c = v1.iter().find(|r| r["record"] == "connection").unwrap();
    assert_eq!(c["version"], "v1");
    assert_eq!(c["data_fin"]["client_to_server"], true);
    assert_eq!(c["data_fin"]["server_to_client"], true);
    // The client's first 8192 bytes ride on MP_CAPABLE's data-level length, then DSS maps 2076.
    assert_eq!(c["data_bytes"]["client_to_server"], 10268);
    assert_eq!(c["data_bytes"]["server_to_client"], 10268);
    std::fs::remove_dir_all(&dir).ok();
}

/// The MPTCP options of each packet from tcpdump's decode: (packet, tcpdump name, option text).
fn tcpdump_options(out: &Path) -> Vec<(u64, String, String)> {
    let mut options = Vec::new();
    let mut packet = 0;
    for line in std::fs::read_to_string(out).expect(".out file").lines() {
        // Verbose decodes continue a packet on lines that do not start with its number.
        if let Some(Ok(n)) = line.split_whitespace().next().map(str::parse::<u64>) {
            packet = n;
        }
        let mut rest = line;
        while let Some(at) = rest.find("mptcp ") {
            let text = &rest[at + "mptcp ".len()..];
            // The option ends at the first ',' or ']' outside braces (keys are "{k1,k2}").
            let mut depth = 0;
            let mut end = text.len();
            for (i, c) in text.char_indices() {
                match c {
                    '{' | '[' => depth += 1,
                    '}' => depth -= 1,
                    ']' if depth > 0 => depth -= 1,
                    ',' | ']' if depth == 0 => {
                        end = i;
                        break;
                    }
                    _ => {}
                }
            }
            let option = &text[..end];
            let name = option.split_whitespace().nth(1).unwrap_or("").to_string();
            options.push((packet, name, option.to_string()));
            rest = &text[end..];
        }
    }
    options
}

/// Our `--options` lines: (packet, subtype, fields).
fn our_options(capture: &Path) -> Vec<(u64, String, BTreeMap<String, String>)> {
    let output = mptcpscan(&["dissect", "-q", "--options", "-", capture.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| {
            let mut parts = line.splitn(3, '\t');
            let packet = parts.next().unwrap().parse().unwrap();
            let subtype = parts.next().unwrap().to_string();
            let fields = fields(parts.next().unwrap_or(""));
            (packet, subtype, fields)
        })
        .collect()
}

/// `name=value` pairs separated by spaces; quoted values may contain spaces.
fn fields(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut rest = text.trim_start();
    while let Some((name, after)) = rest.split_once('=') {
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => {
                let end = quoted.find('"').expect("closing quote");
                (&quoted[..end], &quoted[end + 1..])
            }
            None => after.split_at(after.find(' ').unwrap_or(after.len())),
        };
        out.insert(name.to_string(), value.to_string());
        rest = next.trim_start();
    }
    out
}

/// A number written in decimal or 0x-hex (of any length: HMACs have 160 bits), normalised so
/// that equal values compare equal: hex without leading zeros, decimal as digits.
fn number(text: &str) -> String {
    let text = text.trim_matches(|c| c == '{' || c == '}');
    match text.strip_prefix("0x") {
        Some(hex) => {
            assert!(
                hex.chars().all(|c| c.is_ascii_hexdigit()),
                "{text:?} is not hex"
            );
            let digits = hex.trim_start_matches('0').to_ascii_lowercase();
            format!("0x{}", if digits.is_empty() { "0" } else { &digits })
        }
        None => text
            .parse::<u128>()
            .unwrap_or_else(|e| panic!("{text:?} is not a number: {e}"))
            .to_string(),
    }
}

/// Compares one tcpdump option with ours; returns how many fields were compared.
fn compare(packet: u64, tcpdump: &str, ours: &BTreeMap<String, String>) -> usize {
    let words: Vec<&str> = tcpdump.split_whitespace().collect();
    let mut compared = 0;
    let mut check = |what: &str, theirs: String, field: &str| {
        let mine = ours
            .get(field)
            .unwrap_or_else(|| panic!("packet {packet}: we show no {field} for `{tcpdump}`"));
        assert_eq!(
            number(mine),
            theirs,
            "packet {packet}: {what} in `{tcpdump}`"
        );
        compared += 1;
    };
    let name = words.get(1).copied().unwrap_or("");
    if name == "capable" {
        check("version", number(&words[2][1..]), "version");
        if let Some(keys) = tcpdump.split('{').nth(1) {
            let keys: Vec<&str> = keys.trim_end_matches('}').split(',').collect();
            check("sender key", number(keys[0]), "sender_key");
            if let Some(receiver) = keys.get(1) {
                check("receiver key", number(receiver), "receiver_key");
            }
        }
        return compared;
    }
    if name == "tcprst" {
        let reason = tcpdump.split(" reason ").nth(1).unwrap();
        assert!(
            ours["reason_name"].eq_ignore_ascii_case(reason),
            "packet {packet}: reason {reason} vs {:?}",
            ours["reason_name"]
        );
        check(
            "transient flag",
            u8::from(tcpdump.contains("[T]")).to_string(),
            "transient",
        );
        return compared + 1;
    }
    // Label-value pairs: tcpdump's label → our field.
    let labels: &[(&str, &str)] = match name {
        "dss" => &[
            ("ack", "data_ack"),
            ("seq", "dsn"),
            ("subseq", "ssn"),
            ("len", "data_len"),
            ("csum", "checksum"),
        ],
        "join" => &[
            ("id", "addr_id"),
            ("token", "token"),
            ("nonce", "nonce"),
            ("hmac", "hmac"),
        ],
        "add-addr" => &[("id", "addr_id"), ("hmac", "hmac"), ("port", "port")],
        "rem-addr" => &[("id", "ids")],
        "fast-close" => &[("key", "receiver_key")],
        "prio" => &[("id", "addr_id")],
        "fail" => &[("seq", "dsn")],
        other => panic!("packet {packet}: unexpected tcpdump option `{other}`"),
    };
    for pair in words.windows(2) {
        if let Some((_, field)) = labels.iter().find(|(label, _)| *label == pair[0]) {
            check(pair[0], number(pair[1]), field);
        }
    }
    if name == "dss" {
        assert_eq!(
            ours.contains_key("data_fin"),
            words.contains(&"fin"),
            "packet {packet}: DATA_FIN in `{tcpdump}`"
        );
    }
    if name == "add-addr" {
        // The address follows the id; "v1-echo" marks an echo.
        let at = words.iter().position(|w| *w == "id").unwrap() + 2;
        assert_eq!(ours["address"], words[at], "packet {packet}: address");
        let echo = u8::from(words[2].ends_with("echo")).to_string();
        assert_eq!(ours["echo"], echo, "packet {packet}: echo flag");
        compared += 2;
    }
    compared
}

#[test]
fn every_option_matches_tcpdumps_own_decode() {
    let mut compared = 0;
    let mut options = 0;
    for capture in every_capture()
        .iter()
        .filter(|p| p.with_extension("out").exists())
    {
        let theirs = tcpdump_options(&capture.with_extension("out"));
        let ours = our_options(capture);
        assert_eq!(
            ours.len(),
            theirs.len(),
            "{}: number of MPTCP options",
            capture.display()
        );
        for ((p1, name, text), (p2, subtype, fields)) in theirs.iter().zip(&ours) {
            assert_eq!(p1, p2, "{}: packet numbers", capture.display());
            if name.starts_with("dss[bad") {
                // tcpdump's "[bad opt]": we must name the error instead of fields.
                assert_eq!(subtype, "DSS");
                assert!(fields.contains_key("error"), "packet {p1}: {fields:?}");
                continue;
            }
            options += 1;
            compared += compare(*p1, text, fields);
        }
    }
    assert!(options > 300, "options compared: {options}");
    assert!(compared > 1000, "fields compared: {compared}");
}

#[test]
fn option_counts_equal_tsharks_on_every_capture() {
    for capture in every_capture() {
        let tshark = Command::new("tshark")
            .args([
                "-r",
                capture.to_str().unwrap(),
                "-Y",
                "mptcp",
                "-T",
                "fields",
            ])
            .args(["-e", "tcp.options.mptcp.subtype"])
            .output()
            .expect("tshark is needed (make test installs it)");
        assert!(tshark.status.success(), "tshark on {}", capture.display());
        let mut theirs: BTreeMap<String, u64> = BTreeMap::new();
        for value in String::from_utf8(tshark.stdout).unwrap().split([',', '\n']) {
            if let Ok(subtype) = value.trim().parse::<u8>() {
                *theirs
                    .entry(mptcpscan::mptcp::subtype::name(subtype).to_string())
                    .or_insert(0) += 1;
            }
        }
        let dir = temp_dir("tshark");
        let (_, records) = records(&capture, &dir);
        let ours: BTreeMap<String, u64> =
            serde_json::from_value(summary(&records)["trace"]["options"].clone()).unwrap();
        assert_eq!(ours, theirs, "{}", capture.display());
        std::fs::remove_dir_all(&dir).ok();
    }
}

#[test]
fn the_connection_listing_shows_every_subflow_of_the_records() {
    let dir = temp_dir("listing");
    let capture = captures().join("pymptcpanalyzer/client_2.pcap");
    let json = dir.join("c.json");
    let output = mptcpscan(&[
        "dissect",
        "-q",
        "--connections",
        "--json",
        json.to_str().unwrap(),
        capture.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let listing = String::from_utf8(output.stdout).unwrap();
    let text = std::fs::read_to_string(&json).unwrap();
    let connections: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["record"] == "connection")
        .collect();
    assert_eq!(connections.len(), 4);
    // One block per connection: its title line, then a header and one row per subflow.
    let blocks: Vec<&str> = listing.split("\n\n").filter(|b| !b.is_empty()).collect();
    assert_eq!(blocks.len(), connections.len(), "{listing}");
    for c in &connections {
        let title = format!("connection {}  ", c["id"]);
        let block = blocks
            .iter()
            .find(|b| b.starts_with(&title))
            .unwrap_or_else(|| panic!("no block for {title}"));
        let rows: Vec<&str> = block.lines().skip(3).collect();
        let subflows = c["subflows"].as_array().unwrap();
        assert_eq!(rows.len(), subflows.len(), "{block}");
        for (row, s) in rows.iter().zip(subflows) {
            let cells: Vec<&str> = row
                .split("  ")
                .map(str::trim)
                .filter(|c| !c.is_empty())
                .collect();
            let path = format!(
                "{} → {}",
                s["client"].as_str().unwrap(),
                s["server"].as_str().unwrap()
            );
            assert_eq!(cells[2], path, "{row}");
            assert_eq!(
                cells[6],
                s["bytes"]["client_to_server"].to_string(),
                "{row}"
            );
            assert_eq!(
                cells[7],
                s["bytes"]["server_to_client"].to_string(),
                "{row}"
            );
            assert_eq!(cells.last().copied(), s["ending"].as_str(), "{row}");
        }
    }
    std::fs::remove_dir_all(&dir).ok();
}

/// `dissect --series` places each segment at the data sequence number tshark's MPTCP analysis
/// gives it (`mptcp.dsn`, relative per connection and direction): every segment we place is
/// placed the same by tshark, and we place at least 97 % of those tshark places (we keep only the
/// latest mappings of each subflow, so late retransmissions of old data are left out).
#[test]
fn series_place_segments_where_tsharks_mptcp_analysis_does() {
    let dir = temp_dir("series");
    let capture = captures().join("pymptcpanalyzer/client_2.pcap");
    let json = dir.join("c.json");
    let output = mptcpscan(&[
        "dissect",
        "-q",
        "--series",
        "--json",
        json.to_str().unwrap(),
        capture.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    type Placed = BTreeMap<(u64, u64), u32>;
    let normalise = |segments: Vec<(u64, u64)>| -> Placed {
        let low = segments.iter().map(|s| s.0).min().unwrap_or(0);
        let mut out = Placed::new();
        for (dsn, len) in segments {
            *out.entry((dsn - low, len)).or_insert(0) += 1;
        }
        out
    };
    // tshark: per MPTCP stream and direction (the server listens on 5201).
    let tshark = Command::new("tshark")
        .args(["-r", capture.to_str().unwrap()])
        .args([
            "-o",
            "mptcp.analyze_mptcp:TRUE",
            "-o",
            "mptcp.analyze_mappings:TRUE",
        ])
        .args(["-o", "mptcp.relative_sequence_numbers:TRUE"])
        .args(["-Y", "tcp.len > 0 && mptcp.dsn", "-T", "fields"])
        .args([
            "-e",
            "mptcp.stream",
            "-e",
            "tcp.dstport",
            "-e",
            "tcp.len",
            "-e",
            "mptcp.dsn",
        ])
        .output()
        .expect("tshark is needed (make test installs it)");
    assert!(tshark.status.success());
    let mut theirs: BTreeMap<(u64, bool), Vec<(u64, u64)>> = BTreeMap::new();
    for line in String::from_utf8(tshark.stdout).unwrap().lines() {
        let f: Vec<u64> = line.split('\t').map(|v| v.parse().unwrap()).collect();
        theirs
            .entry((f[0], f[1] == 5201))
            .or_default()
            .push((f[3], f[2]));
    }
    let mut theirs: Vec<Placed> = theirs.into_values().map(normalise).collect();
    let text = std::fs::read_to_string(&json).unwrap();
    let mut ours: Vec<Placed> = Vec::new();
    for record in text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
    {
        if record["record"] != "connection" {
            continue;
        }
        let series = &record["series"];
        let column = |name: &str| -> Vec<u64> {
            series[name]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_u64().unwrap())
                .collect()
        };
        let (direction, dsn, len) = (column("direction"), column("dsn"), column("len"));
        for d in 0..2 {
            let segments: Vec<(u64, u64)> = (0..dsn.len())
                .filter(|&i| direction[i] == d)
                .map(|i| (dsn[i], len[i]))
                .collect();
            if !segments.is_empty() {
                ours.push(normalise(segments));
            }
        }
    }
    assert_eq!(ours.len(), theirs.len(), "connection directions with data");
    let total = |p: &Placed| p.values().map(|&n| u64::from(n)).sum::<u64>();
    for placed in &ours {
        // The matching direction of tshark's: the one that holds all of ours.
        let at = theirs
            .iter()
            .position(|t| placed.iter().all(|(k, n)| t.get(k).is_some_and(|m| m >= n)))
            .expect("every segment we place, tshark places the same");
        let matched = theirs.swap_remove(at);
        assert!(
            total(placed) * 100 >= total(&matched) * 97,
            "{} of {} segments placed",
            total(placed),
            total(&matched)
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_malformed_option_is_reported_with_its_packet_and_nothing_is_lost() {
    let dir = temp_dir("oobr");
    let capture = captures().join("tcpdump/mptcp-dss-oobr.pcap");
    let (output, records) = records(&capture, &dir);
    assert!(
        output.status.success(),
        "a malformed packet is data, not a failure"
    );
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("packet 1: MPTCP option: MPTCP DSS (subtype 2)"),
        "{stdout}"
    );
    let trace = &summary(&records)["trace"];
    assert_eq!(trace["packets"], 1);
    assert_eq!(trace["malformed_mptcp"], 1);
    assert_eq!(trace["options"]["DSS"], 1);
    // The other options of that SYN (MSS, SACK, timestamps) still counted it as TCP.
    assert_eq!(trace["tcp_packets"][0], 1);
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn truncated_captures_name_the_packet_and_keep_the_results() {
    let dir = temp_dir("truncated");
    for (name, keep) in [
        ("pymptcpanalyzer/client_2.pcap", 0.6),
        ("pymptcpanalyzer/iperf-mptcp-0-0.pcap", 0.5),
        ("tcpdump/mptcp-v0.pcap", 0.999),
    ] {
        let original = captures().join(name);
        let bytes = std::fs::read(&original).unwrap();
        let cut = dir.join(original.file_name().unwrap());
        std::fs::write(&cut, &bytes[..(bytes.len() as f64 * keep) as usize]).unwrap();
        let (output, records) = records(&cut, &dir);
        assert_eq!(output.status.code(), Some(2), "{name}: exit status");
        let stderr = String::from_utf8(output.stderr).unwrap();
        let trace = &summary(&records)["trace"];
        let read = trace["packets"].as_u64().unwrap();
        let expected = format!(
            "packet {}: capture truncated in the middle of a record",
            read + 1
        );
        assert!(stderr.contains(&expected), "{name}: {stderr}");
        // The results up to the cut are there: tables on stdout, connections in the JSON.
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(stdout.contains("MPTCP connections"), "{name}: {stdout}");
        assert!(read > 0);
        assert!(
            records.iter().any(|r| r["record"] == "connection"),
            "{name}: connections kept"
        );
        assert_eq!(
            summary(&records)["read_errors"].as_array().unwrap().len(),
            1
        );
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_file_that_is_not_a_capture_fails_cleanly() {
    let dir = temp_dir("garbage");
    let path = dir.join("notes.txt");
    std::fs::write(&path, "not a capture at all\n").unwrap();
    let output = mptcpscan(&["dissect", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("not a pcap or pcapng file"), "{stderr}");
    let output = mptcpscan(&["dissect", dir.join("missing.pcap").to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn an_empty_file_says_so() {
    let dir = temp_dir("empty");
    let path = dir.join("empty.pcap");
    std::fs::write(&path, b"").unwrap();
    let output = mptcpscan(&["dissect", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("empty.pcap: empty file"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

/// A capture cut inside its file header is a truncated capture like any other: exit status 2,
/// the outputs written (with nothing in them), the other files analysed.
#[test]
fn a_capture_cut_in_its_file_header_is_truncated() {
    let dir = temp_dir("header");
    for (name, keep) in [
        ("tcpdump/mptcp-v0.pcap", 20),
        ("pymptcpanalyzer/client_2.pcap", 20),
    ] {
        let original = captures().join(name);
        let bytes = std::fs::read(&original).unwrap();
        let cut = dir.join(original.file_name().unwrap());
        std::fs::write(&cut, &bytes[..keep]).unwrap();
        let (output, records) = records(&cut, &dir);
        let stderr = String::from_utf8(output.stderr).unwrap();
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(
            stderr.contains("capture truncated in its file header (")
                && stderr.contains("bytes, the file has 20)"),
            "{name}: {stderr}"
        );
        assert_eq!(summary(&records)["trace"]["packets"], 0);
        // The next file is still read.
        let whole = captures().join("tcpdump/mptcp-v1.pcap");
        let output = mptcpscan(&[
            "dissect",
            "-q",
            cut.to_str().unwrap(),
            whole.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(2), "{name}");
    }
    // pcapng: a section header block cut after its type and half its length.
    let cut = dir.join("cut.pcapng");
    std::fs::write(&cut, [0x0a, 0x0d, 0x0d, 0x0a, 0x1c, 0x00]).unwrap();
    let output = mptcpscan(&["dissect", "-q", cut.to_str().unwrap()]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("capture truncated in its file header"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).ok();
}

/// `dissect --json a.json --options - | head -2`: the reader of standard output goes away early;
/// dissect stops writing there quietly and still completes a.json, summary included.
#[test]
fn a_closed_pipe_stops_quietly_and_the_files_are_complete() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = temp_dir("pipe");
    let json = dir.join("a.json");
    // 195 kB of option lines: far more than a pipe holds, so writes fail after the reader left.
    let capture = captures().join("pymptcpanalyzer/iperf-mptcp-0-0.pcap");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mptcpscan"))
        .args(["dissect", "--json"])
        .arg(&json)
        .args(["--options", "-"])
        .arg(&capture)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running mptcpscan");
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    for _ in 0..2 {
        lines.next().unwrap().unwrap();
    }
    drop(lines);
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(output.status.success(), "{:?}: {stderr}", output.status);
    assert!(stderr.is_empty(), "{stderr}");
    let text = std::fs::read_to_string(&json).unwrap();
    let last: Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    assert_eq!(last["record"], "summary");
    assert!(last["trace"]["packets"].as_u64().unwrap() > 1000);
    std::fs::remove_dir_all(&dir).ok();
}

/// The tables say what they count: n of the join delay counts MP_JOINs, each number has its own
/// row, a connection without a version says why.
#[test]
fn the_tables_say_what_they_count() {
    let table = |name: &str| {
        let output = mptcpscan(&["dissect", captures().join(name).to_str().unwrap()]);
        assert!(output.status.success(), "{name}");
        String::from_utf8(output.stdout).unwrap()
    };
    let client = table("pymptcpanalyzer/client_2.pcap");
    let line = |text: &str, start: &str| {
        text.lines()
            .find(|l| l.trim_start().starts_with(start))
            .unwrap_or_else(|| panic!("no line {start:?} in\n{text}"))
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert!(client.contains("Distributions (n: connections; MP_JOINs for the delay)"));
    // 17 subflows attempted in 4 connections: 13 MP_JOINs, each with its delay.
    assert_eq!(line(&client, "delay SYN → each MP_JOIN")[5], "13");
    assert_eq!(
        line(&client, "connections with MP_FAIL")[3..],
        ["0", "0.0", "%"]
    );
    assert_eq!(line(&client, "MP_FAIL options")[2..], ["0"]);
    assert_eq!(line(&client, "MP_PRIO options")[2..], ["0"]);
    assert_eq!(line(&client, "asking for backup")[3..], ["0"]);
    assert!(!client.contains(" (0)"), "{client}");
    let reset = table("tcpdump/mptcp-tcprst.pcap");
    assert!(
        reset.contains("version unknown (no MP_CAPABLE seen)"),
        "{reset}"
    );
}

#[test]
fn the_report_draws_every_figure_from_dissect_output() {
    let dir = temp_dir("report");
    let base = captures().join("pymptcpanalyzer");
    let mut inputs = Vec::new();
    for name in ["client_2.pcap", "iperf-mptcp-0-0.pcap"] {
        let json = dir.join(format!("{name}.json"));
        let output = mptcpscan(&[
            "dissect",
            "-q",
            "--json",
            json.to_str().unwrap(),
            base.join(name).to_str().unwrap(),
        ]);
        assert!(output.status.success());
        inputs.push(json);
    }
    let out = dir.join("report");
    let mut args = vec!["report", "-o", out.to_str().unwrap()];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    let output = mptcpscan(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for figure in [
        "join-delay-cdf",
        "subflows-per-connection",
        "rtt-spread-cdf",
        "initial-share-cdf",
        "reinjection-cdf",
        "key-hamming-weights",
        "classes-dissect",
    ] {
        let svg = std::fs::read_to_string(out.join(format!("{figure}.svg"))).unwrap();
        assert!(svg.starts_with("<svg") && svg.contains("<path"), "{figure}");
        if cfg!(feature = "png") {
            let png = std::fs::read(out.join(format!("{figure}.png"))).unwrap();
            assert_eq!(&png[1..4], b"PNG", "{figure}");
        }
    }
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    assert_eq!(html.matches("<figure").count(), 7);
    // The test's result is inside the Hamming-weight figure, and legends draw lines as lines.
    let hamming = std::fs::read_to_string(out.join("key-hamming-weights.svg")).unwrap();
    assert!(hamming.contains("χ² = ") || hamming.contains("too few keys"));
    let cdf = std::fs::read_to_string(out.join("reinjection-cdf.svg")).unwrap();
    assert_eq!(
        cdf.matches("<line x1=").count() - cdf.matches("stroke=\"#e4e4e4\"").count(),
        2
    );
    assert!(html.contains("Dataset (as in Hesmans et al., Table 1)"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_report_draws_chosen_connections_over_time_and_removes_its_stale_files() {
    let dir = temp_dir("report-series");
    let json = dir.join("c.json");
    let capture = captures().join("pymptcpanalyzer/client_2.pcap");
    let output = mptcpscan(&[
        "dissect",
        "-q",
        "--series",
        "--json",
        json.to_str().unwrap(),
        capture.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    let out = dir.join("report");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("notes.txt"), "the user's own file\n").unwrap();
    let report = |extra: &[&str]| {
        let mut args = vec!["report", "--no-png", "-o", out.to_str().unwrap()];
        args.extend_from_slice(extra);
        args.push(json.to_str().unwrap());
        mptcpscan(&args)
    };
    // The two largest connections by data: 2 (2.35 MB) and 4 (0.88 MB).
    let output = report(&["--largest", "2"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for name in [
        "connection-2-dsn",
        "connection-2-goodput",
        "connection-4-dsn",
        "connection-4-goodput",
    ] {
        let svg = std::fs::read_to_string(out.join(format!("{name}.svg"))).unwrap();
        assert!(svg.contains("time since the first packet (s)"), "{name}");
    }
    let dsn = std::fs::read_to_string(out.join("connection-2-dsn.svg")).unwrap();
    // Connection 2 sends on three subflows: one colour each, 913 segments placed.
    assert_eq!(
        dsn.matches("<circle cx").count(),
        913 + 3,
        "points and legend dots"
    );
    assert!(dsn.contains("data sequence number (MB, relative)"));
    let goodput = std::fs::read_to_string(out.join("connection-2-goodput.svg")).unwrap();
    assert!(goodput.contains("total: new data-level bytes") && goodput.contains("Mbit/s"));
    // Only connection 4 now: connection 2's figures are stale and go, the user's file stays.
    let output = report(&["--connection", "4"]);
    assert!(output.status.success());
    assert!(!out.join("connection-2-dsn.svg").exists());
    assert!(out.join("connection-4-dsn.svg").exists());
    assert!(out.join("notes.txt").exists());
    // The same connection id in two inputs: both drawn, told apart by the input's number.
    let copy = dir.join("copy.json");
    std::fs::copy(&json, &copy).unwrap();
    let output = mptcpscan(&[
        "report",
        "--no-png",
        "-o",
        out.to_str().unwrap(),
        "--connection",
        "4",
        json.to_str().unwrap(),
        copy.to_str().unwrap(),
    ]);
    assert!(output.status.success());
    assert!(out.join("connection-4-input1-dsn.svg").exists());
    assert!(out.join("connection-4-input2-goodput.svg").exists());
    assert!(!out.join("connection-4-dsn.svg").exists(), "stale");
    // A connection that is not there is an error that says how to get series.
    let output = report(&["--connection", "99"]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--series"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_report_warns_about_and_names_an_input_cut_short() {
    let dir = temp_dir("report-cut");
    let capture = captures().join("pymptcpanalyzer/client_2.pcap");
    let (_, records) = records(&capture, &dir);
    let lines: Vec<String> = records.iter().map(|r| r.to_string()).collect();
    // Without the summary line, and cut in the middle of the last line.
    let no_summary = dir.join("no-summary.json");
    std::fs::write(&no_summary, lines[..lines.len() - 1].join("\n") + "\n").unwrap();
    let mid_line = dir.join("mid-line.json");
    let mut text = lines[..lines.len() - 1].join("\n");
    text.truncate(text.len() - 40);
    std::fs::write(&mid_line, text).unwrap();
    for input in [&no_summary, &mid_line] {
        let out = dir.join("report");
        let output = mptcpscan(&[
            "report",
            "--no-png",
            "-o",
            out.to_str().unwrap(),
            input.to_str().unwrap(),
        ]);
        assert!(output.status.success());
        let stderr = String::from_utf8_lossy(&output.stderr);
        let name = input.display().to_string();
        assert!(
            stderr.contains(&format!("warning: {name}: no summary record")),
            "{stderr}"
        );
        let tables = std::fs::read_to_string(out.join("tables.txt")).unwrap();
        assert!(tables.contains("cut short"), "{tables}");
        let html = std::fs::read_to_string(out.join("index.html")).unwrap();
        assert!(html.contains("Warning:"));
    }
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn corrupted_captures_never_crash_or_hang() {
    // Every shared capture with bytes overwritten at random (a fixed seed: the same run every
    // time): the record headers may now lie about lengths, addresses and options are garbage.
    // dissect must end with its usual exit status (0 or 2), never a panic or a signal.
    let dir = temp_dir("corrupt");
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut runs = 0;
    for capture in every_capture() {
        let original = std::fs::read(&capture).unwrap();
        for round in 0..6 {
            let mut bytes = original.clone();
            for _ in 0..(8 << round) {
                let at = 24 + (next() as usize) % (bytes.len() - 24);
                bytes[at] = next() as u8;
            }
            let path = dir.join(format!("corrupt-{round}.pcap"));
            std::fs::write(&path, &bytes).unwrap();
            let output = mptcpscan(&["dissect", "--json", "-", path.to_str().unwrap()]);
            let code = output.status.code();
            assert!(
                matches!(code, Some(0) | Some(2)),
                "{} round {round}: status {:?}, stderr {}",
                capture.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            );
            let stdout = String::from_utf8(output.stdout).unwrap();
            let last = stdout.lines().last().expect("the summary is written");
            assert!(last.contains("\"record\":\"summary\""), "{last}");
            runs += 1;
        }
    }
    assert_eq!(runs, 6 * every_capture().len());
    std::fs::remove_dir_all(&dir).ok();
}

/// PNG output is the optional `png` feature: with it `--png` (the default) writes PNGs and
/// `--no-png` does not; without it the report writes SVGs, says why there are no PNGs, and
/// `--png` is an error that names the feature.
#[test]
fn png_figures_follow_the_png_feature() {
    let dir = temp_dir("report-png");
    let json = dir.join("c.json");
    let capture = captures().join("tcpdump/mptcp-v1.pcap");
    let output = mptcpscan(&[
        "dissect",
        "-q",
        "--json",
        json.to_str().unwrap(),
        capture.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = |flags: &[&str], name: &str| {
        let out = dir.join(name);
        let mut args = vec![
            "report",
            "-o",
            out.to_str().unwrap(),
            json.to_str().unwrap(),
        ];
        args.extend_from_slice(flags);
        (
            mptcpscan(&args),
            out.join("key-hamming-weights.png").exists(),
        )
    };
    let (output, png) = report(&["--no-png"], "none");
    assert!(output.status.success() && !png);
    let (output, png) = report(&["--png"], "asked");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if cfg!(feature = "png") {
        assert!(output.status.success() && png, "{stderr}");
    } else {
        assert_eq!(output.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("built without PNG output (the `png` feature"),
            "{stderr}"
        );
        assert!(!png);
    }
    let (output, png) = report(&[], "default");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert_eq!(png, cfg!(feature = "png"));
    assert_eq!(
        stderr.contains("writing SVG figures only"),
        !cfg!(feature = "png")
    );
    let (output, _) = report(&["--png", "--no-png"], "both");
    assert!(!output.status.success());
    std::fs::remove_dir_all(&dir).ok();
}
