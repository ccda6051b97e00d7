//! `mptcpscan enrich` and the report's AS and country tables, on databases the test writes
//! itself: the lab's prefixes mapped to documentation AS numbers (RFC 5398, 64496–64511) in both
//! AS file formats (pyasn `ipasn` and the `@ip-location-db/asn` range CSV), and to user-assigned
//! country codes in a MaxMind DB read back through the `maxminddb` crate.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn mptcpscan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mptcpscan"))
        .args(args)
        .output()
        .expect("running mptcpscan")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mptcpscan-enrich-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Lab databases for three classes (in this order: AS 64496/XA, 64497/XB, 64498/XC).
fn databases(dir: &Path) {
    let truth = dir.join("ground-truth.json");
    std::fs::write(
        &truth,
        r#"{"format": "mptcpscan-lab/1", "prefixes": [
            {"prefix": "198.18.1.0/28", "ip_version": 4, "class": "mptcp-v1"},
            {"prefix": "2001:db8:1:1::/124", "ip_version": 6, "class": "mptcp-v1"},
            {"prefix": "198.18.4.0/28", "ip_version": 4, "class": "mirror-full"},
            {"prefix": "198.18.9.0/28", "ip_version": 4, "class": "key-rewrite-syn"}]}"#,
    )
    .unwrap();
    let out = mptcpscan(&[
        "enrich",
        "--lab-databases",
        s(dir),
        "--ground-truth",
        s(&truth),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn scan_csv_and_json_get_as_and_country_from_either_as_format() {
    let dir = temp_dir("scan");
    databases(&dir);
    let csv = dir.join("scan.csv");
    std::fs::write(
        &csv,
        "saddr,sport,mptcp_verdict\n198.18.1.3,443,mptcp\n2001:db8:1:1::5,80,mptcp\n\
         198.18.4.1,80,mirrored\n203.0.113.1,80,mptcp\n",
    )
    .unwrap();
    let country = dir.join("lab-country.mmdb");
    for (asn_file, named) in [("lab-asn.csv", true), ("lab.ipasn", false)] {
        let out = mptcpscan(&[
            "enrich",
            "--asn",
            s(&dir.join(asn_file)),
            "--country",
            s(&country),
            s(&csv),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8(out.stdout).unwrap();
        let name = |n: &str| if named { n.to_string() } else { String::new() };
        let expected = [
            "saddr,sport,mptcp_verdict,asn,as_name,country".to_string(),
            format!("198.18.1.3,443,mptcp,64496,{},XA", name("LAB-MPTCP-V1")),
            format!("2001:db8:1:1::5,80,mptcp,64496,{},XA", name("LAB-MPTCP-V1")),
            format!(
                "198.18.4.1,80,mirrored,64497,{},XB",
                name("LAB-MIRROR-FULL")
            ),
            // Outside every database: empty fields, the row kept.
            "203.0.113.1,80,mptcp,,,".to_string(),
        ];
        assert_eq!(text.lines().collect::<Vec<_>>(), expected, "{asn_file}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("3 of 4 addresses"));
    }
    // JSON lines keep every field and add three.
    let json = dir.join("scan.json");
    std::fs::write(
        &json,
        "{\"saddr\":\"198.18.9.2\",\"sport\":80,\"mptcp_verdict\":\"mptcp\"}\n",
    )
    .unwrap();
    let out_path = dir.join("enriched.json");
    let out = mptcpscan(&[
        "enrich",
        "--asn",
        s(&dir.join("lab-asn.csv")),
        "--country",
        s(&country),
        "-o",
        s(&out_path),
        s(&json),
    ]);
    assert!(out.status.success());
    let row: Value = serde_json::from_str(&std::fs::read_to_string(&out_path).unwrap()).unwrap();
    assert_eq!(row["sport"], 80);
    assert_eq!(row["asn"], 64498);
    assert_eq!(row["as_name"], "LAB-KEY-REWRITE-SYN");
    assert_eq!(row["country"], "XC");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_report_tabulates_top_ases_and_countries_of_chain_results() {
    let dir = temp_dir("report");
    databases(&dir);
    let chain = dir.join("chain.json");
    let mut hosts = Vec::new();
    for (addr, class) in [
        ("198.18.1.1", "mptcp"),
        ("198.18.1.2", "mptcp"),
        ("2001:db8:1:1::1", "mptcp"),
        ("198.18.4.1", "mirror"),
        ("198.18.9.1", "middlebox-affected"),
    ] {
        for port in [80, 443] {
            hosts.push(serde_json::json!({"addr": addr, "port": port, "class": class}));
        }
    }
    std::fs::write(&chain, serde_json::json!({"hosts": hosts}).to_string()).unwrap();
    let asn = dir.join("lab-asn.csv");
    let country = dir.join("lab-country.mmdb");
    // Through `enrich` first, or looked up by the report itself: the same tables.
    let enriched = dir.join("enriched.json");
    let out = mptcpscan(&[
        "enrich",
        "--asn",
        s(&asn),
        "--country",
        s(&country),
        "-o",
        s(&enriched),
        s(&chain),
    ]);
    assert!(out.status.success());
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(&enriched).unwrap()).unwrap();
    assert_eq!(doc["hosts"][4]["asn"], 64496);
    assert_eq!(doc["hosts"][6]["country"], "XB");
    let mut tables = Vec::new();
    for args in [
        vec!["--asn", s(&asn), "--country", s(&country), s(&chain)],
        vec![s(&enriched)],
    ] {
        let out_dir = dir.join("report");
        let mut all = vec!["report", "--no-png", "-o", s(&out_dir)];
        all.extend(args);
        let out = mptcpscan(&all);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        tables.push(std::fs::read_to_string(out_dir.join("tables.txt")).unwrap());
    }
    let text = &tables[0];
    let cells = |line: &str| line.split_whitespace().collect::<Vec<_>>().join(" ");
    let lines: Vec<String> = text.lines().map(cells).collect();
    let at = lines
        .iter()
        .position(|l| l.starts_with("Top ASes, truly MPTCP: 3 addresses in 1 AS "))
        .expect(text);
    assert_eq!(
        lines[at + 1],
        "ASN #port 80 #port 443 IPv4 IPv6 country owner"
    );
    assert_eq!(lines[at + 2], "64496 3 3 2 1 XA LAB-MPTCP-V1");
    assert!(lines.contains(&"XA 3 3 2 1 3".to_string()), "{text}");
    assert!(
        lines.contains(&"64497 1 1 1 0 XB LAB-MIRROR-FULL".to_string()),
        "{text}"
    );
    assert!(
        lines.contains(&"64498 1 1 1 0 XC LAB-KEY-REWRITE-SYN".to_string()),
        "{text}"
    );
    // The tables of the enriched file are the same, except for the Inputs section.
    let places = |t: &str| t[t.find("Top ASes").unwrap()..].to_string();
    assert_eq!(places(&tables[0]), places(&tables[1]));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn bad_databases_and_inputs_fail_cleanly() {
    let dir = temp_dir("bad");
    let csv = dir.join("scan.csv");
    std::fs::write(&csv, "saddr\n198.18.1.1\n").unwrap();
    let out = mptcpscan(&["enrich", s(&csv)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--asn"));
    let bad = dir.join("bad.ipasn");
    std::fs::write(&bad, "198.18.0.0/15\tAS64496\n").unwrap();
    let out = mptcpscan(&["enrich", "--asn", s(&bad), s(&csv)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 1"));
    let out = mptcpscan(&["enrich", "--country", s(&bad), s(&csv)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a MaxMind DB"));
    let good = dir.join("good.ipasn");
    std::fs::write(&good, "198.18.0.0/15\t64496\n").unwrap();
    std::fs::write(&csv, "daddr\n198.18.1.1\n").unwrap();
    let out = mptcpscan(&["enrich", "--asn", s(&good), s(&csv)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("saddr"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn as_ranks_from_either_format_reach_rows_and_the_report() {
    let dir = temp_dir("rank");
    databases(&dir);
    let asn = dir.join("lab-asn.csv");
    // CAIDA's AS Rank records as JSON lines, written here for two of the lab's ASes.
    let jsonl = dir.join("asrank.jsonl");
    std::fs::write(
        &jsonl,
        "{\"asn\":\"64496\",\"asnName\":\"LAB-MPTCP-V1\",\"rank\":27}\n{\"asn\":64497,\"rank\":null}\n",
    )
    .unwrap();
    let csv = dir.join("scan.csv");
    std::fs::write(&csv, "saddr,sport\n198.18.1.1,80\n198.18.4.1,80\n").unwrap();
    let out = mptcpscan(&["enrich", "--asn", s(&asn), "--as-rank", s(&jsonl), s(&csv)]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "saddr,sport,asn,as_name,country,as_rank");
    assert_eq!(rows[1], "198.18.1.1,80,64496,LAB-MPTCP-V1,,27");
    assert_eq!(rows[2], "198.18.4.1,80,64497,LAB-MIRROR-FULL,,");

    // The lab's own rank file (the class's position) in the report's AS tables.
    let chain = dir.join("chain.json");
    let hosts: Vec<Value> = [("198.18.1.1", "mptcp"), ("198.18.4.1", "mirror")]
        .iter()
        .map(|(addr, class)| serde_json::json!({"addr": addr, "port": 443, "class": class}))
        .collect();
    std::fs::write(&chain, serde_json::json!({"hosts": hosts}).to_string()).unwrap();
    let out_dir = dir.join("report");
    let ranks = dir.join("lab-asrank.csv");
    let out = mptcpscan(&[
        "report",
        "--no-png",
        "-o",
        s(&out_dir),
        "--asn",
        s(&asn),
        "--as-rank",
        s(&ranks),
        s(&chain),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tables = std::fs::read_to_string(out_dir.join("tables.txt")).unwrap();
    let lines: Vec<String> = tables
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert!(
        lines.contains(&"ASN #port 443 rank IPv4 IPv6 country owner".to_string()),
        "{tables}"
    );
    assert!(
        lines.contains(&"64496 1 1 1 0 - LAB-MPTCP-V1".to_string()),
        "{tables}"
    );
    assert!(
        lines.contains(&"64497 1 2 1 0 - LAB-MIRROR-FULL".to_string()),
        "{tables}"
    );

    // A malformed rank file names its line; a rank without --asn is refused.
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "asn,rank\n64496,first\n").unwrap();
    let out = mptcpscan(&["enrich", "--asn", s(&asn), "--as-rank", s(&bad), s(&csv)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("line 2"));
    let out = mptcpscan(&["enrich", "--as-rank", s(&ranks), s(&csv)]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--asn"));
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn the_report_lists_where_traces_saw_mp_capable_stripped() {
    let dir = temp_dir("strippers");
    databases(&dir);
    // Two hosts behind one hop that removed MP_CAPABLE (as `chain` writes them), and a host
    // behind a key rewriter, whose hop is no stripper.
    let trace = |interference: &str, hop: &str| {
        serde_json::json!({"probe_version": 0, "class": "stripped", "modified_at": 2,
            "trace": {"interference": interference, "modified_at": 2, "hops": [
                {"ttl": 1, "from": "198.18.0.1"}, {"ttl": 2, "from": hop}]}})
    };
    let hosts = serde_json::json!([
        {"addr": "198.18.1.1", "port": 80, "class": "stripped",
         "versions": [trace("stripped", "198.18.9.1")]},
        {"addr": "198.18.1.2", "port": 80, "class": "stripped",
         "versions": [trace("stripped", "198.18.9.1")]},
        {"addr": "198.18.1.3", "port": 80, "class": "not-mptcp",
         "versions": [trace("rewritten", "198.18.4.1")]},
    ]);
    let chain = dir.join("chain.json");
    std::fs::write(&chain, serde_json::json!({"hosts": hosts}).to_string()).unwrap();
    let out_dir = dir.join("report");
    let asn = dir.join("lab-asn.csv");
    let out = mptcpscan(&[
        "report",
        "--no-png",
        "-o",
        s(&out_dir),
        "--asn",
        s(&asn),
        s(&chain),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tables = std::fs::read_to_string(out_dir.join("tables.txt")).unwrap();
    let lines: Vec<String> = tables
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("Stripping hops: 1 hop where 2 traces")),
        "{tables}"
    );
    // The hop's own AS (the lab database maps 198.18.9.0/28 to key-rewrite-syn's).
    assert!(
        lines.contains(&"198.18.9.1 2 2 2 - 64498 LAB-KEY-REWRITE-SYN".to_string()),
        "{tables}"
    );
    assert!(!tables.contains("198.18.4.1"), "{tables}");
    std::fs::remove_dir_all(&dir).ok();
}
