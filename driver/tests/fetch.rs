//! `mptcpscan fetch` against the lab (root only, run by `make test-fetch`), and its refusals of
//! bad input (any user, run by `cargo test`).
//!
//! The lab test brings up a lab with `--http` under its own name and fetches, from the scanner
//! namespace, from the two-path host (IPv4 and IPv6), a kernel MPTCP host, a plain TCP host and
//! the hosts behind both strippers. It checks what the kernel said about every connection
//! (`MPTCP_INFO`) against the lab's ground truth: two subflows to the two-path host, fallback
//! behind the strippers. It checks the order of the times, never their values: on the two-path
//! host the MPTCP median beats the TCP median. Then `report` draws the ratio figure from the
//! results. The lab is taken down on every path, panics included.

use std::process::Command;

mod common;
use common::{load, run, scratch, LabGuard, BIN};

use serde_json::Value;

const LAB: &str = "fetcht";

fn median(mut values: Vec<f64>) -> f64 {
    assert!(!values.is_empty(), "no complete fetch to take a median of");
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// The first address of the lab's IPv4 prefix of `class`.
fn first_host(truth: &Value, class: &str) -> String {
    let prefix = truth["prefixes"]
        .as_array()
        .expect("prefixes")
        .iter()
        .find(|p| p["class"] == class && p["ip_version"] == 4)
        .unwrap_or_else(|| panic!("no IPv4 prefix of class {class}"))["prefix"]
        .as_str()
        .expect("prefix")
        .parse::<ipnet::Ipv4Net>()
        .expect("an IPv4 prefix");
    prefix.hosts().next().expect("a host").to_string()
}

#[test]
#[ignore = "needs root and network namespaces: run by `make test-fetch`"]
fn mptcp_uses_both_paths_and_falls_back_behind_strippers() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(unsafe { libc::geteuid() }, 0, "the fetch test needs root");
    let dir = scratch("fetch-lab");
    let truth_path = dir.join("ground-truth.json");
    let results = dir.join("fetch.json");
    let _guard = LabGuard(LAB);
    let up = run(Command::new(BIN)
        .args(["lab", "up", "--name", LAB, "--force", "--http"])
        .args(["--classes", "mptcp-v1,tcp,strip-nop,strip-shrink"])
        .args(["--http-body-bytes", "4194304", "--ground-truth"])
        .arg(&truth_path));
    assert!(up.status.success(), "lab up --http failed");
    let truth = load(&truth_path);
    let http = &truth["http"];
    let port = http["port"].as_u64().expect("http port");
    let two_path = &http["two_path"];
    let subflows = two_path["mptcp_subflows"].as_u64().expect("subflows");
    assert_eq!(subflows, 2, "the two-path host has two paths");
    let two_path_urls: Vec<String> = [
        two_path["ipv4"].as_str().expect("ipv4").to_string(),
        format!("[{}]", two_path["ipv6"].as_str().expect("ipv6")),
    ]
    .iter()
    .map(|host| format!("http://{host}:{port}/"))
    .collect();
    let expected: Vec<(String, String)> = http["connections"]
        .as_array()
        .expect("connections")
        .iter()
        .map(|e| {
            let class = e["class"].as_str().expect("class");
            (
                format!("http://{}:{port}/65536", first_host(&truth, class)),
                e["connection"].as_str().expect("connection").to_string(),
            )
        })
        .collect();
    assert_eq!(expected.len(), 4, "{expected:?}");

    let fetch = run(Command::new("ip")
        .args([
            "netns",
            "exec",
            truth["scanner"]["netns"].as_str().expect("netns"),
        ])
        .args([
            BIN,
            "fetch",
            "--allow-lab",
            "--count",
            "3",
            "--timeout",
            "20",
        ])
        .arg("--output")
        .arg(dir.join("fetch.csv"))
        .arg("--json")
        .arg(&results)
        .args(&two_path_urls)
        .args(expected.iter().map(|(url, _)| url)));
    assert!(fetch.status.success(), "fetch failed");

    let rows: Vec<Value> = std::fs::read_to_string(&results)
        .expect("reading the fetch results")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON row"))
        .collect();
    let csv_rows = std::fs::read_to_string(dir.join("fetch.csv"))
        .expect("reading the CSV")
        .lines()
        .count();
    assert_eq!(
        csv_rows,
        rows.len() + 1,
        "one CSV row per fetch and a header"
    );
    assert_eq!(rows.len(), 3 * 2 * (two_path_urls.len() + expected.len()));
    for row in &rows {
        assert_eq!(row["outcome"], "ok", "{row}");
        assert_eq!(row["http_status"], 200, "{row}");
        if row["socket"] == "tcp" {
            assert_eq!(row["connection"], "tcp", "{row}");
        }
    }
    let of = |url: &str, socket: &str| -> Vec<&Value> {
        rows.iter()
            .filter(|r| r["url"] == url && r["socket"] == socket)
            .collect()
    };
    for url in &two_path_urls {
        for row in of(url, "mptcp") {
            assert_eq!(row["connection"], "mptcp", "{row}");
            assert_eq!(row["subflows"], subflows, "two subflows: {row}");
        }
        let total = |socket: &str| -> f64 {
            median(
                of(url, socket)
                    .iter()
                    .map(|r| r["total_ms"].as_f64().expect("total_ms"))
                    .collect(),
            )
        };
        let (mptcp, tcp) = (total("mptcp"), total("tcp"));
        eprintln!("{url}: median MPTCP {mptcp} ms, TCP {tcp} ms");
        assert!(mptcp < tcp, "{url}: two subflows are faster than one path");
    }
    for (url, connection) in &expected {
        let mptcp = of(url, "mptcp");
        assert_eq!(mptcp.len(), 3);
        for row in mptcp {
            assert_eq!(&row["connection"], connection.as_str(), "{row}");
            match connection.as_str() {
                "mptcp" => assert_eq!(row["subflows"], 1, "one path: {row}"),
                _ => assert!(row["subflows"].is_null(), "{row}"),
            }
        }
    }

    if cfg!(feature = "https") {
        https_over_both_paths_and_behind_a_stripper(&truth, &dir);
    }

    let report = dir.join("report");
    let out = run(Command::new(BIN)
        .arg("report")
        .arg(&results)
        .arg("--out")
        .arg(&report));
    assert!(out.status.success(), "report failed");
    let svg = std::fs::read_to_string(report.join("fetch-ratio-cdf.svg")).expect("the figure");
    assert!(
        svg.contains("fell back to TCP (n = 3)"),
        "the three fallback targets"
    );
    assert!(
        svg.contains("stayed MPTCP (n = 3)"),
        "the three MPTCP targets"
    );
    assert!(report.join("fetch-ratio-cdf.png").exists());

    let down = run(Command::new(BIN).args(["lab", "down", "--name", LAB]));
    assert!(down.status.success(), "lab down failed");
    let namespaces = Command::new("ip")
        .args(["netns", "list"])
        .output()
        .expect("ip netns list");
    let left = String::from_utf8_lossy(&namespaces.stdout)
        .lines()
        .filter(|l| l.starts_with(&format!("{LAB}-")))
        .map(str::to_string)
        .collect::<Vec<_>>();
    assert!(left.is_empty(), "left behind: {left:?}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// With the `https` feature, bad TLS settings stop fetch before any packet, each with its
/// reason; without it, `https://` names the missing feature (`make test-features`).
#[test]
fn https_follows_the_https_feature() {
    let target = ["https://198.18.0.70:8443/", "--allow-lab"];
    if !cfg!(feature = "https") {
        fetch_fails(&target, "built without the `https` feature");
        return;
    }
    let dir = scratch("fetch-tls-input");
    let missing = dir.join("missing.pem");
    let garbled = dir.join("garbled.pem");
    std::fs::write(
        &garbled,
        "-----BEGIN CERTIFICATE-----\n!!\n-----END CERTIFICATE-----\n",
    )
    .expect("writing");
    let text = dir.join("text.pem");
    std::fs::write(&text, "hello\n").expect("writing");
    let with = |extra: &[&str]| -> Vec<String> {
        target.iter().chain(extra).map(|s| s.to_string()).collect()
    };
    for (args, message) in [
        (
            with(&["--ca-file", missing.to_str().expect("utf-8")]),
            "reading --ca-file",
        ),
        (
            with(&["--ca-file", garbled.to_str().expect("utf-8")]),
            "not PEM certificates",
        ),
        (
            with(&["--ca-file", text.to_str().expect("utf-8")]),
            "no PEM certificate",
        ),
        (with(&["--sni", "not a name"]), "--sni `not a name`"),
    ] {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        fetch_fails(&args, message);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// HTTPS on the same lab: the TLS handshake happens over the MPTCP socket, the two-path host
/// still gives two subflows, a stripper still makes it fall back, and the bytes are all there;
/// without the lab's CA the certificate is refused.
fn https_over_both_paths_and_behind_a_stripper(truth: &Value, dir: &std::path::Path) {
    let http = &truth["http"];
    let port = http["https_port"].as_u64().expect("https_port");
    let ca = http["ca_file"].as_str().expect("ca_file");
    let body = http["body_bytes"].as_u64().expect("body_bytes");
    let netns = truth["scanner"]["netns"].as_str().expect("netns");
    let two_path = format!(
        "https://{}:{port}/",
        http["two_path"]["ipv4"].as_str().expect("ipv4")
    );
    let stripped = format!("https://{}:{port}/65536", first_host(truth, "strip-nop"));
    let kernel = format!("https://{}:{port}/65536", first_host(truth, "mptcp-v1"));
    let results = dir.join("fetch-https.json");
    let fetch = run(Command::new("ip")
        .args(["netns", "exec", netns, BIN, "fetch", "--allow-lab"])
        .args(["--count", "2", "--timeout", "20", "--ca-file", ca])
        .arg("--output")
        .arg(dir.join("fetch-https.csv"))
        .arg("--json")
        .arg(&results)
        .args([&two_path, &stripped, &kernel]));
    assert!(fetch.status.success(), "fetch over HTTPS failed");
    let rows: Vec<Value> = std::fs::read_to_string(&results)
        .expect("reading the HTTPS results")
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON row"))
        .collect();
    assert_eq!(rows.len(), 2 * 2 * 3);
    for row in &rows {
        assert_eq!(row["outcome"], "ok", "{row}");
        assert_eq!(row["http_status"], 200, "{row}");
        let expected = if row["url"] == two_path.as_str() {
            body
        } else {
            65536
        };
        assert_eq!(row["body_bytes"], expected, "{row}");
        assert!(row["tls_ms"].is_f64(), "the TLS handshake happened: {row}");
        assert_eq!(row["tls_verified"], true, "{row}");
        let (connection, subflows) = match (row["socket"].as_str(), row["url"].as_str()) {
            (Some("tcp"), _) => ("tcp", Value::Null),
            (_, Some(u)) if u == two_path => ("mptcp", Value::from(2)),
            (_, Some(u)) if u == kernel => ("mptcp", Value::from(1)),
            _ => ("fallback", Value::Null),
        };
        assert_eq!(row["connection"], connection, "{row}");
        assert_eq!(row["subflows"], subflows, "{row}");
    }
    // Without the lab's CA the certificate is not trusted: no download, and the row says why.
    let refused = dir.join("fetch-untrusted.json");
    let fetch = run(Command::new("ip")
        .args([
            "netns",
            "exec",
            netns,
            BIN,
            "fetch",
            "--allow-lab",
            "--count",
            "1",
        ])
        .arg("--output")
        .arg(dir.join("fetch-untrusted.csv"))
        .arg("--json")
        .arg(&refused)
        .arg(&two_path));
    assert!(fetch.status.success(), "fetch without the CA failed to run");
    let text = std::fs::read_to_string(&refused).expect("reading");
    for line in text.lines() {
        let row: Value = serde_json::from_str(line).expect("a JSON row");
        assert_eq!(row["outcome"], "tls-failed", "{row}");
        assert!(
            row["error"]
                .as_str()
                .is_some_and(|e| e.contains("certificate")),
            "{row}"
        );
        assert_eq!(row["body_bytes"], 0, "{row}");
    }
    assert_eq!(text.lines().count(), 2);
}

fn fetch_fails(args: &[&str], message: &str) {
    let out = Command::new(BIN)
        .arg("fetch")
        .args(args)
        .output()
        .expect("running fetch");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "fetch {args:?} succeeded");
    assert!(stderr.contains(message), "fetch {args:?}: {stderr}");
    assert!(out.stdout.is_empty(), "fetch {args:?} wrote results");
}

#[test]
fn bad_input_is_refused_before_any_packet() {
    fetch_fails(&[], "no targets");
    fetch_fails(&["198.18.0.66:8080"], "blocklisted");
    fetch_fails(&["http://10.1.2.3/", "--allow-lab"], "blocklisted");
    fetch_fails(&["ftp://192.0.2.1/"], "only http:// and https://");
    fetch_fails(&["http://example.com/"], "never resolves names");
    fetch_fails(&["198.18.0.66", "--allow-lab", "--count", "0"], "--count");
    fetch_fails(
        &["198.18.0.66", "--allow-lab", "--timeout", "nan"],
        "--timeout",
    );
    let dir = scratch("fetch-input");
    let chain = dir.join("chain.json");
    std::fs::write(&chain, "{\"hosts\": 3}").expect("writing");
    fetch_fails(
        &["--chain", chain.to_str().expect("utf-8")],
        "not a `mptcpscan chain --results` file",
    );
    fetch_fails(
        &["http://198.18.0.66/", "--allow-lab", "--sni", "a.example"],
        "apply to HTTPS targets only",
    );
    let _ = std::fs::remove_dir_all(&dir);
}
