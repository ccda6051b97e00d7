//! Raw packet I/O for the scanner and the tracer: whole IPv4/IPv6 packets out through raw sockets
//! (the kernel routes them and fills in the link layer), every IP packet in through one AF_PACKET
//! socket. The scanner's fast path lives in the submodules: Ethernet frames out through a
//! transmit ring (`tx`, `link`, `transmit`), replies in through a filtered receive ring (`rx`,
//! `filter`). Most of the driver's `unsafe` is here: each block is a single libc call on buffers
//! and descriptors owned right here, or an access to a ring (`ring`). The rest are single libc
//! calls too: `geteuid` and `kill` in `lab`, the TUN `ioctl` in `lab::tun`, and the `MPTCP_INFO`
//! `getsockopt` in `fetch::get`.

pub mod filter;
pub mod link;
mod ring;
#[cfg(test)]
mod rings_test;
pub mod rx;
pub mod transmit;
mod tx;
use std::io;
use std::mem::{size_of, zeroed};
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::{Duration, Instant};

/// Socket buffers big enough to absorb a burst of replies while the receiver is busy.
const SOCKET_BUFFER: libc::c_int = 64 << 20;
/// Linux's PACKET_IGNORE_OUTGOING (4.20+): the receive socket then never sees our own probes.
const PACKET_IGNORE_OUTGOING: libc::c_int = 23;
/// Larger than any packet on the lab's veths (MTU 1500) and than loopback's 64 KiB.
const RECEIVE_BUFFER: usize = 65_536;

fn check(ret: libc::c_int) -> io::Result<libc::c_int> {
    if ret < 0 {
        Err(io::Error::last_os_error())
    } else {
        Ok(ret)
    }
}

fn socket(domain: libc::c_int, kind: libc::c_int, protocol: libc::c_int) -> io::Result<OwnedFd> {
    // SAFETY: socket(2) takes plain integers; a non-negative result is a new descriptor that
    // nothing else owns, so OwnedFd may close it.
    let fd = check(unsafe { libc::socket(domain, kind | libc::SOCK_CLOEXEC, protocol) })?;
    // SAFETY: `fd` was just returned by socket(2) and is owned by nobody else.
    Ok(unsafe { OwnedFd::from_raw_fd(fd) })
}

fn set_int_option(
    fd: &OwnedFd,
    level: libc::c_int,
    name: libc::c_int,
    value: libc::c_int,
) -> io::Result<()> {
    // SAFETY: the option value is a live c_int and its exact size is passed.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            level,
            name,
            (&value as *const libc::c_int).cast(),
            size_of::<libc::c_int>() as libc::socklen_t,
        )
    })
    .map(drop)
}

/// Raises a socket buffer, past the sysctl limit when root (the *FORCE option), else as far as
/// the limit allows: a small buffer only costs throughput, so failures are not errors.
fn grow_buffer(fd: &OwnedFd, force: libc::c_int, plain: libc::c_int) {
    if set_int_option(fd, libc::SOL_SOCKET, force, SOCKET_BUFFER).is_err() {
        let _ = set_int_option(fd, libc::SOL_SOCKET, plain, SOCKET_BUFFER);
    }
}

fn permission_hint(error: io::Error, what: &str) -> anyhow::Error {
    if error.kind() == io::ErrorKind::PermissionDenied {
        anyhow::anyhow!("{what}: {error} (raw sockets need root or CAP_NET_RAW)")
    } else {
        anyhow::anyhow!("{what}: {error}")
    }
}

/// Sends whole IP packets (header included) built by the caller.
pub struct Sender {
    v4: Option<OwnedFd>,
    v6: Option<OwnedFd>,
}

impl Sender {
    /// Opens raw sockets for the families asked for.
    pub fn open(v4: bool, v6: bool) -> anyhow::Result<Self> {
        // IPPROTO_RAW implies "header included" for both families on Linux: the kernel sends our
        // bytes as they are, filling only the IPv4 header checksum and total length.
        let open = |domain| -> anyhow::Result<OwnedFd> {
            let fd = socket(domain, libc::SOCK_RAW, libc::IPPROTO_RAW)
                .map_err(|e| permission_hint(e, "opening a raw socket"))?;
            grow_buffer(&fd, libc::SO_SNDBUFFORCE, libc::SO_SNDBUF);
            Ok(fd)
        };
        Ok(Sender {
            v4: if v4 { Some(open(libc::AF_INET)?) } else { None },
            v6: if v6 {
                Some(open(libc::AF_INET6)?)
            } else {
                None
            },
        })
    }

    /// Sends through `interface` only (SO_BINDTODEVICE), whatever the routing table says.
    pub fn bind_interface(&self, interface: &str) -> anyhow::Result<()> {
        interface_index(interface)?;
        for fd in self.v4.iter().chain(&self.v6) {
            // SAFETY: the name bytes are live for the call and their exact length is passed.
            check(unsafe {
                libc::setsockopt(
                    fd.as_raw_fd(),
                    libc::SOL_SOCKET,
                    libc::SO_BINDTODEVICE,
                    interface.as_ptr().cast(),
                    interface.len() as libc::socklen_t,
                )
            })
            .map_err(|e| anyhow::anyhow!("sending through interface `{interface}`: {e}"))?;
        }
        Ok(())
    }

    /// Sends `packet` (a whole IPv4 or IPv6 packet) to `dst`, retrying briefly while the kernel's
    /// queues are full.
    pub fn send(&self, packet: &[u8], dst: IpAddr) -> io::Result<()> {
        let mut attempts = 0;
        loop {
            match self.send_once(packet, dst) {
                Err(e)
                    if attempts < 100
                        && matches!(e.raw_os_error(), Some(libc::ENOBUFS | libc::EAGAIN)) =>
                {
                    attempts += 1;
                    std::thread::sleep(std::time::Duration::from_micros(50));
                }
                other => return other,
            }
        }
    }

    fn send_once(&self, packet: &[u8], dst: IpAddr) -> io::Result<()> {
        let missing = || {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "no raw socket for this address family",
            )
        };
        let sent = match dst {
            IpAddr::V4(addr) => {
                let fd = self.v4.as_ref().ok_or_else(missing)?;
                // SAFETY: sockaddr_in is plain old data; all-zero is a valid value.
                let mut sa: libc::sockaddr_in = unsafe { zeroed() };
                sa.sin_family = libc::AF_INET as libc::sa_family_t;
                sa.sin_addr.s_addr = u32::from_ne_bytes(addr.octets());
                // SAFETY: `packet` and `sa` are live for the call and their exact sizes are passed.
                unsafe {
                    libc::sendto(
                        fd.as_raw_fd(),
                        packet.as_ptr().cast(),
                        packet.len(),
                        0,
                        (&sa as *const libc::sockaddr_in).cast(),
                        size_of::<libc::sockaddr_in>() as libc::socklen_t,
                    )
                }
            }
            IpAddr::V6(addr) => {
                let fd = self.v6.as_ref().ok_or_else(missing)?;
                // SAFETY: sockaddr_in6 is plain old data; all-zero is a valid value.
                let mut sa: libc::sockaddr_in6 = unsafe { zeroed() };
                sa.sin6_family = libc::AF_INET6 as libc::sa_family_t;
                sa.sin6_addr.s6_addr = addr.octets();
                // SAFETY: as above.
                unsafe {
                    libc::sendto(
                        fd.as_raw_fd(),
                        packet.as_ptr().cast(),
                        packet.len(),
                        0,
                        (&sa as *const libc::sockaddr_in6).cast(),
                        size_of::<libc::sockaddr_in6>() as libc::socklen_t,
                    )
                }
            }
        };
        if sent < 0 {
            Err(io::Error::last_os_error())
        } else {
            Ok(())
        }
    }
}

/// Receives every IPv4 and IPv6 packet arriving on any interface of the namespace.
pub struct Receiver {
    fd: OwnedFd,
    buf: Vec<u8>,
}

impl Receiver {
    /// Opens the AF_PACKET socket (cooked mode: packets start at the IP header).
    pub fn open() -> anyhow::Result<Self> {
        let fd = socket(
            libc::AF_PACKET,
            libc::SOCK_DGRAM | libc::SOCK_NONBLOCK,
            i32::from((libc::ETH_P_ALL as u16).to_be()),
        )
        .map_err(|e| permission_hint(e, "opening a packet socket"))?;
        grow_buffer(&fd, libc::SO_RCVBUFFORCE, libc::SO_RCVBUF);
        // Older kernels lack the option; outgoing packets are then skipped by packet type below.
        let _ = set_int_option(&fd, libc::SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
        Ok(Receiver {
            fd,
            buf: vec![0; RECEIVE_BUFFER],
        })
    }

    /// The next incoming IP packet, or `None` once `deadline` passes with nothing received.
    pub fn recv(&mut self, deadline: Instant) -> io::Result<Option<&[u8]>> {
        loop {
            // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
            let mut from: libc::sockaddr_ll = unsafe { zeroed() };
            let mut from_len = size_of::<libc::sockaddr_ll>() as libc::socklen_t;
            // SAFETY: `buf` and `from` are live and writable for the call, with their sizes passed.
            let n = unsafe {
                libc::recvfrom(
                    self.fd.as_raw_fd(),
                    self.buf.as_mut_ptr().cast(),
                    self.buf.len(),
                    libc::MSG_TRUNC,
                    (&mut from as *mut libc::sockaddr_ll).cast(),
                    &mut from_len,
                )
            };
            if n >= 0 {
                let protocol = u16::from_be(from.sll_protocol);
                let is_ip =
                    protocol == libc::ETH_P_IP as u16 || protocol == libc::ETH_P_IPV6 as u16;
                if from.sll_pkttype == libc::PACKET_OUTGOING || !is_ip {
                    continue;
                }
                // MSG_TRUNC reports the full length; a packet longer than the buffer is cut to it.
                let len = (n as usize).min(self.buf.len());
                return Ok(Some(&self.buf[..len]));
            }
            let error = io::Error::last_os_error();
            match error.raw_os_error() {
                Some(libc::EINTR) => continue,
                Some(libc::EAGAIN) => {}
                _ => return Err(error),
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let wait = (deadline - now).as_millis().clamp(1, 100) as libc::c_int;
            wait_readable(self.fd.as_raw_fd(), wait)?;
        }
    }
}

/// Waits up to `millis` for `fd` to become readable; an interrupting signal ends the wait early
/// (the caller checks its deadline or stop flag and comes back).
pub fn wait_readable(fd: RawFd, millis: libc::c_int) -> io::Result<()> {
    let mut pollfd = libc::pollfd {
        fd,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one live pollfd, count 1; an invalid `fd` is reported in revents, not UB.
    let ret = unsafe { libc::poll(&mut pollfd, 1, millis) };
    if ret < 0 {
        let error = io::Error::last_os_error();
        if error.raw_os_error() != Some(libc::EINTR) {
            return Err(error);
        }
    }
    Ok(())
}

/// The index of the interface called `name`.
pub fn interface_index(name: &str) -> anyhow::Result<libc::c_int> {
    let c_name = std::ffi::CString::new(name)
        .map_err(|_| anyhow::anyhow!("interface name `{name}` holds a NUL byte"))?;
    // SAFETY: `c_name` is a live NUL-terminated string for the call.
    let index = unsafe { libc::if_nametoindex(c_name.as_ptr()) };
    if index == 0 {
        anyhow::bail!(
            "no interface `{name}` here ({}; `ip link` lists them)",
            io::Error::last_os_error()
        );
    }
    libc::c_int::try_from(index).map_err(|_| anyhow::anyhow!("interface index {index} too large"))
}

/// Whether `addr` belongs to this host: binding a socket to it works only then. Replies to a
/// local address reach the kernel, which resets the connections it does not know.
pub fn is_local(addr: IpAddr) -> bool {
    UdpSocket::bind(SocketAddr::new(addr, 0)).is_ok()
}

/// CPU time the calling thread has used so far (user and system).
pub fn thread_cpu_time() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: `ts` is live and writable; the clock id is a constant the kernel knows.
    let ret = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if ret != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// The source address the kernel would use to reach `dst` (a routing lookup through a connected
/// UDP socket: nothing is sent).
pub fn source_for(dst: IpAddr) -> anyhow::Result<IpAddr> {
    let bind: SocketAddr = match dst {
        IpAddr::V4(_) => "0.0.0.0:0".parse().expect("valid"),
        IpAddr::V6(_) => "[::]:0".parse().expect("valid"),
    };
    let socket = UdpSocket::bind(bind)?;
    socket
        .connect(SocketAddr::new(dst, 9))
        .map_err(|e| anyhow::anyhow!("no route to {dst}: {e}"))?;
    Ok(socket.local_addr()?.ip())
}
