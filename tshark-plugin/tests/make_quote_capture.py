#!/usr/bin/env python3
"""Writes a tracebox-like capture: one MPTCP v1 SYN probe sent with TTL 1, 2
and 3, each answered by an ICMP time-exceeded from the router at that hop.

usage: make_quote_capture.py OUT.pcap

Hop 1 quotes the probe whole and unchanged (a Linux router); hop 2 quotes it
whole with MP_CAPABLE overwritten by NOPs (an option-stripping middlebox
before it); hop 3 quotes only the IP header and 8 bytes of TCP (RFC 792).
Raw IPv4 frames (LINKTYPE_RAW), 198.18.0.0/15 addresses only.
"""

import struct
import sys

SRC = bytes([198, 18, 0, 1])
DST = bytes([198, 19, 0, 1])
ROUTERS = [bytes([198, 18, 0, 254]), bytes([198, 18, 1, 254]), bytes([198, 18, 2, 254])]
MP_CAPABLE_V1 = bytes([0x1E, 0x04, 0x01, 0x01])
# MSS 1460, SACK permitted, timestamps, NOP, window scale 7, then MP_CAPABLE.
COMPANIONS = bytes([0x02, 0x04, 0x05, 0xB4, 0x04, 0x02,
                    0x08, 0x0A, 0x0F, 0x0F, 0x0F, 0x01, 0x00, 0x00, 0x00, 0x00,
                    0x01, 0x03, 0x03, 0x07])


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(src, dst, ttl, proto, payload, ident):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0x4000,
                         ttl, proto, 0, src, dst)
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + payload


def tcp_syn(options):
    offset = (20 + len(options)) // 4
    segment = struct.pack("!HHIIBBHHH", 40000, 80, 0x01020304, 0, offset << 4, 0x02,
                          64240, 0, 0) + options
    pseudo = SRC + DST + struct.pack("!BBH", 0, 6, len(segment))
    return segment[:16] + struct.pack("!H", checksum(pseudo + segment)) + segment[18:]


def time_exceeded(router, quote):
    icmp = struct.pack("!BBHI", 11, 0, 0, 0) + quote
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    return ipv4(router, SRC, 64, 1, icmp, 0)


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    frames = []
    for hop in (1, 2, 3):
        probe = ipv4(SRC, DST, hop, 6, tcp_syn(COMPANIONS + MP_CAPABLE_V1), 1000 + hop)
        frames.append(probe)
        # What arrives at the router that answers: TTL down to 1 (checksum
        # updated by the routers before it).
        arrived = ipv4(SRC, DST, 1, 6, tcp_syn(COMPANIONS + MP_CAPABLE_V1), 1000 + hop)
        if hop == 2:
            stripped = bytearray(tcp_syn(COMPANIONS + bytes([0x01] * 4)))
            stripped[16:18] = struct.pack("!H", 0)
            pseudo = SRC + DST + struct.pack("!BBH", 0, 6, len(stripped))
            stripped[16:18] = struct.pack("!H", checksum(pseudo + bytes(stripped)))
            arrived = ipv4(SRC, DST, 1, 6, bytes(stripped), 1000 + hop)
        if hop == 3:
            arrived = arrived[:28]
        frames.append(time_exceeded(ROUTERS[hop - 1], arrived))
    with open(sys.argv[1], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for i, frame in enumerate(frames):
            out.write(struct.pack("<IIII", 1700000000 + i, 0, len(frame), len(frame)))
            out.write(frame)


if __name__ == "__main__":
    main()
