//! Receiving replies through a packet socket's TPACKET_V3 receive ring behind the kernel filter
//! of [`ReplyFilter`]: the kernel fills whole blocks of packets in memory shared with us and we
//! walk them without a system call per packet; what is not ours never reaches the ring.

use std::io;
use std::mem::{offset_of, size_of};
use std::os::fd::{AsRawFd, OwnedFd};
use std::time::Instant;

use super::filter::ReplyFilter;
use super::ring::{Ring, TPACKET_V3};
use super::{check, set_int_option, socket, PACKET_IGNORE_OUTGOING};

/// 64 blocks of 256 KiB: 16 MiB, room for ~100 000 replies while the receiving thread is busy.
const BLOCK_SIZE: usize = 256 << 10;
const BLOCKS: usize = 64;
/// Frame size the kernel checks the ring against (V3 packs packets of any size into blocks).
const FRAME_SIZE: usize = 2048;
/// A block is handed to us when full or after this many milliseconds, whichever comes first.
const BLOCK_TIMEOUT_MS: libc::c_uint = 10;

/// Offsets into `struct tpacket_block_desc` (`tpacket_hdr_v1` follows two u32 words).
const BLOCK_STATUS: usize = 8;
const BLOCK_NUM_PKTS: usize = 12;
const BLOCK_FIRST_PKT: usize = 16;

const TP_STATUS_KERNEL: u32 = 0;
const TP_STATUS_USER: u32 = 1;

/// The kernel's counts for the ring since it was opened.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RingStats {
    /// Packets that passed the filter.
    pub packets: u64,
    /// Of those, packets dropped because the ring was full.
    pub drops: u64,
}

/// A receive ring on every interface of the namespace.
pub struct RingReceiver {
    fd: OwnedFd,
    ring: Ring,
    /// The block being read, and the next packet's offset and how many remain in it.
    block: usize,
    cursor: Option<(usize, u32)>,
    stats: RingStats,
}

impl RingReceiver {
    /// Opens the ring (cooked mode: packets start at the IP header) with `filter` attached
    /// before any packet can arrive, on `interface` only when given.
    pub fn open(filter: &ReplyFilter, interface: Option<&str>) -> anyhow::Result<Self> {
        let ifindex = interface.map(super::interface_index).transpose()?;
        // Protocol 0 until the filter is in place: an unfiltered packet never enters the ring.
        let fd = socket(libc::AF_PACKET, libc::SOCK_DGRAM, 0)
            .map_err(|e| super::permission_hint(e, "opening a packet socket"))?;
        attach(&fd, &filter.program()?)?;
        set_int_option(&fd, libc::SOL_PACKET, libc::PACKET_VERSION, TPACKET_V3)?;
        // Older kernels lack the option; outgoing packets are then skipped by packet type.
        let _ = set_int_option(&fd, libc::SOL_PACKET, PACKET_IGNORE_OUTGOING, 1);
        let req = libc::tpacket_req3 {
            tp_block_size: BLOCK_SIZE as libc::c_uint,
            tp_block_nr: BLOCKS as libc::c_uint,
            tp_frame_size: FRAME_SIZE as libc::c_uint,
            tp_frame_nr: (BLOCK_SIZE / FRAME_SIZE * BLOCKS) as libc::c_uint,
            tp_retire_blk_tov: BLOCK_TIMEOUT_MS,
            tp_sizeof_priv: 0,
            tp_feature_req_word: 0,
        };
        let ring = Ring::map(&fd, libc::PACKET_RX_RING, &req, BLOCK_SIZE * BLOCKS)?;
        // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
        let mut sa: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sa.sll_family = libc::AF_PACKET as libc::c_ushort;
        sa.sll_protocol = (libc::ETH_P_ALL as u16).to_be();
        sa.sll_ifindex = ifindex.unwrap_or(0);
        // SAFETY: `sa` is live for the call and its exact size is passed.
        check(unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sa as *const libc::sockaddr_ll).cast(),
                size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        })
        .map_err(|e| {
            anyhow::anyhow!(
                "receiving on {}: {e}",
                interface.unwrap_or("every interface")
            )
        })?;
        Ok(RingReceiver {
            fd,
            ring,
            block: 0,
            cursor: None,
            stats: RingStats::default(),
        })
    }

    /// The next incoming IP packet that passed the filter, or `None` once `deadline` passes with
    /// nothing received.
    pub fn recv(&mut self, deadline: Instant) -> io::Result<Option<&[u8]>> {
        loop {
            if let Some((offset, remaining)) = self.cursor {
                if remaining == 0 {
                    self.release();
                    continue;
                }
                let next = self
                    .ring
                    .u32_at(offset + offset_of!(libc::tpacket3_hdr, tp_next_offset));
                let snaplen = self
                    .ring
                    .u32_at(offset + offset_of!(libc::tpacket3_hdr, tp_snaplen))
                    as usize;
                let net = usize::from(
                    self.ring
                        .u16_at(offset + offset_of!(libc::tpacket3_hdr, tp_net)),
                );
                // The sockaddr_ll the kernel writes after the aligned header says the direction.
                let sll = offset + align16(size_of::<libc::tpacket3_hdr>());
                let pkttype = self
                    .ring
                    .bytes(sll + offset_of!(libc::sockaddr_ll, sll_pkttype), 1)[0];
                self.cursor = Some((offset + next as usize, remaining - 1));
                if pkttype == libc::PACKET_OUTGOING {
                    continue;
                }
                let block_end = self.block * BLOCK_SIZE + BLOCK_SIZE;
                let start = offset + net;
                let len = snaplen.min(block_end.saturating_sub(start));
                return Ok(Some(self.ring.bytes(start, len)));
            }
            let base = self.block * BLOCK_SIZE;
            if self.ring.load(base + BLOCK_STATUS) & TP_STATUS_USER != 0 {
                let count = self.ring.u32_at(base + BLOCK_NUM_PKTS);
                let first = self.ring.u32_at(base + BLOCK_FIRST_PKT) as usize;
                self.cursor = Some((base + first, count));
                continue;
            }
            let now = Instant::now();
            if now >= deadline {
                return Ok(None);
            }
            let wait = (deadline - now).as_millis().clamp(1, 100) as libc::c_int;
            let mut pollfd = libc::pollfd {
                fd: self.fd.as_raw_fd(),
                events: libc::POLLIN | libc::POLLERR,
                revents: 0,
            };
            // SAFETY: one live pollfd, count 1.
            let ret = unsafe { libc::poll(&mut pollfd, 1, wait) };
            if ret < 0 {
                let error = io::Error::last_os_error();
                if error.raw_os_error() != Some(libc::EINTR) {
                    return Err(error);
                }
            }
        }
    }

    /// Hands the current block back to the kernel and moves to the next.
    fn release(&mut self) {
        self.ring
            .store(self.block * BLOCK_SIZE + BLOCK_STATUS, TP_STATUS_KERNEL);
        self.block = (self.block + 1) % BLOCKS;
        self.cursor = None;
    }

    /// The kernel's packet and drop counts so far (reading them resets the kernel's counters,
    /// so they are accumulated here).
    pub fn stats(&mut self) -> io::Result<RingStats> {
        // SAFETY: tpacket_stats_v3 is plain old data; all-zero is a valid value.
        let mut raw: libc::tpacket_stats_v3 = unsafe { std::mem::zeroed() };
        let mut len = size_of::<libc::tpacket_stats_v3>() as libc::socklen_t;
        // SAFETY: `raw` and `len` are live and writable, `len` holds `raw`'s size.
        check(unsafe {
            libc::getsockopt(
                self.fd.as_raw_fd(),
                libc::SOL_PACKET,
                libc::PACKET_STATISTICS,
                (&mut raw as *mut libc::tpacket_stats_v3).cast(),
                &mut len,
            )
        })?;
        self.stats.packets += u64::from(raw.tp_packets);
        self.stats.drops += u64::from(raw.tp_drops);
        Ok(self.stats)
    }
}

fn align16(n: usize) -> usize {
    (n + 15) & !15
}

/// Attaches a classic BPF program to `fd`.
fn attach(fd: &OwnedFd, program: &[libc::sock_filter]) -> io::Result<()> {
    let prog = libc::sock_fprog {
        len: program.len() as libc::c_ushort,
        filter: program.as_ptr().cast_mut(),
    };
    // SAFETY: `prog` points to `program`, live for the call; the kernel copies it.
    check(unsafe {
        libc::setsockopt(
            fd.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_ATTACH_FILTER,
            (&prog as *const libc::sock_fprog).cast(),
            size_of::<libc::sock_fprog>() as libc::socklen_t,
        )
    })
    .map(drop)
}
