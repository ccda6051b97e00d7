//! Batched sending of whole Ethernet frames through a packet socket's transmit ring
//! (`PACKET_TX_RING`, TPACKET_V2): frames are written straight into memory shared with the
//! kernel and one `send` hands the kernel a whole batch, instead of one system call per probe.
//! The frames bypass the queueing discipline, as ZMap's do not: a scanner paces itself.
//!
//! A batch is handed over without waiting for the device to finish with it (`MSG_DONTWAIT`): a
//! NIC completes frames later, from its own interrupt, and a blocking send would sleep until the
//! last frame of every batch is done. Each slot is reused only once the kernel has given it back.
//! Each batch names the EtherType its frames share, so the kernel need not read it from each one.
//!
//! Each frame is preceded by a virtio-net header whose `hdr_len` covers the whole frame: the
//! kernel then copies the frame into the socket buffer instead of attaching the ring's page.
//! For probes of ~80 bytes the copy is cheaper than the alternative: a packet that crosses into
//! a receive path (a veth, a tap, a bridge) must not keep pointing into user memory, so the
//! kernel would allocate, clear and fill a whole page per frame to detach it.

use std::io;
use std::os::fd::{AsRawFd, OwnedFd};

use super::ring::{Ring, TPACKET_V2};
use super::{check, set_int_option, socket};

/// Bytes per ring slot: the TPACKET_V2 header (32 bytes with alignment) and the largest frame a
/// probe needs (14-byte Ethernet header + IPv6 + TCP + 40 option bytes = 114), rounded up.
const FRAME_SIZE: usize = 256;
/// Where a slot's data start: TPACKET2_HDRLEN minus the `sockaddr_ll` the kernel reserves there
/// for received packets only.
const DATA_OFFSET: usize = 32;
/// `struct virtio_net_hdr`: flags, gso_type, hdr_len, gso_size, csum_start, csum_offset.
const VNET_HDR_LEN: usize = 10;
/// Room for one frame after the virtio-net header.
pub const FRAME_ROOM: usize = FRAME_SIZE - DATA_OFFSET - VNET_HDR_LEN;
/// Slots per 64 KiB block and blocks in the ring: 4096 slots, 1 MiB.
const BLOCK_SIZE: usize = 65_536;
const BLOCKS: usize = 16;
const SLOTS: usize = BLOCK_SIZE / FRAME_SIZE * BLOCKS;
/// Frames handed to the kernel by one `send`. Larger batches gain little once the system call is
/// paid for a few hundred frames, and keep the probes of a paced scan close to their due time.
pub const BATCH: usize = 512;

/// The offsets of `tp_status` and `tp_len` in `struct tpacket2_hdr`.
const STATUS: usize = 0;
const LEN: usize = 4;

const TP_STATUS_AVAILABLE: u32 = 0;
const TP_STATUS_SEND_REQUEST: u32 = 1;
const TP_STATUS_SENDING: u32 = 2;
const TP_STATUS_WRONG_FORMAT: u32 = 4;
/// How long the last frames may take to leave before the ring is closed.
const DRAIN_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);

/// Probes lost by one failed send: a single probe on a raw socket, part of a batch on the ring.
#[derive(Debug)]
pub struct Lost {
    /// What the kernel said.
    pub error: io::Error,
    /// How many probes it cost.
    pub probes: u64,
}

/// A transmit ring bound to one interface.
pub struct FrameSender {
    fd: OwnedFd,
    ring: Ring,
    ifindex: u32,
    /// The EtherType (network order) of every frame queued since the last `flush`, 0 when they
    /// differ.
    ethertype: u16,
    /// The next slot to fill.
    next: usize,
    /// Slots filled since the last `flush`.
    queued: usize,
    /// Whether frames carry a virtio-net header.
    vnet: bool,
    /// How many more times a refused batch is handed to the kernel.
    retries: u32,
}

impl FrameSender {
    /// Opens a packet socket on interface `ifindex` with a transmit ring; a batch the kernel
    /// refuses is handed to it `retries` more times before its frames count as lost.
    pub fn open(ifindex: u32, retries: u32) -> io::Result<Self> {
        // Protocol 0: this socket receives nothing, it only sends.
        let fd = socket(libc::AF_PACKET, libc::SOCK_RAW, 0)?;
        set_int_option(&fd, libc::SOL_PACKET, libc::PACKET_VERSION, TPACKET_V2)?;
        // Without it (kernels before 2.6.39) the ring's pages travel with the frames.
        let vnet = set_int_option(&fd, libc::SOL_PACKET, libc::PACKET_VNET_HDR, 1).is_ok();
        // Older kernels lack the bypass; frames then go through the (veth: empty) qdisc.
        let _ = set_int_option(&fd, libc::SOL_PACKET, libc::PACKET_QDISC_BYPASS, 1);
        let req = libc::tpacket_req {
            tp_block_size: BLOCK_SIZE as libc::c_uint,
            tp_block_nr: BLOCKS as libc::c_uint,
            tp_frame_size: FRAME_SIZE as libc::c_uint,
            tp_frame_nr: SLOTS as libc::c_uint,
        };
        let ring = Ring::map(&fd, libc::PACKET_TX_RING, &req, BLOCK_SIZE * BLOCKS)?;
        // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
        let mut sa: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        sa.sll_family = libc::AF_PACKET as libc::c_ushort;
        sa.sll_ifindex = ifindex as libc::c_int;
        // SAFETY: `sa` is live for the call and its exact size is passed.
        check(unsafe {
            libc::bind(
                fd.as_raw_fd(),
                (&sa as *const libc::sockaddr_ll).cast(),
                std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
            )
        })?;
        Ok(FrameSender {
            fd,
            ring,
            ifindex,
            ethertype: 0,
            next: 0,
            queued: 0,
            vnet,
            retries,
        })
    }

    /// Queues one frame, written by `fill` into the slot's `FRAME_ROOM` bytes (it returns the
    /// frame's length). Sends the batch when it is full. An error from `fill` queues nothing.
    pub fn queue<E>(
        &mut self,
        fill: impl FnOnce(&mut [u8]) -> Result<usize, E>,
    ) -> Result<Result<(), E>, Lost> {
        let slot = self.next * FRAME_SIZE;
        self.wait_for(slot)?;
        let head = if self.vnet { VNET_HDR_LEN } else { 0 };
        let len = match fill(self.ring.bytes_mut(slot + DATA_OFFSET + head, FRAME_ROOM)) {
            Ok(len) => len.min(FRAME_ROOM),
            Err(e) => return Ok(Err(e)),
        };
        if self.vnet {
            // No offloads; the kernel copies `hdr_len` bytes (little-endian): the whole frame.
            let vnet = self.ring.bytes_mut(slot + DATA_OFFSET, VNET_HDR_LEN);
            vnet.fill(0);
            vnet[2..4].copy_from_slice(&(len as u16).to_le_bytes());
        }
        let ethertype = match len {
            14.. => {
                let b = self.ring.bytes(slot + DATA_OFFSET + head + 12, 2);
                u16::from_ne_bytes([b[0], b[1]])
            }
            _ => 0,
        };
        if self.queued == 0 {
            self.ethertype = ethertype;
        } else if self.ethertype != ethertype {
            self.ethertype = 0;
        }
        self.ring
            .bytes_mut(slot + LEN, 4)
            .copy_from_slice(&((head + len) as u32).to_ne_bytes());
        self.ring.store(slot + STATUS, TP_STATUS_SEND_REQUEST);
        self.next = (self.next + 1) % SLOTS;
        self.queued += 1;
        if self.queued >= BATCH {
            self.flush()?;
        }
        Ok(Ok(()))
    }

    /// Waits until the kernel gives back the slot at `slot`: a device with asynchronous
    /// completion (a real NIC) may still be sending the frame of the ring's previous lap.
    fn wait_for(&mut self, slot: usize) -> Result<(), Lost> {
        if self.ring.load(slot + STATUS) == TP_STATUS_AVAILABLE {
            return Ok(());
        }
        let started = std::time::Instant::now();
        while self.ring.load(slot + STATUS) != TP_STATUS_AVAILABLE {
            if self.queued > 0 {
                self.flush()?;
            } else if started.elapsed() > std::time::Duration::from_secs(1) {
                return Err(Lost {
                    error: io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the interface has not sent a frame of the transmit ring in 1 s",
                    ),
                    probes: 0,
                });
            } else {
                std::thread::sleep(std::time::Duration::from_micros(20));
            }
        }
        Ok(())
    }

    /// Frames queued and not yet handed to the kernel.
    pub fn queued(&self) -> usize {
        self.queued
    }

    /// Hands every queued frame to the kernel and waits until it has taken them. On an error,
    /// the frames of the batch the kernel did not send are dropped from the ring and counted.
    pub fn flush(&mut self) -> Result<(), Lost> {
        if self.queued == 0 {
            return Ok(());
        }
        let mut retries = self.retries;
        // SAFETY: sockaddr_ll is plain old data; all-zero is a valid value.
        let mut to: libc::sockaddr_ll = unsafe { std::mem::zeroed() };
        to.sll_family = libc::AF_PACKET as libc::c_ushort;
        to.sll_ifindex = self.ifindex as libc::c_int;
        // The socket's protocol (0, bound) when the frames differ: the kernel reads each one's.
        to.sll_protocol = self.ethertype;
        let result = loop {
            // SAFETY: a null buffer of length 0 is what a TX ring's send takes: the frames are in
            // the ring; `to` is live for the call and its exact size is passed.
            let ret = unsafe {
                libc::sendto(
                    self.fd.as_raw_fd(),
                    std::ptr::null(),
                    0,
                    libc::MSG_DONTWAIT,
                    (&to as *const libc::sockaddr_ll).cast(),
                    std::mem::size_of::<libc::sockaddr_ll>() as libc::socklen_t,
                )
            };
            if ret >= 0 {
                break Ok(());
            }
            let error = io::Error::last_os_error();
            match error.raw_os_error() {
                Some(libc::EINTR) => continue,
                // The device queue is full: let it drain.
                Some(libc::ENOBUFS | libc::EAGAIN) => {
                    std::thread::sleep(std::time::Duration::from_micros(50));
                    if self.pending() == 0 {
                        break Ok(());
                    }
                }
                _ if retries > 0 => retries -= 1,
                _ => break Err(error),
            }
        };
        let result = result.map_err(|error| Lost {
            error,
            probes: self.drop_pending() as u64,
        });
        self.queued = 0;
        result
    }

    /// Slots of the last batch the kernel has not yet sent.
    fn pending(&self) -> usize {
        self.batch_slots()
            .filter(|&s| self.ring.load(s * FRAME_SIZE + STATUS) != TP_STATUS_AVAILABLE)
            .count()
    }

    /// Gives back the slots of the last batch still waiting or refused; returns how many.
    fn drop_pending(&mut self) -> usize {
        let mut lost = 0;
        for s in self.batch_slots().collect::<Vec<_>>() {
            let status = self.ring.load(s * FRAME_SIZE + STATUS);
            if status == TP_STATUS_SEND_REQUEST || status == TP_STATUS_WRONG_FORMAT {
                self.ring
                    .store(s * FRAME_SIZE + STATUS, TP_STATUS_AVAILABLE);
                lost += 1;
            }
        }
        lost
    }

    fn batch_slots(&self) -> impl Iterator<Item = usize> {
        let (next, queued) = (self.next, self.queued);
        (0..queued).map(move |i| (next + SLOTS - queued + i) % SLOTS)
    }
}

impl Drop for FrameSender {
    /// Waits, up to [`DRAIN_TIMEOUT`], until the device has finished with the frames in flight,
    /// so that a scan ends only after its last probes have left.
    fn drop(&mut self) {
        let started = std::time::Instant::now();
        while (0..SLOTS).any(|s| self.ring.load(s * FRAME_SIZE + STATUS) == TP_STATUS_SENDING)
            && started.elapsed() < DRAIN_TIMEOUT
        {
            std::thread::sleep(std::time::Duration::from_micros(20));
        }
    }
}
