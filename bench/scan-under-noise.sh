#!/usr/bin/env bash
# Does the scanner lose replies when its interface also receives a flood of unrelated traffic,
# and what does receiving cost it? Scans a /16 of the lab's plain TCP hosts (65536 answer) twice,
# once quiet and once while trafgen (Debian's netsniff-ng) sends NOISE_PPS frames per second of
# traffic that is not ours from the gateway's namespace into the scanner's interface: UDP and
# SYN-ACKs to an address of the scanner's subnet that is not ours, and SYN-ACKs to our address
# on a port outside our source-port window. The kernel filter must drop all of it.
#
# Usage (root): bench/scan-under-noise.sh        # NOISE_PPS=1000000 RATE=20000 by default
#   NOISE_PPS=max bench/scan-under-noise.sh      # trafgen as fast as it goes
#   NOISE_PROCS=1 bench/scan-under-noise.sh      # one trafgen process (default: one per core)
# Needs the release binary (cargo build --release -p mptcpscan-driver); installs netsniff-ng from
# Debian when missing. Everything runs in the lab's namespaces, taken down on exit.
set -euo pipefail

BIN=${MPTCPSCAN:-target/release/mptcpscan}
LAB=${LAB:-noise}
NOISE_PPS=${NOISE_PPS:-1000000}
RATE=${RATE:-20000}
COOLDOWN=${COOLDOWN:-3}
# trafgen processes, each with its own transmit ring (trafgen splits the rate among them).
NOISE_PROCS=${NOISE_PROCS:-$(nproc)}

[ "$(id -u)" -eq 0 ] || { echo "scan-under-noise: needs root (network namespaces)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "scan-under-noise: build $BIN first (cargo build --release -p mptcpscan-driver)" >&2; exit 1; }
command -v trafgen >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q netsniff-ng >/dev/null

work=$(mktemp -d)
noise=
cleanup() {
	# trafgen forks one process per core: end its whole process group.
	[ -n "$noise" ] && kill -- "-$noise" 2>/dev/null && wait "$noise" 2>/dev/null
	"$BIN" lab down --name "$LAB" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

"$BIN" lab up --name "$LAB" --force --classes tcp --prefix-len 16 --ports 80 \
	--ground-truth "$work/truth.json" >/dev/null
field() { python3 -c "import json; t=json.load(open('$work/truth.json')); print($1)"; }
prefix=$(field "[p['prefix'] for p in t['prefixes'] if p['ip_version']==4][0]")
scan_ns=$(field "t['scanner']['netns']")
scan_if=$(field "t['scanner']['interface']")
scan_mac=$(field "t['scanner']['mac']")
gw_mac=$(field "t['scanner']['gateway_mac']")
src=$(field "t['scanner']['ipv4']['address']")
gw_ns="$LAB-r1"
gw_if=to-scan

# The noise frames, checksums included, as a trafgen configuration (one packet per block,
# sent in turn).
python3 - "$scan_mac" "$gw_mac" "$src" >"$work/noise.cfg" <<'PY'
import ipaddress, struct, sys
dst_mac, src_mac, ours = sys.argv[1], sys.argv[2], ipaddress.ip_address(sys.argv[3])
stranger = ipaddress.ip_address("198.18.0.5")  # in the scanner's subnet, nobody's address
gateway = ipaddress.ip_address("198.18.0.1")

def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF

def ip(proto, dst, payload):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, proto, 0,
                    gateway.packed, dst.packed)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload

def l4(proto, dst, segment, at):
    pseudo = gateway.packed + dst.packed + struct.pack("!BBH", 0, proto, len(segment))
    c = csum(pseudo + segment)
    return segment[:at] + struct.pack("!H", c) + segment[at + 2:]

def synack(dst, dport):
    seg = struct.pack("!HHIIBBHHH", 80, dport, 1, 1, 5 << 4, 0x12, 65535, 0, 0)
    return ip(6, dst, l4(6, dst, seg, 16))

def udp(dst):
    seg = struct.pack("!HHHH", 5353, 9, 16, 0) + b"noise..."
    return ip(17, dst, l4(17, dst, seg, 6))

eth = bytes.fromhex(dst_mac.replace(":", "") + src_mac.replace(":", "")) + b"\x08\x00"
for frame in (udp(stranger), synack(stranger, 40000), synack(ours, 80)):
    print("{ " + ", ".join(f"0x{b:02x}" for b in eth + frame) + " }")
PY

# A veth counts a frame as received once it is queued for the receiving namespace's stack, and
# as dropped when that queue (the backlog) was full.
rx_packets() { ip netns exec "$scan_ns" cat "/sys/class/net/$scan_if/statistics/rx_packets"; }
rx_dropped() { ip netns exec "$scan_ns" cat "/sys/class/net/$scan_if/statistics/rx_dropped"; }

scan() {
	ip netns exec "$scan_ns" "$BIN" scan "$prefix" --allow-lab -p 80 --mptcp-version 1 \
		--rate "$RATE" --cooldown "$COOLDOWN" -o "$work/scan.csv" 2>"$work/scan.err" </dev/null
	found=$(awk -F, 'NR > 1 && ($10 == "1" || $10 == "true") { print $1 }' "$work/scan.csv" | sort -u | wc -l)
	sent=$(sed -n 's/.*(\([0-9]*\) pps).*/\1/p' "$work/scan.err")
	receiver=$(sed -n 's/^mptcpscan: receiver: //p' "$work/scan.err")
	echo "found $found of 65536 at $sent pps sent; receiver: $receiver"
}

echo "lab /16 of plain TCP hosts ($prefix), scan at $RATE pps, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "quiet:      $(scan)"

limit=(-b "${NOISE_PPS}pps")
[ "$NOISE_PPS" = max ] && limit=()
setsid ip netns exec "$gw_ns" trafgen --dev "$gw_if" --conf "$work/noise.cfg" "${limit[@]}" -P "$NOISE_PROCS" -C \
	>/dev/null 2>"$work/trafgen.err" &
noise=$!
sleep 1
before=$(rx_packets)
dropped_before=$(rx_dropped)
start=$(date +%s.%N)
result=$(scan)
end=$(date +%s.%N)
after=$(rx_packets)
dropped_after=$(rx_dropped)
echo "with noise: $result"
per_second() { python3 -c "print(round(($2 - $1) / ($end - $start)))"; }
echo "on $scan_if during the scan: $(per_second "$before" "$after") frames/s received (noise and replies; asked $NOISE_PPS noise with $NOISE_PROCS trafgen processes), $(per_second "$dropped_before" "$dropped_after") frames/s dropped before the stack (backlog full)"
