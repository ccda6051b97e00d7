//! A synthetic MPTCP v1 capture for the benchmark (`dissect --generate N FILE`): connections with
//! a join, an ADD_ADDR, data both ways under 64-bit DSS mappings (with a few reinjections), and
//! DATA_FIN endings, 16 connections interleaved at a time. Every option is built by the core's
//! representations and every HMAC by its crypto, so the capture is what a real v1 stack sends
//! (Ethernet, IPv4 in 198.18.0.0/15, correct checksums).

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;

use mptcpscan::crypto::{self, HmacKeys, JoinHandshake};
use mptcpscan::mptcp::{
    AddAddr, AddAddrFlags, BackupFlags, CapableFlags, Dss, DssFlags, Mapping, MpCapable, MpJoin,
    MptcpOption, Version,
};
use mptcpscan::wire::{Ipv4Packet, TcpFlags, TcpPacket};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Connections in flight at once (their packets interleave round-robin).
const CONCURRENT: usize = 16;
/// Payload bytes per data segment.
const PAYLOAD: usize = 100;
/// Data segments per direction and subflow.
const SEGMENTS: u32 = 24;

const ETHERNET_HEADER: [u8; 14] = [0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00];

/// Writes about `packets` packets (whole connections) to `path`; returns how many were written.
pub fn write_capture(path: &Path, packets: u64) -> io::Result<u64> {
    let mut out = BufWriter::with_capacity(1 << 20, File::create(path)?);
    // pcap header: microseconds, version 2.4, snap length 65535, Ethernet.
    out.write_all(&[
        0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0, 0,
    ])?;
    let mut rng = StdRng::seed_from_u64(0x6d70_7463_7073_6361);
    let mut writer = Writer {
        out,
        time_us: 1_700_000_000_000_000,
        written: 0,
    };
    let mut next_id = 0u32;
    let mut live: Vec<std::vec::IntoIter<Segment>> = Vec::new();
    loop {
        while live.len() < CONCURRENT && writer.written + estimate(&live) < packets {
            live.push(connection(next_id, &mut rng).into_iter());
            next_id += 1;
        }
        if live.is_empty() {
            break;
        }
        let mut i = 0;
        while i < live.len() {
            match live[i].next() {
                Some(segment) => {
                    writer.write(&segment)?;
                    i += 1;
                }
                None => {
                    live.swap_remove(i);
                }
            }
        }
    }
    writer.out.flush()?;
    Ok(writer.written)
}

/// Packets still to come from the connections in flight.
fn estimate(live: &[std::vec::IntoIter<Segment>]) -> u64 {
    live.iter().map(|c| c.len() as u64).sum()
}

/// One TCP segment to write.
struct Segment {
    src: Ipv4Addr,
    dst: Ipv4Addr,
    sport: u16,
    dport: u16,
    seq: u32,
    ack: u32,
    flags: TcpFlags,
    options: Vec<u8>,
    payload: usize,
}

struct Writer {
    out: BufWriter<File>,
    time_us: u64,
    written: u64,
}

impl Writer {
    fn write(&mut self, s: &Segment) -> io::Result<()> {
        let options_len = s.options.len().div_ceil(4) * 4;
        let tcp_len = 20 + options_len + s.payload;
        let ip_len = 20 + tcp_len;
        let mut frame = vec![0u8; 14 + ip_len];
        frame[..14].copy_from_slice(&ETHERNET_HEADER);
        {
            let segment = &mut frame[14 + 20..];
            // NOP padding up to the 4-byte boundary, then the payload's bytes.
            segment[20..20 + options_len].fill(1);
            segment[20..20 + s.options.len()].copy_from_slice(&s.options);
            for (i, b) in segment[20 + options_len..].iter_mut().enumerate() {
                *b = (i as u8).wrapping_add(s.seq as u8);
            }
            let mut tcp = TcpPacket::new_unchecked(segment);
            tcp.set_src_port(s.sport);
            tcp.set_dst_port(s.dport);
            tcp.set_seq_number(s.seq);
            tcp.set_ack_number(s.ack);
            tcp.set_header_len(20 + options_len);
            tcp.set_flags(s.flags);
            tcp.set_window_len(65535);
            tcp.set_urgent_at(0);
            tcp.fill_checksum_v4(s.src, s.dst);
        }
        let mut ip = Ipv4Packet::new_unchecked(&mut frame[14..]);
        ip.set_version_and_header_len(20);
        ip.set_dscp_ecn(0, 0);
        ip.set_total_len(ip_len as u16);
        ip.set_ident(self.written as u16);
        ip.set_flags_frag(0x4000);
        ip.set_ttl(64);
        ip.set_protocol(6);
        ip.set_src_addr(s.src);
        ip.set_dst_addr(s.dst);
        ip.fill_checksum();
        // 5000 packets a second: a busy server, and long enough that finished connections
        // leave the tracker (bounded memory) during the run.
        self.time_us += 200;
        let mut header = [0u8; 16];
        header[0..4].copy_from_slice(&((self.time_us / 1_000_000) as u32).to_le_bytes());
        header[4..8].copy_from_slice(&((self.time_us % 1_000_000) as u32).to_le_bytes());
        header[8..12].copy_from_slice(&(frame.len() as u32).to_le_bytes());
        header[12..16].copy_from_slice(&(frame.len() as u32).to_le_bytes());
        self.out.write_all(&header)?;
        self.out.write_all(&frame)?;
        self.written += 1;
        Ok(())
    }
}

fn emit(option: &MptcpOption<'_>) -> Vec<u8> {
    let mut buf = vec![0u8; option.buffer_len()];
    let len = option
        .emit(&mut buf)
        .expect("the generator builds valid options");
    buf.truncate(len);
    buf
}

fn dss(data_ack: u64, mapping: Option<(u64, u32, u16)>, fin: bool) -> Vec<u8> {
    let mut flags = DssFlags::DATA_ACK | DssFlags::DATA_ACK_8;
    if mapping.is_some() {
        flags |= DssFlags::MAPPING | DssFlags::DSN_8;
    }
    if fin {
        flags |= DssFlags::DATA_FIN;
    }
    emit(&MptcpOption::Dss(Dss {
        reserved: 0,
        flags,
        data_ack: Some(data_ack),
        mapping: mapping.map(|(dsn, ssn, data_len)| Mapping {
            dsn,
            ssn,
            data_len,
            checksum: None,
        }),
    }))
}

/// One subflow's endpoints and sequence numbers.
struct Path4 {
    client: (Ipv4Addr, u16),
    server: (Ipv4Addr, u16),
    isn: [u32; 2],
}

impl Path4 {
    fn segment(
        &self,
        from_client: bool,
        seq_off: u32,
        ack_off: u32,
        flags: TcpFlags,
        options: Vec<u8>,
        payload: usize,
    ) -> Segment {
        let (src, dst, i) = if from_client {
            (self.client, self.server, 0)
        } else {
            (self.server, self.client, 1)
        };
        Segment {
            src: src.0,
            dst: dst.0,
            sport: src.1,
            dport: dst.1,
            seq: self.isn[i].wrapping_add(seq_off),
            ack: if flags.contains(TcpFlags::ACK) {
                self.isn[1 - i].wrapping_add(ack_off)
            } else {
                0
            },
            flags,
            options,
            payload,
        }
    }
}

/// Every segment of connection `id`, in order.
fn connection(id: u32, rng: &mut StdRng) -> Vec<Segment> {
    let v = Version::V1;
    let keys: [u64; 2] = [rng.gen(), rng.gen()];
    let idsn = [crypto::idsn(v, keys[0]), crypto::idsn(v, keys[1])];
    let host = |net: u8, n: u32| Ipv4Addr::new(198, 18 + net, (n >> 8) as u8, n as u8);
    let client = host(0, id % 60000 + 1);
    let client2 = host(1, id % 60000 + 1);
    let server = Ipv4Addr::new(198, 19, 255, 1);
    let port = 1024 + (id % 60000) as u16;
    let initial = Path4 {
        client: (client, port),
        server: (server, 443),
        isn: [rng.gen(), rng.gen()],
    };
    let join = Path4 {
        client: (client2, port),
        server: (server, 443),
        isn: [rng.gen(), rng.gen()],
    };
    let ack = TcpFlags::ACK;
    let mut s = Vec::new();
    let capable = |sender: Option<u64>, receiver: Option<u64>| {
        emit(&MptcpOption::Capable(MpCapable {
            version: 1,
            flags: CapableFlags::HMAC_SHA256,
            sender_key: sender,
            receiver_key: receiver,
            data_len: None,
            checksum: None,
        }))
    };
    s.push(initial.segment(true, 0, 0, TcpFlags::SYN, capable(None, None), 0));
    s.push(initial.segment(
        false,
        0,
        1,
        TcpFlags::SYN | ack,
        capable(Some(keys[1]), None),
        0,
    ));
    s.push(initial.segment(true, 1, 1, ack, capable(Some(keys[0]), Some(keys[1])), 0));
    // The server advertises a second address (RFC 8684 HMAC, keyed by the sender's key first).
    let advertised = IpAddr::V4(Ipv4Addr::new(198, 19, 255, 2));
    let hmac = crypto::add_addr_hmac(
        HmacKeys {
            sender: keys[1],
            receiver: keys[0],
        },
        1,
        advertised,
        None,
    );
    s.push(initial.segment(
        false,
        1,
        1,
        ack,
        emit(&MptcpOption::AddAddr(AddAddr {
            version: v,
            flags: AddAddrFlags::empty(),
            addr_id: 1,
            address: advertised,
            port: None,
            hmac: Some(hmac.to_be_bytes()),
        })),
        0,
    ));
    // The join: token of the server, nonces, both HMACs.
    let nonces: [u32; 2] = [rng.gen(), rng.gen()];
    let handshake = JoinHandshake {
        initiator_key: keys[0],
        listener_key: keys[1],
        initiator_nonce: nonces[0],
        listener_nonce: nonces[1],
    };
    s.push(join.segment(
        true,
        0,
        0,
        TcpFlags::SYN,
        emit(&MptcpOption::Join(MpJoin::Syn {
            flags: BackupFlags::empty(),
            addr_id: 2,
            token: crypto::token(v, keys[1]),
            nonce: nonces[0],
        })),
        0,
    ));
    s.push(join.segment(
        false,
        0,
        1,
        TcpFlags::SYN | ack,
        emit(&MptcpOption::Join(MpJoin::SynAck {
            flags: BackupFlags::empty(),
            addr_id: 0,
            hmac: handshake.syn_ack_hmac(v).to_be_bytes(),
            nonce: nonces[1],
        })),
        0,
    ));
    s.push(join.segment(
        true,
        1,
        1,
        ack,
        emit(&MptcpOption::Join(MpJoin::Ack {
            reserved: 0,
            hmac: handshake.ack_hmac(v),
        })),
        0,
    ));
    // Data both ways, alternating subflows; every eighth segment is sent again on the other
    // subflow (a reinjection).
    let mut sent = [[1u32; 2]; 2]; // [subflow][side]: next relative sequence number
    let mut dsn = [idsn[0].wrapping_add(1), idsn[1].wrapping_add(1)];
    for k in 0..SEGMENTS * 2 {
        for from_client in [true, false] {
            let side = usize::from(!from_client);
            let f = (k % 2) as usize;
            let path = if f == 0 { &initial } else { &join };
            let mapping = Some((dsn[side], sent[f][side], PAYLOAD as u16));
            let data_ack = dsn[1 - side];
            s.push(path.segment(
                from_client,
                sent[f][side],
                sent[f][1 - side],
                ack | TcpFlags::PSH,
                dss(data_ack, mapping, false),
                PAYLOAD,
            ));
            sent[f][side] += PAYLOAD as u32;
            if k % 8 == 7 {
                let other = 1 - f;
                let path = if other == 0 { &initial } else { &join };
                let mapping = Some((dsn[side], sent[other][side], PAYLOAD as u16));
                s.push(path.segment(
                    from_client,
                    sent[other][side],
                    sent[other][1 - side],
                    ack | TcpFlags::PSH,
                    dss(data_ack, mapping, false),
                    PAYLOAD,
                ));
                sent[other][side] += PAYLOAD as u32;
            }
            dsn[side] = dsn[side].wrapping_add(PAYLOAD as u64);
            s.push(path.segment(
                !from_client,
                sent[f][1 - side],
                sent[f][side],
                ack,
                dss(dsn[side], None, false),
                0,
            ));
        }
    }
    // DATA_FIN both ways on the initial subflow, then FINs on both subflows.
    for from_client in [true, false] {
        let side = usize::from(!from_client);
        s.push(initial.segment(
            from_client,
            sent[0][side],
            sent[0][1 - side],
            ack,
            dss(dsn[1 - side], Some((dsn[side], 0, 1)), true),
            0,
        ));
    }
    for (f, path) in [&initial, &join].into_iter().enumerate() {
        for from_client in [true, false] {
            let side = usize::from(!from_client);
            s.push(path.segment(
                from_client,
                sent[f][side],
                sent[f][1 - side] + u32::from(!from_client),
                ack | TcpFlags::FIN,
                dss(dsn[1 - side] + 1, None, false),
                0,
            ));
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_capture_is_read_back_with_every_metric() {
        let path = std::env::temp_dir().join(format!("mptcpscan-gen-{}.pcap", std::process::id()));
        let written = write_capture(&path, 2000).unwrap();
        assert!(written >= 2000);
        let args = super::super::Args {
            files: vec![path.clone()],
            interface: None,
            filter: None,
            json: None,
            csv: None,
            options: None,
            checks: None,
            connections: false,
            series: false,
            quiet: true,
            idle_timeout: 3600,
            syn_timeout: 10,
            progress: super::super::Progress::Never,
            generate: None,
        };
        let summary = super::super::dissect(&args).unwrap();
        std::fs::remove_file(&path).ok();
        let t = &summary.trace;
        assert_eq!(t.packets, written);
        assert_eq!(t.anomalies, 0, "{:?}", t.anomaly_messages);
        let a = &summary.connections;
        let connections: u64 = a.connections.values().sum();
        assert_eq!(a.connections.get("v1"), Some(&connections));
        assert_eq!(a.established_subflows.get(&2), Some(&connections));
        assert!(a.failures.is_empty(), "{:?}", a.failures);
        assert_eq!(a.endings.get("data_fin"), Some(&connections));
        assert_eq!(a.add_addr_hmac.get("valid"), Some(&connections));
        // 6 of every 96 data segments per direction are sent twice.
        assert_eq!(a.data_bytes[1], connections * 2 * 6 * PAYLOAD as u64);
        assert_eq!(a.join_delays.len() as u64, connections);
    }
}
