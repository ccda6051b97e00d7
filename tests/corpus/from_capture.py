#!/usr/bin/env python3
"""Writes corpus entries from a capture: every MP_CAPABLE SYN and the SYN-ACK or RST answering it.

usage: from_capture.py CAPTURE.pcap OUTDIR [LIMIT]

Each handshake becomes OUTDIR/<capture>-<n>.txt in the tracebox fixture format
(tracebox-ext/tests/fixtures/README.md): `options` is the SYN's option block,
`sent 1` the SYN and `reply 1 SEQ` the answer (whole IP packets, as captured),
with no quotes. Classic pcap with Ethernet, Linux cooked (v1, v2) or raw IP
link types; at most LIMIT handshakes per capture (default 4).
"""

import os
import struct
import sys

LINK_OFFSETS = {1: 14, 113: 16, 276: 20, 101: 0, 12: 0, 228: 0, 229: 0}


def packets(path):
    with open(path, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        raise SystemExit(f"{path}: not a classic pcap file")
    link = struct.unpack(endian + "I", data[20:24])[0] & 0xFFFF
    if link not in LINK_OFFSETS:
        raise SystemExit(f"{path}: link type {link} not handled")
    at, number = 24, 0
    while at + 16 <= len(data):
        incl = struct.unpack(endian + "I", data[at + 8:at + 12])[0]
        frame = data[at + 16:at + 16 + incl]
        at += 16 + incl
        number += 1
        if link == 1 and frame[12:14] == b"\x81\x00":
            frame = frame[:12] + frame[16:]
        yield number, frame[LINK_OFFSETS[link]:]


def tcp_of(ip):
    """(src, dst, sport, dport, seq, ack, flags, options, version) or None."""
    if not ip:
        return None
    if ip[0] >> 4 == 4 and len(ip) >= 20 and ip[9] == 6:
        ihl = (ip[0] & 15) * 4
        total = struct.unpack("!H", ip[2:4])[0]
        seg, src, dst = ip[ihl:total], ip[12:16], ip[16:20]
    elif ip[0] >> 4 == 6 and len(ip) >= 40 and ip[6] == 6:
        plen = struct.unpack("!H", ip[4:6])[0]
        seg, src, dst = ip[40:40 + plen], ip[8:24], ip[24:40]
    else:
        return None
    if len(seg) < 20:
        return None
    sport, dport, seq, ack = struct.unpack("!HHII", seg[:12])
    hlen = (seg[12] >> 4) * 4
    return src, dst, sport, dport, seq, ack, seg[13], seg[20:hlen]


def mp_capable_version(options):
    i = 0
    while i < len(options):
        kind = options[i]
        if kind == 0:
            return None
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(options) or options[i + 1] < 2:
            return None
        length = options[i + 1]
        if kind == 30 and length >= 4 and options[i + 2] >> 4 == 0:
            return options[i + 2] & 15
        i += length
    return None


def main():
    path, out = sys.argv[1], sys.argv[2]
    limit = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    name = os.path.splitext(os.path.basename(path))[0]
    syns, written = {}, 0
    for number, ip in packets(path):
        t = tcp_of(ip)
        if t is None:
            continue
        src, dst, sport, dport, seq, ack, flags, options = t
        if flags & 0x12 == 0x02:
            version = mp_capable_version(options)
            if version is not None:
                syns[(src, dst, sport, dport)] = (number, seq, options, version, ip)
            continue
        key = (dst, src, dport, sport)
        if key not in syns or not (flags & 0x12 == 0x12 or flags & 0x04):
            continue
        syn_number, syn_seq, syn_options, version, syn_ip = syns.pop(key)
        if ack != (syn_seq + 1) & 0xFFFFFFFF:
            continue
        written += 1
        target = ".".join(map(str, src)) if len(src) == 4 else \
            ":".join(src[i:i + 2].hex() for i in range(0, 16, 2))
        with open(os.path.join(out, f"{name}-{written}.txt"), "w") as f:
            f.write(f"# {path.split('captures/')[-1]}, frames {syn_number} (SYN) and {number} (answer)\n")
            f.write("class capture\n")
            f.write(f"target {target} {sport}\n")
            f.write(f"version {version}\n")
            f.write(f"options {syn_options.hex()}\n")
            f.write(f"sent 1 {syn_ip.hex()}\n")
            f.write(f"reply 1 {syn_seq} {ip.hex()}\n")
        if written >= limit:
            break
    print(f"{path}: {written} handshakes")


if __name__ == "__main__":
    main()
