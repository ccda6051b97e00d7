//! The two-path host (`lab up --http`): a kernel MPTCP HTTP server that the scanner namespace
//! reaches over two paths of different delay and rate, where MPTCP with two subflows can beat
//! single-path TCP.
//!
//! ```text
//!             path a: 20 Mbit/s, +5 ms           (the address clients connect to)
//!  NAME-scan ── mp-a ── NAME-pa ── mp-a ──┐
//!                                          NAME-mp   kernel MPTCP HTTP server
//!  NAME-scan ── mp-b ── NAME-pb ── mp-b ──┘
//!             path b: 40 Mbit/s, +20 ms          (announced with ADD_ADDR)
//! ```
//!
//! A client connects to the host's address on path a (IPv4 or IPv6); plain TCP stays there. The
//! host's in-kernel path manager announces its path-b IPv4 address (`ip mptcp endpoint ...
//! signal`), and the scanner namespace's accepts the announcement (`ip mptcp limits set ...
//! add_addr_accepted`), so an MPTCP connection opens a second subflow over path b and downloads
//! over both.
//!
//! Rates: a token bucket (`tc qdisc ... tbf`) on each end of each path, whose queue bound caps the
//! delay a full queue adds. Delays: kernels without netem (`CONFIG_NET_SCH_NETEM`, missing on the
//! machine this lab was built on) cannot delay packets in `tc`, so each path's router holds every
//! packet from the host for the path's delay in a userspace delay line on a TUN device
//! ([`super::delay`]), which policy routing puts in the host-to-scanner direction.

use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{Ipv4Net, Ipv6Net};

use super::topology::{exec, http_args, ip, DaemonPlan, HttpOptions, Ns, Step};

/// One of the two paths.
#[derive(Debug, Clone, Copy)]
pub struct PathSpec {
    /// 0 for path a, 1 for path b.
    pub index: u8,
    /// Token-bucket rate each way, in Mbit/s.
    pub rate_mbit: u32,
    /// The most a full queue delays a packet, in milliseconds.
    pub queue_ms: u32,
    /// The delay line's hold on every packet from the host, in milliseconds.
    pub delay_ms: u32,
    /// Whether the host announces this path's address (ADD_ADDR); the other is the one clients
    /// connect to.
    pub announced: bool,
}

/// The two paths, the one clients connect to first. MPTCP's default scheduler sends on the
/// lowest-RTT subflow first, so the faster, longer path b is where MPTCP gains.
pub const PATHS: [PathSpec; 2] = [
    PathSpec {
        index: 0,
        rate_mbit: 20,
        queue_ms: 20,
        delay_ms: 5,
        announced: false,
    },
    PathSpec {
        index: 1,
        rate_mbit: 40,
        queue_ms: 20,
        delay_ms: 20,
        announced: true,
    },
];

impl PathSpec {
    /// `a` or `b`.
    pub fn name(&self) -> char {
        char::from(b'a' + self.index)
    }

    /// The interface name at the scanner and at the host (`mp-a`, `mp-b`).
    pub fn interface(&self) -> String {
        format!("mp-{}", self.name())
    }

    /// The path's router.
    pub fn router(&self) -> Ns {
        Ns::PathRouter(self.index)
    }

    /// The scanner–router subnet (in the links' 198.18.0.0/24 past the chain's links): .1 is the
    /// scanner, .2 the router.
    pub fn west4(&self) -> Ipv4Net {
        Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 64 + 8 * self.index), 30)
    }

    /// The router–host subnet: .1 is the router, .2 the host.
    pub fn east4(&self) -> Ipv4Net {
        Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 68 + 8 * self.index), 30)
    }

    /// The scanner–router IPv6 subnet (past the chain's link /64s).
    pub fn west6(&self) -> Ipv6Net {
        let n = 0x40 + 2 * u16::from(self.index);
        Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0xdb8, 0, n, 0, 0, 0, 0), 64)
    }

    /// The router–host IPv6 subnet.
    pub fn east6(&self) -> Ipv6Net {
        let n = 0x41 + 2 * u16::from(self.index);
        Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0xdb8, 0, n, 0, 0, 0, 0), 64)
    }

    /// The scanner's addresses on the path.
    pub fn scanner(&self) -> (Ipv4Addr, Ipv6Addr) {
        (nth4(self.west4(), 1), nth6(self.west6(), 1))
    }

    /// The host's addresses on the path.
    pub fn host(&self) -> (Ipv4Addr, Ipv6Addr) {
        (nth4(self.east4(), 2), nth6(self.east6(), 2))
    }
}

fn nth4(net: Ipv4Net, n: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(net.network()) + n)
}

fn nth6(net: Ipv6Net, n: u128) -> Ipv6Addr {
    Ipv6Addr::from(u128::from(net.network()) + n)
}

/// Token-bucket depth: a few full-size packets, above what one timer tick of the fastest path
/// sends (40 Mbit/s over 4 ms at HZ = 250).
const BURST: &str = "32kb";
/// Policy-routing table (and rule preference) that sends the host's packets to the delay line.
const DELAY_TABLE: u32 = 100;

fn tbf(ns: Ns, ifname: &str, path: &PathSpec) -> Step {
    exec(
        ns,
        &[
            "tc",
            "qdisc",
            "add",
            "dev",
            ifname,
            "root",
            "tbf",
            "rate",
            &format!("{}mbit", path.rate_mbit),
            "burst",
            BURST,
            "latency",
            &format!("{}ms", path.queue_ms),
        ],
    )
}

/// Both ends of a veth link: `(ns, ifname, v4 address, v6 address)`, the first creating it.
fn veth(lab: &str, ends: [(Ns, &str, Ipv4Addr, Ipv6Addr); 2], steps: &mut Vec<Step>) {
    let [(a, a_if, _, _), (b, b_if, _, _)] = ends;
    steps.push(ip(
        a,
        &format!(
            "link add {a_if} type veth peer name {b_if} netns {}",
            b.name(lab)
        ),
    ));
    for (ns, ifname, v4, v6) in ends {
        steps.push(ip(ns, &format!("addr add {v4}/30 dev {ifname}")));
        steps.push(ip(ns, &format!("-6 addr add {v6}/64 dev {ifname} nodad")));
        steps.push(ip(ns, &format!("link set {ifname} up")));
    }
}

/// The host's and its paths' setup steps (their daemons included) for a lab called `lab`.
pub fn steps(lab: &str, http: &HttpOptions) -> Vec<Step> {
    let host = Ns::TwoPathHost;
    let mut steps = Vec::new();
    for ns in [host, Ns::PathRouter(0), Ns::PathRouter(1)] {
        steps.push(Step::AddNs(ns));
        steps.push(ip(ns, "link set lo up"));
        for key in [
            "net.ipv6.conf.all.accept_dad=0",
            "net.ipv6.conf.default.accept_dad=0",
        ] {
            steps.push(exec(ns, &["sysctl", "-qw", key]));
        }
    }
    steps.push(exec(host, &["sysctl", "-qw", "net.mptcp.enabled=1"]));
    let mut daemons = Vec::new();
    for path in PATHS {
        let router = path.router();
        for key in [
            "net.ipv4.ip_forward=1",
            "net.ipv6.conf.all.forwarding=1",
            // The delay line writes the host's packets back in through its TUN device.
            "net.ipv4.conf.all.rp_filter=0",
            "net.ipv4.conf.default.rp_filter=0",
        ] {
            steps.push(exec(router, &["sysctl", "-qw", key]));
        }
        let ifname = path.interface();
        let (west4, west6) = (path.west4(), path.west6());
        let (east4, east6) = (path.east4(), path.east6());
        veth(
            lab,
            [
                (Ns::Scan, &ifname, nth4(west4, 1), nth6(west6, 1)),
                (router, "to-scan", nth4(west4, 2), nth6(west6, 2)),
            ],
            &mut steps,
        );
        veth(
            lab,
            [
                (router, "to-mp", nth4(east4, 1), nth6(east6, 1)),
                (host, &ifname, nth4(east4, 2), nth6(east6, 2)),
            ],
            &mut steps,
        );
        steps.push(ip(
            Ns::Scan,
            &format!("route add {east4} via {}", nth4(west4, 2)),
        ));
        steps.push(ip(
            Ns::Scan,
            &format!("-6 route add {east6} via {}", nth6(west6, 2)),
        ));
        steps.push(ip(
            host,
            &format!("route add {west4} via {}", nth4(east4, 1)),
        ));
        steps.push(ip(
            host,
            &format!("-6 route add {west6} via {}", nth6(east6, 1)),
        ));
        steps.push(tbf(Ns::Scan, &ifname, &path));
        steps.push(tbf(host, &ifname, &path));
        steps.push(ip(router, "tuntap add dev dl mode tun"));
        steps.push(ip(router, "link set dl up txqueuelen 65536"));
        for fam in ["-4", "-6"] {
            steps.push(ip(
                router,
                &format!("{fam} rule add iif to-mp table {DELAY_TABLE} pref {DELAY_TABLE}"),
            ));
            steps.push(ip(
                router,
                &format!("{fam} route add default dev dl table {DELAY_TABLE}"),
            ));
        }
        daemons.push(Step::Daemon(DaemonPlan {
            id: format!("delay-{}", path.name()),
            ns: router,
            args: vec![
                "delay".into(),
                "--device".into(),
                "dl".into(),
                "--ms".into(),
                path.delay_ms.to_string(),
            ],
        }));
        if path.announced {
            // Its IPv4 address only: a dual-stack client accepts IPv4 announcements on IPv6
            // connections too, so announcing both would give IPv6 downloads a third subflow.
            steps.push(ip(
                host,
                &format!("mptcp endpoint add {} dev {ifname} signal", path.host().0),
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
    steps.extend(daemons);
    steps.push(Step::Daemon(DaemonPlan {
        id: "http-two-path".into(),
        ns: host,
        args: http_args(true, http, lab),
    }));
    steps
}
