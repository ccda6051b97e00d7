//! The two-path host (`lab up --http`): a kernel MPTCP HTTP server that the scanner namespace
//! reaches over two direct links of different rate, where MPTCP with two subflows can beat
//! single-path TCP.
//!
//! ```text
//!              mp-a: 20 Mbit/s, queue ≤ 20 ms   (the address clients connect to)
//!  NAME-scan ═════════════════════════════════ NAME-mp   kernel MPTCP HTTP server
//!              mp-b: 40 Mbit/s, queue ≤ 50 ms   (announced with ADD_ADDR)
//! ```
//!
//! A client connects to the host's address on path a (IPv4 or IPv6); plain TCP stays there. The
//! host's in-kernel path manager announces its path-b IPv4 address (`ip mptcp endpoint ...
//! signal`), and the
//! scanner namespace's accepts the announcement (`ip mptcp limits set ... add_addr_accepted`), so
//! an MPTCP connection opens a second subflow over path b and downloads over both.
//!
//! Each link is shaped in both directions by a token bucket (`tc qdisc ... tbf`): its rate, and
//! a queue bound that caps the delay a full queue adds. The kernels this lab runs on may lack
//! netem (`CONFIG_NET_SCH_NETEM`), so the paths differ in rate and queueing delay, not in a fixed
//! propagation delay.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

use super::topology::{exec, ip, HttpOptions, Ns, Step};

/// One of the two links.
#[derive(Debug, Clone, Copy)]
pub struct PathSpec {
    /// `a` or `b`; the interfaces on both ends are called `mp-a` and `mp-b`.
    pub name: &'static str,
    /// The link's IPv4 subnet: .1 is the scanner's end, .2 the host's.
    pub net4: Ipv4Net,
    /// The link's IPv6 subnet: ::1 is the scanner's end, ::2 the host's.
    pub net6: Ipv6Net,
    /// Token-bucket rate each way, in Mbit/s.
    pub rate_mbit: u32,
    /// The most a full queue delays a packet, in milliseconds.
    pub queue_ms: u32,
    /// Whether the host announces this path's address (ADD_ADDR); the other is the one clients
    /// connect to.
    pub announced: bool,
}

impl PathSpec {
    /// The interface name on both ends.
    pub fn interface(&self) -> String {
        format!("mp-{}", self.name)
    }

    /// Address `n` of the IPv4 subnet (1: scanner, 2: host).
    pub fn addr4(&self, n: u8) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.net4.network()) + u32::from(n))
    }

    /// Address `n` of the IPv6 subnet.
    pub fn addr6(&self, n: u8) -> Ipv6Addr {
        Ipv6Addr::from(u128::from(self.net6.network()) + u128::from(n))
    }
}

/// The two paths, the one clients connect to first. Their subnets lie in the links' 198.18.0.0/24
/// past the chain's links, and in 2001:db8:0::/48 past the chain's link /64s.
pub const PATHS: [PathSpec; 2] = [
    PathSpec {
        name: "a",
        net4: Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 64), 30),
        net6: Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0xdb8, 0, 0x40, 0, 0, 0, 0), 64),
        rate_mbit: 20,
        queue_ms: 20,
        announced: false,
    },
    PathSpec {
        name: "b",
        net4: Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 68), 30),
        net6: Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0xdb8, 0, 0x41, 0, 0, 0, 0), 64),
        rate_mbit: 40,
        queue_ms: 50,
        announced: true,
    },
];

/// Token-bucket depth: a few full-size packets, above what one timer tick of the fastest path
/// sends (40 Mbit/s over 4 ms at HZ = 250).
const BURST: &str = "32kb";

/// The host's setup steps (its daemon included) for a lab called `lab`.
pub fn steps(lab: &str, http: &HttpOptions) -> Vec<Step> {
    let host = Ns::TwoPathHost;
    let mut steps = vec![
        Step::AddNs(host),
        ip(host, "link set lo up"),
        exec(host, &["sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0"]),
        exec(
            host,
            &["sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"],
        ),
        exec(host, &["sysctl", "-qw", "net.mptcp.enabled=1"]),
    ];
    for path in PATHS {
        let ifname = path.interface();
        steps.push(ip(
            Ns::Scan,
            &format!(
                "link add {ifname} type veth peer name {ifname} netns {}",
                host.name(lab)
            ),
        ));
        for (ns, n) in [(Ns::Scan, 1), (host, 2)] {
            steps.push(ip(
                ns,
                &format!(
                    "addr add {}/{} dev {ifname}",
                    path.addr4(n),
                    path.net4.prefix_len()
                ),
            ));
            steps.push(ip(
                ns,
                &format!(
                    "-6 addr add {}/{} dev {ifname} nodad",
                    path.addr6(n),
                    path.net6.prefix_len()
                ),
            ));
            steps.push(ip(ns, &format!("link set {ifname} up")));
            steps.push(exec(
                ns,
                &[
                    "tc",
                    "qdisc",
                    "add",
                    "dev",
                    &ifname,
                    "root",
                    "tbf",
                    "rate",
                    &format!("{}mbit", path.rate_mbit),
                    "burst",
                    BURST,
                    "latency",
                    &format!("{}ms", path.queue_ms),
                ],
            ));
        }
        if path.announced {
            // Its IPv4 address only: a dual-stack client accepts IPv4 announcements on IPv6
            // connections too, so announcing both would give IPv6 downloads a third subflow.
            steps.push(ip(
                host,
                &format!("mptcp endpoint add {} dev {ifname} signal", path.addr4(2)),
            ));
        }
    }
    // The host accepts the joins of one more subflow; the client accepts the announcement and
    // opens it.
    steps.push(ip(host, "mptcp limits set subflows 2 add_addr_accepted 0"));
    steps.push(ip(
        Ns::Scan,
        "mptcp limits set subflows 2 add_addr_accepted 2",
    ));
    steps.push(Step::Daemon(super::topology::DaemonPlan {
        id: "http-two-path".into(),
        ns: host,
        args: super::topology::http_args(true, http),
    }));
    steps
}
