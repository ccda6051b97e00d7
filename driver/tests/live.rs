//! `mptcpscan dissect -i IFACE` on a veth pair between two namespaces this test creates
//! (198.18.254.0/30), root only, run by `make test-live` (under the netns lock by hand).
//!
//! Real kernel MPTCP traffic (`mptcpscan fetch` against the lab's MPTCP HTTP server) is captured
//! at once by `dissect -i` and by tcpdump; after Ctrl-C, dissect prints its tables and exits 0,
//! and its results equal those of `dissect` on tcpdump's file. SIGTERM stops it the same way, and
//! a bad filter and missing privileges are clear errors (a missing interface too, without root).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_mptcpscan");
const SERVER: &str = "198.18.254.1";
const CLIENT: &str = "198.18.254.2";
const PORT: &str = "8080";

/// Two namespaces joined by a veth pair, deleted when dropped (a failing assertion included).
struct Namespaces {
    server: String,
    client: String,
}

impl Namespaces {
    fn new() -> Namespaces {
        let id = std::process::id();
        let ns = Namespaces {
            server: format!("mptcpscan-live-s{id}"),
            client: format!("mptcpscan-live-c{id}"),
        };
        for name in [&ns.server, &ns.client] {
            sh(&["ip", "netns", "add", name]);
            sh(&["ip", "-n", name, "link", "set", "lo", "up"]);
            sh(&[
                "ip",
                "netns",
                "exec",
                name,
                "sysctl",
                "-qw",
                "net.mptcp.enabled=1",
                // No IPv6 on the veths: their duplicate-address neighbor solicitations and
                // router solicitations go out at random moments after link-up, and one that only
                // the capture started first saw made the two disagree.
                "net.ipv6.conf.all.disable_ipv6=1",
                "net.ipv6.conf.default.disable_ipv6=1",
            ]);
        }
        sh(&[
            "ip", "-n", &ns.client, "link", "add", "lv-cli", "type", "veth", "peer", "name",
            "lv-srv", "netns", &ns.server,
        ]);
        for (name, dev, addr) in [
            (&ns.server, "lv-srv", SERVER),
            (&ns.client, "lv-cli", CLIENT),
        ] {
            sh(&[
                "ip",
                "-n",
                name,
                "addr",
                "add",
                &format!("{addr}/30"),
                "dev",
                dev,
            ]);
            sh(&["ip", "-n", name, "link", "set", dev, "up"]);
        }
        ns
    }

    fn exec(&self, name: &str) -> Command {
        let mut command = Command::new("ip");
        command.args(["netns", "exec", name, BIN]);
        command
    }
}

impl Drop for Namespaces {
    fn drop(&mut self) {
        for name in [&self.server, &self.client] {
            let _ = Command::new("ip").args(["netns", "delete", name]).output();
        }
    }
}

/// Kills a background process when dropped (the server, a capture left by a failure).
struct Background(Option<Child>);

impl Background {
    fn signal(&self, name: &str) {
        let pid = self.0.as_ref().expect("a running process").id();
        sh(&["kill", &format!("-{name}"), &pid.to_string()]);
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        if let Some(child) = self.0.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn sh(args: &[&str]) {
    let out = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect(args[0]);
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Starts a capture and waits for the line on standard error that says it is listening; the
/// rest of standard error is collected by a thread and returned by [`finish`].
fn start_capture(mut command: Command, ready: &str) -> (Background, mpsc::Receiver<String>) {
    let mut capture = Background(Some(
        command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting a capture"),
    ));
    let stderr = capture
        .0
        .as_mut()
        .and_then(|c| c.stderr.take())
        .expect("stderr");
    let (lines, received) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let line = received
            .recv_timeout(left)
            .unwrap_or_else(|_| panic!("no `{ready}` from the capture in 20 s"));
        if line.contains(ready) {
            return (capture, received);
        }
    }
}

/// Waits (at most 20 s) for a signalled capture to exit; its output, standard error included.
fn finish(mut capture: Background, stderr: mpsc::Receiver<String>) -> Output {
    let deadline = Instant::now() + Duration::from_secs(20);
    let child = capture.0.as_mut().expect("a running process");
    while child.try_wait().expect("waiting").is_none() {
        assert!(
            Instant::now() < deadline,
            "the capture did not stop in 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let child = capture.0.take().expect("a running process");
    let mut output = child.wait_with_output().expect("collecting the output");
    output.stderr = stderr.iter().collect::<Vec<_>>().join("\n").into_bytes();
    output
}

fn summary(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).expect("reading the JSON lines");
    let last = text.lines().last().expect("a summary line");
    let value: Value = serde_json::from_str(last).expect("JSON");
    assert_eq!(value["record"], "summary", "{last}");
    value
}

fn scratch() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("mptcpscan-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("creating a scratch directory");
    dir
}

#[test]
#[ignore = "needs root and network namespaces: run by `make test-live`"]
fn live_capture_of_kernel_mptcp_matches_the_same_traffic_read_from_a_file() {
    // SAFETY: geteuid has no preconditions.
    assert_eq!(unsafe { libc::geteuid() }, 0, "the live test needs root");
    let dir = scratch();
    let ns = Namespaces::new();
    let ready = dir.join("server-ready");
    let _server = Background(Some(
        ns.exec(&ns.server)
            .args(["lab", "serve", "--ready"])
            .arg(&ready)
            .args(["http", "--mptcp", "--port", PORT, "--body-bytes", "200000"])
            .spawn()
            .expect("starting the server"),
    ));
    let deadline = Instant::now() + Duration::from_secs(20);
    while !ready.exists() {
        assert!(
            Instant::now() < deadline,
            "the server was not ready in 20 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }

    let pcap = dir.join("tcpdump.pcap");
    let mut tcpdump = Command::new("ip");
    tcpdump
        .args([
            "netns",
            "exec",
            &ns.client,
            "tcpdump",
            "-i",
            "lv-cli",
            // Without it, libpcap hands packets over a ring block at a time, a block when it
            // fills or after tcpdump's 1 s timeout; stopped within that second, tcpdump wrote
            // none of the last block's packets (13 to 17 frames of the plain-TCP download).
            "--immediate-mode",
            // The same 32 MiB ring as `dissect -i` (in KiB), so that neither drops frames.
            "-B",
            "32768",
            "-U",
            "-w",
        ])
        .arg(&pcap)
        .args(["tcp", "or", "icmp", "or", "icmp6"]);
    let (tcpdump, tcpdump_err) = start_capture(tcpdump, "listening on");
    let live_json = dir.join("live.json");
    let mut live = ns.exec(&ns.client);
    live.args(["dissect", "-i", "lv-cli", "--json"])
        .arg(&live_json);
    let (live, live_err) = start_capture(live, "capturing on lv-cli (tcp or icmp or icmp6)");

    // One MPTCP and one plain TCP download (fetch alternates the two).
    let fetch = ns
        .exec(&ns.client)
        .args([
            "fetch",
            "--allow-lab",
            "-n",
            "1",
            &format!("http://{SERVER}:{PORT}/"),
        ])
        .output()
        .expect("running fetch");
    assert!(
        fetch.status.success(),
        "{}",
        String::from_utf8_lossy(&fetch.stderr)
    );
    // Let the last FIN/ACKs reach both captures.
    std::thread::sleep(Duration::from_millis(500));
    live.signal("INT");
    tcpdump.signal("INT");
    let live = finish(live, live_err);
    let tcpdump = finish(tcpdump, tcpdump_err);
    assert!(tcpdump.status.success());
    let tcpdump_said = String::from_utf8_lossy(&tcpdump.stderr);
    assert!(
        tcpdump_said
            .lines()
            .any(|l| l.trim() == "0 packets dropped by kernel"),
        "{tcpdump_said}"
    );

    let stdout = String::from_utf8_lossy(&live.stdout);
    let stderr = String::from_utf8_lossy(&live.stderr);
    assert_eq!(live.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("Dataset (as in Hesmans et al., Table 1)"),
        "{stdout}"
    );
    assert!(
        stderr.contains("dropped by the kernel") && stderr.contains(" 0 dropped"),
        "{stderr}"
    );
    let live_summary = summary(&live_json);
    assert_eq!(live_summary["files"][0], "lv-cli (live)");
    assert_eq!(live_summary["connections"]["connections"]["v1"], 1);

    let file_json = dir.join("file.json");
    let from_file = Command::new(BIN)
        .args(["dissect", "-q", "--json"])
        .arg(&file_json)
        .arg(&pcap)
        .output()
        .expect("dissecting tcpdump's file");
    assert!(from_file.status.success());
    let file_summary = summary(&file_json);
    // Both saw every frame of both downloads.
    assert_eq!(live_summary["connections"], file_summary["connections"]);
    for field in [
        "mptcp_packets",
        "mptcp_bytes",
        "options",
        "capable_syns",
        "scan_verdicts",
    ] {
        assert_eq!(
            live_summary["trace"][field], file_summary["trace"][field],
            "{field}"
        );
    }
    assert_eq!(live_summary["trace"], file_summary["trace"]);
    assert!(live_summary["trace"]["packets"].as_u64().unwrap_or(0) >= 20);

    // SIGTERM stops a capture that saw nothing just as cleanly.
    let mut idle = ns.exec(&ns.client);
    idle.args(["dissect", "-i", "lv-cli", "-f", "tcp port 9"]);
    let (idle, idle_err) = start_capture(idle, "capturing on lv-cli (tcp port 9)");
    idle.signal("TERM");
    let idle = finish(idle, idle_err);
    assert_eq!(idle.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&idle.stdout).contains("Dataset"));

    // Errors: a filter libpcap rejects, no privileges.
    let error = |command: &mut Command| {
        let out = command.output().expect("running dissect");
        assert_eq!(out.status.code(), Some(1));
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let message = error(
        ns.exec(&ns.client)
            .args(["dissect", "-i", "lv-cli", "-f", "tcp port"]),
    );
    assert!(message.contains("capture filter `tcp port`"), "{message}");
    let message = error(
        Command::new("ip")
            .args(["netns", "exec", &ns.client])
            .args([
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                "--inh-caps=-all",
                BIN,
                "dissect",
                "-i",
                "lv-cli",
            ]),
    );
    assert!(message.contains("needs root, or CAP_NET_RAW"), "{message}");
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_missing_interface_and_a_filter_without_one_are_errors() {
    let dissect = |args: &[&str]| {
        let out = Command::new(BIN)
            .arg("dissect")
            .args(args)
            .output()
            .expect("running dissect");
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let message = dissect(&["-i", "nosuch0"]);
    if cfg!(feature = "live") {
        assert!(message.contains("no interface `nosuch0`"), "{message}");
    } else {
        assert!(
            message.contains("built without live capture (the `live` feature"),
            "{message}"
        );
    }
    let message = dissect(&["-f", "tcp", "x.pcap"]);
    assert!(
        message.contains("-f/--filter is a capture filter for -i"),
        "{message}"
    );
    let message = dissect(&["-i", "lo", "x.pcap"]);
    assert!(message.contains("cannot be used with"), "{message}");
}
