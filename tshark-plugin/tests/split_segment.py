#!/usr/bin/env python3
"""Copies a pcap with one TCP segment cut in two, as a TSO split on the wire
would: both halves keep the IP and TCP headers with all their options (so an
MPTCP DSS mapping now spans two segments), the second half's sequence number
moves on by the first half's length.

usage: split_segment.py IN OUT FRAME

Positions come from tshark's PDML. Classic pcap only; the TCP checksum is
left as it was (tshark does not check it by default).
"""

import struct
import subprocess
import sys
import xml.etree.ElementTree as ET


def positions(path, frame):
    pdml = subprocess.run(
        ["tshark", "-r", path, "-Y", f"frame.number=={frame}", "-T", "pdml"],
        check=True, capture_output=True).stdout
    found = {}
    for node in ET.fromstring(pdml).iter():
        name = node.get("name")
        if name in ("ip.len", "ip.checksum", "ip.hdr_len", "ipv6.plen", "tcp.seq_raw",
                    "tcp.payload") and node.get("pos") is not None:
            found[name] = (int(node.get("pos")), int(node.get("size")))
    if "tcp.payload" not in found or "tcp.seq_raw" not in found:
        sys.exit(f"split_segment: frame {frame} has no TCP payload")
    return found


def ip_checksum(header):
    total = sum(struct.unpack(f"!{len(header) // 2}H", header))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def half(data, pos, cut, keep_first):
    payload_pos, payload_len = pos["tcp.payload"]
    out = bytearray(data[:payload_pos])
    out += data[payload_pos:payload_pos + cut] if keep_first else \
        data[payload_pos + cut:payload_pos + payload_len]
    removed = payload_len - cut if keep_first else cut
    if "ip.len" in pos:
        at = pos["ip.len"][0]
        struct.pack_into("!H", out, at, struct.unpack_from("!H", out, at)[0] - removed)
        start = at - 2
        hlen = (out[start] & 0x0F) * 4
        struct.pack_into("!H", out, start + 10, 0)
        struct.pack_into("!H", out, start + 10, ip_checksum(bytes(out[start:start + hlen])))
    else:
        at = pos["ipv6.plen"][0]
        struct.pack_into("!H", out, at, struct.unpack_from("!H", out, at)[0] - removed)
    if not keep_first:
        at = pos["tcp.seq_raw"][0]
        struct.pack_into("!I", out, at, (struct.unpack_from("!I", out, at)[0] + cut) & 0xFFFFFFFF)
    return bytes(out)


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    src, dst, frame = sys.argv[1], sys.argv[2], int(sys.argv[3])
    pos = positions(src, frame)
    data = open(src, "rb").read()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    out = bytearray(data[:24])
    at, number = 24, 1
    while at + 16 <= len(data):
        ts_sec, ts_frac, incl, orig = struct.unpack_from(endian + "IIII", data, at)
        record = data[at + 16:at + 16 + incl]
        if number == frame:
            cut = pos["tcp.payload"][1] // 2
            for piece in (half(record, pos, cut, True), half(record, pos, cut, False)):
                out += struct.pack(endian + "IIII", ts_sec, ts_frac, len(piece), len(piece))
                out += piece
        else:
            out += data[at:at + 16 + incl]
        at += 16 + incl
        number += 1
    open(dst, "wb").write(out)


if __name__ == "__main__":
    main()
