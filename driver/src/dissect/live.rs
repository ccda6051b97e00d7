//! Live capture for `dissect -i IFACE`: frames from an interface through libpcap (the `pcap`
//! crate), behind a BPF filter, until Ctrl-C or SIGTERM.
//!
//! The handle is non-blocking and waited on with poll(2) in short slices: a blocking
//! `pcap_next_ex` can sleep past its timeout on a quiet interface (libpcap's TPACKET_V3 ring
//! delivers on block boundaries), which would leave a Ctrl-C unanswered.

use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{anyhow, bail, Context};

use super::capture::Packet;
use crate::net;

/// The filter without `-f`: what the tracker and the scan-pair classifier read.
pub const DEFAULT_FILTER: &str = "tcp or icmp or icmp6";

/// Whole frames: a jumbo frame or a GRO-merged segment keeps its options and payload length.
const SNAPLEN: i32 = 262_144;
/// The kernel's ring for the capture, in bytes. In immediate mode libpcap cuts it into slots as
/// large as the biggest frame the interface can hand over (about 64 KiB with segmentation
/// offload), so its 2 MiB default holds some 30 frames: a busy machine dropped 3 to 15 frames of
/// one 200 kB download on a veth pair (`make test-live`).
const BUFFER_BYTES: i32 = 32 << 20;
/// How long one wait for a frame lasts before the stop flag is checked again.
const WAIT_MILLIS: i32 = 100;

/// An open live capture.
pub struct LiveCapture {
    capture: pcap::Capture<pcap::Active>,
    link_type: u32,
    packets: u64,
    /// The last frame, copied out of libpcap's ring so that it can be lent past the wait loop.
    frame: Vec<u8>,
    timestamp_ns: i64,
}

/// How many frames the kernel and libpcap saw and dropped.
pub struct Counts {
    /// Frames handed to the analysis.
    pub captured: u64,
    /// Frames the kernel dropped because the capture buffer was full.
    pub dropped: u64,
    /// Frames the interface driver dropped.
    pub dropped_by_interface: u64,
}

impl LiveCapture {
    /// Opens `interface` (or libpcap's `any`) with `filter`; the errors say which of the
    /// interface, the privileges or the filter is wrong.
    pub fn open(interface: &str, filter: &str) -> anyhow::Result<LiveCapture> {
        if interface != "any" {
            net::interface_index(interface)?;
        }
        let capture = pcap::Capture::from_device(interface)
            .and_then(|c| {
                c.snaplen(SNAPLEN)
                    .promisc(false)
                    .immediate_mode(true)
                    .buffer_size(BUFFER_BYTES)
                    .timeout(WAIT_MILLIS)
                    .open()
            })
            .map_err(|error| {
                let text = error.to_string();
                if text.contains("not permitted") || text.contains("ermission denied") {
                    anyhow!(
                        "capturing on {interface}: {text} (live capture needs root, or \
                         CAP_NET_RAW and CAP_NET_ADMIN)"
                    )
                } else {
                    anyhow!("capturing on {interface}: {text}")
                }
            })?;
        let mut capture = capture
            .setnonblock()
            .with_context(|| format!("capturing on {interface}: non-blocking mode"))?;
        capture
            .filter(filter, true)
            .map_err(|error| anyhow!("capture filter `{filter}`: {error}"))?;
        let link_type = u32::try_from(capture.get_datalink().0)
            .map_err(|_| anyhow!("{interface}: negative link-layer type"))?;
        Ok(LiveCapture {
            capture,
            link_type,
            packets: 0,
            frame: Vec::new(),
            timestamp_ns: 0,
        })
    }

    /// The next frame, or `None` once `stop` is set.
    pub fn next_packet(&mut self, stop: &AtomicBool) -> anyhow::Result<Option<Packet<'_>>> {
        loop {
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            match self.capture.next_packet() {
                Ok(packet) => {
                    let ts = packet.header.ts;
                    // time_t and suseconds_t are i64 here but i32 on some targets.
                    #[allow(clippy::unnecessary_cast)]
                    let ns = (ts.tv_sec as i64)
                        .saturating_mul(1_000_000_000)
                        .saturating_add((ts.tv_usec as i64).saturating_mul(1000));
                    self.timestamp_ns = ns;
                    self.frame.clear();
                    self.frame.extend_from_slice(packet.data);
                    break;
                }
                Err(pcap::Error::TimeoutExpired) => {
                    net::wait_readable(self.capture.as_raw_fd(), WAIT_MILLIS)
                        .context("waiting for frames")?;
                }
                Err(error) => bail!("reading frames: {error}"),
            }
        }
        self.packets += 1;
        Ok(Some(Packet {
            number: self.packets,
            link_type: self.link_type,
            timestamp_ns: self.timestamp_ns,
            data: &self.frame,
        }))
    }

    /// What was captured and dropped so far.
    pub fn counts(&mut self) -> anyhow::Result<Counts> {
        let stats = self.capture.stats().context("reading libpcap's counters")?;
        Ok(Counts {
            captured: self.packets,
            dropped: u64::from(stats.dropped),
            dropped_by_interface: u64::from(stats.if_dropped),
        })
    }
}
