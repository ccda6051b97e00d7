//! A streaming reader for pcap and pcapng files.
//!
//! Records are read in large blocks and handed out as slices of them, without a copy or an
//! allocation per record, so a capture of any size is read in bounded memory (a few blocks, or
//! the largest record when one is larger). A capture file is read ahead by a thread of its own
//! ([`super::read_ahead`]), so that the system's copy of the file and the parse overlap. Every
//! record is numbered from 1 in file order (the number tshark and Wireshark show), and every
//! error names the record it happened in and its byte offset, so that a truncated or corrupt
//! capture can be reported precisely while the records before it are kept.

use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::ops::Range;
use std::path::Path;

use super::read_ahead::ReadAhead;

/// pcap magic for microsecond timestamps, as written by a host of the same byte order.
const PCAP_MAGIC_US: u32 = 0xa1b2_c3d4;
/// pcap magic for nanosecond timestamps.
const PCAP_MAGIC_NS: u32 = 0xa1b2_3c4d;
/// Block type of the pcapng section header block (a palindrome: the same in both byte orders).
const PCAPNG_SHB: u32 = 0x0a0d_0d0a;
/// The byte-order magic inside a section header block.
const PCAPNG_BYTE_ORDER: u32 = 0x1a2b_3c4d;

/// pcapng block types the reader interprets; every other block is skipped.
mod block {
    pub const INTERFACE_DESCRIPTION: u32 = 1;
    pub const OBSOLETE_PACKET: u32 = 2;
    pub const SIMPLE_PACKET: u32 = 3;
    pub const ENHANCED_PACKET: u32 = 6;
}

/// The pcapng interface option that gives the timestamp resolution.
const IF_TSRESOL: u16 = 9;

/// Records larger than this are taken as corruption rather than allocated.
const MAX_RECORD_LEN: usize = 64 << 20;

/// Bytes asked of the operating system at a time: few system calls, and small enough to stay
/// in the processor's caches between the read and the parse (measured from 64 KiB to 8 MiB:
/// 1 MiB among the cheapest, docs/benchmarks.md).
pub(super) const READ_BLOCK: usize = 1 << 20;

/// One captured packet, borrowed from the reader until the next call.
#[derive(Debug, Clone, Copy)]
pub struct Packet<'a> {
    /// Position of the record in the file, from 1.
    pub number: u64,
    /// The link-layer header type (LINKTYPE_* value).
    pub link_type: u32,
    /// Capture time in nanoseconds since the Unix epoch.
    pub timestamp_ns: i64,
    /// The captured bytes, starting with the link-layer header.
    pub data: &'a [u8],
}

/// Why reading a capture stopped before its end.
#[derive(Debug)]
pub enum CaptureError {
    /// The operating system failed to read the file.
    Io(io::Error),
    /// The file has no byte at all.
    Empty,
    /// The file does not start with a pcap or pcapng magic number.
    UnknownFormat {
        /// The first four bytes found.
        magic: [u8; 4],
    },
    /// The file ends inside its file header (pcap) or first section header (pcapng).
    TruncatedHeader {
        /// Bytes the header needs.
        needed: u64,
        /// Bytes the file has.
        found: u64,
    },
    /// The file ends in the middle of a record.
    Truncated {
        /// The record being read (from 1).
        packet: u64,
        /// Byte offset of the record's start.
        offset: u64,
        /// Bytes the record needs.
        needed: u64,
        /// Bytes the file still had.
        found: u64,
    },
    /// A record's header contradicts itself.
    Corrupt {
        /// The record being read (from 1).
        packet: u64,
        /// Byte offset of the record's start.
        offset: u64,
        /// What is wrong with it.
        reason: String,
    },
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::Io(error) => write!(f, "read error: {error}"),
            CaptureError::Empty => write!(f, "empty file (no pcap or pcapng header)"),
            CaptureError::TruncatedHeader { needed, found } => write!(
                f,
                "capture truncated in its file header ({needed} bytes, the file has {found})"
            ),
            CaptureError::UnknownFormat { magic } => write!(
                f,
                "not a pcap or pcapng file (starts with {:02x}{:02x}{:02x}{:02x})",
                magic[0], magic[1], magic[2], magic[3]
            ),
            CaptureError::Truncated {
                packet,
                offset,
                needed,
                found,
            } => write!(
                f,
                "packet {packet}: capture truncated in the middle of a record (at byte {offset}: \
                 the record needs {needed} bytes, the file has {found} left)"
            ),
            CaptureError::Corrupt {
                packet,
                offset,
                reason,
            } => write!(
                f,
                "packet {packet}: corrupt record at byte {offset}: {reason}"
            ),
        }
    }
}

impl std::error::Error for CaptureError {}

impl CaptureError {
    /// Whether the file is a capture cut short (exit status 2), rather than no capture at all.
    pub fn is_truncation(&self) -> bool {
        matches!(
            self,
            CaptureError::Truncated { .. } | CaptureError::TruncatedHeader { .. }
        )
    }

    /// The record number the error is about, if it is about one.
    #[cfg(test)]
    pub fn packet(&self) -> Option<u64> {
        match self {
            CaptureError::Truncated { packet, .. } | CaptureError::Corrupt { packet, .. } => {
                Some(*packet)
            }
            CaptureError::Io(_)
            | CaptureError::Empty
            | CaptureError::UnknownFormat { .. }
            | CaptureError::TruncatedHeader { .. } => None,
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Format {
    Pcap {
        big_endian: bool,
        nanoseconds: bool,
        link_type: u32,
    },
    Pcapng {
        big_endian: bool,
    },
}

/// A pcapng interface: its link type and how many timestamp units make a second.
#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: u32,
    units_per_second: u64,
}

/// Reads the records of one capture file in order.
pub struct CaptureReader<R> {
    input: Input<R>,
    format: Format,
    interfaces: Vec<Interface>,
    /// Where the last record read lies in the input's buffer.
    record: Range<usize>,
    packets: u64,
    offset: u64,
}

impl CaptureReader<FileSource> {
    /// Opens a capture file and reads its file header. A regular file is read ahead by a thread
    /// of its own while records are parsed; anything else (a pipe, a device) is read in turn.
    pub fn open(path: &Path) -> Result<Self, CaptureError> {
        let file = File::open(path).map_err(CaptureError::Io)?;
        let regular = file.metadata().map_err(CaptureError::Io)?.is_file();
        let source = if regular {
            FileSource::Ahead(ReadAhead::start(file).map_err(CaptureError::Io)?)
        } else {
            FileSource::Plain(file)
        };
        Self::new(source)
    }
}

/// A capture file as [`CaptureReader::open`] reads it.
pub enum FileSource {
    /// Read by this thread, as records are needed.
    Plain(File),
    /// Read ahead by a thread of its own.
    Ahead(ReadAhead),
}

impl Source for FileSource {
    fn refill(&mut self, window: &mut Window, len: usize) -> io::Result<()> {
        match self {
            FileSource::Plain(file) => file.refill(window, len),
            FileSource::Ahead(ahead) => ahead.refill(window, len),
        }
    }
}

/// Where a capture's bytes come from.
pub trait Source {
    /// Adds bytes to `window` until at least `len` are unconsumed or the source ends.
    fn refill(&mut self, window: &mut Window, len: usize) -> io::Result<()>;
}

/// Any reader, read into the window's own buffer.
impl<R: Read> Source for R {
    /// Moves the unconsumed bytes to the front first (and grows the buffer to a read block, or
    /// to a record larger than that).
    fn refill(&mut self, window: &mut Window, len: usize) -> io::Result<()> {
        window.compact();
        let size = len.max(READ_BLOCK);
        if window.buffer.len() < size {
            window.buffer.resize(size, 0);
        }
        while window.end < len {
            match self.read(&mut window.buffer[window.end..]) {
                Ok(0) => break,
                Ok(n) => window.end += n,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(())
    }
}

/// A buffer of bytes read from a source, of which `buffer[start..end]` are not consumed yet.
pub struct Window {
    pub(super) buffer: Vec<u8>,
    pub(super) start: usize,
    pub(super) end: usize,
}

impl Window {
    /// Moves the unconsumed bytes to the front of the buffer.
    pub(super) fn compact(&mut self) {
        self.buffer.copy_within(self.start..self.end, 0);
        self.end -= self.start;
        self.start = 0;
    }
}

/// The source with the window of bytes read from it and not yet consumed.
struct Input<R> {
    source: R,
    window: Window,
}

impl<R: Source> Input<R> {
    fn new(source: R) -> Input<R> {
        Input {
            source,
            window: Window {
                buffer: Vec::new(),
                start: 0,
                end: 0,
            },
        }
    }

    /// The bytes at `range` of the buffer (as [`Input::take`] gave it).
    fn bytes(&self, range: Range<usize>) -> &[u8] {
        &self.window.buffer[range]
    }

    /// Consumes the next `len` bytes and returns where they are in the buffer; when the source
    /// ends first, consumes nothing and returns how many bytes it had left.
    fn take(&mut self, len: usize) -> io::Result<Result<Range<usize>, usize>> {
        let window = &mut self.window;
        if window.end - window.start < len {
            self.source.refill(window, len)?;
        }
        let available = window.end - window.start;
        if available < len {
            return Ok(Err(available));
        }
        let range = window.start..window.start + len;
        window.start += len;
        Ok(Ok(range))
    }

    /// The next `N` bytes (`Err` with the count left when the source ends first).
    fn take_array<const N: usize>(&mut self) -> io::Result<Result<[u8; N], usize>> {
        Ok(self.take(N)?.map(|range| {
            let mut bytes = [0u8; N];
            bytes.copy_from_slice(self.bytes(range));
            bytes
        }))
    }
}

impl<R: Source> CaptureReader<R> {
    /// Reads the file header from `source` and returns a reader positioned at the first record.
    pub fn new(source: R) -> Result<Self, CaptureError> {
        let mut input = Input::new(source);
        let magic = match input.take_array::<4>().map_err(CaptureError::Io)? {
            Ok(magic) => magic,
            Err(0) => return Err(CaptureError::Empty),
            Err(got) => {
                let mut magic = [0u8; 4];
                let start = input.window.start;
                magic[..got].copy_from_slice(input.bytes(start..start + got));
                return Err(CaptureError::UnknownFormat { magic });
            }
        };
        let mut reader = CaptureReader {
            input,
            format: Format::Pcapng { big_endian: false },
            interfaces: Vec::new(),
            record: 0..0,
            packets: 0,
            offset: 4,
        };
        let le = u32::from_le_bytes(magic);
        let be = u32::from_be_bytes(magic);
        if le == PCAPNG_SHB {
            reader.read_section_header()?;
        } else if [le, be].contains(&PCAP_MAGIC_US) || [le, be].contains(&PCAP_MAGIC_NS) {
            let big_endian = be == PCAP_MAGIC_US || be == PCAP_MAGIC_NS;
            let mut header = [0u8; 20];
            reader.fill_header(&mut header, 24)?;
            let link_type = word(&header[16..20], big_endian) & 0x0fff_ffff;
            reader.format = Format::Pcap {
                big_endian,
                nanoseconds: le == PCAP_MAGIC_NS || be == PCAP_MAGIC_NS,
                link_type,
            };
        } else {
            return Err(CaptureError::UnknownFormat { magic });
        }
        Ok(reader)
    }

    /// The number of records returned so far.
    pub fn packets_read(&self) -> u64 {
        self.packets
    }

    /// Bytes of the file consumed so far.
    pub fn bytes_read(&self) -> u64 {
        self.offset
    }

    /// Returns the next packet, `None` at a clean end of file, or why the file cannot be read on.
    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, CaptureError> {
        match self.format {
            Format::Pcap {
                big_endian,
                nanoseconds,
                link_type,
            } => self.next_pcap(big_endian, nanoseconds, link_type),
            Format::Pcapng { big_endian } => self.next_pcapng(big_endian),
        }
    }

    fn next_pcap(
        &mut self,
        big_endian: bool,
        nanoseconds: bool,
        link_type: u32,
    ) -> Result<Option<Packet<'_>>, CaptureError> {
        let start = self.offset;
        let number = self.packets + 1;
        let Some(header) = self.read_header::<16>(number, start)? else {
            return Ok(None);
        };
        let seconds = i64::from(word(&header[0..4], big_endian));
        let fraction = i64::from(word(&header[4..8], big_endian));
        let captured = word(&header[8..12], big_endian) as usize;
        if captured > MAX_RECORD_LEN {
            return Err(CaptureError::Corrupt {
                packet: number,
                offset: start,
                reason: format!("captured length {captured} is not plausible"),
            });
        }
        self.read_record(captured, 16, number, start)?;
        self.offset += 16 + captured as u64;
        self.packets = number;
        let timestamp_ns = seconds * 1_000_000_000
            + if nanoseconds {
                fraction
            } else {
                fraction * 1000
            };
        Ok(Some(Packet {
            number,
            link_type,
            timestamp_ns,
            data: self.input.bytes(self.record.clone()),
        }))
    }

    fn next_pcapng(&mut self, mut big_endian: bool) -> Result<Option<Packet<'_>>, CaptureError> {
        // The packet's fields, with its data as a range of the buffer: a slice of it cannot leave
        // the loop, which reads into the buffer again.
        let (number, link_type, timestamp_ns, data) = loop {
            let start = self.offset;
            let number = self.packets + 1;
            let Some(header) = self.read_header::<8>(number, start)? else {
                return Ok(None);
            };
            self.offset += 8;
            let block_type = word(&header[0..4], big_endian);
            if block_type == PCAPNG_SHB {
                self.offset -= 4;
                big_endian = self.read_section_header_after_length(&header[4..8])?;
                continue;
            }
            let total = word(&header[4..8], big_endian) as usize;
            if total < 12 || !total.is_multiple_of(4) || total > MAX_RECORD_LEN {
                return Err(CaptureError::Corrupt {
                    packet: number,
                    offset: start,
                    reason: format!("block length {total} is not a multiple of 4 of at least 12"),
                });
            }
            self.read_record(total - 8, 8, number, start)?;
            self.offset += (total - 8) as u64;
            let block = self.input.bytes(self.record.clone());
            let trailer = word(&block[total - 12..], big_endian) as usize;
            if trailer != total {
                return Err(CaptureError::Corrupt {
                    packet: number,
                    offset: start,
                    reason: format!("block length {total} at the start but {trailer} at the end"),
                });
            }
            let body_len = total - 12;
            match block_type {
                block::INTERFACE_DESCRIPTION => {
                    let interface =
                        parse_interface(&block[..body_len], big_endian).ok_or_else(|| {
                            CaptureError::Corrupt {
                                packet: number,
                                offset: start,
                                reason: "interface description block too short".into(),
                            }
                        })?;
                    self.interfaces.push(interface);
                }
                block::ENHANCED_PACKET | block::OBSOLETE_PACKET | block::SIMPLE_PACKET => {
                    let (interface_id, time_units, captured, data_at) =
                        packet_fields(block_type, &block[..body_len], big_endian).ok_or_else(
                            || CaptureError::Corrupt {
                                packet: number,
                                offset: start,
                                reason: "packet block shorter than its fixed fields".into(),
                            },
                        )?;
                    let interface = *self.interfaces.get(interface_id).ok_or_else(|| {
                        CaptureError::Corrupt {
                            packet: number,
                            offset: start,
                            reason: format!(
                                "packet of interface {interface_id}, which is not described"
                            ),
                        }
                    })?;
                    let captured = if block_type == block::SIMPLE_PACKET {
                        captured.min(body_len - data_at)
                    } else {
                        captured
                    };
                    if data_at + captured > body_len {
                        return Err(CaptureError::Corrupt {
                            packet: number,
                            offset: start,
                            reason: format!(
                                "captured length {captured} runs past the block ({} bytes of data)",
                                body_len - data_at
                            ),
                        });
                    }
                    self.packets = number;
                    let timestamp_ns = (u128::from(time_units) * 1_000_000_000
                        / u128::from(interface.units_per_second))
                        as i64;
                    let data = self.record.start + data_at..self.record.start + data_at + captured;
                    break (number, interface.link_type, timestamp_ns, data);
                }
                _ => {}
            }
        };
        Ok(Some(Packet {
            number,
            link_type,
            timestamp_ns,
            data: self.input.bytes(data),
        }))
    }

    /// Reads a section header block whose type word has already been consumed.
    fn read_section_header(&mut self) -> Result<(), CaptureError> {
        let mut length = [0u8; 4];
        self.fill_header(&mut length, 8)?;
        self.offset = self.offset.saturating_sub(4);
        // The first section header is the file's header: cut inside it, the file holds no record.
        self.read_section_header_after_length(&length)
            .map(|_| ())
            .map_err(|error| match error {
                CaptureError::Truncated { needed, found, .. } => {
                    CaptureError::TruncatedHeader { needed, found }
                }
                other => other,
            })
    }

    /// The `N`-byte header of record `number`, which begins at `start`; `None` at a clean end of
    /// the file.
    fn read_header<const N: usize>(
        &mut self,
        number: u64,
        start: u64,
    ) -> Result<Option<[u8; N]>, CaptureError> {
        match self.input.take_array::<N>().map_err(CaptureError::Io)? {
            Ok(header) => Ok(Some(header)),
            Err(0) => Ok(None),
            Err(got) => Err(CaptureError::Truncated {
                packet: number,
                offset: start,
                needed: N as u64,
                found: got as u64,
            }),
        }
    }

    /// Makes `record` the next `len` bytes: the rest of record `number`, which began at `start`
    /// and of which `before` bytes are read already.
    fn read_record(
        &mut self,
        len: usize,
        before: usize,
        number: u64,
        start: u64,
    ) -> Result<(), CaptureError> {
        match self.input.take(len).map_err(CaptureError::Io)? {
            Ok(range) => {
                self.record = range;
                Ok(())
            }
            Err(got) => Err(CaptureError::Truncated {
                packet: number,
                offset: start,
                needed: (before + len) as u64,
                found: (before + got) as u64,
            }),
        }
    }

    /// Finishes a section header block whose raw length word is `length` (`offset` points at
    /// that word) and returns the section's byte order (true: big-endian).
    fn read_section_header_after_length(&mut self, length: &[u8]) -> Result<bool, CaptureError> {
        let start = self.offset - 4;
        let number = self.packets + 1;
        let order = match self.input.take_array::<4>().map_err(CaptureError::Io)? {
            Ok(order) => order,
            Err(got) => {
                return Err(CaptureError::Truncated {
                    packet: number,
                    offset: start,
                    needed: 12,
                    found: 8 + got as u64,
                })
            }
        };
        let big_endian = match (u32::from_le_bytes(order), u32::from_be_bytes(order)) {
            (PCAPNG_BYTE_ORDER, _) => false,
            (_, PCAPNG_BYTE_ORDER) => true,
            _ => {
                return Err(CaptureError::Corrupt {
                    packet: number,
                    offset: start,
                    reason: "section header without a byte-order magic".into(),
                })
            }
        };
        let total = word(length, big_endian) as usize;
        if total < 28 || !total.is_multiple_of(4) || total > MAX_RECORD_LEN {
            return Err(CaptureError::Corrupt {
                packet: number,
                offset: start,
                reason: format!("section header length {total} is not plausible"),
            });
        }
        self.read_record(total - 12, 12, number, start)?;
        self.offset = start + total as u64;
        self.format = Format::Pcapng { big_endian };
        self.interfaces.clear();
        Ok(big_endian)
    }

    /// Reads the rest of a fixed-size file header; `total` is its whole size, for messages.
    fn fill_header(&mut self, buf: &mut [u8], total: u64) -> Result<(), CaptureError> {
        match self.input.take(buf.len()).map_err(CaptureError::Io)? {
            Ok(range) => buf.copy_from_slice(self.input.bytes(range)),
            Err(got) => {
                return Err(CaptureError::TruncatedHeader {
                    needed: total,
                    found: self.offset + got as u64,
                })
            }
        }
        self.offset += buf.len() as u64;
        Ok(())
    }
}

fn word(bytes: &[u8], big_endian: bool) -> u32 {
    let bytes = [bytes[0], bytes[1], bytes[2], bytes[3]];
    if big_endian {
        u32::from_be_bytes(bytes)
    } else {
        u32::from_le_bytes(bytes)
    }
}

fn half(bytes: &[u8], big_endian: bool) -> u16 {
    let bytes = [bytes[0], bytes[1]];
    if big_endian {
        u16::from_be_bytes(bytes)
    } else {
        u16::from_le_bytes(bytes)
    }
}

/// An interface description block body: link type, then options (if_tsresol is the one we need).
fn parse_interface(body: &[u8], big_endian: bool) -> Option<Interface> {
    let link_type = u32::from(half(body.get(0..2)?, big_endian));
    let mut units_per_second = 1_000_000;
    let mut options = body.get(8..)?;
    while options.len() >= 4 {
        let code = half(&options[0..2], big_endian);
        let len = usize::from(half(&options[2..4], big_endian));
        let value = options.get(4..4 + len)?;
        if code == 0 {
            break;
        }
        if code == IF_TSRESOL && len == 1 {
            let exponent = u32::from(value[0] & 0x7f);
            let base: u64 = if value[0] & 0x80 == 0 { 10 } else { 2 };
            units_per_second = base.checked_pow(exponent).filter(|&u| u > 0)?;
        }
        options = options.get(4 + len.div_ceil(4) * 4..).unwrap_or(&[]);
    }
    Some(Interface {
        link_type,
        units_per_second,
    })
}

/// Interface, timestamp units, captured length and data offset of a packet block.
fn packet_fields(
    block_type: u32,
    body: &[u8],
    big_endian: bool,
) -> Option<(usize, u64, usize, usize)> {
    match block_type {
        block::ENHANCED_PACKET => {
            let fixed = body.get(..20)?;
            let time = u64::from(word(&fixed[4..8], big_endian)) << 32
                | u64::from(word(&fixed[8..12], big_endian));
            Some((
                word(&fixed[0..4], big_endian) as usize,
                time,
                word(&fixed[12..16], big_endian) as usize,
                20,
            ))
        }
        block::OBSOLETE_PACKET => {
            let fixed = body.get(..20)?;
            let time = u64::from(word(&fixed[4..8], big_endian)) << 32
                | u64::from(word(&fixed[8..12], big_endian));
            Some((
                usize::from(half(&fixed[0..2], big_endian)),
                time,
                word(&fixed[12..16], big_endian) as usize,
                20,
            ))
        }
        _ => {
            // A simple packet block gives only the wire length; the data is what the block holds.
            let wire_len = word(body.get(..4)?, big_endian);
            Some((0, 0, wire_len as usize, 4))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pcap file (little-endian, microseconds, Ethernet) with two 4-byte records.
    const PCAP: &[u8] = &[
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
        // record 1: t = 1.000002 s
        1, 0, 0, 0, 2, 0, 0, 0, 4, 0, 0, 0, 60, 0, 0, 0, 0xaa, 0xbb, 0xcc, 0xdd,
        // record 2: t = 2 s
        2, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0, 1, 2, 3, 4,
    ];

    /// Number, link type, time and bytes of each packet read.
    type Read = Vec<(u64, u32, i64, Vec<u8>)>;

    fn read_all(bytes: &[u8]) -> (Read, Option<CaptureError>) {
        let mut reader = match CaptureReader::new(bytes) {
            Ok(reader) => reader,
            Err(error) => return (Vec::new(), Some(error)),
        };
        let mut packets = Vec::new();
        loop {
            match reader.next_packet() {
                Ok(Some(p)) => {
                    packets.push((p.number, p.link_type, p.timestamp_ns, p.data.to_vec()))
                }
                Ok(None) => return (packets, None),
                Err(error) => return (packets, Some(error)),
            }
        }
    }

    #[test]
    fn pcap_records_in_order() {
        let (packets, error) = read_all(PCAP);
        assert!(error.is_none());
        assert_eq!(
            packets,
            vec![
                (1, 1, 1_000_002_000, vec![0xaa, 0xbb, 0xcc, 0xdd]),
                (2, 1, 2_000_000_000, vec![1, 2, 3, 4])
            ]
        );
    }

    #[test]
    fn pcap_cut_inside_a_record_names_it_and_keeps_the_first() {
        for cut in PCAP.len() - 19..PCAP.len() {
            let (packets, error) = read_all(&PCAP[..cut]);
            assert_eq!(packets.len(), 1, "cut at {cut}");
            let error = error.expect("truncation is an error");
            assert_eq!(error.packet(), Some(2));
            assert!(error.to_string().starts_with("packet 2: capture truncated"));
        }
    }

    /// A source that hands out at most `chunk` bytes per read, as a pipe or a slow disk may.
    struct Trickle<'a> {
        bytes: &'a [u8],
        chunk: usize,
    }

    impl io::Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = buf.len().min(self.chunk).min(self.bytes.len());
            buf[..n].copy_from_slice(&self.bytes[..n]);
            self.bytes = &self.bytes[n..];
            Ok(n)
        }
    }

    #[test]
    fn records_across_read_blocks_and_larger_than_one_come_out_whole() {
        // Records of many sizes, so that headers and data straddle the buffer's end, and one
        // three read blocks long.
        let mut bytes = PCAP[..24].to_vec();
        let mut expected = Vec::new();
        let mut total = 0;
        for i in 0u32..3000 {
            let len = if i == 1500 {
                3 * READ_BLOCK + 5
            } else {
                (i as usize * 7919) % 1601
            };
            let data: Vec<u8> = (0..len).map(|b| (b as u32 ^ i) as u8).collect();
            bytes.extend(i.to_le_bytes());
            bytes.extend(0u32.to_le_bytes());
            bytes.extend((len as u32).to_le_bytes());
            bytes.extend((len as u32).to_le_bytes());
            bytes.extend(&data);
            total += len;
            expected.push((u64::from(i) + 1, 1, i64::from(i) * 1_000_000_000, data));
        }
        assert!(total > 4 * READ_BLOCK);
        for chunk in [usize::MAX, 4093, 1] {
            let mut reader = CaptureReader::new(Trickle {
                bytes: &bytes,
                chunk,
            })
            .unwrap();
            let mut packets = Vec::new();
            while let Some(p) = reader.next_packet().unwrap() {
                packets.push((p.number, p.link_type, p.timestamp_ns, p.data.to_vec()));
            }
            assert!(packets == expected, "read {chunk} bytes at a time");
            assert_eq!(reader.bytes_read(), bytes.len() as u64);
        }
    }

    #[test]
    fn big_endian_nanosecond_pcap() {
        let bytes = [
            0xa1, 0xb2, 0x3c, 0x4d, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 0,
            101, 0, 0, 0, 1, 0, 0, 0, 7, 0, 0, 0, 1, 0, 0, 0, 1, 0x45,
        ];
        let (packets, error) = read_all(&bytes);
        assert!(error.is_none());
        assert_eq!(packets, vec![(1, 101, 1_000_000_007, vec![0x45])]);
    }

    #[test]
    fn pcapng_with_nanosecond_interface() {
        let mut bytes = vec![
            // section header block, 28 bytes
            0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0,
            // interface description block: SLL, if_tsresol = 9, 28 bytes
            1, 0, 0, 0, 28, 0, 0, 0, 113, 0, 0, 0, 0, 0, 0, 0, 9, 0, 1, 0, 9, 0, 0, 0, 28, 0, 0, 0,
        ];
        // enhanced packet block with 3 bytes of data (padded to 4), t = 5 ns units
        bytes.extend_from_slice(&[
            6, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5, 0, 0, 0, 3, 0, 0, 0, 3, 0, 0, 0, 7,
            8, 9, 0, 36, 0, 0, 0,
        ]);
        let (packets, error) = read_all(&bytes);
        assert!(error.is_none(), "{error:?}");
        assert_eq!(packets, vec![(1, 113, 5, vec![7, 8, 9])]);
        let (packets, error) = read_all(&bytes[..bytes.len() - 5]);
        assert!(packets.is_empty());
        assert_eq!(error.and_then(|e| e.packet()), Some(1));
    }

    #[test]
    fn not_a_capture() {
        let (_, error) = read_all(b"hello world, not a capture");
        assert!(matches!(error, Some(CaptureError::UnknownFormat { .. })));
        let (_, error) = read_all(b"he");
        assert!(matches!(error, Some(CaptureError::UnknownFormat { .. })));
    }
}
