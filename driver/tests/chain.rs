//! Acceptance test of the chain on the lab (root only, run by `make test-chain`).
//!
//! Brings a lab up under its own name, runs `mptcpscan chain --check` inside the scanner
//! namespace (which fails on any target whose class differs from the ground truth, IPv4 and
//! IPv6, v0 and v1 probes), then checks from the results file that the naive 2015 method
//! over-counts (it takes mirrors for MPTCP) and under-counts (a v0 probe misses upstream Linux
//! v1 servers), and that the hosts behind the strippers are classed `stripped`. The lab is taken
//! down on every path, panics included.
//!
//! Another test runs the chain with three sending threads (`-T 3`; its `--check` against the
//! ground truth must pass), then scans the lab with `-T 1`, `-T 2` and `-T 3`: the same rows each
//! time.
//!
//! The second test is `make rehearsal`'s code path at 2^13 addresses: a lab laid out in the
//! proportions of an Internet scan (`lab up --internet 13`), the chain over all of it with the
//! trace capped, every address checked against the ground truth.

use std::process::Command;

mod common;
use common::{load, run, scratch, LabGuard, BIN};

use mptcpscan_driver::lab::ground_truth::GroundTruth;

const LAB: &str = "chaint";
const INTERNET_LAB: &str = "chaini";
const THREADS_LAB: &str = "chainth";

#[test]
#[ignore = "needs root and network namespaces: run by `make test-chain`"]
fn chain_matches_the_lab_ground_truth() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(
        unsafe { libc::geteuid() },
        0,
        "the chain acceptance test needs root"
    );
    let dir = scratch("chain");
    let truth_path = dir.join("ground-truth.json");
    let results_path = dir.join("chain.json");
    let _guard = LabGuard(LAB);
    let up = run(Command::new(BIN)
        .args(["lab", "up", "--name", LAB, "--force", "--ground-truth"])
        .arg(&truth_path));
    assert!(up.status.success(), "lab up failed");

    // The lab's own typed loader, as `chain --check` reads it.
    let truth = GroundTruth::load(&truth_path).expect("the lab's ground truth");
    let ports: Vec<String> = truth.ports.iter().map(|p| p.to_string()).collect();
    let prefixes: Vec<String> = truth
        .prefixes
        .iter()
        .map(|p| p.prefix.to_string())
        .collect();
    assert!(
        prefixes.iter().any(|p| p.contains(':')),
        "the lab has IPv6 prefixes"
    );
    let netns = truth.scanner.netns.clone();

    let chain = run(Command::new("ip")
        .args([
            "netns",
            "exec",
            &netns,
            BIN,
            "chain",
            "--allow-lab",
            "--quiet",
        ])
        .args(["--ports", &ports.join(",")])
        .args([
            "--mptcp-version",
            "both",
            "--rate",
            "2000",
            "--cooldown",
            "2",
        ])
        .args(["--probes", "2", "--trace-timeout", "1"])
        .arg("--results")
        .arg(&results_path)
        .arg("--check")
        .arg(&truth_path)
        .args(&prefixes));
    assert!(
        chain.status.success(),
        "the chain disagrees with the ground truth (see above)"
    );
    let stdout = String::from_utf8_lossy(&chain.stdout);
    assert!(stdout.contains("total: "), "the check printed its table");

    // The naive method against ours, per lab class.
    let results = load(&results_path);
    let class_of = |addr: &str| -> String {
        truth
            .lookup(addr.parse().expect("address"))
            .map(|p| p.class.name().to_string())
            .unwrap_or_default()
    };
    let (mut mirrors_naive, mut mirrors, mut v1_naive, mut v1) = (0, 0, 0, 0);
    let mut strippers = 0;
    for host in results["hosts"].as_array().expect("hosts") {
        let class = class_of(host["addr"].as_str().expect("addr"));
        let naive = host["naive_mptcp"].as_bool().expect("naive_mptcp");
        let ours = host["class"].as_str().expect("class");
        match class.as_str() {
            "mirror-full" | "mirror-thesis" => {
                mirrors += 1;
                assert_eq!(ours, "mirror");
                if naive {
                    mirrors_naive += 1;
                }
            }
            // Servers behind a stripper answer without MP_CAPABLE: the trace tells them apart.
            "strip-nop" | "strip-shrink" => {
                strippers += 1;
                assert_eq!(ours, "stripped", "{host}");
            }
            "mptcp-v1" => {
                v1 += 1;
                assert_eq!(ours, "mptcp");
                if naive {
                    v1_naive += 1;
                }
            }
            _ => {}
        }
    }
    assert!(
        mirrors > 0 && v1 > 0 && strippers > 0,
        "the lab has mirrors, strippers and v1 servers"
    );
    assert_eq!(
        mirrors_naive, mirrors,
        "the naive method counts every mirror as MPTCP"
    );
    assert_eq!(v1_naive, 0, "a v0 probe finds no upstream Linux v1 server");
    let total = results["summary"]
        .as_array()
        .expect("summary")
        .last()
        .expect("total row")
        .clone();
    let naive = total["naive_mptcp"].as_u64().expect("naive count");
    let truly = total["truly_mptcp"].as_u64().expect("truly count");
    eprintln!("naive (2015) MPTCP count {naive}, ours {truly}; mirrors {mirrors}, v1 servers {v1}");
    assert_ne!(naive, truly);

    // Where the hosts are: databases for the lab's prefixes (each class its documentation AS and
    // country, in ground-truth order), every host enriched with its own class's.
    let databases = dir.join("databases");
    let written = run(Command::new(BIN)
        .args(["enrich", "--lab-databases"])
        .arg(&databases)
        .arg("--ground-truth")
        .arg(&truth_path));
    assert!(written.status.success());
    let enriched_path = dir.join("chain-places.json");
    let enriched = run(Command::new(BIN)
        .arg("enrich")
        .arg("--asn")
        .arg(databases.join("lab-asn.csv"))
        .arg("--country")
        .arg(databases.join("lab-country.mmdb"))
        .arg("--output")
        .arg(&enriched_path)
        .arg(&results_path));
    assert!(enriched.status.success());
    let mut classes: Vec<String> = Vec::new();
    for p in &truth.prefixes {
        let class = p.class.name().to_string();
        if !classes.contains(&class) {
            classes.push(class);
        }
    }
    let enriched = load(&enriched_path);
    let hosts = enriched["hosts"].as_array().expect("hosts");
    assert!(!hosts.is_empty());
    for host in hosts {
        let class = class_of(host["addr"].as_str().expect("addr"));
        let index = classes
            .iter()
            .position(|c| *c == class)
            .expect("a lab class");
        assert_eq!(host["asn"], 64496 + index as u64, "{host}");
        assert_eq!(host["as_name"], format!("LAB-{}", class.to_uppercase()));
        assert_eq!(
            host["country"],
            format!("X{}", (b'A' + index as u8) as char)
        );
    }
    let report = run(Command::new(BIN)
        .args(["report", "--no-png", "--out"])
        .arg(dir.join("report"))
        .arg(&enriched_path));
    assert!(report.status.success());
    let tables = String::from_utf8_lossy(&report.stdout);
    for title in [
        "Top ASes, truly MPTCP",
        "Top countries, truly MPTCP",
        "Top ASes, mirrors",
        "Top ASes, strippers",
        "Top ASes, middlebox-affected",
    ] {
        assert!(tables.contains(title), "{title}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs root and network namespaces: run by `make test-chain`"]
fn chain_matches_an_internet_proportioned_lab_address_by_address() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(unsafe { libc::geteuid() }, 0, "the chain test needs root");
    let dir = scratch("chain-internet");
    let truth_path = dir.join("ground-truth.json");
    let _guard = LabGuard(INTERNET_LAB);
    let up = run(Command::new(BIN)
        .args([
            "lab",
            "up",
            "--name",
            INTERNET_LAB,
            "--force",
            "--internet",
            "13",
            "--ports",
            "80",
            "--ground-truth",
        ])
        .arg(&truth_path));
    assert!(up.status.success(), "lab up --internet failed");
    let truth = GroundTruth::load(&truth_path).expect("the lab's ground truth");
    let size = |p: &&mptcpscan_driver::lab::ground_truth::PrefixTruth| -> u64 {
        1 << (p.prefix.max_prefix_len() - p.prefix.prefix_len())
    };
    assert_eq!(
        truth.prefixes.iter().map(|p| size(&p)).sum::<u64>(),
        1 << 13
    );
    let silent: u64 = truth
        .prefixes
        .iter()
        .filter(|p| p.class.name() == "silent")
        .map(|p| size(&p))
        .sum();
    assert!(silent > 1 << 12, "most of the space is silent ({silent})");
    let prefixes: Vec<String> = truth
        .prefixes
        .iter()
        .map(|p| p.prefix.to_string())
        .collect();
    let results_path = dir.join("chain.json");
    let chain = run(Command::new("ip")
        .args(["netns", "exec", &truth.scanner.netns, BIN, "chain"])
        .args(["--allow-lab", "--quiet", "--ports", "80"])
        .args(["--rate", "4000", "--cooldown", "2", "--probes", "2"])
        .args(["--trace-timeout", "1", "--trace-plain-max", "64"])
        .arg("--results")
        .arg(&results_path)
        .arg("--check")
        .arg(&truth_path)
        .args(&prefixes));
    assert!(
        chain.status.success(),
        "the chain disagrees with the ground truth (see above)"
    );
    let stdout = String::from_utf8_lossy(&chain.stdout);
    // 2^13 addresses, one port, two probe versions: every one checked.
    assert!(
        stdout.contains("total: 16384/16384 agree"),
        "every address checked"
    );
    // The capped sample of plain answers still reaches the strippers' prefixes, and only the
    // sample was traced.
    let results = load(&results_path);
    let total = results["summary"]
        .as_array()
        .and_then(|rows| rows.last())
        .expect("the total row")
        .clone();
    assert!(total["stripped"].as_u64().expect("stripped") > 0, "{total}");
    let plain_traced = results["hosts"]
        .as_array()
        .expect("hosts")
        .iter()
        .filter(|h| {
            let versions = h["versions"].as_array().expect("versions");
            versions.iter().all(|v| v["scan"]["mptcp_version"] == "")
                && versions.iter().any(|v| !v["trace"].is_null())
        })
        .count();
    assert!(plain_traced <= 64, "{plain_traced} plain answers traced");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs root and network namespaces: run by `make test-chain`"]
fn sender_threads_find_what_one_thread_finds_on_the_lab() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(unsafe { libc::geteuid() }, 0, "this test needs root");
    let dir = scratch("chain-threads");
    let truth_path = dir.join("ground-truth.json");
    let _guard = LabGuard(THREADS_LAB);
    let up = run(Command::new(BIN)
        .args([
            "lab",
            "up",
            "--name",
            THREADS_LAB,
            "--force",
            "--ground-truth",
        ])
        .arg(&truth_path));
    assert!(up.status.success(), "lab up failed");
    let truth = GroundTruth::load(&truth_path).expect("the lab's ground truth");
    let ports: Vec<String> = truth.ports.iter().map(|p| p.to_string()).collect();
    let ports = ports.join(",");
    let prefixes: Vec<String> = truth
        .prefixes
        .iter()
        .map(|p| p.prefix.to_string())
        .collect();
    let netns = truth.scanner.netns.clone();
    let lab = |command: &str, threads: &str| {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &netns, BIN, command, "--allow-lab", "-q"])
            .args([
                "-p",
                &ports,
                "--mptcp-version",
                "both",
                "-r",
                "2000",
                "-c",
                "2",
            ])
            .args(["--key", "0c0c0c0c0c0c0c0c", "-T", threads])
            .args(&prefixes);
        cmd
    };
    let results = dir.join("chain.json");
    let chain = run(lab("chain", "3")
        .args(["--probes", "2", "--trace-timeout", "1", "--results"])
        .arg(&results)
        .arg("--check")
        .arg(&truth_path));
    assert!(
        chain.status.success(),
        "the chain with -T 3 disagrees with the ground truth (see above)"
    );
    // Rows without what changes from scan to scan (source ports, sequence numbers, the hosts'
    // keys, times). The lab drops the scanner kernel's RSTs, so its hosts keep the half-open
    // connections of each scan for a minute: each scan takes source ports no other run used
    // (the chain's scan and trace draw theirs in 32768-61000).
    let scan = |threads: &str, ports: &str| -> Vec<String> {
        let csv = dir.join(format!("scan-{threads}.csv"));
        let fields = "saddr,sport,classification,probe_version,mptcp_version,mptcp_verdict";
        let out = run(lab("scan", threads)
            .args(["-s", ports, "-f", fields, "-o"])
            .arg(&csv));
        assert!(out.status.success(), "scan -T {threads} failed");
        let text = std::fs::read_to_string(&csv).expect("the scan's rows");
        let mut rows: Vec<String> = text.lines().skip(1).map(str::to_string).collect();
        rows.sort_unstable();
        rows
    };
    let one = scan("1", "10000-11999");
    // Every answering class answered, from its own prefixes only.
    for row in &one {
        let addr = row.split(',').next().expect("saddr");
        let class = truth
            .lookup(addr.parse().expect("an address"))
            .expect("a lab address")
            .class
            .name();
        assert_ne!(class, "silent", "{row}");
    }
    let answering = truth
        .prefixes
        .iter()
        .filter(|p| p.class.name() != "silent")
        .count();
    assert!(one.len() >= answering, "{} rows", one.len());
    for (threads, ports) in [("2", "12000-13999"), ("3", "14000-15999")] {
        assert_eq!(scan(threads, ports), one, "-T {threads} against -T 1");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
