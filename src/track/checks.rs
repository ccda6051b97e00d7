//! DSS: data-level ranges, DATA_FIN, and the DSS checksum wherever the wire carries one: a mapping
//! in one segment, a mapping spread over several segments (summed as they come), the first data
//! on MP_CAPABLE, and DATA_FIN without data.

use crate::crypto::{self, DssChecksum, DssPseudoHeader};
use crate::mptcp::{Dss, DssFlags, MpCapable};

use super::finding::{Check, Continuation, Findings, OptionFinding, Unverifiable};
use super::state::{Connection, Mapped, Side, Span, Subflow};
use super::Segment;

/// Applies a DSS option sent by `side`; returns its checksum's outcome, when it carries one.
#[allow(clippy::too_many_arguments)]
pub(super) fn dss(
    connection: &mut Connection,
    subflow: &mut Subflow,
    side: Side,
    frame: u64,
    segment: &Segment<'_>,
    dss: &Dss,
    continued: Option<u32>,
    finding: &mut OptionFinding,
) -> Option<Check> {
    let direction = subflow.direction(side);
    if dss.data_fin() {
        if let Some(fin) = connection.data_fin.get_mut(direction) {
            *fin = true;
        }
    }
    let mapping = dss.mapping?;
    let dsn = if dss.flags.contains(DssFlags::DSN_8) {
        Some(mapping.dsn)
    } else {
        // The upper 32 bits come from the latest DSN of this direction, or at first from the
        // sender's IDSN (derived from its key).
        let version = connection.version();
        connection
            .last_dsn
            .get(direction)
            .copied()
            .flatten()
            .or_else(|| {
                connection
                    .keys
                    .get(direction)
                    .copied()
                    .flatten()
                    .map(|k| crypto::idsn(version, k))
            })
            .map(|near| crypto::expand_dsn(mapping.dsn as u32, near))
    };
    if let (Some(dsn), Some(last)) = (dsn, connection.last_dsn.get_mut(direction)) {
        *last = Some(dsn);
    }
    // DATA_FIN takes one data-level sequence number but carries no byte.
    let data = u32::from(mapping.data_len).saturating_sub(u32::from(dss.data_fin()));
    if data > 0 {
        let dsn = dsn.unwrap_or(mapping.dsn);
        if let Some(ranges) = connection.data.get_mut(direction) {
            ranges.record(dsn, u64::from(data), subflow.index);
        }
        // The mapping's first byte in the subflow's own sequence space: the SSN is relative to
        // the sender's initial sequence number; without the handshake in the capture, the segment
        // carrying the mapping is taken to start it.
        let seq = segment.tcp.seq_number();
        let start = subflow
            .isn
            .get(side.index())
            .copied()
            .flatten()
            .map_or(seq, |isn| isn.wrapping_add(mapping.ssn));
        subflow.remember_mapping(
            side,
            Mapped {
                dsn,
                start,
                len: data,
            },
        );
    }
    let checksum = mapping.checksum?;
    // A segment repeating the mapping its payload continued (a TSO split) was summed with it.
    if continued == Some(mapping.ssn) {
        return None;
    }
    let (check, computed) = match dsn {
        None => (Check::Unverifiable(Unverifiable::DsnUnknown), None),
        Some(dsn) => {
            let header = DssPseudoHeader {
                dsn,
                ssn: mapping.ssn,
                data_len: mapping.data_len,
            };
            mapping_check(
                subflow,
                side,
                frame,
                segment,
                &header,
                dss.data_fin(),
                checksum,
            )
        }
    };
    connection.checksums.count(check);
    finding.dss_checksum = Some(check);
    finding.dss_computed = computed;
    Some(check)
}

/// The checksum of a mapping announced in this segment: checked when the payload is the whole
/// mapping, or started as a span when the mapping goes on in later segments.
fn mapping_check(
    subflow: &mut Subflow,
    side: Side,
    frame: u64,
    segment: &Segment<'_>,
    header: &DssPseudoHeader,
    data_fin: bool,
    checksum: u16,
) -> (Check, Option<u16>) {
    let payload = segment.tcp.payload();
    let reported = segment.payload_len;
    let mut expected = u32::from(header.data_len);
    // DATA_FIN takes the mapping's last data-level byte without payload.
    if data_fin && expected > 0 && expected == reported.saturating_add(1) {
        expected -= 1;
    }
    if payload.len() as u64 != u64::from(reported) {
        return (Check::Unverifiable(Unverifiable::PayloadNotCaptured), None);
    }
    let isn = subflow.isn.get(side.index()).copied().flatten();
    let seq = segment.tcp.seq_number();
    if let Some(isn) = isn {
        if expected > 0 && seq.wrapping_sub(isn) != header.ssn {
            return (Check::Unverifiable(Unverifiable::NotMappingStart), None);
        }
    }
    if expected > reported && reported > 0 && isn.is_some() {
        let mut sum = DssChecksum::new(header);
        sum.update(payload);
        if let Some(slot) = subflow.spans.get_mut(side.index()) {
            *slot = Some(Span {
                sum,
                frame,
                ssn: header.ssn,
                next_seq: seq.wrapping_add(reported),
                remaining: expected - reported,
                checksum,
            });
        }
        return (Check::SpansSegments, None);
    }
    if expected != reported {
        return (Check::Unverifiable(Unverifiable::LengthMismatch), None);
    }
    verdict(DssChecksum::new(header), payload, checksum)
}

/// Sums `payload` into `sum` and compares with the wire's `checksum`.
fn verdict(mut sum: DssChecksum, payload: &[u8], checksum: u16) -> (Check, Option<u16>) {
    sum.update(payload);
    if sum.verify(checksum) {
        (Check::Valid, Some(checksum))
    } else {
        (Check::Invalid, Some(sum.finish()))
    }
}

/// Feeds this segment's payload to the span open on its side, if any; the segment completing the
/// span gets its verdict. Returns the span's SSN when the payload belonged to it.
pub(super) fn continue_span(
    subflow: &mut Subflow,
    connection: Option<&mut Connection>,
    side: Side,
    segment: &Segment<'_>,
    findings: &mut Findings,
) -> Option<u32> {
    let slot = subflow.spans.get_mut(side.index())?;
    let span = slot.as_mut()?;
    let reported = segment.payload_len;
    if reported == 0 {
        return None;
    }
    let payload = segment.tcp.payload();
    let mut continuation = Continuation {
        mapping_frame: span.frame,
        checksum: Check::SpansSegments,
        computed: None,
    };
    let ssn = span.ssn;
    let result = if segment.tcp.seq_number() != span.next_seq
        || payload.len() as u64 != u64::from(reported)
        || reported > span.remaining
    {
        *slot = None;
        continuation.checksum = Check::Unverifiable(Unverifiable::BrokenSpan);
        None
    } else {
        span.next_seq = span.next_seq.wrapping_add(reported);
        span.remaining -= reported;
        if span.remaining == 0 {
            let (check, computed) = verdict(span.sum, payload, span.checksum);
            continuation.checksum = check;
            continuation.computed = computed;
            *slot = None;
        } else {
            span.sum.update(payload);
        }
        Some(ssn)
    };
    if let Some(connection) = connection {
        connection.checksums.count(continuation.checksum);
    }
    if continuation.checksum == Check::Invalid {
        findings.events |= super::Events::BAD_CHECKSUM;
    }
    findings.continuation = Some(continuation);
    result
}

/// The checksum of the first data carried on MP_CAPABLE (v1 third ACK): DSN = IDSN + 1, SSN 1.
pub(super) fn capable_data(
    connection: &mut Connection,
    subflow: &Subflow,
    side: Side,
    segment: &Segment<'_>,
    capable: &MpCapable,
    checksum: u16,
) -> (Check, Option<u16>) {
    let direction = subflow.direction(side);
    let payload = segment.tcp.payload();
    let result = match (
        connection.keys.get(direction).copied().flatten(),
        capable.data_len,
    ) {
        (None, _) => (Check::Unverifiable(Unverifiable::KeysUnknown), None),
        (Some(_), _) if payload.len() as u64 != u64::from(segment.payload_len) => {
            (Check::Unverifiable(Unverifiable::PayloadNotCaptured), None)
        }
        (Some(key), Some(len)) if len > 0 && usize::from(len) == payload.len() => {
            let header = DssPseudoHeader {
                dsn: crypto::idsn(connection.version(), key).wrapping_add(1),
                ssn: 1,
                data_len: len,
            };
            verdict(DssChecksum::new(&header), payload, checksum)
        }
        (Some(_), _) => (Check::Unverifiable(Unverifiable::LengthMismatch), None),
    };
    connection.checksums.count(result.0);
    result
}
