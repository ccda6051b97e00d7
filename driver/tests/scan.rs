//! `mptcpscan scan` as an operator meets it (root only, run by `make test-scan`): exit status
//! and outputs on failure, Ctrl-C and a closed pipe, the metadata file, `--firewall`, and (no
//! root needed) the dry run and the default blocklist.
//!
//! Every test builds its own network namespaces: a scanner (`…s`, 198.18.0.2/24 and
//! 2001:db8::2/64 on a veth) and a host namespace (`…h`, 198.18.0.1/24, 2001:db8::1/64) where
//! local routes make the kernel answer for all of 198.18.1.0/28 and 2001:db8:1::/124: port 80
//! has a listener (SYN-ACK), port 81 none (RST). Namespaces are deleted
//! when the test ends, also when it fails. Run under `flock /tmp/mptcpscan-netns.lock`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_mptcpscan");

fn ip(args: &[&str]) {
    let out = Command::new("ip").args(args).output().expect("running ip");
    assert!(
        out.status.success(),
        "ip {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A scanner namespace, optionally wired to a host namespace; both deleted on drop.
struct Net {
    scanner: String,
    host: Option<String>,
    listener: Option<Child>,
    dir: PathBuf,
}

impl Net {
    /// A scanner namespace with only `lo` up: no route anywhere.
    fn isolated(tag: &str) -> Net {
        let scanner = format!("mpso{}{tag}s", std::process::id());
        ip(&["netns", "add", &scanner]);
        let net = Net {
            scanner,
            host: None,
            listener: None,
            dir: scratch(tag),
        };
        net.exec_ok(&["ip", "link", "set", "lo", "up"]);
        net
    }

    /// A scanner namespace and a host namespace answering for 198.18.1.0/28.
    fn wired(tag: &str) -> Net {
        let mut net = Net::isolated(tag);
        let host = format!("mpso{}{tag}h", std::process::id());
        ip(&["netns", "add", &host]);
        net.host = Some(host.clone());
        ip(&[
            "link",
            "add",
            "veth-s",
            "netns",
            &net.scanner,
            "type",
            "veth",
            "peer",
            "name",
            "veth-h",
            "netns",
            &host,
        ]);
        for cmd in [
            "ip addr add 198.18.0.2/24 dev veth-s",
            "ip -6 addr add 2001:db8::2/64 dev veth-s nodad",
            "ip link set veth-s up",
            "ip route add 198.18.1.0/24 via 198.18.0.1",
            "ip -6 route add 2001:db8:1::/64 via 2001:db8::1",
        ] {
            net.exec_ok(&cmd.split(' ').collect::<Vec<_>>());
        }
        for cmd in [
            "ip link set lo up",
            "ip addr add 198.18.0.1/24 dev veth-h",
            "ip -6 addr add 2001:db8::1/64 dev veth-h nodad",
            "ip link set veth-h up",
            "ip route add local 198.18.1.0/28 dev lo",
            "ip -6 route add local 2001:db8:1::/124 dev lo",
        ] {
            let mut full = vec!["netns", "exec", &host];
            full.extend(cmd.split(' '));
            ip(&full);
        }
        let listener = Command::new("ip")
            .args(["netns", "exec", &host, "python3", "-c"])
            .arg(
                "import socket, sys, time\n\
                 s = socket.socket(socket.AF_INET6)\n\
                 s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n\
                 s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)\n\
                 s.bind(('::', 80))\n\
                 s.listen(4096)\n\
                 print('ready', flush=True)\n\
                 time.sleep(600)\n",
            )
            .stdout(Stdio::piped())
            .spawn()
            .expect("starting the listener");
        let mut listener = listener;
        let mut line = String::new();
        BufReader::new(listener.stdout.as_mut().expect("listener stdout"))
            .read_line(&mut line)
            .expect("the listener says it is ready");
        assert_eq!(line.trim(), "ready");
        net.listener = Some(listener);
        net
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new("ip");
        cmd.args(["netns", "exec", &self.scanner]).args(args);
        cmd
    }

    fn exec_ok(&self, args: &[&str]) {
        let out = self.command(args).output().expect("ip netns exec");
        assert!(
            out.status.success(),
            "{}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// `mptcpscan scan ARGS` in the scanner namespace.
    fn scan(&self, args: &[&str]) -> Command {
        let mut full = vec![BIN, "scan"];
        full.extend(args);
        self.command(&full)
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The nft tables in the scanner namespace.
    fn nft_tables(&self) -> String {
        let out = self
            .command(&["nft", "list", "tables"])
            .output()
            .expect("nft list tables");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Drop for Net {
    fn drop(&mut self) {
        if let Some(mut listener) = self.listener.take() {
            let _ = listener.kill();
            let _ = listener.wait();
        }
        for ns in std::iter::once(&self.scanner).chain(&self.host) {
            let _ = Command::new("ip").args(["netns", "del", ns]).output();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mptcpscan-scan-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a scratch directory");
    dir
}

fn show(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

fn read_csv(path: &Path) -> (String, Vec<String>) {
    let text = std::fs::read_to_string(path).expect("reading the CSV");
    let mut lines = text.lines().map(str::to_string);
    let header = lines.next().unwrap_or_default();
    (header, lines.collect())
}

fn load(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("reading JSON")).expect("JSON")
}

fn as_root() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(unsafe { libc::geteuid() }, 0, "these tests need root");
}

/// Polls `cond` every 50 ms until it holds or `limit` passes.
fn wait_for(limit: Duration, mut cond: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if cond() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    cond()
}

fn sigint(child: &Child) {
    // SAFETY: kill(2) with a pid we spawned and a valid signal number.
    let ret = unsafe { libc::kill(child.id() as libc::pid_t, libc::SIGINT) };
    assert_eq!(ret, 0, "sending SIGINT");
}

/// The scanner process inside `ip netns exec` (which execs it, so the pid is the scanner's).
fn spawn(cmd: &mut Command) -> Child {
    cmd.stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting mptcpscan")
}

#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn no_route_fails_with_the_os_error_and_a_hint() {
    as_root();
    let net = Net::isolated("r");
    let csv = net.path("out.csv");
    let out = net
        .scan(&[
            "198.18.1.0/24",
            "--allow-lab",
            "-S",
            "198.18.0.2",
            "-c",
            "0",
            "-r",
            "0",
            "-q",
            "-o",
            csv.to_str().unwrap(),
        ])
        .output()
        .expect("running the scan");
    let text = show(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("nothing could be sent"), "{text}");
    assert!(text.contains("Network is unreachable"), "{text}");
    assert!(text.contains("ip route get 198.18.1."), "{text}");
    assert!(text.contains("-S 198.18.0.2"), "{text}");
    let (header, rows) = read_csv(&csv);
    assert!(
        header.starts_with("saddr,daddr,"),
        "the header is written: {header}"
    );
    assert!(rows.is_empty());

    // The chain's scan fails the same way.
    let out = net
        .command(&[
            BIN,
            "chain",
            "198.18.1.0/24",
            "--allow-lab",
            "-S",
            "198.18.0.2",
            "-c",
            "0",
            "-q",
        ])
        .output()
        .expect("running the chain");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        show(&out).contains("nothing could be sent"),
        "{}",
        show(&out)
    );

    // Without -S, the route lookup for a source address fails first, and says so.
    let out = net
        .scan(&["198.18.1.0/24", "--allow-lab", "-q"])
        .output()
        .expect("running the scan");
    let text = show(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("-S/--source-ip"), "{text}");
    assert!(text.contains("unreachable"), "{text}");
}

#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn rows_metadata_fields_and_filters() {
    as_root();
    let net = Net::wired("m");
    let csv = net.path("out.csv");
    let meta = net.path("meta.json");
    let out = net
        .scan(&[
            "198.18.1.0/28",
            "--allow-lab",
            "-p",
            "80,81",
            "-r",
            "2000",
            "-c",
            "2",
            "-e",
            "42",
            "--key",
            "0c0c0c0c0c0c0c0c",
            "-s",
            "40000-40999",
            "-i",
            "veth-s",
            "-q",
            "-o",
            csv.to_str().unwrap(),
            "-m",
            meta.to_str().unwrap(),
        ])
        .output()
        .expect("running the scan");
    assert!(out.status.success(), "{}", show(&out));
    let (header, rows) = read_csv(&csv);
    assert!(
        header.starts_with("saddr,daddr,ttl,sport,dport,"),
        "{header}"
    );
    // 16 hosts × 2 ports × 2 probe versions, each answered once (retransmissions dropped).
    assert_eq!(rows.len(), 64, "{rows:#?}");
    assert_eq!(rows.iter().filter(|r| r.contains(",synack,")).count(), 32);
    assert_eq!(rows.iter().filter(|r| r.contains(",rst,")).count(), 32);

    let m = load(&meta);
    assert_eq!(m["total_sent"], 64);
    assert_eq!(m["send_to_failures"], 0);
    assert_eq!(m["success_unique"], 32);
    assert_eq!(m["failure_total"], 32);
    assert_eq!(m["output_results"], 64);
    assert_eq!(m["hitrate"], 50.0);
    assert_eq!(m["seed"], 42);
    assert_eq!(m["seed_provided"], 1);
    assert_eq!(m["source_port_first"], 40000);
    assert_eq!(m["source_port_last"], 40999);
    assert_eq!(m["target_ports"], serde_json::json!([80, 81]));
    assert_eq!(m["source_ips"], serde_json::json!(["198.18.0.2"]));
    assert_eq!(m["iface"], "veth-s");
    assert_eq!(m["blocklist_total_allowed"], 16);
    assert_eq!(m["packet_streams"], 2);
    assert_eq!(m["output_module"], "csv");
    assert_eq!(
        m["cli_cidr_destinations"],
        serde_json::json!(["198.18.1.0/28"])
    );
    assert_eq!(m["blocklist_filenames"].as_array().map(Vec::len), Some(1));
    assert_eq!(m["probe"]["key"], "0c0c0c0c0c0c0c0c");
    assert_eq!(m["probe"]["options"], "linux");
    assert_eq!(m["probe"]["mptcp_versions"], serde_json::json!([0, 1]));
    let v0_block = m["probe"]["option_blocks"][0].as_str().unwrap_or_default();
    assert!(v0_block.ends_with("1e0c00810c0c0c0c0c0c0c0c"), "{v0_block}");
    assert_eq!(m["mptcpscan_version"], env!("CARGO_PKG_VERSION"));
    for key in [
        "send_start_time",
        "send_end_time",
        "recv_start_time",
        "recv_end_time",
    ] {
        let t = m[key].as_str().unwrap_or_default();
        assert!(t.len() == 24 && t.ends_with("+0000"), "{key}: {t}");
    }
    assert_eq!(m["interrupted"], false);

    // IPv6 and IPv4 in one scan, each family from its own source address.
    let out = net
        .scan(&[
            "198.18.1.0/28",
            "2001:db8:1::/124",
            "--allow-lab",
            "-p",
            "80",
            "-r",
            "2000",
            "-c",
            "2",
            "-q",
            "-o",
            csv.to_str().unwrap(),
            "-m",
            meta.to_str().unwrap(),
        ])
        .output()
        .expect("running the scan");
    assert!(out.status.success(), "{}", show(&out));
    let (_, rows) = read_csv(&csv);
    assert_eq!(rows.len(), 64, "{rows:#?}");
    assert_eq!(
        rows.iter()
            .filter(|r| r.starts_with("2001:db8:1::"))
            .count(),
        32
    );
    assert!(rows.iter().all(|r| r.contains(",synack,")));
    assert_eq!(
        load(&meta)["source_ips"],
        serde_json::json!(["198.18.0.2", "2001:db8::2"])
    );

    // ZMap's -f and --output-filter, as JSON lines.
    let json = net.path("out.json");
    let out = net
        .scan(&[
            "198.18.1.0/28",
            "--allow-lab",
            "-p",
            "80,81",
            "-r",
            "2000",
            "-c",
            "2",
            "-q",
            "-O",
            "json",
            "-f",
            "saddr,sport,classification",
            "--output-filter",
            "success = 1 && probe_version = 1",
            "-o",
            json.to_str().unwrap(),
        ])
        .output()
        .expect("running the scan");
    assert!(out.status.success(), "{}", show(&out));
    let text = std::fs::read_to_string(&json).expect("reading the JSON lines");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert_eq!(lines.len(), 16);
    for line in &lines {
        let keys: Vec<&String> = line.as_object().expect("an object").keys().collect();
        assert_eq!(keys.len(), 3, "{line}");
        assert_eq!(line["classification"], "synack");
        assert_eq!(line["sport"], 80);
    }

    // -N stops at that many rows; -i on an interface that is not there is an error.
    let out = net
        .scan(&[
            "198.18.1.0/28",
            "--allow-lab",
            "-p",
            "80,81",
            "-r",
            "200",
            "-c",
            "5",
            "-q",
            "-N",
            "3",
            "-o",
            csv.to_str().unwrap(),
            "-m",
            meta.to_str().unwrap(),
        ])
        .output()
        .expect("running the scan");
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(read_csv(&csv).1.len(), 3);
    let m = load(&meta);
    assert_eq!(m["output_results"], 3);
    assert!(m["total_sent"].as_u64().unwrap_or(64) < 64, "{m}");
    let out = net
        .scan(&["198.18.1.0/28", "--allow-lab", "-q", "-i", "nosuchif0"])
        .output()
        .expect("running the scan");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        show(&out).contains("no interface `nosuchif0`"),
        "{}",
        show(&out)
    );
}

#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn ctrl_c_writes_every_reply_then_exits_130() {
    as_root();
    let net = Net::wired("c");
    let csv = net.path("out.csv");
    let meta = net.path("meta.json");
    // 64 probes at 10 a second: Ctrl-C comes in the middle.
    let mut child = spawn(&mut net.scan(&[
        "198.18.1.0/28",
        "--allow-lab",
        "-p",
        "80,81",
        "-r",
        "10",
        "-c",
        "8",
        "-q",
        "-o",
        csv.to_str().unwrap(),
        "-m",
        meta.to_str().unwrap(),
    ]));
    assert!(
        wait_for(Duration::from_secs(20), || csv.exists()
            && read_csv(&csv).1.len() >= 5),
        "rows arrive"
    );
    sigint(&child);
    let out = wait_output(&mut child);
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    let (header, rows) = read_csv(&csv);
    assert!(header.starts_with("saddr,"));
    let m = load(&meta);
    assert_eq!(m["interrupted"], true);
    let sent = m["total_sent"].as_u64().expect("total_sent");
    assert!(sent < 64, "Ctrl-C stopped the sending ({sent} sent)");
    assert!(rows.len() >= 5, "{rows:#?}");
    assert_eq!(
        rows.len() as u64,
        m["output_results"].as_u64().expect("output_results"),
        "every reply received is in the file"
    );
}

#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn ctrl_c_ends_the_chain_with_130_and_its_results() {
    as_root();
    let net = Net::wired("k");
    let results = net.path("chain.json");
    let csv = net.path("scan.csv");
    let mut child = spawn(&mut net.command(&[
        BIN,
        "chain",
        "198.18.1.0/28",
        "--allow-lab",
        "-p",
        "80,81",
        "-r",
        "10",
        "-c",
        "8",
        "-q",
        "-o",
        csv.to_str().unwrap(),
        "--results",
        results.to_str().unwrap(),
    ]));
    assert!(
        wait_for(Duration::from_secs(20), || csv.exists()
            && read_csv(&csv).1.len() >= 5),
        "rows arrive"
    );
    sigint(&child);
    let out = wait_output(&mut child);
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    let chain = load(&results);
    let hosts = chain["hosts"].as_array().map_or(0, Vec::len);
    assert!(
        hosts >= 3,
        "the hosts seen before Ctrl-C are in the results: {hosts}"
    );
}

fn wait_output(child: &mut Child) -> Output {
    let limit = Instant::now() + Duration::from_secs(30);
    while Instant::now() < limit {
        if child.try_wait().expect("waiting").is_some() {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if child.try_wait().expect("waiting").is_none() {
        let _ = child.kill();
        panic!("mptcpscan did not exit");
    }
    let status = child.wait().expect("waiting");
    let mut stderr = Vec::new();
    if let Some(mut e) = child.stderr.take() {
        let _ = std::io::Read::read_to_end(&mut e, &mut stderr);
    }
    Output {
        status,
        stdout: Vec::new(),
        stderr,
    }
}

#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn a_closed_pipe_stops_the_scan_quietly() {
    as_root();
    let net = Net::wired("p");
    let meta = net.path("meta.json");
    let mut child = net
        .scan(&[
            "198.18.1.0/28",
            "--allow-lab",
            "-p",
            "80,81",
            "-r",
            "20",
            "-c",
            "8",
            "-q",
            "-m",
            meta.to_str().unwrap(),
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting mptcpscan");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    for _ in 0..2 {
        line.clear();
        reader.read_line(&mut line).expect("reading a line");
    }
    assert!(line.contains(",198.18.0.2,"), "a row: {line}");
    drop(reader); // as `| head -n 2` does
    let out = wait_output(&mut child);
    let text = show(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(!text.to_lowercase().contains("broken pipe"), "{text}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.lines().all(|l| l.contains("note: ")),
        "nothing but the RST note: {stderr}"
    );
    let m = load(&meta);
    let sent = m["total_sent"].as_u64().expect("total_sent");
    assert!(sent < 64, "the scan stopped ({sent} sent)");
    let replies = m["success_unique"].as_u64().expect("success_unique")
        + m["failure_total"].as_u64().expect("failure_total");
    assert!(replies >= 1, "{m}");
}

#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn firewall_rule_lives_as_long_as_the_scan() {
    as_root();
    let net = Net::wired("f");
    assert!(!net.nft_tables().contains("mptcpscan_"));

    // Without --firewall: one note that the kernel will reset the connections.
    let out = net
        .scan(&["198.18.1.0/30", "--allow-lab", "-c", "0", "-o", "/dev/null"])
        .output()
        .expect("running the scan");
    let text = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(
        text.matches("will answer every SYN-ACK with a RST").count(),
        1,
        "{text}"
    );

    // With it: the table exists during the scan, drops the kernel's RSTs, and is gone after.
    let mut child = spawn(&mut net.scan(&[
        "198.18.1.0/28",
        "2001:db8:1::/124",
        "--allow-lab",
        "-p",
        "80",
        "-r",
        "100",
        "-c",
        "3",
        "-q",
        "--firewall",
        "-s",
        "41000-41999",
        "-o",
        "/dev/null",
    ]));
    let table = format!("mptcpscan_{}", child.id());
    assert!(
        wait_for(Duration::from_secs(10), || net
            .nft_tables()
            .contains(&table)),
        "the table appears: {}",
        net.nft_tables()
    );
    let listing = || {
        let out = net
            .command(&["nft", "list", "table", "inet", &table])
            .output()
            .expect("nft list table");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let rule = listing();
    assert!(rule.contains("tcp sport 41000-41999"), "{rule}");
    assert!(rule.contains("ip saddr 198.18.0.2"), "{rule}");
    assert!(rule.contains("ip6 saddr 2001:db8::2"), "{rule}");
    assert!(
        wait_for(Duration::from_secs(10), || !listing()
            .contains("counter packets 0 ")),
        "the rule drops the kernel's RSTs: {}",
        listing()
    );
    let out = wait_output(&mut child);
    assert!(out.status.success(), "{}", show(&out));
    assert!(!net.nft_tables().contains(&table), "gone after the scan");

    // Ctrl-C: exit 130 and the table is gone too.
    let mut child = spawn(&mut net.scan(&[
        "198.18.1.0/28",
        "--allow-lab",
        "-p",
        "80,81",
        "-r",
        "10",
        "-c",
        "8",
        "-q",
        "--firewall",
        "-o",
        "/dev/null",
    ]));
    let table = format!("mptcpscan_{}", child.id());
    assert!(wait_for(Duration::from_secs(10), || net
        .nft_tables()
        .contains(&table)));
    sigint(&child);
    let out = wait_output(&mut child);
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    assert!(!net.nft_tables().contains(&table), "gone after Ctrl-C");

    // A scan failing after the rule is in (an interface that is not there): gone as well.
    let out = net
        .scan(&[
            "198.18.1.0/28",
            "--allow-lab",
            "-q",
            "--firewall",
            "-i",
            "nosuchif0",
        ])
        .output()
        .expect("running the scan");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        !net.nft_tables().contains("mptcpscan_"),
        "{}",
        net.nft_tables()
    );
}

/// The dry run and the blocklists need no root: nothing is sent.
#[test]
fn dryrun_prints_every_probe_and_sends_nothing() {
    let dir = scratch("d");
    let meta = dir.join("meta.json");
    let out = Command::new(BIN)
        .args([
            "scan",
            "198.18.1.0/30",
            "--allow-lab",
            "-S",
            "198.18.0.2",
            "-p",
            "80,443",
            "--dryrun",
            "-s",
            "45000-45099",
            "-e",
            "1",
            "--key",
            "0c0c0c0c0c0c0c0c",
            "-o",
            "-",
            "-m",
        ])
        .arg(&meta)
        .output()
        .expect("running the dry run");
    assert!(out.status.success(), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    // 4 hosts × 2 ports × 2 versions.
    assert_eq!(text.matches("\nhex: ").count(), 16, "{text}");
    assert_eq!(text.matches("MP_CAPABLE v0)").count(), 8);
    assert_eq!(
        text.matches("MPCAPABLE:v0:flags=81:key=0c0c0c0c0c0c0c0c")
            .count(),
        8
    );
    assert_eq!(text.matches("MPCAPABLE:v1:flags=01 ").count(), 8);
    for line in text.lines().filter(|l| l.starts_with("tcp {")) {
        let sport: u16 = line
            .split("sport: ")
            .nth(1)
            .and_then(|r| r.split(' ').next())
            .and_then(|p| p.parse().ok())
            .expect("a source port");
        assert!((45000..=45099).contains(&sport), "{line}");
        assert!(line.contains("flags: SYN |"), "{line}");
    }
    for line in text.lines().filter_map(|l| l.strip_prefix("hex: ")) {
        assert!(line.starts_with("45") && line.len() % 2 == 0, "{line}");
        assert!(line.contains("c6120002"), "our source 198.18.0.2 in {line}");
    }
    let m = load(&meta);
    assert_eq!(m["dryrun"], 1);
    assert_eq!(m["total_sent"], 0);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_default_blocklist_is_loaded_and_b_replaces_it() {
    let dir = scratch("b");
    let dry = |extra: &[&str]| {
        Command::new(BIN)
            .args(["scan", "--dryrun", "-q"])
            .args(extra)
            .output()
            .expect("running the dry run")
    };
    // AS112's 2620:4f:8000::/48 is in the default file only.
    let out = dry(&["2620:4f:8000::/126", "-S", "2001:db8::2"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(show(&out).contains("blocklisted"), "{}", show(&out));
    let mine = dir.join("mine.conf");
    std::fs::write(&mine, "# nothing of theirs\n198.18.1.1\n").expect("writing a blocklist");
    let out = dry(&[
        "2620:4f:8000::/126",
        "-S",
        "2001:db8::2",
        "-b",
        mine.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "-b replaces the default: {}",
        show(&out)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout)
            .matches("\nhex: ")
            .count(),
        8
    );
    // The lab needs --allow-lab; the built-in ranges stay blocked whatever -b says.
    let out = dry(&["198.18.1.0/30", "-S", "198.18.0.2"]);
    assert!(show(&out).contains("--allow-lab"), "{}", show(&out));
    let out = dry(&[
        "10.0.0.0/30",
        "-S",
        "198.18.0.2",
        "-b",
        mine.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    // --allow-lab with -b: the lab opens, minus what the file blocks.
    let out = dry(&[
        "198.18.1.0/30",
        "-S",
        "198.18.0.2",
        "--allow-lab",
        "-b",
        mine.to_str().unwrap(),
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{}", show(&out));
    assert_eq!(text.matches("\nhex: ").count(), 6, "3 hosts × 2 versions");
    assert!(!text.contains("daddr: 198.18.1.1 "), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Why each scan draws its own source-port window: with the kernel's RSTs dropped, a host keeps
/// the half-open connection of a probe for a minute (SYN-ACK retransmissions), and answers a new
/// SYN on the same four-tuple with a bare ACK for the old one, which validates as nothing.
#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn reusing_source_ports_loses_rows_and_a_fresh_window_does_not() {
    as_root();
    let net = Net::wired("w");
    let synacks = |extra: &[&str]| -> usize {
        let csv = net.path("out.csv");
        let mut args = vec![
            "198.18.1.0/28",
            "--allow-lab",
            "-p",
            "80",
            "--mptcp-version",
            "1",
            "-c",
            "2",
            "-q",
            "--firewall",
            "-o",
            csv.to_str().unwrap(),
        ];
        args.extend(extra);
        let out = net.scan(&args).output().expect("running the scan");
        assert!(out.status.success(), "{}", show(&out));
        read_csv(&csv)
            .1
            .iter()
            .filter(|r| r.contains(",synack,"))
            .count()
    };
    // 62000 lies outside the default range 32768-61000, so the third scan cannot meet it.
    assert_eq!(synacks(&["-s", "62000"]), 16);
    assert_eq!(
        synacks(&["-s", "62000"]),
        0,
        "the same ports a second later: every row lost"
    );
    assert_eq!(synacks(&[]), 16, "a window of its own: every row");
}

/// `-G`: frames go to the MAC address given, not the neighbour table's (which has no entry for
/// the gateway in a fresh namespace).
#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn gateway_mac_is_where_the_frames_go() {
    as_root();
    let net = Net::wired("g");
    let host = net.host.clone().expect("a host namespace");
    let out = Command::new("ip")
        .args(["-n", &host, "link", "show", "veth-h"])
        .output()
        .expect("ip link show");
    let text = String::from_utf8_lossy(&out.stdout);
    let mac = text
        .split("link/ether ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .expect("the host's MAC address")
        .to_string();
    let csv = net.path("out.csv");
    let meta = net.path("meta.json");
    let synacks = |gateway: &str| -> usize {
        let out = net
            .scan(&[
                "198.18.1.0/28",
                "--allow-lab",
                "-p",
                "80",
                "--mptcp-version",
                "1",
                "-c",
                "2",
                "-q",
                "-G",
                gateway,
                "-o",
                csv.to_str().unwrap(),
                "-m",
                meta.to_str().unwrap(),
            ])
            .output()
            .expect("running the scan");
        assert!(out.status.success(), "{}", show(&out));
        read_csv(&csv)
            .1
            .iter()
            .filter(|r| r.contains(",synack,"))
            .count()
    };
    assert_eq!(synacks(&mac), 16);
    assert_eq!(load(&meta)["gateway_mac"], mac.as_str());
    assert_eq!(
        synacks("02:00:00:00:00:99"),
        0,
        "frames to another MAC reach nobody"
    );
}

/// The blocklist and probe flags are declared once: `scan`, `trace`, `chain` (and `fetch`, for
/// the blocklist) describe them in the same words.
#[test]
fn shared_flags_read_the_same_in_every_command() {
    // A flag's line and its description's lines (indented deeper than the flags), whitespace
    // collapsed: clap lays help out more or less compactly from one command to the next.
    let paragraph = |command: &str, flag: &str| -> String {
        let out = Command::new(BIN)
            .args([command, "--help"])
            .output()
            .expect("running --help");
        assert!(out.status.success(), "{}", show(&out));
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let mut lines = text.lines().skip_while(|l| !l.contains(flag));
        let first = lines
            .next()
            .unwrap_or_else(|| panic!("{command} --help has no {flag}: {text}"));
        let rest = lines.take_while(|l| l.trim().is_empty() || l.starts_with("        "));
        std::iter::once(first)
            .chain(rest)
            .flat_map(str::split_whitespace)
            .collect::<Vec<_>>()
            .join(" ")
    };
    for flag in ["--blocklist-file", "--allow-lab"] {
        let scan = paragraph("scan", flag);
        assert!(scan.contains("-b, --blocklist-file") || flag == "--allow-lab");
        for command in ["trace", "chain", "fetch"] {
            assert_eq!(paragraph(command, flag), scan, "{command} {flag}");
        }
    }
    for flag in ["--mptcp-version", "--options <OPTIONS>", "--key"] {
        let scan = paragraph("scan", flag);
        for command in ["trace", "chain"] {
            assert_eq!(paragraph(command, flag), scan, "{command} {flag}");
        }
    }
}

/// `-B`, `--notes`, `--user-metadata` and the abort limits reach the metadata file (ZMap's keys);
/// a `--user-metadata` that is not JSON is refused before anything is sent.
#[test]
fn zmap_flags_reach_the_metadata_file() {
    let dir = scratch("z");
    let meta = dir.join("meta.json");
    let dry = |extra: &[&str]| {
        Command::new(BIN)
            .args(["scan", "198.18.1.0/30", "--allow-lab", "-S", "198.18.0.2"])
            .args(["--dryrun", "-q", "-o", "/dev/null", "-m"])
            .arg(&meta)
            .args(extra)
            .output()
            .expect("running the dry run")
    };
    let out = dry(&[
        "-B",
        "1M",
        "--notes",
        "weekly run, opt-outs of 2026-12-01",
        "--user-metadata",
        r#"{"vantage": "lab", "round": [1, 2]}"#,
        "--max-sendto-failures",
        "3",
        "--min-hitrate",
        "1.5",
    ]);
    assert!(out.status.success(), "{}", show(&out));
    let m = load(&meta);
    assert_eq!(m["bandwidth"], 1_000_000);
    // 86-byte frames (IPv4, Linux's options with MP_CAPABLE v0) + 24: 880 bits a probe.
    assert_eq!(m["rate"], 1_000_000 / 880);
    assert_eq!(m["notes"], "weekly run, opt-outs of 2026-12-01");
    assert_eq!(
        m["user-metadata"],
        serde_json::json!({"vantage": "lab", "round": [1, 2]})
    );
    assert_eq!(
        (m["max_sendto_failures"].clone(), m["min_hitrate"].clone()),
        (3.into(), 1.5.into())
    );
    assert!(m["aborted"].is_null());

    let out = dry(&[]);
    assert!(out.status.success(), "{}", show(&out));
    let m = load(&meta);
    assert_eq!(
        (m["bandwidth"].clone(), m["rate"].clone()),
        (0.into(), 10_000.into())
    );
    assert_eq!(m["max_sendto_failures"], -1);
    assert!(m.get("notes").is_none() && m.get("user-metadata").is_none());

    std::fs::remove_file(&meta).expect("removing the metadata");
    let out = dry(&["--user-metadata", "{not json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(show(&out).contains("--user-metadata"), "{}", show(&out));
    assert!(!meta.exists(), "refused before anything was written");
    let out = dry(&["-B", "1M", "-r", "100"]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "-B and -r exclude each other: {}",
        show(&out)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// `-C FILE`: ZMap's config format gives flags by their long names; the command line wins.
#[test]
fn a_config_file_gives_flags_and_the_command_line_wins() {
    let dir = scratch("cfg");
    let meta = dir.join("meta.json");
    let conf = dir.join("scan.conf");
    std::fs::write(
        &conf,
        "# our lab scan\nallow-lab\nsource-ip 198.18.0.2\ntarget-ports 443\n\
         mptcp-version 1\nrate=77\nnotes \"from the file\"   # a comment\nquiet\n",
    )
    .expect("writing the config");
    let run = |extra: &[&str]| {
        Command::new(BIN)
            .args(["scan", "198.18.1.0/31", "--dryrun", "-o", "-", "-m"])
            .arg(&meta)
            .arg("-C")
            .arg(&conf)
            .args(extra)
            .output()
            .expect("running the dry run")
    };
    let out = run(&[]);
    assert!(out.status.success(), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("\nhex: ").count(),
        2,
        "2 hosts, v1 only: {text}"
    );
    assert_eq!(text.matches("dport: 443 ").count(), 2, "{text}");
    let m = load(&meta);
    assert_eq!(
        (m["rate"].clone(), m["notes"].clone()),
        (77.into(), "from the file".into())
    );
    assert_eq!(m["quiet"], 1);

    let out = run(&["-p", "80", "--notes", "from the command line"]);
    assert!(out.status.success(), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.matches("dport: 80 ").count(), 2, "{text}");
    assert_eq!(load(&meta)["notes"], "from the command line");

    std::fs::write(&conf, "allow-lab\nprobe-module tcp_synscan\n").expect("writing the config");
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        show(&out).contains("line 2: `probe-module` is not an option"),
        "{}",
        show(&out)
    );
    let out = run(&["-C", "/nonexistent/mptcpscan.conf"]);
    assert_eq!(out.status.code(), Some(2), "-C twice: {}", show(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--max-sendto-failures N`: the scan stops once the kernel refused more than N probes, says
/// so, and exits 1 with its outputs written (a namespace with no route refuses every probe).
#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn max_sendto_failures_aborts_the_scan() {
    as_root();
    let net = Net::isolated("x");
    let csv = net.path("out.csv");
    let meta = net.path("meta.json");
    let log = net.path("scan.log");
    let out = net
        .scan(&[
            "198.18.1.0/24",
            "--allow-lab",
            "-S",
            "198.18.0.2",
            "-c",
            "0",
            "-r",
            "200",
            "--retries",
            "0",
            "--max-sendto-failures",
            "5",
            "-q",
            "-o",
            csv.to_str().unwrap(),
            "-m",
            meta.to_str().unwrap(),
            "-l",
            log.to_str().unwrap(),
        ])
        .output()
        .expect("running the scan");
    let text = show(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("more than --max-sendto-failures 5"), "{text}");
    assert!(text.contains("Network is unreachable"), "{text}");
    // With -l, the refused probe is logged in the file, not on standard error.
    assert!(!text.contains("sending probes:"), "{text}");
    let logged = std::fs::read_to_string(&log).expect("the log file");
    assert!(
        logged.contains("[ERROR] mptcpscan: sending probes: Network is unreachable"),
        "{logged}"
    );
    assert!(
        logged.contains("[FATAL] mptcpscan: scan aborted"),
        "{logged}"
    );
    let m = load(&meta);
    let failures = m["send_to_failures"].as_u64().expect("a count");
    // 512 probes at 200 a second would take 2.5 s; the monitor looks every 0.1 s.
    assert!((6..512).contains(&failures), "{failures}: {text}");
    assert!(
        m["aborted"].as_str().is_some_and(|a| a.contains("5")),
        "{m}"
    );
    let (header, _) = read_csv(&csv);
    assert!(header.starts_with("saddr,daddr,"), "{header}");
}

/// `--min-hitrate`: after ZMap's 5 s of warm-up and 5 s under the floor, the scan stops and
/// exits 1, with every reply received written. Port 81 answers only RSTs: a hit rate of 0.
#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn min_hitrate_aborts_a_scan_that_finds_too_little() {
    as_root();
    let net = Net::wired("h");
    let csv = net.path("out.csv");
    let meta = net.path("meta.json");
    let out = net
        .scan(&[
            "198.18.1.0/24",
            "--allow-lab",
            "-p",
            "81",
            "-r",
            "40",
            "-c",
            "1",
            "--min-hitrate",
            "1",
            "-q",
            "-o",
            csv.to_str().unwrap(),
            "-m",
            meta.to_str().unwrap(),
        ])
        .output()
        .expect("running the scan");
    let text = show(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("below --min-hitrate 1%"), "{text}");
    let m = load(&meta);
    let sent = m["total_sent"].as_u64().expect("a count");
    // 512 probes at 40 a second take 12.8 s; the abort comes after about 10 s.
    assert!(sent < 512, "{sent}: {text}");
    assert_eq!(m["success_unique"], 0);
    let (_, rows) = read_csv(&csv);
    assert_eq!(
        rows.len() as u64,
        m["failure_total"].as_u64().unwrap_or(0),
        "every RST written"
    );
    assert!(rows.iter().all(|r| r.contains(",rst,")), "{rows:?}");
}

/// `chain --dryrun`: the scan's probes printed, nothing sent, no trace (its targets would be the
/// scan's answers), and the metadata file says so.
#[test]
fn chain_dryrun_prints_the_scans_probes_and_sends_nothing() {
    let dir = scratch("cd");
    let meta = dir.join("meta.json");
    let out = Command::new(BIN)
        .args(["chain", "198.18.1.0/30", "--allow-lab", "-S", "198.18.0.2"])
        .args([
            "--dryrun",
            "--key",
            "0c0c0c0c0c0c0c0c",
            "--notes",
            "rehearsal",
        ])
        .arg("-m")
        .arg(&meta)
        .output()
        .expect("running the chain's dry run");
    assert!(out.status.success(), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(
        text.matches("\nhex: ").count(),
        8,
        "4 hosts × 2 versions: {text}"
    );
    assert_eq!(text.matches("key=0c0c0c0c0c0c0c0c").count(), 4, "{text}");
    assert!(
        !text.contains("total"),
        "no table: nothing was scanned: {text}"
    );
    assert!(show(&out).contains("none to trace"), "{}", show(&out));
    let m = load(&meta);
    assert_eq!(
        (m["dryrun"].clone(), m["total_sent"].clone()),
        (1.into(), 0.into())
    );
    assert_eq!(m["notes"], "rehearsal");
    assert_eq!(m["chain"]["traced"], 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `chain --firewall -m`: the nft table lives as long as the chain (scan and trace), is gone
/// after it, after Ctrl-C and after a failure; the metadata file covers the whole run.
#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn chain_firewall_and_metadata_cover_the_whole_run() {
    as_root();
    let net = Net::wired("cf");
    let meta = net.path("meta.json");
    let chain = |extra: &[&str]| {
        let mut args = vec![BIN, "chain", "198.18.1.0/28", "--allow-lab", "-p", "80"];
        args.extend(["--firewall", "-q", "-m", meta.to_str().unwrap()]);
        args.extend(extra);
        spawn(&mut net.command(&args))
    };
    let mut child = chain(&["-r", "20", "-c", "1", "--trace-timeout", "0.5"]);
    let table = format!("mptcpscan_{}", child.id());
    assert!(
        wait_for(Duration::from_secs(10), || net
            .nft_tables()
            .contains(&table)),
        "the table appears: {}",
        net.nft_tables()
    );
    let out = wait_output(&mut child);
    assert!(out.status.success(), "{}", show(&out));
    assert!(!net.nft_tables().contains(&table), "gone after the chain");
    let m = load(&meta);
    assert_eq!(m["firewall_table"], table.as_str());
    // 16 kernel hosts, v0 and v1: 32 probes, 32 SYN-ACKs without MP_CAPABLE, all traced.
    assert_eq!(
        (m["total_sent"].clone(), m["success_unique"].clone()),
        (32.into(), 32.into())
    );
    assert_eq!(m["chain"]["traced"], 16);
    assert_eq!(m["chain"]["candidates_only"], false);
    assert_eq!(m["chain"]["trace_plain_max"], 1024);

    // Ctrl-C: 130, and the table is gone.
    let mut child = chain(&["-r", "5", "-c", "8"]);
    let table = format!("mptcpscan_{}", child.id());
    assert!(
        wait_for(Duration::from_secs(10), || net
            .nft_tables()
            .contains(&table)),
        "the table appears: {}",
        net.nft_tables()
    );
    sigint(&child);
    let out = wait_output(&mut child);
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    assert!(!net.nft_tables().contains(&table), "gone after Ctrl-C");
    assert_eq!(load(&meta)["interrupted"], true);

    // A failure (no route: nothing can be sent): 1, and no table left behind.
    let lone = Net::isolated("cg");
    let out = lone
        .command(&[
            BIN,
            "chain",
            "198.18.1.0/28",
            "--allow-lab",
            "-S",
            "198.18.0.2",
        ])
        .args(["-c", "0", "-q", "--firewall"])
        .output()
        .expect("running the chain");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        show(&out).contains("nothing could be sent"),
        "{}",
        show(&out)
    );
    assert!(
        !lone.nft_tables().contains("mptcpscan_"),
        "{}",
        lone.nft_tables()
    );
}

/// `-l FILE` and `-L DIR`: log entries go to the file, stamped with ZMap's level names; the
/// final error still reaches standard error too; the two flags exclude each other.
#[test]
fn log_entries_go_to_the_log_file() {
    let dir = scratch("l");
    let log = dir.join("scan.log");
    let meta = dir.join("meta.json");
    let out = Command::new(BIN)
        .args(["scan", "10.0.0.0/30", "-S", "198.18.0.2", "--dryrun", "-l"])
        .arg(&log)
        .output()
        .expect("running the scan");
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(show(&out).contains("blocklisted"), "{}", show(&out));
    let text = std::fs::read_to_string(&log).expect("the log file");
    assert!(
        text.contains(" [FATAL] mptcpscan: every target is blocklisted"),
        "{text}"
    );

    let logs = dir.join("logs");
    std::fs::create_dir_all(&logs).expect("a log folder");
    let out = Command::new(BIN)
        .args(["chain", "198.18.1.0/30", "--allow-lab", "-S", "198.18.0.2"])
        .args(["--dryrun", "-m"])
        .arg(&meta)
        .arg("-L")
        .arg(&logs)
        .output()
        .expect("running the chain");
    assert!(out.status.success(), "{}", show(&out));
    assert!(!show(&out).contains("none to trace"), "logged, not printed");
    let files: Vec<_> = std::fs::read_dir(&logs)
        .expect("the log folder")
        .map(|e| e.expect("an entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let name = files[0].file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        name.starts_with("mptcpscan-") && name.ends_with("+0000.log"),
        "{name}"
    );
    let text = std::fs::read_to_string(&files[0]).expect("the log file");
    assert!(
        text.contains(" [INFO] mptcpscan: chain: dry run: 8 scan probes"),
        "{text}"
    );
    assert_eq!(load(&meta)["log_directory"], logs.to_str().unwrap());

    let out = Command::new(BIN)
        .args([
            "scan",
            "198.18.1.0/30",
            "--allow-lab",
            "--dryrun",
            "-l",
            "a",
            "-L",
            "b",
        ])
        .output()
        .expect("running the scan");
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

/// `trace --dryrun`: the first round's probes, TTL by TTL, decoded and in hex; nothing sent.
#[test]
fn trace_dryrun_prints_the_first_rounds_probes() {
    let out = Command::new(BIN)
        .args(["trace", "198.18.1.1", "198.18.1.2:443", "--allow-lab"])
        .args(["-S", "198.18.0.2", "--max-ttl", "3", "--dryrun"])
        .output()
        .expect("running the trace's dry run");
    assert!(out.status.success(), "{}", show(&out));
    let text = String::from_utf8_lossy(&out.stdout);
    // 3 TTLs × 2 targets × 2 versions, TTL-major as the trace sends them.
    assert_eq!(text.matches("\nhex: ").count(), 12, "{text}");
    let ttls: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split("ttl: ").nth(1))
        .map(|rest| rest.trim_end_matches(" }"))
        .collect();
    assert_eq!(
        ttls,
        ["1", "1", "1", "1", "2", "2", "2", "2", "3", "3", "3", "3"]
    );
    assert_eq!(text.matches("dport: 443 ").count(), 6, "{text}");
    assert_eq!(text.matches("MP_CAPABLE v1)").count(), 6, "{text}");
}

/// The probes of a dry run as (daddr, dport, MP_CAPABLE version), in printed order.
fn dry_probes(text: &str) -> Vec<(String, u16, u8)> {
    let field = |line: &str, name: &str| -> String {
        line.split(&format!("{name}: "))
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .unwrap_or_default()
            .to_string()
    };
    let mut probes = Vec::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        let Some(version) = line.split("MP_CAPABLE v").nth(1) else {
            continue;
        };
        let version: u8 = version.trim_end_matches(')').parse().expect("a version");
        let ip = lines.next().expect("the IP line");
        let tcp = lines.next().expect("the TCP line");
        let dport = field(tcp, "dport").parse().expect("a port");
        probes.push((field(ip, "daddr"), dport, version));
    }
    probes
}

#[test]
fn dryrun_with_sender_threads_lists_every_probe_once() {
    let dir = scratch("dt");
    let meta = dir.join("meta.json");
    let dry = |extra: &[&str]| {
        let out = Command::new(BIN)
            .args(["scan", "198.18.1.0/26", "--allow-lab", "-S", "198.18.0.2"])
            .args(["-p", "80,443", "-e", "5", "--dryrun", "-q", "-o", "-", "-m"])
            .arg(&meta)
            .args(extra)
            .output()
            .expect("running the dry run");
        assert!(out.status.success(), "{}", show(&out));
        let mut probes = dry_probes(&String::from_utf8_lossy(&out.stdout));
        probes.sort_unstable();
        (probes, load(&meta))
    };
    let (one, m) = dry(&[]);
    assert_eq!(m["senders"], 1);
    // 64 hosts × 2 ports × 2 versions, each once.
    assert_eq!(one.len(), 256);
    assert!(one.windows(2).all(|w| w[0] != w[1]), "a probe twice");
    for threads in ["2", "3", "7"] {
        let (many, m) = dry(&["-T", threads]);
        assert_eq!(many, one, "-T {threads}");
        assert_eq!(m["senders"].to_string(), threads);
    }
    // -n: the same n targets whatever the number of threads.
    let (capped, _) = dry(&["-n", "25"]);
    assert_eq!(capped.len(), 50);
    let targets: std::collections::HashSet<(&String, u16)> =
        capped.iter().map(|(a, p, _)| (a, *p)).collect();
    assert_eq!(targets.len(), 25);
    for threads in ["2", "3"] {
        assert_eq!(dry(&["-n", "25", "-T", threads]).0, capped, "-T {threads}");
    }
    // More threads than targets: one per target.
    let (few, m) = dry(&["-n", "2", "-T", "4"]);
    assert_eq!((few.len(), m["senders"].clone()), (4, 2.into()));
    // A config file takes ZMap's key.
    let conf = dir.join("scan.conf");
    std::fs::write(&conf, "sender-threads 3\n").expect("writing the config");
    let (configured, m) = dry(&["-C", conf.to_str().unwrap()]);
    assert_eq!((configured, m["senders"].clone()), (one, 3.into()));
    let out = Command::new(BIN)
        .args([
            "scan",
            "198.18.1.0/26",
            "--allow-lab",
            "--dryrun",
            "-T",
            "0",
        ])
        .output()
        .expect("running the dry run");
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(show(&out).contains("--sender-threads"), "{}", show(&out));
    let _ = std::fs::remove_dir_all(&dir);
}

impl Net {
    /// Counts the SYNs reaching the host namespace from now on ([`Net::host_syns`]).
    fn count_host_syns(&self) {
        let host = self.host.as_deref().expect("a wired net");
        let mut nft = Command::new("ip")
            .args(["netns", "exec", host, "nft", "-f", "-"])
            .stdin(Stdio::piped())
            .spawn()
            .expect("running nft");
        std::io::Write::write_all(
            nft.stdin.as_mut().expect("nft stdin"),
            b"table netdev syns {\n chain ingress {\n  type filter hook ingress device \"veth-h\" \
              priority 0; policy accept;\n  tcp flags & (syn | ack) == syn counter\n }\n}\n",
        )
        .expect("writing the nft rules");
        drop(nft.stdin.take());
        assert!(nft.wait().expect("nft").success(), "installing the counter");
    }

    /// SYNs counted since [`Net::count_host_syns`] (nft 1.0.6 cannot reset a rule's counter).
    fn host_syns(&self) -> u64 {
        let host = self.host.as_deref().expect("a wired net");
        let nft = |args: &[&str]| {
            let out = Command::new("ip")
                .args(["netns", "exec", host, "nft"])
                .args(args)
                .args(["table", "netdev", "syns"])
                .output()
                .expect("running nft");
            assert!(out.status.success(), "nft {args:?}: {}", show(&out));
            String::from_utf8_lossy(&out.stdout).into_owned()
        };
        let text = nft(&["list"]);
        text.split("counter packets ")
            .nth(1)
            .and_then(|rest| rest.split(' ').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no counter in {text}"))
    }
}

/// `-T N` against the wired host's known answers: 16 hosts of 198.18.1.0/24 answer, port 80
/// with a SYN-ACK and port 81 with a RST; the other 240 addresses are silent.
#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn sender_threads_find_the_same_rows_and_send_each_probe_once() {
    as_root();
    let net = Net::wired("t");
    net.count_host_syns();
    let csv = net.path("out.csv");
    let meta = net.path("meta.json");
    // Returns the sorted rows, the metadata, the SYNs the host saw and the run's wall time.
    let counted = std::cell::Cell::new(0);
    let scan_for = |cooldown: &str, extra: &[&str]| {
        let started = Instant::now();
        let out = net
            .scan(&[
                "198.18.1.0/24",
                "--allow-lab",
                "-p",
                "80,81",
                "-c",
                cooldown,
                "-q",
            ])
            .args(["-f", "saddr,sport,classification,probe_version", "-o"])
            .arg(&csv)
            .arg("-m")
            .arg(&meta)
            .args(extra)
            .output()
            .expect("running the scan");
        assert!(out.status.success(), "{}", show(&out));
        let took = started.elapsed();
        let mut rows = read_csv(&csv).1;
        rows.sort_unstable();
        let syns = net.host_syns();
        (rows, load(&meta), syns - counted.replace(syns), took)
    };
    let scan = |extra: &[&str]| {
        let (rows, m, syns, _) = scan_for("2", extra);
        (rows, m, syns)
    };
    let mut truth: Vec<String> = (0..16)
        .flat_map(|host| {
            [("80", "synack"), ("81", "rst")]
                .into_iter()
                .flat_map(move |(port, class)| {
                    (0..2).map(move |v| format!("198.18.1.{host},{port},{class},{v}"))
                })
        })
        .collect();
    truth.sort_unstable();
    for threads in ["1", "2", "3"] {
        let (rows, m, syns) = scan(&["-r", "5000", "-T", threads]);
        assert_eq!(rows, truth, "-T {threads}");
        // 256 hosts × 2 ports × 2 versions, each SYN on the wire once.
        assert_eq!(
            (m["total_sent"].clone(), syns),
            (1024.into(), 1024),
            "-T {threads}"
        );
        assert_eq!(m["senders"].to_string(), threads);
        assert_eq!(m["output_results"], 64);
    }
    // Unlimited rate: the same.
    let (rows, m, syns) = scan(&["-r", "0", "-T", "2"]);
    assert_eq!((rows, syns), (truth.clone(), 1024));
    assert_eq!(m["total_sent"], 1024);
    // -n: exactly n targets leave, whatever the threads.
    for threads in ["1", "2", "3"] {
        let (_, m, syns) = scan(&["-r", "5000", "-n", "101", "-T", threads]);
        assert_eq!(
            (m["total_sent"].clone(), syns),
            (202.into(), 202),
            "-T {threads}"
        );
        assert_eq!(m["max_targets"], 101);
    }
    // -r is shared by the threads: at 400 probes a second, 1024 probes take 2.56 s with three
    // threads as with one (were the rate each thread's, 0.85 s).
    let (_, m, syns, took) = scan_for("0", &["-r", "400", "-T", "3"]);
    assert_eq!((m["total_sent"].clone(), syns), (1024.into(), 1024));
    assert!(
        took >= Duration::from_millis(2_400),
        "1024 probes at 400/s in {took:?}"
    );
    // -t stops every thread; -N stops the scan at that many rows.
    let (_, m, syns) = scan(&["-r", "100", "-T", "2", "-t", "1"]);
    let sent = m["total_sent"].as_u64().expect("total_sent");
    assert!((50..=150).contains(&sent), "{sent} sent in 1 s at 100/s");
    assert_eq!(syns, sent);
    let (rows, m, _) = scan(&["-r", "200", "-T", "3", "-N", "5"]);
    assert_eq!((rows.len(), m["output_results"].clone()), (5, 5.into()));
    assert!(m["total_sent"].as_u64().unwrap_or(1024) < 1024, "{m}");
}

#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn ctrl_c_with_sender_threads_writes_every_reply_then_exits_130() {
    as_root();
    let net = Net::wired("tc");
    let csv = net.path("out.csv");
    let meta = net.path("meta.json");
    let mut child = spawn(
        net.scan(&[
            "198.18.1.0/28",
            "--allow-lab",
            "-p",
            "80,81",
            "-r",
            "10",
            "-T",
            "3",
        ])
        .args(["-c", "8", "-q", "-o"])
        .arg(&csv)
        .arg("-m")
        .arg(&meta),
    );
    assert!(
        wait_for(Duration::from_secs(20), || csv.exists()
            && read_csv(&csv).1.len() >= 5),
        "rows arrive"
    );
    sigint(&child);
    let out = wait_output(&mut child);
    assert_eq!(out.status.code(), Some(130), "{}", show(&out));
    let rows = read_csv(&csv).1;
    let m = load(&meta);
    assert_eq!(
        (m["interrupted"].clone(), m["senders"].clone()),
        (true.into(), 3.into())
    );
    let sent = m["total_sent"].as_u64().expect("total_sent");
    assert!(sent < 64, "Ctrl-C stopped every thread ({sent} sent)");
    assert_eq!(
        rows.len() as u64,
        m["output_results"].as_u64().expect("output_results"),
        "every reply received is in the file"
    );
}

/// With `-T 3`, a scan that can send nothing still fails with the OS error, once;
/// `--max-sendto-failures` still stops it; a closed pipe still stops it quietly.
#[test]
#[ignore = "needs root and network namespaces: run by `make test-scan`"]
fn sender_threads_keep_the_failure_exits_and_the_closed_pipe() {
    as_root();
    let net = Net::isolated("tf");
    let base = [
        "198.18.1.0/24",
        "--allow-lab",
        "-S",
        "198.18.0.2",
        "-c",
        "0",
    ];
    let out = net
        .scan(&base)
        .args(["-r", "0", "-T", "3", "-q"])
        .output()
        .expect("running the scan");
    let text = show(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("nothing could be sent"), "{text}");
    assert_eq!(
        text.matches("sending probes: Network is unreachable")
            .count(),
        1,
        "each kind of error is reported once, not once per thread: {text}"
    );
    let meta = net.path("meta.json");
    let out = net
        .scan(&base)
        .args(["-r", "200", "-T", "3", "--retries", "0"])
        .args(["--max-sendto-failures", "5", "-q", "-o", "/dev/null", "-m"])
        .arg(&meta)
        .output()
        .expect("running the scan");
    let text = show(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("more than --max-sendto-failures 5"), "{text}");
    let failures = load(&meta)["send_to_failures"].as_u64().expect("a count");
    assert!((6..512).contains(&failures), "{failures}: {text}");
    drop(net);

    let net = Net::wired("tp");
    let mut child = net
        .scan(&["198.18.1.0/28", "--allow-lab", "-p", "80,81", "-r", "20"])
        .args(["-T", "2", "-c", "8", "-q", "-m"])
        .arg(net.path("meta.json"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting mptcpscan");
    let mut reader = BufReader::new(child.stdout.take().expect("stdout"));
    let mut line = String::new();
    for _ in 0..2 {
        line.clear();
        reader.read_line(&mut line).expect("reading a line");
    }
    assert!(line.contains(",198.18.0.2,"), "a row: {line}");
    drop(reader);
    let out = wait_output(&mut child);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(!show(&out).to_lowercase().contains("broken pipe"));
    let sent = load(&net.path("meta.json"))["total_sent"]
        .as_u64()
        .expect("total_sent");
    assert!(sent < 64, "both threads stopped ({sent} sent)");
}
