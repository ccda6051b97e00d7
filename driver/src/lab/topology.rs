//! The lab's layout: namespaces, links, addresses, routes, prefixes and daemons, as a list of
//! setup steps computed without touching the system (so it can be checked by unit tests).
//!
//! ```text
//!  NAME-scan ── NAME-r1 ── NAME-r2 ── NAME-r3 ─┬─ NAME-hk  kernel MPTCP v1 listeners
//!   scanner     hop 1      hop 2      hop 3    ├─ NAME-ht  plain TCP listeners
//!                                              └─ NAME-hx  closed (RST) and silent (nft drop)
//! ```
//! Hosts answer at hop 4. The v0 responder is a TUN device in r3 (so its hosts are at hop 4 too);
//! middleboxes are TUN devices in r1, r2 or r3 that policy routing puts in the path of their
//! class's prefix. A middlebox in router k acts between hop k and hop k + 1: its changes show in
//! the ICMP quotes from hop k + 1 on, and an answering middlebox answers at hop k + 1.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use anyhow::bail;
use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use serde::{Deserialize, Serialize};

use super::daemon::Role;

/// Number of Linux routers between the scanner and the hosts.
pub const ROUTERS: u8 = 3;
/// The TTL at which hosts answer (one past the last router).
pub const HOST_HOP: u8 = ROUTERS + 1;
/// The whole IPv4 space the lab may use (RFC 2544 benchmarking).
pub const LAB_V4: Ipv4Net = Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 0), 15);
/// The whole IPv6 space the lab may use (RFC 3849 documentation).
pub const LAB_V6: Ipv6Net = Ipv6Net::new_assert(Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32);
/// Packets a TUN device queues for its daemon. The kernel's default, 500, overflows as soon as a
/// scanner sends faster than one daemon thread gets the CPU; a whole /16 at full speed on a busy
/// 2-core machine overflowed 16384. The queue holds pointers (512 KiB) and fills only while the
/// daemon lags.
const TUN_QUEUE: u32 = 65536;
/// First policy-routing table of the middleboxes (one table per middlebox and direction).
const FIRST_TABLE: u32 = 100;

/// One kind of target the lab serves, each on its own prefix per IP version.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// 1: upstream-Linux MPTCP v1 servers (kernel listeners).
    MptcpV1,
    /// 2: MPTCP v0 servers (the userspace responder).
    MptcpV0,
    /// 3: plain TCP servers.
    Tcp,
    /// 4: a middlebox answers SYNs itself, echoing all the SYN's options.
    MirrorFull,
    /// 5: a middlebox echoes MSS, SACK-permitted and MP_CAPABLE and NOPs out the rest.
    MirrorThesis,
    /// 6: MPTCP v1 servers behind a middlebox that overwrites MP_CAPABLE in SYNs with NOPs.
    StripNop,
    /// 6: MPTCP v1 servers behind a middlebox that removes MP_CAPABLE from SYNs.
    StripShrink,
    /// 7: MPTCP v1 servers behind a middlebox that flips bits of the key in SYN-ACKs.
    KeyFlipSynack,
    /// 7: MPTCP v0 servers behind a middlebox that rewrites half of the v0 key in SYNs.
    KeyRewriteSyn,
    /// 8: closed ports: the kernel answers with RST.
    Closed,
    /// 9: silent: every packet is dropped.
    Silent,
}

/// Who answers for a class's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hosts {
    /// Kernel MPTCP listeners in NAME-hk.
    Kernel,
    /// Kernel plain TCP listeners in NAME-ht.
    Tcp,
    /// The v0 responder's TUN device in the last router.
    Responder,
    /// No listener in NAME-hx: the kernel sends RSTs.
    Closed,
    /// An nft drop rule in NAME-hx.
    Silent,
}

/// Where a middlebox sits on the path to its class's prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    /// It answers SYNs itself (and forwards everything else).
    Answers,
    /// It changes SYNs on their way to the hosts.
    Syn,
    /// It changes the hosts' replies on their way back.
    Reply,
}

/// A middlebox in front of a class's hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Middlebox {
    /// The router (1-based hop) whose namespace runs it.
    pub router: u8,
    /// What it does to packets.
    pub role: Role,
    /// Which packets it handles.
    pub direction: Direction,
}

impl Class {
    /// Every class, in the order their prefixes are allocated.
    pub const ALL: [Class; 11] = [
        Class::MptcpV1,
        Class::MptcpV0,
        Class::Tcp,
        Class::MirrorFull,
        Class::MirrorThesis,
        Class::StripNop,
        Class::StripShrink,
        Class::KeyFlipSynack,
        Class::KeyRewriteSyn,
        Class::Closed,
        Class::Silent,
    ];

    /// The class's number in issue 4's list (sub-variants share a number).
    pub fn number(self) -> u8 {
        match self {
            Class::MptcpV1 => 1,
            Class::MptcpV0 => 2,
            Class::Tcp => 3,
            Class::MirrorFull => 4,
            Class::MirrorThesis => 5,
            Class::StripNop | Class::StripShrink => 6,
            Class::KeyFlipSynack | Class::KeyRewriteSyn => 7,
            Class::Closed => 8,
            Class::Silent => 9,
        }
    }

    /// The class's name in the ground truth and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Class::MptcpV1 => "mptcp-v1",
            Class::MptcpV0 => "mptcp-v0",
            Class::Tcp => "tcp",
            Class::MirrorFull => "mirror-full",
            Class::MirrorThesis => "mirror-thesis",
            Class::StripNop => "strip-nop",
            Class::StripShrink => "strip-shrink",
            Class::KeyFlipSynack => "key-flip-synack",
            Class::KeyRewriteSyn => "key-rewrite-syn",
            Class::Closed => "closed",
            Class::Silent => "silent",
        }
    }

    /// Who answers for the class's prefix.
    pub fn hosts(self) -> Hosts {
        match self {
            Class::MptcpV1 | Class::StripNop | Class::StripShrink | Class::KeyFlipSynack => {
                Hosts::Kernel
            }
            Class::MptcpV0 | Class::KeyRewriteSyn => Hosts::Responder,
            Class::Tcp | Class::MirrorFull | Class::MirrorThesis => Hosts::Tcp,
            Class::Closed => Hosts::Closed,
            Class::Silent => Hosts::Silent,
        }
    }

    /// The middlebox in front of the class's hosts, if any. The routers are chosen so that the
    /// ground truth has modifications at two different hops and answering middleboxes at two.
    pub fn middlebox(self) -> Option<Middlebox> {
        let (router, role, direction) = match self {
            Class::MirrorFull => (3, Role::MirrorFull, Direction::Answers),
            Class::MirrorThesis => (2, Role::MirrorThesis, Direction::Answers),
            Class::StripNop => (1, Role::StripNop, Direction::Syn),
            Class::StripShrink => (2, Role::StripShrink, Direction::Syn),
            Class::KeyFlipSynack => (2, Role::KeyFlip, Direction::Reply),
            Class::KeyRewriteSyn => (1, Role::KeyRewrite, Direction::Syn),
            _ => return None,
        };
        Some(Middlebox {
            router,
            role,
            direction,
        })
    }
}

/// A namespace of the lab, named `NAME-<suffix>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ns {
    /// The scanner's namespace.
    Scan,
    /// Router at hop 1, 2 or 3.
    Router(u8),
    /// Kernel MPTCP hosts.
    KernelHosts,
    /// Plain TCP hosts.
    TcpHosts,
    /// Closed and silent hosts.
    OtherHosts,
    /// The two-path host (`lab up --http` only; see [`super::two_path`]).
    TwoPathHost,
    /// The router of path `a` (0) or `b` (1) to the two-path host: its delay line.
    PathRouter(u8),
}

impl Ns {
    /// Every namespace the lab creates.
    pub const ALL: [Ns; 7] = [
        Ns::Scan,
        Ns::Router(1),
        Ns::Router(2),
        Ns::Router(3),
        Ns::KernelHosts,
        Ns::TcpHosts,
        Ns::OtherHosts,
    ];

    /// The namespace's full name in a lab called `lab`.
    pub fn name(self, lab: &str) -> String {
        format!("{lab}-{}", self.short())
    }

    fn short(self) -> String {
        match self {
            Ns::Scan => "scan".to_string(),
            Ns::Router(hop) => format!("r{hop}"),
            Ns::KernelHosts => "hk".to_string(),
            Ns::TcpHosts => "ht".to_string(),
            Ns::OtherHosts => "hx".to_string(),
            Ns::TwoPathHost => "mp".to_string(),
            Ns::PathRouter(path) => format!("p{}", char::from(b'a' + path)),
        }
    }
}

/// A veth link; side `a` is nearer the scanner except on link 0, where `a` is the gateway.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    index: u8,
    a: Ns,
    b: Ns,
}

/// The lab's links in order: scanner–r1, r1–r2, r2–r3, then r3 to each host namespace.
pub const LINKS: [Link; 6] = [
    Link {
        index: 0,
        a: Ns::Router(1),
        b: Ns::Scan,
    },
    Link {
        index: 1,
        a: Ns::Router(1),
        b: Ns::Router(2),
    },
    Link {
        index: 2,
        a: Ns::Router(2),
        b: Ns::Router(3),
    },
    Link {
        index: 3,
        a: Ns::Router(3),
        b: Ns::KernelHosts,
    },
    Link {
        index: 4,
        a: Ns::Router(3),
        b: Ns::TcpHosts,
    },
    Link {
        index: 5,
        a: Ns::Router(3),
        b: Ns::OtherHosts,
    },
];

impl Link {
    /// The interface name on side `a` (named after the peer).
    pub fn a_if(self) -> String {
        format!("to-{}", self.b.short())
    }

    /// The interface name on side `b`.
    pub fn b_if(self) -> String {
        format!("to-{}", self.a.short())
    }

    /// The locally administered MAC of side `a` (`b` when `side_b`).
    pub fn mac(self, side_b: bool) -> String {
        format!(
            "02:6d:6c:00:{:02x}:{:02x}",
            self.index,
            1 + u8::from(side_b)
        )
    }

    /// The IPv4 subnet: 198.18.0.0/29 for the scanner link, then /30s.
    pub fn net4(self) -> Ipv4Net {
        if self.index == 0 {
            Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 0), 29)
        } else {
            Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 4 * self.index + 4), 30)
        }
    }

    /// The IPv6 subnet: 2001:db8:0:INDEX::/64.
    pub fn net6(self) -> Ipv6Net {
        Ipv6Net::new_assert(
            Ipv6Addr::new(0x2001, 0xdb8, 0, u16::from(self.index), 0, 0, 0, 0),
            64,
        )
    }

    /// Host number `n` of the link's IPv4 subnet (1 = side a, 2 = side b, 3 = the raw address).
    pub fn addr4(self, n: u8) -> Ipv4Addr {
        Ipv4Addr::from(u32::from(self.net4().network()) + u32::from(n))
    }

    /// Host number `n` of the link's IPv6 subnet.
    pub fn addr6(self, n: u8) -> Ipv6Addr {
        Ipv6Addr::from(u128::from(self.net6().network()) + u128::from(n))
    }
}

/// The link between router `hop` and the next namespace towards the hosts (`None` for r3).
fn link_after_router(hop: u8) -> Option<Link> {
    LINKS
        .iter()
        .copied()
        .find(|l| l.a == Ns::Router(hop) && l.b == Ns::Router(hop + 1))
}

/// The link towards the scanner from router `hop`.
fn link_before_router(hop: u8) -> Link {
    LINKS
        .iter()
        .copied()
        .find(|l| l.b == Ns::Router(hop) || (hop == 1 && l.index == 0))
        .unwrap_or(LINKS[0])
}

fn host_link(ns: Ns) -> Link {
    LINKS
        .iter()
        .copied()
        .find(|l| l.b == ns)
        .unwrap_or(LINKS[3])
}

/// The scanner link (scanner on side b, gateway r1 on side a).
pub fn scanner_link() -> Link {
    LINKS[0]
}

/// The address each router uses as the source of its ICMP errors to the scanner (its
/// interface towards the scanner).
pub fn router_addrs(hop: u8) -> (Ipv4Addr, Ipv6Addr) {
    let link = link_before_router(hop);
    let n = if link.index == 0 { 1 } else { 2 };
    (link.addr4(n), link.addr6(n))
}

/// One class's prefix in one IP version.
#[derive(Debug, Clone, Copy)]
pub struct Prefix {
    /// The class its hosts belong to.
    pub class: Class,
    /// The prefix.
    pub net: IpNet,
}

/// A daemon `lab up` starts.
#[derive(Debug, Clone)]
pub struct DaemonPlan {
    /// Unique id, also the name of its pid, log and ready files.
    pub id: String,
    /// The namespace it runs in.
    pub ns: Ns,
    /// Arguments after `mptcpscan lab serve --ready FILE`.
    pub args: Vec<String>,
}

/// One setup step.
#[derive(Debug, Clone)]
pub enum Step {
    /// Create a namespace.
    AddNs(Ns),
    /// Run a command inside a namespace (`ip netns exec`).
    Exec(Ns, Vec<String>),
    /// Load an nft ruleset inside a namespace.
    Nft(Ns, String),
    /// Start a daemon and wait until it is ready.
    Daemon(DaemonPlan),
    /// Make the lab's CA and a server certificate for these addresses in its state directory
    /// (before the HTTPS daemons start).
    Certificates(Vec<IpAddr>),
}

/// The HTTP servers of `lab up --http`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpOptions {
    /// Their port (served by the middleboxes too, beside the lab's ports).
    pub port: u16,
    /// Their HTTPS port (served by the middleboxes too), if any.
    pub tls_port: Option<u16>,
    /// Bytes of the body of `GET /`.
    pub body_bytes: u64,
}

/// The most addresses of one prefix the lab's HTTPS certificate names (a /16 has 65536; the
/// rest are reached with `fetch --sni`).
pub const HTTPS_NAMES_PER_PREFIX: usize = 256;

/// The DNS name the lab's HTTPS certificate covers besides addresses (RFC 6761's reserved
/// `.test`): `fetch --sni` sends it to any lab address.
pub const TLS_NAME: &str = "lab.mptcpscan.test";
/// The lab's CA certificate in its TLS directory (`fetch --ca-file`).
pub const TLS_CA_FILE: &str = "ca.pem";

/// Everything `lab up` will build.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The lab's name.
    pub name: String,
    /// Served ports.
    pub ports: Vec<u16>,
    /// The HTTP servers and the two-path host, if asked for.
    pub http: Option<HttpOptions>,
    /// Prefixes, IPv4 ones first (in class order, or in address order with `--internet`).
    pub prefixes: Vec<Prefix>,
    /// Setup steps in order.
    pub steps: Vec<Step>,
}

/// A step running `words` in `ns`.
pub(super) fn exec(ns: Ns, words: &[&str]) -> Step {
    Step::Exec(ns, words.iter().map(|w| w.to_string()).collect())
}

/// A step running `ip WORDS` in `ns`.
pub(super) fn ip(ns: Ns, words: &str) -> Step {
    let mut argv = vec!["ip".to_string()];
    argv.extend(words.split_whitespace().map(str::to_string));
    Step::Exec(ns, argv)
}

/// The IPv4 prefix of the `k`-th (1-based) selected class: each starts on its own /24 (or its own
/// size when larger), 198.18.0.0/24 being the links.
fn prefix4(k: usize, len: u8) -> anyhow::Result<Ipv4Net> {
    let step = (1u64 << (32 - len)).max(256);
    let base = u64::from(u32::from(LAB_V4.network())) + step * k as u64;
    let end = u64::from(u32::from(LAB_V4.broadcast()));
    if base + step - 1 > end {
        bail!(
            "{k} prefixes of /{len} do not fit in {LAB_V4} beside the links: use a longer --prefix-len or fewer --classes"
        );
    }
    Ok(Ipv4Net::new(Ipv4Addr::from(base as u32), len)?)
}

/// The IPv6 prefix of the `k`-th selected class: 2001:db8:1:k::/len.
fn prefix6(k: usize, len: u8) -> anyhow::Result<Ipv6Net> {
    Ok(Ipv6Net::new(
        Ipv6Addr::new(0x2001, 0xdb8, 1, k as u16, 0, 0, 0, 0),
        len,
    )?)
}

fn ports_arg(ports: &[u16]) -> String {
    ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn family(net: &IpNet) -> &'static str {
    match net {
        IpNet::V4(_) => "-4",
        IpNet::V6(_) => "-6",
    }
}

impl Plan {
    /// Lays out a lab called `name` serving `classes` with the given prefix lengths and ports.
    #[cfg(test)]
    pub fn new(
        name: &str,
        classes: &[Class],
        prefix_len: u8,
        prefix_len6: u8,
        ports: &[u16],
    ) -> anyhow::Result<Plan> {
        Plan::with_http(name, classes, prefix_len, prefix_len6, ports, None)
    }

    /// [`Plan::new`], plus HTTP servers on the kernel MPTCP and plain TCP hosts and the
    /// two-path host when `http` is given. Without it the plan is exactly [`Plan::new`]'s.
    pub fn with_http(
        name: &str,
        classes: &[Class],
        prefix_len: u8,
        prefix_len6: u8,
        ports: &[u16],
        http: Option<HttpOptions>,
    ) -> anyhow::Result<Plan> {
        if let Some(h) = http {
            if h.port == 0 || ports.contains(&h.port) {
                bail!(
                    "the HTTP port {} must be non-zero and none of the lab's ports",
                    h.port
                );
            }
            if let Some(p) = h.tls_port {
                if p == 0 || p == h.port || ports.contains(&p) {
                    bail!("the HTTPS port {p} must be non-zero, not the HTTP port and none of the lab's ports");
                }
            }
        }
        let mut classes = classes.to_vec();
        classes.sort();
        classes.dedup();
        let mut prefixes = Vec::new();
        for (i, &class) in classes.iter().enumerate() {
            prefixes.push(Prefix {
                class,
                net: IpNet::V4(prefix4(i + 1, prefix_len)?),
            });
        }
        for (i, &class) in classes.iter().enumerate() {
            prefixes.push(Prefix {
                class,
                net: IpNet::V6(prefix6(i + 1, prefix_len6)?),
            });
        }
        Ok(Plan::build(name, prefixes, ports, http))
    }

    /// Every class in the proportions of an Internet-wide scan, in 2^`bits` addresses (see
    /// [`super::internet`]), on `ports`.
    pub fn internet(name: &str, bits: u8, ports: &[u16]) -> anyhow::Result<Plan> {
        let prefixes = super::internet::prefixes(bits)?;
        Ok(Plan::build(name, prefixes, ports, None))
    }

    /// The lab for these prefixes (any number per class).
    fn build(name: &str, prefixes: Vec<Prefix>, ports: &[u16], http: Option<HttpOptions>) -> Plan {
        let mut plan = Plan {
            name: name.to_string(),
            ports: ports.to_vec(),
            http,
            prefixes,
            steps: Vec::new(),
        };
        plan.build_links();
        plan.build_routes();
        plan.build_hosts();
        plan.build_middleboxes();
        plan.build_scanner();
        if let Some(h) = &http {
            let steps = super::two_path::steps(name, h);
            plan.steps.extend(steps);
            if h.tls_port.is_some() {
                let addresses = plan.https_addresses();
                plan.steps.push(Step::Certificates(addresses));
            }
        }
        // Daemons start last, once every device and route they use exists.
        let (daemons, commands): (Vec<Step>, Vec<Step>) = std::mem::take(&mut plan.steps)
            .into_iter()
            .partition(|s| matches!(s, Step::Daemon(_)));
        plan.steps = commands;
        plan.steps.extend(daemons);
        plan
    }

    /// The addresses the lab's HTTPS certificate names: the first
    /// [`HTTPS_NAMES_PER_PREFIX`] of each prefix whose hosts serve HTTP, and the two-path
    /// host's on both paths.
    fn https_addresses(&self) -> Vec<IpAddr> {
        let mut out = Vec::new();
        for prefix in &self.prefixes {
            if !matches!(prefix.class.hosts(), Hosts::Kernel | Hosts::Tcp) {
                continue;
            }
            out.extend(prefix.net.hosts().take(HTTPS_NAMES_PER_PREFIX));
        }
        for path in super::two_path::PATHS {
            let (v4, v6) = path.host();
            out.extend([IpAddr::V4(v4), IpAddr::V6(v6)]);
        }
        out
    }

    fn build_links(&mut self) {
        let lab = self.name.clone();
        let steps = &mut self.steps;
        for ns in Ns::ALL {
            steps.push(Step::AddNs(ns));
            steps.push(ip(ns, "link set lo up"));
            // Addresses are usable at once (no duplicate address detection) and nothing is
            // sent before the lab is complete.
            steps.push(exec(
                ns,
                &["sysctl", "-qw", "net.ipv6.conf.all.accept_dad=0"],
            ));
            steps.push(exec(
                ns,
                &["sysctl", "-qw", "net.ipv6.conf.default.accept_dad=0"],
            ));
        }
        for hop in 1..=ROUTERS {
            let r = Ns::Router(hop);
            for key in [
                "net.ipv4.ip_forward=1",
                "net.ipv6.conf.all.forwarding=1",
                // Middleboxes write packets back through their TUN device with the scanner's
                // source address: reverse-path filtering must not drop them.
                "net.ipv4.conf.all.rp_filter=0",
                "net.ipv4.conf.default.rp_filter=0",
                // Traces of many targets at once need every time-exceeded, unthrottled.
                "net.ipv4.icmp_ratemask=0",
                "net.ipv6.icmp.ratemask=255",
                "net.ipv6.icmp.ratelimit=0",
            ] {
                steps.push(exec(r, &["sysctl", "-qw", key]));
            }
        }
        for link in LINKS {
            let b = link.b.name(&lab);
            steps.push(ip(
                link.a,
                &format!(
                    "link add {} address {} type veth peer name {} address {} netns {}",
                    link.a_if(),
                    link.mac(false),
                    link.b_if(),
                    link.mac(true),
                    b
                ),
            ));
            for (ns, ifname, n) in [(link.a, link.a_if(), 1), (link.b, link.b_if(), 2)] {
                let net4 = link.net4();
                let net6 = link.net6();
                steps.push(ip(
                    ns,
                    &format!(
                        "addr add {}/{} dev {ifname}",
                        link.addr4(n),
                        net4.prefix_len()
                    ),
                ));
                steps.push(ip(
                    ns,
                    &format!(
                        "-6 addr add {}/{} dev {ifname} nodad",
                        link.addr6(n),
                        net6.prefix_len()
                    ),
                ));
                steps.push(ip(ns, &format!("link set {ifname} up")));
            }
        }
    }

    fn build_routes(&mut self) {
        let scan = scanner_link();
        let mut steps = vec![
            ip(
                Ns::Scan,
                &format!("route add default via {}", scan.addr4(1)),
            ),
            ip(
                Ns::Scan,
                &format!("-6 route add default via {}", scan.addr6(1)),
            ),
        ];
        for hop in 1..=ROUTERS {
            let r = Ns::Router(hop);
            if hop > 1 {
                let back = link_before_router(hop);
                steps.push(ip(
                    r,
                    &format!("route add 198.18.0.0/24 via {}", back.addr4(1)),
                ));
                steps.push(ip(
                    r,
                    &format!("-6 route add 2001:db8::/48 via {}", back.addr6(1)),
                ));
            }
            match link_after_router(hop) {
                Some(next) => {
                    steps.push(ip(r, &format!("route add {LAB_V4} via {}", next.addr4(2))));
                    steps.push(ip(
                        r,
                        &format!("-6 route add {LAB_V6} via {}", next.addr6(2)),
                    ));
                }
                None => {
                    // The last router knows every prefix; the rest of the lab space is
                    // unreachable instead of bouncing between routers until the TTL runs out.
                    steps.push(ip(r, &format!("route add unreachable {LAB_V4}")));
                    steps.push(ip(r, &format!("-6 route add unreachable {LAB_V6}")));
                }
            }
        }
        for ns in [Ns::KernelHosts, Ns::TcpHosts, Ns::OtherHosts] {
            let link = host_link(ns);
            steps.push(ip(ns, &format!("route add default via {}", link.addr4(1))));
            steps.push(ip(
                ns,
                &format!("-6 route add default via {}", link.addr6(1)),
            ));
        }
        self.steps.extend(steps);
    }

    fn build_hosts(&mut self) {
        let last = Ns::Router(ROUTERS);
        let ports = ports_arg(&self.ports);
        let mut steps = Vec::new();
        let mut silent = String::new();
        let mut responder = false;
        for prefix in &self.prefixes {
            let net = prefix.net;
            let fam = family(&net);
            let ns = match prefix.class.hosts() {
                Hosts::Kernel => Ns::KernelHosts,
                Hosts::Tcp => Ns::TcpHosts,
                Hosts::Closed | Hosts::Silent => Ns::OtherHosts,
                Hosts::Responder => {
                    if !responder {
                        responder = true;
                        steps.push(ip(last, "tuntap add dev v0 mode tun"));
                        steps.push(ip(last, &format!("link set v0 up txqueuelen {TUN_QUEUE}")));
                    }
                    steps.push(ip(last, &format!("{fam} route add {net} dev v0")));
                    continue;
                }
            };
            let link = host_link(ns);
            let via = match net {
                IpNet::V4(_) => link.addr4(2).to_string(),
                IpNet::V6(_) => link.addr6(2).to_string(),
            };
            steps.push(ip(last, &format!("{fam} route add {net} via {via}")));
            steps.push(ip(ns, &format!("{fam} route add local {net} dev lo")));
            if prefix.class.hosts() == Hosts::Silent {
                let proto = if fam == "-4" { "ip" } else { "ip6" };
                silent.push_str(&format!("\t\t{proto} daddr {net} drop\n"));
            }
        }
        if !silent.is_empty() {
            steps.push(Step::Nft(
                Ns::OtherHosts,
                format!(
                    "table inet mptcpscan_lab {{\n\tchain input {{\n\t\ttype filter hook input priority 0; policy accept;\n{silent}\t}}\n}}\n"
                ),
            ));
        }
        let classes: Vec<Hosts> = self.prefixes.iter().map(|p| p.class.hosts()).collect();
        let mut daemons = Vec::new();
        if classes.contains(&Hosts::Kernel) {
            steps.push(exec(
                Ns::KernelHosts,
                &["sysctl", "-qw", "net.mptcp.enabled=1"],
            ));
            daemons.push(DaemonPlan {
                id: "listen-mptcp".into(),
                ns: Ns::KernelHosts,
                args: vec![
                    "listen".into(),
                    "--mptcp".into(),
                    "--ports".into(),
                    ports.clone(),
                ],
            });
        }
        if classes.contains(&Hosts::Tcp) {
            daemons.push(DaemonPlan {
                id: "listen-tcp".into(),
                ns: Ns::TcpHosts,
                args: vec!["listen".into(), "--ports".into(), ports.clone()],
            });
        }
        if let Some(h) = &self.http {
            for (hosts, ns, mptcp) in [
                (Hosts::Kernel, Ns::KernelHosts, true),
                (Hosts::Tcp, Ns::TcpHosts, false),
            ] {
                if classes.contains(&hosts) {
                    daemons.push(DaemonPlan {
                        id: format!("http-{}", ns.short()),
                        ns,
                        args: http_args(mptcp, h, &self.name),
                    });
                }
            }
        }
        if responder {
            daemons.push(DaemonPlan {
                id: "responder-v0".into(),
                ns: last,
                args: tun_args("v0", Role::Responder, &ports),
            });
        }
        self.steps.extend(steps);
        self.steps.extend(daemons.into_iter().map(Step::Daemon));
    }

    fn build_middleboxes(&mut self) {
        // The middleboxes act on the HTTP(S) ports too: behind a stripper, HTTP falls back to TCP.
        let mut served = self.ports.clone();
        served.extend(self.http.map(|h| h.port));
        served.extend(self.http.and_then(|h| h.tls_port));
        let ports = ports_arg(&served);
        let mut steps = Vec::new();
        let mut table = FIRST_TABLE;
        for class in Class::ALL {
            let Some(mb) = class.middlebox() else {
                continue;
            };
            let nets: Vec<IpNet> = self
                .prefixes
                .iter()
                .filter(|p| p.class == class)
                .map(|p| p.net)
                .collect();
            if nets.is_empty() {
                continue;
            }
            let r = Ns::Router(mb.router);
            let dev = format!("mb-{}", class.name().replace("key-", "k").replace('-', ""));
            let dev: String = dev.chars().take(15).collect();
            steps.push(ip(r, &format!("tuntap add dev {dev} mode tun")));
            steps.push(ip(r, &format!("link set {dev} up txqueuelen {TUN_QUEUE}")));
            let upstream = link_before_router(mb.router);
            let west = if upstream.index == 0 {
                upstream.a_if()
            } else {
                upstream.b_if()
            };
            let east = match link_after_router(mb.router) {
                Some(next) => next.a_if(),
                None => host_link(match class.hosts() {
                    Hosts::Kernel => Ns::KernelHosts,
                    _ => Ns::TcpHosts,
                })
                .a_if(),
            };
            for net in nets {
                let fam = family(&net);
                let rule = match mb.direction {
                    Direction::Answers | Direction::Syn => format!("iif {west} to {net}"),
                    Direction::Reply => format!("iif {east} from {net}"),
                };
                let route = match mb.direction {
                    Direction::Answers | Direction::Syn => format!("{net}"),
                    Direction::Reply => "default".to_string(),
                };
                steps.push(ip(
                    r,
                    &format!("{fam} rule add {rule} table {table} pref {table}"),
                ));
                steps.push(ip(
                    r,
                    &format!("{fam} route add {route} dev {dev} table {table}"),
                ));
                table += 1;
            }
            steps.push(Step::Daemon(DaemonPlan {
                id: format!("middlebox-{}", class.name()),
                ns: r,
                args: tun_args(&dev, mb.role, &ports),
            }));
        }
        self.steps.extend(steps);
    }

    fn build_scanner(&mut self) {
        let link = scanner_link();
        let r1 = Ns::Router(1);
        let mac = link.mac(true);
        let scan_if = link.a_if();
        // The raw address belongs to no interface: replies to it reach the scanner's link (r1
        // knows its MAC statically) and are seen by packet capture, but the kernel, which does
        // not own it, neither answers them nor sends RSTs.
        self.steps.push(ip(
            r1,
            &format!(
                "neigh add {} lladdr {mac} dev {scan_if} nud permanent",
                link.addr4(3)
            ),
        ));
        self.steps.push(ip(
            r1,
            &format!(
                "-6 neigh add {} lladdr {mac} dev {scan_if} nud permanent",
                link.addr6(3)
            ),
        ));
        // The kernel's address too: a scanner that never asks for the gateway's MAC (below)
        // never teaches it its own, and the first burst of replies would otherwise wait in, and
        // overflow, r1's neighbour-resolution queue.
        self.steps.push(ip(
            r1,
            &format!(
                "neigh add {} lladdr {mac} dev {scan_if} nud permanent",
                link.addr4(2)
            ),
        ));
        self.steps.push(ip(
            r1,
            &format!(
                "-6 neigh add {} lladdr {mac} dev {scan_if} nud permanent",
                link.addr6(2)
            ),
        ));
        // The scanner knows its gateway's MAC from the start, as a host on a busy network does:
        // `scan` then sends Ethernet frames through its transmit ring from the first probe.
        let gateway_mac = link.mac(false);
        let our_if = link.b_if();
        self.steps.push(ip(
            Ns::Scan,
            &format!(
                "neigh add {} lladdr {gateway_mac} dev {our_if} nud permanent",
                link.addr4(1)
            ),
        ));
        self.steps.push(ip(
            Ns::Scan,
            &format!(
                "-6 neigh add {} lladdr {gateway_mac} dev {our_if} nud permanent",
                link.addr6(1)
            ),
        ));
        // The scanner's own addresses would answer every unsolicited SYN-ACK with a RST: drop
        // outgoing RSTs towards the lab so raw-socket scanners can use them too.
        self.steps
            .push(Step::Nft(Ns::Scan, SCANNER_NFT.to_string()));
    }

    /// The full name of one of this lab's namespaces.
    pub fn ns_name(&self, ns: Ns) -> String {
        ns.name(&self.name)
    }

    /// Every address the plan assigns, routes to or serves (for safety checks).
    #[cfg(test)]
    fn addresses(&self) -> Vec<IpNet> {
        let mut nets: Vec<IpNet> = self.prefixes.iter().map(|p| p.net).collect();
        for step in &self.steps {
            let words: Vec<&str> = match step {
                Step::Exec(_, argv) => argv.iter().map(String::as_str).collect(),
                Step::Nft(_, script) => script.split_whitespace().collect(),
                _ => continue,
            };
            for word in words {
                let word = word.trim_end_matches(';');
                if let Ok(net) = word.parse::<IpNet>() {
                    nets.push(net);
                } else if let Ok(addr) = word.parse::<IpAddr>() {
                    nets.push(IpNet::from(addr));
                }
            }
        }
        nets
    }
}

/// The scanner namespace's nftables ruleset (see [`Plan::build_scanner`]).
pub const SCANNER_NFT: &str = "table inet mptcpscan_lab {
\tchain output {
\t\ttype filter hook output priority 0; policy accept;
\t\tip daddr 198.18.0.0/15 tcp flags & rst == rst drop
\t\tip6 daddr 2001:db8::/32 tcp flags & rst == rst drop
\t}
}
";

/// The arguments of an HTTP server daemon of lab `lab`.
pub(super) fn http_args(mptcp: bool, http: &HttpOptions, lab: &str) -> Vec<String> {
    let mut args = vec!["http".to_string()];
    if mptcp {
        args.push("--mptcp".into());
    }
    args.extend([
        "--port".into(),
        http.port.to_string(),
        "--body-bytes".into(),
        http.body_bytes.to_string(),
    ]);
    if let Some(port) = http.tls_port {
        args.extend([
            "--tls-port".into(),
            port.to_string(),
            "--tls-dir".into(),
            super::netns::tls_dir(lab).display().to_string(),
        ]);
    }
    args
}

fn tun_args(dev: &str, role: Role, ports: &str) -> Vec<String> {
    vec![
        "tun".into(),
        "--device".into(),
        dev.into(),
        "--role".into(),
        role.name().into(),
        "--ports".into(),
        ports.into(),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lab(prefix_len: u8) -> anyhow::Result<Plan> {
        Plan::new("t", &Class::ALL, prefix_len, 120, &[80, 443])
    }

    #[test]
    fn every_address_is_in_the_lab_ranges() {
        let plan = lab(24).unwrap();
        let addresses = plan.addresses();
        assert!(addresses.len() > 50);
        for net in addresses {
            let inside = match net {
                IpNet::V4(n) => LAB_V4.contains(&n),
                IpNet::V6(n) => LAB_V6.contains(&n),
            };
            assert!(inside, "{net} is outside the lab's ranges");
        }
    }

    #[test]
    fn prefixes_are_disjoint_and_avoid_the_links() {
        let plan = lab(24).unwrap();
        assert_eq!(plan.prefixes.len(), 2 * Class::ALL.len());
        for (i, a) in plan.prefixes.iter().enumerate() {
            for link in LINKS {
                assert!(!a.net.contains(&IpNet::V4(link.net4())));
                assert!(!a.net.contains(&IpNet::V6(link.net6())));
            }
            for b in &plan.prefixes[i + 1..] {
                assert!(
                    !a.net.contains(&b.net) && !b.net.contains(&a.net),
                    "{a:?} {b:?}"
                );
            }
        }
        assert_eq!(plan.prefixes[0].net.to_string(), "198.18.1.0/24");
        assert_eq!(plan.prefixes[11].net.to_string(), "2001:db8:1:1::/120");
    }

    #[test]
    fn large_prefixes_fit_only_when_few() {
        assert!(lab(16).is_err());
        let one = Plan::new("t", &[Class::Tcp], 16, 112, &[80]).unwrap();
        assert_eq!(one.prefixes[0].net.to_string(), "198.19.0.0/16");
        let three = Plan::new("t", &Class::ALL[..3], 17, 112, &[80]).unwrap();
        assert_eq!(three.prefixes[2].net.to_string(), "198.19.128.0/17");
    }

    #[test]
    fn http_adds_servers_and_the_two_path_host_and_changes_nothing_else() {
        let http = HttpOptions {
            port: 8080,
            tls_port: Some(8443),
            body_bytes: 1 << 20,
        };
        let plain = lab(28).unwrap();
        let with = Plan::with_http("t", &Class::ALL, 28, 120, &[80, 443], Some(http)).unwrap();
        for net in with.addresses() {
            let inside = match net {
                IpNet::V4(n) => LAB_V4.contains(&n),
                IpNet::V6(n) => LAB_V6.contains(&n),
            };
            assert!(inside, "{net} is outside the lab's ranges");
        }
        let mut subnets: Vec<IpNet> = Vec::new();
        for path in super::super::two_path::PATHS {
            subnets.extend([
                IpNet::V4(path.west4()),
                IpNet::V4(path.east4()),
                IpNet::V6(path.west6()),
                IpNet::V6(path.east6()),
            ]);
        }
        subnets.extend(
            LINKS
                .iter()
                .flat_map(|l| [IpNet::V4(l.net4()), IpNet::V6(l.net6())]),
        );
        subnets.extend(with.prefixes.iter().map(|p| p.net));
        for (i, a) in subnets.iter().enumerate() {
            for b in &subnets[i + 1..] {
                assert!(!a.contains(b) && !b.contains(a), "{a} and {b} overlap");
            }
        }
        let daemons = |plan: &Plan| -> Vec<DaemonPlan> {
            plan.steps
                .iter()
                .filter_map(|s| match s {
                    Step::Daemon(d) => Some(d.clone()),
                    _ => None,
                })
                .collect()
        };
        let ids: Vec<String> = daemons(&with).iter().map(|d| d.id.clone()).collect();
        for id in ["http-hk", "http-ht", "http-two-path", "delay-a", "delay-b"] {
            assert!(ids.contains(&id.to_string()), "{ids:?}");
        }
        assert!(matches!(with.steps.last(), Some(Step::Daemon(_))));
        for d in daemons(&with)
            .iter()
            .filter(|d| d.id.starts_with("middlebox-"))
        {
            assert!(d.args.contains(&"80,443,8080,8443".to_string()), "{d:?}");
        }
        // The certificate names the hosts fetch connects to, and is made before any daemon.
        let certificates = with
            .steps
            .iter()
            .position(|s| matches!(s, Step::Certificates(_)))
            .expect("a certificates step");
        let first_daemon = with
            .steps
            .iter()
            .position(|s| matches!(s, Step::Daemon(_)))
            .unwrap();
        assert!(certificates < first_daemon);
        let Step::Certificates(names) = &with.steps[certificates] else {
            unreachable!()
        };
        for addr in ["198.18.0.70", "2001:db8:0:41::2", "198.18.1.1"] {
            assert!(names.contains(&addr.parse().unwrap()), "{addr}: {names:?}");
        }
        for d in daemons(&with).iter().filter(|d| d.id.starts_with("http-")) {
            assert!(d.args.contains(&"--tls-port".to_string()), "{d:?}");
        }
        let mut same = http;
        same.tls_port = Some(8080);
        assert!(Plan::with_http("t", &Class::ALL, 28, 120, &[80, 443], Some(same)).is_err());
        // Without --http the plan is what it always was: no HTTP port, no two-path host.
        assert!(daemons(&plain).iter().all(|d| !d.id.starts_with("http")));
        assert!(plain
            .steps
            .iter()
            .all(|s| !matches!(s, Step::AddNs(Ns::TwoPathHost))));
        assert!(Plan::with_http("t", &Class::ALL, 28, 120, &[80, 8080], Some(http)).is_err());
    }

    #[test]
    fn router_addresses_face_the_scanner() {
        assert_eq!(router_addrs(1).0, Ipv4Addr::new(198, 18, 0, 1));
        assert_eq!(router_addrs(2).0, Ipv4Addr::new(198, 18, 0, 10));
        assert_eq!(router_addrs(3).0, Ipv4Addr::new(198, 18, 0, 14));
    }

    #[test]
    fn interface_names_fit_the_kernel_limit() {
        let plan = lab(28).unwrap();
        for step in &plan.steps {
            if let Step::Daemon(d) = step {
                if let Some(i) = d.args.iter().position(|a| a == "--device") {
                    assert!(d.args[i + 1].len() <= 15, "{}", d.args[i + 1]);
                }
            }
        }
    }
}
