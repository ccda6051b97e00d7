//! The core's hand-written option parsers against the same parsers written with nom 8 (the
//! design card's parser library), on the receive path's shapes: the option walk of a real
//! SYN-ACK down to its MP_CAPABLE key, the walk of a data segment's options, and a DSS option.
//!
//! The nom versions live only here, to measure: they build without std or alloc
//! (`default-features = false`), return the same values and the same `OptionError`s (checked
//! below on every prefix of every area before timing), and never index. The figures and the
//! decision (the hand-written parsers stay) are in docs/benchmarks.md.

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use mptcpscan::mptcp::capable::LENGTHS;
use mptcpscan::mptcp::{Dss, DssFlags, Mapping, MpCapable};
use mptcpscan::options::{kind, OptionError, Options, TcpOption};
use nom::bytes::complete::take;
use nom::combinator::{cond, eof, rest, verify};
use nom::error::{ErrorKind, ParseError};
use nom::number::complete::{be_u16, be_u32, be_u64, u8 as byte};
use nom::{IResult, Parser};

#[path = "shared/receive_path.rs"]
mod receive_path;
use receive_path::{dss_parse, synack_key, DSS_ACK4_MAP4_CSUM, THESIS_V0_KEY, THESIS_V0_SYNACK};

/// pymptcpanalyzer/iperf-mptcp-0-0.pcap, frame 9: NOP NOP timestamps, then DSS with a 4-byte
/// data ACK, a mapping and a checksum (the DSS is [`DSS_ACK4_MAP4_CSUM`]).
const DATA_SEGMENT: [u8; 32] = [
    0x01, 0x01, 0x08, 0x0a, 0x00, 0x00, 0x04, 0xf1, 0x00, 0x00, 0x04, 0xe9, 0x1e, 0x14, 0x20, 0x05,
    0xe2, 0x40, 0x02, 0x5b, 0xa2, 0xfd, 0x39, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x00, 0x18, 0x3e, 0xa1,
];

/// nom's error for the walk: the core's `OptionError` once the walk knows what went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fail {
    /// A combinator failed before the walk named the problem.
    Nom,
    /// The problem, as the hand-written walk names it.
    Option(OptionError),
}

impl ParseError<&[u8]> for Fail {
    fn from_error_kind(_: &[u8], _: ErrorKind) -> Self {
        Fail::Nom
    }

    fn append(_: &[u8], _: ErrorKind, other: Self) -> Self {
        other
    }
}

type Res<'a, T> = IResult<&'a [u8], T, Fail>;

/// `result`, with any failure named `error`.
fn or<T>(result: Res<'_, T>, error: OptionError) -> Res<'_, T> {
    result.map_err(|e| e.map(|_| Fail::Option(error)))
}

/// One option starting at `offset` of the area.
fn option(offset: usize, input: &[u8]) -> Res<'_, TcpOption<'_>> {
    let (after_kind, kind) = byte(input)?;
    match kind {
        kind::EOL => return Ok((after_kind, TcpOption::EndOfList)),
        kind::NOP => return Ok((after_kind, TcpOption::NoOperation)),
        _ => {}
    }
    let (_, len) = or(
        byte(after_kind),
        OptionError::MissingLength { offset, kind },
    )?;
    if len < 2 {
        let error = OptionError::LengthTooSmall { offset, kind, len };
        return Err(nom::Err::Error(Fail::Option(error)));
    }
    let truncated = OptionError::Truncated {
        offset,
        kind,
        len,
        available: input.len(),
    };
    let (after, whole) = or(take(len).parse(input), truncated)?;
    let (body, _) = take(2usize).parse(whole)?;
    let wrong = OptionError::WrongLength { offset, kind, len };
    let (_, option) = match kind {
        kind::MPTCP => Ok((body, TcpOption::Mptcp(whole))),
        kind::MSS => or(
            (be_u16, eof)
                .map(|(mss, _)| TcpOption::MaxSegmentSize(mss))
                .parse(body),
            wrong,
        ),
        kind::WINDOW_SCALE => or(
            (byte, eof)
                .map(|(shift, _)| TcpOption::WindowScale(shift))
                .parse(body),
            wrong,
        ),
        kind::SACK_PERMITTED => or(eof.map(|_| TcpOption::SackPermitted).parse(body), wrong),
        kind::TIMESTAMP => or(
            (be_u32, be_u32, eof)
                .map(|(tsval, tsecr, _)| TcpOption::Timestamp { tsval, tsecr })
                .parse(body),
            wrong,
        ),
        kind::SACK => or(
            verify(rest, |b: &[u8]| !b.is_empty() && b.len().is_multiple_of(8))
                .map(TcpOption::SelectiveAck)
                .parse(body),
            wrong,
        ),
        kind => Ok((body, TcpOption::Unknown { kind, data: body })),
    }?;
    Ok((after, option))
}

/// The walk, as an iterator of the same items as `Options`.
struct NomOptions<'a> {
    area: &'a [u8],
    rest: &'a [u8],
    done: bool,
}

impl<'a> Iterator for NomOptions<'a> {
    type Item = Result<(usize, TcpOption<'a>), OptionError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done || self.rest.is_empty() {
            return None;
        }
        let offset = self.area.len() - self.rest.len();
        match option(offset, self.rest) {
            Ok((rest, option)) => {
                self.rest = rest;
                self.done = option == TcpOption::EndOfList;
                Some(Ok((offset, option)))
            }
            Err(nom::Err::Error(Fail::Option(e)) | nom::Err::Failure(Fail::Option(e))) => {
                self.done = true;
                Some(Err(e))
            }
            // Only a kind byte can be missing, and `rest` is not empty.
            Err(_) => None,
        }
    }
}

fn nom_options(area: &[u8]) -> NomOptions<'_> {
    NomOptions {
        area,
        rest: area,
        done: false,
    }
}

/// MP_CAPABLE, as `MpCapable::parse`: the layout follows from the length.
fn nom_mp_capable(option: &[u8]) -> Option<MpCapable> {
    let len = option.len();
    let parsed: IResult<&[u8], MpCapable> = (
        verify(byte, |&k| k == kind::MPTCP),
        verify(byte, |&l| usize::from(l) == len && LENGTHS.contains(&len)),
        verify(byte, |&b| b >> 4 == 0),
        byte,
        cond(len >= 12, be_u64),
        cond(len >= 20, be_u64),
        cond(len >= 22, be_u16),
        cond(len >= 24, be_u16),
    )
        .map(
            |(_, _, version, flags, sender_key, receiver_key, data_len, checksum)| MpCapable {
                version: version & 0x0f,
                flags: mptcpscan::mptcp::CapableFlags::from_bits_retain(flags),
                sender_key,
                receiver_key,
                data_len,
                checksum,
            },
        )
        .parse(option);
    parsed.ok().map(|(_, capable)| capable)
}

/// A data ACK or DSN of `len` bytes (0, 4 or 8), widened.
fn number(len: usize) -> impl FnMut(&[u8]) -> IResult<&[u8], Option<u64>> {
    move |input| match len {
        0 => Ok((input, None)),
        4 => be_u32.map(|n| Some(u64::from(n))).parse(input),
        _ => be_u64.map(Some).parse(input),
    }
}

/// DSS, as `Dss::parse`: the flags decide the layout, the length the checksum.
fn nom_dss(option: &[u8]) -> Option<Dss> {
    let len = option.len();
    let header: IResult<&[u8], _> = (
        verify(byte, |&k| k == kind::MPTCP),
        verify(byte, |&l| usize::from(l) == len),
        verify(byte, |&b| b >> 4 == 2),
        verify(byte.map(DssFlags::from_bits_retain), |f| {
            f.allowed_lengths().allows(len)
        }),
    )
        .parse(option);
    let (input, (_, _, subtype, flags)) = header.ok()?;
    let mapping = flags.contains(DssFlags::MAPPING);
    let with_checksum = len == flags.base_len() + 2;
    let parsed: IResult<&[u8], Dss> = (
        number(flags.data_ack_len()),
        cond(
            mapping,
            (
                number(flags.dsn_len()),
                be_u32,
                be_u16,
                cond(with_checksum, be_u16),
            ),
        ),
        eof,
    )
        .map(|(data_ack, mapping, _)| Dss {
            reserved: subtype & 0x0f,
            flags,
            data_ack,
            mapping: mapping.map(|(dsn, ssn, data_len, checksum)| Mapping {
                dsn: dsn.unwrap_or(0),
                ssn,
                data_len,
                checksum,
            }),
        })
        .parse(input);
    parsed.ok().map(|(_, dss)| dss)
}

// The measured functions are kept out of line, as the hand-written ones in
// `shared/receive_path.rs`, so that callgrind's `--toggle-collect` can count each one's
// instructions per call.

#[inline(never)]
fn synack_key_nom(area: &[u8]) -> Option<u64> {
    nom_options(area)
        .map_while(Result::ok)
        .find_map(|(_, option)| match option {
            TcpOption::Mptcp(bytes) => nom_mp_capable(bytes),
            _ => None,
        })
        .and_then(|capable| capable.sender_key)
}

#[inline(never)]
fn walk(area: &[u8]) -> usize {
    Options::new(area).filter(Result::is_ok).count()
}

#[inline(never)]
fn walk_nom(area: &[u8]) -> usize {
    nom_options(area).filter(Result::is_ok).count()
}

#[inline(never)]
fn dss_nom(option: &[u8]) -> Option<Dss> {
    nom_dss(option)
}

/// Both versions answer the same on every prefix of every area and option, and on every
/// single-byte change of them: the timings compare equal work.
fn same_answers() {
    let areas: [&[u8]; 3] = [&THESIS_V0_SYNACK, &DATA_SEGMENT, &DSS_ACK4_MAP4_CSUM];
    for area in areas {
        let mut variants: Vec<Vec<u8>> = (0..=area.len()).map(|n| area[..n].to_vec()).collect();
        for at in 0..area.len() {
            for value in [0, 1, 2, 3, 8, 10, 0x1e, 0xff] {
                let mut changed = area.to_vec();
                changed[at] = value;
                variants.push(changed);
            }
        }
        for v in &variants {
            let hand: Vec<_> = Options::new(v).collect();
            let nom: Vec<_> = nom_options(v).collect();
            assert_eq!(hand, nom, "walk of {v:02x?}");
            assert_eq!(MpCapable::parse(v).ok(), nom_mp_capable(v), "{v:02x?}");
            assert_eq!(Dss::parse(v).ok(), nom_dss(v), "{v:02x?}");
        }
    }
    assert_eq!(synack_key_nom(&THESIS_V0_SYNACK), Some(THESIS_V0_KEY));
    assert!(nom_dss(&DSS_ACK4_MAP4_CSUM).is_some());
}

fn compare(c: &mut Criterion) {
    same_answers();
    let mut group = c.benchmark_group("synack options: walk + MP_CAPABLE");
    group.bench_function("hand-written", |b| {
        b.iter(|| synack_key(black_box(&THESIS_V0_SYNACK)))
    });
    group.bench_function("nom", |b| {
        b.iter(|| synack_key_nom(black_box(&THESIS_V0_SYNACK)))
    });
    group.finish();
    let mut group = c.benchmark_group("data segment options: walk");
    group.bench_function("hand-written", |b| {
        b.iter(|| walk(black_box(&DATA_SEGMENT)))
    });
    group.bench_function("nom", |b| b.iter(|| walk_nom(black_box(&DATA_SEGMENT))));
    group.finish();
    let mut group = c.benchmark_group("DSS: data ACK + mapping + checksum");
    group.bench_function("hand-written", |b| {
        b.iter(|| dss_parse(black_box(&DSS_ACK4_MAP4_CSUM)))
    });
    group.bench_function("nom", |b| {
        b.iter(|| dss_nom(black_box(&DSS_ACK4_MAP4_CSUM)))
    });
    group.finish();
}

criterion_group!(benches, compare);
criterion_main!(benches);
