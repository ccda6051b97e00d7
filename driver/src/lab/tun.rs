//! A TUN device (created by `ip tuntap add ... mode tun`) that a daemon reads raw IP packets from
//! and writes raw IP packets to.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::fd::AsRawFd;

use anyhow::{bail, Context};

/// `_IOW('T', 202, int)` from `<linux/if_tun.h>`.
const TUNSETIFF: libc::c_ulong = 0x4004_54ca;
const IFF_TUN: libc::c_short = 0x0001;
/// No 4-byte packet-information prefix: reads and writes are bare IP packets.
const IFF_NO_PI: libc::c_short = 0x1000;

/// An attached TUN device.
pub struct Tun {
    file: File,
}

/// The part of `struct ifreq` that TUNSETIFF reads: the name, then the flags.
#[repr(C)]
struct IfReq {
    name: [libc::c_char; libc::IFNAMSIZ],
    flags: libc::c_short,
    _pad: [u8; 22],
}

impl Tun {
    /// Attaches to the existing TUN device `name` of the current namespace.
    pub fn attach(name: &str) -> anyhow::Result<Tun> {
        if name.is_empty() || name.len() >= libc::IFNAMSIZ || name.contains('\0') {
            bail!("bad interface name {name:?}");
        }
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open("/dev/net/tun")
            .context("opening /dev/net/tun")?;
        let mut req = IfReq {
            name: [0; libc::IFNAMSIZ],
            flags: IFF_TUN | IFF_NO_PI,
            _pad: [0; 22],
        };
        for (dst, &src) in req.name.iter_mut().zip(name.as_bytes()) {
            *dst = src as libc::c_char;
        }
        // SAFETY: `req` is a valid, initialised ifreq-sized buffer that outlives the call, and
        // TUNSETIFF only reads and writes within it.
        let rc = unsafe { libc::ioctl(file.as_raw_fd(), TUNSETIFF, &mut req as *mut IfReq) };
        if rc < 0 {
            return Err(std::io::Error::last_os_error())
                .with_context(|| format!("attaching to TUN device {name}"));
        }
        Ok(Tun { file })
    }

    /// A second handle on the same device, for a writer thread beside a reader.
    pub fn try_clone(&self) -> anyhow::Result<Tun> {
        Ok(Tun {
            file: self
                .file
                .try_clone()
                .context("duplicating the TUN descriptor")?,
        })
    }

    /// Reads one packet into `buf`, returning its length.
    pub fn recv(&mut self, buf: &mut [u8]) -> anyhow::Result<usize> {
        Ok(self.file.read(buf)?)
    }

    /// Writes one packet; the kernel routes it as if it arrived on the device.
    pub fn send(&mut self, packet: &[u8]) {
        // A packet the kernel refuses (malformed, no route) is lost like on a real link,
        // instead of stopping the daemon.
        let _ = self.file.write(packet);
    }
}
