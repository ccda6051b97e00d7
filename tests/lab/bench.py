#!/usr/bin/env python3
"""How fast the lab answers: not a test, a measurement (run as root, lab up).

Usage: ip netns exec NAME-scan python3 bench.py GROUND_TRUTH.json CLASS [COUNT]

Sends COUNT v1 MP_CAPABLE SYNs as Ethernet frames (AF_PACKET, from the scanner's raw address,
as a ZMap-like scanner does) to distinct addresses of CLASS's IPv4 prefix, as fast as Python
can, then counts the distinct hosts that answered (an nft dynamic set filled in the scanner
namespace's prerouting hook, so retransmitted SYN-ACKs count once and nothing is missed by a slow
reader). Prints the send rate and the share of hosts answering: the lab's capacity for that class
at that rate. Build the lab with a release binary: its daemons run the binary that started it.
"""

import subprocess

import ipaddress
import json
import socket
import struct
import sys
import time

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import check  # noqa: E402


def nft(script):
    subprocess.run(["nft", "-f", "-"], input=script.encode(), check=True)


def answered_hosts():
    out = subprocess.run(["nft", "-j", "list", "set", "inet", "mptcpscan_bench", "seen"], capture_output=True, check=True)
    for item in json.loads(out.stdout)["nftables"]:
        if "set" in item:
            return len(item["set"].get("elem", []))
    return 0


def main():
    truth = json.load(open(sys.argv[1]))
    cls = sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 100000
    entry = next(p for p in truth["prefixes"] if p["class"] == cls and p["ip_version"] == 4)
    net = ipaddress.ip_network(entry["prefix"])
    scanner = truth["scanner"]
    src = ipaddress.ip_address(scanner["ipv4"]["raw_address"])
    eth = check.mac_bytes(scanner["gateway_mac"]) + check.mac_bytes(scanner["mac"]) + b"\x08\x00"
    prober = check.Prober(truth)
    frames = []
    count = min(count, net.num_addresses)
    hosts = count
    for i in range(hosts):
        dst = net.network_address + i
        segment = prober.syn(src, dst, 40000 + i % 20000, truth["ports"][0], i, check.V1_OPTIONS)
        header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(segment), 1, 0, 64, 6, 0, src.packed, dst.packed)
        header = header[:10] + struct.pack("!H", check.csum(header)) + header[12:]
        frames.append(eth + header + segment)
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((scanner["interface"], 0))
    nft(
        "table inet mptcpscan_bench {\n"
        " set seen { type ipv4_addr; size 1048576; flags dynamic; }\n"
        " chain pre { type filter hook prerouting priority -300; policy accept;\n"
        "  ip saddr %s tcp sport %d add @seen { ip saddr }\n }\n"
        "}\n" % (net, truth["ports"][0])
    )
    try:
        start = time.perf_counter()
        for frame in frames:
            s.send(frame)
        elapsed = time.perf_counter() - start
        time.sleep(1.5)
        answered = answered_hosts()
    finally:
        nft("delete table inet mptcpscan_bench\n")
    print("%-16s %6d SYNs in %.2f s = %7.0f pps, %6d hosts answered (%.1f%%)" % (cls, count, elapsed, count / elapsed, answered, 100.0 * answered / count))


if __name__ == "__main__":
    main()
