#!/usr/bin/env python3
"""Writes one corpus entry (tests/corpus) as a capture for tshark.

usage: corpus_pcap.py ENTRY.txt OUT.pcap

Prints the frame number of each TTL's SYN ("FRAME TTL", one a line).

The entry's packets go out in the order they met on the wire: for each TTL
the SYN sent (`sent`), the router's ICMP time-exceeded (`quote`) and the
target's answer (`reply`). The SYNs and answers are the recorded IP packets,
byte for byte. A `quote` line holds only what the router quoted, so its ICMP
error is rebuilt around it: an IPv4 header from the router to the probe's
source and an ICMP time-exceeded header (type 11, code 0), both with correct
checksums; the quoted bytes are the recorded ones. Only wire-set entries
(`HEX` packets from the IP header on) are read. Raw IP frames
(LINKTYPE_RAW), one microsecond apart.
"""

import ipaddress
import struct
import sys


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def time_exceeded(router, probe, quote):
    if probe[0] >> 4 != 4 or router.version != 4:
        raise SystemExit("corpus_pcap: only IPv4 quotes are rebuilt")
    icmp = struct.pack("!BBHI", 11, 0, 0, 0) + quote
    icmp = icmp[:2] + struct.pack("!H", checksum(icmp)) + icmp[4:]
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0, 0, 64, 1, 0,
                         router.packed, probe[12:16])
    header = header[:10] + struct.pack("!H", checksum(header)) + header[12:]
    return header + icmp


def packet(fields, at):
    """The HEX packet at fields[at]; anything after it marks the tracebox set."""
    if len(fields) != at + 1:
        raise SystemExit("corpus_pcap: not a wire-set entry (HEX packets only)")
    return bytes.fromhex(fields[at])


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sent, quotes, replies = {}, {}, {}
    with open(sys.argv[1]) as f:
        for line in f:
            fields = line.split()
            if not fields or fields[0].startswith("#"):
                continue
            if fields[0] == "sent":
                sent[int(fields[1])] = packet(fields, 2)
            elif fields[0] == "quote":
                quotes[int(fields[1])] = (ipaddress.ip_address(fields[2]), packet(fields, 3))
            elif fields[0] == "reply":
                replies[int(fields[1])] = packet(fields, 3)
    if not sent:
        raise SystemExit(f"corpus_pcap: no sent packet in {sys.argv[1]}")
    frames = []
    for ttl in sorted(sent):
        frames.append(sent[ttl])
        print(len(frames), ttl)
        if ttl in quotes:
            router, quote = quotes[ttl]
            frames.append(time_exceeded(router, sent[ttl], quote))
        if ttl in replies:
            frames.append(replies[ttl])
    with open(sys.argv[2], "wb") as out:
        out.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 101))
        for i, frame in enumerate(frames):
            out.write(struct.pack("<IIII", 1, i, len(frame), len(frame)))
            out.write(frame)


if __name__ == "__main__":
    main()
