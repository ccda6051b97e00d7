#!/usr/bin/env python3
"""Copies a pcap with one byte of one frame inverted, to prove a check notices.

usage: patch_pcap.py IN OUT FRAME REGION DELTA

REGION names what DELTA counts from, located by tshark's own PDML output:
  option   the frame's first MPTCP option: DELTA >= 0 from its first byte,
           DELTA < 0 from its end (-1 is its last byte)
  option=S the frame's first MPTCP option of subtype S (a number)
  payload  the TCP payload: DELTA from its first byte
Classic pcap only (either byte order); convert pcapng with editcap -F pcap.
"""

import struct
import subprocess
import sys
import xml.etree.ElementTree as ET


def region_offset(path, frame, region, delta):
    pdml = subprocess.run(
        ["tshark", "-r", path, "-Y", f"frame.number=={frame}", "-T", "pdml"],
        check=True, capture_output=True).stdout
    root = ET.fromstring(pdml)
    subtype = region.partition("=")[2]
    for node in root.iter():
        name = node.get("name")
        if region.startswith("option") and node.tag == "proto" and name == "mptcp":
            if subtype and not any(f.get("name") == "tcp.options.mptcp.subtype" and
                                   f.get("show") == subtype for f in node.iter()):
                continue
            pos, size = int(node.get("pos")), int(node.get("size"))
            return pos + delta if delta >= 0 else pos + size + delta
        if region == "payload" and name == "tcp.payload":
            return int(node.get("pos")) + delta
    sys.exit(f"patch_pcap: frame {frame} of {path} has no {region}")


def flip(src, dst, frame, offset):
    data = bytearray(open(src, "rb").read())
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        endian = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        endian = ">"
    else:
        sys.exit(f"patch_pcap: {src} is not a classic pcap")
    pos, number = 24, 1
    while pos + 16 <= len(data):
        incl = struct.unpack_from(endian + "I", data, pos + 8)[0]
        if number == frame:
            if offset >= incl:
                sys.exit(f"patch_pcap: offset {offset} beyond frame {frame} ({incl} bytes)")
            data[pos + 16 + offset] ^= 0xFF
            open(dst, "wb").write(data)
            return
        pos += 16 + incl
        number += 1
    sys.exit(f"patch_pcap: {src} has no frame {frame}")


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    src, dst, frame, region, delta = sys.argv[1:]
    frame, delta = int(frame), int(delta)
    flip(src, dst, frame, region_offset(src, frame, region, delta))


if __name__ == "__main__":
    main()
