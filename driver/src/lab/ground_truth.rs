//! The lab's ground truth: what every prefix is and what a scan of it must find.
//!
//! `lab up` writes it as JSON to `/run/mptcpscan-lab/NAME/ground-truth.json` (and to
//! `--ground-truth FILE`). The format is stable (`"format": "mptcpscan-lab/1"`; fields are only
//! ever added):
//!
//! ```json
//! {
//!   "format": "mptcpscan-lab/1",
//!   "name": "mpl",
//!   "ports": [80, 443],
//!   "host_hop": 4,
//!   "scanner": {
//!     "netns": "mpl-scan", "interface": "to-r1",
//!     "mac": "02:6d:6c:00:00:02", "gateway_mac": "02:6d:6c:00:00:01",
//!     "ipv4": { "address": "198.18.0.2", "raw_address": "198.18.0.3",
//!               "gateway": "198.18.0.1", "subnet": "198.18.0.0/29" },
//!     "ipv6": { "address": "2001:db8::2", "raw_address": "2001:db8::3",
//!               "gateway": "2001:db8::1", "subnet": "2001:db8::/64" },
//!     "rst_filter": "..."
//!   },
//!   "routers": [ { "hop": 1, "netns": "mpl-r1", "ipv4": "198.18.0.1", "ipv6": "2001:db8::1" }, ... ],
//!   "prefixes": [
//!     { "prefix": "198.18.6.0/28", "ip_version": 4, "class": "strip-nop", "class_number": 6,
//!       "hosts": "...",
//!       "middlebox": { "kind": "strip-nop", "netns": "mpl-r1", "router": 1, "hop": 2,
//!                      "direction": "syn" },
//!       "expect": {
//!         "v0": { "reply": "syn-ack", "mp_capable": "absent", "verdict": "stripped",
//!                 "reply_hop": 4, "modified_at_hop": 2, "modification": "mp-capable-removed" },
//!         "v1": { ... } } },
//!     ...
//!   ]
//! }
//! ```
//!
//! * `scanner`: run scanners inside `netns` (`ip netns exec NAME-scan mptcpscan scan ...`).
//!   `address` is the kernel's own address; an nft rule there drops the RSTs the kernel would
//!   send to unsolicited SYN-ACKs, so raw-socket scanners can use it. `raw_address` is assigned to
//!   no interface: the gateway has a static neighbour entry for it, so replies reach the
//!   interface (seen by AF_PACKET/pcap capture) and the kernel ignores them silently.
//! * `routers`: hop `h` answers TTL `h` with ICMP time-exceeded quoting the whole probe, from the
//!   given address. Hosts answer at `host_hop`.
//! * `expect.v0` / `expect.v1`: what a SYN with a v0 (12-byte, key) or v1 (4-byte, flags
//!   `0x01`) MP_CAPABLE to any address of the prefix and any of `ports` gets:
//!   - `reply`: `syn-ack`, `rst` or `none`;
//!   - `mp_capable` in the reply: `absent`; `own-key` (a key that is not the probe's); or
//!     `echoed` (the probe's MP_CAPABLE byte for byte: the v0 key echoed, or a keyless v1 option);
//!   - `verdict`, the final class of the papers' method (scan, mirror filter, trace of the
//!     candidates): `mptcp` (truly MPTCP), `middlebox-affected` (the trace shows MP_CAPABLE
//!     changed before the last hop), `mirror`, `stripped` (no MP_CAPABLE in the reply because
//!     a hop removed the probe's: found when the chain traces plain answers, its default; the
//!     papers' candidates-only method calls these `not-mptcp`), `not-mptcp`, `closed` (RST),
//!     `silent` (nothing);
//!   - `reply_hop`: the TTL from which the reply comes (a mirror answers at its own hop),
//!     `null` if none;
//!   - `modified_at_hop` / `modification`: the first hop whose ICMP quote shows the probe's
//!     MP_CAPABLE changed (`mp-capable-removed` or `mp-capable-key-changed`), `null` if the
//!     forward path leaves it alone. A trace of a `not-mptcp` prefix can still show one.
//! * `middlebox`: `hop` is the tracebox-like hop count of its effect: the first TTL whose quote
//!   shows its change, or at which it answers (it runs in router `router`, between hop
//!   `router` and `router + 1`). `direction`: `answers` (SYNs), `syn` (changes SYNs) or `reply`
//!   (changes SYN-ACKs: invisible to the method, hence `key-flip-synack`'s `mptcp` verdict).

use std::net::IpAddr;
use std::path::Path;

use anyhow::{bail, Context};
use ipnet::IpNet;
use mptcpscan::mptcp::Version;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

pub use super::topology::Class;
use super::topology::{
    self, Direction, Plan, HOST_HOP, ROUTERS, SCANNER_NFT, TLS_CA_FILE, TLS_NAME,
};
use super::two_path;

/// The format tag of version 1 of the file.
pub const FORMAT: &str = "mptcpscan-lab/1";

/// Reads a ground-truth file as `T`: the whole [`GroundTruth`], or the part of it a reader needs,
/// `format` giving its format tag, which must be [`FORMAT`].
pub fn read<T: DeserializeOwned>(path: &Path, format: fn(&T) -> &str) -> anyhow::Result<T> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let truth: T = serde_json::from_str(&text)
        .with_context(|| format!("parsing the ground truth {}", path.display()))?;
    let found = format(&truth);
    if found != FORMAT {
        bail!("{}: format {found:?}, expected {FORMAT:?}", path.display());
    }
    Ok(truth)
}

/// The whole ground truth of one lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GroundTruth {
    /// Always [`FORMAT`].
    pub format: String,
    /// The lab's name (namespace prefix).
    pub name: String,
    /// Ports the servers and middleboxes serve.
    pub ports: Vec<u16>,
    /// The TTL at which hosts answer.
    pub host_hop: u8,
    /// How to scan from inside the lab.
    pub scanner: Scanner,
    /// The routers, hop 1 first.
    pub routers: Vec<Router>,
    /// Every prefix with its class and expectations.
    pub prefixes: Vec<PrefixTruth>,
    /// The HTTP servers and the two-path host (`lab up --http` only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http: Option<HttpTruth>,
}

/// The HTTP servers of `lab up --http`: every kernel MPTCP and plain TCP host serves HTTP on
/// `port` (middleboxes included in front of them), and so does the two-path host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpTruth {
    /// The HTTP port.
    pub port: u16,
    /// The HTTPS port (same hosts, handler and middleboxes), when the lab serves HTTPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub https_port: Option<u16>,
    /// The CA certificate that verifies the lab's HTTPS servers (`fetch --ca-file`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_file: Option<std::path::PathBuf>,
    /// The DNS name the HTTPS certificate covers besides the hosts' addresses (`fetch --sni`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_name: Option<String>,
    /// Bytes of `GET /` (`GET /N` gives N bytes).
    pub body_bytes: u64,
    /// What a kernel MPTCP client's connection becomes, per class (`mptcp` or `fallback`).
    pub connections: Vec<HttpExpect>,
    /// The two-path host.
    pub two_path: TwoPathTruth,
}

/// What an MPTCP fetch from a class's hosts becomes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpExpect {
    /// The class.
    pub class: Class,
    /// `mptcp` or `fallback` (the names of `mptcpscan::sockinfo::Connection`).
    pub connection: String,
}

/// The two-path host: reached from the scanner namespace over two links (see `lab/two_path.rs`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TwoPathTruth {
    /// Its namespace.
    pub netns: String,
    /// The IPv4 address to fetch from (on the first path).
    pub ipv4: IpAddr,
    /// The IPv6 address to fetch from (on the first path).
    pub ipv6: IpAddr,
    /// Subflows an MPTCP download uses (one per path).
    pub mptcp_subflows: u8,
    /// The links, the one of `ipv4`/`ipv6` first.
    pub paths: Vec<PathTruth>,
}

/// One link to the two-path host.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PathTruth {
    /// The interface at the scanner and at the host.
    pub interface: String,
    /// The namespace of its router (which runs its delay line).
    pub router_netns: String,
    /// The host's IPv4 address on it.
    pub ipv4: IpAddr,
    /// The host's IPv6 address on it.
    pub ipv6: IpAddr,
    /// The scanner's IPv4 address on it.
    pub scanner_ipv4: IpAddr,
    /// The scanner's IPv6 address on it.
    pub scanner_ipv6: IpAddr,
    /// Token-bucket rate each way, Mbit/s.
    pub rate_mbit: u32,
    /// The most a full queue delays a packet, ms.
    pub queue_ms: u32,
    /// What the delay line adds to every packet from the host, ms.
    pub delay_ms: u32,
    /// Whether the host announces it with ADD_ADDR.
    pub announced: bool,
}

/// The scanner's side of the lab.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scanner {
    /// Namespace to run scanners in.
    pub netns: String,
    /// Its only interface (besides lo).
    pub interface: String,
    /// The interface's MAC.
    pub mac: String,
    /// The gateway's MAC (for scanners that write Ethernet frames).
    pub gateway_mac: String,
    /// IPv4 addresses.
    pub ipv4: ScannerAddrs,
    /// IPv6 addresses.
    pub ipv6: ScannerAddrs,
    /// What keeps the kernel's RSTs out of the scan (see the module docs).
    pub rst_filter: String,
}

/// The scanner's addresses in one IP version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScannerAddrs {
    /// The kernel's own address (outgoing RSTs to the lab dropped by nft).
    pub address: IpAddr,
    /// An address of no interface, answered to by static neighbour entry: for packet capture.
    pub raw_address: IpAddr,
    /// The first router.
    pub gateway: IpAddr,
    /// The scanner link's subnet.
    pub subnet: IpNet,
}

/// One router of the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Router {
    /// Its hop (the TTL it answers with time-exceeded).
    pub hop: u8,
    /// Its namespace.
    pub netns: String,
    /// Source of its ICMP errors to the scanner.
    pub ipv4: IpAddr,
    /// Source of its ICMPv6 errors to the scanner.
    pub ipv6: IpAddr,
}

/// One prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrefixTruth {
    /// The prefix; every address in it behaves the same.
    pub prefix: IpNet,
    /// 4 or 6.
    pub ip_version: u8,
    /// The class.
    pub class: Class,
    /// The class's number in issue 4.
    pub class_number: u8,
    /// Who answers, in words.
    pub hosts: String,
    /// The middlebox in the path, if any.
    pub middlebox: Option<MiddleboxTruth>,
    /// Expectations per probe version.
    pub expect: PerVersion,
}

/// A middlebox in front of a prefix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MiddleboxTruth {
    /// The middlebox program's role (`mptcpscan lab serve tun --role`).
    pub kind: String,
    /// The namespace it runs in.
    pub netns: String,
    /// The router it runs in.
    pub router: u8,
    /// Tracebox-like hop of its effect.
    pub hop: u8,
    /// Which packets it acts on.
    pub direction: Direction,
}

/// Expectations for v0 and v1 probes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PerVersion {
    /// For a v0 MP_CAPABLE SYN (key in the SYN).
    pub v0: Expect,
    /// For a v1 MP_CAPABLE SYN (no key).
    pub v1: Expect,
}

/// What one probe gets.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expect {
    /// The kind of reply.
    pub reply: Reply,
    /// MP_CAPABLE in the reply.
    pub mp_capable: MpCapable,
    /// Final class of the papers' method.
    pub verdict: Verdict,
    /// TTL from which the reply comes.
    pub reply_hop: Option<u8>,
    /// First hop whose quote shows MP_CAPABLE changed.
    pub modified_at_hop: Option<u8>,
    /// How it changed.
    pub modification: Option<Modification>,
}

/// The kind of reply to a SYN.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reply {
    /// SYN-ACK.
    SynAck,
    /// RST.
    Rst,
    /// Nothing.
    None,
}

/// MP_CAPABLE in a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MpCapable {
    /// No MP_CAPABLE.
    Absent,
    /// A key that is not the probe's.
    OwnKey,
    /// The probe's MP_CAPABLE, byte for byte.
    Echoed,
}

/// Final class of a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Truly MPTCP.
    Mptcp,
    /// Different key, but the trace shows a middlebox changing MP_CAPABLE on the way.
    MiddleboxAffected,
    /// Echoes the probe's MP_CAPABLE.
    Mirror,
    /// Answers without MP_CAPABLE, because a hop removed the probe's.
    Stripped,
    /// Answers without MP_CAPABLE.
    NotMptcp,
    /// Answers with RST.
    Closed,
    /// Does not answer.
    Silent,
}

impl Verdict {
    /// The verdict's name as the ground-truth file writes it (`not-mptcp`, ...), also for people.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Mptcp => "mptcp",
            Verdict::MiddleboxAffected => "middlebox-affected",
            Verdict::Mirror => "mirror",
            Verdict::Stripped => "stripped",
            Verdict::NotMptcp => "not-mptcp",
            Verdict::Closed => "closed",
            Verdict::Silent => "silent",
        }
    }
}

/// A change of the probe's MP_CAPABLE on the forward path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Modification {
    /// MP_CAPABLE gone (NOPs or removed).
    MpCapableRemoved,
    /// MP_CAPABLE's key changed.
    MpCapableKeyChanged,
}

/// What a probe of `version` to a host of `class` gets (see the module docs).
pub fn expect(class: Class, version: Version) -> Expect {
    let v0 = version == Version::V0;
    let mb_hop = class.middlebox().map(|mb| mb.router + 1);
    let answer = |mp_capable, verdict| Expect {
        reply: Reply::SynAck,
        mp_capable,
        verdict,
        reply_hop: Some(HOST_HOP),
        modified_at_hop: None,
        modification: None,
    };
    match class {
        Class::MptcpV1 | Class::KeyFlipSynack if !v0 => answer(MpCapable::OwnKey, Verdict::Mptcp),
        Class::MptcpV0 if v0 => answer(MpCapable::OwnKey, Verdict::Mptcp),
        Class::MirrorFull | Class::MirrorThesis => Expect {
            reply_hop: mb_hop,
            ..answer(MpCapable::Echoed, Verdict::Mirror)
        },
        Class::StripNop | Class::StripShrink => Expect {
            modified_at_hop: mb_hop,
            modification: Some(Modification::MpCapableRemoved),
            ..answer(MpCapable::Absent, Verdict::Stripped)
        },
        Class::KeyRewriteSyn if v0 => Expect {
            modified_at_hop: mb_hop,
            modification: Some(Modification::MpCapableKeyChanged),
            ..answer(MpCapable::OwnKey, Verdict::MiddleboxAffected)
        },
        Class::Closed => Expect {
            reply: Reply::Rst,
            ..answer(MpCapable::Absent, Verdict::Closed)
        },
        Class::Silent => Expect {
            reply: Reply::None,
            reply_hop: None,
            ..answer(MpCapable::Absent, Verdict::Silent)
        },
        _ => answer(MpCapable::Absent, Verdict::NotMptcp),
    }
}

fn hosts_text(class: Class) -> &'static str {
    match class {
        Class::MptcpV1 => "upstream Linux MPTCP v1 listeners (IPPROTO_MPTCP)",
        Class::MptcpV0 => "userspace MPTCP v0 responder (a v0-only kernel: own random key to v0 SYNs, no MP_CAPABLE to v1)",
        Class::Tcp => "Linux plain TCP listeners",
        Class::MirrorFull => "plain TCP listeners behind a middlebox answering SYNs with all options echoed",
        Class::MirrorThesis => "plain TCP listeners behind a middlebox echoing MSS, SACK-permitted and MP_CAPABLE, the rest NOPs",
        Class::StripNop => "MPTCP v1 listeners behind a middlebox overwriting MP_CAPABLE in SYNs with NOPs",
        Class::StripShrink => "MPTCP v1 listeners behind a middlebox removing MP_CAPABLE from SYNs (header shrunk)",
        Class::KeyFlipSynack => "MPTCP v1 listeners behind a middlebox flipping key bits in SYN-ACKs (MPTCP connections then stall: the client derives the server's data sequence numbers from the flipped key)",
        Class::KeyRewriteSyn => "MPTCP v0 responder behind a middlebox rewriting the low half of v0 keys in SYNs",
        Class::Closed => "no listener: the kernel answers RST",
        Class::Silent => "every packet dropped (nft)",
    }
}

fn http_truth(plan: &Plan, http: &topology::HttpOptions) -> HttpTruth {
    use mptcpscan::sockinfo::Connection;
    let mut classes: Vec<Class> = plan.prefixes.iter().map(|p| p.class).collect();
    classes.sort();
    classes.dedup();
    let connections = classes
        .into_iter()
        .filter_map(|class| {
            let connection = match class {
                Class::MptcpV1 => Connection::Mptcp,
                Class::Tcp | Class::StripNop | Class::StripShrink => Connection::Fallback,
                _ => return None,
            };
            Some(HttpExpect {
                class,
                connection: connection.name().to_string(),
            })
        })
        .collect();
    let paths: Vec<PathTruth> = two_path::PATHS
        .iter()
        .map(|p| PathTruth {
            interface: p.interface(),
            router_netns: plan.ns_name(p.router()),
            ipv4: p.host().0.into(),
            ipv6: p.host().1.into(),
            scanner_ipv4: p.scanner().0.into(),
            scanner_ipv6: p.scanner().1.into(),
            rate_mbit: p.rate_mbit,
            queue_ms: p.queue_ms,
            delay_ms: p.delay_ms,
            announced: p.announced,
        })
        .collect();
    let tls = http.tls_port.is_some();
    HttpTruth {
        port: http.port,
        https_port: http.tls_port,
        ca_file: tls.then(|| super::netns::tls_dir(&plan.name).join(TLS_CA_FILE)),
        tls_name: tls.then(|| TLS_NAME.to_string()),
        body_bytes: http.body_bytes,
        connections,
        two_path: TwoPathTruth {
            netns: plan.ns_name(topology::Ns::TwoPathHost),
            ipv4: paths[0].ipv4,
            ipv6: paths[0].ipv6,
            mptcp_subflows: paths.len() as u8,
            paths,
        },
    }
}

impl GroundTruth {
    /// The ground truth of a lab built from `plan`.
    pub fn from_plan(plan: &Plan) -> GroundTruth {
        let link = topology::scanner_link();
        let scanner = Scanner {
            netns: plan.ns_name(topology::Ns::Scan),
            interface: link.b_if(),
            mac: link.mac(true),
            gateway_mac: link.mac(false),
            ipv4: ScannerAddrs {
                address: link.addr4(2).into(),
                raw_address: link.addr4(3).into(),
                gateway: link.addr4(1).into(),
                subnet: link.net4().into(),
            },
            ipv6: ScannerAddrs {
                address: link.addr6(2).into(),
                raw_address: link.addr6(3).into(),
                gateway: link.addr6(1).into(),
                subnet: link.net6().into(),
            },
            rst_filter: format!(
                "nft ruleset in {} drops outgoing TCP RSTs to the lab ranges: {}",
                plan.ns_name(topology::Ns::Scan),
                SCANNER_NFT.split_whitespace().collect::<Vec<_>>().join(" ")
            ),
        };
        let routers = (1..=ROUTERS)
            .map(|hop| {
                let (v4, v6) = topology::router_addrs(hop);
                Router {
                    hop,
                    netns: plan.ns_name(topology::Ns::Router(hop)),
                    ipv4: v4.into(),
                    ipv6: v6.into(),
                }
            })
            .collect();
        let prefixes = plan
            .prefixes
            .iter()
            .map(|p| PrefixTruth {
                prefix: p.net,
                ip_version: if p.net.addr().is_ipv4() { 4 } else { 6 },
                class: p.class,
                class_number: p.class.number(),
                hosts: hosts_text(p.class).to_string(),
                middlebox: p.class.middlebox().map(|mb| MiddleboxTruth {
                    kind: mb.role.name().to_string(),
                    netns: plan.ns_name(topology::Ns::Router(mb.router)),
                    router: mb.router,
                    hop: mb.router + 1,
                    direction: mb.direction,
                }),
                expect: PerVersion {
                    v0: expect(p.class, Version::V0),
                    v1: expect(p.class, Version::V1),
                },
            })
            .collect();
        GroundTruth {
            format: FORMAT.to_string(),
            name: plan.name.clone(),
            ports: plan.ports.clone(),
            host_hop: HOST_HOP,
            scanner,
            routers,
            prefixes,
            http: plan.http.map(|h| http_truth(plan, &h)),
        }
    }

    /// Writes the ground truth as pretty JSON.
    pub fn write(&self, path: &Path) -> anyhow::Result<()> {
        let mut text = serde_json::to_string_pretty(self)?;
        text.push('\n');
        std::fs::write(path, text)?;
        Ok(())
    }

    /// Reads a ground-truth file, checking its format tag.
    pub fn load(path: &Path) -> anyhow::Result<GroundTruth> {
        read(path, |truth: &GroundTruth| &truth.format)
    }

    /// The class of `addr`, if it is in one of the lab's prefixes.
    pub fn lookup(&self, addr: IpAddr) -> Option<&PrefixTruth> {
        self.prefixes.iter().find(|p| p.prefix.contains(&addr))
    }

    /// Human-readable: how to reach the lab, and its prefixes.
    pub fn summary(&self) -> String {
        let s = &self.scanner;
        let mut out = format!(
            "lab {:?} is up\nscanner: ip netns exec {} ... (interface {}, MAC {}, gateway MAC {})\n",
            self.name, s.netns, s.interface, s.mac, s.gateway_mac
        );
        for a in [&s.ipv4, &s.ipv6] {
            out.push_str(&format!(
                "  source {} (kernel's, RSTs dropped) or {} (capture only), gateway {}\n",
                a.address, a.raw_address, a.gateway
            ));
        }
        for r in &self.routers {
            out.push_str(&format!(
                "router hop {}: {} {} {}\n",
                r.hop, r.netns, r.ipv4, r.ipv6
            ));
        }
        out.push_str(&format!(
            "hosts at hop {}, ports {:?}\n",
            self.host_hop, self.ports
        ));
        for p in &self.prefixes {
            let mb = p
                .middlebox
                .as_ref()
                .map(|m| format!(" (middlebox {} at hop {})", m.kind, m.hop))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {:<24} class {} {}{mb}: v0 {}, v1 {}\n",
                p.prefix.to_string(),
                p.class_number,
                p.class.name(),
                p.expect.v0.verdict.name(),
                p.expect.v1.verdict.name()
            ));
        }
        if let Some(h) = &self.http {
            out.push_str(&format!(
                "HTTP on port {} of the kernel MPTCP and plain TCP hosts (GET / = {} bytes, GET /N = N bytes)\n",
                h.port, h.body_bytes
            ));
            if let (Some(port), Some(ca), Some(name)) = (h.https_port, &h.ca_file, &h.tls_name) {
                out.push_str(&format!(
                    "HTTPS on port {port} of the same hosts: fetch --ca-file {} (certificate for the hosts' addresses and {name})\n",
                    ca.display()
                ));
            }
            let t = &h.two_path;
            out.push_str(&format!(
                "two-path host {} {} ({}):",
                t.ipv4, t.ipv6, t.netns
            ));
            for p in &t.paths {
                out.push_str(&format!(
                    " {} {} Mbit/s +{} ms{};",
                    p.interface,
                    p.rate_mbit,
                    p.delay_ms,
                    if p.announced { " (ADD_ADDR)" } else { "" }
                ));
            }
            out.push('\n');
        }
        out
    }
}

/// The ground truth of `lab up --internet BITS --ports PORTS` (for the chain check's tests).
#[cfg(test)]
pub(crate) fn internet(bits: u8, ports: &[u16]) -> GroundTruth {
    GroundTruth::from_plan(&Plan::internet("t", bits, ports).expect("a valid size"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_round_trips_with_stable_names() {
        let plan = Plan::new("t", &Class::ALL, 28, 124, &[80]).unwrap();
        let truth = GroundTruth::from_plan(&plan);
        let text = serde_json::to_string(&truth).unwrap();
        let back: GroundTruth = serde_json::from_str(&text).unwrap();
        assert_eq!(back, truth);
        assert!(text.contains(r#""class":"key-rewrite-syn""#));
        assert!(text.contains(r#""verdict":"middlebox-affected""#));
        assert!(text.contains(r#""raw_address":"198.18.0.3""#));
        assert_eq!(
            truth.lookup("198.18.1.5".parse().unwrap()).map(|p| p.class),
            Some(Class::MptcpV1)
        );
        assert_eq!(truth.lookup("198.18.0.2".parse().unwrap()), None);
    }

    /// `lab up` prints the verdicts with the names of the file, not Rust's (`NotMptcp`).
    #[test]
    fn the_summary_names_verdicts_as_the_file_does() {
        let plan = Plan::new("t", &Class::ALL, 28, 124, &[80]).unwrap();
        let summary = GroundTruth::from_plan(&plan).summary();
        assert!(summary.contains("v0 not-mptcp, v1 mptcp"), "{summary}");
        assert!(!summary.contains("NotMptcp"), "{summary}");
        for verdict in [
            Verdict::Mptcp,
            Verdict::MiddleboxAffected,
            Verdict::Mirror,
            Verdict::Stripped,
            Verdict::NotMptcp,
            Verdict::Closed,
            Verdict::Silent,
        ] {
            assert_eq!(
                serde_json::to_value(verdict).unwrap(),
                verdict.name(),
                "{verdict:?}"
            );
        }
    }

    #[test]
    fn the_naive_method_is_wrong_where_the_papers_say() {
        // MP_CAPABLE present = MPTCP (2015) over-counts mirrors; v0-only misses Linux v1.
        let naive = |e: &Expect| e.mp_capable != MpCapable::Absent;
        let v0 = expect(Class::MirrorThesis, Version::V0);
        assert!(naive(&v0) && v0.verdict == Verdict::Mirror);
        let linux = expect(Class::MptcpV1, Version::V0);
        assert!(!naive(&linux));
        assert_eq!(expect(Class::MptcpV1, Version::V1).verdict, Verdict::Mptcp);
        let rewritten = expect(Class::KeyRewriteSyn, Version::V0);
        assert_eq!(rewritten.modified_at_hop, Some(2));
        assert_eq!(
            expect(Class::StripShrink, Version::V1).modified_at_hop,
            Some(3)
        );
        assert_eq!(
            expect(Class::StripNop, Version::V0).verdict,
            Verdict::Stripped
        );
        assert_eq!(expect(Class::MirrorThesis, Version::V1).reply_hop, Some(3));
    }
}
