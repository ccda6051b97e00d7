//! The scanner's way out: whole Ethernet frames through a transmit ring when the route to the
//! targets goes through a gateway of an Ethernet interface with a known MAC address, raw IP
//! sockets (one system call per probe, the kernel adding the link layer) otherwise.

use std::net::IpAddr;

use super::link::{self, Link};
pub use super::tx::Lost;
use super::tx::{FrameSender, FRAME_ROOM};
use super::Sender;

/// The transmit ring and the Ethernet headers (IPv4, IPv6) of the families it carries.
struct FramePath {
    ring: FrameSender,
    headers: [Option<[u8; 14]>; 2],
}

/// Sends probes built in place by the caller.
pub struct Transmitter {
    frames: Option<FramePath>,
    /// Raw sockets for the families the ring does not carry.
    raw: Option<Sender>,
    raw_families: (bool, bool),
    /// How many more times a refused probe is sent (ZMap's `--retries`).
    retries: u32,
}

impl Transmitter {
    /// Opens the way to targets like `samples` (one per address family scanned: the route to it
    /// stands for all targets of the family, as ZMap's single gateway does), through `interface`
    /// only when given, to `gateway_mac` when given (`-G`, else the neighbour table's); a send the
    /// kernel refuses is tried `retries` more times. Returns, beside
    /// it, one line per family whose probes cannot leave as frames, saying why.
    pub fn open(
        samples: (Option<IpAddr>, Option<IpAddr>),
        interface: Option<&str>,
        gateway_mac: Option<[u8; 6]>,
        retries: u32,
    ) -> anyhow::Result<(Self, Vec<String>)> {
        let wanted = interface.map(super::interface_index).transpose()?;
        let mut notes = Vec::new();
        let mut links: [Option<Link>; 2] = [None, None];
        for (slot, sample) in [samples.0, samples.1].into_iter().enumerate() {
            let Some(dst) = sample else { continue };
            let why = match link::resolve(dst, gateway_mac)? {
                Ok(link) if wanted.is_none_or(|w| w as u32 == link.ifindex) => {
                    links[slot] = Some(link);
                    continue;
                }
                Ok(_) => format!(
                    "the route to {dst} does not leave through {}",
                    interface.unwrap_or_default()
                ),
                Err(why) => why,
            };
            notes.push(format!(
                "{}: {why}; sending through a raw socket, one system call per probe",
                family_name(slot)
            ));
        }
        // One ring serves one interface: a second family on another interface goes raw.
        let ifindex = links.iter().flatten().map(|l| l.ifindex).next();
        let mut headers = [None, None];
        for (slot, link) in links.iter().enumerate() {
            let Some(link) = link else { continue };
            if Some(link.ifindex) == ifindex {
                let sample = if slot == 0 { samples.0 } else { samples.1 };
                headers[slot] = sample.map(|dst| link.header(dst));
            } else {
                notes.push(format!(
                    "{}: its route leaves through another interface; sending through a raw socket",
                    family_name(slot)
                ));
            }
        }
        let frames = match ifindex {
            Some(ifindex) => Some(FramePath {
                ring: FrameSender::open(ifindex, retries)
                    .map_err(|e| super::permission_hint(e, "opening a transmit ring"))?,
                headers,
            }),
            None => None,
        };
        let raw_families = (
            samples.0.is_some() && headers[0].is_none(),
            samples.1.is_some() && headers[1].is_none(),
        );
        let raw = if raw_families.0 || raw_families.1 {
            let sender = Sender::open(raw_families.0, raw_families.1)?;
            if let Some(interface) = interface {
                sender.bind_interface(interface)?;
            }
            Some(sender)
        } else {
            None
        };
        Ok((
            Transmitter {
                frames,
                raw,
                raw_families,
                retries,
            },
            notes,
        ))
    }

    /// Sends (or queues, on the ring) the IP packet `build` writes into the buffer it is given
    /// (returning its length). `Ok(Some(lost))` reports probes the kernel refused; an error from
    /// `build` is returned as it is.
    pub fn send(
        &mut self,
        dst: IpAddr,
        build: impl FnOnce(&mut [u8]) -> anyhow::Result<usize>,
    ) -> anyhow::Result<Option<Lost>> {
        let family = usize::from(dst.is_ipv6());
        if let Some(FramePath { ring, headers }) = self.frames.as_mut() {
            if let Some(header) = headers[family] {
                let queued = ring.queue(|frame: &mut [u8]| -> anyhow::Result<usize> {
                    frame[..14].copy_from_slice(&header);
                    Ok(14 + build(&mut frame[14..])?)
                });
                return match queued {
                    Ok(built) => built.map(|()| None),
                    Err(lost) => Ok(Some(lost)),
                };
            }
        }
        let mut buf = [0u8; FRAME_ROOM];
        let len = build(&mut buf)?;
        let raw = self.raw.as_ref().filter(|_| match dst {
            IpAddr::V4(_) => self.raw_families.0,
            IpAddr::V6(_) => self.raw_families.1,
        });
        let Some(raw) = raw else {
            anyhow::bail!("no way out was opened for {dst}'s address family");
        };
        let mut result = raw.send(&buf[..len], dst);
        for _ in 0..self.retries {
            if result.is_ok() {
                break;
            }
            result = raw.send(&buf[..len], dst);
        }
        Ok(result.err().map(|error| Lost { error, probes: 1 }))
    }

    /// Hands every queued frame to the kernel: before the sender waits, and at the end.
    pub fn flush(&mut self) -> Option<Lost> {
        self.frames.as_mut().and_then(|f| f.ring.flush().err())
    }

    /// Whether frames are waiting in the ring.
    pub fn queued(&self) -> bool {
        self.frames.as_ref().is_some_and(|f| f.ring.queued() > 0)
    }
}

fn family_name(slot: usize) -> &'static str {
    if slot == 0 {
        "IPv4"
    } else {
        "IPv6"
    }
}
