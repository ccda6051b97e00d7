#!/usr/bin/env bash
# How many probes per second `mptcpscan scan` and Debian's zmap 2.1.1 (tcp_synscan) push into the
# same veth, whose far end only counts and drops them, alternating the two in one run.
#
# Usage (root): bench/scan-send-rate.sh             # 3 rounds of 2^21 probes each
#   ROUNDS=5 PORTS=128 bench/scan-send-rate.sh
#   THREADS=2 bench/scan-send-rate.sh             # both scanners with 2 sending threads (-T 2)
#   SINK=xdp bench/scan-send-rate.sh              # the sink drops with XDP instead of nft
#   SINK=rps bench/scan-send-rate.sh              # the sink's receive work on the other core
# SINK (the same for both scanners; default softirq): where and how the far end drops and counts;
# see docs/benchmarks.md for why the default stays (neither other sink is closer to a NIC).
#   PERF=DIR ROUNDS=1 bench/scan-send-rate.sh     # also `perf record -g` each scanner into DIR
#                                                 # (perf's own cost then counts in the figures)
# Needs the release binary (cargo build --release -p mptcpscan-driver); installs zmap from Debian
# when missing. Everything runs in two namespaces this script creates (NAME-scan, NAME-sink) with
# 198.18.0.0/15 and 2001:db8::/32 addresses only; they are deleted on exit, even on failure.
set -euo pipefail

BIN=${MPTCPSCAN:-target/release/mptcpscan}
NAME=${NAME:-msr}
ROUNDS=${ROUNDS:-3}
SINK=${SINK:-softirq}
# 2^15 addresses x PORTS probes per scanner per round.
PORTS=${PORTS:-64}
# Sending threads of both scanners (-T/--sender-threads).
THREADS=${THREADS:-1}
ALLOW=198.18.128.0/17
SCAN_MAC=02:6d:73:00:00:02
SINK_MAC=02:6d:73:00:00:01

[ "$(id -u)" -eq 0 ] || { echo "scan-send-rate: needs root (network namespaces)" >&2; exit 1; }
[ -x "$BIN" ] || { echo "scan-send-rate: build $BIN first (cargo build --release -p mptcpscan-driver)" >&2; exit 1; }
command -v zmap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q zmap >/dev/null

work=$(mktemp -d)
cleanup() {
	ip netns del "$NAME-scan" 2>/dev/null || true
	ip netns del "$NAME-sink" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
cleanup
work=$(mktemp -d)

ip netns add "$NAME-scan"
ip netns add "$NAME-sink"
ip -n "$NAME-scan" link add to-sink address $SCAN_MAC type veth peer name to-scan address $SINK_MAC netns "$NAME-sink"
# No IPv6 on the link: its neighbour discovery would add frames to the sink's count.
ip netns exec "$NAME-scan" sysctl -qw net.ipv6.conf.to-sink.disable_ipv6=1
ip netns exec "$NAME-sink" sysctl -qw net.ipv6.conf.to-scan.disable_ipv6=1
ip -n "$NAME-scan" link set lo up
ip -n "$NAME-scan" link set to-sink up
ip -n "$NAME-scan" addr add 198.18.0.2/24 dev to-sink
ip -n "$NAME-scan" neigh add 198.18.0.1 lladdr $SINK_MAC dev to-sink nud permanent
ip -n "$NAME-scan" route add default via 198.18.0.1
ip -n "$NAME-sink" link set to-scan up
# The sink drops every frame at the far end's ingress and counts it: an nft netdev chain
# (softirq, rps) or an XDP program (xdp).
nft_sink() {
	ip netns exec "$NAME-sink" nft -f - <<'NFT'
table netdev sink {
	chain ingress {
		type filter hook ingress device "to-scan" priority 0; policy accept;
		counter drop
	}
}
NFT
}
nft_count() {
	ip netns exec "$NAME-sink" nft list chain netdev sink ingress |
		sed -n 's/.*counter packets \([0-9]*\) bytes.*/\1/p' | head -1
}
case $SINK in
softirq)
	# The sink's receive work (the veth's backlog, the netdev hook, freeing the frame) runs in the
	# softirq of the CPU that sent the frame, charged to the scanner.
	nft_sink
	sink_count() { nft_count; }
	pin=() zmap_cores=()
	;;
xdp)
	# The same, with the cheapest drop a veth offers: the frame never enters the veth's backlog
	# or the netdev hook. The count: the far end's received packets (XDP's included).
	# The program (return XDP_DROP, two instructions) is loaded with bpf(2) and attached in native
	# mode over rtnetlink: no BPF compiler needed.
	ip netns exec "$NAME-sink" python3 - to-scan <<'PY'
import ctypes, os, socket, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
BPF_PROG_LOAD, BPF_PROG_TYPE_XDP, XDP_DROP, SYS_BPF = 5, 6, 1, 321
insns = ctypes.create_string_buffer(struct.pack('<BBhi', 0xb7, 0, 0, XDP_DROP) + struct.pack('<BBhi', 0x95, 0, 0, 0))
lic = ctypes.create_string_buffer(b'GPL')
attr = ctypes.create_string_buffer(struct.pack('=IIQQIIQII16sII', BPF_PROG_TYPE_XDP, 2, ctypes.addressof(insns),
    ctypes.addressof(lic), 0, 0, 0, 0, 0, b'sink_drop', 0, 0).ljust(128, b'\0'))
fd = libc.syscall(SYS_BPF, BPF_PROG_LOAD, attr, 128)
if fd < 0:
    sys.exit(f'xdp-drop: loading the program: {os.strerror(ctypes.get_errno())}')
index = socket.if_nametoindex(sys.argv[1])
xdp = struct.pack('=HHi', 8, 1, fd) + struct.pack('=HHI', 8, 3, 4)  # IFLA_XDP_FD, IFLA_XDP_FLAGS=DRV
body = struct.pack('=BxHiII', socket.AF_UNSPEC, 0, index, 0, 0) + struct.pack('=HH', 4 + len(xdp), 43 | 0x8000) + xdp
msg = struct.pack('=IHHII', 16 + len(body), 19, 1 | 4, 1, 0) + body
s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
s.send(msg)
reply = s.recv(4096)
error = struct.unpack_from('=i', reply, 16)[0]
if error:
    sys.exit(f'xdp-drop: attaching to {sys.argv[1]}: {os.strerror(-error)}')
PY
	sink_count() { ip netns exec "$NAME-sink" cat /sys/class/net/to-scan/statistics/rx_packets; }
	pin=() zmap_cores=()
	;;
rps)
	# The sink's receive queue is steered to the other core (RPS) and both scanners are pinned to
	# the first (zmap pins its threads itself unless told the core). Not a model of a NIC: each
	# frame is hashed, queued to the other core and freed there, and every time that core's queue
	# was empty the sender pays an inter-processor interrupt (a trapped MSR write in this VM).
	[ "$(nproc)" -ge 2 ] || { echo "scan-send-rate: SINK=rps needs 2 cores" >&2; exit 1; }
	nft_sink
	sink_count() { nft_count; }
	ip netns exec "$NAME-sink" sh -c 'echo 2 >/sys/class/net/to-scan/queues/rx-0/rps_cpus'
	pin=(taskset -c 0) zmap_cores=(--cores 0)
	;;
*) echo "scan-send-rate: SINK is softirq, xdp or rps, not $SINK" >&2; exit 1 ;;
esac

# zmap: its packaged config names an option 2.1.1 rejects, and its default blocklist covers
# 198.18.0.0/15, so: empty config, empty blocklist, the prefix as allowlist.
: >"$work/empty.conf"
: >"$work/empty.blocklist"
echo "$ALLOW" >"$work/allow"
probes=$(( 32768 * PORTS ))

# Runs a command and prints "wall-seconds cpu-seconds" (user + system of it and its children):
# on a loaded machine the CPU time a probe costs is steadier than the wall time.
timed() {
	python3 -c '
import resource, subprocess, sys, time
start = time.monotonic()
subprocess.run(sys.argv[1:], check=True, stdin=subprocess.DEVNULL)
wall = time.monotonic() - start
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print(f"{wall:.3f} {r.ru_utime + r.ru_stime:.3f}")' "$@"
}

# With PERF=DIR, the command prefix that records a run into DIR/NAME-ROUND.data.
profile() {
	[ -n "${PERF:-}" ] || return 0
	mkdir -p "$PERF"
	echo "perf record -q -g -F 999 -o $PERF/$1-$round.data --"
}

# Each prints "probes-counted-at-the-sink wall-seconds cpu-seconds".
run_ours() {
	local before after times
	before=$(sink_count)
	times=$(timed $(profile ours) "${pin[@]}" ip netns exec "$NAME-scan" "$BIN" scan "$ALLOW" --allow-lab -p "1-$PORTS" --mptcp-version 1 \
		--rate 0 --cooldown 0 -T "$THREADS" -o /dev/null 2>"$work/ours.err")
	after=$(sink_count)
	echo "$(( after - before )) $times"
}

run_zmap() {
	local before after times
	before=$(sink_count)
	times=$(timed $(profile zmap) "${pin[@]}" ip netns exec "$NAME-scan" zmap -C "$work/empty.conf" -M tcp_synscan -p 80 -P "$PORTS" \
		-r 100000000 -c 0 -T "$THREADS" -b "$work/empty.blocklist" -w "$work/allow" -i to-sink -G $SINK_MAC \
		-S 198.18.0.2 -O csv -f saddr -q -o /dev/null --disable-syslog "${zmap_cores[@]}" 2>"$work/zmap.err")
	after=$(sink_count)
	echo "$(( after - before )) $times"
}

rate() { python3 -c "print(round($1 / $2))"; }
ratio() { python3 -c "print(f'{$1 / max($2, 1):.2f}')"; }

echo "$probes probes per scanner per round into a counting veth sink (SINK=$SINK), $THREADS sending thread(s) each, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "pps = probes counted at the sink / wall time of the whole run (start-up included);"
echo "per CPU-s = probes counted / CPU time (user + system) of the scanner's process"
printf '%5s  %34s  %34s  %13s\n' round "mptcpscan: pps, per CPU-s" "zmap 2.1.1: pps, per CPU-s" "ratio: pps, CPU"
sum() { python3 -c "import sys; print(sum(map(float, sys.argv[1:])))" "$@"; }
totals=(0 0 0 0 0 0)
for round in $(seq "$ROUNDS"); do
	read -r on ow oc < <(run_ours)
	read -r zn zw zc < <(run_zmap)
	printf '%5s  %9s %12s %11s  %9s %12s %11s  %6s %6s\n' "$round" "$on" "$(rate "$on" "$ow")" \
		"$(rate "$on" "$oc")" "$zn" "$(rate "$zn" "$zw")" "$(rate "$zn" "$zc")" \
		"$(ratio "$(rate "$on" "$ow")" "$(rate "$zn" "$zw")")" \
		"$(ratio "$(rate "$on" "$oc")" "$(rate "$zn" "$zc")")"
	[ "$on" -eq "$probes" ] && [ "$zn" -eq "$probes" ] ||
		echo "       NOT COMPARABLE: the sink counted $on (mptcpscan) and $zn (zmap) of $probes probes"
	echo "       mptcpscan says: $(grep -o 'sent .* pps)' "$work/ours.err" || true)"
	totals=("$(sum "${totals[0]}" "$on")" "$(sum "${totals[1]}" "$ow")" "$(sum "${totals[2]}" "$oc")" \
		"$(sum "${totals[3]}" "$zn")" "$(sum "${totals[4]}" "$zw")" "$(sum "${totals[5]}" "$zc")")
done
printf '%5s  %9s %12s %11s  %9s %12s %11s  %6s %6s\n' all "" "$(rate "${totals[0]}" "${totals[1]}")" \
	"$(rate "${totals[0]}" "${totals[2]}")" "" "$(rate "${totals[3]}" "${totals[4]}")" \
	"$(rate "${totals[3]}" "${totals[5]}")" \
	"$(ratio "$(rate "${totals[0]}" "${totals[1]}")" "$(rate "${totals[3]}" "${totals[4]}")")" \
	"$(ratio "$(rate "${totals[0]}" "${totals[2]}")" "$(rate "${totals[3]}" "${totals[5]}")")"
