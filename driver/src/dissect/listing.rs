//! `dissect --connections`: each finished connection with its subflows, as text (the subflow view
//! of mptcptrace and mptcpanalyzer), from the same records the JSON lines carry.

use std::fmt::Write as _;

use super::record::{ConnectionRecord, SubflowRecord};

/// Column titles of the subflow rows.
const HEADER: [&str; 10] = [
    "#",
    "kind",
    "client → server",
    "addr ids",
    "backup",
    "state",
    "bytes c→s",
    "bytes s→c",
    "RTT",
    "ended",
];

/// Appends the connection's block: one line for the connection, then a table of its subflows.
pub fn connection(out: &mut String, c: &ConnectionRecord) {
    let _ = writeln!(
        out,
        "connection {}  {}  {} → {}  {} of {} subflows established  {:.3} s  ended {}",
        c.id,
        c.version,
        c.client,
        c.server,
        c.subflows_established,
        c.subflows_attempted,
        c.duration,
        c.ending
    );
    let _ = writeln!(
        out,
        "  data c→s {} B (reinjected {} B), s→c {} B (reinjected {} B); file {} packet {}",
        c.data_bytes.client_to_server,
        c.reinjected_bytes.client_to_server,
        c.data_bytes.server_to_client,
        c.reinjected_bytes.server_to_client,
        c.file,
        c.first_packet
    );
    let rows: Vec<[String; 10]> = c
        .subflows
        .iter()
        .enumerate()
        .map(|(i, s)| subflow_row(i, s))
        .collect();
    let mut widths = HEADER.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let header = HEADER.map(String::from);
    for row in std::iter::once(&header).chain(&rows) {
        out.push_str("  ");
        for (k, (cell, w)) in row.iter().zip(widths).enumerate() {
            // Numbers right-aligned, text left-aligned; no trailing blanks.
            let pad = w - cell.chars().count();
            let numeric = matches!(k, 0 | 6 | 7 | 8);
            if numeric {
                out.extend(std::iter::repeat_n(' ', pad));
            }
            out.push_str(cell);
            if k + 1 < HEADER.len() {
                if !numeric {
                    out.extend(std::iter::repeat_n(' ', pad));
                }
                out.push_str("  ");
            }
        }
        out.push('\n');
    }
    out.push('\n');
}

fn subflow_row(i: usize, s: &SubflowRecord) -> [String; 10] {
    let id = |v: Option<u8>| v.map_or("-".to_string(), |v| v.to_string());
    let state = match &s.failure {
        Some(why) => format!("{} ({why})", s.state),
        None => s.state.clone(),
    };
    [
        i.to_string(),
        s.kind.clone(),
        format!("{} → {}", s.client, s.server),
        format!(
            "{}/{}",
            id(s.address_ids.client_to_server),
            id(s.address_ids.server_to_client)
        ),
        if s.backup { "yes" } else { "no" }.into(),
        state,
        s.bytes.client_to_server.to_string(),
        s.bytes.server_to_client.to_string(),
        s.handshake_rtt_ms
            .map_or("-".to_string(), |ms| format!("{ms:.3} ms")),
        s.ending.clone(),
    ]
}
