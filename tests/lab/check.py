#!/usr/bin/env python3
"""Checks a running lab against its ground truth, from inside the scanner namespace.

Usage: ip netns exec NAME-scan python3 check.py GROUND_TRUTH.json

Independent of the Rust code on purpose: SYNs are built and replies parsed here, with raw
sockets (the kernel's RSTs to the unsolicited SYN-ACKs are dropped by the lab's nft rule), and
MPTCP connections use the kernel (socket(AF_INET, SOCK_STREAM, 262)). For the first address of
every prefix (IPv4 and IPv6) it checks:
  * a v0 and a v1 MP_CAPABLE SYN get the reply, MP_CAPABLE and reply hop the ground truth says;
  * a trace (TTL 1..host_hop) gets ICMP time-exceeded from each router's address, quoting the
    whole probe, with MP_CAPABLE unchanged before `modified_at_hop` and changed from it on;
  * kernel MPTCP connects are MPTCP for class 1 and fall back to TCP where MP_CAPABLE is stripped.
Prints one line per check and exits non-zero if any failed.
"""

import ipaddress
import json
import os
import random
import select
import socket
import struct
import sys
import time

IPPROTO_MPTCP = 262
TCP_IS_MPTCP = 43
IPV6_CHECKSUM = 7
IPV6_UNICAST_HOPS = 16
V0_KEY = bytes([0x0C] * 8)
TSVAL = 0x0F0F0F01
# The 2020/2021 scans' v0 option block (REFERENCE §1).
V0_OPTIONS = (
    bytes([2, 4, 0, 1, 4, 2, 8, 10])
    + struct.pack("!II", TSVAL, 0)
    + bytes([1, 3, 3, 0, 30, 12, 0x00, 0x81])
    + V0_KEY
)
# A Linux-like v1 SYN: MSS, SACK-permitted + timestamps, window scale, MP_CAPABLE v1 flags 0x01.
V1_OPTIONS = (
    bytes([2, 4, 5, 0xB4, 4, 2, 8, 10])
    + struct.pack("!II", TSVAL, 0)
    + bytes([1, 3, 3, 7, 30, 4, 0x01, 0x01])
)
PROBES = {"v0": V0_OPTIONS, "v1": V1_OPTIONS}

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def walk_options(area):
    """Yields (offset, kind, bytes) of each option; stops at EOL or a malformed length."""
    i = 0
    while i < len(area):
        kind = area[i]
        if kind == 0:
            return
        if kind == 1:
            yield i, 1, area[i : i + 1]
            i += 1
            continue
        if i + 1 >= len(area) or area[i + 1] < 2 or i + area[i + 1] > len(area):
            return
        yield i, kind, area[i : i + area[i + 1]]
        i += area[i + 1]


def mp_capable(area):
    for _, kind, opt in walk_options(area):
        if kind == 30 and len(opt) >= 3 and opt[2] >> 4 == 0:
            return opt
    return None


class Prober:
    def __init__(self, truth):
        self.truth = truth
        # Consecutive source ports: a SYN that reused the 4-tuple of an earlier probe's half-open
        # connection would get that connection's SYN-ACK back instead of its own.
        self.next_sport = random.randint(20000, 40000)

    def sport(self):
        self.next_sport += 1
        return self.next_sport

    def syn(self, src, dst, sport, dport, seq, options):
        header = struct.pack(
            "!HHIIBBHHH", sport, dport, seq, 0, (5 + len(options) // 4) << 4, 0x02, 65535, 0, 0
        )
        segment = header + options
        if dst.version == 4:
            pseudo = src.packed + dst.packed + struct.pack("!BBH", 0, 6, len(segment))
            c = csum(pseudo + segment)
            segment = segment[:16] + struct.pack("!H", c) + segment[18:]
        return segment

    def probe(self, dst, port, version, ttl, timeout=1.0):
        """Sends one SYN; returns a dict describing the first matching reply (or none)."""
        dst = ipaddress.ip_address(dst)
        scanner = self.truth["scanner"]["ipv4" if dst.version == 4 else "ipv6"]
        src = ipaddress.ip_address(scanner["address"])
        sport = self.sport()
        seq = random.getrandbits(32)
        options = PROBES[version]
        segment = self.syn(src, dst, sport, port, seq, options)
        if dst.version == 4:
            tx = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
            tx.setsockopt(socket.IPPROTO_IP, socket.IP_TTL, ttl)
            icmp = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        else:
            tx = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_TCP)
            tx.setsockopt(socket.IPPROTO_IPV6, IPV6_CHECKSUM, 16)
            tx.setsockopt(socket.IPPROTO_IPV6, IPV6_UNICAST_HOPS, ttl)
            icmp = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        tx.bind((str(src), 0))
        try:
            tx.sendto(segment, (str(dst), 0))
            deadline = time.time() + timeout
            while time.time() < deadline:
                ready, _, _ = select.select([tx, icmp], [], [], max(0, deadline - time.time()))
                for s in ready:
                    data, addr = s.recvfrom(65535)
                    got = self.match(s is icmp, dst, data, addr, sport, port, seq, segment)
                    if got:
                        return got
            return {"reply": "none"}
        finally:
            tx.close()
            icmp.close()

    def match(self, is_icmp, dst, data, addr, sport, dport, seq, sent):
        if dst.version == 4:
            ihl = (data[0] & 0xF) * 4
            src = ipaddress.ip_address(data[12:16])
            data = data[ihl:]
        else:
            src = ipaddress.ip_address(addr[0])
        if not is_icmp:
            if src != dst or len(data) < 20:
                return None
            p_sport, p_dport, _, ack, off, flags = struct.unpack("!HHIIBB", data[:14])
            if (p_sport, p_dport, ack) != (dport, sport, (seq + 1) & 0xFFFFFFFF):
                return None
            area = data[20 : (off >> 4) * 4]
            kind = "rst" if flags & 0x04 else "syn-ack" if flags & 0x12 == 0x12 else "other"
            return {"reply": kind, "from": str(src), "options": area}
        icmp_type = data[0]
        quote = data[8:]
        if dst.version == 4:
            if icmp_type != 11 or len(quote) < 20:
                return None
            qdst = ipaddress.ip_address(quote[16:20])
            qtcp = quote[(quote[0] & 0xF) * 4 :]
        else:
            if icmp_type != 3 or len(quote) < 40:
                return None
            qdst = ipaddress.ip_address(quote[24:40])
            qtcp = quote[40:]
        if qdst != dst or len(qtcp) < 8 or struct.unpack("!HH", qtcp[:4]) != (sport, dport):
            return None
        return {"reply": "time-exceeded", "from": str(src), "quote": qtcp, "sent": sent}


def classify_mp_capable(version, area):
    opt = mp_capable(area)
    if opt is None:
        return "absent"
    sent = mp_capable(PROBES[version])
    if opt == sent:
        return "echoed"
    if len(opt) == 12 and opt[4:12] != V0_KEY:
        return "own-key"
    return "other:" + opt.hex()


def check_reply(prober, entry, host, port, version, name):
    expect = entry["expect"][version]
    got = prober.probe(host, port, version, 64, timeout=0.5 if expect["reply"] == "none" else 2)
    check(got["reply"] == expect["reply"], "%s %s reply %s (got %s)" % (name, version, expect["reply"], got["reply"]))
    if got["reply"] == "syn-ack":
        mpc = classify_mp_capable(version, got["options"])
        check(
            mpc == expect["mp_capable"],
            "%s %s MP_CAPABLE %s (got %s, options %s)" % (name, version, expect["mp_capable"], mpc, got["options"].hex()),
        )


def check_prefix(prober, truth, entry):
    net = ipaddress.ip_network(entry["prefix"])
    host = net.network_address + 1
    port = truth["ports"][0]
    name = "%s %s (%s)" % (entry["class"], host, entry["prefix"])
    # Every address of the prefix is a host, the last one too, on every served port.
    edge = net.broadcast_address
    for version in ("v0", "v1"):
        check_reply(prober, entry, edge, truth["ports"][-1], version, "%s %s" % (entry["class"], edge))
    for version in ("v0", "v1"):
        expect = entry["expect"][version]
        check_reply(prober, entry, host, port, version, name)
        # Trace: every hop below the reply hop quotes the whole probe.
        last = expect["reply_hop"] or truth["host_hop"]
        for ttl in range(1, last + 1):
            got = prober.probe(host, port, version, ttl, timeout=0.5 if ttl == last and expect["reply"] == "none" else 2)
            if ttl < last:
                router = truth["routers"][ttl - 1]["ipv4" if net.version == 4 else "ipv6"]
                ok = got["reply"] == "time-exceeded" and got["from"] == router
                check(ok, "%s %s ttl %d time-exceeded from %s (got %s %s)" % (name, version, ttl, router, got["reply"], got.get("from")))
                if not ok:
                    continue
                sent = got["sent"]
                quote = got["quote"]
                modified = expect["modified_at_hop"] is not None and ttl >= expect["modified_at_hop"]
                if not modified:
                    # Linux routers quote the whole packet, options included. For IPv6 the
                    # kernel filled in the checksum we left zero: compare around it.
                    same = quote[:16] + quote[18:] == sent[:16] + sent[18:]
                    check(same, "%s %s ttl %d full unchanged quote (%d of %d bytes)" % (name, version, ttl, len(quote), len(sent)))
                else:
                    off = (quote[12] >> 4) * 4
                    qmpc = mp_capable(quote[20:off]) if len(quote) >= off else None
                    smpc = mp_capable(sent[20:])
                    if expect["modification"] == "mp-capable-removed":
                        ok = qmpc is None and len(quote) >= off
                    else:
                        ok = qmpc is not None and qmpc != smpc and qmpc[:4] == smpc[:4]
                    check(ok, "%s %s ttl %d quote shows %s (quoted MP_CAPABLE %s)" % (name, version, ttl, expect["modification"], qmpc.hex() if qmpc else None))
            else:
                check(got["reply"] == expect["reply"], "%s %s ttl %d reply %s at hop %d (got %s)" % (name, version, ttl, expect["reply"], ttl, got["reply"]))


def mac_bytes(text):
    return bytes(int(x, 16) for x in text.split(":"))


def check_raw_address(prober, truth, entry):
    """What a ZMap-like scanner does: Ethernet frames to the gateway's MAC from `raw_address`,
    replies captured with AF_PACKET; the kernel, which does not own that address, must send
    nothing (no RST, no ICMP) in return."""
    scanner = truth["scanner"]
    net = ipaddress.ip_network(entry["prefix"])
    dst = net.network_address + 1
    addrs = scanner["ipv4" if net.version == 4 else "ipv6"]
    src = ipaddress.ip_address(addrs["raw_address"])
    sport, port, seq = prober.sport(), truth["ports"][0], random.getrandbits(32)
    segment = prober.syn(src, dst, sport, port, seq, V1_OPTIONS)
    if net.version == 4:
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(segment), 1, 0, 64, 6, 0, src.packed, dst.packed)
        header = header[:10] + struct.pack("!H", csum(header)) + header[12:]
        ethertype = 0x0800
    else:
        pseudo = src.packed + dst.packed + struct.pack("!IxxxB", len(segment), 6)
        segment = segment[:16] + struct.pack("!H", csum(pseudo + segment)) + segment[18:]
        header = struct.pack("!IHBB16s16s", 0x60000000, len(segment), 6, 64, src.packed, dst.packed)
        ethertype = 0x86DD
    frame = mac_bytes(scanner["gateway_mac"]) + mac_bytes(scanner["mac"]) + struct.pack("!H", ethertype) + header + segment
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
    s.bind((scanner["interface"], 0))
    s.settimeout(0.2)
    synack, stray = None, []
    deadline = time.time() + 2
    s.send(frame)
    while time.time() < deadline:
        try:
            data, addr = s.recvfrom(65535)
        except socket.timeout:
            continue
        ip = data[14:]
        if addr[2] == socket.PACKET_OUTGOING:
            # Anything else leaving for the target (other tests' connections go elsewhere).
            target = ip[16:20] if net.version == 4 else ip[24:40]
            if data != frame and target == dst.packed:
                stray.append(ip.hex())
            continue
        if net.version == 4:
            if ip[0] >> 4 != 4 or ip[9] != 6 or ip[16:20] != src.packed:
                continue
            tcp = ip[(ip[0] & 0xF) * 4 :]
        else:
            if ip[0] >> 4 != 6 or ip[6] != 6 or ip[24:40] != src.packed:
                continue
            tcp = ip[40:]
        p_sport, p_dport, _, ack, off, flags = struct.unpack("!HHIIBB", tcp[:14])
        if (p_sport, p_dport, ack) == (port, sport, (seq + 1) & 0xFFFFFFFF) and flags & 0x12 == 0x12:
            synack = tcp[20 : (off >> 4) * 4]
            deadline = min(deadline, time.time() + 0.3)
    s.close()
    mpc = classify_mp_capable("v1", synack) if synack is not None else None
    check(mpc == entry["expect"]["v1"]["mp_capable"], "raw address %s -> %s: SYN-ACK captured on %s (MP_CAPABLE %s)" % (src, dst, scanner["interface"], mpc))
    check(not stray, "raw address %s: the kernel sent nothing back (%s)" % (src, stray))


def check_stall(truth, entry):
    """A flipped server key breaks MPTCP: the client derives the server's data sequence numbers
    from the key it saw, so the greeting never reaches the application; plain TCP works."""
    net = ipaddress.ip_network(entry["prefix"])
    host = str(net.network_address + 1)
    family = socket.AF_INET if net.version == 4 else socket.AF_INET6
    for proto, works in ((socket.IPPROTO_TCP, True), (IPPROTO_MPTCP, False)):
        s = socket.socket(family, socket.SOCK_STREAM, proto)
        s.settimeout(1.5)
        try:
            s.connect((host, truth["ports"][0]))
            got = s.recv(100)
        except OSError:
            got = None
        finally:
            s.close()
        what = "TCP" if proto == socket.IPPROTO_TCP else "MPTCP"
        check((got == b"mptcpscan-lab\n") == works, "%s %s %s greeting %s" % (entry["class"], host, what, "arrives" if works else "stalls"))


def check_connect(truth, entry, expect_mptcp):
    net = ipaddress.ip_network(entry["prefix"])
    host = str(net.network_address + 1)
    family = socket.AF_INET if net.version == 4 else socket.AF_INET6
    s = socket.socket(family, socket.SOCK_STREAM, IPPROTO_MPTCP)
    s.settimeout(3)
    try:
        s.connect((host, truth["ports"][0]))
        greeting = s.recv(100)
        is_mptcp = s.getsockopt(socket.IPPROTO_TCP, TCP_IS_MPTCP)
        check(
            greeting == b"mptcpscan-lab\n" and bool(is_mptcp) == expect_mptcp,
            "%s %s MPTCP connect: mptcp=%s (expected %s)" % (entry["class"], host, bool(is_mptcp), expect_mptcp),
        )
    except OSError as e:
        check(False, "%s %s MPTCP connect: %s" % (entry["class"], host, e))
    finally:
        s.close()


def main():
    truth = json.load(open(sys.argv[1]))
    assert truth["format"] == "mptcpscan-lab/1", truth["format"]
    prober = Prober(truth)
    for entry in truth["prefixes"]:
        check_prefix(prober, truth, entry)
    connects = {"mptcp-v1": True, "tcp": False, "strip-nop": False, "strip-shrink": False}
    for entry in truth["prefixes"]:
        if entry["class"] in connects:
            check_connect(truth, entry, connects[entry["class"]])
        if entry["class"] == "key-flip-synack":
            check_stall(truth, entry)
        if entry["class"] == "mptcp-v1":
            check_raw_address(prober, truth, entry)
    print("%d checks failed" % len(failures) if failures else "all checks passed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
