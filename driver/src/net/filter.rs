//! The kernel filter of the receive ring: a classic BPF program, built here, that passes only
//! TCP segments to one of our source addresses on a port of our source-port window, and ICMP /
//! ICMPv6 messages to one of our addresses. Everything else a busy host receives is dropped in
//! the kernel before it is copied into the ring.
//!
//! The program runs on packets of a `SOCK_DGRAM` packet socket, so offsets count from the IP
//! header and the link-layer protocol comes from the kernel's ancillary `SKF_AD_PROTOCOL` load.
//! IPv4 fragments other than the first are dropped (they carry no TCP header); IPv6 extension
//! headers are not walked (replies to a SYN carry none).

use std::net::{Ipv4Addr, Ipv6Addr};

/// What the receive ring lets through.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplyFilter {
    /// Our IPv4 source addresses (none: no IPv4 passes).
    pub v4: Vec<Ipv4Addr>,
    /// Our IPv6 source addresses (none: no IPv6 passes).
    pub v6: Vec<Ipv6Addr>,
    /// Our source-port window, inclusive: the only TCP destination ports that pass.
    pub ports: (u16, u16),
}

const ETH_P_IP: u32 = 0x0800;
const ETH_P_IPV6: u32 = 0x86dd;
const PROTO_ICMP: u32 = 1;
const PROTO_TCP: u32 = 6;
const PROTO_ICMPV6: u32 = 58;
/// How much of a passing packet the kernel keeps: all of it.
const SNAP_ALL: u32 = 0x0004_0000;

const LD_W_ABS: u32 = libc::BPF_LD | libc::BPF_W | libc::BPF_ABS;
const LD_H_ABS: u32 = libc::BPF_LD | libc::BPF_H | libc::BPF_ABS;
const LD_B_ABS: u32 = libc::BPF_LD | libc::BPF_B | libc::BPF_ABS;
const LD_H_IND: u32 = libc::BPF_LD | libc::BPF_H | libc::BPF_IND;
const LDX_MSH: u32 = libc::BPF_LDX | libc::BPF_B | libc::BPF_MSH;
const JEQ: u32 = libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K;
const JGE: u32 = libc::BPF_JMP | libc::BPF_JGE | libc::BPF_K;
const JGT: u32 = libc::BPF_JMP | libc::BPF_JGT | libc::BPF_K;
const JSET: u32 = libc::BPF_JMP | libc::BPF_JSET | libc::BPF_K;
const RET: u32 = libc::BPF_RET | libc::BPF_K;

impl ReplyFilter {
    /// The classic BPF program, ready for `SO_ATTACH_FILTER`.
    pub fn program(&self) -> anyhow::Result<Vec<libc::sock_filter>> {
        let mut a = Asm::default();
        let (v6, accept, drop) = (a.label(), a.label(), a.label());
        let (low, high) = (
            u32::from(self.ports.0.min(self.ports.1)),
            u32::from(self.ports.0.max(self.ports.1)),
        );

        // SKF_AD_OFF + SKF_AD_PROTOCOL: the kernel's protocol field, in host order.
        a.op(LD_H_ABS, (libc::SKF_AD_OFF + libc::SKF_AD_PROTOCOL) as u32);
        a.jump(JEQ, ETH_P_IPV6, v6, NEXT);
        a.jump(JEQ, ETH_P_IP, NEXT, drop);

        // IPv4: our address, a first fragment, then ICMP, or TCP to our ports.
        let ours = a.label();
        a.op(LD_W_ABS, 16);
        for addr in &self.v4 {
            a.jump(JEQ, addr.to_bits(), ours, NEXT);
        }
        a.op(RET, 0);
        a.place(ours);
        a.op(LD_H_ABS, 6);
        a.jump(JSET, 0x1fff, drop, NEXT);
        a.op(LD_B_ABS, 9);
        a.jump(JEQ, PROTO_ICMP, accept, NEXT);
        a.jump(JEQ, PROTO_TCP, NEXT, drop);
        // X = the IPv4 header length; the TCP destination port is 2 bytes into the segment.
        a.op(LDX_MSH, 0);
        a.op(LD_H_IND, 2);
        a.jump(JGE, low, NEXT, drop);
        a.jump(JGT, high, drop, accept);

        // IPv6: our address (four words each), then ICMPv6, or TCP to our ports.
        a.place(v6);
        let ours = a.label();
        for addr in &self.v6 {
            let other = a.label();
            let bits = addr.to_bits();
            for (i, offset) in [24u32, 28, 32, 36].into_iter().enumerate() {
                a.op(LD_W_ABS, offset);
                let word = (bits >> (96 - 32 * i)) as u32;
                a.jump(JEQ, word, if i == 3 { ours } else { NEXT }, other);
            }
            a.place(other);
        }
        a.op(RET, 0);
        a.place(ours);
        a.op(LD_B_ABS, 6);
        a.jump(JEQ, PROTO_ICMPV6, accept, NEXT);
        a.jump(JEQ, PROTO_TCP, NEXT, drop);
        a.op(LD_H_ABS, 40 + 2);
        a.jump(JGE, low, NEXT, drop);
        a.jump(JGT, high, drop, accept);

        a.place(drop);
        a.op(RET, 0);
        a.place(accept);
        a.op(RET, SNAP_ALL);
        a.finish()
    }
}

/// A jump target: a label, or [`NEXT`] for the following instruction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Label(usize);

/// The following instruction (a jump offset of zero).
const NEXT: Label = Label(usize::MAX);

/// A two-pass assembler for forward jumps, the only kind classic BPF has.
#[derive(Default)]
struct Asm {
    insns: Vec<(u32, u32, Label, Label)>,
    labels: Vec<Option<usize>>,
}

impl Asm {
    fn label(&mut self) -> Label {
        self.labels.push(None);
        Label(self.labels.len() - 1)
    }

    fn place(&mut self, label: Label) {
        self.labels[label.0] = Some(self.insns.len());
    }

    fn op(&mut self, code: u32, k: u32) {
        self.insns.push((code, k, NEXT, NEXT));
    }

    fn jump(&mut self, code: u32, k: u32, yes: Label, no: Label) {
        self.insns.push((code, k, yes, no));
    }

    fn finish(self) -> anyhow::Result<Vec<libc::sock_filter>> {
        let offset = |at: usize, to: Label| -> anyhow::Result<u8> {
            if to == NEXT {
                return Ok(0);
            }
            let target = self.labels[to.0]
                .ok_or_else(|| anyhow::anyhow!("reply filter: a jump to an unplaced label"))?;
            target
                .checked_sub(at + 1)
                .and_then(|d| u8::try_from(d).ok())
                .ok_or_else(|| {
                    anyhow::anyhow!("reply filter: too many source addresses for one program")
                })
        };
        self.insns
            .iter()
            .enumerate()
            .map(|(at, &(code, k, yes, no))| {
                Ok(libc::sock_filter {
                    code: code as u16,
                    jt: offset(at, yes)?,
                    jf: offset(at, no)?,
                    k,
                })
            })
            .collect()
    }
}
