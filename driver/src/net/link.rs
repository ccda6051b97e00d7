//! Where Ethernet frames to a target go: the interface and gateway of the kernel's route to it
//! (an `RTM_GETROUTE` query), the gateway's MAC address from the neighbour table (an
//! `RTM_GETNEIGH` dump) and our own MAC address, as ZMap finds them. One netlink socket per
//! question; nothing is sent on the network.

use std::io;
use std::net::IpAddr;
use std::os::fd::{AsRawFd, OwnedFd};

use super::{check, socket};

/// The link-layer facts frames to one address family need.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Link {
    /// The outgoing interface.
    pub ifindex: u32,
    /// Our MAC address on it.
    pub src_mac: [u8; 6],
    /// The gateway's MAC address.
    pub gateway_mac: [u8; 6],
}

impl Link {
    /// The 14-byte Ethernet header of a frame carrying `dst`'s address family.
    pub fn header(&self, dst: IpAddr) -> [u8; 14] {
        let ethertype: u16 = match dst {
            IpAddr::V4(_) => 0x0800,
            IpAddr::V6(_) => 0x86dd,
        };
        let mut h = [0u8; 14];
        h[..6].copy_from_slice(&self.gateway_mac);
        h[6..12].copy_from_slice(&self.src_mac);
        h[12..].copy_from_slice(&ethertype.to_be_bytes());
        h
    }
}

/// Why frames cannot be sent to a target directly (the caller then falls back to raw sockets).
pub type NoLink = String;

/// The link towards `dst`: the kernel's route to it must go through a gateway on an Ethernet
/// interface whose neighbour entry is known, unless `gateway_mac` (`-G`) names the next hop's
/// MAC address, as ZMap's does. `Ok(Err(why))` when frames cannot be used.
pub fn resolve(dst: IpAddr, gateway_mac: Option<[u8; 6]>) -> io::Result<Result<Link, NoLink>> {
    let Some((ifindex, gateway)) = route(dst)? else {
        return Ok(Err(format!("no route to {dst}")));
    };
    let name = interface_name(ifindex)?;
    let Some(src_mac) = ethernet_address(&name)? else {
        // Frames of other link types (loopback, tunnels) have no Ethernet header.
        return Ok(Err(format!("{name} is not an Ethernet interface")));
    };
    if let Some(gateway_mac) = gateway_mac {
        return Ok(Ok(Link {
            ifindex,
            src_mac,
            gateway_mac,
        }));
    }
    let Some(gateway) = gateway else {
        return Ok(Err(format!(
            "the route to {dst} has no gateway (targets on the local link)"
        )));
    };
    let Some(gateway_mac) = neighbour(ifindex, gateway)? else {
        return Ok(Err(format!(
            "the gateway {gateway} has no neighbour entry on {name}"
        )));
    };
    Ok(Ok(Link {
        ifindex,
        src_mac,
        gateway_mac,
    }))
}

fn interface_name(ifindex: u32) -> io::Result<String> {
    let mut buf = [0 as libc::c_char; libc::IF_NAMESIZE];
    // SAFETY: `buf` has the IF_NAMESIZE bytes if_indextoname writes at most.
    let name = unsafe { libc::if_indextoname(ifindex, buf.as_mut_ptr()) };
    if name.is_null() {
        return Err(io::Error::last_os_error());
    }
    // SAFETY: on success if_indextoname wrote a NUL-terminated name into `buf`.
    let name = unsafe { std::ffi::CStr::from_ptr(buf.as_ptr()) };
    Ok(name.to_string_lossy().into_owned())
}

/// The MAC address of interface `name`, or `None` when it is not Ethernet (`SIOCGIFHWADDR`
/// asks the namespace of the socket, which sysfs need not show).
fn ethernet_address(name: &str) -> io::Result<Option<[u8; 6]>> {
    let fd = socket(libc::AF_INET, libc::SOCK_DGRAM, 0)?;
    // SAFETY: ifreq is plain old data; all-zero is a valid value.
    let mut req: libc::ifreq = unsafe { std::mem::zeroed() };
    for (dst, &src) in req.ifr_name.iter_mut().zip(name.as_bytes()) {
        *dst = src as libc::c_char;
    }
    // SAFETY: `req` is a live ifreq with a NUL-terminated name (at most IF_NAMESIZE - 1 bytes
    // come from if_indextoname); the kernel writes the address into it.
    check(unsafe { libc::ioctl(fd.as_raw_fd(), libc::SIOCGIFHWADDR, &mut req) })?;
    // SAFETY: SIOCGIFHWADDR filled the union's hardware address member.
    let addr = unsafe { req.ifr_ifru.ifru_hwaddr };
    if addr.sa_family != libc::ARPHRD_ETHER {
        return Ok(None);
    }
    let mut mac = [0u8; 6];
    for (dst, &src) in mac.iter_mut().zip(&addr.sa_data) {
        *dst = src as u8;
    }
    Ok(Some(mac))
}

const NLMSG_HDRLEN: usize = 16;
const NLMSG_DONE: u16 = 3;
const NLMSG_ERROR: u16 = 2;
const RTM_NEWROUTE: u16 = 24;
const RTM_GETROUTE: u16 = 26;
const RTM_NEWNEIGH: u16 = 28;
const RTM_GETNEIGH: u16 = 30;
const RTA_DST: u16 = 1;
const RTA_OIF: u16 = 4;
const RTA_GATEWAY: u16 = 5;
const NDA_DST: u16 = 1;
const NDA_LLADDR: u16 = 2;
/// Neighbour states with a usable address (not INCOMPLETE, FAILED or NONE).
const NUD_USABLE: u16 = 0x02 | 0x04 | 0x08 | 0x10 | 0x40 | 0x80;

fn family(addr: IpAddr) -> u8 {
    match addr {
        IpAddr::V4(_) => libc::AF_INET as u8,
        IpAddr::V6(_) => libc::AF_INET6 as u8,
    }
}

fn octets(addr: IpAddr) -> Vec<u8> {
    match addr {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    }
}

fn addr_from(family: u8, bytes: &[u8]) -> Option<IpAddr> {
    match (i32::from(family), bytes.len()) {
        (libc::AF_INET, 4) => Some(IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?)),
        (libc::AF_INET6, 16) => Some(IpAddr::from(<[u8; 16]>::try_from(bytes).ok()?)),
        _ => None,
    }
}

/// The kernel's route to `dst`: outgoing interface and gateway (if any).
fn route(dst: IpAddr) -> io::Result<Option<(u32, Option<IpAddr>)>> {
    // struct rtmsg: family, dst_len, src_len, tos, table, protocol, scope, type, flags (u32).
    let mut body = vec![family(dst), (octets(dst).len() * 8) as u8, 0, 0, 0, 0, 0, 0];
    body.extend_from_slice(&0u32.to_ne_bytes());
    push_attr(&mut body, RTA_DST, &octets(dst));
    let mut found = None;
    talk(
        RTM_GETROUTE,
        libc::NLM_F_REQUEST as u16,
        &body,
        |kind, msg| {
            if kind != RTM_NEWROUTE || msg.len() < 12 {
                return;
            }
            let (mut oif, mut gateway) = (None, None);
            for (kind, value) in attrs(&msg[12..]) {
                match kind {
                    RTA_OIF if value.len() == 4 => {
                        oif = Some(u32::from_ne_bytes([value[0], value[1], value[2], value[3]]))
                    }
                    RTA_GATEWAY => gateway = addr_from(msg[0], value),
                    _ => {}
                }
            }
            if let Some(oif) = oif {
                found = Some((oif, gateway));
            }
        },
    )
    .map(|()| found)
    .or_else(|e| match e.raw_os_error() {
        Some(libc::ENETUNREACH | libc::EHOSTUNREACH) => Ok(None),
        _ => Err(e),
    })
}

/// The MAC address the neighbour table holds for `addr` on interface `ifindex`.
fn neighbour(ifindex: u32, addr: IpAddr) -> io::Result<Option<[u8; 6]>> {
    // struct ndmsg: family, 3 pad bytes, ifindex (i32), state (u16), flags, type.
    let mut body = vec![family(addr), 0, 0, 0];
    body.extend_from_slice(&(ifindex as i32).to_ne_bytes());
    body.extend_from_slice(&[0; 4]);
    let flags = (libc::NLM_F_REQUEST | libc::NLM_F_DUMP) as u16;
    let want = octets(addr);
    let mut found = None;
    talk(RTM_GETNEIGH, flags, &body, |kind, msg| {
        if kind != RTM_NEWNEIGH || msg.len() < 12 {
            return;
        }
        let index = u32::from_ne_bytes([msg[4], msg[5], msg[6], msg[7]]);
        let state = u16::from_ne_bytes([msg[8], msg[9]]);
        if index != ifindex || state & NUD_USABLE == 0 {
            return;
        }
        let (mut dst, mut mac) = (None, None);
        for (kind, value) in attrs(&msg[12..]) {
            match kind {
                NDA_DST => dst = Some(value.to_vec()),
                NDA_LLADDR => mac = <[u8; 6]>::try_from(value).ok(),
                _ => {}
            }
        }
        if dst.as_deref() == Some(&want[..]) && mac.is_some() {
            found = mac;
        }
    })?;
    Ok(found)
}

fn push_attr(buf: &mut Vec<u8>, kind: u16, value: &[u8]) {
    let len = 4 + value.len();
    buf.extend_from_slice(&(len as u16).to_ne_bytes());
    buf.extend_from_slice(&kind.to_ne_bytes());
    buf.extend_from_slice(value);
    buf.resize(buf.len().next_multiple_of(4), 0);
}

/// The (type, value) attributes of a netlink message body.
fn attrs(mut data: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    std::iter::from_fn(move || {
        let len = usize::from(u16::from_ne_bytes([*data.first()?, *data.get(1)?]));
        let kind = u16::from_ne_bytes([*data.get(2)?, *data.get(3)?]) & 0x3fff;
        let value = data.get(4..len)?;
        data = data.get(len.next_multiple_of(4)..).unwrap_or_default();
        Some((kind, value))
    })
}

/// Sends one request and hands every answer message's (type, body) to `each` until the
/// kernel's answer ends; a netlink error becomes an `io::Error`.
fn talk(kind: u16, flags: u16, body: &[u8], mut each: impl FnMut(u16, &[u8])) -> io::Result<()> {
    let fd = socket(libc::AF_NETLINK, libc::SOCK_RAW, libc::NETLINK_ROUTE)?;
    let mut msg = Vec::with_capacity(NLMSG_HDRLEN + body.len());
    msg.extend_from_slice(&((NLMSG_HDRLEN + body.len()) as u32).to_ne_bytes());
    msg.extend_from_slice(&kind.to_ne_bytes());
    msg.extend_from_slice(&flags.to_ne_bytes());
    msg.extend_from_slice(&1u32.to_ne_bytes()); // sequence number
    msg.extend_from_slice(&0u32.to_ne_bytes()); // port id: the kernel's
    msg.extend_from_slice(body);
    // SAFETY: `msg` is live for the call and its exact length is passed.
    let sent = unsafe { libc::send(fd.as_raw_fd(), msg.as_ptr().cast(), msg.len(), 0) };
    if sent < 0 {
        return Err(io::Error::last_os_error());
    }
    let dump = flags & libc::NLM_F_DUMP as u16 != 0;
    let mut buf = vec![0u8; 32 << 10];
    loop {
        let n = recv(&fd, &mut buf)?;
        let mut data = &buf[..n];
        while data.len() >= NLMSG_HDRLEN {
            let len = u32::from_ne_bytes([data[0], data[1], data[2], data[3]]) as usize;
            let kind = u16::from_ne_bytes([data[4], data[5]]);
            if len < NLMSG_HDRLEN || len > data.len() {
                return Err(io::Error::new(
                    io::ErrorKind::InvalidData,
                    "truncated netlink message",
                ));
            }
            let body = &data[NLMSG_HDRLEN..len];
            match kind {
                NLMSG_DONE => return Ok(()),
                NLMSG_ERROR => {
                    let code = body
                        .get(..4)
                        .map(|b| i32::from_ne_bytes([b[0], b[1], b[2], b[3]]))
                        .unwrap_or(0);
                    return if code == 0 {
                        Ok(())
                    } else {
                        Err(io::Error::from_raw_os_error(-code))
                    };
                }
                _ => each(kind, body),
            }
            data = data.get(len.next_multiple_of(4)..).unwrap_or_default();
        }
        if !dump {
            return Ok(());
        }
    }
}

fn recv(fd: &OwnedFd, buf: &mut [u8]) -> io::Result<usize> {
    loop {
        // SAFETY: `buf` is live and writable for its whole length.
        let n = unsafe { libc::recv(fd.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
        match check(n as libc::c_int) {
            Ok(n) => return Ok(n as usize),
            Err(e) if e.raw_os_error() == Some(libc::EINTR) => continue,
            Err(e) => return Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ethernet_header_names_gateway_us_and_the_family() {
        let link = Link {
            ifindex: 2,
            src_mac: [2, 0, 0, 0, 0, 2],
            gateway_mac: [2, 0, 0, 0, 0, 1],
        };
        let v4 = link.header("198.18.1.1".parse().unwrap());
        assert_eq!(v4, [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00]);
        let v6 = link.header("2001:db8::1".parse().unwrap());
        assert_eq!(&v6[12..], &[0x86, 0xdd]);
    }
}
